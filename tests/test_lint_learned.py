"""The learned check (rule blame-model) is on by default since round 5; where it stays silent."""

from __future__ import annotations

import json

import pytest

from agent.checks import blamemodel
from agent.checks.blameless import flag_chat, lint_text
from agent.checks.subject import chat_names, group_class
from agent.models import ChatMessage

MODEL_ONLY = "The on-call engineer went to bed with the disk at 95 percent."


def flagged(text: str, config: dict | None = None) -> set[str]:
    return {f.rule for f in lint_text(text, config=config) if f.severity in ("error", "warning")}


def test_model_is_on_by_default_and_can_be_switched_off():
    assert flagged(MODEL_ONLY) == {"blame-model"}
    assert flagged(MODEL_ONLY, {"disable": ["blame-model"]}) == set()


def test_cli_no_learned_runs_the_rules_alone(run_cli):
    on = json.loads(run_cli("lint", "-", "--json", input=MODEL_ONLY + "\n").stdout)
    off = json.loads(run_cli("lint", "-", "--json", "--no-learned", input=MODEL_ONLY + "\n").stdout)
    assert [r["rule"] for r in on] == ["blame-model"] and off == []


def test_chat_flags_never_use_the_model():
    msg = ChatMessage(ts="1", time="2024-01-01T00:00:00Z", channel="incident", user="U1", text=MODEL_ONLY,
                      source_file="chat.json")
    assert flag_chat([msg]) == []


@pytest.mark.parametrize("text", [
    "Responders had no way to see which shards were still serving stale data.",
    "The on-call engineer didn't have a dashboard that showed the queue depth per tenant.",
    "Anyone on the rota could have made the same call with what the console showed.",
])
def test_model_abstains_on_system_framing(text):
    assert not blamemodel.has_people(text)


def test_lowercase_chat_lines_still_name_people():
    assert chat_names("ok so basically priya nuked the staging db") == {"priya"}
    assert chat_names("Priya nuked the staging db") == frozenset()  # capitals present: the usual name rules
    assert chat_names("travis failed the build on the edu mirror") == frozenset()  # software and hosts
    assert "person-as-cause" in flagged("ok so basically priya nuked the staging db")


@pytest.mark.parametrize("phrase", ["a support agent", "an IT worker", "the night-shift controller"])
def test_trade_words_make_ambiguous_heads_human(phrase):
    assert group_class(phrase) == "person"


@pytest.mark.parametrize("phrase", ["the monitoring agent", "the celery worker", "the ingress controller"])
def test_software_heads_stay_things(phrase):
    assert group_class(phrase) == "thing"
