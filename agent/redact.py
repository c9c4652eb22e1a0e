"""Secret and PII redaction, applied to every text at ingestion, so nothing downstream
(evidence, prompts, reports) ever sees a key, token, password, email or phone number.

``redact(text)`` returns the redacted text. ``Redactor`` keeps the reverse map in memory only
(never written to disk) for callers that need to restore a value for display to the same user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Order matters: the most specific shapes first, so a JWT is not half-eaten by the token rule.
_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("PRIVATE_KEY", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.S)),
    ("JWT", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    ("BEARER", re.compile(r"(?i)(?<=\bbearer )[A-Za-z0-9._~+/=-]{8,}")),
    ("AWS_KEY", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("API_KEY", re.compile(
        r"\b(?:sk-(?:proj-|live-|test-)?[A-Za-z0-9_-]{16,}|sk_(?:live|test)_[A-Za-z0-9]{16,}|"
        r"gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|xox[abposr]-[A-Za-z0-9-]{10,}|"
        r"AIza[0-9A-Za-z_-]{35}|glpat-[A-Za-z0-9_-]{20,})")),
    # user:password@host in URLs and connection strings
    ("URL_PASSWORD", re.compile(r"(?<=://)([^:/@\s]+):([^@/\s]+)(?=@)")),
    # key=value / key: value forms for secret-looking keys
    ("SECRET", re.compile(
        r"(?i)(?<![A-Za-z0-9_])((?:api[_-]?key|apikey|access[_-]?key|secret[_-]?key|secret|token|auth[_-]?token|"
        r"password|passwd|pwd|client[_-]?secret|private[_-]?key)[\"']?\s*[:=]\s*[\"']?)([^\s\"',;&]{4,})")),
    ("EMAIL", re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")),
    ("PHONE", re.compile(r"(?<![\w.:/-])\+?\d{1,3}[ .-]?\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?![\w.:-])")),
]


@dataclass
class Redactor:
    """Redacts consistently (the same secret gets the same placeholder) and remembers, in memory only."""

    numbered: bool = True
    _reverse: dict[str, str] = field(default_factory=dict)
    _forward: dict[tuple[str, str], str] = field(default_factory=dict)

    def _placeholder(self, kind: str, value: str) -> str:
        if not self.numbered:
            return f"[REDACTED_{kind}]"
        key = (kind, value)
        if key not in self._forward:
            n = sum(1 for k in self._forward if k[0] == kind) + 1
            token = f"[REDACTED_{kind}_{n}]"
            self._forward[key] = token
            self._reverse[token] = value
        return self._forward[key]

    def redact(self, text: str) -> str:
        if not text:
            return text
        for kind, pattern in _RULES:
            if kind == "URL_PASSWORD":
                text = pattern.sub(lambda m: f"{m.group(1)}:{self._placeholder('PASSWORD', m.group(2))}", text)
            elif kind == "SECRET":
                text = pattern.sub(lambda m: m.group(1) + self._placeholder("SECRET", m.group(2))
                                   if not m.group(2).startswith("[REDACTED_") else m.group(0), text)
            else:
                text = pattern.sub(lambda m, k=kind: self._placeholder(k, m.group(0)), text)
        return text

    def restore(self, text: str) -> str:
        for token, value in self._reverse.items():
            text = text.replace(token, value)
        return text


_default = Redactor(numbered=False)


def redact(text: str) -> str:
    """Redact secrets and PII from ``text``. Stateless, so the same input always gives the same output."""
    return _default.redact(text)
