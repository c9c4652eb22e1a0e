"""Bundle events: dedupe, the incident window, phase-defining events and importance."""

from __future__ import annotations

from datetime import datetime, timedelta

from agent.evidence.logs import Window
from agent.models import Bundle, Event

BASELINE_GAP = timedelta(minutes=15)
ALERT_LEAD = timedelta(hours=2)  # alerts this long before the page still mark the onset  # the baseline ends this long before the first onset signal
PHASE_KINDS = ("alert_firing", "page", "acknowledge", "escalate")
CHANGE_KINDS = ("mitigation", "rollback", "deploy", "config_change")
_BASE_IMPORTANCE = {
    "page": 1.0, "alert_firing": 0.8, "acknowledge": 0.8, "escalate": 0.8, "resolve": 0.9, "mitigation": 0.85,
    "rollback": 0.85, "deploy": 0.75, "config_change": 0.75, "command": 0.7, "alert_resolved": 0.5,
    "trace_error": 0.6, "metric_change": 0.6, "status_update": 0.5, "assign": 0.4, "note": 0.4, "log": 0.5,
    "chat": 0.3, "other": 0.2,
}


def dedupe(events: list[Event]) -> list[Event]:
    """Repeated notifications of one alert (same fingerprint and status) and equal dedupe keys are one
    happening: the earliest is kept. Resolved notifications leave one resolved event per alert."""
    seen: set[tuple] = set()
    out: list[Event] = []
    for ev in sorted(events, key=lambda e: (e.time, e.source_file, e.line or 0, e.pointer)):
        if ev.source == "alert":
            key: tuple = ("alert", ev.pointer if ev.pointer.startswith("alert:") else ev.key or ev.text, ev.kind)
        elif ev.key:
            key = ("key", ev.key, ev.kind)
        else:
            key = ("id", ev.source_file, ev.line, ev.pointer, ev.kind, ev.text)
        if key not in seen:
            seen.add(key)
            out.append(ev)
    return out


def onset(bundle: Bundle, events: list[Event]) -> datetime | None:
    """The earliest sign the incident had begun. Anchored on incident.yaml's start, else the first page
    or ticket; alerts count only in the two hours before that anchor, so an alert that had been firing
    since the day before (a pre-existing condition) does not move the onset."""
    alerts = [e.time for e in events if e.kind == "alert_firing"] + [a.starts_at for a in bundle.alerts
                                                                       if a.status == "firing"]
    anchors = [bundle.meta.start] if bundle.meta.start else []
    anchors += [e.time for e in events if e.kind == "page"] + [t.created_at for t in bundle.tickets if t.created_at]
    if not anchors:
        return min(alerts) if alerts else None
    anchor = min(anchors)
    near = [t for t in alerts if anchor - ALERT_LEAD <= t <= anchor]
    return min([anchor, *near])


def window(bundle: Bundle, events: list[Event]) -> Window:
    start = onset(bundle, events)
    return Window(cutoff=start - BASELINE_GAP if start else None, onset=start)


def phase_events(events: list[Event], win: Window) -> set[int]:
    """Indexes of the phase-defining events: first firing/page/ack/escalation, the last resolve, and the
    mitigations, rollbacks and deploys around the incident."""
    keep: set[int] = set()
    for kind in PHASE_KINDS:
        idx = next((i for i, e in enumerate(events) if e.kind == kind), None)
        if idx is not None:
            keep.add(idx)
    resolves = [i for i, e in enumerate(events) if e.kind == "resolve"]
    if resolves:
        keep.add(resolves[-1])
    lo = win.cutoff - timedelta(hours=2) if win.cutoff else None
    changes = [i for i, e in enumerate(events) if e.kind in CHANGE_KINDS and (lo is None or e.time >= lo)]
    keep.update(changes[:8])
    return keep


def importance(ev: Event, win: Window, phase: bool) -> float:
    score = _BASE_IMPORTANCE.get(ev.kind, 0.3)
    if ev.level in ("error", "critical"):
        score += 0.1
    if win.onset is not None:
        minutes = abs((ev.time - win.onset).total_seconds()) / 60
        score += 0.1 / (1 + minutes / 30)
    if phase:
        score += 1.0
    return round(min(score, 2.0), 4)
