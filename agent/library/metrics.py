"""Reliability metrics over the library: MTTR, MTTA, MTTD, MTBF, frequency, completion rates.

Definitions (each mean is over the incidents that have both timestamps; ``n`` says how many):

- MTTD = detected - started; MTTA = acknowledged - detected (started when detection is unknown);
  MTTR = resolved - started. Minutes.
- MTBF = mean gap between consecutive incident starts (the start time, else the incident date), in days.
- Postmortem completion rate = postmortems completed within 5 days of resolution / incidents with a
  known resolution date. "Completed" is a final status with a sign-off date (drafts are not complete)
  or, for imported write-ups, a completed/published date in the front matter.
- Action items: done / total, and overdue = not done with a deadline before ``as_of``.

``as_of`` defaults to the latest incident in the library, never the wall clock.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from statistics import mean

from pydantic import BaseModel, Field

from agent.library.records import Record

COMPLETION_DAYS = 5


class Mean(BaseModel):
    value: float | None = None
    n: int = 0
    unit: str = "minutes"


class Metrics(BaseModel):
    as_of: date | None
    incidents: int
    mttd: Mean
    mtta: Mean
    mttr: Mean
    mtbf: Mean = Field(description="mean days between consecutive incident starts")
    by_severity: dict[str, int]
    by_service: dict[str, int]
    postmortems_due: int = Field(description="incidents with a known resolution date")
    completed_on_time: int
    completion_rate: float | None
    action_items: int
    action_items_done: int
    action_item_completion_rate: float | None
    action_items_overdue: int


def _minutes(a: datetime | None, b: datetime | None) -> float | None:
    return (b - a).total_seconds() / 60.0 if a and b and b >= a else None


def _mean(values: list[float | None], unit: str = "minutes") -> Mean:
    vals = [v for v in values if v is not None]
    return Mean(value=round(mean(vals), 2) if vals else None, n=len(vals), unit=unit)


def _start(r: Record) -> datetime | None:
    if r.started:
        return r.started
    return datetime.combine(r.date, time(0), tzinfo=timezone.utc) if r.date else None


def mtbf(records: list[Record]) -> Mean:
    starts = sorted(s for s in (_start(r) for r in records) if s)
    gaps = [(b - a).total_seconds() / 86400.0 for a, b in zip(starts, starts[1:])]
    return _mean(gaps, unit="days")


def latest_day(records: list[Record]) -> date | None:
    days = [d for r in records for d in (r.when, r.resolved.date() if r.resolved else None) if d]
    return max(days) if days else None


def _completion(records: list[Record]) -> tuple[int, int]:
    due = [r for r in records if r.resolved]
    on_time = [r for r in due if r.completed and r.completed - r.resolved.date() <= timedelta(days=COMPLETION_DAYS)]
    return len(due), len(on_time)


def compute(records: list[Record], *, as_of: date | None = None) -> Metrics:
    """All the metrics for these records, relative to ``as_of`` (default: the latest incident)."""
    as_of = as_of or latest_day(records)
    items = [a for r in records for a in r.action_items]
    done = sum(a.status == "done" for a in items)
    overdue = sum(a.status != "done" and a.deadline is not None and as_of is not None and a.deadline < as_of
                  for a in items)
    due, on_time = _completion(records)
    return Metrics(
        as_of=as_of, incidents=len(records),
        mttd=_mean([_minutes(r.started, r.detected) for r in records]),
        mtta=_mean([_minutes(r.detected or r.started, r.acknowledged) for r in records]),
        mttr=_mean([_minutes(r.started, r.resolved) for r in records]),
        mtbf=mtbf(records),
        by_severity=dict(Counter(r.severity or "unknown" for r in records).most_common()),
        by_service=dict(Counter(s for r in records for s in r.services).most_common()),
        postmortems_due=due, completed_on_time=on_time,
        completion_rate=round(on_time / due, 4) if due else None,
        action_items=len(items), action_items_done=done,
        action_item_completion_rate=round(done / len(items), 4) if items else None,
        action_items_overdue=overdue,
    )
