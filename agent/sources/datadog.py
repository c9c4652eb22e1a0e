"""Datadog incidents API v2 (``{"data": {"type": "incidents", "attributes": {...}}}``) and incident lists,
and monitor group states as alerts. Datadog logs, spans and timeseries live with the other logs, traces
and metrics."""

from __future__ import annotations

from typing import Any

from agent.models import Alert, TicketInfo
from agent.sources.context import FileCtx, first
from agent.sources.detect import Detector, Sniff
from agent.sources.levels import normalise_level
from agent.sources.scrub import scrub
from agent.sources.tickets import add_ticket, severity_from


def _incidents(doc: Any) -> list[dict]:
    data = doc.get("data") if isinstance(doc, dict) else None
    items = data if isinstance(data, list) else [data]
    return [d for d in items if isinstance(d, dict) and d.get("type") == "incidents"
            and isinstance(d.get("attributes"), dict)]


def score(sn: Sniff) -> float:
    return 0.9 if _incidents(sn.doc) else 0.0


def _field(attrs: dict, name: str) -> Any:
    value = (attrs.get("fields") or {}).get(name)
    return value.get("value") if isinstance(value, dict) else value


def parse(sn: Sniff, ctx: FileCtx) -> int:
    items = _incidents(sn.doc)
    for inc in items:
        a = inc["attributes"]
        line = ctx.line_of(inc["id"])
        sev = first(a.get("severity"), _field(a, "severity"))
        teams, services = _field(a, "teams"), _field(a, "services")
        t = add_ticket(ctx.out, TicketInfo(
            system="datadog", id=str(inc["id"]), number=str(a.get("public_id") or "") or None,
            title=scrub(a.get("title") or inc["id"]), service=_one(services), team=_one(teams),
            severity=None if str(sev).upper() == "UNKNOWN" else severity_from(sev),
            status=first(a.get("state"), _field(a, "state")), created_at=ctx.time(a.get("created"), line),
            resolved_at=ctx.time(a.get("resolved"), line), source_file=ctx.rel))
        key = f"datadog:{t.id}"
        detected = ctx.time(first(a.get("detected"), a.get("declared"), a.get("created")), line)
        ctx.event(detected, "ticket", "page", f"Datadog incident {t.number or t.id} declared: {t.title}", line=line,
                  service=t.service, key=f"{key}:page")
        ctx.event(t.resolved_at, "ticket", "resolve", f"Datadog incident {t.number or t.id} resolved", line=line,
                  key=f"{key}:resolve")
    return len(items)


def _one(value: Any) -> str | None:
    if isinstance(value, list):
        return str(value[0]) if value else None
    return str(value) if value else None


def _monitor_groups(doc: Any) -> list[dict]:
    groups = doc.get("groups") if isinstance(doc, dict) else None
    return [g for g in groups if isinstance(g, dict) and "monitor_id" in g and "status" in g] \
        if isinstance(groups, list) else []


def score_monitor_groups(sn: Sniff) -> float:
    return 0.9 if _monitor_groups(sn.doc) else 0.0


def parse_monitor_groups(sn: Sniff, ctx: FileCtx) -> int:
    """Monitor group states (GET /api/v1/monitor/groups/search) as alerts: Alert/Warn firing, OK resolved."""
    count = 0
    for g in _monitor_groups(sn.doc):
        line = ctx.line_of(f'"monitor_id": {g["monitor_id"]}')
        start = ctx.time(g.get("last_triggered_ts") or None, line)
        if start is None:
            continue
        state = str(g.get("status", ""))
        status = "resolved" if state.upper() in ("OK", "RESOLVED") else "firing"
        fp = f"datadog:{g['monitor_id']}:{g.get('group', '')}"
        tags = dict(t.split(":", 1) for t in g.get("all_tags") or [] if isinstance(t, str) and ":" in t)
        name = scrub(str(g.get("monitor_name") or g["monitor_id"]))
        ctx.out.alerts.append(Alert(fingerprint=fp, name=name, status=status, labels=tags, starts_at=start,
                                    severity=state, service=tags.get("service"), source_file=ctx.rel, line=line))
        ctx.event(start, "alert", f"alert_{status}", f"{name} {state}", line=line, service=tags.get("service"),
                  level=normalise_level({"alert": "critical", "warn": "warning"}.get(state.lower(), "info")),
                  key=f"{fp}:{status}:{start.isoformat()}", attrs={"fingerprint": fp})
        count += 1
    return count


DETECTORS = [
    Detector("datadog.incident", score, parse, phase=2, kind="ticket"),
    Detector("datadog.monitor_groups", score_monitor_groups, parse_monitor_groups, kind="alert"),
]
