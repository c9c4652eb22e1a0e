"""Stage 3: events -> a Timeline with phases, durations and a granularity that follows the severity.

Phases, in the order the report shows them:

- start: the earliest onset evidence (first fresh error, metric departure, alert ``startsAt``), not the
  page time; ``incident.yaml`` ``start`` wins when given.
- detection: the first alert or page. acknowledgement, escalation: the first such ticket event.
- mitigation attempts: rollbacks, deploys, config pushes, commands and mitigation notes after detection.
- mitigation: the first metric recovery (``metric_change`` with ``attrs.direction == "recovery"``), else
  the first resolved alert, else the last mitigation attempt.
- resolution: ``incident.yaml`` ``resolved``, else the ticket's resolution, else the last resolve event.

TTD = detection - start, TTA = acknowledgement - detection, TTM = mitigation - start,
TTR = resolution - start, all in minutes.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import datetime, timedelta

from agent import rxcache as rx
from agent.analysis.series import role_of_name
from agent.models import Event, IncidentMeta, Phase, TicketInfo, Timeline, TimelineEntry

_KIND_WEIGHT = {
    "page": 0.9, "acknowledge": 0.9, "escalate": 0.9, "resolve": 0.9, "rollback": 0.85, "mitigation": 0.85,
    "alert_firing": 0.8, "deploy": 0.8, "config_change": 0.8, "command": 0.75, "metric_change": 0.7,
    "trace_error": 0.5, "status_update": 0.5, "alert_resolved": 0.5, "assign": 0.4, "note": 0.4,
    "chat": 0.3, "log": 0.2, "other": 0.1,
}
_ACTIONS = {"mitigation", "rollback", "deploy", "config_change", "command"}
_MAX_ROWS = {"minute": 36, "5min": 30, "hour": 24}
_KEEP_ABOVE = {"minute": 0.4, "5min": 0.5, "hour": 0.6}
_BASELINE_GAP = timedelta(minutes=30)
_ONSET_WINDOW = timedelta(hours=2)
_LOG_LEAD = timedelta(minutes=10)


def granularity_for(severity: str) -> str:
    """Minute by minute for SEV-1, 5-minute rows for SEV-2, hourly rows below (the seed's rule)."""
    return {"SEV-1": "minute", "SEV-2": "5min"}.get(severity, "hour")


def build(events: Iterable[Event], *, severity: str, incident_meta: IncidentMeta | None = None,
          tickets: Iterable[TicketInfo] = (), people: Iterable[str] = (), exclude: Iterable[str] = ()) -> Timeline:
    """Merge, deduplicate, find the phases, rank and collapse ``events`` into a Timeline.

    ``people`` are names replaced by "a responder" in row text (blameless: roles, not names);
    ``exclude`` are event keys or evidence ids never shown (e.g. chat flagged as blameful).
    """
    meta = incident_meta or IncidentMeta()
    skip = set(exclude)
    evs = [e for e in dedupe(events) if not ({e.key, e.evidence_id, e.attrs.get("ts")} & skip)]
    tickets = list(tickets)
    phases = _phases(evs, meta, tickets)
    gran = granularity_for(severity)
    entries = _entries(_trim(evs, phases), phases, gran, _namer(people))
    tl = Timeline(entries=entries, granularity=gran, **{k: v[0] for k, v in phases.items() if v and k != "attempts"})
    tl.mitigation_attempts = [e.time for e in phases.get("attempts") or []]
    return _with_durations(tl)


def dedupe(events: Iterable[Event]) -> list[Event]:
    """Time-ordered events with repeats dropped: equal ``key`` per kind, or equal kind, text and minute."""
    seen: set[tuple] = set()
    out = []
    # stable sort: among equal times the caller's order wins, and events with evidence come first
    for ev in sorted(events, key=lambda e: (e.time, e.evidence_id is None)):
        ident = (ev.kind, ev.key) if ev.key else (ev.kind, ev.text.strip().lower(), ev.time.replace(second=0))
        if ident in seen:
            continue
        seen.add(ident)
        out.append(ev)
    return out


_JSON_MSG = ("msg", "message", "log", "event", "error", "err")


def _json_message(text: str) -> str:
    """'{"level": "error", "msg": "..."}' -> 'error ...': a JSON log line's level and message, else the text."""
    try:
        obj = json.loads(text)
    except ValueError:
        return text
    if not isinstance(obj, dict):
        return text
    msg = next((str(obj[k]) for k in _JSON_MSG if isinstance(obj.get(k), str) and obj[k]), None)
    level = obj.get("level") or obj.get("severity") or ""
    return f"{level} {msg}".strip() if msg else text


def signature(text: str) -> str:
    """A message template: numbers, hex ids and quoted values masked, so repeats compare equal.
    JSON log lines are reduced to their level and message first (their quoted values are the message)."""
    if text.lstrip().startswith("{"):
        text = _json_message(text.strip())
    text = rx.compile(r"\b[0-9a-f]{8,}\b|\b\d+(?:\.\d+)?\w*").sub("#", text.lower())
    return rx.compile(r"\"[^\"]*\"|'[^']*'").sub("_", text)[:120]


def is_error(ev: Event) -> bool:
    level = ev.attrs.get("level") or ev.level
    return ev.kind == "trace_error" or (ev.kind == "log" and level in ("error", "critical"))


def _baseline_marked(ev: Event) -> bool:
    """The evidence stage saw this template before the incident (pre-existing or bursting)."""
    return ev.attrs.get("preexisting") in ("true", "1", "yes") or ev.attrs.get("status") == "preexisting" or \
        ev.attrs.get("baseline_count", "0") not in ("0", "", "None")


def preexisting(evs: list[Event], anchor: datetime | None) -> set[str]:
    """Signatures of errors already present well before the anchor: baseline noise, not onset."""
    if anchor is None:
        return {signature(e.text) for e in evs if e.kind == "log" and _baseline_marked(e)}
    early = [e for e in evs if (is_error(e) or e.level == "warning") and e.time < anchor - _BASELINE_GAP]
    marked = {signature(e.text) for e in evs if e.kind == "log" and _baseline_marked(e)}
    return {signature(e.text) for e in early} | marked


# ----------------------------------------------------------------------------- phases


def _first(evs: list[Event], kinds: set[str], after: datetime | None = None) -> Event | None:
    return next((e for e in evs if e.kind in kinds and (after is None or e.time >= after)), None)


def _phases(evs: list[Event], meta: IncidentMeta, tickets: list[TicketInfo]) -> dict[str, tuple | list | None]:
    """phase name -> (time, defining event or None); 'attempts' -> list of events."""
    detect = _detection(evs)
    anchor = detect.time if detect else None
    start = (meta.start, None) if meta.start else _onset(evs, anchor)
    t0 = start[0] if start else None
    ack = _first(evs, {"acknowledge"}, anchor)
    ack_t = (ack.time, ack) if ack else _ticket_time(tickets, "acknowledged_at")
    esc = _first(evs, {"escalate"}, anchor) or _priority_raise(evs, anchor)
    resolved = _resolution(evs, meta, tickets)
    end = resolved[0] if resolved else None
    attempts = [e for e in evs if (e.kind in _ACTIONS or _remediation_note(e)) and anchor and e.time >= anchor
                and (not end or e.time <= end)]
    mitigated = _mitigation(evs, t0, attempts) or resolved
    return {"start": start, "detected": (detect.time, detect) if detect else None, "acknowledged": ack_t,
            "escalated": (esc.time, esc) if esc else None, "attempts": attempts,
            "mitigated": mitigated, "resolved": resolved}


_RAISED = rx.compile(r"(?i)\bpriority\b.*->\s*(?:highest|critical|urgent|blocker|p1|sev-?1)\b|\bescalat")


# A responder's note that reports an action taken ("Rolled back to 4.6.2", "Scaled checkout 6 -> 12 pods").
_REMEDIATION = rx.compile(r"(?i)^(?:rolled back|rolling back|roll(?:ing|ed) out|reverted|reverting|restarted|"
                          r"restarting|rebooted|scaled|scaling|failed over|failing over|enabled|disabled|raised|"
                          r"increased|removing|removed|drained|draining|applied|switched|flushed|purged|"
                          r"deleted old|freed)\b")


def _remediation_note(ev: Event) -> bool:
    return ev.source in ("ticket", "manual") and ev.kind in ("note", "other", "status_update") and \
        bool(_REMEDIATION.search(ev.text.strip()))


def _priority_raise(evs: list[Event], anchor: datetime | None) -> Event | None:
    """Without an escalation event, a ticket raised to top priority marks the escalation."""
    return next((e for e in evs if e.source == "ticket" and _RAISED.search(e.text)
                 and (anchor is None or e.time >= anchor)), None)


def _detection(evs: list[Event]) -> Event | None:
    """The first alert or page that belongs to this incident.

    With a page (ticket created), the earliest alert in the hour before it, else the page itself. Without
    one, the earliest alert that has company (another alert, an error or a metric departure within 30 min):
    a lone alert firing hours earlier (clock skew on some batch host) is not this incident's detection.
    """
    page = _first(evs, {"page"})
    alerts = [e for e in evs if e.kind == "alert_firing"]
    if page:
        before = [a for a in alerts if page.time - timedelta(hours=1) <= a.time <= page.time]
        return before[0] if before else page
    times = sorted(e.time.timestamp() for e in evs if e.kind in ("alert_firing", "metric_change") or is_error(e))
    for a in alerts:
        t = a.time.timestamp()
        # another signal (not this alert itself) within 30 minutes
        if bisect_right(times, t + 1800) - bisect_left(times, t - 1800) > 1:
            return a
    return alerts[0] if alerts else None


def _onset(evs: list[Event], anchor: datetime | None) -> tuple[datetime, Event | None] | None:
    """Strong signals (alert startsAt, an error or latency series departing) set the onset; a fresh error
    in the logs can move it earlier by at most ``_LOG_LEAD``, since logs are noisy and often start
    (or rotate) long before anything breaks."""
    noise = preexisting(evs, anchor)
    lo = anchor - _ONSET_WINDOW if anchor else None

    def near(e: Event) -> bool:
        return lo is None or lo <= e.time <= anchor

    strong = [e for e in evs if near(e) and (e.kind == "alert_firing" or
                                            (e.kind == "metric_change" and is_onset_metric(e)))]
    logs = [e for e in evs if near(e) and is_error(e) and signature(e.text) not in noise]
    if strong:
        early = [e for e in logs if strong[0].time - _LOG_LEAD <= e.time < strong[0].time]
        first = early[0] if early else strong[0]
        return first.time, first
    if logs:
        return logs[0].time, logs[0]
    if anchor:
        return anchor, None
    return (evs[0].time, evs[0]) if evs else None


def is_onset_metric(ev: Event) -> bool:
    """A metric departure that marks impact (errors, latency), not a leading indicator or a recovery."""
    role = ev.attrs.get("role") or role_of_name(ev.attrs.get("series") or ev.pointer.split("@", 1)[0])
    return ev.attrs.get("direction") not in ("recovery", "down") and role not in ("saturation", "traffic", "other")


def is_recovery_metric(ev: Event) -> bool:
    """An error or latency series coming back down."""
    if ev.attrs.get("direction") == "recovery":
        return True
    role = ev.attrs.get("role") or role_of_name(ev.attrs.get("series") or ev.pointer.split("@", 1)[0])
    return ev.attrs.get("direction") == "down" and role in ("error_rate", "error_count", "latency")


def _mitigation(evs: list[Event], start: datetime | None, attempts: list[Event]) -> tuple | None:
    if start is None:
        return None
    rec = next((e for e in evs if e.kind == "metric_change" and is_recovery_metric(e) and e.time > start), None)
    rec = rec or _first(evs, {"alert_resolved"}, start)
    if rec:
        return rec.time, rec
    fixes = [e for e in attempts if e.kind in ("rollback", "mitigation")]
    return (fixes[-1].time, fixes[-1]) if fixes else None


def _resolution(evs: list[Event], meta: IncidentMeta, tickets: list[TicketInfo]) -> tuple | None:
    if meta.resolved:
        return meta.resolved, None
    ticket = _ticket_time(tickets, "resolved_at", latest=True)
    if ticket:
        return ticket
    last = [e for e in evs if e.kind == "resolve"] or [e for e in evs if e.kind == "alert_resolved"]
    return (last[-1].time, last[-1]) if last else None


def _ticket_time(tickets: list[TicketInfo], field: str, latest: bool = False) -> tuple | None:
    times = sorted(t for t in (getattr(tk, field) for tk in tickets) if t)
    if not times:
        return None
    return (times[-1] if latest else times[0]), None


def _with_durations(tl: Timeline) -> Timeline:
    def minutes(a: datetime | None, b: datetime | None) -> float | None:
        return round(max((b - a).total_seconds(), 0) / 60, 1) if a and b else None

    tl.time_to_detect_min = minutes(tl.start, tl.detected)
    tl.time_to_acknowledge_min = minutes(tl.detected, tl.acknowledged)
    tl.time_to_mitigate_min = minutes(tl.start, tl.mitigated)
    tl.time_to_resolve_min = minutes(tl.start, tl.resolved)
    return tl


# ----------------------------------------------------------------------------- entries

_LEAD_KINDS = {"deploy", "config_change", "command", "rollback", "metric_change", "alert_firing", "page"}


def _trim(evs: list[Event], phases: dict) -> list[Event]:
    """Drop rows far from the incident: changes and signals up to 2 h before the start, other events
    up to 30 min before it, and nothing later than an hour after the resolution."""
    start = phases.get("start")
    end = phases.get("resolved")
    if not start:
        return evs
    lo_any, lo_lead = start[0] - _BASELINE_GAP, start[0] - _ONSET_WINDOW
    hi = end[0] + timedelta(hours=1) if end else None
    return [e for e in evs if (e.time >= lo_any or (e.kind in _LEAD_KINDS and e.time >= lo_lead))
            and (hi is None or e.time <= hi)]


_PHASE_OF = {"start": "start", "detected": "detection", "acknowledged": "acknowledgement",
             "escalated": "escalation", "mitigated": "mitigation", "resolved": "resolution"}
_PHASE_TEXT = {"start": "Impact begins", "detection": "Incident detected", "acknowledgement": "Page acknowledged",
               "escalation": "Incident escalated", "mitigation": "Impact mitigated", "resolution": "Incident resolved"}


def _entries(evs: list[Event], phases: dict, gran: str, namer) -> list[TimelineEntry]:
    marked: dict[int, Phase] = {}
    synthetic: list[TimelineEntry] = []
    for name, phase in _PHASE_OF.items():
        found = phases.get(name)
        if not found:
            continue
        t, ev = found
        ev = ev if ev is not None else _match(evs, t, phase)
        if ev is not None and id(ev) not in marked:
            marked[id(ev)] = phase
        else:
            synthetic.append(TimelineEntry(time=t, text=_PHASE_TEXT[phase], phase=phase, source="manual",
                                           importance=1.0))
    for ev in phases.get("attempts") or []:
        marked.setdefault(id(ev), "mitigation_attempt")
    noise = preexisting(evs, phases["detected"][0] if phases.get("detected") else None)
    rows = [_entry(ev, marked.get(id(ev)), signature(ev.text) in noise, namer) for ev in evs]
    return _collapse(rows + synthetic, gran)


_PHASE_KINDS = {"resolution": {"resolve", "alert_resolved", "status_update"}, "acknowledgement": {"acknowledge"},
                "start": {"alert_firing", "metric_change", "log", "trace_error"}, "detection": {"alert_firing", "page"},
                "mitigation": {"metric_change", "alert_resolved", "rollback", "mitigation"},
                "escalation": {"escalate"}}


def _match(evs: list[Event], t: datetime, phase: str) -> Event | None:
    """An event of a fitting kind within a minute of a phase time that came from a ticket or incident.yaml."""
    kinds = _PHASE_KINDS.get(phase, set())
    near = [e for e in evs if e.kind in kinds and abs((e.time - t).total_seconds()) <= 60]
    return near[0] if near else None


def importance(ev: Event) -> float:
    base = _KIND_WEIGHT.get(ev.kind, 0.1)
    if ev.kind == "log" and ev.level in ("error", "critical"):
        base = 0.45
    return max(ev.importance, base) if ev.importance <= 1 else 1.0


def _entry(ev: Event, phase: Phase | None, noise: bool = False, namer=None) -> TimelineEntry:
    imp = 1.0 if phase and phase != "mitigation_attempt" else importance(ev)
    if noise and not phase:
        imp = min(imp, 0.1)  # baseline noise folds into the bucket rows
    elif ev.kind == "chat" and not phase:
        imp = min(imp, 0.35)  # chat explains, telemetry and tickets evidence: keep chat mostly folded
    return TimelineEntry(time=ev.time, text=entry_text(ev, namer), phase=phase, source=ev.source, importance=imp,
                         evidence_ids=[ev.evidence_id] if ev.evidence_id else [])


_GENERIC = {"acknowledge": "Page acknowledged by the on-call responder",
            "assign": "Incident reassigned to another responder", "escalate": "Incident escalated"}
_PERSON_AFTER = rx.compile(r"\b(by|to|Notified|notified|paged|Paged)\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+")
_MENTION = rx.compile(r"<@[A-Z0-9]+>|(?<![\w@])@[A-Za-z][\w.-]*")


def _namer(people: Iterable[str]):
    names = sorted({p.strip() for p in people if p and len(p.strip()) > 2}, key=len, reverse=True)
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b") if names else None
    return (lambda text: pattern.sub("a responder", text)) if pattern else (lambda text: text)


def entry_text(ev: Event, namer=None) -> str:
    """Blameless row text: roles instead of names for people-centred ticket events."""
    if ev.kind in _GENERIC:
        return _GENERIC[ev.kind]
    text = _undouble(" ".join(ev.text.split()))
    if ev.actor:
        text = re.sub(rf"\b{re.escape(ev.actor)}\b", "a responder", text)
    if ev.source == "ticket":
        text = _PERSON_AFTER.sub(lambda m: f"{m.group(1)} a responder", text)
    text = _MENTION.sub("a responder", namer(text) if namer else text)
    if ev.kind == "chat":
        channel = ev.attrs.get("channel")
        text = f"Discussion{' in #' + channel.lstrip('#') if channel else ''}: {text}"
    return text if len(text) <= 160 else text[:157] + "..."


def _undouble(text: str) -> str:
    """'X - X' (a title repeated as its description) -> 'X'."""
    head, sep, tail = text.partition(" - ")
    if sep and head[:20] == tail[:20]:
        return head if len(head) >= len(tail) else tail
    return text


def _collapse(rows: list[TimelineEntry], gran: str) -> list[TimelineEntry]:
    """Keep phase rows and the most important rows; fold the rest into one row per time bucket."""
    rows.sort(key=lambda r: (r.time, -r.importance))
    keep_ids = {id(r) for r in rows if r.phase}
    ranked = sorted((r for r in rows if not r.phase and r.importance >= _KEEP_ABOVE[gran]),
                    key=lambda r: (-r.importance, r.time))
    ranked = _cap_telemetry(ranked, gran)
    for r in ranked[: max(_MAX_ROWS[gran] - len(keep_ids), 0)]:
        keep_ids.add(id(r))
    kept = [r for r in rows if id(r) in keep_ids]
    buckets: dict[tuple[datetime, bool], list[TimelineEntry]] = {}
    for r in rows:
        if id(r) not in keep_ids:
            chat_gran = "30min" if gran != "hour" and r.source == "chat" else gran  # one chat row per half hour
            buckets.setdefault((_bucket(r.time, chat_gran), r.source == "chat"), []).append(r)
    folded = [_fold(t, group) for (t, _), group in buckets.items()]
    return sorted(kept + folded, key=lambda r: (r.time, r.phase is None, -r.importance))


_TELEMETRY = {"log", "metric", "trace"}
_TELEMETRY_PER_WINDOW = 2


def _cap_telemetry(ranked: list[TimelineEntry], gran: str) -> list[TimelineEntry]:
    """At SEV-1 (minute rows), at most two log/metric/trace rows per minute: a burst of templates at the
    onset reads as one moment; the rest fold into that minute's summary row. Coarser rows fold already."""
    if gran != "minute":
        return ranked
    seen: dict[datetime, int] = {}
    out = []
    for r in ranked:  # most important first
        if r.source in _TELEMETRY and r.importance < 0.85:
            w = _bucket(r.time, gran)
            seen[w] = seen.get(w, 0) + 1
            if seen[w] > _TELEMETRY_PER_WINDOW:
                continue
        out.append(r)
    return out


def _bucket(t: datetime, gran: str) -> datetime:
    t = t.replace(second=0, microsecond=0)
    if gran in ("5min", "30min"):
        step = 5 if gran == "5min" else 30
        return t.replace(minute=t.minute - t.minute % step)
    return t.replace(minute=0) if gran == "hour" else t


def _fold(t: datetime, group: list[TimelineEntry]) -> TimelineEntry:
    if len(group) == 1 and group[0].source != "chat":
        return group[0]
    ids = [i for r in sorted(group, key=lambda r: -r.importance) for i in r.evidence_ids]
    telemetry = [r for r in group if r.source != "chat"]
    if telemetry:
        best = max(telemetry, key=lambda r: (r.importance, -r.time.timestamp()))
        text = f"{len(group)} further events, most notably: {best.text}"
    else:  # chat is summarised, never quoted, in folded rows
        best = group[0]
        text = f"{len(group)} message{'s' * (len(group) != 1)} in the incident channel"
    return TimelineEntry(time=t, text=text[:200], source=best.source, importance=best.importance,
                         evidence_ids=list(dict.fromkeys(ids))[:3])
