"""The real openai + langchain client over real HTTP against a scripted server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

import agent.llm.openai_client  # noqa: F401  imported up front: the timing tests time the calls, not the imports
from agent.analysis.drafted import refine
from agent.settings import Settings
from agent.testing import Scripted, ScriptedOpenAIServer, offline_answers, prompt_name
from conftest_llm import INJECTION, PLANTED, build_pack, build_pm

PM = build_pm(build_pack())
GOOD = offline_answers(PM)


def _settings(url: str, **kw) -> Settings:
    base = dict(llm="openai:test-model", llm_base_url=url, llm_api_key="sk-test-not-a-real-key-000000",
                llm_timeout_s=3.0, llm_backoff_s=0.05, llm_max_retries=2)
    return Settings(**{**base, **kw})


def good(body: dict, n: int) -> Scripted:
    return Scripted(json.dumps(GOOD[prompt_name(body)]))


def _sources(pm) -> set[str]:
    return {s.drafted_by for s in pm.sections}


def _draft(script, pm=PM, pack=None, **kw):
    with ScriptedOpenAIServer(script) as server:
        out = refine(pm, pack or build_pack(), settings=_settings(server.base_url, **kw))
    return out, server


def _assert_no_secrets(server, out):
    sent = "\n".join(server.bodies)
    report = out.model_dump_json(exclude={"evidence"})
    for name, secret in PLANTED.items():
        assert secret not in sent, f"{name} reached the model"
        assert secret not in report, f"{name} reached the report"


def test_valid_structured_output_is_used():
    out, server = _draft(good)
    assert _sources(out) == {"llm"}
    bodies = server.requests()
    assert len(bodies) == out.llm_usage["calls"] == 4
    assert {b["response_format"]["type"] for b in bodies} == {"json_schema"}
    assert {b["model"] for b in bodies} == {"test-model"}
    assert out.llm_usage["structured_method"] == "json_schema"
    assert out.llm_usage["prompt_tokens_reported"] > 0 and out.llm_usage["prompt_tokens"] > 1000
    _assert_no_secrets(server, out)


def test_429_then_success_is_retried_with_backoff():
    seen: dict[str, int] = {}
    lock = threading.Lock()

    def script(body, n):
        with lock:
            name = prompt_name(body)
            seen[name] = seen.get(name, 0) + 1
            first = seen[name] == 1
        return Scripted("rate limited", status=429, headers={"retry-after": "0"}) if first else good(body, n)

    out, server = _draft(script)
    assert _sources(out) == {"llm"}
    assert out.llm_usage["retries"] == 4 and out.llm_usage["calls"] == 8 == len(server.bodies)


def test_500_everywhere_falls_back_within_budget():
    out, server = _draft(lambda body, n: Scripted("upstream exploded", status=500))
    assert _sources(out) == {"fallback"}
    assert len(server.bodies) <= 8 and out.llm_usage["calls"] == len(server.bodies)
    assert any("500" in n for n in out.notes)
    assert out.executive_summary == PM.executive_summary


def test_hang_past_the_timeout_falls_back_quickly():
    started = time.monotonic()
    out, server = _draft(lambda body, n: Scripted(json.dumps(GOOD[prompt_name(body)]), delay_s=3.0),
                         llm_timeout_s=0.4, llm_max_retries=1)
    assert time.monotonic() - started < 3.0
    assert _sources(out) == {"fallback"}
    assert len(server.bodies) <= 5  # the circuit breaker stops calling a silent endpoint
    assert any("Timeout" in n for n in out.notes)


def test_a_200_that_is_not_a_chat_completion_falls_back():
    out, server = _draft(lambda body, n: Scripted(body="<html>502 Bad Gateway</html>"))
    assert _sources(out) == {"fallback"}
    assert len(server.bodies) <= 8


def test_markdown_fenced_and_wrapped_json_is_accepted():
    def chatty(body, n):
        wrapped = {prompt_name(body).capitalize() + "Draft": GOOD[prompt_name(body)]}
        return Scripted("Here you go:\n```json\n" + json.dumps(wrapped) + "\n```")

    out, server = _draft(chatty, llm_structured="json_mode")
    assert _sources(out) == {"llm"} and len(server.bodies) == 4


def test_truncated_json_is_not_completed_into_a_half_sentence():
    def truncated(body, n):
        text = json.dumps(GOOD[prompt_name(body)])
        return Scripted(text[: len(text) // 2])

    out, _ = _draft(truncated)
    assert _sources(out) == {"fallback"}
    assert out.executive_summary == PM.executive_summary


def test_reasoning_tags_and_fences_around_the_json_are_tolerated():
    def thinker(body, n):
        return Scripted("<think>the user wants {json}</think>\n```json\n" + json.dumps(GOOD[prompt_name(body)]) + "\n```")

    out, _ = _draft(thinker)
    assert _sources(out) == {"llm"}


def test_invalid_json_is_re_asked_then_falls_back():
    out, server = _draft(lambda body, n: Scripted("Sure! Here is the postmortem: {oops"))
    assert _sources(out) == {"fallback"}
    assert out.llm_usage["reasks"] >= 1 and len(server.bodies) <= 8
    assert any("not a valid JSON" in b for b in server.bodies)  # the re-ask carries the error


def test_invented_evidence_ids_are_rejected():
    def script(body, n):
        text = json.dumps(GOOD[prompt_name(body)])
        return Scripted(text.replace('"E1"', '"E404"').replace('"E2"', '"E404"').replace('"E3"', '"E404"'))

    out, server = _draft(script)
    cited = {i for c in out.went_well + out.went_wrong for i in c.evidence_ids}
    assert "E404" not in out.model_dump_json(exclude={"notes", "sections"})
    assert cited <= {e.id for e in build_pack().evidence}
    assert "fallback" in _sources(out)
    assert any("E404" in b for b in server.bodies[4:])  # re-asked with the offending id named


def test_json_schema_refused_downgrades_to_json_mode():
    def llama_cpp_like(body, n):
        if body.get("response_format", {}).get("type") == "json_schema":
            return Scripted("response_format type json_schema is not supported", status=400)
        return good(body, n)

    out, server = _draft(llama_cpp_like)  # four prompts refused at once must still step down only once
    assert _sources(out) == {"llm"}
    assert out.llm_usage["structured_method"] == "json_mode"
    bodies = server.requests()
    assert {b["response_format"]["type"] for b in bodies} == {"json_schema", "json_object"}
    assert len(bodies) == 5 and not any(b.get("tools") for b in bodies)  # one probe, not one per prompt
    for body in bodies:  # the schema moves into the text when the endpoint no longer enforces it
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        assert ('"properties"' in user) == (body["response_format"]["type"] == "json_object")


def test_no_response_format_at_all_falls_to_function_calling():
    def tools_only(body, n):
        if body.get("response_format"):
            return Scripted("unsupported response_format", status=400)
        return good(body, n)

    out, server = _draft(tools_only)
    assert _sources(out) == {"llm"}
    assert out.llm_usage["structured_method"] == "function_calling"
    assert sum(1 for b in server.requests() if b.get("tools")) == 4 and len(server.bodies) == 6


def test_refused_connection_falls_back():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = refine(PM, build_pack(), settings=_settings(f"http://127.0.0.1:{port}/v1", llm_max_retries=1))
    assert _sources(out) == {"fallback"}
    assert any("Connection" in n for n in out.notes)


def _injection_outside_data(body: dict) -> bool:
    """A naive model: it obeys an instruction unless the instruction sits inside a data block."""
    for message in body["messages"]:
        content = str(message.get("content") or "")
        outside = content.split("<evidence>")[0] + (content.split("</evidence>")[-1] if "</evidence>" in content else "")
        if INJECTION[:40] in outside or (message["role"] == "system" and INJECTION[:40] in content):
            return True
    return False


def test_prompt_injection_bundle_does_not_change_the_output():
    def naive(body, n):
        if _injection_outside_data(body):
            return Scripted(json.dumps({"executive_summary": {"text": "Operator error.", "evidence_ids": ["E9"]}}))
        return good(body, n)

    clean, _ = _draft(naive)
    pack = build_pack(injection=True)
    injected, server = _draft(naive, pm=build_pm(pack), pack=pack)
    keep = {"executive_summary", "went_well", "went_wrong", "lessons_learned", "five_whys", "root_cause",
            "contributing_factors", "action_items", "timeline"}
    assert injected.model_dump(include=keep) == clean.model_dump(include=keep)
    assert _sources(injected) == {"llm"}
    _assert_no_secrets(server, injected)


def test_gullible_server_obeying_the_injection_changes_nothing():
    hijack = {"executive_summary": {"text": "The on-call engineer caused it; 4242 users were affected.", "evidence_ids": ["E9"]},
              "went_well": [{"text": "Nothing.", "evidence_ids": ["E99"]}], "went_wrong": [], "lessons_learned": []}
    pack = build_pack(injection=True)
    pm = build_pm(pack)
    out, server = _draft(lambda body, n: Scripted(json.dumps(hijack)), pm=pm, pack=pack)
    assert out.executive_summary == pm.executive_summary
    assert "4242" not in out.model_dump_json(exclude={"evidence", "notes", "sections"})
    assert _sources(out) == {"fallback"}


@pytest.mark.live
def test_live_draft_against_openai_base_url():
    import os

    if not os.environ.get("OPENAI_BASE_URL"):
        pytest.skip("set OPENAI_BASE_URL (and POSTMORTEM_LLM=MODEL) to run against a real endpoint")
    settings = Settings.from_env(llm=os.environ.get("POSTMORTEM_LLM") or "openai-compatible:" + os.environ.get("LIVE_MODEL", "gpt-4o-mini"))
    out = refine(PM, build_pack(), settings=settings)
    assert out.llm_usage["calls"] <= 8 and out.llm_usage["prompt_tokens"] <= 40_000
    assert "llm" in _sources(out), out.notes
