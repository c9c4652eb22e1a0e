"""Trace evidence: error spans, the slowest services, and the failing downstream dependency
(the deepest erroring span whose own children did not error)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from agent.models import Span


@dataclass(slots=True)
class ServiceStats:
    service: str
    spans: int = 0
    errors: int = 0
    p95_ms: float = 0.0
    max_ms: float = 0.0
    worst: Span | None = None
    first_error: Span | None = None


@dataclass(slots=True)
class TraceAnalysis:
    services: list[ServiceStats]
    failing: list[tuple[Span, Span | None]]  # (deepest error span, its caller span)
    error_spans: int
    traces: int


def pointer(s: Span) -> str:
    return f"{s.source_file}#{s.trace_id}/{s.span_id}"


def analyze(spans: list[Span]) -> TraceAnalysis:
    by_id = {(s.trace_id, s.span_id): s for s in spans}
    children: dict[tuple[str, str], list[Span]] = defaultdict(list)
    for s in spans:
        if s.parent_id:
            children[(s.trace_id, s.parent_id)].append(s)
    stats = _service_stats(spans)
    leaves = [s for s in spans if s.error and not any(c.error for c in children[(s.trace_id, s.span_id)])]
    leaves.sort(key=lambda s: (s.start, s.trace_id, s.span_id))
    failing = [(s, by_id.get((s.trace_id, s.parent_id or ""))) for s in leaves]
    return TraceAnalysis(stats, failing, sum(s.error for s in spans), len({s.trace_id for s in spans}))


def _service_stats(spans: list[Span]) -> list[ServiceStats]:
    per: dict[str, list[Span]] = defaultdict(list)
    for s in spans:
        per[s.service].append(s)
    out = []
    for name, group in per.items():
        durs = sorted(s.duration_ms for s in group)
        st = ServiceStats(name, len(group), sum(s.error for s in group))
        st.p95_ms = durs[min(len(durs) - 1, int(0.95 * len(durs)))]
        st.worst = max(group, key=lambda s: s.duration_ms)
        st.max_ms = st.worst.duration_ms
        errs = sorted((s for s in group if s.error), key=lambda s: s.start)
        st.first_error = errs[0] if errs else None
        out.append(st)
    return sorted(out, key=lambda st: (-st.errors, -st.p95_ms, st.service))


def dependency_sentence(leaf: Span, caller: Span | None, count: int) -> str:
    why = f" ({leaf.status_message})" if leaf.status_message else ""
    via = f"calls from {caller.service} to {leaf.service}" if caller and caller.service != leaf.service else f"{leaf.service}"
    return f"Traces show {via} failing at '{leaf.name}'{why}: {count} failing span(s), first at {leaf.start:%H:%M:%S}"
