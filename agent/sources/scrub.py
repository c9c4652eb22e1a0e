"""Redaction at ingestion, with a cheap pre-check so clean text skips the full rule set.

``agent.redact.redact`` runs about ten regexes over every text (~20 us per log line). A text can only
match a rule if it holds one of the trigger substrings below, so we look for those first (for log
files, once per 1 MB block rather than per line); any hit sends the text through the full ``redact``.
The triggers are a deliberate superset of the rules in agent/redact.py; tests/test_sources_scrub.py
checks them against a sample of every rule.
"""

from __future__ import annotations

import bisect

from agent.redact import redact

# Lower-case substrings; a text needs the full redactor only if its lower-cased form holds one.
# Covered without their own trigger: PRIVATE KEY blocks contain "key"; user:password@host contains "@".
TRIGGERS = ("@", "eyj", "bearer", "akia", "asia", "aiza", "sk-", "sk_", "xox", "glpat-", "key", "secret", "token",
            "passw", "pwd")
# The phone rule needs "ddd<sep>dddd" and the GitHub token rule "gh[pousr]_": one translated copy
# (digits -> 0, separators -> '.', p/o/u/s/r -> p) turns both into plain literals.
_SHAPE_TABLE = bytes.maketrans(b"0123456789 .-pousr", b"0000000000...ppppp")
_SHAPE_STR = str.maketrans("0123456789 .-pousr", "0000000000...ppppp")
_SHAPE_MARKS = ("000.0000", "ghp_", "githpb_pat_")


def needs_redaction(text: str) -> bool:
    low = text.lower()
    for trigger in TRIGGERS:
        if trigger in low:
            return True
    shaped = text.translate(_SHAPE_STR)
    return any(mark in shaped for mark in _SHAPE_MARKS)


def scrub(text: str | None) -> str:
    """Redact secrets and PII from ``text`` (None becomes '')."""
    if not text:
        return ""
    return redact(text) if needs_redaction(text) else text


def flagged_lines(block: bytes) -> set[int]:
    """0-based indices of the lines of ``block`` (split on b"\\n") that may need redaction."""
    hits: list[int] = []
    _find_all(block.lower(), _TRIGGER_BYTES, hits)
    _find_all(block.translate(_SHAPE_TABLE), _MARK_BYTES, hits)
    if not hits:
        return set()
    newlines = [i for i in _positions(block, b"\n")]
    return {bisect.bisect_left(newlines, pos) for pos in hits}


_TRIGGER_BYTES = [t.encode() for t in TRIGGERS]
_MARK_BYTES = [m.encode() for m in _SHAPE_MARKS]


def _find_all(haystack: bytes, needles: list[bytes], out: list[int]) -> None:
    for needle in needles:
        out.extend(_positions(haystack, needle))


def _positions(haystack: bytes, needle: bytes) -> list[int]:
    found = []
    pos = haystack.find(needle)
    while pos >= 0:
        found.append(pos)
        pos = haystack.find(needle, pos + 1)
    return found
