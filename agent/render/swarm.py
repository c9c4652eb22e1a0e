"""The swarm driver's markdown card at <swarm-dir>/memory/position_cards/<workflow_id>/<NN>_<agent_id>.md,
with the headings SWARM.md lists, in order, and ``validate`` doing the driver's checks."""

from __future__ import annotations

import re
from pathlib import Path

from agent.errors import UsageError
from agent.models import PositionCard
from agent.render.card import CardOptions, cost_level, reversibility_level

HEADINGS = ("Claims", "Plan", "Evidence pointers", "Risks", "Confidence", "Cost", "Reversibility",
            "Invariant violations", "Required approvals", "Agent Metadata", "Next Steps")
STATUSES = ("COMPLETE", "WAITING_FOR_APPROVAL", "FAIL", "ERROR")


def card_path(swarm_dir: Path, workflow_id: str, step: int | str | None, options: CardOptions) -> Path:
    """Where the driver polls for this agent's card."""
    if not re.fullmatch(r"[\w.-]+", workflow_id or ""):
        raise UsageError(f"--workflow-id {workflow_id!r}: use letters, digits, '_', '-' or '.'")
    step_no = options.default_step if step is None else step
    try:
        nn = f"{int(step_no):02d}"
    except ValueError as exc:
        raise UsageError(f"--step {step_no!r}: expected a number such as 02") from exc
    return Path(swarm_dir) / "memory" / "position_cards" / workflow_id / f"{nn}_{options.agent_id}.md"


def render(card: PositionCard, *, workflow_id: str, step: str, options: CardOptions, duration: str) -> str:
    approvals = [v for v in card.invariant_violations if v.requires_approval]
    status = "WAITING_FOR_APPROVAL" if approvals else "COMPLETE"
    sections = {
        "Claims": [f"- {c}" for c in card.claims],
        "Plan": [f"- **{p.action}**: {p.rationale}" for p in card.plan],
        "Evidence pointers": [f"- {p}" for p in card.evidence_pointers],
        "Risks": [f"- [{r.severity}] {r.description}. Mitigation: {r.mitigation}. Residual: {r.residual_risk}."
                  for r in card.risks] or ["- None identified"],
        "Confidence": [f"{card.confidence:.2f}"],
        "Cost": [cost_level(card.cost)],
        "Reversibility": [reversibility_level(card.reversibility)],
        "Invariant violations": [f"- {v.invariant_id}: {v.description} ({v.justification})"
                                 for v in card.invariant_violations] or ["- None"],
        "Required approvals": [f"- {v.invariant_id}: approve {v.description}" for v in approvals] or ["- None"],
        "Agent Metadata": [f"- **Agent ID:** {options.agent_id}", f"- **Workflow ID:** {workflow_id}",
                           f"- **Step Number:** {step}", f"- **Timestamp:** {card.timestamp:%Y-%m-%dT%H:%M:%SZ}",
                           f"- **Duration:** {duration}"],
        "Next Steps": [f"- **Next Agent:** {options.next_agent}", f"- **Status:** {status}"],
    }
    lines = [f"# Position Card: {options.agent_id}", ""]
    for h in HEADINGS:
        lines += [f"## {h}", "", *sections[h], ""]
    return "\n".join(lines)


def validate(text: str, *, base: Path | None = None) -> list[str]:
    """The driver's checks: problems found, empty when the card is valid."""
    problems = []
    found = re.findall(r"^## (.+?)\s*$", text, re.M)
    if [h for h in found if h in HEADINGS] != list(HEADINGS):
        problems.append(f"headings out of order or missing: {found}")
    body = {h: _section(text, h) for h in HEADINGS}
    for h in ("Claims", "Plan"):
        if not re.search(r"^- \S", body[h], re.M):
            problems.append(f"{h} is empty")
    for p in re.findall(r"^- (.+)$", body["Evidence pointers"], re.M):
        if base is not None and not (base / p).exists() and not Path(p).exists():
            problems.append(f"evidence pointer does not exist: {p}")
    try:
        if not 0.0 <= float(body["Confidence"].strip()) <= 1.0:
            problems.append("confidence outside [0, 1]")
    except ValueError:
        problems.append(f"confidence is not a number: {body['Confidence'].strip()!r}")
    if body["Cost"].strip() not in ("Low", "Med", "High"):
        problems.append("cost not Low|Med|High")
    if body["Reversibility"].strip() not in ("Easy", "Med", "Hard"):
        problems.append("reversibility not Easy|Med|Hard")
    status = re.search(r"\*\*Status:\*\* (\S+)", body["Next Steps"])
    if not status or status.group(1) not in STATUSES:
        problems.append("Next Steps has no valid Status")
    return problems


def _section(text: str, heading: str) -> str:
    m = re.search(rf"^## {re.escape(heading)}\s*\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    return m.group(1) if m else ""
