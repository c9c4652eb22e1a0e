"""Metrics: Prometheus query_range (matrix) and instant (vector) responses, CSV (timestamp,value[,series]
or one column per series), Datadog v1/v2 timeseries and OTLP JSON gauges/sums.

Values arrive as strings; "NaN", "+Inf" and missing scrape intervals become None points (gaps).
"""

from __future__ import annotations

import csv
from pathlib import PurePosixPath
from typing import Any

from agent import rxcache as rx
from agent.models import MetricSeries
from agent.points import remember
from agent.sources.context import FileCtx
from agent.sources.detect import Detector, Sniff, items_of
from agent.sources.logfields import otlp_attrs
from agent.sources.promseries import (
    Point,
    Times,
    column_points,
    fast_points,
    prom_points,
    to_value,
    with_gaps,
)
from agent.sources.promtext import Column
from agent.sources.timeparse import parse_any


def _stem(rel: str) -> str:
    return PurePosixPath(rel).name.split(".")[0] or "metric"


def _prom_result(sn: Sniff) -> tuple[str, list[dict]] | None:
    doc = sn.doc
    if not (isinstance(doc, dict) and doc.get("status") == "success" and isinstance(doc.get("data"), dict)):
        return None
    data = doc["data"]
    if data.get("resultType") in ("matrix", "vector") and isinstance(data.get("result"), list):
        return data["resultType"], items_of(data, "result")
    return None


def score_prom_range(sn: Sniff) -> float:
    res = _prom_result(sn)
    return 0.95 if res and res[0] == "matrix" else 0.0


def score_prom_instant(sn: Sniff) -> float:
    res = _prom_result(sn)
    return 0.95 if res and res[0] == "vector" else 0.0


def _series(ctx: FileCtx, metric: dict, points: list[Point]) -> MetricSeries:
    labels = {str(k): str(v) for k, v in (metric or {}).items() if k != "__name__"}
    name = (metric or {}).get("__name__") or _stem(ctx.rel)
    # Built, not validated: every field already has its exact type, and validating 10k points per
    # series costs more than parsing them.
    return MetricSeries.model_construct(name=str(name), labels=labels, points=points, source_file=ctx.rel)


def parse_prom(sn: Sniff, ctx: FileCtx) -> int:
    kind, results = _prom_result(sn)  # type: ignore[misc]
    non_finite = 0
    times = Times()
    for r in results:
        pairs = (r.get("values") or []) if kind == "matrix" else [r.get("value") or []]
        if isinstance(pairs, Column):
            got = column_points(pairs, times)
            pairs = pairs.pairs() if got is None else pairs
        else:
            got = None
        points, t_us, v, bad = got or fast_points(pairs, times) or prom_points(pairs, times)
        non_finite += bad
        series = _series(ctx, r.get("metric") or {}, points)
        remember(series, t_us, v)
        ctx.out.series.append(series)
    if non_finite:
        ctx.out.warnings.append(f"{ctx.rel}: {non_finite} NaN/Inf sample(s) kept as gaps")
    return len(results)


# ----------------------------------------------------------------------------- CSV

_TIME_HEADER = rx.compile(r"(?i)^(time|timestamp|ts|date|datetime|_time|@timestamp|t)$")


def _csv_time_ok(cell: str) -> bool:
    """A CSV time cell: an ISO time or an epoch after 1973 (small numbers are values, not times)."""
    cell = cell.strip()
    if to_value(cell) is not None:
        return float(cell) > 1e8
    return parse_any(cell)[0] is not None


def _csv_rows(text: str) -> list[list[str]]:
    """Rows, one per line: a stray quote in a garbage row must not swallow the rest of the file."""
    rows = (next(csv.reader([line]), []) for line in text.splitlines())
    return [row for row in rows if row and any(c.strip() for c in row)]


def _csv_layout(sn: Sniff) -> tuple[bool, int] | None:
    """(has header, value columns) when the head looks like timestamp,value[,series] CSV."""
    if sn.doc is not None or sn.jsonl is not None or "," not in sn.text_head[:2000]:
        return None
    lines = sn.text_head.splitlines()
    rows = _csv_rows("\n".join(lines[:51] if len(lines) > 1 else lines))
    if len(rows) < 2:
        return None
    header = bool(_TIME_HEADER.match(rows[0][0].strip())) and to_value(rows[0][1] if len(rows[0]) > 1 else "x") is None
    body = rows[1:] if header else rows
    good = sum(1 for r in body if len(r) >= 2 and _csv_time_ok(r[0])
               and (to_value(r[1]) is not None or r[1].strip().lower() in ("nan", "", "+inf", "-inf", "inf")))
    return (header, len(rows[0])) if body and good / len(body) >= 0.9 else None


def score_csv(sn: Sniff) -> float:
    return 0.95 if _csv_layout(sn) else 0.0


def parse_csv(sn: Sniff, ctx: FileCtx) -> int:
    header, _ = _csv_layout(sn)  # type: ignore[misc]
    rows = _csv_rows(ctx.text)
    names = [c.strip() for c in rows[0]] if header else []
    body = rows[1:] if header else rows
    long_form = len(body[0]) >= 3 and to_value(body[0][2]) is None and body[0][2].strip().lower() not in ("nan", "")
    buckets: dict[str, list[Point]] = {}
    for row in body:
        t = ctx.time(row[0].strip())
        if t is None:
            continue
        if long_form or len(row) == 2:
            key = row[2].strip() if long_form else (names[1] if header and len(names) > 1 and names[1].lower()
                                                   != "value" else _stem(ctx.rel))
            buckets.setdefault(key, []).append((t, to_value(row[1])))
        else:
            for i, cell in enumerate(row[1:], start=1):
                key = names[i] if header and i < len(names) else f"{_stem(ctx.rel)}_{i}"
                buckets.setdefault(key, []).append((t, to_value(cell)))
    for name, points in buckets.items():
        ctx.out.series.append(MetricSeries(name=name, points=with_gaps(points), source_file=ctx.rel))
    return len(buckets)


# ----------------------------------------------------------------------------- Datadog, OTLP


def _datadog_v1(doc: Any) -> list[dict]:
    return [s for s in items_of(doc, "series") if "pointlist" in s] if isinstance(doc, dict) else []


def _datadog_v2(doc: Any) -> dict | None:
    data = doc.get("data") if isinstance(doc, dict) else None
    attrs = data.get("attributes") if isinstance(data, dict) else None
    return attrs if isinstance(attrs, dict) and "times" in attrs and "values" in attrs else None


def score_datadog(sn: Sniff) -> float:
    return 0.9 if _datadog_v1(sn.doc) or _datadog_v2(sn.doc) else 0.0


def parse_datadog(sn: Sniff, ctx: FileCtx) -> int:
    v1 = _datadog_v1(sn.doc)
    for s in v1:
        points = [(parse_any(p[0])[0], to_value(p[1])) for p in s["pointlist"] if isinstance(p, list) and len(p) > 1]
        labels = dict(t.split(":", 1) for t in s.get("tag_set") or [] if ":" in t)
        ctx.out.series.append(MetricSeries(name=s.get("metric") or _stem(ctx.rel), labels=labels, unit=_unit(s),
                                           points=with_gaps([p for p in points if p[0]]), source_file=ctx.rel))
    if v1:
        return len(v1)
    attrs = _datadog_v2(sn.doc)
    times = [parse_any(t)[0] for t in attrs["times"]]
    for i, values in enumerate(attrs["values"]):
        meta = (attrs.get("series") or [{}] * (i + 1))[i] if i < len(attrs.get("series") or []) else {}
        labels = dict(t.split(":", 1) for t in meta.get("group_tags") or [] if ":" in t)
        points = [(t, to_value(v)) for t, v in zip(times, values) if t]
        ctx.out.series.append(MetricSeries(name=f"{_stem(ctx.rel)}_q{meta.get('query_index', i)}", labels=labels,
                                           points=with_gaps(points), source_file=ctx.rel))
    return len(attrs["values"])


def _unit(s: dict) -> str | None:
    unit = s.get("unit")
    if isinstance(unit, list) and unit and isinstance(unit[0], dict):
        return unit[0].get("short_name") or unit[0].get("name")
    return None


def score_otlp(sn: Sniff) -> float:
    return 0.95 if isinstance(sn.doc, dict) and isinstance(sn.doc.get("resourceMetrics"), list) else 0.0


def parse_otlp(sn: Sniff, ctx: FileCtx) -> int:
    count = 0
    for rm in items_of(sn.doc, "resourceMetrics"):
        res = otlp_attrs((rm.get("resource") or {}).get("attributes"))
        for sm in items_of(rm, "scopeMetrics"):
            for metric in items_of(sm, "metrics"):
                body = metric.get("gauge") or metric.get("sum")
                if not isinstance(body, dict):
                    continue
                by_labels: dict[tuple, list[Point]] = {}
                for dp in items_of(body, "dataPoints"):
                    labels = {**{k: str(v) for k, v in res.items()}, **{k: str(v) for k, v in
                                                                       otlp_attrs(dp.get("attributes")).items()}}
                    t = parse_any(dp.get("timeUnixNano"))[0]
                    if t:
                        by_labels.setdefault(tuple(sorted(labels.items())), []).append(
                            (t, to_value(dp.get("asDouble", dp.get("asInt")))))
                for labels, points in by_labels.items():
                    ctx.out.series.append(MetricSeries(name=metric.get("name", "metric"), labels=dict(labels),
                                                       points=with_gaps(points), unit=metric.get("unit"),
                                                       source_file=ctx.rel))
                    count += 1
    return count


DETECTORS = [
    Detector("prometheus.query_range", score_prom_range, parse_prom, kind="metric"),
    Detector("prometheus.query", score_prom_instant, parse_prom, kind="metric"),
    Detector("metrics.csv", score_csv, parse_csv, kind="metric"),
    Detector("datadog.timeseries", score_datadog, parse_datadog, kind="metric"),
    Detector("otlp.metrics", score_otlp, parse_otlp, kind="metric"),
]
