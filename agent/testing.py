"""Fakes for tests and evals: ``FakeLLM`` (a ``ChatClient``), ``ScriptedOpenAIServer`` (a local
OpenAI-compatible HTTP server with scripted answers) and ``offline_answers`` (valid, grounded
answers that restate an offline draft, handy as the "good model" in both).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from agent.llm.client import Answer, Messages, PermanentLLMError, parse_json_answer
from agent.models import Postmortem

Reply = str | dict | Exception
Script = Callable[[str, Messages], Reply]


class FakeLLM:
    """A scripted ``ChatClient``. ``replies`` maps a prompt name ('narrative', 'analysis', 'actions',
    'timeline') to a list of replies used in turn (the last one repeats), or is a callable
    ``(prompt_name, messages) -> reply``. A reply is JSON text, a dict, or an exception to raise."""

    def __init__(self, replies: dict[str, list[Reply]] | Script | None = None, *, name: str = "fake-llm",
                 structured_method: str = "json_schema"):
        self.name = name
        self.structured_method = structured_method
        self.replies = replies or {}
        self.requests: list[tuple[str, Messages]] = []
        self._lock = threading.Lock()

    def complete(self, messages: Messages, schema: dict, *, schema_name: str) -> Answer:
        with self._lock:
            n = sum(1 for name, _ in self.requests if name == schema_name)
            self.requests.append((schema_name, list(messages)))
        reply = self._reply(schema_name, messages, n)
        if isinstance(reply, Exception):
            raise reply
        raw = reply if isinstance(reply, str) else json.dumps(reply)
        data, error = parse_json_answer(raw)
        words = sum(len(c.split()) for _, c in messages)
        return Answer(raw=raw, data=data, parse_error=error, usage={"prompt_tokens": words, "completion_tokens": len(raw.split())})

    def _reply(self, name: str, messages: Messages, n: int) -> Reply:
        if callable(self.replies):
            return self.replies(name, messages)
        script = self.replies.get(name)
        if not script:
            return PermanentLLMError(f"FakeLLM has no scripted reply for prompt {name!r}")
        return script[min(n, len(script) - 1)]


def offline_answers(pm: Postmortem) -> dict[str, dict]:
    """Answers that restate ``pm``'s offline sections in the shape each prompt asks for (grounded by construction)."""
    def claims(items):
        return [{"text": c.text, "evidence_ids": c.evidence_ids} for c in items if c.evidence_ids]

    rc = pm.root_cause
    return {
        "narrative": {
            "executive_summary": {"text": pm.executive_summary.text, "evidence_ids": pm.executive_summary.evidence_ids},
            "went_well": claims(pm.went_well) or {"insufficient_evidence": "none cited"},
            "went_wrong": claims(pm.went_wrong) or {"insufficient_evidence": "none cited"},
            "lessons_learned": claims(pm.lessons_learned) or {"insufficient_evidence": "none cited"},
        },
        "analysis": {
            "five_whys": {"problem_statement": pm.five_whys.problem_statement,
                          "whys": [w.model_dump(mode="json") for w in pm.five_whys.whys]},
            "root_cause": {"hypothesis": rc.hypothesis, "category": rc.category, "confidence": min(rc.confidence, 0.95),
                           "evidence_ids": rc.evidence_ids, "confirm_with": rc.confirm_with, "alternatives": rc.alternatives},
            "contributing_factors": [f.model_dump(mode="json") for f in pm.contributing_factors if f.evidence_ids]
            or {"insufficient_evidence": "none cited"},
        },
        "actions": {"action_items": [{"ref": a.id, "action": a.action, "kind": a.kind, "evidence_ids": a.evidence_ids}
                                     for a in pm.action_items if a.evidence_ids] or {"insufficient_evidence": "none"}},
        "timeline": {"timeline": [{"index": i, "text": e.text} for i, e in enumerate(pm.timeline.entries)]
                     or {"insufficient_evidence": "no entries"}},
    }


# --------------------------------------------------------------------------- local HTTP server


@dataclass
class Scripted:
    """One scripted HTTP reply: a status, the assistant's content, an optional delay and headers."""

    content: str | None = None
    status: int = 200
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None  # sent verbatim instead of a chat completion (for junk-response scenarios)
    finish_reason: str = "stop"  # "length" with a cut ``content`` is a truncated answer
    usage: bool = True  # False: no "usage" object (llama.cpp sometimes omits it)
    reasoning: str | None = None  # a separate "reasoning_content" field (vLLM/DeepSeek reasoning parsers)
    choices: bool = True  # False: "choices": [] (a 200 with nothing in it)
    tool_call: bool = True  # False: answer in ``content`` even when tools were offered


ServerScript = Callable[[dict, int], Scripted]


class ScriptedOpenAIServer:
    """An OpenAI-compatible /v1/chat/completions on 127.0.0.1 that answers by ``script(body, n)``.

    Every request body is kept verbatim in ``bodies`` (text), so tests can assert what was sent;
    ``paths`` and ``headers`` keep each request's path (with query) and headers (lower-cased names)."""

    def __init__(self, script: ServerScript):
        self.script = script
        self.bodies: list[str] = []
        self.paths: list[str] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/v1"

    def __enter__(self) -> ScriptedOpenAIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    def requests(self) -> list[dict]:
        return [json.loads(b) for b in self.bodies]

    def _record(self, raw: str, path: str, headers: dict[str, str]) -> int:
        with self._lock:
            self.paths.append(path)
            self.headers.append(headers)
            self.bodies.append(raw)
            return len(self.bodies) - 1

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", 0))).decode("utf-8")
                body = json.loads(raw)
                headers = {k.lower(): v for k, v in self.headers.items()}
                reply = server.script(body, server._record(raw, self.path, headers))
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                payload = _completion(body, reply) if reply.status == 200 else {"error": {"message": reply.content or "scripted error", "type": "scripted"}}
                data = reply.body.encode() if reply.body is not None else json.dumps(payload).encode()
                try:
                    self.send_response(reply.status)
                    for k, v in {"content-type": "application/json", "content-length": str(len(data)), **reply.headers}.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and hung up, as the hang scenario intends

        return Handler


def _completion(body: dict, reply: Scripted) -> dict:
    prompt = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
    completion = len((reply.content or "").split())
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.reasoning is not None:
        message["reasoning_content"] = reply.reasoning
    if body.get("tool_choice") and body.get("tools") and reply.tool_call:
        name = body["tools"][0]["function"]["name"]
        message = {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": name, "arguments": reply.content or "{}"}}]}
    out: dict[str, Any] = {
        "id": "chatcmpl-local", "object": "chat.completion", "created": 0, "model": body.get("model", "test-model"),
        "choices": [{"index": 0, "message": message, "finish_reason": reply.finish_reason}] if reply.choices else [],
    }
    if reply.usage:
        out["usage"] = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    return out


def prompt_name(body: dict) -> str:
    """Which drafting prompt a request body belongs to: the schema name, the tool name, or the task text."""
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return fmt["json_schema"]["name"]
    if body.get("tools"):
        return body["tools"][0]["function"]["name"]
    user = next((str(m.get("content") or "") for m in body.get("messages", []) if m.get("role") == "user"), "")
    markers = {"one key, action_items": "actions", "one key, timeline": "timeline", "keys: five_whys": "analysis"}
    return next((name for marker, name in markers.items() if marker in user), "narrative")


def _block(text: str, tag: str):
    start, end = text.find(f"<{tag}>"), text.find(f"</{tag}>")
    return json.loads(text[start + len(tag) + 2:end]) if 0 <= start < end else None


def echo_answer(body: dict) -> str:
    """A "restating model" for any bundle: answers each prompt with the offline draft it was shown.

    Grounded by construction, so a scripted server using it exercises the whole path on unseen data."""
    name = prompt_name(body)
    user = next((str(m.get("content") or "") for m in body.get("messages", []) if m.get("role") == "user"), "")
    draft, timeline = _block(user, "offline_draft") or {}, _block(user, "timeline") or []

    def cited(items):
        kept = [i for i in items if i.get("evidence_ids")]
        return kept or {"insufficient_evidence": "the offline draft cites nothing here"}

    if name == "narrative":
        answer = {k: cited(draft.get(k, [])) for k in ("went_well", "went_wrong", "lessons_learned")}
        summary = draft.get("executive_summary", {})
        answer["executive_summary"] = summary if summary.get("evidence_ids") else {"insufficient_evidence": "uncited"}
    elif name == "analysis":
        rc = dict(draft.get("root_cause", {}), confidence=min(draft.get("root_cause", {}).get("confidence", 0.5), 0.95))
        answer = {"five_whys": draft.get("five_whys"), "root_cause": rc,
                  "contributing_factors": cited(draft.get("contributing_factors", []))}
    elif name == "actions":
        answer = {"action_items": cited([{"ref": a["id"], "action": a["action"], "kind": a["kind"],
                                          "evidence_ids": a["evidence_ids"]} for a in draft.get("action_items", [])])}
    else:
        answer = {"timeline": [{"index": e["index"], "text": e["text"]} for e in timeline]
                  or {"insufficient_evidence": "no entries"}}
    return json.dumps(answer)
