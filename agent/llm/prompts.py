"""Prompts are files: ``prompts/<name>.v<N>.yaml`` with ``system``, ``user`` and ``output_model``.

Rendering is strict: a variable the template names but the caller did not pass is an error,
and so is a variable the caller passed that the template never uses (a typo on either side).
Templates use ``${var}``; a literal dollar sign is written ``$$``.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from string import Template

import yaml
from pydantic import BaseModel

from agent.errors import PostmortemError

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
_FILE = re.compile(r"^(?P<name>[a-z_]+)\.v(?P<version>\d+)\.yaml$")


class PromptError(PostmortemError):
    """A prompt file is missing, malformed, or rendered with the wrong variables (a bug: exit 1)."""


@dataclass(frozen=True)
class Prompt:
    name: str
    version: int
    system: str
    user: str
    output_model: type[BaseModel] | None
    path: Path

    @property
    def id(self) -> str:
        return f"{self.name}.v{self.version}"

    def render(self, **variables: str) -> list[tuple[str, str]]:
        """The chat messages, or ``PromptError`` if the variables do not match the templates exactly."""
        wanted = _identifiers(self.system) | _identifiers(self.user)
        missing, unused = wanted - variables.keys(), variables.keys() - wanted
        if missing or unused:
            raise PromptError(f"{self.path.name}: missing variables {sorted(missing)}, unused {sorted(unused)}")
        messages = [("system", Template(self.system).substitute(variables))] if self.system.strip() else []
        return messages + [("user", Template(self.user).substitute(variables))]

    def fragment(self, **variables: str) -> str:
        """The rendered ``user`` text alone, for prompts that are pieces of others (rules, re-asks)."""
        return self.render(**variables)[-1][1]


def _identifiers(template: str) -> set[str]:
    t = Template(template)
    if not t.is_valid():
        raise PromptError(f"invalid placeholder in template: {template[:60]!r}...")
    return set(t.get_identifiers())


@lru_cache(maxsize=64)
def load_prompt(name: str, version: int | None = None, root: Path = PROMPTS_DIR) -> Prompt:
    """The prompt ``name`` at ``version`` (default: the highest version on disk)."""
    versions = {int(m["version"]): p for p in root.glob(f"{name}.v*.yaml") if (m := _FILE.match(p.name))}
    if not versions:
        raise PromptError(f"no prompt file {name}.v<N>.yaml in {root}")
    chosen = version if version is not None else max(versions)
    if chosen not in versions:
        raise PromptError(f"prompt {name} has no version {chosen}; found {sorted(versions)}")
    return _parse(versions[chosen], name, chosen)


def _parse(path: Path, name: str, version: int) -> Prompt:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PromptError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("name") != name or doc.get("version") != version:
        raise PromptError(f"{path}: needs 'name: {name}' and 'version: {version}' matching the file name")
    if not isinstance(doc.get("user"), str):
        raise PromptError(f"{path}: needs a 'user' template")
    return Prompt(
        name=name, version=version, system=doc.get("system") or "", user=doc["user"],
        output_model=_resolve_model(doc.get("output_model"), path), path=path,
    )


def _resolve_model(ref: str | None, path: Path) -> type[BaseModel] | None:
    """``agent.llm.schemas:NarrativeDraft`` -> the class; only agent.* modules are importable."""
    if ref is None:
        return None
    module, _, attr = str(ref).partition(":")
    if not module.startswith("agent.") or not attr:
        raise PromptError(f"{path}: output_model must look like 'agent.module:ClassName', got {ref!r}")
    model = getattr(importlib.import_module(module), attr, None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise PromptError(f"{path}: output_model {ref!r} is not a pydantic model")
    return model
