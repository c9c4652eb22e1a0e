"""The redaction pre-check must let through every text that agent.redact would change."""

from __future__ import annotations

import pytest

from agent.redact import redact
from agent.sources.scrub import flagged_lines, needs_redaction, scrub

# One sample per rule in agent/redact.py (and a few case variants).
SECRETS = [
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
    "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    "Authorization: Bearer abcdefgh12345678",
    "aws AKIAIOSFODNN7EXAMPLE here",
    "key sk-proj-abcdefghijklmnopqrstuvwx",
    "stripe sk_live_abcdefghijklmnopqrst",
    "gh ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "gh gho_abcdefghijklmnopqrstuvwxyz0123456789",
    "pat github_pat_abcdefghijklmnopqrstuvwxyz0123456789",
    "slack xoxb-1234567890-abcdefghij",
    "google AIzaSyA1234567890abcdefghijklmnopqrstuv",
    "gitlab glpat-abcdefghijklmnopqrstu",
    "postgres://admin:s3cr3tpw@db.internal:5432/app",
    "API_KEY=abcd1234efgh", "Password: hunter2", "PWD=abcd", "client_secret: 'zzzz9999'", "Token=abcdef",
    "mail dana.oncall@example.com now",
    "call +1 415-555-1212 now", "call (415) 555-1212 now",
]


@pytest.mark.parametrize("text", SECRETS)
def test_precheck_catches_every_redaction_rule(text):
    assert redact(text) != text, "sample no longer matches a rule; update SECRETS"
    assert needs_redaction(text)
    lines = text.encode().split(b"\n")
    flagged = flagged_lines(text.encode() + b"\n")
    assert flagged, text
    assert scrub(text) == redact(text)
    assert all(0 <= i < len(lines) for i in flagged)


def test_clean_text_skips_the_full_redactor():
    clean = "2024-03-05T14:00:00Z INFO [worker-3] processed order 12345 in 12ms status=ok"
    assert not needs_redaction(clean) and scrub(clean) == clean
    block = (clean + "\n") * 3 + "user dana@example.com\n" + clean + "\n"
    assert flagged_lines(block.encode()) == {3}
