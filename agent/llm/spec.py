"""Parse ``--llm SPEC`` into what the adapter needs; the only place that decides endpoint and key.

Accepted specs: ``offline``; ``openai:MODEL`` (api.openai.com unless a base URL is given);
``openai-compatible:MODEL`` (needs ``--llm-base-url`` / ``OPENAI_BASE_URL``: vLLM, Ollama, llama.cpp,
Azure OpenAI's v1 endpoint); a bare ``MODEL`` goes to the base URL if one is set, else to OpenAI with a key.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.errors import LLMError
from agent.settings import Settings

# Local servers ignore the key but the SDK insists on one.
DUMMY_KEY = "not-needed"
_PREFIXES = ("openai:", "openai-compatible:")


@dataclass(frozen=True)
class ModelSpec:
    model: str
    base_url: str | None
    api_key: str
    structured: str = "auto"

    @property
    def label(self) -> str:
        return f"{self.model}@{self.base_url or 'api.openai.com'}"


def is_offline(spec: str | None) -> bool:
    return not spec or spec.strip().lower() == "offline"


def parse_spec(settings: Settings) -> ModelSpec:
    """The model, endpoint and key for ``settings.llm``; raises ``LLMError`` saying how to fix it."""
    spec = (settings.llm or "").strip()
    if is_offline(spec):
        raise LLMError("the LLM is 'offline'; pass --llm openai:MODEL to use a model")
    prefix = next((p for p in _PREFIXES if spec.lower().startswith(p)), "")
    model = spec[len(prefix):].strip()
    if not model:
        raise LLMError(f"--llm {spec!r} names no model; use e.g. --llm openai:gpt-4o-mini")
    base_url = (settings.llm_base_url or "").strip() or None
    key = settings.llm_api_key
    if prefix == "openai-compatible:" and base_url is None or not prefix and base_url is None and not key:
        raise LLMError(
            f"--llm {spec!r} needs an OpenAI-compatible endpoint: pass --llm-base-url URL or set OPENAI_BASE_URL "
            "(or set OPENAI_API_KEY to use api.openai.com)"
        )
    if not key and base_url is None:
        raise LLMError("no OPENAI_API_KEY is set for api.openai.com; set it or pass --llm-base-url for a local server")
    return ModelSpec(model=model, base_url=base_url, api_key=key or DUMMY_KEY, structured=settings.llm_structured)
