"""Secret and PII redaction, applied to every text at ingestion, so nothing downstream
(evidence, prompts, reports) ever sees a key, token, password, email or phone number.

``redact(text)`` returns the redacted text. ``Redactor`` keeps the reverse map in memory only
(never written to disk) for callers that need to restore a value for display to the same user.

A rule with a named group ``v`` replaces only that group, so ``password=`` or ``Bearer `` stays
readable and only the value goes.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from agent import rxcache as rx

_SECRET_KEYS = (
    r"api[_-]?key|apikey|x-api-key|access[_-]?key(?:[_-]?id)?|secret[_-]?access[_-]?key|secret[_-]?key|secret|"
    r"client[_-]?secret|(?:access|refresh|id|auth|session|bearer|csrf)[_-]?token|token|password|passwd|pwd|"
    r"private[_-]?key|account[_-]?key|shared[_-]?access[_-]?key|sig|signature|credentials?|session[_-]?id|sessionid"
)

# Order matters: the most specific shapes first, so a JWT is not half-eaten by the token rule.
_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("PRIVATE_KEY", rx.compile(
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)", re.S)),
    ("JWT", rx.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    ("BEARER", rx.compile(r"(?i)\b(?:bearer|basic|token)\s+(?=[A-Za-z._~+/=-]*\d)(?P<v>[A-Za-z0-9._~+/=-]{12,})")),
    ("AWS_KEY", rx.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b")),
    ("API_KEY", rx.compile(
        r"\b(?:sk-(?:proj-|live-|test-|ant-)?[A-Za-z0-9_-]{16,}|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|"
        r"gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|xox[abposr]-[A-Za-z0-9-]{10,}|"
        r"AIza[0-9A-Za-z_-]{35}|glpat-[A-Za-z0-9_-]{20,}|ya29\.[A-Za-z0-9_-]{20,}|npm_[A-Za-z0-9]{30,}|"
        r"hf_[A-Za-z0-9]{30,}|SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,})")),
    ("WEBHOOK", rx.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]+|https://discord(?:app)?\.com/api/webhooks/[A-Za-z0-9/_-]+")),
    # user:password@host in URLs and connection strings (the user may be empty: redis://:pw@host)
    ("PASSWORD", rx.compile(r"(?<=://)[^:/@\s]*:(?P<v>[^@/\s]+)(?=@)")),
    # key=value / key: value / "key": "value" forms for secret-looking keys
    ("SECRET", rx.compile(
        rf"(?i)(?<![A-Za-z0-9])(?:{_SECRET_KEYS})[\"']?\s*[:=]\s*[\"']?(?P<v>[^\s\"',;&<>)]{{4,}})")),
    ("EMAIL", rx.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")),
    ("PHONE", rx.compile(
        r"(?<![\w.:/+-])(?:\+?\d{1,3}[ .-]?)?(?:\(\d{3}\)|\d{3})[ .-]\d{3}[ .-]\d{4}(?![\w.:-])"
        r"|(?<![\w+])\+\d{1,3}(?:[ .-]\d{2,5}){2,5}(?![\w.:-])|(?<![\w+])\+\d{10,15}\b")),
]
_ALREADY = "[REDACTED_"


@dataclass
class Redactor:
    """Redacts consistently (the same secret gets the same placeholder) and remembers, in memory only."""

    numbered: bool = True
    _reverse: dict[str, str] = field(default_factory=dict, repr=False)
    _forward: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)
    _counts: dict[str, int] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def _placeholder(self, kind: str, value: str) -> str:
        if not self.numbered:
            return f"[REDACTED_{kind}]"
        with self._lock:
            key = (kind, value)
            if key not in self._forward:
                self._counts[kind] = self._counts.get(kind, 0) + 1
                token = f"[REDACTED_{kind}_{self._counts[kind]}]"
                self._forward[key] = token
                self._reverse[token] = value
            return self._forward[key]

    def _replace(self, kind: str, match: re.Match[str]) -> str:
        if "v" not in match.re.groupindex:
            return self._placeholder(kind, match.group(0))
        value = match.group("v")
        if value.startswith(_ALREADY):
            return match.group(0)
        start, end = match.start("v") - match.start(), match.end("v") - match.start()
        whole = match.group(0)
        return whole[:start] + self._placeholder(kind, value) + whole[end:]

    def redact(self, text: str) -> str:
        if not text:
            return text
        for kind, pattern in _RULES:
            text = pattern.sub(lambda m, k=kind: self._replace(k, m), text)
        return text

    def restore(self, text: str) -> str:
        for token, value in self._reverse.items():
            text = text.replace(token, value)
        return text


_default = Redactor(numbered=False)


def redact(text: str) -> str:
    """Redact secrets and PII from ``text``. Stateless, so the same input always gives the same output."""
    return _default.redact(text)
