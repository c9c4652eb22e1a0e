"""Pattern Analysis for a draft: similar incidents, recurrence in a window, systemic recommendation."""

from __future__ import annotations

from datetime import date

from agent.library import open_library
from agent.library.synthetic import make_postmortem
from agent.settings import Settings


def _library(tmp_path):
    lib = open_library(Settings(library=tmp_path))
    lib.add(make_postmortem("A", day=date(2025, 12, 1), actions=[("todo", date(2025, 12, 20))]))
    lib.add(make_postmortem("B", day=date(2025, 9, 1), service="payments"))
    lib.add(make_postmortem("OLD", day=date(2025, 1, 1)))  # outside the 6-month window
    lib.add(make_postmortem("LATER", day=date(2026, 3, 1)))  # after the incident: not a recurrence
    lib.add(make_postmortem("N", day=date(2025, 12, 5), category="network"))
    return lib


def test_third_recurrence_in_six_months_with_recommendation(tmp_path):
    lib = _library(tmp_path)
    pm = make_postmortem("NEW", day=date(2026, 1, 10))
    lib.add(pm)  # stored already: must not count or list itself
    pa = lib.pattern_analysis(pm)
    assert pa.configured
    assert pa.recurrence.startswith("3rd capacity/resource-exhaustion incident in 6 months (2 of them on checkout)")
    assert "B (2025-09-01), A (2025-12-01)" in pa.recurrence and "OLD" not in pa.recurrence
    assert "headroom" in pa.recommendation and "1 action item(s)" in pa.recommendation and "1 overdue" in pa.recommendation
    ids = [s.id for s in pa.similar]
    assert "NEW" not in ids and ids[0] == "A"
    top = pa.similar[0]
    assert "category: capacity/resource-exhaustion" in top.shared_signals and "service: checkout" in top.shared_signals
    assert top.link.endswith("A.json") and "Compared with 5 past incident(s)" in pa.note


def test_no_recurrence_means_no_recommendation(tmp_path):
    lib = _library(tmp_path)
    pm = make_postmortem("CERT", day=date(2026, 1, 10), category="certificate/expiry", service="gateway")
    pa = lib.pattern_analysis(pm)
    assert pa.recurrence is None and pa.recommendation is None
    assert "Compared with 5 past incident(s)" in pa.note


def test_empty_library_is_configured_but_finds_nothing(tmp_path):
    pa = open_library(Settings(library=tmp_path)).pattern_analysis(make_postmortem("X"))
    assert pa.configured and pa.similar == [] and pa.recurrence is None
    assert "None was similar enough" in pa.note
