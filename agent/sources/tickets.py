"""Helpers shared by the ticket parsers (PagerDuty, Opsgenie, JIRA, Datadog)."""

from __future__ import annotations

import re

from agent import rxcache as rx
from agent.models import TicketInfo
from agent.sources.context import Collected

_ROLLBACK = rx.compile(r"(?i)\b(roll(?:ed|ing)?[ -]?back|revert(?:ed|ing)?|downgrad\w*)\b")
_CONFIG = rx.compile(r"(?i)\b(config(?:uration)?|feature[ -]?flag|flag|setting|toggle|terraform|helm values|"
                     r"timeout|limit|threshold|env(?:ironment)? var\w*)\b")


def add_ticket(out: Collected, ticket: TicketInfo) -> TicketInfo:
    """Add a ticket, or fill the gaps of one already seen with the same system and id."""
    for old in out.tickets:
        if old.system == ticket.system and old.id == ticket.id:
            for name, value in ticket:
                if value not in (None, [], "") and getattr(old, name) in (None, [], ""):
                    setattr(old, name, value)
            return old
    out.tickets.append(ticket)
    return ticket


def change_kind(text: str) -> str:
    """deploy / rollback / config_change from a change description (rollback wins)."""
    if _ROLLBACK.search(text or ""):
        return "rollback"
    if _CONFIG.search(text or ""):
        return "config_change"
    return "deploy"


def severity_from(value: object) -> str | None:
    """Normalise a vendor severity ('SEV-1', 'sev1', 'critical', 'P1') only when it is clearly one."""
    if value is None:
        return None
    text = str(value).strip()
    m = re.fullmatch(r"(?i)sev[- _]?([1-5])", text)
    return f"SEV-{m.group(1)}" if m else (text or None)
