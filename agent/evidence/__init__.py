"""Stage 2: the evidence engine. ``build(bundle)`` -> a bounded, ranked, numbered EvidencePack.

Logs are streamed once through a Drain-style template miner (agent/evidence/drain.py) and compared
against a baseline window; metrics get change points and saturation; alerts are grouped; traces give
error spans and the failing dependency. Everything is ranked and fitted into a tiktoken budget.
"""

from __future__ import annotations

from collections.abc import Callable

# Only what the log miners need is imported here: agent.evidence.schedule imports this package before
# the miners fork, so the analyses (findings, metrics, pack: numpy, tiktoken) load in build().
from agent.evidence import events as ev_mod
from agent.evidence import parallel
from agent.evidence.logs import LogAnalysis, RecordReader, Window, analyze
from agent.evidence.progress import Progress
from agent.models import Bundle, Event, EvidencePack

__all__ = ["LogAnalysis", "Window", "build"]


def build(bundle: Bundle, *, budget_tokens: int = 8000, progress: bool = False,
          reader: RecordReader | None = None, counter: Callable[[str], int] | None = None,
          while_mining: Callable[[], None] | None = None, mining: parallel.Mining | None = None) -> EvidencePack:
    """Derive findings and events from a loaded bundle and fit them, ranked, into ``budget_tokens``.

    ``reader`` streams a LogSource's records (default: agent.sources.logs.iter_records);
    ``counter`` counts tokens (default: tiktoken cl100k, offline). Big bundles' logs are mined in worker
    processes started first; meanwhile this process analyses the other sources, loads the tokenizer and
    runs ``while_mining`` (the caller's own log-independent work). ``mining`` is a job the caller
    started while loading (agent.evidence.schedule); it is used only if it mines exactly this bundle's
    logs with this window, else it is stopped and the logs are mined afresh."""
    from agent.evidence import pack as pk

    events = ev_mod.dedupe(bundle.events)
    win = ev_mod.window(bundle, events)
    job = _adopt(mining, bundle, win, reader) or _start_logs(bundle, win, reader)  # before any thread exists
    counted, rated = None, {}
    try:
        others = _other_findings(bundle, win)
        counter = counter or pk.count_tokens
        if job is not None:  # only worth doing early when the logs are mined elsewhere meanwhile
            counter("")
            if while_mining is not None:
                while_mining()
            if counter is pk.count_tokens:  # the events' excerpts, counted before the log events join them
                counted = pk.clip_counts(pk.event_cand(e).excerpt for e in events)
            rated = _rated(events, win)
        with Progress(enabled=progress) as prog:
            logs = _logs(bundle, win, reader, prog, job)
    finally:
        if job is not None:
            job.close()
    found = _log_findings(logs, win) + others
    events = ev_mod.dedupe(events + _derived_events(found))
    phase = ev_mod.phase_events(events, win)
    events = [_rate(e, win, i in phase, rated) for i, e in enumerate(events)]
    pack = pk.fit(found, events, phase, budget=budget_tokens, counter=counter, counted=counted, share=True)
    if logs is not None and logs.problems:
        pack.notes = list(logs.problems)
    return pack


def _rated(events: list[Event], win: Window) -> dict[int, tuple[Event, Event]]:
    """id(event) -> (event, its copy with its importance as a not phase-defining event): made while the
    logs are mined elsewhere, since all but a few of the pack's events are the bundle's own."""
    return {id(e): (e, e.model_copy(update={"importance": ev_mod.importance(e, win, False)})) for e in events}


def _rate(e: Event, win: Window, phase: bool, rated: dict[int, tuple[Event, Event]]) -> Event:
    """``e`` copied with its importance (from ``rated`` when it was made ahead)."""
    ahead = None if phase else rated.get(id(e))
    if ahead is not None and ahead[0] is e:
        return ahead[1]
    return e.model_copy(update={"importance": ev_mod.importance(e, win, phase)})


def _adopt(mining: parallel.Mining | None, bundle: Bundle, win: Window,
           reader: RecordReader | None) -> parallel.Mining | None:
    if mining is None:
        return None
    if reader is None and mining.matches(bundle.logs, win):
        return mining
    mining.close()
    return None


def _start_logs(bundle: Bundle, win: Window, reader: RecordReader | None) -> parallel.Mining | None:
    """Worker processes mining the logs, or None to mine them in this process (small bundles)."""
    if not bundle.logs or reader is not None:
        return None
    workers = parallel.worth_it([s.abs_path for s in bundle.logs])
    return parallel.start(bundle.logs, window=win, workers=workers) if workers else None


def _logs(bundle: Bundle, win: Window, reader: RecordReader | None, prog: Progress,
          job: parallel.Mining | None) -> LogAnalysis | None:
    if not bundle.logs:
        return None
    if job is not None:
        prog.task(f"mining {len(bundle.logs)} log files in {job.workers} processes", total=None)
        return job.result()
    task = prog.task("mining log templates", total=None)
    return analyze(bundle.logs, window=win, reader=reader, on_progress=lambda n: prog.advance(task, n))


def _log_findings(logs: LogAnalysis | None, win: Window) -> list[tuple]:
    from agent.evidence import findings as fd

    if logs is None:
        return []
    return fd.log_findings(logs, win) + fd.command_findings(logs.commands, win)


def _other_findings(bundle: Bundle, win: Window) -> list[tuple]:
    """Findings from everything but the logs: metrics, alerts, traces, changes (in that order)."""
    from agent.evidence import alerts as al
    from agent.evidence import findings as fd
    from agent.evidence import metrics as mx
    from agent.evidence import traces as tr

    found: list[tuple] = []
    for s in bundle.series:
        if mx.is_limit_series(s):
            continue
        found += [fd.shift_finding(sh, win) for sh in mx.changes(s)]
        sat = mx.saturation(s, bundle.series)
        if sat is not None:
            found.append(fd.saturation_finding(sat, win))
    groups = al.group(bundle.alerts, onset=win.onset)
    found += [fd.alert_finding(g, win, rank) for rank, g in enumerate(groups)]
    if bundle.spans:
        found += fd.trace_findings(tr.analyze(bundle.spans), win)
    service = bundle.meta.service or next((t.service for t in bundle.tickets if t.service), None)
    for e in bundle.events:
        if e.kind in ("deploy", "config_change", "rollback", "command") or (e.kind == "mitigation" and e.source == "change"):
            found.append(fd.change_finding(e, win, service))
    return found


_DERIVED_KIND = {"changepoint": "metric_change", "saturation": "metric_change", "trace": "trace_error",
                 "command": "command", "error_signature": "log", "log_template": "log"}


def _derived_events(found: list[tuple]) -> list[Event]:
    """Events for what the analyses found: notable log templates, change points, trace errors, commands."""
    out = []
    for f, cands in found:
        kind = _DERIVED_KIND.get(f.kind)
        if kind is None or not cands or f.time is None or f.role == "distractor" and f.kind != "command":
            continue
        if f.kind == "trace" and f.role != "mechanism":
            continue
        c = cands[0]
        if f.kind == "command" and c.kind != "log":
            continue  # commands from the bundle's own events are already events
        source = {"metric_change": "metric", "trace_error": "trace"}.get(kind, "log")
        level = "error" if f.role == "mechanism" and kind in ("log", "trace_error") else None
        out.append(Event(time=f.time, source=source, kind=kind, text=f.text, source_file=c.source_file,  # type: ignore[arg-type]
                         line=c.line, pointer=c.pointer, level=level, key=f"{kind}:{c.pointer}",  # type: ignore[arg-type]
                         attrs={k: str(v) for k, v in f.attrs.items() if v is not None and k != "template"}))
    return out
