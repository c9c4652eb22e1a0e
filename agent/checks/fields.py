"""The prose fields of a postmortem (as a JSON-like dict), addressed by path: 'five_whys.whys[2].answer'."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# Paths with [] walk every element of a list. Metadata (author, owners, dates) is not prose.
PROSE_PATHS = (
    "title",
    "executive_summary.text",
    "problem_statement",
    "five_whys.problem_statement",
    "five_whys.whys[].question",
    "five_whys.whys[].answer",
    "root_cause.hypothesis",
    "root_cause.confirm_with[]",
    "root_cause.alternatives[]",
    "trigger_candidates[].text",
    "contributing_factors[].title",
    "contributing_factors[].detail",
    "went_well[].text",
    "went_wrong[].text",
    "lessons_learned[].text",
    "action_items[].action",
    "timeline.entries[].text",
    "impact.sla_note",
    "pattern_analysis.recurrence",
    "pattern_analysis.recommendation",
)


class Slot:
    """A place holding one prose string: read it, replace it."""

    def __init__(self, path: str, container: Any, key: Any):
        self.path, self.container, self.key = path, container, key

    @property
    def text(self) -> str:
        return self.container[self.key]

    def set(self, value: str) -> None:
        self.container[self.key] = value


def prose_slots(data: dict) -> Iterator[Slot]:
    """Every non-empty prose string in ``data``, in PROSE_PATHS order."""
    for path in PROSE_PATHS:
        yield from _walk(data, path.split("."), "")


def _walk(node: Any, parts: list[str], prefix: str) -> Iterator[Slot]:
    head, rest = parts[0], parts[1:]
    many = head.endswith("[]")
    key = head.removesuffix("[]")
    if not isinstance(node, dict) or node.get(key) in (None, "", []):
        return
    child = node[key]
    here = f"{prefix}.{key}" if prefix else key
    if not many:
        if rest:
            yield from _walk(child, rest, here)
        elif isinstance(child, str):
            yield Slot(here, node, key)
        return
    for i, item in enumerate(child if isinstance(child, list) else []):
        if rest:
            yield from _walk(item, rest, f"{here}[{i}]")
        elif isinstance(item, str) and item:
            yield Slot(f"{here}[{i}]", child, i)
