"""A literal prefilter for many regexes: skip the ones that cannot match a text, with one scan.

For each regex we derive, from its parse tree, a set of literal strings one of which every match must
contain (e.g. ``\\b(wiped|nuked)\\b`` needs "wiped" or "nuked"; ``\\b[a-z]+ed\\b[^.]{0,50}?\\bwithout``
needs "without"). All those literals go into one trie-shaped regex that is run once over the
case-folded text; a regex none of whose literals occurs is skipped. A regex with no usable literal is
always run. The prefilter is a necessary condition only, so it never changes a result.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from agent import rxcache as rx
from agent.checks import literalcache

try:  # Python 3.11+: the parser is private but stable; older versions expose sre_parse
    from re import _constants as sc  # type: ignore[attr-defined]
    from re import _parser as sp  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as sc  # type: ignore[no-redef]
    import sre_parse as sp  # type: ignore[no-redef]

CAP = 256  # most alternatives expanded per regex before we settle for shorter prefixes
MIN_LEN = 3
KEY = 6  # characters of each literal in the one scan regex (Prefilter)
ZERO_WIDTH = {sc.AT, sc.ASSERT, sc.ASSERT_NOT}
SPACE = [(sc.CATEGORY, sc.CATEGORY_SPACE)]
SPACES = rx.compile(r"\s+")
REPEATS = {sc.MAX_REPEAT, sc.MIN_REPEAT}


def _starts(items: Sequence, memo: dict[int, tuple[set[str], bool] | None] | None = None,
            base: int = 0) -> tuple[set[str], bool] | None:
    """Strings every match of ``items`` starts with, and whether they are the whole match.

    ``memo`` caches ``_item`` by absolute index (``base`` + position): ``_best`` asks for every suffix
    of one item list, and the items' own results never change (they are only read, never mutated)."""
    out = {""}
    for k, (op, av) in enumerate(items):
        if op in ZERO_WIDTH:
            continue
        if memo is None:
            sub = _item(op, av)
        else:
            if base + k not in memo:
                memo[base + k] = _item(op, av)
            sub = memo[base + k]
        if sub is None:
            return out, False
        alts, whole = sub
        joined = {a + b for a in out for b in alts}
        if len(joined) > CAP:
            return out, False
        out = joined
        if not whole:
            return out, False
    return out, True


def _item(op, av) -> tuple[set[str], bool] | None:
    if op is sc.LITERAL:
        return {" " if chr(av).isspace() else chr(av).casefold()}, True
    if op is sc.IN and list(av) == SPACE:  # \s: texts are scanned with whitespace runs folded to one space
        return {" "}, True
    if op is sc.IN:
        if len(av) > 12 or any(kind is not sc.LITERAL for kind, _ in av):
            return None
        return {chr(c).casefold() for _, c in av}, True
    if op is sc.SUBPATTERN:
        return _starts(av[-1])
    if op is sc.BRANCH:
        return _branch(av[1])
    if op in REPEATS and list(av[2]) == [(sc.IN, SPACE)]:
        return ({" "} if av[0] else {"", " "}), True  # \s+ is one space after folding, \s* none or one
    if op in REPEATS:
        low, high, sub = av
        inner = _starts(sub)
        if inner is None:
            return None if low else ({""}, False)
        alts, whole = inner
        if low == 0:
            return alts | {""}, whole and high == 1
        return alts, whole and high == 1
    return None


def _branch(branches: Iterable) -> tuple[set[str], bool] | None:
    out: set[str] = set()
    whole = True
    for branch in branches:
        sub = _starts(branch)
        if sub is None:
            return None
        out |= sub[0]
        whole = whole and sub[1]
    return out, whole


def required_literals(pattern: re.Pattern) -> frozenset[str] | None:
    """Literals one of which occurs (case-folded) in every match, or None when there is no usable set.

    Read from the shipped cache when it holds this regex (agent/checks/literalcache.py), else derived."""
    known = literalcache.lookup(pattern.pattern, pattern.flags)
    return derive_literals(pattern) if known is literalcache.MISSING else known


def derive_literals(pattern: re.Pattern) -> frozenset[str] | None:
    """``required_literals`` from the regex's parse tree."""
    items = list(sp.parse(pattern.pattern, pattern.flags))
    return _best(items, MIN_LEN) or _best(items, 2)


def _best(items: list, min_len: int) -> frozenset[str] | None:
    best: frozenset[str] | None = None
    best_len = 0
    memo: dict[int, tuple[set[str], bool] | None] = {}
    for k in range(len(items)):
        found = _starts(items[k:], memo, k)
        if not found or not found[0]:
            continue
        shortest = min(map(len, found[0]))
        # folding whitespace only shortens a string, so a set already shorter than the best cannot win
        if shortest < min_len or (best is not None and shortest < best_len):
            continue
        cand = frozenset(SPACES.sub(" ", s) for s in found[0])
        cand_len = min(map(len, cand))
        if best is None or cand_len > best_len or (cand_len == best_len and len(cand) < len(best)):
            best, best_len = cand, cand_len
    return best


def _trie_regex(words: Iterable[str]) -> str:
    """A regex matching the longest of ``words`` that starts at a position (a trie, so one pass)."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _emit(trie) or "(?!)"


def _emit(node: dict) -> str:
    alts = [re.escape(ch) + _emit(child) for ch, child in sorted(node.items()) if ch]
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    return f"(?:{body})?" if "" in node else body


class Prefilter:
    """Which of ``patterns`` can possibly match a text."""

    def __init__(self, patterns: Sequence[re.Pattern]):
        self.patterns = tuple(patterns)
        self.needs = tuple(required_literals(p) for p in self.patterns)
        self.always = frozenset(p for p, need in zip(self.patterns, self.needs) if need is None)
        # pattern indices, not patterns: hashing 20k pattern objects here costs more than the lookups save
        self._by_literal: dict[str, list[int]] = {}
        for i, need in enumerate(self.needs):
            for lit in need or ():
                self._by_literal.setdefault(lit, []).append(i)
        self.literals = frozenset(self._by_literal)
        # The scan regex holds only the literals' first KEY characters (10k literals make a 110 kB regex
        # that takes longer to compile than every sentence of a draft takes to scan); a key found at a
        # position is then checked in full with startswith.
        by_key: dict[str, list[str]] = {}
        for lit in self._by_literal:
            by_key.setdefault(lit[:KEY], []).append(lit)
        self._by_key = {key: tuple(lits) for key, lits in by_key.items()}
        self._scan = rx.compile(f"(?=({_trie_regex(self._by_key)}))")

    def present(self, text: str) -> set[str]:
        """The literals that occur in ``text`` (case-folded, whitespace runs read as one space)."""
        seen: set[str] = set()
        folded = SPACES.sub(" ", text.casefold())
        for m in self._scan.finditer(folded):
            key, pos = m.group(1), m.start()
            # every key starting here is a prefix of the longest one the trie matched
            for k in range(2, len(key) + 1):
                for lit in self._by_key.get(key[:k], ()):
                    if lit not in seen and folded.startswith(lit, pos):
                        seen.add(lit)
        return seen

    def possible(self, text: str) -> frozenset[re.Pattern]:
        """The patterns that might match ``text`` (all the others certainly do not)."""
        out = set(self.always)
        for lit in self.present(text):
            out.update(self.patterns[i] for i in self._by_literal[lit])
        return frozenset(out)

    def any_possible(self, text: str) -> bool:
        return bool(self.always) or bool(self.present(text))
