"""The one provider boundary: only this package imports openai and langchain chat models.

``make_client(settings)`` returns a ``ChatClient`` for ``settings.llm``; ``agent.analysis.drafted``
drives it through ``agent.llm.structured.ask``. Tests and evals pass ``agent.testing.FakeLLM`` instead.
"""

from __future__ import annotations

from agent.llm.client import Answer, ChatClient, PermanentLLMError, TransientLLMError
from agent.llm.spec import ModelSpec, is_offline, parse_spec
from agent.settings import Settings

__all__ = ["Answer", "ChatClient", "ModelSpec", "PermanentLLMError", "TransientLLMError", "is_offline",
           "make_client", "parse_spec"]


def make_client(settings: Settings) -> ChatClient:
    """The production client for ``settings.llm``; raises ``LLMError`` when it cannot be built."""
    from agent.llm.openai_client import (
        OpenAIChat,  # the SDK import stays off the offline path
    )

    spec = parse_spec(settings)
    client = OpenAIChat(spec, timeout_s=settings.llm_timeout_s)
    client.label = spec.label
    return client
