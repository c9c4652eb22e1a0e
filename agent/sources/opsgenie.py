"""Opsgenie: GET /v2/alerts/{id} and /v2/incidents/{id} (``{"data": {...}}``), alert lists, alert logs and
notes (``{"data": [...]}``), and alert webhooks (``{"action": "Create", "alert": {...}}``)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from agent.models import TicketInfo
from agent.sources.context import FileCtx, first
from agent.sources.detect import Detector, Sniff, items_of
from agent.sources.scrub import scrub
from agent.sources.tickets import add_ticket

_ACTIONS = {
    "create": "page", "acknowledge": "acknowledge", "unacknowledge": "status_update", "close": "resolve",
    "addnote": "note", "escalate": "escalate", "escalatenext": "escalate", "assignownership": "assign",
    "takeownership": "assign", "addresponder": "escalate", "addteam": "escalate", "snooze": "status_update",
    "updatepriority": "status_update", "updatemessage": "status_update", "updatedescription": "status_update",
}


def _is_alert(d: Any) -> bool:
    return isinstance(d, dict) and "id" in d and "message" in d and "createdAt" in d and "attributes" not in d \
        and bool({"tinyId", "alias", "ownerTeam", "acknowledged"} & set(d))


def score_alert(sn: Sniff) -> float:
    return 0.9 if isinstance(sn.doc, dict) and _is_alert(sn.doc.get("data")) else 0.0


def score_list(sn: Sniff) -> float:
    items = items_of(sn.doc, "data")
    if not items or not isinstance(sn.doc, dict):
        return 0.0
    if all(_is_alert(i) for i in items[:5]):
        return 0.85
    if all("createdAt" in i and ("log" in i or "note" in i) for i in items[:5]):
        return 0.85
    return 0.0


def _webhooks(docs: list[Any]) -> list[dict]:
    return [d for d in docs if isinstance(d, dict) and isinstance(d.get("alert"), dict) and "action" in d]


def _docs(sn: Sniff) -> list[Any]:
    return sn.jsonl if sn.jsonl is not None else (sn.doc if isinstance(sn.doc, list) else [sn.doc])


def score_webhook(sn: Sniff) -> float:
    return 0.9 if _webhooks(_docs(sn)) else 0.0


def _after(start: datetime | None, millis: Any) -> datetime | None:
    if start is None or isinstance(millis, bool) or not isinstance(millis, (int, float)) or not 0 < millis < 3e11:
        return None  # more than ~10 years after creation is not an ack or close time
    return start + timedelta(milliseconds=millis)


def _ticket(d: dict, ctx: FileCtx) -> TicketInfo:
    created = ctx.time(d.get("createdAt"))
    report = d.get("report") or {}
    teams = [r.get("name") or r.get("id") for r in d.get("responders") or [] if isinstance(r, dict)
             and r.get("type") == "team"]
    details = d.get("details") or d.get("extraProperties") or {}
    status = d.get("status")
    return TicketInfo(
        system="opsgenie", id=str(d["id"]), number=d.get("tinyId"), title=scrub(d.get("message") or d["id"]),
        service=first(details.get("service"), d.get("entity")) if isinstance(details, dict) else d.get("entity"),
        team=first(d.get("ownerTeam"), *teams), priority=d.get("priority"), status=status, created_at=created,
        acknowledged_at=_after(created, report.get("ackTime")), resolved_at=_after(created, report.get("closeTime")),
        assignees=[x for x in (d.get("owner"), report.get("acknowledgedBy")) if x], source_file=ctx.rel,
    )


def _ticket_events(t: TicketInfo, d: dict, ctx: FileCtx, line: int | None) -> None:
    key = f"opsgenie:{t.id}"
    report = d.get("report") or {}
    ctx.event(t.created_at, "ticket", "page", f"Opsgenie alert #{t.number or t.id} created: {t.title}", line=line,
              service=t.service, key=f"{key}:page", attrs={"priority": t.priority})
    ctx.event(t.acknowledged_at, "ticket", "acknowledge", "Opsgenie alert acknowledged", line=line,
              actor=report.get("acknowledgedBy"), key=f"{key}:acknowledge")
    ctx.event(t.resolved_at, "ticket", "resolve", "Opsgenie alert closed", line=line,
              actor=report.get("closedBy"), key=f"{key}:resolve")


def parse_alert(sn: Sniff, ctx: FileCtx) -> int:
    data = sn.doc["data"]
    t = add_ticket(ctx.out, _ticket(data, ctx))
    _ticket_events(t, data, ctx, ctx.line_of('"data"'))
    return 1


def parse_list(sn: Sniff, ctx: FileCtx) -> int:
    items = items_of(sn.doc, "data")
    for item, line in zip(items, ctx.item_lines(("data",), len(items))):
        if _is_alert(item):
            _ticket_events(add_ticket(ctx.out, _ticket(item, ctx)), item, ctx, line)
            continue
        text = item.get("note") or item.get("log") or ""
        kind = "note" if "note" in item else _log_kind(item.get("type"), text)
        ctx.event(ctx.time(item.get("createdAt"), line), "ticket", kind, text, line=line, actor=item.get("owner"),
                  key=f"opsgenie:log:{item.get('offset') or item.get('createdAt')}", attrs={"type": item.get("type")})
    return len(items)


def _log_kind(log_type: Any, text: str) -> str:
    low = f"{log_type} {text}".lower()
    for word, kind in (("acknowledged", "acknowledge"), ("closed", "resolve"), ("escalat", "escalate"),
                       ("assign", "assign"), ("created", "page"), ("note", "note")):
        if word in low:
            return kind
    return "other"


def parse_webhook(sn: Sniff, ctx: FileCtx) -> int:
    docs = _docs(sn) if sn.jsonl is None else [json.loads(ln) for ln in ctx.text.splitlines() if ln.strip()]
    hooks = _webhooks(docs)
    for hook in hooks:
        _one_webhook(hook, ctx)
    return len(hooks)


def _one_webhook(hook: dict, ctx: FileCtx) -> None:
    alert = hook["alert"]
    action = str(hook.get("action", ""))
    kind = _ACTIONS.get(action.lower(), "other")
    alert_id = str(alert.get("alertId") or alert.get("alias") or alert.get("tinyId"))
    line = ctx.line_of(alert_id)
    created = ctx.time(alert.get("createdAt"), line)
    at = created if kind == "page" else (ctx.time(alert.get("updatedAt"), line) or created)
    teams = alert.get("teams") or []
    ticket = TicketInfo(
        system="opsgenie", id=alert_id, number=alert.get("tinyId"), title=scrub((alert.get("message") or "").strip())
        or alert_id, service=alert.get("entity") or None, team=first(*teams), priority=alert.get("priority"),
        status={"resolve": "closed", "acknowledge": "acknowledged"}.get(kind, "open"), created_at=created,
        acknowledged_at=at if kind == "acknowledge" else None, resolved_at=at if kind == "resolve" else None,
        assignees=[alert["owner"]] if alert.get("owner") else [], source_file=ctx.rel)
    add_ticket(ctx.out, ticket)
    text = alert.get("note") if kind == "note" else f"Opsgenie {action}: {ticket.title}"
    actor = first(alert.get("username"), (hook.get("source") or {}).get("name"))
    ctx.event(at, "ticket", kind, text or action, line=line, actor=actor, service=ticket.service,
              key=f"opsgenie:{alert_id}:{kind}:{at.isoformat() if at else ''}", attrs={"action": action})


DETECTORS = [
    Detector("opsgenie.alert", score_alert, parse_alert, phase=2, kind="ticket"),
    Detector("opsgenie.list", score_list, parse_list, phase=2, kind="ticket"),
    Detector("opsgenie.webhook", score_webhook, parse_webhook, phase=2, kind="ticket"),
]
