"""Metrics and patterns on fixtures with known answers."""

from __future__ import annotations

from datetime import date

import pytest

from agent.library.metrics import compute
from agent.library.patterns import report
from agent.library.records import from_postmortem
from agent.library.synthetic import make_postmortem


def _fixture():
    a = make_postmortem("A", day=date(2026, 1, 1), ttd_min=5, tta_min=3, ttr_min=60, status="Final",
                        completed=date(2026, 1, 4), actions=[("done", date(2026, 1, 10)), ("todo", date(2026, 1, 15))],
                        severity="SEV-1", service="checkout")
    b = make_postmortem("B", day=date(2026, 1, 11), ttd_min=15, tta_min=7, ttr_min=120, status="Final",
                        completed=date(2026, 1, 20), actions=[("todo", date(2026, 2, 1))], service="checkout")
    c = make_postmortem("C", day=date(2026, 1, 31), ttd_min=10, tta_min=5, ttr_min=90, status="Draft",
                        completed=date(2026, 2, 1), actions=[("in_progress", date(2026, 1, 20))],
                        service="payments", category="network")
    return [from_postmortem(p) for p in (a, b, c)]


def test_metrics_known_answers():
    m = compute(_fixture())
    assert m.as_of == date(2026, 1, 31)  # the latest incident, not the wall clock
    assert (m.mttd.value, m.mtta.value, m.mttr.value) == (10.0, 5.0, 90.0)
    assert m.mttr.n == 3 and m.mtbf.value == 15.0 and m.mtbf.unit == "days"
    assert m.by_severity == {"SEV-2": 2, "SEV-1": 1}
    assert m.by_service == {"checkout": 2, "payments": 1}
    # A signed off 3 days after resolution; B after 9; C is still a draft.
    assert (m.postmortems_due, m.completed_on_time, m.completion_rate) == (3, 1, pytest.approx(1 / 3, abs=1e-4))
    assert (m.action_items, m.action_items_done, m.action_item_completion_rate) == (4, 1, 0.25)
    assert m.action_items_overdue == 2


def test_overdue_moves_with_as_of():
    assert compute(_fixture(), as_of=date(2026, 2, 2)).action_items_overdue == 3
    assert compute(_fixture(), as_of=date(2026, 1, 1)).action_items_overdue == 0


def test_metrics_on_empty_library():
    m = compute([])
    assert m.incidents == 0 and m.mttr.value is None and m.completion_rate is None and m.as_of is None


def test_patterns_counts_windows_and_trend():
    days = [date(2025, 6, 1), date(2025, 11, 20), date(2025, 12, 10), date(2026, 1, 5)]
    recs = [from_postmortem(make_postmortem(f"P{i}", day=d, service="checkout")) for i, d in enumerate(days)]
    recs.append(from_postmortem(make_postmortem("N", day=date(2025, 7, 1), category="network", service="cdn")))
    rep = report(recs)
    assert rep.as_of == date(2026, 1, 5) and rep.incidents == 5
    cap = next(m for m in rep.modes if m.name == "capacity/resource-exhaustion")
    assert cap.kind == "category" and cap.total == 4
    assert cap.windows == {"30": 2, "90": 3, "182": 3, "365": 4}
    assert cap.trend == "rising" and cap.by_month["2025-12"] == 1
    assert any(m.kind == "service" and m.name == "checkout" and m.total == 4 for m in rep.modes)
    assert not any(m.name in ("network", "cdn") for m in rep.modes)  # seen once: not recurring
    assert rep.by_month == {"2025-06": 1, "2025-07": 1, "2025-11": 1, "2025-12": 1, "2026-01": 1}
