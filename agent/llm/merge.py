"""Merge validated model sections into a ``Postmortem``. Only prose and citations come from the
model: times, impact numbers and action-item owners, deadlines and statuses stay deterministic.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from agent.llm.schemas import (
    ActionDraft,
    CitedText,
    EventText,
    FactorDraft,
    FiveWhysDraft,
    RootCauseDraft,
)
from agent.models import (
    ActionItem,
    Claim,
    ContributingFactor,
    FiveWhys,
    Postmortem,
    RootCause,
    Why,
)

Clean = Callable[[str], str]
MAX_NEW_ACTIONS = 3
DEFAULT_DEADLINE_DAYS = 14


def apply(pm: Postmortem, section: str, value, clean: Clean) -> None:
    """Write one validated section into ``pm`` in place; ``clean`` redacts every string first."""
    _APPLY[section](pm, value, clean)


def _claim(item: CitedText, clean: Clean) -> Claim:
    return Claim(text=clean(item.text), evidence_ids=list(item.evidence_ids))


def _summary(pm: Postmortem, value: CitedText, clean: Clean) -> None:
    pm.executive_summary = _claim(value, clean)


def _claims(field: str):
    def apply_claims(pm: Postmortem, value: list[CitedText], clean: Clean) -> None:
        setattr(pm, field, [_claim(c, clean) for c in value])

    return apply_claims


def _five_whys(pm: Postmortem, value: FiveWhysDraft, clean: Clean) -> None:
    whys = [Why(question=clean(w.question), answer=clean(w.answer), evidence_ids=list(w.evidence_ids)) for w in value.whys]
    pm.five_whys = FiveWhys(problem_statement=clean(value.problem_statement), whys=whys)
    pm.problem_statement = pm.five_whys.problem_statement


def _root_cause(pm: Postmortem, value: RootCauseDraft, clean: Clean) -> None:
    pm.root_cause = RootCause(
        hypothesis=clean(value.hypothesis), category=value.category, confidence=value.confidence,
        evidence_ids=list(value.evidence_ids), confirm_with=[clean(c) for c in value.confirm_with],
        alternatives=[clean(a) for a in value.alternatives],
    )


def _factors(pm: Postmortem, value: list[FactorDraft], clean: Clean) -> None:
    pm.contributing_factors = [
        ContributingFactor(title=clean(f.title), detail=clean(f.detail), evidence_ids=list(f.evidence_ids)) for f in value
    ]


def _actions(pm: Postmortem, value: list[ActionDraft], clean: Clean) -> None:
    """Reworded items keep id, owner, deadline and status; new ones borrow them from a same-kind item."""
    by_id = {a.id: a for a in pm.action_items}
    reworded: dict[str, ActionItem] = {}
    for draft in value:
        if draft.ref in by_id and draft.ref not in reworded:
            old = by_id[draft.ref]
            reworded[old.id] = old.model_copy(update={"action": clean(draft.action), "kind": draft.kind,
                                                       "evidence_ids": list(draft.evidence_ids)})
    items = [reworded.get(a.id, a) for a in pm.action_items]
    for draft in [d for d in value if d.ref is None][:MAX_NEW_ACTIONS]:
        items.append(_new_action(pm, items, draft, clean))
    pm.action_items = items


def _new_action(pm: Postmortem, items: list[ActionItem], draft: ActionDraft, clean: Clean) -> ActionItem:
    template = next((a for a in items if a.kind == draft.kind), items[0] if items else None)
    owner = template.owner if template else (f"@{pm.owning_team}" if pm.owning_team else "@owning-team")
    deadline = template.deadline if template else pm.date + timedelta(days=DEFAULT_DEADLINE_DAYS)
    next_id = max((int(a.id[3:]) for a in items), default=0) + 1
    return ActionItem(id=f"AI-{next_id:03d}", action=clean(draft.action), owner=owner, deadline=deadline,
                      status="todo", kind=draft.kind, evidence_ids=list(draft.evidence_ids))


def _timeline(pm: Postmortem, value: list[EventText], clean: Clean) -> None:
    for item in value:
        if 0 <= item.index < len(pm.timeline.entries):
            entry = pm.timeline.entries[item.index]
            pm.timeline.entries[item.index] = entry.model_copy(update={"text": clean(item.text)})


_APPLY = {
    "executive_summary": _summary,
    "went_well": _claims("went_well"),
    "went_wrong": _claims("went_wrong"),
    "lessons_learned": _claims("lessons_learned"),
    "five_whys": _five_whys,
    "root_cause": _root_cause,
    "contributing_factors": _factors,
    "action_items": _actions,
    "timeline": _timeline,
}
