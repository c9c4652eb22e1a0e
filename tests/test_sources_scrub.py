"""The redaction pre-check must let through every text that agent.redact would change."""

from __future__ import annotations

import pytest

from agent.redact import _RULES, redact
from agent.sources.scrub import flagged_lines, needs_redaction, scrub

# At least one sample per rule in agent/redact.py (rule name -> samples).
SAMPLES = {
    "PRIVATE_KEY": ["-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----"],
    "JWT": ["jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"],
    "BEARER": ["Authorization: Bearer abcdefgh12345678", "Authorization: Basic dXNlcjpwYXNzd29yZDEy"],
    "AWS_KEY": ["aws AKIAIOSFODNN7EXAMPLE here", "role AROAABCDEFGHIJKLMNOP x"],
    "API_KEY": ["key sk-proj-abcdefghijklmnopqrstuvwx", "stripe sk_live_abcdefghijklmnopqrst",
                "r rk_test_abcdefghijklmnopqrst", "gh ghp_abcdefghijklmnopqrstuvwxyz0123456789",
                "gh gho_abcdefghijklmnopqrstuvwxyz0123456789", "pat github_pat_abcdefghijklmnopqrstuvwxyz0123456789",
                "slack xoxb-1234567890-abcdefghij", "google AIzaSyA1234567890abcdefghijklmnopqrstuv",
                "gitlab glpat-abcdefghijklmnopqrstu", "g ya29.abcdefghijklmnopqrstuvwxyz",
                "n npm_abcdefghijklmnopqrstuvwxyz0123456789", "h hf_abcdefghijklmnopqrstuvwxyz0123456789",
                "s SG.abcdefghijklmnopqr.abcdefghijklmnopqr"],
    "WEBHOOK": ["post to https://hooks.slack.com/services/T000/B000/XXXX",
                "https://discord.com/api/webhooks/123/abc"],
    "PASSWORD": ["postgres://admin:s3cr3tpw@db.internal:5432/app", "redis://:pw1234@cache:6379"],
    "SECRET": ["API_KEY=abcd1234efgh", "Password: hunter2", "PWD=abcd", "client_secret: 'zzzz9999'", "Token=abcdef",
               "sig=abcdef123", "credentials: abcd1234", "sessionid=abcdef12"],
    "EMAIL": ["mail dana.oncall@example.com now"],
    "PHONE": ["call +1 415-555-1212 now", "call (415) 555-1212 now", "call 415.555.1212", "intl +44 20 7946 0958",
              "e164 +14155551212"],
}


def test_every_redaction_rule_has_a_sample():
    assert {name for name, _ in _RULES} <= set(SAMPLES), "new rule in agent/redact.py: add samples and triggers"


@pytest.mark.parametrize("text", [t for samples in SAMPLES.values() for t in samples])
def test_precheck_catches_every_redaction_rule(text):
    assert redact(text) != text, "sample no longer matches a rule; update SAMPLES"
    assert needs_redaction(text)
    assert flagged_lines(text.encode() + b"\n")
    assert scrub(text) == redact(text)


def test_clean_text_skips_the_full_redactor():
    clean = "2024-03-05T14:00:00Z INFO [worker-3] Listener@493 processed order 12345 in 12ms status=ok"
    assert not needs_redaction(clean) and scrub(clean) == clean
    block = (clean + "\n") * 3 + "user dana@example.com\n" + clean + "\n"
    assert flagged_lines(block.encode()) == {3}


def _needs_redaction_by_substrings(text: str) -> bool:
    """The pre-check spelled out: a trigger or a shape mark as a substring, or an '@' rule."""
    from agent.sources import scrub as s

    low, shaped = text.lower(), text.translate(s._SHAPE_STR)
    return any(t in low for t in s.TRIGGERS) or any(m in shaped for m in s._SHAPE_MARKS) or \
        ("@" in text and s._AT_RULES.search(text.encode("utf-8", "replace")) is not None)


def test_needs_redaction_equals_the_substring_definition():
    from agent.sources import scrub as s

    texts = ["plain log line 200 OK", "", "user@example.com wrote", "Object@1a2b", "call +1 415 555 0100",
             "(415) 555-0100", "ghp_abc", "github_pat_x"]
    for t in s.TRIGGERS + s._SHAPE_MARKS:
        texts += [t, t.upper(), f"xx{t}yy", f"a {t[:-1]} b", f"{t[:1]}\u0130{t[1:]}"]
    for text in texts:
        assert s.needs_redaction(text) == _needs_redaction_by_substrings(text), text
