"""Redaction at ingestion, with a cheap pre-check so clean text skips the full rule set.

``agent.redact.redact`` runs a dozen regexes over every text (20-150 us per log line). A text can only
match a rule if it holds one of the trigger substrings below, so we look for those first (for log
files once per 1 MB block, not per line); any hit sends the text through the full ``redact``.
The triggers are a deliberate superset of the rules in agent/redact.py; tests/test_sources_scrub.py
holds a sample of every rule and fails when a rule is added without one.
"""

from __future__ import annotations

import bisect
import re

from agent.redact import redact

# Lower-case substrings; a text needs the full redactor if its lower-cased form holds one.
# PRIVATE KEY blocks contain "key"; "sig" covers signature; "session" covers session ids.
TRIGGERS = ("eyj", "bearer", "basic", "token", "akia", "asia", "agpa", "aida", "aroa", "sk-", "sk_", "rk_", "xox",
            "aiza", "glpat-", "ya29.", "npm_", "hf_", "sg.", "hooks.slack.com", "discord", "key", "secret", "passw",
            "pwd", "sig", "credential", "session")
# Phone numbers and GitHub tokens in a translated copy (digits -> 0, space . - -> '.', p o u s r -> p):
# (ddd) ddd-dddd / ddd.ddd.dddd, +d ddd ..., +dddddddddd, gh[pousr]_, github_pat_.
_SHAPE_TABLE = bytes.maketrans(b"0123456789 .-pousr", b"0000000000...ppppp")
_SHAPE_STR = str.maketrans("0123456789 .-pousr", "0000000000...ppppp")
_SHAPE_MARKS = ("000.000.0000", ").000.0000", "+0.00", "+00.00", "+000.00", "+0000000000", "ghp_", "githpb_pat_")
# '@' is common in logs (Java's Object@1a2b); only an e-mail domain or a URL with credentials counts.
_AT_RULES = re.compile(rb"@[A-Za-z0-9.-]+\.[A-Za-z]{2}|://")
_TRIGGER_BYTES = [t.encode() for t in TRIGGERS]
_MARK_BYTES = [m.encode() for m in _SHAPE_MARKS]


def needs_redaction(text: str) -> bool:
    low = text.lower()
    if any(trigger in low for trigger in TRIGGERS):
        return True
    shaped = text.translate(_SHAPE_STR)
    if any(mark in shaped for mark in _SHAPE_MARKS):
        return True
    return "@" in text and _AT_RULES.search(text.encode("utf-8", "replace")) is not None


def scrub(text: str | None) -> str:
    """Redact secrets and PII from ``text`` (None becomes '')."""
    if not text:
        return ""
    return redact(text) if needs_redaction(text) else text


def flagged_lines(block: bytes) -> set[int]:
    """0-based indices of the lines of ``block`` (split on b"\\n") that may need redaction."""
    hits: list[int] = []
    low = block.lower()
    _trigger_positions(low, hits)
    shaped = block.translate(_SHAPE_TABLE)
    for mark in _MARK_BYTES:
        _positions(shaped, mark, hits)
    at_hits = _positions(block, b"@", [])
    if not hits and not at_hits:
        return set()
    newlines = _positions(block, b"\n", [])
    flagged = {bisect.bisect_left(newlines, pos) for pos in hits}
    for idx in {bisect.bisect_left(newlines, pos) for pos in at_hits} - flagged:
        start = newlines[idx - 1] + 1 if idx else 0
        end = newlines[idx] if idx < len(newlines) else len(block)
        if _AT_RULES.search(block, start, end):
            flagged.add(idx)
    return flagged


_BY_PREFIX: dict[bytes, list[bytes]] = {}
for _t in _TRIGGER_BYTES:
    _BY_PREFIX.setdefault(_t[:3], []).append(_t)
_PREFIX_CODES = [(p[0] << 16) | (p[1] << 8) | p[2] for p in _BY_PREFIX]
_PREFIX_TABLE = None  # numpy bool table over all 2**24 three-byte codes, built on first use


def _trigger_positions(low: bytes, out: list[int]) -> None:
    """Where a trigger starts in ``low``. One vectorised pass finds the positions whose three bytes
    begin some trigger (every trigger is >= 3 bytes); only those are checked in full. Same result as
    one ``find`` loop per trigger, about 4x faster on a 1 MB block; short blocks take the find loop."""
    if len(low) < 4096:
        for needle in _TRIGGER_BYTES:
            _positions(low, needle, out)
        return
    import numpy as np

    global _PREFIX_TABLE
    if _PREFIX_TABLE is None:
        table = np.zeros(1 << 24, dtype=bool)
        table[_PREFIX_CODES] = True
        _PREFIX_TABLE = table
    a = np.frombuffer(low, dtype=np.uint8).astype(np.uint32)
    codes = (a[:-2] << 16) | (a[1:-1] << 8) | a[2:]
    for pos in np.flatnonzero(_PREFIX_TABLE[codes]).tolist():
        for needle in _BY_PREFIX[low[pos:pos + 3]]:
            if low.startswith(needle, pos):
                out.append(pos)


def _positions(haystack: bytes, needle: bytes, out: list[int]) -> list[int]:
    pos = haystack.find(needle)
    while pos >= 0:
        out.append(pos)
        pos = haystack.find(needle, pos + 1)
    return out
