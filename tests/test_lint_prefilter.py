"""The literal prefilter (agent/checks/prefilter.py) skips rules but must never change a result."""

import json
import re
from pathlib import Path

import pytest

from agent.checks import prose
from agent.checks.blameless import flag_chat, lint_text
from agent.checks.prefilter import Prefilter, required_literals
from agent.checks.ruleset import load_lexicon, load_rules, make_config, match_sentence, rule_prefilter
from agent.models import ChatMessage

ROOT = Path(__file__).resolve().parents[1]


def _heldout_texts() -> list[str]:
    texts = []
    for path in sorted((ROOT / "benchmarks").glob("heldout*_blameless.jsonl")):
        texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts


def _example_texts() -> list[str]:
    return [s for r in load_rules() for examples in r.examples.values() for s in examples]


HELDOUT = _heldout_texts()
EXAMPLES = _example_texts()


@pytest.mark.parametrize("pattern, literals", [
    (r"\b(wiped|nuked)\b", {"wiped", "nuked"}),
    (r"\b[a-z]+ed\b[^.]{0,50}?\bwithout\s+review", {"without review"}),
    (r"\bfat[- ]?finger", {"fatfinger", "fat-finger", "fat finger"}),
    (r"\b(should|ought to)\s+have\b", {"should have", "ought to have"}),
])
def test_required_literals_come_from_the_parse_tree(pattern, literals):
    assert required_literals(re.compile(pattern, re.I)) == literals


def test_a_regex_without_literals_is_always_tried():
    pf = Prefilter([re.compile(r"\b[a-z]+\b", re.I), re.compile(r"\bwiped\b", re.I)])
    assert pf.possible("nothing here") == frozenset({pf.patterns[0]})
    assert pf.possible("Someone WIPED it") == frozenset(pf.patterns)


def test_every_pattern_that_matches_is_kept_by_the_prefilter():
    texts = HELDOUT + EXAMPLES
    prefilters = [rule_prefilter(), load_lexicon().trigger]
    for pf in prefilters:
        for text in texts:
            possible = pf.possible(text)
            for pattern in pf.patterns:
                if pattern.search(text):
                    assert pattern in possible, (pattern.pattern, text)


def test_lint_results_are_identical_with_and_without_the_prefilter():
    configs = [make_config(None), make_config({"people": ["dana kim"], "severity": {"named-individual": "warning"}})]
    for text in HELDOUT + EXAMPLES:
        for cfg in configs:
            for sent in prose.sentences(prose.prepare(text)):
                assert match_sentence(sent.text, cfg) == match_sentence(sent.text, cfg, prefilter=False), sent.text
    for path in sorted((ROOT / "fixtures").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        assert lint_text(text) == lint_text(text, prefilter=False), path


def test_chat_flags_are_identical_with_and_without_the_prefilter():
    msgs = [ChatMessage(ts=f"17703000{i:02d}.000100", time="2026-02-05T14:00:00Z", channel="inc", user="U1",
                        user_name="kim", text=text, source_file="slack.json")
            for i, text in enumerate(HELDOUT[:90])]
    assert flag_chat(msgs) == flag_chat(msgs, prefilter=False)
    assert flag_chat(msgs)  # the held-out sets hold blameful remarks: the check is not vacuous
