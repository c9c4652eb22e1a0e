"""`postmortem draft BUNDLE --llm openai:test-model --llm-base-url http://127.0.0.1:PORT/v1`, end to end.

The bundle is a fixture copy with secrets and a prompt injection planted in its logs and chat.
"""

from __future__ import annotations

import json
import shutil

import pytest

from agent.testing import Scripted, ScriptedOpenAIServer, echo_answer
from conftest import FIXTURES
from conftest_llm import INJECTION, PLANTED

FIXTURE = FIXTURES / "conn-pool-exhaustion"


@pytest.fixture
def planted_bundle(tmp_path):
    if not FIXTURE.exists():
        pytest.skip("fixture bundle not present")
    bundle = tmp_path / "bundle"
    shutil.copytree(FIXTURE, bundle)
    p = PLANTED
    with (bundle / "app.log").open("a", encoding="utf-8") as log:
        log.write(f"2026-02-05T14:00:17.000Z ERROR [DB] connect failed postgres://orders:{p['url_password']}@orders-db:5432/orders "
                  f"api_key={p['openai_key']} Authorization: Bearer {p['bearer']}\n")
        log.write(f"2026-02-05T14:00:18.000Z ERROR [Auth] rejected token {p['jwt']} aws {p['aws']}\n")
    day = next((bundle / "chat" / "incident-war-room").glob("*.json"))
    messages = json.loads(day.read_text())
    messages += [
        {"type": "message", "user": "U05SAM", "ts": "1770301150.000000",
         "text": f"escalate to {p['email']} or call {p['phone']}"},
        {"type": "message", "user": "U04LEO", "ts": "1770301160.000000",
         "text": f"key dump -----BEGIN RSA PRIVATE KEY----- {p['private_key_body']} -----END RSA PRIVATE KEY-----"},
        {"type": "message", "user": "U04LEO", "ts": "1770301170.000000", "text": INJECTION},
    ]
    day.write_text(json.dumps(messages, indent=2))
    return bundle


def _draft(run_cli, bundle, out, server):
    return run_cli("draft", bundle, "--llm", "openai:test-model", "--llm-base-url", server.base_url,
                   "--out", out, "--json", "--verbose")


def test_draft_with_a_local_server_is_grounded_and_leaks_nothing(run_cli, planted_bundle, tmp_path):
    with ScriptedOpenAIServer(lambda body, n: Scripted(echo_answer(body))) as server:
        result = _draft(run_cli, planted_bundle, tmp_path / "out", server)
    assert result.returncode == 0, result.stderr
    pm = json.loads(result.stdout)
    by = {s["section"]: s["drafted_by"] for s in pm["sections"]}
    assert by["executive_summary"] == by["five_whys"] == by["action_items"] == "llm", pm["notes"]
    usage = pm["llm_usage"]
    assert usage["calls"] == len(server.bodies) <= 8 and usage["prompt_tokens"] <= 40_000
    assert "llm: test-model" in result.stderr  # --verbose shows the counts
    ids = {e["id"] for e in pm["evidence"]}
    assert set(pm["executive_summary"]["evidence_ids"]) <= ids
    report = (tmp_path / "out" / "postmortem.md").read_text() + (tmp_path / "out" / "postmortem.json").read_text()
    sent = "\n".join(server.bodies)
    for name, secret in PLANTED.items():
        assert secret not in sent, f"{name} reached the model"
        assert secret not in report, f"{name} reached the report"
    assert "4242" not in json.dumps({k: pm[k] for k in ("executive_summary", "five_whys", "root_cause", "went_wrong")})


def test_draft_against_a_broken_server_still_exits_0_marked_fallback(run_cli, planted_bundle, tmp_path):
    with ScriptedOpenAIServer(lambda body, n: Scripted("overloaded", status=503)) as server:
        result = _draft(run_cli, planted_bundle, tmp_path / "out", server)
    assert result.returncode == 0, result.stderr
    pm = json.loads(result.stdout)
    assert {s["drafted_by"] for s in pm["sections"] if s["section"] == "executive_summary"} == {"fallback"}
    assert any("LLM fallback" in n for n in pm["notes"])
    assert len(server.bodies) <= 8
