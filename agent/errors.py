"""Typed errors. Only cli.py turns them into exit codes; messages name the file and line and say what to do."""

from __future__ import annotations


class PostmortemError(Exception):
    """Base class. ``exit_code`` is what the CLI exits with."""

    exit_code = 1


class BundleError(PostmortemError):
    """Bad input: a missing path, an empty bundle, a malformed file. Exit 2."""

    exit_code = 2

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None):
        self.file = file
        self.line = line
        where = ""
        if file:
            where = f"{file}:{line}: " if line else f"{file}: "
        super().__init__(f"{where}{message}")


class UsageError(PostmortemError):
    exit_code = 2


class LLMError(PostmortemError):
    """The model failed; the pipeline catches it and falls back to the offline draft."""

    def __init__(self, message: str, *, raw: str | None = None, usage: dict | None = None):
        self.raw = raw
        self.usage = usage or {}
        super().__init__(message)


class LibraryError(PostmortemError):
    """The incident library is missing, corrupt or unreachable."""

    exit_code = 2


class CheckFailed(PostmortemError):
    """A check or lint found errors under --strict."""

    exit_code = 3
