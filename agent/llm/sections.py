"""The drafting prompts: which sections each one owns and the data blocks it is shown.

Four prompts cover every drafted section, so a draft sends four requests when all goes well and
at most ``Settings.llm_max_calls`` when it does not. 45% of the prompt-token budget is for first
tries, split by weight (so even a full round of 429 retries fits); re-asks get the rest. Inside a
prompt the evidence block takes whatever room the other blocks leave.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel

from agent.llm.budget import count_messages, count_tokens
from agent.llm.client import SCHEMA_IN_TEXT
from agent.llm.context import DraftContext, data_block, fit
from agent.llm.prompts import Prompt, PromptError, load_prompt
from agent.llm.schemas import ActionsDraft, AnalysisDraft, NarrativeDraft, TimelineDraft
from agent.models import Postmortem

MIN_EVIDENCE_TOKENS = 300
MILESTONES = 20
ENFORCED = "(enforced by the endpoint; follow the field descriptions)"
FINDINGS_SHARE = 6  # findings get at most 1/6 of a prompt; evidence gets what is left
FIRST_TRY_SHARE = 0.45  # of the prompt-token budget for first tries: a full round of 429s still fits, re-asks get the rest


def first_try_targets(max_prompt_tokens: int, groups: list[Group]) -> dict[str, int]:
    """Prompt tokens each prompt's first try may use, by weight."""
    total = sum(g.weight for g in groups) or 1.0
    return {g.prompt: int(max_prompt_tokens * FIRST_TRY_SHARE * g.weight / total) for g in groups}


def _compact(schema):
    """The schema without titles: the prompt copy is for reading, the response_format copy enforces."""
    if isinstance(schema, dict):
        return {k: _compact(v) for k, v in schema.items() if k != "title"}
    if isinstance(schema, list):
        return [_compact(v) for v in schema]
    return schema


@dataclass(frozen=True)
class Group:
    prompt: str
    output: type[BaseModel]  # must match the prompt file's output_model
    offline: Callable[[Postmortem], dict] | None
    timeline: str  # "milestones", "full" or "none"
    evidence: bool = True
    weight: float = 1.0  # share of the first-try token budget

    def load(self) -> Prompt:
        prompt = load_prompt(self.prompt)
        if prompt.output_model is not self.output:
            raise PromptError(f"{prompt.path.name} names {prompt.output_model}, the code expects {self.output.__name__}")
        return prompt

    @property
    def sections(self) -> tuple[str, ...]:
        return tuple(self.output.model_fields)


def _claims(items) -> list[dict]:
    return [{"text": c.text, "evidence_ids": c.evidence_ids} for c in items]


def _narrative(pm: Postmortem) -> dict:
    return {
        "executive_summary": _claims([pm.executive_summary])[0], "went_well": _claims(pm.went_well),
        "went_wrong": _claims(pm.went_wrong), "lessons_learned": _claims(pm.lessons_learned),
        "root_cause_hypothesis": pm.root_cause.hypothesis,
    }


def _analysis(pm: Postmortem) -> dict:
    return {
        "five_whys": pm.five_whys.model_dump(mode="json"), "root_cause": pm.root_cause.model_dump(mode="json"),
        "trigger_candidates": _claims(pm.trigger_candidates),
        "contributing_factors": [f.model_dump(mode="json") for f in pm.contributing_factors],
    }


def _actions(pm: Postmortem) -> dict:
    return {
        "action_items": [{"id": a.id, "action": a.action, "kind": a.kind, "evidence_ids": a.evidence_ids}
                         for a in pm.action_items],
        "root_cause_hypothesis": pm.root_cause.hypothesis,
        "contributing_factors": [f.title for f in pm.contributing_factors],
    }


GROUPS: tuple[Group, ...] = (
    Group("narrative", NarrativeDraft, _narrative, timeline="milestones", weight=1.0),
    Group("analysis", AnalysisDraft, _analysis, timeline="milestones", weight=1.5),  # the 5-Whys needs the most evidence
    Group("actions", ActionsDraft, _actions, timeline="none", weight=0.9),
    Group("timeline", TimelineDraft, None, timeline="full", evidence=False, weight=0.6),
)


def _timeline_block(ctx: DraftContext, mode: str, token_limit: int) -> str:
    """Milestones only, or every entry that fits: phase-marked entries first, shown in time order."""
    entries = ctx.timeline
    if mode == "milestones":
        marked = [e for e in entries if e.get("phase")]
        return data_block("timeline", marked[:MILESTONES] if marked else entries[:MILESTONES])
    ranked = [e for e in entries if e.get("phase")] + [e for e in entries if not e.get("phase")]
    chosen, _ = fit(ranked, token_limit)
    return data_block("timeline", sorted(chosen, key=lambda e: e["index"]))


def render(group: Group, pm: Postmortem, ctx: DraftContext, *, token_target: int,
           method: str = "json_mode") -> tuple[list[tuple[str, str]], int]:
    """The messages for ``group`` and how many evidence items did not fit ``token_target``.

    The schema goes into the text only when the endpoint does not enforce it (``json_mode``, ``prompt``)."""
    prompt = group.load()
    schema = prompt.output_model.model_json_schema()
    variables = {
        "rules": load_prompt("rules").fragment(),
        "incident": data_block("incident", ctx.incident),
        "schema": json.dumps(_compact(schema), separators=(",", ":")) if method in SCHEMA_IN_TEXT else ENFORCED,
    }
    wire = 0 if method in SCHEMA_IN_TEXT else count_tokens(json.dumps(schema, separators=(",", ":")))
    if group.offline is not None:
        variables["offline"] = data_block("offline_draft", ctx.redacted(group.offline(pm)))
    if group.timeline == "milestones":
        variables["timeline"] = _timeline_block(ctx, group.timeline, 0)
    if group.timeline == "full":
        fixed = count_messages(prompt.render(**variables, timeline="")) + wire
        variables["timeline"] = _timeline_block(ctx, "full", max(token_target - fixed, MIN_EVIDENCE_TOKENS))
    if not group.evidence:
        return prompt.render(**variables), 0
    variables["findings"] = ctx.findings_block(token_target // FINDINGS_SHARE)
    fixed = count_messages(prompt.render(**variables, evidence=data_block("evidence", []))) + wire
    evidence, dropped = ctx.evidence_block(max(token_target - fixed, MIN_EVIDENCE_TOKENS))
    return prompt.render(**variables, evidence=evidence), dropped

