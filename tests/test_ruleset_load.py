"""The rules file is read with libyaml when available: the document must equal the pure-Python load."""

import re

import yaml

from agent.checks import ruleset


def test_the_fast_loader_builds_the_same_document_as_safe_load():
    text = ruleset.RULES_FILE.read_text(encoding="utf-8")
    assert ruleset._document() == yaml.load(text, Loader=yaml.SafeLoader)


def test_the_critique_list_is_read_with_the_fast_loader_to_the_same_patterns():
    text = (ruleset.subject.DATA_DIR / "blame_critique.yaml").read_text(encoding="utf-8")
    expected = tuple(re.compile(p, re.IGNORECASE) for p in yaml.safe_load(text)["patterns"])
    assert ruleset.critique_patterns.__wrapped__() == expected


def test_the_rules_file_is_read_once_for_rules_and_lexicon():
    caches = (ruleset._document, ruleset.load_rules, ruleset.rule_prefilter, ruleset._owners, ruleset.load_lexicon)
    for cached in caches:
        cached.cache_clear()
    ruleset.load_rules()
    ruleset.load_lexicon()
    assert ruleset._document.cache_info().misses == 1
