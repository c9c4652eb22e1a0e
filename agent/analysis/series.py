"""Metric series arithmetic for the timeline and impact stages: what a series means (error rate,
latency, saturation, failed-request counter), where it departs from its baseline and where it recovers.

Deliberately simple and deterministic: a robust baseline (median and MAD of the leading points) and a
sustained departure from it. The evidence stage may find finer change points; this only has to agree on
"when did it go bad, how bad, when did it come back".
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from agent.models import MetricSeries

SeriesRole = Literal["error_rate", "error_count", "latency", "saturation", "traffic", "other"]

_LATENCY = re.compile(r"latenc|duration|response_time|p9[059]|quantile|\brtt|_rtt", re.I)
_ERRORS = re.compile(r"error|5xx|fail|exception|unavailable|status=\"?5|code=\"?5|refused|timeout", re.I)
_SATURATION = re.compile(r"pool|connections?_(?:active|in_use|used)|utili[sz]ation|saturation|cpu|memory|"
                         r"heap|disk|queue|inflight|in_flight|threads|usage|conn|activity|active|waiting|backlog|"
                         r"filesystem|_fs_|used_ratio|used_bytes|inodes?|file_?descriptors|open_fds|pids", re.I)
_TRAFFIC = re.compile(r"requests?_total|rps|throughput|http_requests", re.I)


@dataclass(frozen=True)
class Shift:
    """A sustained departure of one series from its baseline."""

    series: MetricSeries
    role: SeriesRole
    start: datetime
    peak_time: datetime
    baseline: float
    peak: float
    recovered: datetime | None
    direction: Literal["up", "down"]


def describe(series: MetricSeries) -> str:
    """The series name as the report shows it: name plus its identifying labels."""
    return series.series_id


def role_of(series: MetricSeries) -> SeriesRole:
    """Classify a series by its name and labels (names are hints, but they are all a series has)."""
    return role_of_name(series.name + " " + " ".join(f"{k}={v}" for k, v in sorted(series.labels.items())))


def role_of_name(text: str) -> SeriesRole:
    """Classify a series id such as ``http_requests_total{code="500"}``."""
    name = text.split("{", 1)[0].split(" ", 1)[0]
    if _LATENCY.search(text) and not re.search(r"_total\b", name):
        return "latency"
    if _ERRORS.search(text):
        if re.search(r"_total\b|count", name) and not re.search(r"rate|ratio|percent|pct", name, re.I):
            return "error_count"
        return "error_rate"
    if _SATURATION.search(text):
        return "saturation"
    if _TRAFFIC.search(text):
        return "traffic"
    return "other"


def values(series: MetricSeries) -> list[tuple[datetime, float]]:
    """Points with NaN/gaps dropped, in time order."""
    return sorted((t, v) for t, v in series.points if v is not None and v == v)


def is_counter(series: MetricSeries) -> bool:
    """A monotonically non-decreasing ``*_total`` series (resets allowed)."""
    pts = values(series)
    if len(pts) < 3 or not series.name.endswith(("_total", "_count")):
        return False
    drops = sum(1 for (_, a), (_, b) in zip(pts, pts[1:]) if b < a)
    return drops <= max(1, len(pts) // 20)


def as_rate(series: MetricSeries) -> list[tuple[datetime, float]]:
    """Per-second rate for counters (reset-aware); the values themselves otherwise."""
    pts = values(series)
    if not is_counter(series):
        return pts
    out = []
    for (t0, a), (t1, b) in zip(pts, pts[1:]):
        dt = (t1 - t0).total_seconds()
        if dt > 0:
            out.append((t1, (b - a if b >= a else b) / dt))
    return out


def increase(series: MetricSeries, start: datetime, end: datetime) -> float | None:
    """How much a counter grew in [start, end], or the time-integral of a per-second rate."""
    pts = [(t, v) for t, v in values(series) if start <= t <= end]
    if len(pts) < 2:
        return None
    if is_counter(series):
        return sum(b - a if b >= a else b for (_, a), (_, b) in zip(pts, pts[1:]))
    return sum(a * (t1 - t0).total_seconds() for (t0, a), (t1, _) in zip(pts, pts[1:]))


def find_shift(series: MetricSeries, *, before: datetime | None = None, role: SeriesRole | None = None) -> Shift | None:
    """The first sustained departure from the baseline, with its peak and recovery.

    The baseline is the leading third of the points (or the points before ``before`` when given).
    A departure must last at least two consecutive points and exceed both 4 MADs and 25% of the baseline.
    """
    pts = as_rate(series)
    if len(pts) < 5:
        return None
    base = [v for t, v in pts if before and t < before] if before else []
    if len(base) < 3:
        base = [v for _, v in pts[: max(3, len(pts) // 3)]]
    med = statistics.median(base)
    mad = statistics.median(abs(v - med) for v in base) or 0.0
    threshold = max(4 * 1.4826 * mad, 0.25 * abs(med), 1e-9)
    start_idx = _first_sustained(pts, med, threshold)
    if start_idx is None:
        return None
    up = pts[start_idx][1] > med
    tail = pts[start_idx:]
    peak_t, peak_v = (max if up else min)(tail, key=lambda p: p[1])
    recovered = _recovery(pts, pts.index((peak_t, peak_v)), med, threshold)
    return Shift(series, role or role_of(series), pts[start_idx][0], peak_t, med, peak_v, recovered,
                 "up" if up else "down")


def _first_sustained(pts: list[tuple[datetime, float]], med: float, threshold: float) -> int | None:
    for i in range(len(pts) - 1):
        if abs(pts[i][1] - med) > threshold and abs(pts[i + 1][1] - med) > threshold \
                and (pts[i][1] > med) == (pts[i + 1][1] > med):
            return i
    return None


def _recovery(pts: list[tuple[datetime, float]], peak_idx: int, med: float, threshold: float) -> datetime | None:
    for i in range(peak_idx + 1, len(pts)):
        if abs(pts[i][1] - med) <= threshold:
            return pts[i][0]
    return None


def fmt_value(value: float, series: MetricSeries, role: SeriesRole) -> str:
    """A human value with a unit guessed from the series name: ms for latency, % for ratios."""
    name = series.name.lower()
    unit = (series.unit or "").lower()
    if role == "latency":
        ms = value * 1000 if ("second" in name or unit in ("s", "seconds")) else value
        return f"{ms:,.0f} ms"
    if re.search(r"ratio|fraction", name) or unit == "ratio":
        return f"{value * 100:.1f}%"
    if re.search(r"percent|pct", name) or unit in ("%", "percent"):
        return f"{value:.1f}%"
    per_s = "/s" if is_counter(series) else ""
    if abs(value) >= 100:
        return f"{value:,.0f}{per_s}"
    return f"{value:.3g}{per_s}"
