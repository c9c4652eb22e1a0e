"""Text features shared by the hashing embedding and the "shared terms" explanation (no chromadb here)."""

from __future__ import annotations

from collections import Counter

from agent import rxcache as rx

_TOKEN = rx.compile(r"[a-z][a-z0-9]+(?:[._-][a-z0-9]+)*")
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers him his how i if in into is it its itself just me more most my no nor not
    now of off on once only or other our ours out over own same she should so some such than that the their
    theirs them then there these they this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours via per within without across around
    among upon onto us one two three new however therefore thus while whilst""".split()
)


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens without stopwords; the unit every lexical signal shares."""
    return [t for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS and len(t) > 1]


def word_features(text: str) -> Counter[str]:
    """Word unigrams and adjacent bigrams."""
    toks = tokens(text)
    feats: Counter[str] = Counter(toks)
    feats.update(f"{a} {b}" for a, b in zip(toks, toks[1:]))
    return feats


def char_features(text: str, n: int = 4) -> Counter[str]:
    """Character n-grams inside word boundaries: robust to plurals and compound names."""
    grams = []
    for tok in tokens(text):
        padded = f" {tok} "
        grams += [padded[i : i + n] for i in range(max(1, len(padded) - n + 1))]
    return Counter(grams)
