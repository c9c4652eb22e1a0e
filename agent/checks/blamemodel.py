"""A small learned second opinion for the blameless linter: logistic regression over hashed word and
character n-grams, trained on our own labelled sentences (benchmarks/train_blame_model.py).

The rules say *why* a sentence blames; they miss blame phrased in words no rule names. The model
catches some of that. It only speaks when a person, a role or a team is in the sentence (a sentence
about systems alone cannot blame anyone), and only above a threshold chosen on held-out sets so its
false flags stay rare. Pure Python at run time; numpy only to load the weights.
"""

from __future__ import annotations

import math
import zlib
from functools import lru_cache
from pathlib import Path

from agent import rxcache as rx
from agent.checks import subject

HUMAN = frozenset({"person", "team", "generic", "they"})
# Talk about blame itself ("looking for someone to blame", "human error is where the inquiry starts"):
# the rules read these closely; the model abstains.
META = rx.compile(r"(?i)\b(?:blam\w*|scapegoat\w*|human error|hindsight|just culture|punish\w*|blameless)\b")
# The blameless framings themselves: what the system did not give people ("responders had no way to
# see ...", "the operator didn't have a way to check ...") and the substitution test ("anyone could have
# made the same mistake"). The model abstains on them.
SYSTEM_FRAMING = rx.compile(
    r"(?i)\b(?:did\s*n[o']?t have|had no|have no|has no|lacked|lacks|(?:was|were)(?:n't| not| never) given|"
    r"had nothing|no way)\s+(?:(?:a|an|any|the|enough|clear|good|reliable|easy|quick|simple)\s+)*"
    r"(?:way|means|tools?|tooling|visibility|signal|alert|indication|warning|context|runbook|dashboard|"
    r"view|insight|information|guardrails?|safeguards?|check|prompt|confirmation)\b"
    r"|\b(?:could|would|might)\s+(?:easily\s+|just as easily\s+|also\s+)?have\s+(?:made|done|taken)\s+the\s+same\b")
DETERMINERS = frozenset({"any", "every", "no", "each"})  # "every thread", "no change": not people
MODEL_PATH = Path(__file__).resolve().parents[1] / "data" / "blame_model.npz"
BUCKETS = 1 << 20
WORD = rx.compile(r"(?u)\b\w\w+\b")


def features(text: str) -> dict[int, float]:
    """Hashed, L2-normalised word 1-2 grams plus character 3-5 grams inside word boundaries."""
    low = text.lower()
    words = WORD.findall(low)
    grams = [f"w:{w}" for w in words] + [f"w:{a} {b}" for a, b in zip(words, words[1:])]
    out = _hashed(grams)
    chars: list[str] = []
    for word in low.split():
        padded = f" {word} "
        for n in (3, 4, 5):
            chars.extend(f"c:{padded[i:i + n]}" for i in range(max(1, len(padded) - n + 1)))
    for key, value in _hashed(chars).items():
        out[key] = out.get(key, 0.0) + value
    return out


def _hashed(grams: list[str]) -> dict[int, float]:
    counts: dict[int, float] = {}
    for g in grams:
        h = zlib.crc32(g.encode("utf-8")) & (BUCKETS - 1)
        counts[h] = counts.get(h, 0.0) + 1.0
    norm = math.sqrt(sum(v * v for v in counts.values())) or 1.0
    return {k: v / norm for k, v in counts.items()}


def has_people(text: str) -> bool:
    """A person, role, team or generic human in the sentence: the gate before the model may speak."""
    if META.search(text) or SYSTEM_FRAMING.search(text) or not _maybe_people(text):
        return False
    toks = [t for t in subject.tokens(text) if not _glued_at(text, t.start)]
    return any(subject.classify(t) in HUMAN and _acts(toks, i) for i, t in enumerate(toks) if t.low not in DETERMINERS)


def _acts(toks: list, i: int) -> bool:
    """The human is followed by a word that can start its verb phrase ("the intern ran", "Ana's
    script"), not left as an object at the end ("alert pages the on-call engineer")."""
    j = i + 1
    while j < len(toks) and toks[j].low in {"who", "that", "also", "then", "just", "really", "again"}:
        j += 1
    return j < len(toks) and toks[j].text not in subject.BOUNDARY and toks[j].low not in subject.PREPOSITIONS \
        and toks[j].text[:1].isalpha() and subject.classify(toks[j]) not in HUMAN  # "on-call engineer": the head decides


def _glued_at(text: str, start: int) -> bool:
    """"main@ee3e4af", "user@host": an @ inside a word is a ref or an address, not a handle."""
    return text[start] == "@" and start > 0 and text[start - 1].isalnum()


def _maybe_people(text: str) -> bool:
    """Cheap superset of the gate: some word could be a human head at all (most chat lines are not)."""
    if "@" in text:
        return True
    cand = _candidates()
    for w in subject.TOKEN.findall(subject._ascii(text.lower())):
        w = w.removesuffix("'s").removesuffix("’s").rstrip("'’")
        if w in cand or (w.endswith("s") and w[:-1] in cand) or ("-" in w and any(p in cand for p in w.split("-"))):
            return True
    return False


@lru_cache(maxsize=1)
def _candidates() -> frozenset[str]:
    return frozenset(subject.first_names() | subject.ROLES | subject.TEAMS | subject.PERSON_PRONOUNS
                     | (subject.GENERIC - DETERMINERS) | {"they", "them"})


class BlameModel:
    def __init__(self, weights: dict[int, float], bias: float, threshold: float):
        self.weights, self.bias, self.threshold = weights, bias, threshold

    def score(self, text: str) -> float:
        z = self.bias + sum(v * self.weights.get(k, 0.0) for k, v in features(text).items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def flags(self, text: str) -> float | None:
        """The score when the model calls the sentence blameful, else None."""
        if not has_people(text):
            return None
        p = self.score(text)
        return p if p >= self.threshold else None


@lru_cache(maxsize=1)
def load() -> BlameModel | None:
    """None when the weights file is missing (the rules still run)."""
    if not MODEL_PATH.exists():
        return None
    import numpy as np

    with np.load(MODEL_PATH) as data:
        idx, w = data["index"].tolist(), data["weight"].astype(float).tolist()
        bias, threshold = float(data["bias"]), float(data["threshold"])
    return BlameModel(dict(zip(idx, w)), bias, threshold)
