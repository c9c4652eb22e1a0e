"""Output models the prompts ask for. Field descriptions are prompt text; validators are the
grounding rules (see ``agent.llm.grounding``), active when validated with a grounding context.

Every section may instead be ``InsufficientEvidence``: the model's explicit way out.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from agent.llm import grounding
from agent.models import Category

# An evidence id in the spellings models use: "E12", "e12", "E-12", "E 12", "E_12", "[E12]", "(E12)", "#E12".
_ID_SPELLING = re.compile(r"[\[(#]?\s*[Ee][\s_-]?(\d+)\s*[\])]?")


def _coerce_ids(value):
    """Forgive the harmless slips small models make: "E3, E7", "[E3]", "e3", "E-3" all mean "E3".

    Only whole-id spellings are rewritten; anything else is left for the pattern check to reject."""
    if isinstance(value, str):
        value = [f"E{int(n)}" for n in _ID_SPELLING_ANYWHERE.findall(value)]
    if isinstance(value, list):
        return [_one_id(v) for v in value]
    return value


_ID_SPELLING_ANYWHERE = re.compile(r"(?<![A-Za-z0-9])[Ee][\s_-]?(\d+)\b")


def _one_id(value):
    match = _ID_SPELLING.fullmatch(value.strip()) if isinstance(value, str) else None
    return f"E{int(match.group(1))}" if match else value


def _coerce_confidence(value):
    """70 or "70%" means 0.70; anything else is left for the range check."""
    if isinstance(value, str) and value.strip().endswith("%"):
        value = value.strip().rstrip("%")
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return number / 100 if 1 < number <= 100 else number


EvidenceIds = Annotated[
    list[Annotated[str, Field(pattern=r"^E\d+$")]],
    BeforeValidator(_coerce_ids),
    Field(min_length=1, max_length=12, description="ids from the evidence block supporting every fact, e.g. [\"E3\", \"E7\"]"),
]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


def strip_unknown(model: type[BaseModel], value: Any) -> Any:
    """``value`` without the keys ``model`` (and the models nested in it) does not define.

    The schemas forbid extra keys so the endpoint's strict mode stays on, but a model that adds
    ``"confidence_note"`` to a claim has still answered: its unknown keys are dropped before
    validation instead of failing the section. Known keys are validated as usual."""
    if isinstance(value, list):
        return [strip_unknown(model, v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        field = model.model_fields.get(key)
        if field is not None:
            nested = _nested_models(field.annotation)
            out[key] = strip_unknown(nested[0], item) if len(nested) == 1 else item
    return out


def _nested_models(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models inside ``X``, ``list[X]``, ``X | None`` (one level of containers)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in get_args(annotation) if get_origin(annotation) is not None else ():
        found += _nested_models(arg)
    return found


class InsufficientEvidence(_Out):
    insufficient_evidence: str = Field(
        min_length=1, description="say which evidence is missing; use this instead of guessing"
    )


class CitedText(_Out):
    text: str = Field(min_length=1, max_length=900, description="plain, blameless prose about systems, not people")
    evidence_ids: EvidenceIds

    @model_validator(mode="after")
    def _grounded(self, info: ValidationInfo):
        grounding.check(info, [self.text], self.evidence_ids)
        return self


class WhyDraft(_Out):
    question: str = Field(min_length=1, max_length=300, description="'Why ...?' following from the previous answer")
    answer: str = Field(min_length=1, max_length=600)
    evidence_ids: EvidenceIds

    @model_validator(mode="after")
    def _grounded(self, info: ValidationInfo):
        grounding.check(info, [self.question, self.answer], self.evidence_ids)
        return self


class FiveWhysDraft(_Out):
    problem_statement: str = Field(min_length=1, max_length=600, description="what users experienced, one sentence")
    whys: list[WhyDraft] = Field(min_length=5, max_length=5, description="exactly five, from symptom to systemic cause")

    @model_validator(mode="after")
    def _grounded(self, info: ValidationInfo):
        grounding.check(info, [self.problem_statement])
        return self


class RootCauseDraft(_Out):
    hypothesis: str = Field(min_length=1, max_length=900, description="the most likely cause, worded as a hypothesis")
    category: Category
    confidence: Annotated[float, BeforeValidator(_coerce_confidence)] = Field(
        ge=0.0, le=0.95, description="how sure the evidence makes you, 0 to 0.95; never certainty")
    evidence_ids: EvidenceIds
    confirm_with: list[str] = Field(default_factory=list, max_length=5, description="checks that would confirm it")
    alternatives: list[str] = Field(default_factory=list, max_length=5, description="other causes not yet ruled out")

    @model_validator(mode="after")
    def _grounded(self, info: ValidationInfo):
        grounding.check(info, [self.hypothesis, *self.confirm_with, *self.alternatives], self.evidence_ids)
        return self


class FactorDraft(_Out):
    title: str = Field(min_length=1, max_length=120, description="a short noun phrase")
    detail: str = Field(min_length=1, max_length=600)
    evidence_ids: EvidenceIds

    @model_validator(mode="after")
    def _grounded(self, info: ValidationInfo):
        grounding.check(info, [self.title, self.detail], self.evidence_ids)
        return self


class ActionDraft(_Out):
    ref: str | None = Field(description="the id of the offline action item this rewords (e.g. AI-002), or null for a new one")
    action: str = Field(min_length=1, max_length=300, description="one concrete, checkable change to a system or process")
    kind: Literal["prevent", "detect", "mitigate", "respond", "process"]
    evidence_ids: EvidenceIds

    @field_validator("ref")
    @classmethod
    def _known_ref(cls, ref: str | None, info: ValidationInfo):
        g = (info.context or {}).get("grounding")
        if ref is not None and g is not None and ref not in g.action_ids:
            raise ValueError(f"ref {ref!r} is not an offline action item id; use one of {sorted(g.action_ids)} or null")
        return ref

    @model_validator(mode="after")
    def _grounded(self, info: ValidationInfo):
        grounding.check(info, [self.action], self.evidence_ids)
        return self


class EventText(_Out):
    index: int = Field(ge=0, description="the index of the timeline entry this rewords")
    text: str = Field(min_length=1, max_length=300, description="the same event, clearer; same times and numbers")

    @model_validator(mode="after")
    def _same_numbers(self, info: ValidationInfo):
        g = (info.context or {}).get("grounding")
        if g is None:
            return self
        if self.index not in g.timeline_numbers:
            raise ValueError(f"index {self.index} is not a timeline entry")
        problems = g.text_problems(self.text, g.timeline_numbers[self.index])
        if problems:
            raise ValueError("; ".join(problems))
        return self


class NarrativeDraft(_Out):
    executive_summary: CitedText | InsufficientEvidence = Field(
        description="2-3 sentences: what happened, the impact, how it was resolved"
    )
    went_well: list[CitedText] | InsufficientEvidence = Field(description="2-5 things that helped the response")
    went_wrong: list[CitedText] | InsufficientEvidence = Field(description="2-5 things that slowed or worsened it")
    lessons_learned: list[CitedText] | InsufficientEvidence = Field(description="2-5 lessons for other teams")


class AnalysisDraft(_Out):
    five_whys: FiveWhysDraft | InsufficientEvidence
    root_cause: RootCauseDraft | InsufficientEvidence
    contributing_factors: list[FactorDraft] | InsufficientEvidence = Field(description="2-6 conditions that made it worse")


class ActionsDraft(_Out):
    action_items: list[ActionDraft] | InsufficientEvidence = Field(
        description="reword every offline item (ref = its id) and add at most 3 new ones (ref = null)"
    )


class TimelineDraft(_Out):
    timeline: list[EventText] | InsufficientEvidence = Field(description="one rewording per entry you can improve")
