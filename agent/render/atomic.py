"""Atomic writes: a reader sees the old file or the new one, never half of either.

``write_text`` writes a temp file in the target's directory and ``os.replace``s it. ``staged_dir`` lets a
caller write a whole set of outputs into a temp directory and move each into place only when every
one of them rendered, so a failure mid-way leaves the previous report intact.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8, '\\n' newlines) to ``path`` atomically; creates parent directories."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


@contextlib.contextmanager
def staged_dir(target: Path) -> Iterator[Path]:
    """Yield a temp dir next to ``target``; on success move each file into ``target`` atomically."""
    target = Path(target)
    if target.exists() and not target.is_dir():
        from agent.errors import UsageError

        raise UsageError(f"{target}: --out must be a directory, and this is a file; choose another path")
    target.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".postmortem-stage-", dir=target))
    try:
        yield stage
        for src in sorted(stage.rglob("*")):
            if src.is_file():
                dest = target / src.relative_to(stage)
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dest)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
