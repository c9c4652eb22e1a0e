"""Inside every draft: clean_postmortem leaves no error-severity finding; chat remarks are flagged, not quoted."""

from __future__ import annotations

from datetime import datetime, timezone

from test_check_rules import make_pm

from agent.checks.blameless import PLACEHOLDER, clean_postmortem, flag_chat, lint_postmortem_json
from agent.models import ActionItem, ChatMessage, Claim, ContributingFactor, TimelineEntry, Why


def blameful_pm():
    pm = make_pm()
    pm.executive_summary = Claim(text="Checkout failed for 26 minutes. An engineer made a typo in the config.",
                                 evidence_ids=["E1"])
    pm.five_whys.whys[3] = Why(question="Why was the check missing?", answer="Because Dana forgot to add it.")
    pm.root_cause.hypothesis = "Human error."
    pm.contributing_factors = [ContributingFactor(title="Review", detail="The reviewer simply approved the change.")]
    pm.went_wrong = [Claim(text="The on-call engineer should have rolled back sooner.")]
    pm.lessons_learned = [Claim(text="Engineers must be more careful. Canaries catch serialiser bugs.")]
    pm.action_items.append(ActionItem(id="AI-002", action="Remind engineers to double-check configs",
                                      owner="@payments-team", deadline=pm.date, kind="process"))
    pm.timeline.entries.append(TimelineEntry(time=pm.timeline.entries[-1].time, text="Who broke prod?",
                                             source="chat"))
    return pm


def test_clean_leaves_no_error_finding_in_any_prose_field():
    cleaned = clean_postmortem(blameful_pm())
    remaining = lint_postmortem_json(cleaned.model_dump_json(indent=2))
    assert [f for f in remaining if f.severity == "error"] == []


def test_clean_records_findings_with_field_and_resolution():
    cleaned = clean_postmortem(blameful_pm())
    by_field = {(f.field, f.rule): f.resolution for f in cleaned.lint_findings}
    assert by_field[("executive_summary.text", "person-as-cause")] == "dropped"
    assert by_field[("root_cause.hypothesis", "human-error")] == "dropped"
    assert by_field[("contributing_factors[0].detail", "minimiser-action")] == "reported"
    assert ("five_whys.whys[3].answer", "forgot") in by_field


def test_clean_keeps_blameless_sentences_and_uses_a_placeholder_for_empty_fields():
    cleaned = clean_postmortem(blameful_pm())
    assert cleaned.executive_summary.text == "Checkout failed for 26 minutes."
    assert cleaned.executive_summary.evidence_ids == ["E1"]
    assert cleaned.lessons_learned[0].text == "Canaries catch serialiser bugs."
    assert cleaned.root_cause.hypothesis == PLACEHOLDER
    assert cleaned.timeline.entries[-1].text == PLACEHOLDER
    assert "Who broke" not in cleaned.model_dump_json(exclude={"lint_findings"})


def test_clean_is_a_no_op_on_a_blameless_report():
    pm = make_pm()
    cleaned = clean_postmortem(pm)
    assert cleaned.model_dump(exclude={"lint_findings"}) == pm.model_dump(exclude={"lint_findings"})
    assert [f for f in cleaned.lint_findings if f.severity == "error"] == []


def chat(ts: str, text: str, user: str = "dana.kim") -> ChatMessage:
    return ChatMessage(ts=ts, time=datetime.fromtimestamp(float(ts), tz=timezone.utc), channel="inc-42",
                       user="U1", user_name=user, text=text, source_file="chat/inc-42.json", line=1)


def test_flag_chat_lists_blameful_remarks_with_timestamps_and_evidence():
    msgs = [chat("1770300000.000100", "rolling back now"),
            chat("1770300060.000200", "who approved that PR?? dana clearly didn't look"),
            chat("1770300120.000300", "latency is just under 200ms again")]
    flags = flag_chat(msgs, {"1770300060.000200": "E7"})
    assert {f.rule for f in flags} == {"blame-question", "counterfactual-person"}
    assert all(f.ts == "1770300060.000200" and f.evidence_id == "E7" and f.channel == "inc-42" for f in flags)
    assert all("approved" not in f.message for f in flags)  # the remark itself is never quoted


def test_flag_chat_knows_chat_users_as_people():
    flags = flag_chat([chat("1770300000.000100", "kim broke staging again", user="kim")])
    assert {f.rule for f in flags} == {"person-as-cause", "repeat-blame"}  # "again" about a person
    assert flag_chat([chat("1770300000.000100", "the canary broke staging again")]) == []


def test_judgemental_adjective_is_rewritten_not_dropped():
    pm = make_pm()
    pm.went_wrong = [Claim(text="The sloppy rollout skipped the canary stage.")]
    cleaned = clean_postmortem(pm)
    assert cleaned.went_wrong[0].text == "The rollout skipped the canary stage."
    [f] = [f for f in cleaned.lint_findings if f.field == "went_wrong[0].text"]
    assert (f.rule, f.resolution) == ("judgemental", "rewritten")
