"""Server behaviours seen in the wild (Ollama, llama.cpp, vLLM, Azure), each over real HTTP with the
real openai + langchain client against ``ScriptedOpenAIServer`` on 127.0.0.1.

A valid answer is used whatever it is wrapped in; an invalid one falls back per section, marked."""

from __future__ import annotations

import json
import time

import pytest
from conftest_llm import build_pack, build_pm

from agent.analysis.drafted import refine
from agent.llm.client import parse_json_answer
from agent.llm.schemas import CitedText
from agent.settings import Settings
from agent.testing import Scripted, ScriptedOpenAIServer, offline_answers, prompt_name

PM = build_pm(build_pack())
GOOD = offline_answers(PM)
KEY = "sk-test-not-a-real-key-000000"


def _good_text(body: dict) -> str:
    return json.dumps(GOOD[prompt_name(body)])


def _draft(script, base_url=None, **kw):
    with ScriptedOpenAIServer(script) as server:
        base = {"llm": "openai:test-model", "llm_base_url": base_url(server) if base_url else server.base_url,
                "llm_api_key": KEY, "llm_timeout_s": 3.0, "llm_backoff_s": 0.05, "llm_max_retries": 2}
        out = refine(PM, build_pack(), settings=Settings(**{**base, **kw}))
    assert out.llm_usage["calls"] == len(server.bodies) <= 8
    assert out.llm_usage["prompt_tokens"] <= 40_000
    return out, server


def _sources(pm) -> set[str]:
    return {s.drafted_by for s in pm.sections}


def _fell_back_cleanly(out) -> None:
    assert _sources(out) == {"fallback"}
    assert out.executive_summary == PM.executive_summary and out.five_whys == PM.five_whys
    assert any(n.startswith("LLM fallback") for n in out.notes)


# ------------------------------------------------------------------ wrapped answers are used


@pytest.mark.parametrize("wrap", [
    lambda j: "```json\n" + j + "\n```",
    lambda j: "Here is the JSON:\n" + j,
    lambda j: j + "\n\nLet me know if you need {anything} else!",
    lambda j: "Sure {as requested}:\n```\n" + j + "\n```\nNotes: the ids {E1} are cited.",
    lambda j: "<think>They want JSON like {\"a\": 1}; check ids.</think>\n" + j,
], ids=["fence", "prose-before", "trailing-text", "prose-braces-and-fence", "think-block"])
def test_json_wrapped_the_way_local_models_wrap_it_is_used(wrap):
    out, server = _draft(lambda body, n: Scripted(wrap(_good_text(body))), llm_structured="json_mode")
    assert _sources(out) == {"llm"} and len(server.bodies) == 4


def test_separate_reasoning_content_field_is_ignored_and_the_content_used():
    out, _ = _draft(lambda body, n: Scripted(_good_text(body), reasoning="First {draft}: maybe E404 ..."))
    assert _sources(out) == {"llm"}
    assert "E404" not in out.model_dump_json()


def test_parse_is_strict_about_balance():
    nested_truncated = '{"executive_summary": {"text": "a", "evidence_ids": ["E1"]}, "went_well": [{"text": "cut'
    assert parse_json_answer(nested_truncated)[0] is None  # the inner object is not taken for the answer
    assert parse_json_answer("Sure: {\"a\": 1} and then {\"b\": 2}")[0] == {"a": 1}
    assert parse_json_answer("<think>unclosed {\"a\": 1}")[0] is None
    assert parse_json_answer("no json {here}")[1] == "no JSON object in the answer"


def test_unknown_keys_are_stripped_not_fatal():
    def chatty_keys(body, n):
        data = json.loads(_good_text(body))
        data["model_notes"] = "extra top-level key"
        text = json.dumps(data).replace('"evidence_ids"', '"confidence_note": "high", "evidence_ids"')
        return Scripted(text)

    out, server = _draft(chatty_keys)
    assert _sources(out) == {"llm"} and len(server.bodies) == 4
    assert "confidence_note" not in out.model_dump_json()


@pytest.mark.parametrize("spelling", ["e{n}", "E-{n}", "[E{n}]", "E {n}", "E_{n}", "(E{n})"])
def test_evidence_id_spellings_are_normalised(spelling):
    ids = {e.id for e in build_pack().evidence}

    def script(body, n):
        text = _good_text(body)
        for eid in sorted(ids, key=len, reverse=True):
            text = text.replace(f'"{eid}"', json.dumps(spelling.format(n=eid[1:])))
        return Scripted(text)

    out, _ = _draft(script)
    assert _sources(out) == {"llm"}
    cited = {i for c in [out.executive_summary, *out.went_well, *out.went_wrong] for i in c.evidence_ids}
    assert cited and cited <= ids


def test_unknown_id_spelled_oddly_is_still_unknown():
    with pytest.raises(ValueError):
        CitedText.model_validate({"text": "x", "evidence_ids": ["EV-12"]})


# ------------------------------------------------------------------ refused formats step down


def test_422_for_every_constrained_format_ends_at_plain_prompting():
    def plain_only(body, n):  # refuses json_schema, json_object and tools with a bare FastAPI 422
        if body.get("response_format") or body.get("tools"):
            return Scripted("Unprocessable Entity", status=422)
        return Scripted("Here is the JSON:\n```json\n" + _good_text(body) + "\n```")

    out, server = _draft(plain_only)
    assert _sources(out) == {"llm"}
    assert out.llm_usage["structured_method"] == "prompt"
    bodies = server.requests()
    assert len(bodies) == 7  # three refusals, probed once, then four answers
    for body in bodies[3:]:  # the schema is in the text when nothing enforces it
        assert not body.get("response_format") and not body.get("tools")
        assert '"properties"' in next(m["content"] for m in body["messages"] if m["role"] == "user")


def test_400_for_tools_when_pinned_to_function_calling_falls_to_plain_prompting():
    def no_tools(body, n):
        if body.get("tools"):
            return Scripted("tools are not supported by this model", status=400)
        return Scripted(_good_text(body))

    out, _ = _draft(no_tools, llm_structured="auto")
    assert _sources(out) == {"llm"}  # json_schema answered; tools never needed
    out, server = _draft(lambda b, n: Scripted("bad", status=400) if b.get("tools") else Scripted(_good_text(b)),
                         llm_structured="function_calling")
    assert _sources(out) == {"fallback"}  # a pinned method is not changed behind the user's back
    assert len(server.bodies) == 4 and all(b.get("tools") for b in server.requests())
    assert any("HTTP 400" in n for n in out.notes)


def test_tools_offered_but_answer_in_content_is_used():
    def ignores_tools(body, n):
        if body.get("response_format"):
            return Scripted("response_format is not supported", status=400)
        return Scripted("```json\n" + _good_text(body) + "\n```", tool_call=False)

    out, _ = _draft(ignores_tools)
    assert out.llm_usage["structured_method"] == "function_calling"
    assert _sources(out) == {"llm"}


def test_server_ignoring_response_format_and_answering_prose_falls_back():
    out, server = _draft(lambda b, n: Scripted("The incident was caused by a bad deploy. Hope this helps!"))
    _fell_back_cleanly(out)
    assert any("no JSON object" in n for n in out.notes)
    assert out.llm_usage["reasks"] >= 1 and any("no JSON object" in b for b in server.bodies)


# ------------------------------------------------------------------ broken replies


def test_finish_reason_length_with_truncated_json_falls_back():
    out, server = _draft(lambda b, n: Scripted(_good_text(b)[:150], finish_reason="length"))
    _fell_back_cleanly(out)
    assert any("cut off" in n for n in out.notes)
    assert any("finish_reason=length" in b for b in server.bodies)  # the re-ask says why


def test_finish_reason_length_but_whole_json_is_used():
    out, _ = _draft(lambda b, n: Scripted(_good_text(b), finish_reason="length"))
    assert _sources(out) == {"llm"}


@pytest.mark.parametrize("reply, why", [
    (Scripted(choices=False), "no choices"),
    (Scripted(None), "empty"),
    (Scripted(body="<html><body><h1>502 Bad Gateway</h1></body></html>", headers={"content-type": "text/html"}), "not JSON"),
], ids=["empty-choices", "content-null", "html-200"])
def test_empty_or_junk_200_falls_back_with_a_reason(reply, why):
    out, _ = _draft(lambda b, n: reply)
    _fell_back_cleanly(out)
    assert any(why in n for n in out.notes)


def test_missing_usage_does_not_break_cost_accounting():
    out, _ = _draft(lambda b, n: Scripted(_good_text(b), usage=False))
    assert _sources(out) == {"llm"}
    usage = out.llm_usage
    assert usage["calls"] == 4 and usage["prompt_tokens"] > 1000  # counted locally with tiktoken
    assert usage["prompt_tokens_reported"] == 0 and usage["completion_tokens"] == 0


# ------------------------------------------------------------------ time, auth, Azure


def test_slow_server_under_the_timeout_is_used():
    out, _ = _draft(lambda b, n: Scripted(_good_text(b), delay_s=0.4), llm_timeout_s=1.5, llm_max_retries=0)
    assert _sources(out) == {"llm"}


def test_slow_server_over_the_timeout_falls_back():
    started = time.monotonic()
    out, _ = _draft(lambda b, n: Scripted(_good_text(b), delay_s=1.5), llm_timeout_s=0.5, llm_max_retries=0)
    assert time.monotonic() - started < 3.0
    _fell_back_cleanly(out)
    assert any("Timeout" in n for n in out.notes)


def test_401_is_not_retried_and_says_the_key_was_rejected():
    out, server = _draft(lambda b, n: Scripted(f"Incorrect API key provided: {KEY}", status=401))
    _fell_back_cleanly(out)
    assert KEY not in out.model_dump_json()  # the error body echoed the key; the report does not
    assert len(server.bodies) == 1  # no retries, and the other prompts do not try the same key
    assert out.llm_usage["retries"] == 0
    assert any("the endpoint rejected the API key" in n for n in out.notes)


def test_azure_style_deployment_url_with_api_version():
    def azure(body, n):
        return Scripted(_good_text(body))

    out, server = _draft(azure, base_url=lambda s: s.base_url.removesuffix("/v1")
                         + "/openai/deployments/gpt-4o-prod?api-version=2024-10-21")
    assert _sources(out) == {"llm"}
    assert set(server.paths) == {"/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21"}
    assert all(h.get("api-key") == KEY for h in server.headers)


# ------------------------------------------------------------------ odd but usable completion bodies


def _raw_completion(body: dict, change) -> Scripted:
    completion = {"id": "x", "object": "chat.completion", "created": 0, "model": "m",
                  "choices": [{"index": 0, "message": {"role": "assistant", "content": _good_text(body)},
                               "finish_reason": "stop"}],
                  "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}
    change(completion)
    return Scripted(body=json.dumps(completion))


def _message(c: dict) -> dict:
    return c["choices"][0]["message"]


@pytest.mark.parametrize("change", [
    lambda c: _message(c).pop("role"),
    lambda c: _message(c).update(content=[{"type": "text", "text": _message(c)["content"]}]),
    lambda c: _message(c).update(content=json.loads(_message(c)["content"])),
    lambda c: [c.pop(k) for k in ("id", "object", "created", "model")] and c["choices"][0].pop("index"),
    lambda c: c.update(usage=None),
    lambda c: c.update(usage={"prompt_tokens": None, "completion_tokens": None}),
    lambda c: c["choices"][0].update(finish_reason=None),
], ids=["no-role", "content-parts", "content-object", "no-id-object-created-index", "usage-null",
        "usage-nulls", "finish-null"])
def test_sloppy_but_usable_completion_bodies_are_used(change):
    out, server = _draft(lambda b, n: _raw_completion(b, change))
    assert _sources(out) == {"llm"} and len(server.bodies) == 4


def test_error_object_in_a_200_gets_its_status():
    overloaded = {"error": {"message": "model is overloaded", "code": 503}}
    out, server = _draft(lambda b, n: Scripted(body=json.dumps(overloaded)))
    _fell_back_cleanly(out)
    assert out.llm_usage["retries"] >= 1  # a 503 in disguise is retried like a 503
    assert any("model is overloaded" in n for n in out.notes)
    bad_key = {"error": {"message": "invalid api key", "code": 401}}
    out, server = _draft(lambda b, n: Scripted(body=json.dumps(bad_key)))
    assert len(server.bodies) == 1 and any("rejected the API key" in n for n in out.notes)


def test_html_page_for_a_base_url_that_is_not_the_api_stops_after_one_request():
    page = Scripted(body="<!doctype html><html><title>Open WebUI</title></html>", headers={"content-type": "text/html"})
    out, server = _draft(lambda b, n: page)
    _fell_back_cleanly(out)
    assert len(server.bodies) == 1
    assert any("is the base URL the API" in n for n in out.notes)


def test_404_unknown_model_stops_after_one_request():
    out, server = _draft(lambda b, n: Scripted("model 'test-model' not found, try pulling it first", status=404))
    _fell_back_cleanly(out)
    assert len(server.bodies) == 1
    assert any("does not know this model or URL" in n for n in out.notes)
