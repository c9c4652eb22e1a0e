"""Datadog incidents API v2 (``{"data": {"type": "incidents", "attributes": {...}}}``) and incident lists.
Datadog logs and timeseries live with the other logs and metrics."""

from __future__ import annotations

from typing import Any

from agent.models import TicketInfo
from agent.sources.context import FileCtx, first
from agent.sources.detect import Detector, Sniff
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


DETECTORS = [Detector("datadog.incident", score, parse, phase=2, kind="ticket")]
