"""LLM-refined sections. PLACEHOLDER interface, owned by the LLM work (issue 5)."""

from __future__ import annotations

from agent.models import EvidencePack, Postmortem
from agent.settings import Settings


def refine(pm: Postmortem, pack: EvidencePack, *, settings: Settings, client=None) -> Postmortem:
    """Return ``pm`` with prose sections redrafted by the model; falls back per section, never raises."""
    return pm
