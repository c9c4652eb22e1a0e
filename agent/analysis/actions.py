"""Action items: the category's remediation plus detection, response and process items, each with the
owning team, a deadline set by severity from the incident date, and status "todo"."""

from __future__ import annotations

from datetime import date, timedelta

from agent.analysis import factors, text
from agent.analysis.context import Context, split_noise
from agent.analysis.review import saturated
from agent.models import ActionItem

_KIND_IDS = {"prevent": "cause", "mitigate": "cause", "detect": "detection", "respond": "mitigation", "process": ""}


def deadline(incident_day: date, severity: str, kind: str) -> date:
    """Incident date + the severity's days (SEV-1 7, SEV-2 14, SEV-3 30, ...); the review meeting in 3 days."""
    if kind == "process":
        return incident_day + timedelta(days=int(text.get("review_meeting_days")))
    days = text.get("deadline_days")
    return incident_day + timedelta(days=int(days.get(severity, days["SEV-3"])))


def build(ctx: Context, incident_day: date) -> list[ActionItem]:
    cat = ctx.verdict.category
    specs = list(text.get("actions", cat))
    if saturated(ctx) and cat != "capacity/resource-exhaustion":  # the resource that ran out needs a guard too
        specs += list(text.get("actions", "capacity/resource-exhaustion"))[:1]
    if ctx.mech.scores.get("network", 0) >= 1 and cat != "network":  # DNS or connection errors were the symptom
        specs += [s for s in text.get("actions", "network") if s[0] == "detect"]
    specs += [spec for key in factors.action_keys(ctx) for spec in text.get("actions", key)]
    specs += list(text.get("actions", "common"))
    noisy, warnings = split_noise(ctx)
    if warnings:
        specs += list(text.get("actions", "early_warning"))
    if noisy:
        specs += list(text.get("actions", "noisy_baseline"))
    items: list[ActionItem] = []
    seen: set[str] = set()
    for kind, template in _ordered(specs):
        action = text.fill(template, ctx.values)
        if action in seen:  # a factor's answer can repeat the category's own remediation
            continue
        seen.add(action)
        items.append(ActionItem(id=f"AI-{len(items) + 1:03d}", action=action, owner=ctx.team,
                                deadline=deadline(incident_day, ctx.severity, kind), status="todo", kind=kind,
                                evidence_ids=_ids(ctx, kind, template)))
    return items


def _ordered(specs: list) -> list:
    order = {"prevent": 0, "detect": 1, "mitigate": 2, "respond": 3, "process": 4}
    return sorted(specs, key=lambda s: order[s[0]])


def _ids(ctx: Context, kind: str, template: str) -> list[str]:
    if "{warning}" in template or "{noise}" in template:
        _, warnings = split_noise(ctx)
        group = warnings if "{warning}" in template else ctx.mech.noise
        return ctx.ids([i for g in group[:1] for i in g.evidence_ids])
    if "{resource" in template:
        return ctx.ids(ctx.mech.saturation_ids, ctx.mech.signal_ids.get("saturation", []))
    which = _KIND_IDS[kind]
    if which == "cause":
        return ctx.ids(ctx.verdict.evidence_ids)
    if which == "detection":
        return ctx.ids(ctx.phase_ids("detection", "start"))
    if which == "mitigation":
        return ctx.ids(ctx.phase_ids("mitigation", "mitigation_attempt"))
    return []
