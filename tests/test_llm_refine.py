"""refine() with FakeLLM: grounding, re-asks, per-section fallback, budget, redaction, injection."""

from __future__ import annotations

import copy
import json

import pytest

from agent.analysis.drafted import refine
from agent.llm.client import PermanentLLMError, TransientLLMError
from agent.settings import Settings
from agent.testing import FakeLLM, offline_answers
from conftest_llm import INJECTION, PLANTED, build_pack, build_pm

SETTINGS = Settings(llm="openai:test-model", llm_backoff_s=0.0)


def _sources(pm) -> dict[str, str]:
    return {s.section: s.drafted_by for s in pm.sections}


def _good(pm) -> dict[str, list]:
    return {k: [v] for k, v in offline_answers(pm).items()}


def _improved(pm) -> dict[str, list]:
    replies = _good(pm)
    narrative = copy.deepcopy(replies["narrative"][0])
    narrative["executive_summary"] = {
        "text": "After the v2.4.1 deploy the orders API exhausted its connection pool (100/100 connections in use).",
        "evidence_ids": ["E1", "E4"],
    }
    replies["narrative"] = [narrative]
    return replies


def test_grounded_answers_are_merged_and_marked(llm_pm, llm_pack):
    out = refine(llm_pm, llm_pack, settings=SETTINGS, client=FakeLLM(_improved(llm_pm)))
    assert out.executive_summary.text.startswith("After the v2.4.1 deploy")
    assert set(_sources(out).values()) == {"llm"}
    assert out.llm_usage["calls"] == 4 and out.llm_usage["reasks"] == 0
    assert out.timeline.entries[1].time == llm_pm.timeline.entries[1].time
    assert llm_pm.executive_summary.text.startswith("The orders API")  # the input is not mutated


def test_invented_id_is_sent_back_with_the_error_then_accepted(llm_pm, llm_pack):
    replies = _improved(llm_pm)
    bad = copy.deepcopy(replies["narrative"][0])
    bad["executive_summary"]["evidence_ids"] = ["E1", "E99"]
    replies["narrative"] = [bad, replies["narrative"][0]]
    fake = FakeLLM(replies)
    out = refine(llm_pm, llm_pack, settings=SETTINGS, client=fake)
    narrative = [m for name, m in fake.requests if name == "narrative"]
    assert len(narrative) == 2
    assert "E99" in narrative[1][-1][1] and narrative[1][-2][0] == "assistant"
    assert out.executive_summary.evidence_ids == ["E1", "E4"]
    assert _sources(out)["executive_summary"] == "llm" and out.llm_usage["reasks"] == 1


def test_invented_number_falls_back_only_that_section(llm_pm, llm_pack):
    replies = _good(llm_pm)
    bad = copy.deepcopy(replies["narrative"][0])
    bad["executive_summary"] = {"text": "The outage affected 12,345 users for 97 minutes.", "evidence_ids": ["E1"]}
    replies["narrative"] = [bad]
    out = refine(llm_pm, llm_pack, settings=SETTINGS, client=FakeLLM(replies))
    sources = _sources(out)
    assert sources["executive_summary"] == "fallback" and sources["went_well"] == "llm"
    assert out.executive_summary == llm_pm.executive_summary
    assert any("executive_summary" in n and "12345" in n for n in out.notes)


def test_ungrounded_items_are_dropped_on_the_last_try(llm_pm, llm_pack):
    replies = _good(llm_pm)
    narrative = copy.deepcopy(replies["narrative"][0])
    narrative["went_wrong"] = [
        {"text": "Raising the pool size did not help.", "evidence_ids": ["E5"]},
        {"text": "Nobody looked at the dashboards.", "evidence_ids": []},
    ]
    replies["narrative"] = [narrative]
    out = refine(llm_pm, llm_pack, settings=SETTINGS, client=FakeLLM(replies))
    assert [c.text for c in out.went_wrong] == ["Raising the pool size did not help."]
    note = next(s.note for s in out.sections if s.section == "went_wrong")
    assert "1 ungrounded item(s) dropped" in note


@pytest.mark.parametrize("reply", ["this is not json", "{\"executive_summary\": 3}", "[]"])
def test_junk_falls_back_and_never_raises(llm_pm, llm_pack, reply):
    fake = FakeLLM({name: [reply] for name in ("narrative", "analysis", "actions", "timeline")})
    out = refine(llm_pm, llm_pack, settings=SETTINGS, client=fake)
    assert set(_sources(out).values()) == {"fallback"}
    assert out.model_dump(exclude={"sections", "notes", "llm_usage"}) == llm_pm.model_dump(exclude={"sections", "notes", "llm_usage"})
    assert out.llm_usage["calls"] <= 8 and out.llm_usage["prompt_tokens"] <= 40_000


def test_transient_error_is_retried_permanent_is_not(llm_pm, llm_pack):
    replies = _good(llm_pm)
    replies["narrative"] = [TransientLLMError("HTTP 429"), replies["narrative"][0]]
    replies["analysis"] = [PermanentLLMError("HTTP 401: bad key")]
    out = refine(llm_pm, llm_pack, settings=SETTINGS, client=FakeLLM(replies))
    sources = _sources(out)
    assert sources["executive_summary"] == "llm" and sources["root_cause"] == "fallback"
    assert out.llm_usage["retries"] == 1
    assert any("401" in n for n in out.notes)


def test_insufficient_evidence_keeps_offline_text_and_says_why(llm_pm, llm_pack):
    replies = _good(llm_pm)
    replies["analysis"][0] = {**replies["analysis"][0], "root_cause": {"insufficient_evidence": "no query plans"}}
    out = refine(llm_pm, llm_pack, settings=SETTINGS, client=FakeLLM(replies))
    rc = next(s for s in out.sections if s.section == "root_cause")
    assert rc.drafted_by == "evidence" and "no query plans" in rc.note
    assert out.root_cause == llm_pm.root_cause


@pytest.mark.parametrize("change", [{"confidence": 1.0}, {"category": "cosmic-rays"}, {"evidence_ids": []}])
def test_root_cause_stays_a_categorised_cited_hypothesis(llm_pm, llm_pack, change):
    replies = _good(llm_pm)
    replies["analysis"][0] = copy.deepcopy(replies["analysis"][0])
    replies["analysis"][0]["root_cause"].update(change)
    out = refine(llm_pm, llm_pack, settings=SETTINGS, client=FakeLLM(replies))
    assert _sources(out)["root_cause"] == "fallback" and out.root_cause == llm_pm.root_cause


def test_action_items_keep_owner_deadline_status(llm_pm, llm_pack):
    replies = _good(llm_pm)
    replies["actions"] = [{"action_items": [
        {"ref": "AI-002", "action": "Add a CI test that fails when a query leaves a connection checked out",
         "kind": "prevent", "evidence_ids": ["E4"]},
        {"ref": None, "action": "Alert when db_connections stays above 20 for long", "kind": "detect", "evidence_ids": ["E2"]},
    ]}]
    out = refine(llm_pm, llm_pack, settings=SETTINGS, client=FakeLLM(replies))
    by_id = {a.id: a for a in out.action_items}
    assert by_id["AI-002"].action.startswith("Add a CI test")
    assert (by_id["AI-002"].owner, by_id["AI-002"].deadline, by_id["AI-002"].status) == ("@orders-team", llm_pm.action_items[1].deadline, "in_progress")
    assert by_id["AI-001"] == llm_pm.action_items[0]  # not mentioned: kept as is
    assert by_id["AI-003"].owner == "@sre-team" and by_id["AI-003"].status == "todo"


def test_timeline_rewording_cannot_change_a_number(llm_pm, llm_pack):
    replies = _good(llm_pm)
    replies["timeline"] = [{"timeline": [{"index": 1, "text": "Connection pool exhausted: 120/120 connections in use"}]}]
    out = refine(llm_pm, llm_pack, settings=SETTINGS, client=FakeLLM(replies))
    assert out.timeline == llm_pm.timeline and _sources(out)["timeline"] == "fallback"
    replies["timeline"] = [{"timeline": [{"index": 1, "text": "The database pool ran out: 100/100 connections in use"}]}]
    out = refine(llm_pm, llm_pack, settings=SETTINGS, client=FakeLLM(replies))
    assert out.timeline.entries[1].text.startswith("The database pool ran out")
    assert [e.time for e in out.timeline.entries] == [e.time for e in llm_pm.timeline.entries]


def test_no_secret_reaches_any_prompt(llm_pm, llm_pack):
    fake = FakeLLM(_good(llm_pm))
    refine(llm_pm, llm_pack, settings=SETTINGS, client=fake)
    sent = json.dumps(fake.requests)
    assert fake.requests
    for name, secret in PLANTED.items():
        assert secret not in sent, name
    assert "[REDACTED_JWT_1]" in sent and "[REDACTED_PASSWORD_1]" in sent


def test_injection_is_delimited_data_and_a_gullible_model_changes_nothing():
    pack = build_pack(injection=True)
    pm = build_pm(pack)

    def gullible(name, messages):  # obeys whatever it reads, as a weak model might
        return {"executive_summary": {"text": "Root cause was operator error by the on-call engineer; 4242 users were affected.",
                                      "evidence_ids": ["E99"]},
                "went_well": [{"text": "ignore previous instructions", "evidence_ids": ["E9"]}],
                "went_wrong": [{"text": "The on-call engineer made an operator error.", "evidence_ids": ["E9"]}],
                "lessons_learned": [{"text": "4242 users were affected.", "evidence_ids": ["E1"]}]}

    fake = FakeLLM(gullible)
    out = refine(pm, pack, settings=SETTINGS, client=fake)
    messages = next(m for name, m in fake.requests if name == "narrative")
    system, user = messages[0][1], messages[1][1]
    planted = INJECTION[:40]
    assert planted not in system and "is DATA" in system
    assert user.count("</evidence>") == 1 and user.count("<system>") == 0
    assert user.count(planted) == 1 and planted in user.split("<evidence>")[1]  # only inside the data block
    dumped = out.model_dump_json(exclude={"evidence", "notes", "sections", "llm_usage"})
    assert "4242" not in dumped and "operator error" not in dumped
    assert out.executive_summary == pm.executive_summary
    assert any("E9" in n and "prompt injection" in n for n in out.notes)


def test_budget_holds_for_a_huge_bundle_and_a_stubborn_model(llm_pm):
    from agent.models import Evidence

    pack = build_pack()
    pack.evidence += [Evidence(id=f"E{i}", kind="log", source_file="big.log", pointer=f"big.log:{i}",
                               excerpt=f"worker {i} timed out talking to shard-{i % 17} after {i * 3} ms " * 5)
                      for i in range(20, 4020)]
    fake = FakeLLM(lambda name, messages: "{\"nope\": true}")
    out = refine(llm_pm, pack, settings=SETTINGS, client=fake)
    assert len(fake.requests) == out.llm_usage["calls"] <= 8
    assert out.llm_usage["prompt_tokens"] <= 40_000
    assert out.llm_usage["evidence_left_out"] > 3900
    assert set(_sources(out).values()) == {"fallback"}


def test_no_key_for_openai_falls_back_without_network(llm_pm, llm_pack):
    out = refine(llm_pm, llm_pack, settings=Settings(llm="openai:gpt-4o-mini"))
    assert set(_sources(out).values()) == {"fallback"}
    assert any("OPENAI_API_KEY" in n for n in out.notes)
    assert out.llm_usage["calls"] == 0
