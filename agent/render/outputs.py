"""Writing a draft to disk: every output is rendered first, then the set is staged in a temp dir and
moved into place, so a failure never leaves half a report."""

from __future__ import annotations

import os
from pathlib import Path

from agent.models import Postmortem
from agent.render import card as card_mod
from agent.render import ics, jsonout, markdown, swarm
from agent.render.atomic import staged_dir, write_text
from agent.render.card import CardOptions

REPORT, JSON, CARD, INVITE = "postmortem.md", "postmortem.json", "position_card.yaml", "review-meeting.ics"


def write_outputs(pm: Postmortem, out_dir: Path, *, swarm_dir: Path | None = None, workflow_id: str | None = None,
                  step: int | str | None = None, options: CardOptions | None = None,
                  duration: str = "n/a") -> dict[str, Path]:
    """Write postmortem.md, postmortem.json, position_card.yaml (and ics, and the swarm card); return paths."""
    opts = options or CardOptions.load()
    out_dir = Path(out_dir)
    swarm_path = swarm.card_path(swarm_dir, workflow_id, step, opts) if swarm_dir and workflow_id else None
    texts = {REPORT: markdown.render(pm), JSON: jsonout.render(pm)}
    card = card_mod.build_card(pm, [str(out_dir / REPORT), str(out_dir / JSON)], opts)
    texts[CARD] = card_mod.render_yaml(card)
    with staged_dir(out_dir) as stage:
        for name, text in texts.items():
            (stage / name).write_text(text, encoding="utf-8", newline="\n")
        _write_ics(pm, stage)
    paths = {name: out_dir / name for name in texts}
    if (out_dir / INVITE).exists():
        paths[INVITE] = out_dir / INVITE
    if swarm_path is not None:
        base = Path(swarm_dir).resolve().parent
        swarm_card = card.model_copy(update={"evidence_pointers": [_pointer(p, base) for p in paths.values()]})
        nn = swarm_path.name.split("_", 1)[0]
        write_text(swarm_path, swarm.render(swarm_card, workflow_id=workflow_id, step=nn, options=opts,
                                            duration=duration))
        paths["swarm_card"] = swarm_path
    return paths


def _pointer(path: Path, base: Path) -> str:
    """Repo-relative when the file is under the swarm dir's parent (the repo), else absolute."""
    full = path.resolve()
    try:
        return str(full.relative_to(base))
    except ValueError:
        return os.fspath(full)


def _write_ics(pm: Postmortem, stage: Path) -> None:
    if pm.follow_up_meeting is not None:
        ics.write_ics(pm, stage / INVITE)
