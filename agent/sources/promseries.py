"""Prometheus samples -> points: the time columns series share, their gap plans, and the fast paths.

A range query answers with one ``[time, "value"]`` pair per point, and the series of one answer
usually share one time column (50 series of 10k points in a large bundle, one column). ``Times``
parses each distinct column once, and the gap plan (sort order, where gaps go) once per column; the
values are decoded a whole column at a time (``agent.sources.numcolumn``). Every path gives what the
general per-pair loop (``prom_points``) gives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
else:  # numpy loads on first use, after a big draft's log miners fork (agent/deferred.py)
    from agent.deferred import numpy as np

from agent.points import micros
from agent.sources import numcolumn
from agent.sources.promtext import Column
from agent.sources.timeparse import UTC, parse_any

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MISSING = object()

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


class Times(dict):
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

    def floats(self, t: np.ndarray) -> tuple[list[datetime], np.ndarray] | None:
        """``column`` of times given as floats (a promtext Column's: JSON numbers, which ``from_epoch``
        reads as ``float(n)``), keyed by their bytes; epoch seconds are converted at C speed."""
        key = t.tobytes()
        if self.last is not None and self.last[0] == key:
            return self.last[1]
        hit = self.runs.get(key, _MISSING)  # type: ignore[call-overload]
        if hit is _MISSING:
            hit = self.runs[key] = epoch_seconds(t) or self.column(tuple(t.tolist()))  # type: ignore[index]
        self.last = (key, hit)  # type: ignore[assignment]
        return hit  # type: ignore[return-value]

    def plan(self, column: tuple[list[datetime], np.ndarray]) -> _GapPlan:
        """The gap plan of a column ``column()`` returned (its array is kept, so its id stays its own)."""
        hit = self.plans.get(id(column[1]))
        if hit is None or hit[0] is not column[1]:
            hit = self.plans[id(column[1])] = (column[1], _gap_plan(*column))
        return hit[1]


def epoch_seconds(t: np.ndarray) -> tuple[list[datetime], np.ndarray] | None:
    """(``from_epoch(x)`` for each x, their epoch microseconds) when every x is epoch seconds (0 < x <= 1e11),
    else None. ``timedelta(seconds=x)`` adds trunc(x) seconds and rounds frac(x) * 1e6 half to even."""
    if not len(t) or not bool(((t > 0) & (t <= 1e11)).all()):
        return None
    frac, whole = np.modf(t)
    us = whole.astype(np.int64) * 1_000_000 + np.rint(frac * 1e6).astype(np.int64)
    us.flags.writeable = False  # shared by every series with this column
    return list(map(_EPOCH.__add__, us.astype("timedelta64[us]").tolist())), us


def _frozen(us: list[int]) -> np.ndarray:
    arr = np.array(us, dtype=np.int64)
    arr.flags.writeable = False  # shared by every series with this column
    return arr


def _time(raw: Any) -> tuple[datetime | None, int]:
    t = parse_any(raw)[0]
    return t, (micros(t) if t is not None else 0)


_KEYABLE = (float, int, str)  # bool is an int but never a time; lists and dicts cannot be keys


def fast_points(pairs: Any, times: Times) -> tuple[list[Point], np.ndarray, np.ndarray, int] | None:
    """``prom_points`` for the usual shape (every pair a [time, value] list, every time valid) with
    C-level loops; None for anything else, which the general loop handles."""
    if not isinstance(pairs, list) or not pairs or set(map(type, pairs)) != {list}:
        return None
    try:  # as prom_points reads them: pair[0] and pair[1] of pairs of two or more
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


def column_points(col: Column, times: Times) -> tuple[list[Point], np.ndarray, np.ndarray, int] | None:
    """``fast_points`` of a series whose pairs are still text (agent.sources.promtext)."""
    column = times.floats(col.times)
    if column is None:
        return None
    vals, v, gaps = numcolumn.finish(col.numbers.copy(), col.raw_at)
    return *_gapped(column[0], column[1], vals, v, times.plan(column)), gaps


def prom_points(pairs: Any, times: Times) -> tuple[list[Point], np.ndarray, np.ndarray, int]:
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
