"""The OpenAI-compatible adapter: langchain-openai's ChatOpenAI with structured output.

This module and nothing else imports ``openai`` and ``langchain_openai``. SDK errors become
``TransientLLMError`` (retry) or ``PermanentLLMError`` (give up) so callers stay SDK-free.
The client's own retries are off: ``agent.llm.structured`` retries, so every request is budgeted.
"""

from __future__ import annotations

import json
import re
import threading
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import httpx
import openai
from langchain_openai import ChatOpenAI

from agent.llm.client import (
    STRUCTURED_METHODS,
    Answer,
    Messages,
    PermanentLLMError,
    TransientLLMError,
    UnsupportedFormat,
    parse_json_answer,
)
from agent.llm.spec import ModelSpec
from agent.llm.wire import NOT_JSON_HEADER, NormalisingTransport

# Reasoning models reject temperature=0; everything else gets it for repeatable drafts.
_NO_TEMPERATURE = re.compile(r"^(o\d|gpt-5)", re.IGNORECASE)
_AZURE_HOSTS = (".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com")


def endpoint(base_url: str | None, api_key: str) -> dict:
    """ChatOpenAI keyword arguments for ``base_url``: a query string becomes ``default_query``.

    Azure OpenAI works with one flag: ``--llm-base-url
    https://RES.openai.azure.com/openai/deployments/DEPLOYMENT?api-version=2024-10-21``. The SDK
    appends ``/chat/completions`` to the path and the query to every request; Azure wants the key
    in an ``api-key`` header, which is added when the URL names an api-version or an Azure host."""
    if not base_url:
        return {"base_url": None}
    parts = urlsplit(base_url)
    query = dict(parse_qsl(parts.query))
    out: dict = {"base_url": urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))}
    if query:
        out["default_query"] = query
    if "api-version" in query or (parts.hostname or "").endswith(_AZURE_HOSTS):
        out["default_headers"] = {"api-key": api_key}
    return out


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
            model=spec.model, api_key=spec.api_key, timeout=timeout_s, max_retries=0, use_responses_api=False,
            http_client=httpx.Client(transport=NormalisingTransport(), timeout=timeout_s),
            **endpoint(spec.base_url, spec.api_key), **extra,
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
        if method == "prompt":  # nothing constrains the output: the schema is in the prompt text
            runnable = self._model
        else:
            runnable = self._model.with_structured_output({**schema, "title": schema_name}, method=method, include_raw=True)
        try:
            out = runnable.invoke(list(messages))
        except openai.LengthFinishReasonError as exc:  # json_schema goes through the SDK's parse(), which raises
            return _cut_off(exc)
        except openai.APIError as exc:
            raise _translate(exc, method) from exc
        except Exception as exc:  # a 200 whose body is not a usable chat completion
            raise PermanentLLMError(_unusable(exc)) from exc
        raw = out if method == "prompt" else out["raw"]
        text = _raw_text(raw)
        if method == "function_calling" and getattr(raw, "tool_calls", None):
            error = out.get("parsing_error")
            data, why = out.get("parsed"), str(error).split("\n")[0] if error else None
        else:
            # Our own strict parse (langchain's JSON parser "completes" a truncated answer); also the
            # path for a server that ignored the tools and answered in the message text.
            data, why = parse_json_answer(text)
        if why and _finish_reason(raw) == "length":
            why = f"the answer was cut off at the output token limit (finish_reason=length); answer more briefly ({why})"
        return Answer(raw=text, data=data, parse_error=why, usage=_usage(raw))


def _cut_off(exc: openai.LengthFinishReasonError) -> Answer:
    """A truncated answer is still an answer: re-ask (briefer) unless what came back is whole JSON."""
    completion = getattr(exc, "completion", None)
    choices = getattr(completion, "choices", None) or []
    text = (choices[0].message.content or "") if choices else ""
    data, why = parse_json_answer(text)
    if why:
        why = f"the answer was cut off at the output token limit (finish_reason=length); answer more briefly ({why})"
    usage = getattr(completion, "usage", None)
    return Answer(raw=text, data=data, parse_error=why,
                  usage={"prompt_tokens": getattr(usage, "prompt_tokens", 0) or 0,
                         "completion_tokens": getattr(usage, "completion_tokens", 0) or 0})


def _unusable(exc: Exception) -> str:
    """Say what a 200 that is not a usable chat completion looked like."""
    if isinstance(exc, IndexError):
        why = "it had no choices"
    elif isinstance(exc, AttributeError) and "'str'" in str(exc):
        why = "the body is not JSON (an HTML error page from a proxy?)"
    else:
        why = f"{type(exc).__name__}: {exc}"
    return f"unusable response from the endpoint: {why}"[:300]


def _finish_reason(message) -> str | None:
    return (getattr(message, "response_metadata", None) or {}).get("finish_reason")


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
    response = getattr(exc, "response", None)
    if response is not None and response.headers.get(NOT_JSON_HEADER):
        return PermanentLLMError(message, endpoint_dead=True)  # a web page, not an API: no request will work
    if status in (408, 409, 429) or (status or 0) >= 500:
        return TransientLLMError(message, retry_after=_retry_after(exc))
    if status in (401, 403):
        return PermanentLLMError(f"the endpoint rejected the API key ({message}); check OPENAI_API_KEY", endpoint_dead=True)
    if status == 404:
        return PermanentLLMError(f"the endpoint does not know this model or URL ({message}); check --llm and --llm-base-url",
                                 endpoint_dead=True)
    if status in (400, 415, 422) and method != STRUCTURED_METHODS[-1]:
        # Servers word this refusal in many ways (or not at all: FastAPI's bare 422), so any 400/422
        # on a constrained request is read as "not this method"; the next weaker one is tried.
        return UnsupportedFormat(message)
    return PermanentLLMError(message)


def _retry_after(exc: openai.APIError) -> float | None:
    response = getattr(exc, "response", None)
    value = response.headers.get("retry-after") if response is not None else None
    try:
        return float(value) if value else None
    except ValueError:
        return None
