"""Grounding: does every claim cite evidence that exists and points at a real place in the bundle?

An evidence item resolves when its source file exists in the bundle and
- a ``file:line`` pointer (or ``line``) names a non-empty line within the file;
- a ``series@time`` pointer's series name occurs in the file;
- an ``alert:<fingerprint>`` pointer's fingerprint occurs in the file, or its ``line`` is a real line (formats
  without fingerprints, where the loader derives one).
A claim is grounded when it cites at least one evidence ID and every cited ID resolves. Action items of kind
"process" are not claims about the incident and are left out.
"""

from __future__ import annotations

import re
from pathlib import Path

from agent.models import Evidence, Postmortem

FILE_LINE = re.compile(r"^([^@]+):(\d+)$")


def claims(pm: Postmortem) -> list[tuple[str, list[str]]]:
    """(where, evidence_ids) for every claim-bearing item of the report."""
    out = [("executive_summary", pm.executive_summary.evidence_ids)]
    out += [(f"timeline[{i}]", e.evidence_ids) for i, e in enumerate(pm.timeline.entries)]
    out += [(f"impact[{r.metric}]", r.evidence_ids) for r in pm.impact.rows]
    out += [(f"why[{i + 1}]", w.evidence_ids) for i, w in enumerate(pm.five_whys.whys)]
    out.append(("root_cause", pm.root_cause.evidence_ids))
    for name in ("trigger_candidates", "went_well", "went_wrong", "lessons_learned"):
        out += [(f"{name}[{i}]", c.evidence_ids) for i, c in enumerate(getattr(pm, name))]
    out += [(f"contributing_factors[{i}]", c.evidence_ids) for i, c in enumerate(pm.contributing_factors)]
    # Process items ("hold the review meeting") state no fact about the incident, so they need no evidence.
    out += [(a.id, a.evidence_ids) for a in pm.action_items if a.kind != "process"]
    return out


class BundleFiles:
    """Lazy, cached view of the bundle's files for pointer checks."""

    def __init__(self, root: Path):
        self.root = root
        self._lines: dict[str, list[str] | None] = {}

    def lines(self, rel: str) -> list[str] | None:
        if rel not in self._lines:
            path = (self.root / rel).resolve()
            ok = path.is_file() and self.root.resolve() in path.parents
            self._lines[rel] = path.read_text(errors="replace").splitlines() if ok else None
        return self._lines[rel]

    def contains(self, rel: str, needle: str) -> bool:
        lines = self.lines(rel)
        return lines is not None and any(needle in ln for ln in lines)

    def anywhere(self, needle: str) -> bool:
        return any(self.contains(str(p.relative_to(self.root)), needle)
                   for p in self.root.rglob("*") if p.is_file() and p.stat().st_size < 5_000_000)


def resolves(ev: Evidence, files: BundleFiles) -> bool:
    lines = files.lines(ev.source_file)
    pointer = ev.pointer
    if pointer.startswith("alert:"):
        # Alertmanager payloads carry the fingerprint; for other alert formats it is derived, so the line decides.
        fp = pointer.split(":", 1)[1]
        if lines is None:
            return files.anywhere(fp)
        return files.contains(ev.source_file, fp) or _line_ok(lines, ev.line)
    if lines is None:
        return False
    if "@" in pointer and not FILE_LINE.match(pointer):
        series = pointer.split("@", 1)[0].split("{", 1)[0]
        return bool(series) and files.contains(ev.source_file, series)
    line = ev.line or _pointer_line(pointer)
    return True if line is None else _line_ok(lines, line)


def _line_ok(lines: list[str], line: int | None) -> bool:
    return line is not None and 1 <= line <= len(lines) and bool(lines[line - 1].strip())


def _pointer_line(pointer: str) -> int | None:
    m = FILE_LINE.match(pointer)
    return int(m.group(2)) if m else None


def grounding(pm: Postmortem, bundle: Path) -> tuple[float, list[str]]:
    """(share of grounded claims, descriptions of the ungrounded ones)."""
    files = BundleFiles(bundle)
    ok_ids = {e.id for e in pm.evidence if resolves(e, files)}
    all_claims = claims(pm)
    bad = [f"{where}: {ids or 'no evidence'}" for where, ids in all_claims if not ids or not set(ids) <= ok_ids]
    rate = 1 - len(bad) / len(all_claims) if all_claims else 0.0
    return rate, bad
