"""The `postmortem library` command. Owned by the library work; replace this placeholder."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's command(s) to the app."""
