"""Fit the ranked evidence into a token budget and number it E1..En.

Order of admission: phase-defining events first, then findings by score (each with the evidence it
cites), then the remaining events by importance. Tokens are counted with tiktoken's cl100k encoding
(the offline copy, loaded fast by agent/evidence/tokenizer.py) over evidence excerpts, summaries and
finding texts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timezone

from agent.evidence.findings import Cand
from agent.evidence.tokenizer import cl100k as _encoding
from agent.models import Event, Evidence, EvidencePack, Finding

MAX_EXCERPT_TOKENS = 120
_LATE = datetime.max.replace(tzinfo=timezone.utc)


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


def clip_counts(texts: Iterable[str]) -> dict[str, tuple[str, int]]:
    """``_clip_count`` of each text, worked out ahead for ``fit(counted=...)``: the evidence stage counts
    the bundle's own events while the logs are mined elsewhere."""
    out: dict[str, tuple[str, int]] = {}
    for text in texts:
        if text not in out:
            out[text] = _clip_count(text)
    return out


def event_cand(ev: Event) -> Cand:
    kind = {"ticket": "ticket", "alert": "alert", "chat": "chat", "change": "change", "log": "log",
            "trace": "trace", "metric": "metric"}.get(ev.source, "manual")
    return Cand(kind, ev.source_file, ev.pointer, ev.line, ev.time, _excerpt(ev), "")  # type: ignore[arg-type]


def _excerpt(ev: Event) -> str:
    return ev.text[:600]


Key = tuple[str, datetime | None]


def ident(c: Cand | Event) -> Key:
    """Pointers are not always unique (every message of one Slack JSON file may point at line 1), so
    an evidence item is its pointer at its time (all times are UTC: equal times are the same instant)."""
    return c.pointer, c.time


class _Budget:
    """Admits candidates while their tokens fit. Each candidate travels with its ``ident`` (computed
    once per event)."""

    def __init__(self, budget: int, counter: Callable[[str], int], counted: dict[str, tuple[str, int]] | None = None):
        self.budget, self.used, self.count = budget, 0, counter
        self.kept: dict[Key, Cand] = {}
        self.counted = counted or {}  # excerpt -> _clip_count(excerpt), for tiktoken's fast path

    def cost(self, cands: list[Cand], keys: list[Key], text: str = "") -> tuple[int, list[tuple[Key, Cand]]]:
        new = [(k, c) for k, c in zip(keys, cands) if k not in self.kept]
        total = self.count(text) if text else 0
        for _, c in new:
            if self.count is count_tokens:
                c.excerpt, n = self.counted.get(c.excerpt) or _clip_count(c.excerpt)
            else:
                c.excerpt = _clip(c.excerpt)
                n = self.count(c.excerpt)
            total += n + (self.count(c.summary) if c.summary and c.summary != text else 0)
        return total, new

    def full_for(self, c: Cand, key: Key | None = None) -> bool:
        """True when ``c`` certainly cannot be admitted, without counting: the budget is spent and any
        non-empty text costs at least one token (tiktoken; a custom counter is always asked)."""
        return self.count is count_tokens and self.used >= self.budget and bool(c.excerpt or c.summary) \
            and (key if key is not None else ident(c)) not in self.kept

    def too_big(self, ev: Event, key: Key) -> bool:
        """True when event ``ev`` certainly cannot be admitted: its excerpt, counted ahead (``counted``,
        tiktoken only), does not fit what is left. Most of a big bundle's events end here."""
        hit = self.counted.get(_excerpt(ev)) if self.count is count_tokens else None
        return hit is not None and self.used + hit[1] > self.budget and key not in self.kept

    def admit(self, cands: list[Cand], text: str = "", *, force: bool = False, keys: list[Key] | None = None) -> bool:
        cost, new = self.cost(cands, keys if keys is not None else [ident(c) for c in cands], text)
        if not force and self.used + cost > self.budget:
            return False
        self.used += cost
        for k, c in new:
            self.kept[k] = c
        return True


def fit(findings: list[tuple[Finding, list[Cand]]], events: list[Event], phase: set[int], *,
        budget: int, counter: Callable[[str], int] = count_tokens,
        counted: dict[str, tuple[str, int]] | None = None, share: bool = False) -> EvidencePack:
    """The pack. ``counted`` holds excerpts already clipped and counted (``clip_counts``, tiktoken only).
    The pack's events are copies with their evidence ids; with ``share`` (the caller's own copies) an
    event whose id does not change is put in the pack as it is."""
    b = _Budget(budget, counter, counted)
    keys = [ident(e) for e in events]
    for i in sorted(phase, key=lambda i: events[i].time):
        b.admit([event_cand(events[i])], keys=[keys[i]])
    ranked = sorted(findings, key=lambda fc: (-fc[0].score, fc[0].time or _LATE, fc[0].text))
    kept_findings: list[tuple[Finding, list[Cand]]] = []
    for f, cands in ranked:
        if b.admit(cands, f.text):
            kept_findings.append((f, cands))
    rest = sorted((i for i in range(len(events)) if i not in phase), key=lambda i: (-events[i].importance, events[i].time))
    for i in rest:
        if b.too_big(events[i], keys[i]):
            continue
        cand = event_cand(events[i])
        if not b.full_for(cand, keys[i]):
            b.admit([cand], keys=[keys[i]])
    total = {ident(c) for _, cs in findings for c in cs} | set(keys)
    return _number(b, kept_findings, events, keys, budget, dropped=len(total - set(b.kept)), share=share)


def _number(b: _Budget, findings: list[tuple[Finding, list[Cand]]], events: list[Event], keys: list[Key],
            budget: int, dropped: int, share: bool = False) -> EvidencePack:
    order = sorted(b.kept.items(), key=lambda kc: (kc[1].time or _LATE, kc[1].kind, kc[1].source_file, kc[1].line or 0,
                                                   kc[1].pointer))
    ids = {k: f"E{n}" for n, (k, _) in enumerate(order, 1)}
    evidence = [Evidence(id=ids[k], kind=c.kind, source_file=c.source_file, pointer=c.pointer, line=c.line,
                         time=c.time, excerpt=c.excerpt, summary=c.summary) for k, c in order]
    out_findings = []
    for f, cands in findings:
        f.evidence_ids = list(dict.fromkeys(ids[k] for k in map(ident, cands) if k in ids))
        out_findings.append(f)
    out_events = [e if share and ids.get(k) == e.evidence_id else e.model_copy(update={"evidence_id": ids.get(k)})
                  for e, k in zip(events, keys)]
    out_findings.sort(key=lambda f: (-f.score, f.time or _LATE))
    return EvidencePack(evidence=evidence, events=out_events, findings=out_findings, token_count=b.used,
                        token_budget=budget, dropped=dropped)
