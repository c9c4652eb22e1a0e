"""Blameless-language linter. PLACEHOLDER interface, owned by the checks work (issue 7)."""

from __future__ import annotations

from agent.models import ChatFlag, ChatMessage, LintFinding, Postmortem


def lint_text(text: str, *, config: dict | None = None) -> list[LintFinding]:
    """Findings for ``text``; line numbers are 1-based lines of ``text``."""
    return []


def clean_postmortem(pm: Postmortem) -> Postmortem:
    """Rewrite or drop blameful sentences in every prose field; record findings in pm.lint_findings."""
    return pm


def flag_chat(messages: list[ChatMessage], evidence_ids: dict[str, str] | None = None) -> list[ChatFlag]:
    """Blameful chat remarks for the reviewer. ``evidence_ids`` maps Slack ts -> evidence id."""
    return []
