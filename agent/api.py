"""The one entry point the CLI, the swarm driver and the eval harness all call.

Stages: load -> evidence -> timeline -> impact -> offline analysis -> (LLM refine) -> pattern analysis
-> blameless clean-up -> render. Everything after loading is a pure function of the bundle, so the
same bundle gives byte-identical outputs.
"""

from __future__ import annotations

import time
from pathlib import Path

from agent import collector
from agent.analysis.assemble import assemble
from agent.checks import blameless
from agent.library.api import open_library
from agent.models import Bundle, EvidencePack, Postmortem
from agent.render import ics
from agent.render.outputs import CardOptions, write_outputs
from agent.settings import Settings


def run_postmortem(bundle: str | Path | Bundle, *, settings: Settings | None = None, out_dir: Path | str | None = None,
                   swarm_dir: Path | str | None = None, workflow_id: str | None = None, step: int | str | None = None,
                   add_to_library: bool = False, library=None, llm=None, pack: EvidencePack | None = None,
                   card_options: CardOptions | None = None, progress: bool = False) -> Postmortem:
    """Draft the postmortem for ``bundle`` (a path, archive or loaded Bundle); write outputs to ``out_dir``.

    ``library`` and ``llm`` override the configured ones (tests and evals inject fakes); ``pack`` skips
    the evidence stage. With ``swarm_dir`` and ``workflow_id`` the swarm driver's card is written too.
    """
    with collector.paused():  # every stage allocates in bulk and frees nothing cyclic before the end
        settings = settings or Settings()
        started = time.perf_counter()  # a duration for the swarm card's metadata, never a timestamp
        loaded = bundle if isinstance(bundle, Bundle) else _load(bundle)
        early: list = []  # chat flags need no log results: found while the logs are mined elsewhere
        if pack is None:
            from agent import evidence

            pack = evidence.build(loaded, budget_tokens=settings.token_budget, progress=progress,
                                  while_mining=lambda: early.append(blameless.flag_chat(loaded.chat)))
        flags = _cite_flags(early[0] if early else blameless.flag_chat(loaded.chat), _chat_evidence(loaded, pack))
        pm = assemble(loaded, pack, settings=settings, exclude={f.ts for f in flags} | {f.evidence_id for f in flags
                                                                                     if f.evidence_id})
        if settings.llm != "offline":
            # the LLM stack loads only when an LLM is configured
            from agent.analysis import drafted

            pm = drafted.refine(pm, pack, settings=settings, client=llm)
        lib = library if library is not None else open_library(settings)
        if lib is not None:
            pm.pattern_analysis = lib.pattern_analysis(pm)
        pm = blameless.clean_postmortem(pm)
        pm.chat_flags = flags
        if pm.follow_up_meeting is None:  # the seed's rule: a review meeting within 3 days of the incident
            pm.follow_up_meeting = ics.meeting_slot(pm)
        if add_to_library and lib is None:
            pm.notes.append("--add-to-library was given but no incident library is configured; nothing was added.")
        if out_dir is not None:
            write_outputs(pm, Path(out_dir), swarm_dir=Path(swarm_dir) if swarm_dir else None,
                          workflow_id=workflow_id, step=step, options=card_options,
                          duration=f"{time.perf_counter() - started:.1f}s")
        if add_to_library and lib is not None:
            lib.add(pm)
        return pm


def _load(path: str | Path) -> Bundle:
    from agent.sources import load_bundle

    return load_bundle(path)


def _cite_flags(flags: list, ids: dict[str, str]) -> list:
    """What ``flag_chat(chat, ids)`` gives, from flags found without the ids."""
    return [f.model_copy(update={"evidence_id": ids.get(f.ts)}) for f in flags]


def _chat_evidence(bundle: Bundle, pack: EvidencePack) -> dict[str, str]:
    """Slack ts -> evidence id, for chat messages the pack cites."""
    by_place = {(e.source_file, e.line): e.id for e in pack.evidence if e.kind == "chat"}
    out = {}
    for m in bundle.chat:
        eid = by_place.get((m.source_file, m.line))
        if eid:
            out[m.ts] = eid
    return out
