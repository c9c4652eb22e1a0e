"""The draft's schedule on several cores: what runs in forked children, and from when.

A big draft's largest pieces of work are mining the logs and parsing metrics and chat. The logs
need only the incident window, which the light sources give, so the miners fork as soon as those
are parsed (``load_and_mine``) and mine while this process parses metrics and chat, then analyses
them, loads the tokenizer and lints the chat. Small bundles fork nothing (``parallel.worth_it``).

Measured and not done: linting the chat in a forked child. Most of the lint's cost is building the
rule set (regexes compiled on first use), which the final clean-up needs in this process anyway, so
a child only did that work twice.
"""

from __future__ import annotations

from pathlib import Path

from agent.evidence import events as ev_mod
from agent.evidence import parallel
from agent.models import Bundle
from agent.sources.bundle import load_bundle


def load_and_mine(path: str | Path) -> tuple[Bundle, parallel.Mining | None]:
    """Load the bundle; the log miners fork as soon as the light sources give the window.

    The job is started from a partial bundle: ``agent.evidence.build`` uses it only if the full
    bundle has the same logs and window (else it mines afresh). The log files' line counts (their
    statuses' ``records``) are taken when the job is collected or closed, which the caller must do
    before it reads them."""
    jobs: list[parallel.Mining] = []

    def start(light: Bundle):
        workers = parallel.worth_it([s.abs_path for s in light.logs]) if light.logs else 0
        if not workers:
            return None
        win = ev_mod.window(light, ev_mod.dedupe(light.events))
        jobs.append(parallel.start(light.logs, window=win, workers=workers))
        return jobs[-1].meanwhile  # the logs' line counts: read while the miners run, not before

    try:
        bundle = load_bundle(path, on_light=start)
    except BaseException:
        for job in jobs:
            job.close()
        raise
    return bundle, (jobs[0] if jobs else None)
