"""The timeline's second ranking pass, once the analysis knows the trigger, the ruled-out changes and the
failure mode: the most important rows (what the report and the scorers read first) become the key moments."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta

from agent import rxcache as rx
from agent.models import Timeline, TimelineEntry

# Phases ranked by how often a reader wants them among the few key moments: onset, detection, recovery and
# resolution first; acknowledgement is routine and the first to drop from a short list.
_PHASE_WEIGHT = {"start": 1.0, "detection": 1.0, "mitigation": 1.0, "resolution": 1.0, "escalation": 0.9,
                 "mitigation_attempt": 0.88, "acknowledgement": 0.8}
_DIAGNOSIS = rx.compile(r"(?i)\b(root cause|confirmed|identified|found the (?:cause|problem|bug)|culprit|"
                        r"narrowed (?:it )?(?:down )?to|caused by|the cause (?:is|was))\b")
_SAME_MOMENT = timedelta(minutes=2)
_HUMAN = {"chat", "ticket", "manual", "note"}


def rank(tl: Timeline, *, key_ids: Iterable[str] = (), quiet_ids: Iterable[str] = (),
         cause: re.Pattern[str] | None = None) -> Timeline:
    """Re-weight rows once the analysis is known, so the most important rows are the key moments.

    ``key_ids``: evidence of the trigger (its row becomes a key moment); ``quiet_ids``: evidence of
    ruled-out changes and baseline noise (never key); ``cause``: wording of the diagnosed failure mode,
    whose first mention by responders is the diagnosis moment. Diagnosis notes ("root cause confirmed")
    rank just below the phases; rows that only repeat a phase's moment, and other changes, rank lower.
    """
    key, quiet = set(key_ids), set(quiet_ids)
    phase_rows = [e for e in tl.entries if e.phase]
    for e in tl.entries:
        e.importance = _reweigh(e, key, quiet, phase_rows)
    for e in [e for e in tl.entries if not e.phase and set(e.evidence_ids) & key][1:]:
        e.importance = 0.8  # the trigger is one key moment, however many rows cite it
    diagnosis = next((e for e in tl.entries if cause is not None and not e.phase and e.source in _HUMAN
                      and tl.start and e.time > tl.start and cause.search(e.text)), None)
    if diagnosis is not None:
        diagnosis.importance = max(diagnosis.importance, 0.9)
    return tl


def _reweigh(e: TimelineEntry, key: set[str], quiet: set[str], phase_rows: list[TimelineEntry]) -> float:
    ids = set(e.evidence_ids)
    if e.phase:
        return _PHASE_WEIGHT.get(e.phase, 1.0)
    if ids & key:
        return 1.0
    if ids and ids <= quiet:
        return min(e.importance, 0.3)
    if _DIAGNOSIS.search(e.text) and not e.text[:1].isdigit():  # folded rows start with their count
        return max(e.importance, 0.9)
    if e.source == "change":
        return min(e.importance, 0.8)  # a change that is not the trigger is context, not a key moment
    if any(abs(p.time - e.time) <= _SAME_MOMENT for p in phase_rows):
        return min(e.importance, 0.75)  # a ticket or metric row repeating the alert's moment
    return e.importance
