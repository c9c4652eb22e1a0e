"""Embedding functions for the incident library, as Chroma ``EmbeddingFunction`` classes.

The offline default is a signed feature-hashing vectoriser over word unigrams, word bigrams and
character 4-grams, 2,048 dimensions: it needs
no fitted vocabulary and no weights, so it downloads nothing, embeds thousands of documents a second
and gives the same vector on every machine. It was chosen by measurement on the icco corpus (see
benchmarks/bench_library.py and the README). ``openai:MODEL`` calls an OpenAI-compatible endpoint
through agent.llm.embeddings. Chroma's DefaultEmbeddingFunction downloads a model and is never used.

A spec string names an embedding and its parameters, e.g. ``hashing`` (= ``hashing:2048``, words and
char 4-grams), ``hashing-words:4096`` (word 1-2 grams only) or ``openai:text-embedding-3-small``.
The spec is stored in the collection metadata so an index built with one embedding is never queried
or extended with another.
"""

from __future__ import annotations

import math
import zlib
from collections import Counter
from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings

from agent.errors import UsageError
from agent.library.text import char_features, word_features

DEFAULT_DIM = 2048
def hash_vector(feats: Counter[str], dim: int) -> np.ndarray:
    """Signed feature hashing with sublinear term frequency, L2-normalised."""
    vec = np.zeros(dim, dtype=np.float32)
    for feat, count in feats.items():
        h = zlib.crc32(feat.encode("utf-8"))
        sign = 1.0 if (h >> 31) & 1 else -1.0
        vec[h % dim] += sign * (1.0 + math.log(count))
    norm = float(np.linalg.norm(vec))
    return vec / norm if norm else vec


class HashingEmbedding(EmbeddingFunction[Documents]):
    """Feature hashing of word 1-2 grams plus, with ``char=True`` (the default), char 4-grams."""

    def __init__(self, dim: int = DEFAULT_DIM, char: bool = True):
        if dim < 16:
            raise UsageError(f"hashing dimension {dim} is too small; use e.g. {DEFAULT_DIM}")
        self.dim = dim
        self.char = char

    def __call__(self, input: Documents) -> Embeddings:
        return [hash_vector(self._features(doc), self.dim) for doc in input]

    def _features(self, doc: str) -> Counter[str]:
        feats = word_features(doc)
        if self.char:
            feats.update(char_features(doc))
        return feats

    @staticmethod
    def name() -> str:
        return "postmortem-hashing"

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return {"dim": self.dim, "char": self.char}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "HashingEmbedding":
        return HashingEmbedding(dim=int(config.get("dim", DEFAULT_DIM)), char=bool(config.get("char", True)))

    @property
    def spec(self) -> str:
        return f"{'hashing' if self.char else 'hashing-words'}:{self.dim}"


class OpenAIEmbedding(EmbeddingFunction[Documents]):
    """An OpenAI-compatible embeddings endpoint; the SDK call lives in agent.llm.embeddings."""

    def __init__(self, model: str, *, base_url: str | None = None, api_key: str | None = None, client: Any = None):
        from agent.llm.embeddings import EmbeddingsClient

        self.model = model
        self._client = client or EmbeddingsClient(model, base_url=base_url, api_key=api_key)

    def __call__(self, input: Documents) -> Embeddings:
        return [np.asarray(v, dtype=np.float32) for v in self._client.embed(list(input))]

    @staticmethod
    def name() -> str:
        return "postmortem-openai"

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return {"model": self.model}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "OpenAIEmbedding":
        return OpenAIEmbedding(str(config["model"]))

    @property
    def spec(self) -> str:
        return f"openai:{self.model}"


def make_embedding(spec: str, *, base_url: str | None = None, api_key: str | None = None):
    """Build the embedding function a spec names; raises UsageError for an unknown spec."""
    kind, _, arg = spec.strip().partition(":")
    if kind in ("hashing", "hashing-words"):
        try:
            dim = int(arg) if arg else DEFAULT_DIM
        except ValueError:
            raise UsageError(f"bad embeddings spec {spec!r}: expected e.g. 'hashing:{DEFAULT_DIM}'") from None
        return HashingEmbedding(dim=dim, char=kind == "hashing")
    if kind == "openai" and arg:
        return OpenAIEmbedding(arg, base_url=base_url, api_key=api_key)
    raise UsageError(
        f"unknown embeddings spec {spec!r}: use 'hashing', 'hashing:DIM', 'hashing-words:DIM' or 'openai:MODEL'"
    )
