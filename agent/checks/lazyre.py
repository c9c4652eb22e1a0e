"""A regex compiled on first use: most lint rules never reach a given text, so most never need compiling.

The rules file holds ~500 regexes and compiling them all costs more than linting a 5k-message chat.
``LazyPattern`` behaves like the ``re.Pattern`` it stands for (search, match, finditer, sub, split,
groupindex ...) and, like ``re.Pattern``, compares and hashes by (pattern, flags): the rules are loaded
more than once (``load_rules()`` and ``load_rules(RULES_FILE)`` are two cache entries) and the
prefilter's copy of a pattern must stand for the rule's. ``flags`` is the value it was built with:
inline flags such as ``(?x)`` appear only on the compiled pattern.
"""

from __future__ import annotations

import re

from agent import rxcache as rx

# Looked up on the compiled pattern once, then kept on the instance, so later calls go straight to it.
FORWARDED = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split", "groupindex", "groups",
             "scanner")


class LazyPattern:
    __slots__ = ("pattern", "flags", "_compiled", "_hash", *FORWARDED)

    def __init__(self, pattern: str, flags: int = 0):
        self.pattern = pattern
        self.flags = flags
        self._compiled: re.Pattern | None = None
        self._hash = hash((pattern, flags))

    def compiled(self) -> re.Pattern:
        if self._compiled is None:
            self._compiled = rx.compile(self.pattern, self.flags)
            for name in FORWARDED:
                setattr(self, name, getattr(self._compiled, name))
        return self._compiled

    def __getattr__(self, name: str):
        # only reached while a forwarded slot is still empty, i.e. before the first compile
        if name not in FORWARDED:
            raise AttributeError(name)
        return getattr(self.compiled(), name)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LazyPattern):
            return NotImplemented
        return self is other or (self.pattern == other.pattern and self.flags == other.flags)

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self):
        return LazyPattern, (self.pattern, self.flags)  # pickles and copies as the uncompiled regex

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r}, {self.flags!r})"


def compiled_now(pattern: str, flags: int = 0) -> LazyPattern:
    """A LazyPattern compiled at once: a bad regex fails here, as ``re.compile`` would."""
    lazy = LazyPattern(pattern, flags)
    lazy.compiled()
    return lazy
