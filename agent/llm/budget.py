"""Token counting and the per-draft budget: every HTTP request to the model takes a slot first.

The budget counts requests, not logical calls, so transport retries and validation re-asks
share one ceiling; a draft can never send more than ``max_calls`` requests or more than
``max_prompt_tokens`` prompt tokens, whatever the bundle size.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from agent.errors import LLMError


def _encoding():
    from agent.evidence.tokenizer import cl100k

    return cl100k()  # the evidence pack's encoding: offline, built once per process


def count_tokens(text: str) -> int:
    """Tokens in ``text`` by cl100k_base: close enough for OpenAI-style models, exact for budgeting."""
    return len(_encoding().encode(text, disallowed_special=()))


def count_messages(messages: list[tuple[str, str]]) -> int:
    """Prompt tokens of a chat request, with OpenAI's per-message overhead (~4 tokens each)."""
    return sum(count_tokens(content) + 4 for _, content in messages) + 3


def truncate_tokens(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` tokens, marked with an ellipsis when cut."""
    tokens = _encoding().encode(text, disallowed_special=())
    if len(tokens) <= limit:
        return text
    return _encoding().decode(tokens[: max(limit - 1, 0)]) + " …"


SILENT_LIMIT = 3  # a hung or absent endpoint is abandoned after this many silent requests


class BudgetExceeded(LLMError):
    """The draft's call or prompt-token budget is spent; the section falls back."""


@dataclass
class Budget:
    """Thread-safe ledger of one draft's model traffic."""

    max_calls: int = 8
    max_prompt_tokens: int = 40_000
    calls: int = 0
    retries: int = 0
    reasks: int = 0
    prompt_tokens: int = 0
    reported_prompt_tokens: int = 0
    completion_tokens: int = 0
    largest_prompt: int = 0
    per_prompt: dict[str, int] = field(default_factory=dict)
    _silent: int = field(default=0, repr=False)
    _halted: str | None = field(default=None, repr=False)
    _probing: bool = field(default=False, repr=False)
    _settled: threading.Event = field(default_factory=threading.Event, repr=False)
    _held_calls: int = field(default=0, repr=False)
    _held_tokens: int = field(default=0, repr=False)
    _inflight: int = field(default=0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def reserve(self, prompts: int, tokens_each: int) -> None:
        """Hold back room for every prompt's first try, so one prompt's re-asks cannot starve another."""
        with self._lock:
            self._held_calls, self._held_tokens = prompts, tokens_each

    def take(self, prompt_name: str, tokens: int, *, retry: bool = False) -> None:
        """Reserve one request of ``tokens`` prompt tokens or raise ``BudgetExceeded``."""
        with self._lock:
            if self._halted:
                raise BudgetExceeded(f"not calling the endpoint again: {self._halted}")
            if self._silent >= SILENT_LIMIT:
                raise BudgetExceeded(f"the endpoint did not answer {self._silent} requests in a row; not calling it again")
            if self._silent and self._silent + self._inflight >= SILENT_LIMIT:
                # Once the endpoint has gone quiet, requests still in flight count as silent too, so
                # parallel prompts cannot overrun the breaker while their timeouts are pending.
                raise BudgetExceeded(f"the endpoint did not answer {self._silent} requests and "
                                     f"{self._inflight} more are pending; not calling it again")
            first = prompt_name not in self.per_prompt
            if first and self._held_calls:
                self._held_calls -= 1
            held_calls = 0 if first else self._held_calls
            held_tokens = 0 if first else self._held_calls * self._held_tokens
            if self.calls + held_calls >= self.max_calls:
                raise BudgetExceeded(f"call budget spent ({self.max_calls} requests per draft)")
            if self.prompt_tokens + tokens + held_tokens > self.max_prompt_tokens:
                raise BudgetExceeded(
                    f"prompt-token budget spent ({self.prompt_tokens} used, {tokens} more asked, "
                    f"limit {self.max_prompt_tokens})"
                )
            self.calls += 1
            self._inflight += 1
            self.retries += int(retry)
            self.prompt_tokens += tokens
            self.largest_prompt = max(self.largest_prompt, tokens)
            self.per_prompt[prompt_name] = self.per_prompt.get(prompt_name, 0) + 1

    def halt(self, reason: str) -> None:
        """No request can succeed (the key was rejected, the model does not exist): stop calling."""
        with self._lock:
            self._halted = self._halted or reason

    def claim_probe(self) -> bool:
        """True for exactly one caller while the endpoint's structured-output method is unproven."""
        with self._lock:
            if self._probing or self._settled.is_set():
                return False
            self._probing = True
            return True

    def wait_settled(self, timeout_s: float) -> None:
        """Let the probe go first: refusals come back in milliseconds, real answers take seconds."""
        self._settled.wait(timeout_s)

    def settle(self) -> None:
        self._settled.set()

    def landed(self, *, silent: bool | None = None) -> None:
        """A request taken with ``take`` has come back, with an answer or an error; ``silent`` says
        whether it was a timeout or refused connection (None: not a transport failure). One lock, so
        the in-flight count and the silence count never disagree."""
        with self._lock:
            self._inflight = max(0, self._inflight - 1)
            if silent is not None:
                self._silent = self._silent + 1 if silent else 0

    def note_usage(self, usage: dict[str, int]) -> None:
        with self._lock:
            self._silent = 0
            self.reported_prompt_tokens += int(usage.get("prompt_tokens", 0) or 0)
            self.completion_tokens += int(usage.get("completion_tokens", 0) or 0)

    def note_reask(self) -> None:
        with self._lock:
            self.reasks += 1

    def remaining_calls(self) -> int:
        with self._lock:
            return self.max_calls - self.calls

    def as_usage(self) -> dict[str, int]:
        """The numbers that go into ``Postmortem.llm_usage``."""
        return {
            "calls": self.calls,
            "retries": self.retries,
            "reasks": self.reasks,
            "prompt_tokens": self.prompt_tokens,
            "prompt_tokens_reported": self.reported_prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "largest_prompt_tokens": self.largest_prompt,
            "max_calls": self.max_calls,
            "max_prompt_tokens": self.max_prompt_tokens,
        }


def usage_line(usage: dict) -> str:
    """One human line for ``--verbose``: calls, retries, re-asks and tokens of a draft."""
    if not usage:
        return "llm: not used (offline)"
    return (
        f"llm: {usage.get('model', '?')} via {usage.get('structured_method', '?')}: {usage.get('calls', 0)} calls "
        f"(max {usage.get('max_calls', '?')}), {usage.get('retries', 0)} retries, {usage.get('reasks', 0)} re-asks, "
        f"{usage.get('prompt_tokens', 0)} prompt tokens counted (max {usage.get('max_prompt_tokens', '?')}), "
        f"{usage.get('prompt_tokens_reported', 0)} reported, {usage.get('completion_tokens', 0)} completion; "
        f"{usage.get('sections_answered', 0)} sections answered, {usage.get('sections_fallback', 0)} fell back"
    )
