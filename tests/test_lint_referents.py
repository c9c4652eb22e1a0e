"""Person referents the press and executives use: full names, "X involved", headlines, and blame critiqued."""

from __future__ import annotations

import pytest

from agent.checks.blameless import lint_text
from agent.checks.subject import subject_class


def flagged(text: str) -> set[str]:
    return {f.rule for f in lint_text(text) if f.severity in ("error", "warning")}


@pytest.mark.parametrize("sentence", [
    "SRE Tom Wu restarted every node at once.",          # a two-letter family name after a given name
    "Network lead Pavel Novak rebooted the core router mid-session.",
])
def test_given_name_then_family_name_is_the_actor(sentence):
    assert "person-agent-cause" in flagged(sentence)


def test_post_modifier_does_not_hide_the_head_noun():
    s = "A spokesperson said the technician involved has been suspended."
    assert subject_class(s, s.index("been")) == "person"
    assert "punishment" in flagged(s)


@pytest.mark.parametrize("sentence", [
    "Blaming the on-call engineer would only teach people to hide their mistakes.",
    "Firing the operator fixes nothing if the console still allows the same command.",
    "Disciplinary action is not part of our incident process.",
    "Operator error is a label for where the investigation stopped, not a cause.",
    "Blame-free reviews only work if managers stop asking who pushed the button.",
    "The team responsible for the billing service was paged at 02:14.",
    "Engineers restore ticketing service after nine-hour outage",
    "Network lead Pavel Novak opened the bridge and paged the carrier at 02:40.",
])
def test_blame_critiqued_or_neutral_referents_stay_clean(sentence):
    assert flagged(sentence) == set()
