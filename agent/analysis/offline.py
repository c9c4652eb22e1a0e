"""Stage 4: the evidence-derived draft, the embedded default that needs no LLM.

``analyze`` picks a trigger (changes shortly before the onset; distractors ruled out), a mechanism (new
error signatures, saturation, failing dependency), a category, and writes the five whys, the root-cause
hypothesis, factors, went well / wrong, lessons and action items. Every sentence cites evidence ids
that exist in the pack (evidence computed here, such as a metric peak, is added to the pack first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from agent import rxcache as rx
from agent.analysis import (
    actions,
    category,
    factors,
    incident,
    mechanism,
    narrative,
    review,
    triggers,
)
from agent.analysis import series as ms
from agent.analysis.cite import Citations
from agent.analysis.context import CATEGORY_SIGNAL, Context, build_values
from agent.impact import relevant
from agent.models import (
    ActionItem,
    Bundle,
    Claim,
    ContributingFactor,
    EvidencePack,
    FiveWhys,
    Impact,
    RootCause,
    Timeline,
)


@dataclass
class OfflineDraft:
    """The parts of a Postmortem the offline analysis writes."""

    services: list[str]
    owning_team: str
    executive_summary: Claim
    problem_statement: str
    five_whys: FiveWhys
    root_cause: RootCause
    trigger_candidates: list[Claim]
    contributing_factors: list[ContributingFactor]
    went_well: list[Claim]
    went_wrong: list[Claim]
    lessons_learned: list[Claim]
    action_items: list[ActionItem]
    notes: list[str] = field(default_factory=list)
    key_ids: list[str] = field(default_factory=list)     # the trigger's evidence: a key timeline moment
    quiet_ids: list[str] = field(default_factory=list)   # ruled-out changes and baseline noise
    cause: re.Pattern[str] | None = None                  # wording of the failure mode, to find the diagnosis

    def fields(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("notes", "key_ids", "quiet_ids", "cause")}


def analyze(bundle: Bundle, pack: EvidencePack, timeline: Timeline, impact: Impact, *,
            citations: Citations | None = None, severity: str | None = None,
            shifts: list[ms.Shift] | None = None) -> OfflineDraft:
    """Write the offline draft for ``bundle`` from its evidence, timeline and impact."""
    ctx = _context(bundle, pack, timeline, impact, citations or Citations(pack),
                   severity or incident.severity(bundle), shifts)
    rc = narrative.root_cause(ctx)
    anchor = timeline.start or timeline.resolved
    incident_day = anchor.date() if anchor else _fallback_day(bundle)
    draft = OfflineDraft(
        services=ctx.services, owning_team=ctx.team,
        executive_summary=narrative.executive_summary(ctx, rc),
        problem_statement=narrative.problem_statement(ctx), five_whys=narrative.five_whys(ctx), root_cause=rc,
        trigger_candidates=narrative.trigger_claims(ctx),
        contributing_factors=review.contributing_factors(ctx), went_well=review.went_well(ctx),
        went_wrong=review.went_wrong(ctx), lessons_learned=review.lessons(ctx),
        action_items=actions.build(ctx, incident_day))
    draft.cause = mechanism.SIGNALS.get(CATEGORY_SIGNAL.get(ctx.verdict.category, ""))
    draft.key_ids = list(ctx.trigger.evidence_ids) if ctx.trigger else []
    draft.quiet_ids = [i for c in ctx.candidates if c.distractor for i in c.evidence_ids]
    draft.quiet_ids += [i for s in ctx.mech.noise for i in s.evidence_ids]
    if ctx.trigger is None and any(c.distractor for c in ctx.candidates):
        draft.notes.append("Changes near the onset were ruled out as triggers: " +
                           "; ".join(f"{c.label} ({c.why_not})" for c in ctx.candidates if c.distractor)[:400])
    return draft


_CERT_WORDS = rx.compile(r"(?i)cert|tls|ssl|x509|pki|keystore|truststore")


def _time_driven(category_name: str, trigger: triggers.Candidate | None) -> triggers.Candidate | None:
    """A certificate expires on its own schedule: a change that does not touch certificates is context,
    not the trigger, even when it came shortly before the expiry."""
    if category_name != "certificate/expiry" or trigger is None or _CERT_WORDS.search(trigger.label):
        return trigger
    trigger.distractor = True
    trigger.why_not = "the failure is a certificate expiry, and this change does not touch certificates"
    return None


def _fallback_day(bundle: Bundle) -> date:
    times = sorted(e.time for e in bundle.events)
    return times[0].date() if times else date(1970, 1, 1)


def _context_text(bundle: Bundle, mech: mechanism.Mechanism, shifts: list[ms.Shift]) -> str:
    """The incident's own words: titles, firing alerts, new error templates, departing series."""
    parts = [bundle.meta.title or ""] + [t.title for t in bundle.tickets]
    parts += [f"{a.name} {' '.join(a.annotations.values())} {' '.join(a.labels.values())}"
              for a in bundle.alerts if a.status == "firing"]
    parts += [s.text for s in mech.signatures[:10]] + [s.series.series_id for s in shifts]
    return " ".join(parts)


def _context(bundle: Bundle, pack: EvidencePack, timeline: Timeline, impact: Impact, citations: Citations,
             severity: str, shifts: list[ms.Shift] | None) -> Context:
    services = incident.services(bundle, list(pack.events) + list(bundle.events))
    if shifts is None:
        shifts = [s for s in (ms.find_shift(x, before=timeline.start) for x in bundle.series) if s]
    shifts = relevant(shifts, timeline)
    mech = mechanism.analyze(pack, citations, start=timeline.start, end=timeline.resolved or timeline.mitigated,
                             shifts=shifts, primary=services[0] if services else None)
    if not services:
        services = sorted({s.service for s in mech.signatures if s.service})
    cands = triggers.find(bundle, pack, citations, onset=timeline.start, failing=services,
                          context=_context_text(bundle, mech, shifts))
    trigger = triggers.best(cands)
    verdict = category.choose(mech, trigger)
    trigger = _time_driven(verdict.category, trigger)
    ctx = Context(bundle=bundle, pack=pack, timeline=timeline, impact=impact, citations=citations,
                  severity=severity, services=services, team=incident.owning_team(bundle),
                  candidates=cands, trigger=trigger, mech=mech, verdict=verdict)
    ctx.values = build_values(ctx)
    ctx.values.update(factors.values(ctx))
    return ctx
