"""A rich progress display for long work; a no-op when disabled or when stderr is not a TTY."""

from __future__ import annotations

import sys


class Progress:
    def __init__(self, *, enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()
        self._p = None

    def __enter__(self) -> "Progress":
        if self.enabled:
            from rich.console import Console
            from rich.progress import Progress as RichProgress
            from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

            self._p = RichProgress(SpinnerColumn(), TextColumn("{task.description}"),
                                   TextColumn("{task.completed:,} records"), TimeElapsedColumn(),
                                   console=Console(stderr=True), transient=True)
            self._p.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._p is not None:
            self._p.__exit__(*exc)

    def task(self, description: str, total: int | None = None):
        return self._p.add_task(description, total=total) if self._p is not None else None

    def advance(self, task, n: int) -> None:
        if self._p is not None and task is not None:
            self._p.advance(task, n)
