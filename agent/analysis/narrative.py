"""The causal story: problem statement, the five whys, the root-cause hypothesis, the executive summary
and the trigger candidates, each sentence citing the evidence it rests on."""

from __future__ import annotations

from agent.analysis import text
from agent.analysis.context import Context, fmt_time, split_noise, target
from agent.models import Claim, FiveWhys, RootCause, Why


def problem_statement(ctx: Context) -> str:
    v = ctx.values
    return f"{v['service']} {v['symptom']} from {fmt_time(ctx.timeline.start)} for {v['ttr']}."


def five_whys(ctx: Context) -> FiveWhys:
    v, cat, mech = ctx.values, ctx.verdict.category, ctx.mech
    q = text.get("whys")
    symptom_ids = ctx.ids(ctx.row_ids("Error Rate") + _alert_ids(ctx), ctx.phase_ids("start", "detection"))
    mech_ids = ctx.ids(mech.saturation_ids + (mech.top.evidence_ids if mech.top else []))
    cause_ids = ctx.ids(ctx.citations.valid(ctx.verdict.evidence_ids[:2] + mech_ids[:2]), mech_ids)
    trigger_ids = ctx.ids(ctx.trigger.evidence_ids if ctx.trigger else [], ctx.phase_ids("start"), cause_ids)
    detect_ids = ctx.ids(ctx.phase_ids("detection"), ctx.phase_ids("start"))
    answer1 = f"{v['service']} {v['symptom']} from {fmt_time(ctx.timeline.start)}."
    answer2 = _capital(text.fill(text.by_category("answer2", _answer2_key(ctx)), v), tuple(ctx.services))
    # why 2 names the mechanism *and* what set it off, so the first two whys already cite the trigger
    mech_ids = ctx.citations.valid(mech_ids[:2] + _origin_ids(ctx, set(mech_ids[:2])))[:5]
    a4 = text.get("answer4", "with_trigger" if ctx.trigger else "without_trigger")
    whys = [
        Why(question=text.fill(q["q1"], v), answer=answer1, evidence_ids=symptom_ids),
        Why(question=text.fill(q["q2"], v), answer=answer2, evidence_ids=mech_ids),
        Why(question=text.fill(_q3(q, cat), v),
            answer=_capital(text.fill(text.by_category("answer3", cat), v), tuple(ctx.services)), evidence_ids=cause_ids),
        Why(question=text.fill(q["q4"], v), answer=_capital(text.fill(a4, v), tuple(ctx.services)), evidence_ids=trigger_ids),
        Why(question=text.fill(q["q5"], v), answer=_capital(text.fill(_answer5(ctx), v)), evidence_ids=detect_ids),
    ]
    return FiveWhys(problem_statement=problem_statement(ctx), whys=whys)


def _answer2_key(ctx: Context) -> str:
    if ctx.trigger is not None:
        return "after_change"
    if ctx.mech.dependency and ctx.verdict.category == "dependency-failure":
        return "dependency"
    return "default"


def _origin_ids(ctx: Context, already: set[str]) -> list[str]:
    """Evidence for where the failure came from, not yet cited: the trigger change, the category's own
    evidence (expired certificate), the failing dependency; at most two items."""
    ids = list(ctx.trigger.evidence_ids[:1]) if ctx.trigger else []
    for group in (ctx.verdict.evidence_ids, ctx.mech.dependency_ids):
        ids += [i for i in group if i not in already][:1]
    return [i for i in ctx.citations.valid(ids) if i not in already][:2]


def _q3(q: dict, category: str) -> str:
    return q["q3"].get(category) or q["q3"]["default"]


def _answer5(ctx: Context) -> str:
    if ctx.timeline.detected is None:
        return text.get("answer5", "none")
    late = (ctx.timeline.time_to_detect_min or 0) > target("detect", ctx.severity)
    return text.get("answer5", "late" if late else "fast" if ctx.trigger else "fast_no_change")


def _alert_ids(ctx: Context) -> list[str]:
    alert = ctx.first_alert()
    return [ctx.citations.for_alert(alert)] if alert else []


def _capital(s: str, keep: tuple[str, ...] = ()) -> str:
    """Capitalise a sentence unless it starts with an identifier (orders-api, db_pool_in_use, a service)."""
    first = s.split(" ", 1)[0].rstrip(",.:;'s")
    if first in keep or not (first.isalpha() and first.islower()):
        return s
    return s[:1].upper() + s[1:]


def root_cause(ctx: Context) -> RootCause:
    cat = ctx.verdict.category
    key = f"{cat}+change" if ctx.trigger is not None and f"{cat}+change" in text.get("root_cause") else cat
    hypothesis = text.fill(text.by_category("root_cause", key), ctx.values)
    return RootCause(hypothesis=_capital(hypothesis, tuple(ctx.services)), category=cat, confidence=confidence(ctx),
                     evidence_ids=ctx.ids(ctx.verdict.evidence_ids), confirm_with=list(text.get("confirm_with", cat)),
                     alternatives=ctx.verdict.alternatives)


def confidence(ctx: Context) -> float:
    """Offline confidence: how many independent lines of evidence agree. Never above 0.85."""
    c = 0.35
    if ctx.verdict.evidence_ids:
        c += 0.15
    if ctx.trigger is not None:
        c += 0.15
    if ctx.mech.top is not None or ctx.mech.saturation is not None:
        c += 0.1
    if ctx.timeline.mitigated and ctx.trigger and any(
            e.phase == "mitigation_attempt" and "rollback" in e.text.lower() for e in ctx.timeline.entries):
        c += 0.1
    if len(ctx.verdict.alternatives) >= 2:
        c -= 0.1
    return round(min(c, 0.85), 2)


def executive_summary(ctx: Context, rc: RootCause) -> Claim:
    tl, v = ctx.timeline, ctx.values
    when = f"On {tl.start:%B} {tl.start.day}, {tl.start.year} at {tl.start:%H:%M} UTC" if tl.start \
        else "During this incident"
    users = ctx.row("Users Affected")
    affecting = f", affecting {users}{' of users' if users and users.endswith('%') else ''}" if users else ""
    parts = [f"{when}, {v['service']} {v['symptom']} for {v['ttr']}{affecting}."]
    hyp = rc.hypothesis if rc.hypothesis.startswith(tuple(ctx.services)) else rc.hypothesis[:1].lower() + \
        rc.hypothesis[1:]
    parts.append(f"The working hypothesis ({rc.confidence:.0%} confidence, category {rc.category}) is that {hyp}")
    if tl.mitigated or tl.resolved:
        rec = f"Service recovered at {fmt_time(tl.mitigated)}" if tl.mitigated else "Service recovered"
        parts.append(f"{rec} and the incident was resolved at {fmt_time(tl.resolved)}.")
    ids = ctx.ids(ctx.phase_ids("start") + rc.evidence_ids[:2] + ctx.phase_ids("mitigation", "resolution"))
    return Claim(text=" ".join(parts), evidence_ids=ids)


def trigger_claims(ctx: Context) -> list[Claim]:
    out = []
    for c in ctx.candidates[:6]:
        verdict = f"ruled out: {c.why_not}" if c.distractor else f"candidate trigger (score {c.score:.2f})"
        out.append(Claim(text=_capital(f"{c.label}: {verdict}."), evidence_ids=ctx.citations.valid(c.evidence_ids)))
    noisy, warnings = split_noise(ctx)
    for sig in noisy[:3]:
        out.append(Claim(text=f'Pre-existing error "{sig.text[:90]}" was present before the onset: ruled out as '
                              f"the cause.", evidence_ids=ctx.citations.valid(sig.evidence_ids)[:2]))
    for sig in warnings[:2]:
        out.append(Claim(text=f'Early warning "{sig.text[:90]}" was logged before the onset: a precursor of this '
                              f"failure, not a separate cause.", evidence_ids=ctx.citations.valid(sig.evidence_ids)[:2]))
    return out
