"""Metric series arithmetic for the timeline and impact stages: what a series means (error rate,
latency, saturation, failed-request counter), where it departs from its baseline and where it recovers.

Deliberately simple and deterministic: a robust baseline (median and MAD of the leading points) and a
sustained departure from it. The evidence stage may find finer change points; this only has to agree on
"when did it go bad, how bad, when did it come back".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np

from agent import rxcache as rx
from agent.models import MetricSeries
from agent.points import PointArrays, arrays, micros

SeriesRole = Literal["error_rate", "error_count", "latency", "saturation", "traffic", "other"]

_LATENCY = rx.compile(r"latenc|duration|response_time|p9[059]|quantile|\brtt|_rtt", re.I)
_ERRORS = rx.compile(r"error|5xx|fail|exception|unavailable|status=\"?5|code=\"?5|refused|timeout", re.I)
_SATURATION = rx.compile(r"pool|connections?_(?:active|in_use|used)|utili[sz]ation|saturation|cpu|memory|"
                         r"heap|disk|queue|inflight|in_flight|threads|usage|conn|activity|active|waiting|backlog|"
                         r"filesystem|_fs_|used_ratio|used_bytes|inodes?|file_?descriptors|open_fds|pids", re.I)
_TRAFFIC = rx.compile(r"requests?_total|rps|throughput|http_requests", re.I)


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


@dataclass(frozen=True, slots=True)
class _Column:
    """Points of a series as arrays: ``at`` indexes ``series.points`` (for the exact datetime objects),
    ``t_us`` holds epoch microseconds and ``v`` the values."""

    at: np.ndarray
    t_us: np.ndarray
    v: np.ndarray

    def time(self, series: MetricSeries, i: int) -> datetime:
        return series.points[int(self.at[i])][0]


def _finite(arr: PointArrays) -> _Column:
    """Gaps and NaN dropped, in (time, value) order: what ``values`` returns."""
    at = np.flatnonzero(~np.isnan(arr.v))
    t, v = arr.t_us[at], arr.v[at]
    if len(t) > 1 and not bool((t[1:] > t[:-1]).all()):
        order = np.lexsort((v, t))
        at, t, v = at[order], t[order], v[order]
    return _Column(at, t, v)


def _column(series: MetricSeries) -> _Column:
    return arrays(series).view("finite", _finite)


def values(series: MetricSeries) -> list[tuple[datetime, float]]:
    """Points with NaN/gaps dropped, in time order."""
    pts = series.points
    return [(pts[i][0], pts[i][1]) for i in _column(series).at.tolist()]


def is_counter(series: MetricSeries) -> bool:
    """A monotonically non-decreasing ``*_total`` series (resets allowed)."""
    if not series.name.endswith(("_total", "_count")):
        return False
    v = _column(series).v
    if len(v) < 3:
        return False
    drops = int(np.count_nonzero(v[1:] < v[:-1]))
    return drops <= max(1, len(v) // 20)


def _rates(series: MetricSeries) -> _Column:
    """``as_rate`` as arrays. Seconds are microseconds / 1e6, as ``timedelta.total_seconds`` gives them."""
    col = _column(series)
    if not is_counter(series):
        return col
    a, b = col.v[:-1], col.v[1:]
    dt_us = np.diff(col.t_us)
    keep = dt_us > 0
    with np.errstate(all="ignore"):
        rate = np.where(b >= a, b - a, b)[keep] / (dt_us[keep] / 1_000_000)
    return _Column(col.at[1:][keep], col.t_us[1:][keep], rate)


def as_rate(series: MetricSeries) -> list[tuple[datetime, float]]:
    """Per-second rate for counters (reset-aware); the values themselves otherwise."""
    col = arrays(series).view("rates", lambda _: _rates(series))
    pts = series.points
    return list(zip([pts[i][0] for i in col.at.tolist()], col.v.tolist()))


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
    col = arrays(series).view("rates", lambda _: _rates(series))
    if len(col.v) < 5:
        return None
    with np.errstate(all="ignore"):  # inf - inf is NaN here as in plain Python, without a warning
        return _shift(series, col, before, role)


def _shift(series: MetricSeries, col: _Column, before: datetime | None, role: SeriesRole | None) -> Shift | None:
    v = col.v
    base = v[col.t_us < micros(before)] if before else v[:0]
    if len(base) < 3:
        base = v[: max(3, len(v) // 3)]
    # np.median takes the middle value, or halves the sum of the middle two, as statistics.median does
    med = float(np.median(base))
    mad = float(np.median(np.abs(base - med))) or 0.0
    threshold = max(4 * 1.4826 * mad, 0.25 * abs(med), 1e-9)
    start_idx = _first_sustained(v, med, threshold)
    if start_idx is None:
        return None
    up = bool(v[start_idx] > med)
    peak_idx = start_idx + int(np.argmax(v[start_idx:]) if up else np.argmin(v[start_idx:]))
    while peak_idx > 0 and col.t_us[peak_idx - 1] == col.t_us[peak_idx] and v[peak_idx - 1] == v[peak_idx]:
        peak_idx -= 1  # the first of identical points, as list.index finds it
    recovered = _recovery(v, peak_idx, med, threshold)
    return Shift(series, role or role_of(series), col.time(series, start_idx), col.time(series, peak_idx), med,
                 float(v[peak_idx]), col.time(series, recovered) if recovered is not None else None,
                 "up" if up else "down")


def _first_sustained(v: np.ndarray, med: float, threshold: float) -> int | None:
    far = np.abs(v - med) > threshold
    above = v > med
    hits = np.flatnonzero(far[:-1] & far[1:] & (above[:-1] == above[1:]))
    return int(hits[0]) if len(hits) else None


def _recovery(v: np.ndarray, peak_idx: int, med: float, threshold: float) -> int | None:
    hits = np.flatnonzero(np.abs(v[peak_idx + 1:] - med) <= threshold)
    return peak_idx + 1 + int(hits[0]) if len(hits) else None


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
