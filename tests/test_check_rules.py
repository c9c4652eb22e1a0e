"""The seed's process rules on a Postmortem: each rule passes on a good report and fails for its own reason.

``make_pm`` is also used by tests/test_lint_clean.py and tests/test_ics.py.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from agent.checks.rules import check, parse_severity
from agent.models import (
    ActionItem, Claim, FiveWhys, Impact, PatternAnalysis, Postmortem, RootCause, SignOff, Timeline,
    TimelineEntry, Why,
)

T0 = datetime(2026, 3, 12, 9, 4, tzinfo=timezone.utc)  # a Thursday


def make_pm(**over) -> Postmortem:
    entries = [TimelineEntry(time=T0 + timedelta(minutes=m), text=t, source="alert")
               for m, t in [(0, "Checkout error rate rises above 5%"), (3, "Alert pages the on-call engineer"),
                            (11, "Responder rolls back release 4.2"), (26, "Error rate back to baseline")]]
    whys = [Why(question=f"Why did level {i} happen?", answer=f"Because of condition {i}.") for i in range(1, 6)]
    data = dict(
        incident_id="INC-2026-0312-007", title="Checkout errors after release 4.2", date=date(2026, 3, 12),
        severity="SEV-1", duration="26 minutes", author="Dana Kim", owning_team="payments",
        distribution=["engineering@example.com", "Product Team", "Executive Leadership"],
        executive_summary=Claim(text="Checkout returned errors for 26 minutes after release 4.2."),
        impact=Impact(duration_minutes=26),
        timeline=Timeline(entries=entries, start=T0, resolved=T0 + timedelta(minutes=26)),
        five_whys=FiveWhys(problem_statement="Checkout failed.", whys=whys),
        root_cause=RootCause(hypothesis="Release 4.2 removed a null check in the cart serialiser.",
                             category="bad-deploy", confidence=0.7),
        action_items=[ActionItem(id="AI-001", action="Add a contract test for the cart payload", owner="@payments-team",
                                 deadline=date(2026, 3, 20), status="todo", kind="prevent")],
        pattern_analysis=PatternAnalysis(configured=True, note="", recurrence="Second serialiser regression this quarter."),
        follow_up_meeting=datetime(2026, 3, 13, 10, 0, tzinfo=timezone.utc),
        generated_at=T0 + timedelta(hours=2), status="Completed",
        sign_off=[SignOff(role="Author", name="Dana Kim", date="2026-03-14")],
    )
    data.update(over)
    return Postmortem(**data)


def results(pm: Postmortem) -> dict:
    return {r.id: r for r in check(pm)}


def test_a_complete_report_passes_every_rule():
    res = results(make_pm())
    assert set(res) == {"blameless", "timeline", "five-whys", "action-items", "distribution",
                        "follow-up-meeting", "pattern-analysis", "completed-in-time"}
    assert all(r.passed for r in res.values()), [r for r in res.values() if not r.passed]
    assert all(r.reason for r in res.values())


def test_blameful_prose_fails_blameless_and_names_the_field():
    pm = make_pm(executive_summary=Claim(text="An engineer forgot to renew the certificate."))
    r = results(pm)["blameless"]
    assert not r.passed and "executive_summary.text" in r.reason and "forgot" in r.reason


def test_sev1_needs_minute_level_timeline():
    hourly = [TimelineEntry(time=T0.replace(minute=0) + timedelta(hours=h), text="x", source="alert") for h in range(3)]
    pm = make_pm(timeline=Timeline(entries=hourly, start=T0))
    r = results(pm)["timeline"]
    assert not r.passed and "minute" in r.reason
    assert results(make_pm(timeline=Timeline(entries=hourly, start=T0), severity="SEV-2"))["timeline"].passed


def test_sev2_fails_on_a_gap_longer_than_an_hour():
    entries = [TimelineEntry(time=T0 + timedelta(minutes=m), text="x", source="alert") for m in (0, 30, 200)]
    r = results(make_pm(timeline=Timeline(entries=entries), severity="SEV-2"))["timeline"]
    assert not r.passed and "170 min" in r.reason


def test_empty_timeline_fails():
    assert not results(make_pm(timeline=Timeline()))["timeline"].passed


def test_a_blank_why_does_not_count_as_a_level():
    whys = [Why(question=f"Why {i}?", answer="" if i == 5 else "because") for i in range(1, 6)]
    r = results(make_pm(five_whys=FiveWhys(problem_statement="p", whys=whys)))["five-whys"]
    assert not r.passed and "4 why" in r.reason


def test_action_items_need_a_real_owner():
    item = ActionItem(id="AI-001", action="Fix it", owner="TBD", deadline=date(2026, 3, 20), kind="prevent")
    r = results(make_pm(action_items=[item]))["action-items"]
    assert not r.passed and "owner" in r.reason
    assert not results(make_pm(action_items=[]))["action-items"].passed


def test_distribution_must_cover_three_audiences():
    r = results(make_pm(distribution=["engineering@example.com", "VP Engineering"]))["distribution"]
    assert not r.passed and "product" in r.reason and "leadership" not in r.reason


@pytest.mark.parametrize("days, ok", [(0, True), (3, True), (4, False)])
def test_follow_up_within_three_days(days, ok):
    when = datetime(2026, 3, 12, 15, 0, tzinfo=timezone.utc) + timedelta(days=days)
    assert results(make_pm(follow_up_meeting=when))["follow-up-meeting"].passed is ok


def test_missing_follow_up_fails():
    assert not results(make_pm(follow_up_meeting=None))["follow-up-meeting"].passed


def test_pattern_analysis_needs_a_library():
    r = results(make_pm(pattern_analysis=PatternAnalysis()))["pattern-analysis"]
    assert not r.passed


def test_a_draft_is_not_completed_and_says_by_when():
    r = results(make_pm(status="Draft", sign_off=[]))["completed-in-time"]
    assert not r.passed and "2026-03-17" in r.reason


def test_completed_late_fails():
    late = [SignOff(role="Approver", name="Lee", date="2026-03-20")]
    r = results(make_pm(sign_off=late))["completed-in-time"]
    assert not r.passed and "2026-03-20" in r.reason


@pytest.mark.parametrize("text, level", [("SEV-1", 1), ("sev 2", 2), ("P3", 3), ("Critical", 1), ("", None)])
def test_parse_severity(text, level):
    assert parse_severity(text) == level
