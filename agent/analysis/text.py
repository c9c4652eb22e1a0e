"""The offline draft's sentence templates (agent/data/offline_text.yaml), filled strictly."""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

# libyaml's loader when PyYAML was built with it: the same documents, ten times faster than pure Python.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
TEXT_FILE = Path(__file__).resolve().parents[1] / "data" / "offline_text.yaml"  # as agent/checks finds its data


@lru_cache(maxsize=1)
def templates() -> dict[str, Any]:
    text = TEXT_FILE.read_text(encoding="utf-8")
    return yaml.load(text, Loader=_LOADER)


def get(*path: str) -> Any:
    node: Any = templates()
    for key in path:
        node = node[key]
    return node


def by_category(section: str, category: str, default_key: str = "default") -> str:
    node = get(section)
    return node.get(category) or node[default_key]


def fill(template: str, values: dict[str, Any]) -> str:
    """Format ``template``; a placeholder without a value raises KeyError (a template bug)."""
    needed = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    missing = needed - values.keys()
    if missing:
        raise KeyError(f"template needs {sorted(missing)}: {template!r}")
    return template.format(**{k: values[k] for k in needed})
