"""The person-as-cause back-up layer (agent/checks/agentcause.py, rule kind `agent`)."""

import pytest

from agent.checks.blameless import lint_text

RULE = "person-agent-cause"


def rules(text: str, **kw) -> set[str]:
    return {f.rule for f in lint_text(text, **kw)}


@pytest.mark.parametrize("text", [
    "Zdravko's rushed change to the proxy config is why search went down.",  # name not in the list, possessive
    "Nkechi skipped the staging soak and shipped the build.",  # shape: capitalised word + past verb
    "The contractor hardcoded the signing key in the repo.",  # role noun + blameful action
    "Thanks to Ilse's cleanup, the backups are gone.",  # sarcastic "thanks to"
    "Giedre merged the migration without waiting for a reviewer.",
])
def test_person_as_cause_fires_on_unseen_names_and_shapes(text):
    assert RULE in rules(text)


@pytest.mark.parametrize("text", [
    "Zdravko rolled back the proxy config change that caused the outage.",  # neutral response verb
    "Nkechi paged the search team after the cluster went down.",
    "The deploy paged the on-call engineer, which led to a rollback.",  # the person is the object
    "Kafka dropped messages after the broker restart, leading to a backlog.",  # a system, not a person
    "The log said `Bob deleted queue: caused by timeout`.",  # code text is masked
    "Traffic shifted to the west region and latency rose.",
])
def test_person_as_cause_stays_quiet_on_neutral_actions_and_systems(text):
    assert RULE not in rules(text)


def test_back_up_does_not_resurrect_a_disabled_specific_rule():
    text = "The engineer forgot to renew the certificate."
    assert "forgot" in rules(text) and RULE not in rules(text)  # the specific rule wins, no duplicate
    assert RULE not in rules(text, config={"disable": ["forgot"]})


def test_back_up_can_be_disabled_by_config():
    text = "Nkechi skipped the staging soak and shipped the build."
    assert RULE not in rules(text, config={"disable": [RULE]})
