"""Role words added for issue 7: people roles are subjects, software words that look like roles are not."""

from __future__ import annotations

import pytest

from agent.checks.blameless import lint_text
from agent.checks.subject import group_class


def flagged(text: str) -> set[str]:
    return {f.rule for f in lint_text(text) if f.severity in ("error", "warning")}


@pytest.mark.parametrize("phrase", ["the deployer", "the releaser", "a nurse", "the trader"])
def test_people_roles_are_person_subjects(phrase):
    assert group_class(phrase) == "person"


def test_deployer_counterfactual_is_a_person_counterfactual():
    assert "counterfactual-person" in flagged("The deployer should have waited for the smoke tests.")


@pytest.mark.parametrize("text", [
    "A latent bug in the storage driver caused writes to stall.",
    "The event dispatcher dropped messages during the failover.",
])
def test_software_words_stay_quiet(text):
    assert flagged(text) == set()
