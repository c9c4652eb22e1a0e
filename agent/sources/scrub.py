"""Redaction at ingestion, with a cheap pre-check so clean log lines skip the full rule set.

``agent.redact.redact`` runs about ten regexes over every text (~20 us per log line). Most lines hold
none of the trigger substrings those rules need, so we test for those first; any hit (or any doubt)
sends the text through the full ``redact``. The trigger list is a deliberate superset of the rules in
agent/redact.py; tests/test_sources_scrub.py checks it against samples of every rule.
"""

from __future__ import annotations

import re

from agent.redact import redact

# Lower-case substrings without which no redaction rule can match.
_TRIGGERS = ("@", "key", "secret", "token", "passw", "pwd", "bearer", "eyj", "akia", "asia", "sk-", "sk_",
             "gh", "xox", "aiza", "glpat", "://", "-----begin")
# The phone rule needs "ddd<sep>dddd" at least.
_PHONE = re.compile(r"\d{3}[ .-]\d{4}")


def needs_redaction(text: str) -> bool:
    low = text.lower()
    for trigger in _TRIGGERS:
        if trigger in low:
            return True
    return _PHONE.search(text) is not None


def scrub(text: str | None) -> str:
    """Redact secrets and PII from ``text`` (None becomes '')."""
    if not text:
        return ""
    return redact(text) if needs_redaction(text) else text
