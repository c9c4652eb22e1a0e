"""OpenAI-compatible embeddings: the one place the library's embeddings touch the openai SDK.

Owned by the library work (issue 6); the rest of agent/llm/ belongs to the LLM work.
"""

from __future__ import annotations

from agent.errors import LibraryError


class EmbeddingsClient:
    """Embeds texts with ``client.embeddings.create``; batches, keeps input order."""

    def __init__(self, model: str, *, base_url: str | None = None, api_key: str | None = None,
                 timeout_s: float = 60.0, batch: int = 128, client=None):
        self.model = model
        self.batch = batch
        if client is None:
            from openai import OpenAI

            # A local OpenAI-compatible server often needs no key; the SDK insists on one.
            client = OpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout_s, max_retries=2)
        self._client = client

    def embed(self, texts: list[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for i in range(0, len(texts), self.batch):
            out += self._embed_batch(texts[i : i + self.batch])
        return out

    def _embed_batch(self, texts: list[str]) -> list[list[float]]:
        from openai import OpenAIError

        try:
            resp = self._client.embeddings.create(model=self.model, input=texts)
        except OpenAIError as exc:
            raise LibraryError(f"the embeddings endpoint failed for model {self.model!r} "
                               f"({type(exc).__name__}: {str(exc)[:200]}); check OPENAI_BASE_URL / "
                               "OPENAI_API_KEY or use --embeddings hashing") from exc
        rows = sorted(resp.data, key=lambda d: d.index)
        if len(rows) != len(texts):
            raise LibraryError(f"the embeddings endpoint returned {len(rows)} vectors for {len(texts)} texts")
        return [list(r.embedding) for r in rows]
