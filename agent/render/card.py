"""The position card: the seed's shape plus the swarm convergence policy's superset (SWARM.md).

``build_card`` makes the ``PositionCard`` model; ``render_yaml`` writes ``position_card.yaml``.
Invariant and capability ids come from ``CardOptions`` (agent/data/swarm.yaml by default).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from agent.errors import UsageError
from agent.models import (
    CardEvidence,
    CardInvariantViolation,
    CardPlanItem,
    CardRisk,
    PositionCard,
    Postmortem,
)

SWARM_FILE = Path(__file__).resolve().parents[1] / "data" / "swarm.yaml"  # the packaged defaults
_KIND_WORD = {"prevent": "prevention", "detect": "detection", "mitigate": "mitigation", "respond": "response",
              "process": "process"}


@dataclass
class CardOptions:
    agent_id: str = "postmortem_agent"
    workflow: str = "continuous_improvement"
    next_agent: str = "driver"
    default_step: int = 2
    invariants_satisfied: list[str] = field(default_factory=list)
    capabilities: list[str] = field(default_factory=list)
    unassigned_action_invariant: str = "INV-032"

    @classmethod
    def load(cls, path: Path | None = None) -> "CardOptions":
        """Options from ``path`` (YAML), falling back to the packaged defaults for missing keys."""
        data = yaml.safe_load(SWARM_FILE.read_text(encoding="utf-8"))
        if path is not None:
            try:
                data.update(yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {})
            except (OSError, yaml.YAMLError) as exc:
                raise UsageError(f"{path}: cannot read swarm config: {exc}") from exc
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def cost_level(cost: int) -> str:
    return {1: "Low", 2: "Med"}.get(cost, "High")


def reversibility_level(value: float) -> str:
    return "Easy" if value >= 0.75 else "Med" if value >= 0.4 else "Hard"


def build_card(pm: Postmortem, pointers: list[str], options: CardOptions | None = None) -> PositionCard:
    """The card for ``pm``; ``pointers`` are existing files (the written report first)."""
    opts = options or CardOptions.load()
    n = len(pm.action_items)
    return PositionCard(
        agent="postmortem", timestamp=pm.generated_at, claims=_claims(pm), plan=_plan(pm),
        evidence_pointers=pointers, evidence=_evidence(pm, pointers), confidence=pm.root_cause.confidence,
        risks=_risks(pm), cost=1 if n <= 4 else 2 if n <= 8 else 3, reversibility=1.0,
        invariant_violations=_violations(pm, opts), invariants_satisfied=list(opts.invariants_satisfied),
        capabilities=list(opts.capabilities))


def _claims(pm: Postmortem) -> list[str]:
    tl, rc = pm.timeline, pm.root_cause
    claims = [f"Drafted blameless postmortem for {pm.severity} incident {pm.incident_id} ({pm.duration})",
              f"Applied 5-Whys RCA: root cause hypothesis ({rc.category}, confidence {rc.confidence:.2f}) = "
              f"{rc.hypothesis}",
              f"Generated {len(pm.action_items)} action items with owners and deadlines"]
    if tl.time_to_resolve_min is not None:
        claims.append(f"MTTR: {tl.time_to_resolve_min:g} minutes; time to detect "
                      f"{tl.time_to_detect_min if tl.time_to_detect_min is not None else 'unknown'} minutes")
    claims.append(pm.pattern_analysis.recurrence or pm.pattern_analysis.note)
    return claims


def _plan(pm: Postmortem) -> list[CardPlanItem]:
    kinds = sorted({a.kind for a in pm.action_items}, key=list(_KIND_WORD).index)
    plan = [CardPlanItem(action="Action items cover " + ", ".join(_KIND_WORD[k] for k in kinds),
                         rationale=f"{len(pm.action_items)} items, each with an owner, deadline and status")]
    for a in pm.action_items[:3]:
        plan.append(CardPlanItem(action=f"{a.id}: {a.action}", rationale=f"{a.kind}; owner {a.owner}; due {a.deadline}"))
    follow = f"{pm.follow_up_meeting:%Y-%m-%d %H:%M} UTC" if pm.follow_up_meeting else "within 3 days"
    plan.append(CardPlanItem(action=f"Follow-up review meeting {follow}",
                             rationale="the seed requires a review within 3 days of the incident"))
    plan.append(CardPlanItem(action="Distribute to " + (", ".join(pm.distribution) or "engineering"),
                             rationale="knowledge sharing across engineering, product and leadership"))
    return plan


def _evidence(pm: Postmortem, pointers: list[str]) -> list[CardEvidence]:
    out = [CardEvidence(type="document", pointer=p, quality=0.8) for p in pointers[:2]]
    cited_metrics = [r for r in pm.impact.rows if r.evidence_ids and r.metric != "Duration"]
    if cited_metrics and pointers:
        out.append(CardEvidence(type="measurement", pointer=pointers[0] + "#impact", quality=0.7))
    return out


def _risks(pm: Postmortem) -> list[CardRisk]:
    risks = [CardRisk(severity="medium", description="Action items not tracked outside this report",
                      mitigation="Create a ticket per action item", residual_risk="low")]
    if pm.root_cause.confidence < 0.6:
        risks.append(CardRisk(severity="high", description=f"Root cause is a hypothesis with confidence "
                              f"{pm.root_cause.confidence:.2f}", mitigation="Confirm with: " +
                              "; ".join(pm.root_cause.confirm_with[:2]), residual_risk="medium"))
    if pm.missing:
        risks.append(CardRisk(severity="low", description="Bundle lacked: " + ", ".join(pm.missing),
                              mitigation="Attach the missing data and redraft", residual_risk="low"))
    if pm.pattern_analysis.similar:
        risks.append(CardRisk(severity="high", description="Similar past incidents suggest a systemic issue",
                              mitigation="Prioritise the cross-incident recommendation", residual_risk="medium"))
    return risks


def _violations(pm: Postmortem, opts: CardOptions) -> list[CardInvariantViolation]:
    unassigned = [a.id for a in pm.action_items if a.owner == "unassigned"]
    if not unassigned:
        return []
    return [CardInvariantViolation(invariant_id=opts.unassigned_action_invariant,
                                   description=f"Action items without an owner: {', '.join(unassigned)}",
                                   justification="No owning team in incident.yaml or the ticket",
                                   requires_approval=True)]


def render_yaml(card: PositionCard) -> str:
    data = {"position_card": card.model_dump(mode="json")}
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)
