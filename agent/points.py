"""Numeric views of a MetricSeries' points: epoch microseconds and values as numpy arrays.

The analyses (change points, baselines, rates, saturation) read the same series many times; walking
10k ``(datetime, float)`` tuples each time dominated a large draft. ``arrays(series)`` converts once per
series and caches the result (keyed weakly on the series, checked against its ``points`` list), so
every later look is vectorised. Times stay exact: microseconds are integers, and callers map indices
back to the series' own datetime objects instead of rebuilding datetimes.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import numpy as np
else:  # numpy loads on first use, after a big draft's log miners fork (agent/deferred.py)
    from agent.deferred import numpy as np

from agent.models import MetricSeries

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_NAIVE = datetime(1970, 1, 1)
_US = timedelta(microseconds=1)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PointArrays:
    """A series' points in their stored order: ``t_us`` epoch microseconds, ``v`` values (NaN for None)."""

    t_us: np.ndarray
    v: np.ndarray
    derived: dict[str, Any] = field(default_factory=dict, compare=False)

    def __len__(self) -> int:
        return len(self.v)

    def view(self, name: str, build: Callable[[PointArrays], T]) -> T:
        """A value derived from these arrays (sorted, rates ...), built once and kept with them."""
        if name not in self.derived:
            self.derived[name] = build(self)
        return self.derived[name]


_cache: dict[int, tuple[weakref.ref, list, PointArrays]] = {}


def arrays(series: MetricSeries) -> PointArrays:
    """The series' points as arrays, computed once per series (and again if its points are replaced)."""
    key = id(series)
    hit = _cache.get(key)
    if hit is not None and hit[0]() is series and hit[1] is series.points and len(hit[1]) == len(hit[2]):
        return hit[2]
    return _store(series, to_arrays(series.points))


def remember(series: MetricSeries, t_us: np.ndarray, v: np.ndarray) -> None:
    """Cache arrays a parser already holds (they must match ``series.points`` point for point)."""
    _store(series, PointArrays(t_us, v))


def to_arrays(points: list[tuple[datetime, float | None]]) -> PointArrays:
    t_us = np.fromiter((micros(t) for t, _ in points), np.int64, len(points))
    v = np.fromiter((np.nan if v is None else v for _, v in points), np.float64, len(points))
    return PointArrays(t_us, v)


def micros(t: datetime) -> int:
    """Exact epoch microseconds of a datetime (naive ones counted from a naive epoch, as they compare)."""
    return (t - (_EPOCH if t.tzinfo is not None else _EPOCH_NAIVE)) // _US


def _store(series: MetricSeries, arr: PointArrays) -> PointArrays:
    key = id(series)
    _cache[key] = (weakref.ref(series, lambda _ref, key=key: _cache.pop(key, None)), series.points, arr)
    return arr
