"""Ironic praise, root-cause labels naming a person, punishment and people remedies fire; their sincere
or system-aimed look-alikes stay quiet (issue 7)."""

import pytest

from agent.checks.blameless import lint_text


def _flagged(sentence: str) -> list[str]:
    return [f.rule for f in lint_text(sentence) if f.severity == "error"]


@pytest.mark.parametrize("sentence", [
    "Nice of the queue team to purge the dead-letter topic, truly first-class work.",
    "Which genius scheduled the reindex at noon?",
    "Root cause: @pvance pushed a config that disabled TLS checks.",
    "The search team keeps breaking the API and then pretending it's our fault.",
    "All he had to do was wait for the canary.",
    "Per HR, both responders were given final written warnings.",
    "Admin wipes shared drive while cleaning up old logs.",
    "yo who deployed without the feature flag",
    "If Marek had waited for the canary, nobody would have seen the errors.",
    "Culprits: Lena (pushed it), Ola (reviewed it).",
])
def test_blame_shapes_fire(sentence):
    assert _flagged(sentence), sentence


@pytest.mark.parametrize("sentence", [
    "Great job by the on-call, restoring checkout in eight minutes.",
    "Engineers who report their mistakes must never be punished for them.",
    "We do not ask who merged it; we ask how the pipeline allowed it.",
    "Who is the incident commander for tonight's maintenance?",
    "Per HR policy, postmortems are not used in performance reviews of individuals.",
    "If the alert had paged on lag, the response would have started sooner.",
    "The fix was a one-line timeout change, and what could go wrong was reviewed beforehand.",
])
def test_look_alikes_stay_quiet(sentence):
    assert _flagged(sentence) == [], sentence
