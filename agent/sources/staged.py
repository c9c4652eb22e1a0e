"""A staged load: the light sources first, so the caller can mine the logs while the heavy ones parse.

Log mining needs only the incident window (incident.yaml, tickets, alerts, events) and the log
sources. Metrics and chat are most of the load and need neither, so ``load_bundle(on_light=...)``
parses them last. The Bundle must come out exactly as in the classic order (phase by phase, path
order within a phase), which holds because:

- a phase-3 parser reads only what phases 0-2 produce (zone, chat users and channels), so parsing it
  later gives the same records; each parser only appends, so its records are moved back to where the
  classic order puts them;
- the logs (phase 4) read ``reference_time()``: every answer they got must equal the final one.

Anything else (a big JSON file that turns out to be tickets or a log, an answer that moved) makes the
caller parse everything again in the classic order: slower, never different.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from agent.models import FileStatus
from agent.sources.context import Collected
from agent.sources.detect import Detector, Sniff

DEFER_BYTES = 2 * 1024 * 1024  # a whole JSON document this big takes a while just to sniff
HEAVY_KINDS = ("metric", "chat")
LATE_PHASE = 3
LISTS = ("tickets", "events", "alerts", "series", "spans", "chat", "changes", "logs", "warnings")

Plan = tuple[Detector, Sniff]


def deferred_sniff(path: Path) -> bool:
    """Whether to leave a file unsniffed until the light sources are parsed: sniffing a big JSON
    document parses all of it (JSON lines are sniffed from the head, but cannot be told apart by name)."""
    if not path.name.lower().endswith(".json"):
        return False
    try:
        return path.stat().st_size >= DEFER_BYTES
    except OSError:
        return False


def is_heavy(det: Detector) -> bool:
    return det.phase == LATE_PHASE and det.kind in HEAVY_KINDS


@dataclass
class Watched(Collected):
    """A Collected that remembers every ``reference_time()`` it gave (the logs' year depends on it)."""

    asked: list[tuple[str, datetime | None]] = field(default_factory=list)  # (file parsing, answer)
    parsing: str = ""

    def reference_time(self) -> datetime | None:
        answer = super().reference_time()
        self.asked.append((self.parsing, answer))
        return answer


class Staged:
    """One staged load: which plans parse first, what each file appended, and the check at the end."""

    def __init__(self, planned: list[Plan], before: dict[str, FileStatus]):
        self.planned = list(planned)
        self.before = before  # file statuses as classified, to parse again from scratch if need be
        self.light = sorted((p for p in planned if not is_heavy(p[0])), key=lambda p: p[0].phase)
        self.heavy = [p for p in planned if is_heavy(p[0])]
        self.late: list[Plan] = []
        self.out = Watched()
        self.appended: dict[str, dict[str, list]] = {}  # rel -> list name -> the records it appended

    def add(self, planned: list[Plan], before: dict[str, FileStatus], order: list[str]) -> None:
        """Files classified late (deferred sniffs) join the heavy ones; ``order`` is the bundle's."""
        rank = {rel: i for i, rel in enumerate(order)}
        self.before.update(before)
        self.late = list(planned)
        self.planned = sorted(self.planned + self.late, key=lambda p: rank[p[1].rel])
        self.heavy = sorted(self.heavy + self.late, key=lambda p: rank[p[1].rel])

    def parse(self, plans: list[Plan], parse_one) -> None:
        """``parse_one(det, sniff, out)`` for each plan, recording what each file appended."""
        for plan in plans:
            self.appended[plan[1].rel] = _appended(self.out, plan, parse_one)

    def parse_again(self, plan: Plan, parse_one) -> None:
        """Parse one file again against everything parsed so far; its new records replace its old."""
        scratch = replace(self.out, asked=[], **{name: list(getattr(self.out, name)) for name in LISTS})
        self.appended[plan[1].rel] = _appended(scratch, plan, parse_one)

    def stale(self) -> list[Plan]:
        """The files after phase 3 (logs) that read a ``reference_time()`` other than the final one."""
        final = Collected.reference_time(self.out)
        moved = {rel for rel, answer in self.out.asked if answer != final}
        return [p for p in self.planned if p[1].rel in moved and p[0].phase > LATE_PHASE]

    def late_in_phase(self) -> bool:
        """Whether the files sniffed late are all phase 3 (else only the classic order will do)."""
        return all(det.phase == LATE_PHASE for det, _ in self.late)

    def consistent(self) -> bool:
        """Whether every record collected is accounted to the file that appended it, and no phase-3
        file read ``reference_time()`` (in the classic order it sees other phase-3 files' records)."""
        phase = {sn.rel: det.phase for det, sn in self.planned}
        if any(phase.get(rel) == LATE_PHASE for rel, _ in self.out.asked):
            return False
        return all(sum(len(a[name]) for a in self.appended.values()) == len(getattr(self.out, name))
                   for name in LISTS)

    def in_classic_order(self) -> Collected:
        """The collected records, each list in the order the classic load appends them."""
        order = [sn.rel for _, sn in sorted(self.planned, key=lambda p: p[0].phase)]
        for name in LISTS:
            setattr(self.out, name, [x for rel in order for x in self.appended[rel][name]])
        return self.out


def _appended(out: Watched, plan: Plan, parse_one) -> dict[str, list]:
    start = {name: len(getattr(out, name)) for name in LISTS}
    out.parsing = plan[1].rel
    parse_one(*plan, out)
    return {name: getattr(out, name)[start[name]:] for name in LISTS}
