"""Stage 4b: LLM-refined sections on top of the offline draft, never worse than it.

``refine`` shows the model a redacted view of the pack and the offline draft (``agent.llm.context``),
asks four structured prompts in parallel (``agent.llm.sections``), validates and grounds every
section (``agent.llm.structured``), and merges what passed. Any section that fails keeps its
offline text, and ``pm.sections`` / ``pm.notes`` say so. Times, impact numbers, owners, deadlines
and statuses are never taken from the model.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from agent.errors import LLMError
from agent.llm import make_client, merge
from agent.llm.budget import Budget
from agent.llm.client import ChatClient
from agent.llm.context import DraftContext, build
from agent.llm.prompts import load_prompt
from agent.llm.schemas import InsufficientEvidence
from agent.llm.sections import GROUPS, Group, first_try_targets, render
from agent.llm.structured import Outcome, Policy, ask
from agent.models import EvidencePack, Postmortem, SectionSource
from agent.settings import Settings


@dataclass
class _GroupResult:
    group: Group
    outcome: Outcome = field(default_factory=Outcome)
    dropped_evidence: int = 0


def refine(pm: Postmortem, pack: EvidencePack, *, settings: Settings, client: ChatClient | None = None) -> Postmortem:
    """Return ``pm`` with prose sections redrafted by the model; falls back per section, never raises."""
    budget = Budget(max_calls=settings.llm_max_calls, max_prompt_tokens=settings.llm_max_prompt_tokens)
    try:
        client = client or make_client(settings)
    except LLMError as exc:
        return _all_fallback(pm, f"the model could not be set up: {exc}", budget, settings.llm)
    try:
        return _refine(pm, pack, settings=settings, client=client, budget=budget)
    except Exception as exc:  # noqa: BLE001 - the contract: a bug here must still leave the offline draft
        return _all_fallback(pm, f"internal error while drafting: {type(exc).__name__}: {exc}", budget, client.name)


def _refine(pm: Postmortem, pack: EvidencePack, *, settings: Settings, client: ChatClient, budget: Budget) -> Postmortem:
    ctx = build(pm, pack)
    groups = [g for g in GROUPS if g.prompt != "timeline" or pm.timeline.entries]
    targets = first_try_targets(settings.llm_max_prompt_tokens, groups)
    policy = Policy(max_tries=max(1, settings.llm_max_tries), max_retries=max(0, settings.llm_max_retries),
                    backoff_s=settings.llm_backoff_s)
    budget.reserve(len(groups), max(targets.values()))
    with ThreadPoolExecutor(max_workers=max(1, settings.llm_concurrency)) as pool:
        results = list(pool.map(lambda g: _run_group(g, pm, ctx, client, budget, policy, targets[g.prompt]), groups))
    out = pm.model_copy(deep=True)
    for result in results:
        _apply(out, result, ctx, client)
    out.notes += [f"Evidence {eid} contains text addressed to a model (possible prompt injection); "
                  "it was given to the model as data only." for eid in ctx.flagged]
    out.llm_usage = _usage(budget, client, results)
    out.notes.append(_summary(out, client))
    return out


def _summary(pm: Postmortem, client: ChatClient) -> str:
    """One line for the report: which sections the model wrote and which came from the evidence alone."""
    by_model = [s.section for s in pm.sections if s.drafted_by == "llm"]
    other = [s.section for s in pm.sections if s.drafted_by != "llm"]
    u = pm.llm_usage
    return (f"Drafted by the model {client.name} (every claim checked against the cited evidence): "
            f"{', '.join(by_model) or 'none'}. From the evidence alone: {', '.join(other) or 'none'}. "
            f"Model usage: {u['calls']} calls, {u['retries']} retries, {u['reasks']} re-asks, "
            f"{u['prompt_tokens']} prompt tokens.")


def _run_group(group: Group, pm: Postmortem, ctx: DraftContext, client: ChatClient, budget: Budget,
               policy: Policy, target: int) -> _GroupResult:
    result = _GroupResult(group)
    rendered: dict[str, list[tuple[str, str]]] = {}

    def messages_for(method: str) -> list[tuple[str, str]]:
        if method not in rendered:
            rendered[method], result.dropped_evidence = render(group, pm, ctx, token_target=target, method=method)
        return rendered[method]

    try:
        prompt = group.load()
        result.outcome = ask(client, messages_for, prompt.output_model, grounding=ctx.grounding, budget=budget,
                             prompt_id=prompt.id, reask=load_prompt("reask"), policy=policy)
    except LLMError as exc:
        known = getattr(exc, "failed", None) or {}
        result.outcome.failed = {s: (known.get(s) or str(exc))[:400] for s in group.sections}
    except Exception as exc:  # noqa: BLE001 - one broken prompt must not cost the other sections
        result.outcome.failed = {s: f"internal error: {type(exc).__name__}: {exc}"[:400] for s in group.sections}
    return result


def _apply(pm: Postmortem, result: _GroupResult, ctx: DraftContext, client: ChatClient) -> None:
    for section, value in result.outcome.accepted.items():
        prompt_id = result.group.load().id
        if isinstance(value, InsufficientEvidence):
            note = f"the model reported insufficient evidence ({ctx.redactor.redact(value.insufficient_evidence)[:200]}); offline draft kept"
            _mark(pm, section, "evidence", note)
            continue
        merge.apply(pm, section, value, ctx.redactor.redact)
        dropped = result.outcome.dropped.get(section)
        extra = f"; {dropped} ungrounded item(s) dropped" if dropped else ""
        _mark(pm, section, "llm", f"drafted by {client.name} with prompt {prompt_id}, grounded in cited evidence{extra}")
    for section, reason in result.outcome.failed.items():
        _fallback(pm, section, ctx.redactor.redact(reason))  # an error body may echo the key or the data


def _fallback(pm: Postmortem, section: str, reason: str) -> None:
    _mark(pm, section, "fallback", f"model output not used: {reason}")
    pm.notes.append(f"LLM fallback: section '{section}' is the offline draft ({reason[:200]}).")


def _mark(pm: Postmortem, section: str, drafted_by: str, note: str) -> None:
    key = section.lower().replace(" ", "_").replace("-", "_")
    kept = [s for s in pm.sections if s.section.lower().replace(" ", "_").replace("-", "_") != key]
    pm.sections = [*kept, SectionSource(section=section, drafted_by=drafted_by, note=note)]


def _all_fallback(pm: Postmortem, reason: str, budget: Budget, model: str) -> Postmortem:
    out = pm.model_copy(deep=True)
    for group in GROUPS:
        for section in group.sections:
            _mark(out, section, "fallback", f"model output not used: {reason}")
    out.notes.append(f"LLM fallback: every section is the offline draft because {reason}.")
    out.llm_usage = {**budget.as_usage(), "model": model, "sections_answered": 0}
    return out


def _usage(budget: Budget, client: ChatClient, results: list[_GroupResult]) -> dict[str, int | float | str]:
    llm = sum(len(r.outcome.accepted) for r in results)
    failed = sum(len(r.outcome.failed) for r in results)
    return {
        **budget.as_usage(),
        "model": client.name,
        "endpoint": getattr(client, "label", client.name),
        "structured_method": client.structured_method,
        "prompts": ",".join(r.group.load().id for r in results),
        "sections_answered": llm,
        "sections_fallback": failed,
        "evidence_left_out": max((r.dropped_evidence for r in results), default=0),
    }
