"""Incident-level facts the report header needs: id, title, severity, services, owning team.

incident.yaml wins, then the ticket, then what the telemetry says.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime

from agent.models import Bundle, Timeline

_SEV_WORDS = {"critical": "SEV-1", "p1": "SEV-1", "highest": "SEV-1", "blocker": "SEV-1", "urgent": "SEV-1",
              "emergency": "SEV-1", "p0": "SEV-1", "sev0": "SEV-1", "high": "SEV-2", "p2": "SEV-2", "major": "SEV-2",
              "warning": "SEV-3", "p3": "SEV-3", "medium": "SEV-3", "moderate": "SEV-3", "minor": "SEV-4",
              "low": "SEV-4", "p4": "SEV-4", "p5": "SEV-5", "info": "SEV-5", "lowest": "SEV-5"}
SEV_LABEL = {"SEV-1": "Critical", "SEV-2": "High", "SEV-3": "Medium", "SEV-4": "Low", "SEV-5": "Informational"}


def normalize_severity(value: str | None) -> str | None:
    """'SEV1', 'sev-2', 'P1', 'critical', '1' -> 'SEV-N'; None when it does not look like a severity."""
    if not value:
        return None
    v = value.strip().lower()
    m = re.fullmatch(r"(?:sev(?:erity)?[\s_-]?)?([1-5])", v)
    if m:
        return f"SEV-{m.group(1)}"
    return _SEV_WORDS.get(v) or _SEV_WORDS.get(v.split()[0] if v.split() else v)


def severity(bundle: Bundle) -> str:
    """incident.yaml, else the ticket's severity or priority, else the worst alert; SEV-3 when unknown."""
    cands = [bundle.meta.severity]
    for t in bundle.tickets:
        cands += [t.severity, t.priority]
    for value in cands:
        sev = normalize_severity(value)
        if sev:
            return sev
    alert_sevs = sorted(s for s in (normalize_severity(a.severity) for a in bundle.alerts) if s)
    return alert_sevs[0] if alert_sevs else "SEV-3"


def services(bundle: Bundle, pack_events=()) -> list[str]:
    """Services named by incident.yaml, tickets, alerts and error events, most implicated first."""
    counts: Counter[str] = Counter()
    if bundle.meta.service:
        counts[bundle.meta.service] += 100
    for t in bundle.tickets:
        if t.service:
            counts[t.service] += 50
    for a in bundle.alerts:
        if a.service and a.status == "firing":
            counts[a.service] += 5
    for e in pack_events:
        if e.service and (e.level in ("error", "critical") or e.kind in ("alert_firing", "trace_error")):
            counts[e.service] += 1
    return [s for s, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def owning_team(bundle: Bundle) -> str:
    if bundle.meta.owning_team:
        return bundle.meta.owning_team
    teams = [t.team for t in bundle.tickets if t.team]
    if teams:
        return teams[0]
    return "unassigned"


def title(bundle: Bundle, primary: str | None, symptom: str | None) -> str:
    if bundle.meta.title:
        return bundle.meta.title
    if bundle.tickets and bundle.tickets[0].title:
        return bundle.tickets[0].title
    firing = [a for a in bundle.alerts if a.status == "firing"]
    if firing:
        return f"{firing[0].name} on {firing[0].service or primary or 'production'}"
    return f"{primary or 'Service'} incident" + (f": {symptom}" if symptom else "")


def incident_id(bundle: Bundle, start: datetime | None) -> str:
    """incident.yaml id, else the ticket number, else INC-YYYY-MMDD-001 from the start time."""
    if bundle.meta.id:
        return bundle.meta.id
    for t in bundle.tickets:
        if t.system == "jira":
            return t.number or t.id
        return f"{t.system.upper()}-{t.number or t.id}"
    return f"INC-{start:%Y-%m%d}-001" if start else "INC-UNKNOWN"


def incident_time(timeline: Timeline, bundle: Bundle) -> datetime | None:
    """The incident's own "now": resolution, else mitigation, else the last known timestamp."""
    for t in (timeline.resolved, timeline.mitigated, timeline.detected, timeline.start):
        if t:
            return t
    times = [e.time for e in bundle.events]
    return max(times) if times else None
