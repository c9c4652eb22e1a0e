"""Talk about blame that rejects it stays quiet; the markers are specific enough not to hide blame."""

import pytest
import yaml

from agent.checks.blameless import lint_text
from agent.checks.subject import DATA_DIR

DATA = yaml.safe_load((DATA_DIR / "blame_critique.yaml").read_text(encoding="utf-8"))


def _flagged(sentence: str) -> list[str]:
    return [f.rule for f in lint_text(sentence) if f.severity in ("error", "warning")]


@pytest.mark.parametrize("sentence", DATA["examples"]["quiet"])
def test_critique_of_blame_is_not_flagged(sentence):
    assert _flagged(sentence) == []


@pytest.mark.parametrize("sentence", DATA["examples"]["still_fires"])
def test_blame_next_to_similar_words_still_fires(sentence):
    assert _flagged(sentence)


def test_the_markers_are_what_keeps_some_examples_quiet():
    # Some quiet examples carry blame words a rule flags on its own; without the markers they fire.
    from agent.checks import ruleset

    original = ruleset.critique_patterns
    try:
        ruleset.critique_patterns = lambda: ()
        loud = [s for s in DATA["examples"]["quiet"] if _flagged(s)]
    finally:
        ruleset.critique_patterns = original
    assert len(loud) >= 2
