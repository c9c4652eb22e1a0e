"""Contributing factors, what went well, what went wrong and lessons learned, from the timeline's
numbers against the severity's targets and from what the evidence shows."""

from __future__ import annotations

from agent.analysis import factors, text
from agent.analysis.context import Context, fmt_time, minutes, split_noise, target
from agent.models import Claim, ContributingFactor


def _factor(ctx: Context, key: str, ids: list[str]) -> ContributingFactor:
    title, detail = (_sentence(text.fill(t, ctx.values), ctx) for t in text.get("factors", key))
    return ContributingFactor(title=title, detail=detail, evidence_ids=ctx.ids(ids))


def _sentence(s: str, ctx: Context) -> str:
    """Capitalised, unless it starts with a service name (orders-api stays lower case)."""
    return s if s.startswith(tuple(ctx.services)) or not s else s[:1].upper() + s[1:]


def _late(ctx: Context, value: float | None, kind: str) -> bool:
    return value is not None and value > target(kind, ctx.severity)


def contributing_factors(ctx: Context) -> list[ContributingFactor]:
    """Specific factors the evidence supports first (see factors.py), then the response's numbers."""
    tl, mech = ctx.timeline, ctx.mech
    out = [_factor(ctx, key, ids) for key, ids in factors.applicable(ctx)]
    cited = {i for f in out for i in f.evidence_ids}
    if ctx.trigger is not None and not cited & set(ctx.trigger.evidence_ids):
        out.append(_factor(ctx, "unsafe_change", ctx.trigger.evidence_ids))
    if _late(ctx, tl.time_to_detect_min, "detect"):
        out.append(_factor(ctx, "detection_lag", ctx.phase_ids("detection")))
    if mech.saturation is not None and tl.detected and mech.saturation.start < tl.detected \
            and not factors.resource_noun(ctx):
        out.append(_factor(ctx, "no_leading_alert", mech.saturation_ids))
    noisy, warnings = split_noise(ctx)
    if warnings:
        out.append(_factor(ctx, "early_warning", warnings[0].evidence_ids))
    if len(tl.mitigation_attempts) > 1:
        out.append(_factor(ctx, "failed_attempts", _attempt_ids(ctx)))
    if noisy:
        out.append(_factor(ctx, "noisy_baseline", noisy[0].evidence_ids))
    missing = [m for m in ctx.bundle.missing() if m in ("metrics", "logs", "traces", "alerts")]
    if missing:
        ctx.values["missing"] = ", ".join(missing)
        out.append(_factor(ctx, "observability_gap", []))
    return out


def _attempt_ids(ctx: Context) -> list[str]:
    return ctx.citations.valid([i for e in ctx.timeline.entries if e.phase == "mitigation_attempt"
                                for i in e.evidence_ids])


def went_well(ctx: Context) -> list[Claim]:
    tl, v = ctx.timeline, ctx.values
    out = []
    if tl.detected and not _late(ctx, tl.time_to_detect_min, "detect"):
        out.append(Claim(text=f"Fast detection: {v['detection']} fired {v['ttd']} after the onset "
                              f"(target for {ctx.severity}: {v['target_ttd']} minutes).",
                         evidence_ids=ctx.ids(ctx.phase_ids("detection"))))
    if tl.acknowledged and not _late(ctx, tl.time_to_acknowledge_min, "acknowledge"):
        out.append(Claim(text=f"Quick acknowledgement: the page was acknowledged "
                              f"{minutes(tl.time_to_acknowledge_min)} after detection.",
                         evidence_ids=ctx.ids(ctx.phase_ids("acknowledgement"), ctx.phase_ids("detection"))))
    if tl.escalated:
        out.append(Claim(text=f"Escalation: the incident was escalated at {fmt_time(tl.escalated)}, bringing in "
                              "more responders.", evidence_ids=ctx.ids(ctx.phase_ids("escalation"))))
    if tl.mitigated and not _late(ctx, tl.time_to_mitigate_min, "mitigate"):
        out.append(Claim(text=f"Quick mitigation: impact ended {v['ttm']} after the onset.",
                         evidence_ids=ctx.ids(ctx.phase_ids("mitigation"))))
    if _rolled_back(ctx):
        out.append(Claim(text="Rollback was used as a mitigation, restoring the last known good state.",
                         evidence_ids=ctx.ids(_attempt_ids(ctx))))
    if not out:
        out.append(Claim(text="The incident left enough data (tickets, telemetry) to reconstruct the timeline "
                              "and cite it.", evidence_ids=ctx.any_ids()))
    return out


def _rolled_back(ctx: Context) -> bool:
    return any(e.phase == "mitigation_attempt" and "rollback" in e.text.lower() for e in ctx.timeline.entries)


def went_wrong(ctx: Context) -> list[Claim]:
    tl, v = ctx.timeline, ctx.values
    out = []
    if _late(ctx, tl.time_to_mitigate_min, "mitigate"):
        out.append(Claim(text=f"Long time to mitigate: {v['ttm']} against a {ctx.severity} target of "
                              f"{v['target_ttm']} minutes.", evidence_ids=ctx.ids(ctx.phase_ids("start", "mitigation"))))
    if _late(ctx, tl.time_to_detect_min, "detect"):
        out.append(Claim(text=f"Slow detection: the first alert or page came {v['ttd']} after the onset.",
                         evidence_ids=ctx.ids(ctx.phase_ids("start", "detection"))))
    if tl.detected is None:
        out.append(Claim(text="No automated detection: no alert or page appears in the data.",
                         evidence_ids=ctx.any_ids()))
    if len(tl.mitigation_attempts) > 1:
        out.append(Claim(text=f"{len(tl.mitigation_attempts)} mitigation actions were needed before recovery.",
                         evidence_ids=ctx.ids(_attempt_ids(ctx))))
    if ctx.trigger is not None:
        out.append(Claim(text=f"{ctx.trigger.label[:1].upper()}{ctx.trigger.label[1:]} reached production "
                              "without a gate that caught the failure.", evidence_ids=ctx.ids(ctx.trigger.evidence_ids)))
    if not out:
        out.append(Claim(text=f"Users were affected for {v['ttr']} before resolution.",
                         evidence_ids=ctx.ids(ctx.phase_ids("start", "resolution"))))
    return out


def saturated(ctx: Context) -> bool:
    return ctx.mech.saturation is not None or ctx.mech.scores.get("saturation", 0) >= 2


def lessons(ctx: Context) -> list[Claim]:
    cat = ctx.verdict.category
    out = [Claim(text=text.get("lessons", cat), evidence_ids=ctx.ids(ctx.verdict.evidence_ids))]
    if saturated(ctx) and cat != "capacity/resource-exhaustion":
        out.append(Claim(text=text.get("lessons", "capacity/resource-exhaustion"),
                         evidence_ids=ctx.ids(ctx.mech.saturation_ids, ctx.mech.signal_ids.get("saturation", []))))
    if _late(ctx, ctx.timeline.time_to_detect_min, "detect"):
        out.append(Claim(text=text.get("lessons", "detection_late"), evidence_ids=ctx.ids(ctx.phase_ids("detection"))))
    if ctx.trigger is not None and cat in ("bad-deploy", "config-change"):
        out.append(Claim(text=text.get("lessons", "rollback_first"), evidence_ids=ctx.ids(ctx.trigger.evidence_ids)))
    return out
