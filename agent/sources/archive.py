"""Open a bundle path: a directory as is, or a .zip / .tar.gz / .tgz extracted safely to a temp dir."""

from __future__ import annotations

import atexit
import shutil
import stat
import tarfile
import tempfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from agent.errors import BundleError

MAX_MEMBERS = 100_000
_ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")
_ARCHIVE_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError)


def is_archive(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(_ARCHIVE_SUFFIXES)


def open_bundle(path: Path, refused: list[str] | None = None) -> Path:
    """The directory to walk. Archives are extracted to a temp dir that lives until the process exits
    (log sources are streamed from it later); a single top-level folder inside is taken as the root.
    Members that would escape it (absolute, '..') or are links are not extracted; their names are
    appended to ``refused`` so the report can say so."""
    if not path.exists():
        raise BundleError("no such file or directory; pass a bundle directory or a .zip/.tar.gz of one",
                          file=str(path))
    if path.is_dir():
        return path
    if not is_archive(path):
        raise BundleError("not a directory, a log/data file or a .zip/.tar.gz/.tgz archive", file=str(path))
    dest = Path(tempfile.mkdtemp(prefix="postmortem-bundle-"))
    atexit.register(shutil.rmtree, dest, True)
    refused = refused if refused is not None else []
    if path.name.lower().endswith(".zip"):
        _extract_zip(path, dest, refused)
    else:
        _extract_tar(path, dest, refused)
    entries = [p for p in dest.iterdir() if p.name not in ("__MACOSX",) and not p.name.startswith(".")]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else dest


def _safe_target(dest: Path, name: str) -> Path | None:
    """The extraction target of a member, or None when it would escape dest (absolute, '..', drive)."""
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or (pure.parts and ":" in pure.parts[0]):
        return None
    target = (dest / pure).resolve()
    return target if target.is_relative_to(dest.resolve()) else None


def _extract_zip(path: Path, dest: Path, refused: list[str]) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()[:MAX_MEMBERS]
            for info in members:
                target = _safe_target(dest, info.filename)
                mode = info.external_attr >> 16
                if info.is_dir():
                    continue
                if target is None or stat.S_ISLNK(mode):
                    refused.append(info.filename)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, target.open("wb") as out:
                    shutil.copyfileobj(src, out, 1024 * 1024)
    except _ARCHIVE_ERRORS as exc:  # damaged deflate data raises zlib.error, a short file EOFError
        raise BundleError(f"cannot read zip archive: {_one_line(exc)}", file=str(path)) from exc


def _extract_tar(path: Path, dest: Path, refused: list[str]) -> None:
    try:
        with tarfile.open(path, "r:*") as tf:
            for member in tf.getmembers()[:MAX_MEMBERS]:
                target = _safe_target(dest, member.name)
                if member.isdir():
                    continue
                if target is None or not member.isfile():  # no links, devices or fifos
                    refused.append(member.name)
                    continue
                src = tf.extractfile(member)
                if src is None:
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with src, target.open("wb") as out:
                    shutil.copyfileobj(src, out, 1024 * 1024)
    except (tarfile.TarError, *_ARCHIVE_ERRORS) as exc:
        raise BundleError(f"cannot read tar archive: {_one_line(exc)}", file=str(path)) from exc


def _one_line(exc: BaseException) -> str:
    """tarfile lists every compression it tried on separate lines; an error is one line."""
    return " ".join(str(exc).split())[:300] or type(exc).__name__
