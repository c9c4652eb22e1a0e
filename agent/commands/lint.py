"""The `postmortem lint` command. Owned by the lint work; replace this placeholder."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's command(s) to the app."""
