"""Structured output is a pydantic model plus a loop: call, validate each section, re-ask with
the validation errors, and give up after ``max_tries``.

Sections are validated one by one so a good executive summary survives a bad 5-Whys: a section
accepted on any try is kept, and on the last try list sections keep their valid items (the
uncited or ungrounded ones are dropped). Transport failures are retried with backoff; every
request, retry or re-ask first takes a slot from the draft's ``Budget``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

from agent.errors import LLMError
from agent.llm.budget import (
    Budget,
    BudgetExceeded,
    count_messages,
    count_tokens,
    truncate_tokens,
)
from agent.llm.client import (
    SCHEMA_IN_TEXT,
    ChatClient,
    Messages,
    PermanentLLMError,
    TransientLLMError,
    UnsupportedFormat,
)
from agent.llm.grounding import Grounding
from agent.llm.prompts import Prompt
from agent.llm.schemas import InsufficientEvidence, strip_unknown

MAX_WAIT_S = 10.0
PROBE_WAIT_S = 3.0
RAW_ECHO_TOKENS = 1200  # how much of a rejected answer goes back in a re-ask


class StructuredOutputError(LLMError):
    """No section validated after every try; carries the last raw answer, usage and errors."""

    def __init__(self, message: str, *, raw: str | None, usage: dict, errors: dict[str, list[str]],
                 failed: dict[str, str] | None = None):
        self.errors = errors
        self.failed = failed or {}  # section -> why, as the report should say it
        super().__init__(message, raw=raw, usage=usage)


@dataclass
class Outcome:
    """What one prompt produced: validated sections, and why the others failed."""

    accepted: dict[str, Any] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    tries: int = 0


@dataclass
class Policy:
    max_tries: int = 3
    max_retries: int = 3
    backoff_s: float = 0.5


def ask(client: ChatClient, messages: Messages | Callable[[str], Messages], model: type[BaseModel], *,
        grounding: Grounding, budget: Budget, prompt_id: str, reask: Prompt, policy: Policy) -> Outcome:
    """Run the loop for one prompt. Raises ``LLMError`` only when no section was accepted.

    ``messages`` may be a function of the structured-output method, so a prompt can carry the
    schema in its text only when the endpoint does not enforce it (and is re-rendered after a downgrade).
    """
    out, errors, raw = Outcome(), {}, None
    schema = model.model_json_schema()
    tail: Messages = []

    def history() -> Messages:
        base = messages(client.structured_method) if callable(messages) else messages
        return [*base, *tail]

    for attempt in range(1, policy.max_tries + 1):
        out.tries = attempt
        try:
            answer = send(client, history, schema, prompt_id=prompt_id, budget=budget, policy=policy)
        except LLMError as exc:
            # Keep the previous try's validation errors: they explain more than "budget spent".
            earlier = {s: errors.get(s) or errors.get("_answer") or [] for s in _pending(model, out)}
            return _finish(out, model, {s: [*e, str(exc)] for s, e in earlier.items()}, raw, budget, exc)
        if attempt > 1:
            budget.note_reask()
        raw = answer.raw
        errors = _validate(answer.data, answer.parse_error, model, grounding, out, lenient=attempt == policy.max_tries)
        if not errors or attempt == policy.max_tries:
            break
        tail = [("assistant", truncate_tokens(raw or "", RAW_ECHO_TOKENS)),
                ("user", reask.fragment(errors=_format_errors(errors), accepted=", ".join(out.accepted) or "none"))]
    return _finish(out, model, errors, raw, budget, None)


def _finish(out: Outcome, model: type[BaseModel], errors: dict[str, list[str]], raw: str | None,
            budget: Budget, exc: LLMError | None) -> Outcome:
    for section in _pending(model, out):
        reasons = errors.get(section) or errors.get("_answer") or ["no answer"]
        out.failed[section] = "; ".join(reasons)[:400]
    if not out.accepted:
        message = str(exc) if exc else f"no valid answer after {out.tries} tries"
        raise StructuredOutputError(message, raw=raw, usage=budget.as_usage(), errors=errors, failed=out.failed)
    return out


def _pending(model: type[BaseModel], out: Outcome) -> list[str]:
    return [s for s in model.model_fields if s not in out.accepted]


def _validate(data: Any, parse_error: str | None, model: type[BaseModel], grounding: Grounding,
              out: Outcome, *, lenient: bool) -> dict[str, list[str]]:
    data = _unwrap(data, model)
    if not isinstance(data, dict):
        why = parse_error or f"expected a JSON object, got {type(data).__name__}"
        return {"_answer": [f"the answer was not a valid JSON object: {why}"]}
    errors: dict[str, list[str]] = {}
    for section in _pending(model, out):
        value, problems, dropped = validate_section(model, section, data.get(section), grounding, lenient=lenient)
        if value is None:
            errors[section] = problems
        else:
            out.accepted[section] = value
            if dropped:
                out.dropped[section] = dropped
    return errors


def _unwrap(data: Any, model: type[BaseModel]) -> Any:
    """``{"NarrativeDraft": {...}}`` or ``{"properties": {...}}`` -> the inner object, when that is the answer."""
    if not isinstance(data, dict) or set(data) & set(model.model_fields):
        return data
    inner = [v for v in data.values() if isinstance(v, dict) and set(v) & set(model.model_fields)]
    return inner[0] if len(inner) == 1 else data


def validate_section(model: type[BaseModel], section: str, value: Any, grounding: Grounding, *,
                     lenient: bool = False) -> tuple[Any, list[str], int]:
    """(validated value or None, problems, items dropped) for one field of ``model``."""
    item_type, many = _section_type(model, section)
    context = {"grounding": grounding}
    if value is None:
        return None, ["missing; give the section or an insufficient_evidence object"], 0
    if isinstance(value, dict) and "insufficient_evidence" in value:
        try:
            return InsufficientEvidence.model_validate(strip_unknown(InsufficientEvidence, value)), [], 0
        except ValidationError as exc:
            return None, _messages(exc), 0
    value = strip_unknown(item_type, value)  # extra keys are ignored, not fatal (see schemas.strip_unknown)
    if not many:
        try:
            return item_type.model_validate(value, context=context), [], 0
        except ValidationError as exc:
            return None, _messages(exc), 0
    if not isinstance(value, list) or not value:
        return None, ["must be a non-empty JSON array (or an insufficient_evidence object)"], 0
    good, problems = [], []
    for i, item in enumerate(value):
        try:
            good.append(item_type.model_validate(item, context=context))
        except ValidationError as exc:
            problems += [f"item {i}: {m}" for m in _messages(exc)]
    if not problems or (lenient and good):
        return good, [], len(value) - len(good)
    return None, problems, 0


def _section_type(model: type[BaseModel], section: str) -> tuple[type[BaseModel], bool]:
    """``list[X] | InsufficientEvidence`` -> (X, True); ``X | InsufficientEvidence`` -> (X, False)."""
    annotation = model.model_fields[section].annotation
    options = [a for a in (get_args(annotation) or (annotation,)) if a is not InsufficientEvidence]
    chosen = options[0]
    if get_origin(chosen) is list:
        return get_args(chosen)[0], True
    return chosen, False


def _messages(exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors()[:6]:
        where = ".".join(str(p) for p in err["loc"]) or "value"
        out.append(f"{where}: {err['msg'].removeprefix('Value error, ')}")
    return out


def _format_errors(errors: dict[str, list[str]]) -> str:
    lines = [f"- {section}: {problem}" for section, problems in errors.items() for problem in problems]
    return "\n".join(lines[:20])


def send(client: ChatClient, messages: Callable[[], Messages], schema: dict, *, prompt_id: str, budget: Budget,
         policy: Policy):
    """One answer, retrying transient failures with exponential backoff (Retry-After honoured)."""
    retrying = Retrying(
        stop=stop_after_attempt(policy.max_retries + 1),
        wait=lambda state: _wait(state, policy.backoff_s),
        retry=retry_if_exception_type(TransientLLMError),
        reraise=True,
    )
    last: list[TransientLLMError] = []

    def attempt():
        try:
            return _send_once(client, messages, schema, prompt_id, budget, retry=bool(last))
        except TransientLLMError as exc:
            last.append(exc)  # the silence was counted when the request landed
            raise
        except PermanentLLMError as exc:
            if exc.endpoint_dead:
                budget.halt(str(exc))
            raise
        except BudgetExceeded as exc:
            # Name the failure that ate the budget, not just the budget.
            if last:
                raise BudgetExceeded(f"{last[-1]}; retries stopped: {exc}") from exc
            raise

    return retrying(attempt)


def _wait(state, backoff_s: float) -> float:
    exc = state.outcome.exception() if state.outcome else None
    retry_after = getattr(exc, "retry_after", None) or 0.0
    return min(max(backoff_s * 2 ** (state.attempt_number - 1), retry_after), MAX_WAIT_S)


def _send_once(client: ChatClient, messages: Callable[[], Messages], schema: dict, prompt_id: str, budget: Budget, *,
               retry: bool):
    if not getattr(client, "auto", False):
        return _request(client, messages, schema, prompt_id, budget, retry)
    # While the method is unproven one request probes alone, so parallel prompts do not each
    # spend calls on the same refusals.
    if not budget.claim_probe():
        budget.wait_settled(PROBE_WAIT_S)
        return _request(client, messages, schema, prompt_id, budget, retry)
    try:
        return _request(client, messages, schema, prompt_id, budget, retry)
    finally:
        budget.settle()


def _request(client: ChatClient, messages: Callable[[], Messages], schema: dict, prompt_id: str, budget: Budget,
             retry: bool):
    while True:
        method, sent = client.structured_method, messages()
        wire_schema = _schema_tokens(schema) if method not in SCHEMA_IN_TEXT else 0
        budget.take(prompt_id, count_messages(sent) + wire_schema, retry=retry)
        retry = False  # a format downgrade is not a retry
        try:
            answer = client.complete(sent, schema, schema_name=prompt_id.split(".")[0])
        except UnsupportedFormat:
            budget.landed()
            # Capability probe by refusal: the endpoint said no to this response_format, try the next one.
            downgrade = getattr(client, "downgrade", None)
            if downgrade is not None and downgrade(method):
                continue
            raise
        except BaseException as exc:
            budget.landed(silent=exc.timeout if isinstance(exc, TransientLLMError) else None)
            raise
        budget.landed()
        budget.note_usage(answer.usage)
        return answer


def _schema_tokens(schema: dict) -> int:
    # The schema in response_format or tool parameters is billed as prompt too.
    return count_tokens(json.dumps(schema, separators=(",", ":")))
