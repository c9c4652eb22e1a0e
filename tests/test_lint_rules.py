"""Every rule's own examples (from agent/data/blameless_rules.yaml), plus the subject decisions the issue names."""

from __future__ import annotations

import pytest

from agent.checks.blameless import lint_text
from agent.checks.ruleset import load_rules, make_config
from agent.errors import BundleError

RULES = load_rules()
FIRE = [(r.id, s) for r in RULES for s in r.examples.get("fire", [])]
PASS = [(r.id, s) for r in RULES for s in r.examples.get("pass", [])]


def rules_hit(text: str, *severities: str) -> set[str]:
    sev = severities or ("error", "warning")
    return {f.rule for f in lint_text(text, config={"enable": ["blame-model"]}) if f.severity in sev}


def test_every_rule_ships_fire_and_pass_examples_and_prose():
    for rule in RULES:
        assert rule.examples.get("fire") and rule.examples.get("pass"), rule.id
        assert rule.message and rule.rewrite, rule.id
    assert len({r.id for r in RULES}) == len(RULES)


@pytest.mark.parametrize("rule_id, sentence", FIRE)
def test_rule_fires_on_its_examples(rule_id, sentence):
    assert rule_id in rules_hit(sentence, "error", "warning", "info")


@pytest.mark.parametrize("rule_id, sentence", PASS)
def test_rule_stays_quiet_on_its_examples(rule_id, sentence):
    assert rule_id not in rules_hit(sentence, "error", "warning", "info")


@pytest.mark.parametrize("sentence", [
    "The generator failed to start.",
    "The request failed to complete.",
    "The deploy failed.",
    "The error rate rose.",
    "The alert fired just before 14:00.",
    "The health check failed to notice the stuck worker.",
    "Kubernetes failed to schedule the pods.",
    "Looking for someone to blame is a natural human tendency.",
    "Any responder could have run that command with the default permissions.",
    "The Kubernetes operator failed to reconcile the custom resource.",
])
def test_system_subjects_do_not_fire(sentence):
    assert rules_hit(sentence) == set()


@pytest.mark.parametrize("sentence, rule", [
    ("Bob failed to check the lag.", "failed-to"),
    ("The engineer forgot to renew the certificate.", "forgot"),
    ("He should have rolled back.", "counterfactual-person"),
    ("@jsmith broke the build.", "person-as-cause"),
    ("The database team broke the replication setup.", "person-as-cause"),
    ("The outage happened because of the frontend team.", "team-blame"),
    ("An operator used the tool but forgot to pass the host filter.", "forgot"),
    ("Bob, the on-call engineer, failed to escalate.", "failed-to"),
    ("The engineer on duty failed to escalate.", "failed-to"),
])
def test_people_as_subject_fire_as_errors(sentence, rule):
    assert rule in rules_hit(sentence, "error")


def test_self_counterfactual_is_a_warning_not_an_error():
    found = {f.rule: f.severity for f in lint_text("We should have caught this in staging.")}
    assert found == {"counterfactual-person": "warning"}


def test_quoted_terms_are_mentions_not_uses():
    assert rules_hit("Words like 'careless' and 'human error' do not belong in a postmortem.") == set()


def test_finding_fields_point_at_the_match():
    [f] = [f for f in lint_text("First line is fine.\nThen Bob made a typo in the config.") if f.severity == "error"]
    assert (f.line, f.column, f.text, f.rule) == (2, 10, "made a typo", "person-as-cause")
    assert f.message and f.suggestion


def test_config_disables_and_overrides_severity():
    text = "Obviously the engineer forgot to renew it."
    assert {f.rule for f in lint_text(text, config={"disable": ["forgot"]})} == {"minimiser"}
    found = lint_text(text, config={"severity": {"forgot": "info"}})
    assert {f.rule: f.severity for f in found}["forgot"] == "info"


def test_config_people_are_recognised_as_subjects():
    assert "failed-to" not in rules_hit("zed failed to check the lag.")
    assert "failed-to" in {f.rule for f in lint_text("zed failed to check the lag.",
                                                                  config={"people": ["Zed"]})}


@pytest.mark.parametrize("bad", [{"disable": ["no-such-rule"]}, {"severity": {"forgot": "fatal"}}])
def test_bad_config_is_a_typed_error(bad):
    with pytest.raises(BundleError):
        make_config(bad)
