"""PagerDuty: REST v2 incident(s), log entries, notes, alerts, change events; Events API v2; webhooks v3."""

from __future__ import annotations

import json
from typing import Any

from agent.models import Alert, Change, TicketInfo
from agent.sources.context import FileCtx, first, ref_name
from agent.sources.detect import Detector, Sniff, items_of, keys_of
from agent.sources.levels import normalise_level
from agent.sources.scrub import scrub
from agent.sources.tickets import add_ticket, change_kind, severity_from

_LOG_KINDS = {
    "trigger": "page", "acknowledge": "acknowledge", "unacknowledge": "status_update", "escalate": "escalate",
    "delegate": "escalate", "assign": "assign", "reassign": "assign", "annotate": "note", "resolve": "resolve",
    "priority_change": "status_update", "urgency_change": "status_update", "snooze": "status_update",
    "status_update": "status_update", "responder_request": "escalate",
}
_WEBHOOK_KINDS = {
    "triggered": "page", "acknowledged": "acknowledge", "unacknowledged": "status_update", "escalated": "escalate",
    "delegated": "escalate", "reassigned": "assign", "annotated": "note", "resolved": "resolve",
    "priority_updated": "status_update", "reopened": "status_update", "status_update_published": "status_update",
    "responder.added": "escalate", "responder.replied": "note",
}


# ----------------------------------------------------------------------------- detection


def _is_incident(obj: Any) -> bool:
    return isinstance(obj, dict) and "id" in obj and bool(keys_of(obj) & {"incident_number", "incident_key"}) \
        and ("title" in obj or "summary" in obj)


def _incident_doc(doc: Any) -> dict | None:
    """GET /incidents/{id} ({"incident": {...}}), or the bare incident object (a webhook v3 event's data)."""
    if isinstance(doc, dict) and _is_incident(doc.get("incident")):
        return doc["incident"]
    if isinstance(doc, dict) and doc.get("type") == "incident" and _is_incident(doc):
        return doc
    return None


def score_incident(sn: Sniff) -> float:
    return 0.95 if _incident_doc(sn.doc) is not None else 0.0


def score_incidents(sn: Sniff) -> float:
    items = items_of(sn.doc, "incidents")
    return 0.9 if items and all(_is_incident(i) for i in items[:5]) else 0.0


def score_log_entries(sn: Sniff) -> float:
    items = items_of(sn.doc, "log_entries")
    return 0.95 if items and str(items[0].get("type", "")).endswith("log_entry") else 0.0


def score_notes(sn: Sniff) -> float:
    items = items_of(sn.doc, "notes")
    return 0.9 if items and all("content" in n and "created_at" in n for n in items[:5]) else 0.0


def _webhook_events(sn: Sniff) -> list[dict]:
    docs = sn.jsonl if sn.jsonl is not None else (sn.doc if isinstance(sn.doc, list) else [sn.doc])
    events = [d.get("event") for d in docs if isinstance(d, dict)]
    return [e for e in events if isinstance(e, dict) and "event_type" in e and "occurred_at" in e]


def score_webhook(sn: Sniff) -> float:
    return 0.9 if _webhook_events(sn) else 0.0


def _is_pd_alert(a: dict) -> bool:
    return a.get("type") == "alert" and "alert_key" in a


def score_alerts(sn: Sniff) -> float:
    items = items_of(sn.doc, "alerts")
    return 0.9 if items and all(_is_pd_alert(a) for a in items[:5]) else 0.0


def _events_v2(sn: Sniff) -> list[dict]:
    docs = sn.jsonl if sn.jsonl is not None else (sn.doc if isinstance(sn.doc, list) else [sn.doc])
    return [d for d in docs if isinstance(d, dict) and isinstance(d.get("payload"), dict)
            and "summary" in d["payload"] and ("routing_key" in d or "event_action" in d)]


def score_change_event(sn: Sniff) -> float:
    evs = _events_v2(sn)
    return 0.9 if evs and all("event_action" not in e for e in evs) else 0.0


def score_trigger_event(sn: Sniff) -> float:
    evs = _events_v2(sn)
    return 0.9 if evs and all("event_action" in e for e in evs) else 0.0


def score_change_events(sn: Sniff) -> float:
    items = items_of(sn.doc, "change_events")
    if isinstance(sn.doc, dict) and isinstance(sn.doc.get("change_event"), dict):
        items = [sn.doc["change_event"]]
    return 0.9 if items and all("timestamp" in c and "summary" in c for c in items[:5]) else 0.0


# ----------------------------------------------------------------------------- parsing


def _ticket(inc: dict, ctx: FileCtx) -> TicketInfo:
    acks = [ctx.time(a.get("at")) for a in inc.get("acknowledgements") or [] if isinstance(a, dict)]
    assignees = [ref_name(a.get("assignee")) for a in inc.get("assignments") or [] if isinstance(a, dict)]
    assignees += [ref_name(a) for a in inc.get("assignees") or []]
    custom = {f.get("name"): f.get("value") for f in inc.get("custom_fields") or [] if isinstance(f, dict)}
    teams = [ref_name(t) for t in inc.get("teams") or []]
    return TicketInfo(
        system="pagerduty", id=str(first(inc.get("id"), inc.get("incident_key"), inc.get("incident_number"), "?")),
        number=_str(first(inc.get("incident_number"), inc.get("number"))),
        title=scrub(first(inc.get("title"), inc.get("summary"), inc.get("id"))), url=inc.get("html_url"),
        service=ref_name(inc.get("service")), team=first(*teams), priority=ref_name(inc.get("priority")),
        severity=severity_from(first(custom.get("severity"), custom.get("sev"))), status=inc.get("status"),
        created_at=ctx.time(inc.get("created_at")), acknowledged_at=min((a for a in acks if a), default=None),
        resolved_at=ctx.time(inc.get("resolved_at")), assignees=[a for a in dict.fromkeys(assignees) if a],
        source_file=ctx.rel,
    )


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _incident_events(inc: dict, ticket: TicketInfo, ctx: FileCtx, line: int | None) -> None:
    key = f"pagerduty:{ticket.id}"
    label = f"#{ticket.number}" if ticket.number else ticket.id
    svc = ticket.service
    ctx.event(ticket.created_at, "ticket", "page", f"PagerDuty incident {label} triggered: {ticket.title}",
              line=line, service=svc, key=f"{key}:page", attrs={"priority": ticket.priority})
    for ack in inc.get("acknowledgements") or []:
        at = ctx.time(ack.get("at"))
        who = ref_name(ack.get("acknowledger"))
        ctx.event(at, "ticket", "acknowledge", f"{who or 'Responder'} acknowledged incident {label}", line=line,
                  actor=who, service=svc, key=f"{key}:acknowledge:{at.isoformat() if at else ''}")
    for asg in inc.get("assignments") or []:
        at = ctx.time(asg.get("at"))
        who = ref_name(asg.get("assignee"))
        ctx.event(at, "ticket", "assign", f"Incident {label} assigned to {who}", line=line, actor=who,
                  service=svc, key=f"{key}:assign:{who}")
    for req in inc.get("responder_requests") or []:
        at = ctx.time(req.get("requested_at"))
        targets = [ref_name((t.get("responder_request_target") or {}).get("incidents_responders", [{}])[0].get("user"))
                   for t in req.get("responder_request_targets") or [] if isinstance(t, dict)]
        who = ", ".join(t for t in targets if t) or "responders"
        ctx.event(at, "ticket", "escalate", f"{ref_name(req.get('requester')) or 'Responder'} requested help from {who}",
                  line=line, actor=ref_name(req.get("requester")), service=svc,
                  key=f"{key}:escalate:{at.isoformat() if at else ''}")
    if ticket.resolved_at:
        ctx.event(ticket.resolved_at, "ticket", "resolve", f"PagerDuty incident {label} resolved", line=line,
                  service=svc, key=f"{key}:resolve")


def _usable(inc: dict) -> bool:
    """An incident with neither id, title nor creation time (every field null) says nothing."""
    return any(inc.get(k) not in (None, "") for k in ("id", "title", "summary", "created_at"))


def parse_incident(sn: Sniff, ctx: FileCtx) -> int:
    inc = _incident_doc(sn.doc)
    if inc is None or not _usable(inc):
        return 0
    ticket = add_ticket(ctx.out, _ticket(inc, ctx))
    _incident_events(inc, ticket, ctx, ctx.line_of('"incident"'))
    return 1


def parse_incidents(sn: Sniff, ctx: FileCtx) -> int:
    items = items_of(sn.doc, "incidents")
    count = 0
    for inc, line in zip(items, ctx.item_lines(("incidents",), len(items))):
        if _usable(inc):
            _incident_events(inc, add_ticket(ctx.out, _ticket(inc, ctx)), ctx, line)
            count += 1
    return count


def parse_log_entries(sn: Sniff, ctx: FileCtx) -> int:
    items = items_of(sn.doc, "log_entries")
    for entry, line in zip(items, ctx.item_lines(("log_entries",), len(items))):
        etype = str(entry.get("type", "")).removesuffix("_log_entry").removesuffix("_reference")
        kind = _LOG_KINDS.get(etype, "other")
        at = ctx.time(entry.get("created_at"), line)
        inc_id = (entry.get("incident") or {}).get("id", "")
        details = (entry.get("event_details") or {}).get("description")
        channel = entry.get("channel") or {}
        note = channel.get("summary") if etype == "annotate" else None
        text = " - ".join(x for x in (entry.get("summary"), note or details) if x)
        actor = ref_name(entry.get("agent"))
        key = f"pagerduty:{inc_id}:{kind}" + ("" if kind in ("page", "resolve") else f":{at.isoformat() if at else ''}")
        ctx.event(at, "ticket", kind, text or etype, line=line, actor=actor, key=key,
                  attrs={"log_entry_type": entry.get("type"), "incident": inc_id})
    return len(items)


def parse_notes(sn: Sniff, ctx: FileCtx) -> int:
    items = items_of(sn.doc, "notes")
    for note, line in zip(items, ctx.item_lines(("notes",), len(items))):
        ctx.event(ctx.time(note.get("created_at"), line), "ticket", "note", note.get("content") or "", line=line,
                  actor=ref_name(note.get("user")), key=f"pagerduty:note:{note.get('id')}")
    return len(items)


def parse_webhook(sn: Sniff, ctx: FileCtx) -> int:
    events = _webhook_events(sn) if sn.jsonl is None else _all_jsonl_events(ctx)
    for ev in events:
        data = ev.get("data") or {}
        line = ctx.line_of(str(ev.get("id"))) if ev.get("id") else None
        etype = str(ev.get("event_type", ""))
        resource, _, action = etype.partition(".")
        if resource == "incident" and data.get("type") == "incident":
            add_ticket(ctx.out, _ticket(data, ctx))
        inc = data if data.get("type") == "incident" else (data.get("incident") or {})
        title = first(inc.get("title"), inc.get("summary"), "")
        text = first(data.get("content"), data.get("message"), f"{etype}: {title}".strip(": "))
        ctx.event(ctx.time(ev.get("occurred_at"), line), "ticket", _WEBHOOK_KINDS.get(action, "other"), text,
                  line=line, actor=ref_name(ev.get("agent")), service=ref_name(inc.get("service")),
                  key=f"pagerduty:webhook:{ev.get('id')}", attrs={"event_type": etype, "incident": inc.get("id")})
    return len(events)


def _all_jsonl_events(ctx: FileCtx) -> list[dict]:
    out = []
    for raw in ctx.text.splitlines():
        try:
            doc = json.loads(raw)
        except json.JSONDecodeError:
            continue
        if isinstance(doc, dict) and isinstance(doc.get("event"), dict):
            out.append(doc["event"])
    return out


def _change(ctx: FileCtx, summary: str, ts: Any, source: str | None, service: str | None, details: dict,
            line: int | None) -> None:
    time = ctx.time(ts, line)
    if time is None:
        return
    kind = change_kind(summary)
    change = Change(time=time, kind=kind, service=service, description=scrub(summary), actor=None,
                    status=_str(details.get("build_state") or details.get("status")), ref=source,
                    source_file=ctx.rel, line=line)
    ctx.out.changes.append(change)
    ctx.event(time, "change", kind, summary, line=line, service=service, key=f"change:{ts}:{summary}",
              attrs={"source": source})


def parse_change_event(sn: Sniff, ctx: FileCtx) -> int:
    evs = _events_v2(sn)
    for ev in evs:
        p = ev["payload"]
        line = ctx.line_of(p.get("summary"))
        _change(ctx, p.get("summary", ""), p.get("timestamp"), p.get("source"), p.get("component"),
                p.get("custom_details") or {}, line)
    return len(evs)


def parse_change_events(sn: Sniff, ctx: FileCtx) -> int:
    single = isinstance(sn.doc.get("change_event"), dict)
    items = [sn.doc["change_event"]] if single else items_of(sn.doc, "change_events")
    lines = [ctx.line_of('"change_event"')] if single else ctx.item_lines(("change_events",), len(items))
    for ce, line in zip(items, lines):
        service = first(*[ref_name({k: v for k, v in s.items() if k != "id"}) or s.get("id")
                          for s in ce.get("services") or [] if isinstance(s, dict)])
        _change(ctx, ce.get("summary", ""), ce.get("timestamp"), ce.get("source"), service,
                ce.get("custom_details") or {}, line)
    return len(items)


def parse_trigger_event(sn: Sniff, ctx: FileCtx) -> int:
    evs = _events_v2(sn)
    for ev in evs:
        p = ev["payload"]
        line = ctx.line_of(p.get("summary"))
        start = ctx.time(p.get("timestamp"), line)
        if start is None:
            continue
        status = "resolved" if ev.get("event_action") == "resolve" else "firing"
        fp = ev.get("dedup_key") or p.get("summary", "")
        labels = {k: str(p[k]) for k in ("source", "component", "group", "class") if p.get(k) is not None}
        alert = Alert(fingerprint=str(fp), name=scrub(p.get("summary", "")), status=status, labels=labels,
                      annotations={"summary": scrub(p.get("summary", ""))}, starts_at=start,
                      severity=p.get("severity"), service=p.get("component"), source_file=ctx.rel, line=line)
        ctx.out.alerts.append(alert)
        ctx.event(start, "alert", f"alert_{status}", alert.name, line=line, service=alert.service,
                  level=normalise_level(alert.severity), key=f"{fp}:{status}:{start.isoformat()}")
    return len(evs)


def parse_alerts(sn: Sniff, ctx: FileCtx) -> int:
    items = items_of(sn.doc, "alerts")
    for a, line in zip(items, ctx.item_lines(("alerts",), len(items))):
        start = ctx.time(a.get("created_at"), line)
        if start is None:
            continue
        status = "resolved" if a.get("status") == "resolved" else "firing"
        details = (a.get("body") or {}).get("details") or {}
        alert = Alert(fingerprint=str(a.get("alert_key") or a.get("id")), name=scrub(a.get("summary", "")),
                      status=status, labels={"service": ref_name(a.get("service")) or ""},
                      annotations={k: scrub(str(v)) for k, v in details.items()} if isinstance(details, dict) else {},
                      starts_at=start, severity=a.get("severity"), service=ref_name(a.get("service")),
                      source_file=ctx.rel, line=line)
        ctx.out.alerts.append(alert)
        ctx.event(start, "alert", "alert_firing", alert.name, line=line, service=alert.service,
                  level=normalise_level(alert.severity), key=f"{alert.fingerprint}:firing:{start.isoformat()}")
    return len(items)


DETECTORS = [
    Detector("pagerduty.incident", score_incident, parse_incident, phase=2, kind="ticket"),
    Detector("pagerduty.incidents", score_incidents, parse_incidents, phase=2, kind="ticket"),
    Detector("pagerduty.log_entries", score_log_entries, parse_log_entries, phase=2, kind="ticket"),
    Detector("pagerduty.notes", score_notes, parse_notes, phase=2, kind="ticket"),
    Detector("pagerduty.webhook_v3", score_webhook, parse_webhook, phase=2, kind="ticket"),
    Detector("pagerduty.alerts", score_alerts, parse_alerts, kind="alert"),
    Detector("pagerduty.change_event", score_change_event, parse_change_event, kind="change"),
    Detector("pagerduty.change_events", score_change_events, parse_change_events, kind="change"),
    Detector("pagerduty.event_v2", score_trigger_event, parse_trigger_event, kind="alert"),
]
