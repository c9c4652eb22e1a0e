"""Metrics: Prometheus query_range (matrix) and instant (vector) responses, CSV (timestamp,value[,series]
or one column per series), Datadog v1/v2 timeseries and OTLP JSON gauges/sums.

Values arrive as strings; "NaN", "+Inf" and missing scrape intervals become None points (gaps).
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
else:  # numpy loads on first use, after a big draft's log miners fork (agent/deferred.py)
    from agent.deferred import numpy as np

from agent.models import MetricSeries
from agent.points import micros, remember
from agent.sources import numcolumn
from agent.sources.context import FileCtx
from agent.sources.detect import Detector, Sniff, items_of
from agent.sources.logfields import otlp_attrs
from agent.sources.promtext import Column
from agent.sources.timeparse import parse_any

Point = tuple[datetime, float | None]


def to_value(raw: Any) -> float | None:
    """A sample value, or None for NaN/Inf/unparseable (gaps, not zeros)."""
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) or math.isinf(value) else value


def with_gaps(points: list[Point]) -> list[Point]:
    """Sort, and insert a None point wherever the step is more than twice the usual one."""
    us = np.fromiter((micros(t) for t, _ in points), np.int64, len(points))
    return _gapped([t for t, _ in points], us, [v for _, v in points], _nan_array([v for _, v in points]))[0]


@dataclass(frozen=True, slots=True)
class _GapPlan:
    """Where ``with_gaps`` sorts a time column and inserts gaps: it depends on the times alone, so the
    series of one file that share a column share its plan."""

    order: list[int] | None  # the stable sort, when the column is not sorted
    times: list[datetime]  # sorted
    t_us: np.ndarray  # sorted
    gaps: list[int]  # a gap point goes between sorted points i and i + 1
    mids: list[datetime]
    mid_us: list[int]


def _gap_plan(times: list[datetime], t_us: np.ndarray) -> _GapPlan:
    """Steps are compared in float seconds exactly as ``timedelta.total_seconds`` gives them."""
    n = len(t_us)
    order = None
    if n > 1 and bool((t_us[1:] < t_us[:-1]).any()):
        sort = np.argsort(t_us, kind="stable")
        order, t_us = sort.tolist(), t_us[sort]
        times = [times[i] for i in order]
    gaps: list[int] = []
    if n >= 3:
        if int(t_us[-1]) - int(t_us[0]) < 2**53:  # exact in float64: numpy divides as Python would
            steps = np.diff(t_us) / 1_000_000
        else:  # absurd spans (year 1 to 9999): Python's int division keeps total_seconds' rounding
            flat = t_us.tolist()
            steps = np.array([(b - a) / 1_000_000 for a, b in zip(flat, flat[1:])])
        step = float(np.median(steps))
        gaps = np.flatnonzero(steps > 2 * step).tolist() if step > 0 else []
    mids = [times[i] + (times[i + 1] - times[i]) / 2 for i in gaps]
    return _GapPlan(order, times, t_us, gaps, mids, [micros(m) for m in mids])


def _gapped(times: list[datetime], t_us: np.ndarray, vals: list[float | None], v: np.ndarray,
            plan: _GapPlan | None = None) -> tuple[list[Point], np.ndarray, np.ndarray]:
    """``with_gaps`` on parallel columns: times, their epoch microseconds, values and values as an array
    (NaN for None). Returns the points and their two arrays. ``plan`` is ``_gap_plan(times, t_us)``."""
    plan = plan or _gap_plan(times, t_us)
    t_us = plan.t_us
    if plan.order is not None:
        t_us, v, vals = t_us.copy(), v[plan.order], [vals[i] for i in plan.order]  # copy: its own, as before
    points = list(zip(plan.times, vals))
    if not plan.gaps:
        return points, t_us, v
    out: list[Point] = []
    for i, last, mid in zip(plan.gaps, [-1, *plan.gaps], plan.mids):
        out += points[last + 1:i + 1]
        out.append((mid, None))
    out += points[plan.gaps[-1] + 1:]
    at = np.array(plan.gaps) + 1
    return out, np.insert(t_us, at, plan.mid_us), np.insert(v, at, np.nan)


def _nan_array(vals: list[float | None]) -> np.ndarray:
    return np.fromiter((np.nan if v is None else v for v in vals), np.float64, len(vals))


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
    times = _Times()
    for r in results:
        pairs = (r.get("values") or []) if kind == "matrix" else [r.get("value") or []]
        if isinstance(pairs, Column):
            got = _column_points(pairs, times)
            pairs = pairs.pairs() if got is None else pairs
        else:
            got = None
        points, t_us, v, bad = got or _fast_points(pairs, times) or _prom_points(pairs, times)
        non_finite += bad
        series = _series(ctx, r.get("metric") or {}, points)
        remember(series, t_us, v)
        ctx.out.series.append(series)
    if non_finite:
        ctx.out.warnings.append(f"{ctx.rel}: {non_finite} NaN/Inf sample(s) kept as gaps")
    return len(results)


class _Times(dict):
    """Raw JSON time -> (datetime, epoch microseconds). The series of one file share their timestamps,
    so each distinct one is parsed once (500k points, 10k timestamps in a large bundle); ``runs`` keeps
    whole timestamp columns, usually identical from one series to the next."""

    def __init__(self) -> None:
        super().__init__()
        self.runs: dict[tuple, tuple[list[datetime], np.ndarray] | None] = {}
        self.plans: dict[int, tuple[np.ndarray, _GapPlan]] = {}  # id of a column's array -> its plan
        self.last: tuple[tuple, tuple[list[datetime], np.ndarray] | None] | None = None

    def __missing__(self, raw: Any) -> tuple[datetime | None, int]:
        self[raw] = hit = _time(raw)
        return hit

    def get_one(self, raw: Any) -> tuple[datetime | None, int]:
        return self[raw] if raw.__class__ in _KEYABLE else _time(raw)

    def column(self, raws: tuple) -> tuple[list[datetime], np.ndarray] | None:
        """The times of a whole column, or None when one of them is not a time."""
        if self.last is not None and self.last[0] == raws:  # the usual case: the previous series' column
            return self.last[1]
        try:
            known = raws in self.runs
        except TypeError:  # a list or dict where a time should be: the general loop skips that pair
            return None
        if not known:
            hits = [self.get_one(raw) for raw in raws]
            ok = all(t is not None for t, _ in hits)
            self.runs[raws] = ([t for t, _ in hits], _frozen([u for _, u in hits])) if ok else None
        self.last = (raws, self.runs[raws])
        return self.last[1]


    def plan(self, column: tuple[list[datetime], np.ndarray]) -> _GapPlan:
        """The gap plan of a column ``column()`` returned (its array is kept, so its id stays its own)."""
        hit = self.plans.get(id(column[1]))
        if hit is None or hit[0] is not column[1]:
            hit = self.plans[id(column[1])] = (column[1], _gap_plan(*column))
        return hit[1]


def _frozen(us: list[int]) -> np.ndarray:
    arr = np.array(us, dtype=np.int64)
    arr.flags.writeable = False  # shared by every series with this column
    return arr


def _time(raw: Any) -> tuple[datetime | None, int]:
    t = parse_any(raw)[0]
    return t, (micros(t) if t is not None else 0)


_KEYABLE = (float, int, str)  # bool is an int but never a time; lists and dicts cannot be keys


def _fast_points(pairs: Any, times: _Times) -> tuple[list[Point], np.ndarray, np.ndarray, int] | None:
    """``_prom_points`` for the usual shape (every pair a [time, value] list, every time valid) with
    C-level loops; None for anything else, which the general loop handles."""
    if not isinstance(pairs, list) or not pairs or set(map(type, pairs)) != {list}:
        return None
    try:  # as _prom_points reads them: pair[0] and pair[1] of pairs of two or more
        raw_t, raw_v = zip(*pairs)
    except ValueError:  # some pair is shorter (or every pair longer): the general loop
        return None
    column = times.column(raw_t)
    if column is None:
        return None
    decoded = numcolumn.decode(raw_v)  # all of float() in one orjson parse, when it gives the same
    if decoded is not None:
        return *_gapped(column[0], column[1], decoded[0], decoded[1], times.plan(column)), decoded[2]
    try:
        vals: list[float | None] = list(map(float, raw_v))
    except (TypeError, ValueError):
        vals = [to_value(x) for x in raw_v]
        return *_gapped(column[0], column[1], vals, _nan_array(vals), times.plan(column)), vals.count(None)
    v = np.array(vals, dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(v)).tolist()  # NaN and Inf: gaps, as to_value makes them
    v[bad] = np.nan
    for i in bad:
        vals[i] = None
    return *_gapped(column[0], column[1], vals, v, times.plan(column)), len(bad)


def _column_points(col: Column, times: _Times) -> tuple[list[Point], np.ndarray, np.ndarray, int] | None:
    """``_fast_points`` of a series whose pairs are still text (agent.sources.promtext)."""
    column = times.column(col.raw_times)
    if column is None:
        return None
    vals, v, gaps = numcolumn.finish(col.numbers.copy(), col.raw_at)
    return *_gapped(column[0], column[1], vals, v, times.plan(column)), gaps


def _prom_points(pairs: Any, times: _Times) -> tuple[list[Point], np.ndarray, np.ndarray, int]:
    """A result's [time, "value"] pairs: (points with gaps, their arrays, NaN/Inf count)."""
    dts: list[datetime] = []
    us: list[int] = []
    vals: list[float | None] = []
    non_finite = 0
    for pair in pairs:
        if not isinstance(pair, list) or len(pair) < 2:
            continue
        t, u = times.get_one(pair[0])
        v = to_value(pair[1])
        non_finite += v is None
        if t is not None:
            dts.append(t)
            us.append(u)
            vals.append(v)
    return *_gapped(dts, np.array(us, dtype=np.int64), vals, _nan_array(vals)), non_finite


# ----------------------------------------------------------------------------- CSV

_TIME_HEADER = re.compile(r"(?i)^(time|timestamp|ts|date|datetime|_time|@timestamp|t)$")


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
