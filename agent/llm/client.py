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

STRUCTURED_METHODS = ("json_schema", "json_mode", "function_calling", "prompt")
# Methods where the endpoint does not enforce the schema, so the prompt text carries it.
SCHEMA_IN_TEXT = ("json_mode", "prompt")

Messages = list[tuple[str, str]]  # (role, content); role in system|user|assistant


@dataclass
class Answer:
    """One model reply: the raw text (for re-asks and error reports), the parsed JSON, the usage."""

    raw: str
    data: Any = None
    parse_error: str | None = None
    usage: dict[str, int] = field(default_factory=dict)


_THINK = re.compile(r"<think(?:ing)?>.*?(?:</think(?:ing)?>|\Z)", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"```[ \t]*(?:json|JSON)?[ \t]*\n?(.*?)```", re.DOTALL)
_DECODER = json.JSONDecoder()
# Where a JSON object can start: "{" then a key or "}". Braces in prose ("{json}") are not starts.
_OBJECT_START = re.compile(r'\{\s*(?:"|\})')


def parse_json_answer(text: str | None) -> tuple[Any, str | None]:
    """(object, None) or (None, why). Strict: a truncated answer is an error, never "completed".

    Tolerates what chat models wrap JSON in: reasoning in <think> tags (an unclosed one hides
    everything after it), a code fence, prose before and after. The answer is the first JSON
    object, decoded whole (balanced braces); if it does not decode, nothing inside it is tried."""
    body = _THINK.sub("", text or "").strip()
    if not body:
        return None, "the answer was empty"
    for candidate in [m.group(1) for m in _FENCE.finditer(body)] + [body]:
        start = _OBJECT_START.search(candidate)
        if start is None:
            continue
        try:
            value, _ = _DECODER.raw_decode(candidate, start.start())
        except json.JSONDecodeError as exc:
            return None, f"invalid JSON (truncated or malformed): {exc}"
        if isinstance(value, dict):
            return value, None
    return None, "no JSON object in the answer"


class TransientLLMError(LLMError):
    """Rate limit, 5xx, timeout or refused connection: worth retrying with backoff."""

    def __init__(self, message: str, *, retry_after: float | None = None, timeout: bool = False):
        self.retry_after = retry_after
        self.timeout = timeout  # no answer at all (hang, refused): counts toward the circuit breaker
        super().__init__(message)


class PermanentLLMError(LLMError):
    """Bad request, auth failure, unknown model: retrying will not help.

    ``endpoint_dead``: no request to this endpoint can succeed (rejected key, unknown model), so
    the draft stops calling it instead of letting every prompt find out on its own."""

    def __init__(self, message: str, *, endpoint_dead: bool = False):
        self.endpoint_dead = endpoint_dead
        super().__init__(message)


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
