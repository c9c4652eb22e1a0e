"""The chat-client protocol every provider adapter (and every fake) implements.

The structured-output loop only sees this protocol and the two transport error types below,
so it never imports an SDK. Capabilities are attributes: ``structured_method`` says how the
endpoint constrains output, and an adapter may downgrade it after the endpoint refuses.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from agent.errors import LLMError

STRUCTURED_METHODS = ("json_schema", "json_mode", "function_calling")

Messages = list[tuple[str, str]]  # (role, content); role in system|user|assistant


@dataclass
class Answer:
    """One model reply: the raw text (for re-asks and error reports), the parsed JSON, the usage."""

    raw: str
    data: Any = None
    parse_error: str | None = None
    usage: dict[str, int] = field(default_factory=dict)


_THINK = re.compile(r"<think>.*?</think>", re.S)
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)


def parse_json_answer(text: str | None) -> tuple[Any, str | None]:
    """(object, None) or (None, why). Strict: a truncated answer is an error, never "completed".

    Tolerates what chat models wrap JSON in: reasoning in <think> tags, a code fence, a sentence before."""
    body = _THINK.sub("", text or "").strip()
    fenced = _FENCE.search(body)
    if fenced:
        body = fenced.group(1)
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end < start:
        return None, "no JSON object in the answer"
    try:
        return json.loads(body[start:end + 1]), None
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON: {exc}"


class TransientLLMError(LLMError):
    """Rate limit, 5xx, timeout or refused connection: worth retrying with backoff."""

    def __init__(self, message: str, *, retry_after: float | None = None, timeout: bool = False):
        self.retry_after = retry_after
        self.timeout = timeout  # no answer at all (hang, refused): counts toward the circuit breaker
        super().__init__(message)


class PermanentLLMError(LLMError):
    """Bad request, auth failure, unknown model: retrying will not help."""


class UnsupportedFormat(PermanentLLMError):
    """The endpoint rejected the response_format; the adapter may try a weaker method."""


@runtime_checkable
class ChatClient(Protocol):
    """What ``agent.llm.structured`` needs from a model."""

    name: str
    structured_method: str

    def complete(self, messages: Messages, schema: dict, *, schema_name: str) -> Answer:
        """Send ``messages`` asking for JSON matching ``schema``; raise Transient/PermanentLLMError."""
        ...
