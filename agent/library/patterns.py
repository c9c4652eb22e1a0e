"""Recurring failure modes across the whole library: counts per window, trend by month, repeats.

A failure mode is a category of models.CATEGORIES (given or inferred) or a label as the author wrote
it. Windows count back from ``as_of`` (default: the latest incident, never the wall clock). The trend
compares the last 90 days with the 90 before.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from pydantic import BaseModel, Field

from agent.library.metrics import latest_day
from agent.library.records import Record

WINDOWS = (30, 90, 182, 365)


class Mode(BaseModel):
    name: str
    kind: str = Field(description="'category', 'label' or 'service'")
    total: int
    windows: dict[str, int] = Field(description="incidents in the last N days, keyed by N")
    trend: str = Field(description="'rising', 'falling' or 'flat' over the last 90 days vs the 90 before")
    by_month: dict[str, int]
    last: str | None = None


class PatternReport(BaseModel):
    as_of: date | None
    incidents: int
    undated: int
    by_month: dict[str, int]
    modes: list[Mode] = Field(description="recurring (>= 2 incidents) categories, labels and services")


def _trend(days: list[date], as_of: date) -> str:
    recent = sum(as_of - timedelta(days=90) < d <= as_of for d in days)
    before = sum(as_of - timedelta(days=180) < d <= as_of - timedelta(days=90) for d in days)
    if recent > before:
        return "rising"
    return "falling" if recent < before else "flat"


def _mode(name: str, kind: str, recs: list[Record], as_of: date | None) -> Mode:
    days = sorted(r.when for r in recs if r.when)
    windows = {str(w): sum(as_of - timedelta(days=w) < d <= as_of for d in days) if as_of else 0 for w in WINDOWS}
    return Mode(name=name, kind=kind, total=len(recs), windows=windows,
                trend=_trend(days, as_of) if as_of else "flat",
                by_month=dict(sorted(Counter(d.strftime("%Y-%m") for d in days).items())),
                last=days[-1].isoformat() if days else None)


def _groups(records: list[Record]) -> dict[tuple[str, str], list[Record]]:
    groups: dict[tuple[str, str], list[Record]] = {}
    for r in records:
        keys = {("category", c) for c in r.categories}
        keys |= {("label", l) for l in r.labels if l not in r.categories}
        keys |= {("service", s) for s in r.services}
        for key in keys:
            groups.setdefault(key, []).append(r)
    return groups


def report(records: list[Record], *, as_of: date | None = None, min_count: int = 2) -> PatternReport:
    """Every failure mode, label and service seen at least ``min_count`` times, most frequent first."""
    as_of = as_of or latest_day(records)
    modes = [_mode(name, kind, recs, as_of) for (kind, name), recs in _groups(records).items()
             if len(recs) >= min_count]
    order = {"category": 0, "label": 1, "service": 2}
    modes.sort(key=lambda m: (order[m.kind], -m.total, m.name))
    dated = [r.when for r in records if r.when]
    return PatternReport(as_of=as_of, incidents=len(records), undated=len(records) - len(dated),
                         by_month=dict(sorted(Counter(d.strftime("%Y-%m") for d in dated).items())),
                         modes=modes)
