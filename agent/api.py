"""The one entry point the CLI, the swarm driver and the eval harness all call.

Stages: load -> evidence -> timeline -> impact -> offline analysis -> (LLM refine) -> pattern analysis
-> blameless clean-up -> render. Everything after loading is a pure function of the bundle, so the
same bundle gives byte-identical outputs.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from agent import collector
from agent.models import Bundle, EvidencePack, Postmortem
from agent.settings import Settings

if TYPE_CHECKING:
    from agent.evidence.parallel import Mining
    from agent.render.outputs import CardOptions


def run_postmortem(bundle: str | Path | Bundle, *, settings: Settings | None = None, out_dir: Path | str | None = None,
                   swarm_dir: Path | str | None = None, workflow_id: str | None = None, step: int | str | None = None,
                   add_to_library: bool = False, library=None, llm=None, pack: EvidencePack | None = None,
                   card_options: CardOptions | None = None, progress: bool = False) -> Postmortem:
    """Draft the postmortem for ``bundle`` (a path, archive or loaded Bundle); write outputs to ``out_dir``.

    ``library`` and ``llm`` override the configured ones (tests and evals inject fakes); ``pack`` skips
    the evidence stage. With ``swarm_dir`` and ``workflow_id`` the swarm driver's card is written too.
    """
    with collector.paused():  # every stage allocates in bulk and frees nothing cyclic before the end
        # The loaded bundle and the other intermediates die with _draft's frame, before the collector
        # resumes: its first collection then walks what survives the draft, not the whole bundle.
        return _draft(bundle, settings=settings or Settings(), out_dir=out_dir, swarm_dir=swarm_dir,
                      workflow_id=workflow_id, step=step, add_to_library=add_to_library, library=library, llm=llm,
                      pack=pack, card_options=card_options, progress=progress)


def _draft(bundle: str | Path | Bundle, *, settings: Settings, out_dir: Path | str | None,
           swarm_dir: Path | str | None, workflow_id: str | None, step: int | str | None, add_to_library: bool,
           library, llm, pack: EvidencePack | None, card_options: CardOptions | None, progress: bool) -> Postmortem:
    started = time.perf_counter()  # a duration for the swarm card's metadata, never a timestamp
    loaded, mining = _load(bundle, mine=pack is None)
    # imported only now, so that on a big bundle this overlaps the log miners (forked while loading)
    from agent.analysis.assemble import assemble
    from agent.checks import blameless

    pack, flags, ahead = _evidence(loaded, mining, pack, settings=settings, progress=progress)
    pm = assemble(loaded, pack, settings=settings, exclude={f.ts for f in flags} | {f.evidence_id for f in flags
                                                                                 if f.evidence_id},
                  departures=ahead.departures if ahead else None)
    if settings.llm != "offline":
        # the LLM stack loads only when an LLM is configured
        from agent.analysis import drafted

        pm = drafted.refine(pm, pack, settings=settings, client=llm)
    from agent.library.opening import open_library
    from agent.render import ics
    from agent.render.outputs import write_outputs

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


def _load(bundle: str | Path | Bundle, *, mine: bool) -> tuple[Bundle, Mining | None]:
    """The loaded bundle, and the log mining started while loading it when ``mine`` (and it pays)."""
    if isinstance(bundle, Bundle):
        return bundle, None
    if mine:
        from agent.evidence import schedule

        return schedule.load_and_mine(bundle)
    from agent.sources import load_bundle

    return load_bundle(bundle), None


def _evidence(loaded: Bundle, mining: Mining | None, pack: EvidencePack | None, *, settings: Settings,
              progress: bool) -> tuple[EvidencePack, list, _HeadStart | None]:
    """The evidence pack (unless given), the chat's blame flags, cited, and the head start made while
    the logs were mined elsewhere, if they were.

    The chat lint stays in this process, run while the logs are mined elsewhere: most of its cost is
    building the rule set, which the clean-up needs here anyway (a forked lint measured no faster)."""
    from agent.checks import blameless

    early: list[_HeadStart] = []
    try:
        if pack is None:
            from agent import evidence

            pack = evidence.build(loaded, budget_tokens=settings.token_budget, progress=progress, mining=mining,
                                  while_mining=lambda: early.append(_meanwhile(loaded)))
    finally:
        if mining is not None:
            mining.close()
    ahead = early[0] if early else None
    flags = ahead.flags if ahead else blameless.flag_chat(loaded.chat)
    return pack, _cite_flags(flags, _chat_evidence(loaded, pack)), ahead


_TAIL_MODULES = ("agent.library.opening", "agent.render.ics", "agent.render.outputs")  # what _draft imports last


@dataclass
class _HeadStart:
    flags: list  # the chat's blame flags, not yet cited
    departures: list  # agent.analysis.assemble.departures(bundle)


def _meanwhile(loaded: Bundle) -> _HeadStart:
    """The chat's blame flags, and a head start on the work after the evidence stage: all of it waits
    for the logs, which are mined elsewhere meanwhile. The metric departures are worked out, the later
    modules imported and the draft clean-up's common regexes compiled now, so less is left for when
    the logs arrive."""
    from agent.analysis import assemble, text
    from agent.checks import blameless

    ahead = _HeadStart(blameless.flag_chat(loaded.chat), assemble.departures(loaded))
    for name in _TAIL_MODULES:
        importlib.import_module(name)
    text.templates()
    blameless.warm_clean()
    return ahead


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
