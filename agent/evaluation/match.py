"""Deterministic text matching for the scorers: normalised, stemmed content-word sets.

``words("Deployed PR #1100 to production")`` -> {"deploy", "pr", "1100", "production"}.
Two texts match when they share enough content words; see ``similar`` for the exact rule.
"""

from __future__ import annotations

import re
from functools import lru_cache

TOKEN = re.compile(r"[a-z]+|[0-9]+")
CAMEL = re.compile(r"([a-z])([A-Z])")
STOPWORDS = frozenset("""
a an the and or but of to in on at by for from with without into onto over under after before during while
is are was were be been being has have had do does did not no yes it its this that these those there their
they them we our us you your he she his her i me my as than then so too very can could would should will
just also only again still all any some each every about via per up down out off
incident issue problem utc am pm min mins minute minutes
""".split())
# Operational synonyms folded onto one stem, so "acknowledged the page" meets "ack alert".
SYNONYMS = {
    "acknowledg": "ack", "ackd": "ack", "paged": "alert", "page": "alert", "pag": "alert", "fire": "alert", "fired": "alert",
    "alarm": "alert", "rollout": "deploy", "releas": "releas", "ship": "deploy", "shipped": "deploy",
    "revert": "rollback", "rolled": "roll", "restor": "recov", "recoveri": "recov", "recov": "recov",
    "mitig": "mitig", "expir": "expir", "cert": "certif", "certif": "certif", "tls": "tls", "mtls": "tls",
    "db": "databas", "databas": "databas", "postgr": "databas", "conn": "connect", "err": "error",
    "5xx": "error", "500": "error", "503": "error", "502": "error", "sev": "sev", "escal": "escal",
    "resolv": "resolv", "resolut": "resolv", "expiry": "expir", "certificat": "certif",
    "fix": "fix", "hotfix": "fix", "timeout": "timeout",
}
SUFFIXES = ("ational", "ization", "ations", "ation", "ions", "ion", "ments", "ment", "ness", "ingly", "ings",
            "ing", "edly", "ies", "ied", "ers", "ed", "es", "er", "ly", "s")


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """A light suffix stripper (not Porter): enough to fold plurals, tenses and -ation nouns."""
    if word in SYNONYMS or word.isdigit() or len(word) <= 3:
        return SYNONYMS.get(word, word)
    for suf in SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 3:
            word = word[: -len(suf)]
            break
    if word.endswith("e") and len(word) > 5:
        word = word[:-1]
    return SYNONYMS.get(word, word)


def words(text: str) -> frozenset[str]:
    """Content words: lower-cased, stop words and 1-2 digit numbers (clock fragments) dropped, stemmed."""
    out = set()
    for tok in TOKEN.findall(CAMEL.sub(r"\1 \2", text).lower()):
        if tok in STOPWORDS or (tok.isdigit() and len(tok) <= 2) or len(tok) < 2:
            continue
        out.add(stem(tok))
    return frozenset(out)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def coverage(gold: frozenset[str], cand: frozenset[str]) -> float:
    """Share of the gold words that the candidate contains."""
    return len(gold & cand) / len(gold) if gold else 0.0


def similarity(gold: str, cand: str) -> float:
    """max(Jaccard, gold-word coverage) of the two content-word sets, in [0, 1]."""
    g, c = words(gold), words(cand)
    return max(jaccard(g, c), coverage(g, c))


def similar(gold: str, cand: str, *, threshold: float = 0.5) -> bool:
    """True when the candidate covers >= threshold of the gold's content words (or Jaccard >= threshold)
    AND they share at least min(2, |gold words|) words, so one common word never matches on its own."""
    g, c = words(gold), words(cand)
    if not g or len(g & c) < min(2, len(g)):
        return False
    return max(jaccard(g, c), coverage(g, c)) >= threshold
