"""Incident library facade. PLACEHOLDER interface, owned by the library work (issue 6)."""

from __future__ import annotations

from agent.models import PatternAnalysis, Postmortem
from agent.settings import Settings


class Library:
    def pattern_analysis(self, pm: Postmortem) -> PatternAnalysis:
        return PatternAnalysis()

    def add(self, pm: Postmortem) -> str:
        raise NotImplementedError


def open_library(settings: Settings) -> Library | None:
    """The configured library, or None when none is configured."""
    return None
