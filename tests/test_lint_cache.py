"""The linter's load-time shortcuts: shipped prefilter literals (agent/checks/literalcache.py), lazily
compiled rules (agent/checks/lazyre.py) and the early exit for sentences no rule can reach. None of them
may change a finding."""

import json
import pickle
import re

import pytest

from agent.checks import literalcache, prefilter, ruleset
from agent.checks.lazyre import LazyPattern, compiled_now
from agent.checks.ruleset import load_rules, make_config, match_sentence
from tests.test_lint_prefilter import EXAMPLES, HELDOUT


def test_the_shipped_cache_matches_the_rules_and_the_prefilter_code():
    reasons = literalcache.stale()
    assert not reasons, (f"agent/data/lint_cache.json is stale ({'; '.join(reasons)}). The linter still works "
                         f"(it parses the missing regexes at every start, slower). Regenerate: {literalcache.REGEN}")


def test_every_cached_literal_set_is_what_the_parse_tree_gives():
    rows = json.loads(literalcache.CACHE_FILE.read_text(encoding="utf-8"))["literals"]
    assert len(rows) > 400
    for pattern, flags, lits in rows:
        derived = prefilter.derive_literals(LazyPattern(pattern, flags))
        assert derived == (None if lits is None else frozenset(lits)), pattern


def test_an_unknown_regex_is_derived_at_run_time():
    pattern = LazyPattern(r"\b(zorbled|quuxed)\s+the\b", re.IGNORECASE)
    assert literalcache.lookup(pattern.pattern, pattern.flags) is literalcache.MISSING
    assert prefilter.required_literals(pattern) == {"zorbled the", "quuxed the"}


@pytest.fixture
def fresh_caches():
    def clear():
        for cached in (literalcache._shipped, literalcache._table, literalcache.rules_checked):
            cached.cache_clear()
    clear()
    yield
    clear()


def test_a_cache_written_for_other_prefilter_code_is_ignored(tmp_path, monkeypatch, fresh_caches):
    data = json.loads(literalcache.CACHE_FILE.read_text(encoding="utf-8"))
    pattern, flags, _ = data["literals"][0]
    data["literals"][0][2] = ["nonsense literal"]
    data["prefilter_sha256"] = "0" * 64
    fake = tmp_path / "lint_cache.json"
    fake.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(literalcache, "CACHE_FILE", fake)
    assert literalcache.lookup(pattern, flags) is literalcache.MISSING
    assert any("prefilter.py changed" in r for r in literalcache.stale())


def test_rules_compile_lazily_only_when_the_cache_vouches_for_the_file(tmp_path):
    shipped = load_rules()
    assert literalcache.rules_checked(ruleset.RULES_FILE)
    assert any(p._compiled is None for r in shipped for p in r.patterns)  # most are never needed
    edited = tmp_path / "rules.yaml"
    edited.write_text(ruleset.RULES_FILE.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert not literalcache.rules_checked(edited)
    eager = load_rules(edited)
    assert all(p._compiled is not None for r in eager for p in r.patterns)
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - id: broken\n    patterns: ['(unclosed']\n", encoding="utf-8")
    with pytest.raises(re.error):
        load_rules(bad)  # an edited rules file still fails at load, not at the first sentence


def test_the_rules_document_comes_from_the_cache_only_for_the_content_it_was_written_from(tmp_path):
    assert literalcache.document(ruleset.RULES_FILE) == ruleset.parse_rules_file(ruleset.RULES_FILE)
    edited = tmp_path / "rules.yaml"
    edited.write_text("rules: []\nagent_lexicon: {}\n", encoding="utf-8")
    assert literalcache.document(edited) is None
    assert ruleset._document(edited) == {"rules": [], "agent_lexicon": {}}


def test_a_lazy_pattern_behaves_like_the_compiled_one():
    source = r"(?P<who>\w+) (wiped|nuked) it"
    lazy, real = LazyPattern(source, re.IGNORECASE), re.compile(source, re.IGNORECASE)
    text = "Bob WIPED it, then Ana nuked it"
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in real.finditer(text)]
    assert lazy.search(text).group("who") == "Bob" and lazy.match("x") is None
    assert lazy.sub("X", text) == real.sub("X", text) and lazy.split(text) == real.split(text)
    assert lazy.groupindex == real.groupindex
    twin = LazyPattern(lazy.pattern, re.IGNORECASE)
    assert twin == lazy and hash(twin) == hash(lazy) and twin in {lazy}  # a rule's copy stands for the prefilter's
    assert LazyPattern(lazy.pattern) != lazy
    assert pickle.loads(pickle.dumps(lazy)) == lazy  # compiled or not: Rule objects stay picklable
    with pytest.raises(re.error):
        compiled_now("(unclosed")


CHAT = make_config({"people": ["dana kim"], "disable": ["named-individual", "blame-model"]})  # as flag_chat
LEARNED = make_config({"enable": ["blame-model"], "disable": ["named-individual"]})


def test_the_early_exit_is_taken_and_never_changes_a_result():
    quiet = "checking /v1/orders graphs, update 12"
    assert ruleset._quiet(quiet, CHAT, False, ruleset.rule_prefilter().possible(quiet))
    assert not ruleset._quiet(quiet, LEARNED, False, frozenset())  # the learned check may still speak
    taken = 0
    for text in HELDOUT + EXAMPLES + [quiet]:
        allowed = ruleset.rule_prefilter().possible(text)
        for cfg, names_ok in ((CHAT, False), (make_config(None), True)):
            if ruleset._quiet(text, cfg, names_ok, allowed):
                taken += 1  # every rule, tried without the prefilter, finds nothing either
                assert match_sentence(text, cfg, names_ok=names_ok, prefilter=False) == [], text
    assert taken > 20
