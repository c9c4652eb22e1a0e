"""The OpenAI-compatible adapter: langchain-openai's ChatOpenAI with structured output.

This module and nothing else imports ``openai`` and ``langchain_openai``. SDK errors become
``TransientLLMError`` (retry) or ``PermanentLLMError`` (give up) so callers stay SDK-free.
The client's own retries are off: ``agent.llm.structured`` retries, so every request is budgeted.
"""

from __future__ import annotations

import json
import re
import threading

import openai
from langchain_openai import ChatOpenAI

from agent.llm.client import (
    STRUCTURED_METHODS, Answer, Messages, PermanentLLMError, TransientLLMError, UnsupportedFormat, parse_json_answer,
)
from agent.llm.spec import ModelSpec

# Reasoning models reject temperature=0; everything else gets it for repeatable drafts.
_NO_TEMPERATURE = re.compile(r"^(o\d|gpt-5)", re.I)
_FORMAT_HINTS = ("response_format", "json_schema", "json_object", "schema", "format", "not supported", "unsupported")


class OpenAIChat:
    """A ``ChatClient`` for any endpoint that speaks /v1/chat/completions."""

    def __init__(self, spec: ModelSpec, *, timeout_s: float):
        self.name = spec.model
        self.base_url = spec.base_url
        self.auto = spec.structured == "auto"
        self._lock = threading.Lock()
        self.structured_method = "json_schema" if self.auto else spec.structured
        if self.structured_method not in STRUCTURED_METHODS:
            raise PermanentLLMError(f"unknown structured-output method {spec.structured!r}; use one of {STRUCTURED_METHODS}")
        extra = {} if _NO_TEMPERATURE.match(spec.model) else {"temperature": 0}
        self._model = ChatOpenAI(
            model=spec.model, base_url=spec.base_url, api_key=spec.api_key, timeout=timeout_s,
            max_retries=0, use_responses_api=False, **extra,
        )

    def downgrade(self, refused: str) -> bool:
        """After the endpoint refused ``refused``, move to the next weaker method (once, whichever
        thread notices first). False when the method was pinned or none is left."""
        with self._lock:
            if self.structured_method != refused:
                return True  # another prompt already moved on
            i = STRUCTURED_METHODS.index(refused)
            if not self.auto or i + 1 >= len(STRUCTURED_METHODS):
                return False
            self.structured_method = STRUCTURED_METHODS[i + 1]
            return True

    def complete(self, messages: Messages, schema: dict, *, schema_name: str) -> Answer:
        method = self.structured_method
        runnable = self._model.with_structured_output({**schema, "title": schema_name}, method=method, include_raw=True)
        try:
            out = runnable.invoke(list(messages))
        except openai.APIError as exc:
            raise _translate(exc, method) from exc
        except Exception as exc:  # noqa: BLE001 - a 200 with a body that is not a chat completion
            raise PermanentLLMError(f"unusable response from the endpoint: {type(exc).__name__}: {exc}"[:300]) from exc
        raw, text = out["raw"], _raw_text(out["raw"])
        if method == "function_calling":
            error = out.get("parsing_error")
            data, why = out.get("parsed"), str(error).split("\n")[0] if error else None
        else:
            # Our own strict parse: langchain's JSON parser "completes" a truncated answer.
            data, why = parse_json_answer(text)
        return Answer(raw=text, data=data, parse_error=why, usage=_usage(raw))


def _raw_text(message) -> str:
    if getattr(message, "tool_calls", None):
        return json.dumps(message.tool_calls[0].get("args", {}))
    content = message.content
    return content if isinstance(content, str) else json.dumps(content)


def _usage(message) -> dict[str, int]:
    meta = getattr(message, "usage_metadata", None) or {}
    return {"prompt_tokens": meta.get("input_tokens", 0), "completion_tokens": meta.get("output_tokens", 0)}


def _translate(exc: openai.APIError, method: str) -> Exception:
    """An SDK error as one of our transport errors."""
    if isinstance(exc, openai.APITimeoutError):
        return TransientLLMError(f"APITimeoutError: {exc}", timeout=True)
    if isinstance(exc, openai.APIConnectionError):
        return TransientLLMError(f"APIConnectionError: {exc}", timeout=True)
    status = getattr(exc, "status_code", None)
    message = f"HTTP {status}: {getattr(exc, 'message', exc)}"[:300]
    if status in (408, 409, 429) or (status or 0) >= 500:
        return TransientLLMError(message, retry_after=_retry_after(exc))
    if status in (400, 422) and method != "function_calling" and any(h in message.lower() for h in _FORMAT_HINTS):
        return UnsupportedFormat(message)
    return PermanentLLMError(message)


def _retry_after(exc: openai.APIError) -> float | None:
    response = getattr(exc, "response", None)
    value = response.headers.get("retry-after") if response is not None else None
    try:
        return float(value) if value else None
    except ValueError:
        return None
