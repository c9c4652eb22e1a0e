"""Redaction: secrets and PII out, ordinary incident text untouched, reversible only in memory."""

from __future__ import annotations

import pytest

from agent.redact import Redactor, redact
from conftest_llm import PLANTED


@pytest.mark.parametrize("text,secret,kind", [
    ("Authorization: Bearer Zx81bearerTokenValue7731", "Zx81bearerTokenValue7731", "BEARER"),
    (f"jwt={PLANTED['jwt']}", PLANTED["jwt"], "JWT"),
    (f"key {PLANTED['openai_key']}", PLANTED["openai_key"], "API_KEY"),
    ("export AWS_ACCESS_KEY_ID=AKIAQ7PLANTEDKEY0042", "AKIAQ7PLANTEDKEY0042", "AWS_KEY"),
    ("token ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_abcdefghijklmnopqrstuvwxyz0123456789", ""),
    ("postgres://orders:Hunter2DbSecret@db:5432/orders", "Hunter2DbSecret", "PASSWORD"),
    ("redis://:s3cretRedisPw@cache:6379/0", "s3cretRedisPw", "PASSWORD"),
    ("Server=db;User ID=sa;Password=P@ssw0rd!9;", "P@ssw0rd!9", "SECRET"),
    ("DefaultEndpointsProtocol=https;AccountKey=abc123def456ghi789==;", "abc123def456ghi789", "SECRET"),
    ('{"client_secret": "cs-9f8e7d6c5b4a"}', "cs-9f8e7d6c5b4a", "SECRET"),
    ("GET /cb?access_token=tok_5f4e3d2c1b&x=1", "tok_5f4e3d2c1b", "SECRET"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----", "b3BlbnNzaC1rZXk", "PRIVATE_KEY"),
    ("page jane.doe@example-corp.com now", "jane.doe@example-corp.com", "EMAIL"),
    ("call +1 415-555-0134", "415-555-0134", "PHONE"),
    ("call (415) 555-0134", "555-0134", "PHONE"),
    ("call +44 20 7946 0958", "7946 0958", "PHONE"),
    ("hook https://hooks.slack.com/services/T000/B000/XXXXsecret", "XXXXsecret", "WEBHOOK"),
])
def test_secrets_are_redacted(text, secret, kind):
    out = redact(text)
    assert secret not in out
    assert f"[REDACTED_{kind}" in out


@pytest.mark.parametrize("text", [
    "2026-02-05T14:00:15.000Z ERROR [ConnectionPool] Connection pool exhausted (100/100 connections in use)",
    "GET /v1/orders/pending 200 59ms",
    "deploy orders-api v2.4.1 (PR #1100) sha b124524",
    "the token verification step failed; max_tokens=4096",
    "p99 latency 5000ms at 14:02:11, error rate 0.1% -> 100%",
    "trace 4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7",
])
def test_ordinary_incident_text_is_untouched(text):
    assert redact(text) == text


def test_numbered_redactor_is_consistent_and_reversible_in_memory():
    r = Redactor()
    text = "mail a@b.co, c@d.io, a@b.co; pw postgres://u:pw12345@h/db"
    out = r.redact(text)
    assert out.count("[REDACTED_EMAIL_1]") == 2 and "[REDACTED_EMAIL_2]" in out
    assert r.restore(out) == text
    assert redact(text) == redact(text) and "[REDACTED_EMAIL]" in redact(text)


def test_redacting_twice_changes_nothing():
    once = redact(f"password={PLANTED['url_password']} Bearer {PLANTED['bearer']} {PLANTED['email']}")
    assert redact(once) == once
