"""Make a sloppy OpenAI-compatible reply look like a chat completion before the SDK parses it.

Servers that nobody tested answer 200 with bodies the openai SDK and langchain choke on: an
``{"error": ...}`` object, an HTML page, a message without ``role``, ``content`` as a list of
parts. An httpx transport rewrites those bodies (only for non-streaming ``/chat/completions``):

- a valid answer in an odd shape is reshaped so it is used;
- an error in a 200 gets the status it names (a 503 is retried, a 401 is a rejected key);
- a body that is not JSON at all becomes a 502 marked ``NOT_JSON_HEADER``, which the adapter
  reads as "the base URL is not an OpenAI-compatible API" and stops calling.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

NOT_JSON_HEADER = "x-postmortem-not-json"
_DROP = {"content-length", "content-encoding", "transfer-encoding"}


class NormalisingTransport(httpx.BaseTransport):
    """Wraps a transport; rewrites 200 replies of ``/chat/completions`` with ``normalise``."""

    def __init__(self, inner: httpx.BaseTransport | None = None):
        self._inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        if response.status_code != 200 or not request.url.path.rstrip("/").endswith("/chat/completions"):
            return response
        if "text/event-stream" in response.headers.get("content-type", ""):
            return response  # streaming is not used; leave it alone
        response.read()
        fixed = normalise(response.content)
        if fixed is None:
            return response
        status, body, extra = fixed
        headers = {k: v for k, v in response.headers.items() if k.lower() not in _DROP}
        headers.update({"content-type": "application/json", **extra})
        return httpx.Response(status, headers=headers, content=body, request=request)

    def close(self) -> None:
        self._inner.close()


def normalise(raw: bytes) -> tuple[int, bytes, dict[str, str]] | None:
    """(status, body, extra headers) to use instead of a 200 ``raw`` body, or None when it is fine."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        preview = " ".join(raw[:120].decode("utf-8", "replace").split())
        message = f"the endpoint answered 200 with a body that is not JSON ({preview!r}); is the base URL the API (.../v1)?"
        return 502, _error(message), {NOT_JSON_HEADER: "1"}
    if not isinstance(data, dict):
        return 502, _error(f"the endpoint answered 200 with JSON that is not an object ({type(data).__name__})"), {}
    if data.get("error") and not data.get("choices"):
        return _status_of(data["error"]), _error(_message_of(data["error"])), {}
    changed = _reshape(data)
    return (200, json.dumps(data).encode(), {}) if changed else None


def _reshape(data: dict) -> bool:
    """Fill in what the SDK requires and flatten content; True when anything changed."""
    changed = False
    if not isinstance(data.get("choices"), list):
        data["choices"], changed = [], True
    for key, value in (("id", "chatcmpl-unknown"), ("object", "chat.completion"), ("created", 0), ("model", "unknown")):
        if data.get(key) is None:
            data[key], changed = value, True
    for i, choice in enumerate(data["choices"]):
        if not isinstance(choice, dict):
            data["choices"][i], changed = {"index": i, "message": {"role": "assistant", "content": None}}, True
            continue
        message = choice.get("message")
        if not isinstance(message, dict):
            choice["message"], changed = {"role": "assistant", "content": None}, True
            message = choice["message"]
        if choice.get("index") is None:
            choice["index"], changed = i, True
        if message.get("role") != "assistant":
            message["role"], changed = "assistant", True
        content = message.get("content")
        if content is not None and not isinstance(content, str):
            message["content"], changed = _flatten(content), True
    return changed


def _flatten(content: Any) -> str:
    """``[{"type": "text", "text": ...}, ...]`` -> the joined text; a JSON object -> its JSON text."""
    if isinstance(content, list):
        parts = [p.get("text", "") if isinstance(p, dict) else str(p) for p in content]
        return "".join(p for p in parts if isinstance(p, str))
    return json.dumps(content)


def _status_of(error: Any) -> int:
    code = error.get("code") if isinstance(error, dict) else None
    for value in (code, error.get("status") if isinstance(error, dict) else None):
        try:
            if 400 <= int(value) <= 599:
                return int(value)
        except (TypeError, ValueError):
            continue
    return 502


def _message_of(error: Any) -> str:
    if isinstance(error, dict):
        return str(error.get("message") or error)[:300]
    return str(error)[:300]


def _error(message: str) -> bytes:
    return json.dumps({"error": {"message": message, "type": "upstream_error"}}).encode()
