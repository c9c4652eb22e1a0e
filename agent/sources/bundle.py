"""Stage 1: ``load_bundle(path) -> Bundle``. Walk the bundle, detect each file's format by content,
parse what we know, and record what happened to every file (parsed / skipped / error)."""

from __future__ import annotations

import os
from pathlib import Path

from agent import collector
from agent.errors import BundleError
from agent.models import Bundle, FileStatus, IncidentMeta
from agent.sources.archive import is_archive, open_bundle
from agent.sources.context import Collected, FileCtx
from agent.sources.detect import Detector, Sniff, keys_of, sniff
from agent.sources.registry import REGISTRY

GOLD_NAMES = ("gold.yaml", "gold.yml")
NAMES_ONLY = ("slack.users", "slack.channels")  # they name things in other files; alone they say nothing
_PARSE_ERRORS = (ValueError, KeyError, TypeError, AttributeError, IndexError, LookupError, RecursionError,
                 ArithmeticError)  # OverflowError: a date far past year 9999


def load_bundle(path: str | Path) -> Bundle:
    """Load an incident bundle (directory, .zip, .tar.gz or .tgz) into a ``Bundle``.

    Raises ``BundleError`` for a missing path, an empty bundle, or a bundle with nothing usable.
    Broken files (malformed JSON, binary, bad YAML) are recorded with status "error" and skipped.
    """
    with collector.paused():
        return _load(Path(path).expanduser())


def _load(given: Path) -> Bundle:
    refused: list[str] = []
    if given.is_file() and not is_archive(given):  # a single file is a bundle of one
        root, files = given.parent.resolve(), [given.resolve()]
    else:
        root = open_bundle(given, refused).resolve()
        files = _walk(root)
    if not files:
        why = f" ({len(refused)} archive entries refused: outside the bundle or links)" if refused else ""
        raise BundleError(f"bundle is empty: no files found{why}; add incident data (tickets, alerts, logs ...)",
                          file=str(given))
    out = Collected()
    statuses: dict[str, FileStatus] = {}
    planned: list[tuple[Detector, Sniff]] = []
    for file in files:
        rel = file.relative_to(root).as_posix()
        status, plan = _classify(file, rel)
        statuses[rel] = status
        if plan:
            planned.append(plan)
    planned.sort(key=lambda p: p[0].phase)  # stable: sorted path order within a phase
    for det, sn in planned:
        _parse_one(det, sn, out, statuses[sn.rel])
    bundle = _assemble(root, out, [statuses[f.relative_to(root).as_posix()] for f in files] + _refused(refused))
    if not any(s.status == "parsed" and s.records and s.format not in NAMES_ONLY for s in bundle.files):
        raise BundleError(f"nothing usable in the bundle ({_why_nothing(bundle.files)})", file=str(given))
    return bundle


def _refused(names: list[str]) -> list[FileStatus]:
    return [FileStatus(path=n, status="skipped", reason="archive entry refused (absolute path, '..' or a link)")
            for n in names]


def _walk(root: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__MACOSX")
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if not name.startswith(".") and p.is_file():  # archives never hold links; a folder's own may
                found.append(p)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def _classify(file: Path, rel: str) -> tuple[FileStatus, tuple[Detector, Sniff] | None]:
    """Detect a file's format without parsing it yet (parsing runs in phases, meta first)."""
    if file.name.lower() in GOLD_NAMES:
        return FileStatus(path=rel, status="skipped", reason="eval gold file (never read)"), None
    try:
        sn = sniff(file, rel)
    except OSError as exc:
        return FileStatus(path=rel, status="error", reason=f"{rel}: cannot read: {exc.strerror or exc}"), None
    if sn.size == 0:
        return FileStatus(path=rel, status="skipped", reason="empty file"), None
    if sn.binary:
        return FileStatus(path=rel, status="error", reason=f"{rel}:1: binary file (not text); skipped"), None
    det, _ = REGISTRY.best(sn)
    if det is not None:
        return FileStatus(path=rel, format=det.format, status="parsed"), (det, sn)
    if sn.json_error is not None and _meant_as_json(sn):
        err = sn.json_error
        reason = f"{rel}:{err.lineno}: malformed JSON: {err.msg} (column {err.colno})"
        return FileStatus(path=rel, status="error", reason=reason), None
    if sn.yaml_error:
        return FileStatus(path=rel, status="error", reason=sn.yaml_error), None
    return FileStatus(path=rel, status="skipped", reason=_unknown_reason(sn)), None


def _meant_as_json(sn: Sniff) -> bool:
    """A JSON parse failure is an error only for files that are JSON, not for logs starting with '['."""
    err = sn.json_error
    assert err is not None
    return sn.ext in (".json", ".jsonl", ".ndjson") or err.lineno > 1 or sn.text_head.lstrip()[:1] == "{"


def _unknown_reason(sn: Sniff) -> str:
    if sn.doc is not None:
        keys = ", ".join(sorted(keys_of(sn.doc))[:6]) or type(sn.doc).__name__
        return f"unrecognised JSON shape (top level: {keys})"
    if isinstance(sn.yaml_doc, dict):
        return "YAML without incident.yaml keys (title, severity, owning_team ...)"
    return "unrecognised format"


def _parse_one(det: Detector, sn: Sniff, out: Collected, status: FileStatus) -> None:
    ctx = FileCtx(rel=sn.rel, path=sn.path, out=out, doc=sn.doc)
    try:
        status.records = det.parse(sn, ctx)
        status.format = ctx.format or det.format
        if status.records == 0:
            status.reason = "recognised, but held no usable records"
    except _PARSE_ERRORS as exc:
        status.status = "error"
        status.reason = f"{sn.rel}: {det.format}: cannot parse: {type(exc).__name__}: {exc}"[:500]


def _assemble(root: Path, out: Collected, files: list[FileStatus]) -> Bundle:
    out.events.sort(key=lambda e: (e.time, e.source_file, e.line or 0))
    out.alerts.sort(key=lambda a: (a.starts_at, a.fingerprint))
    out.changes.sort(key=lambda c: (c.time, c.source_file, c.line or 0))
    out.chat.sort(key=lambda m: (m.time, m.channel, m.ts))
    return Bundle(root=str(root), files=files, tickets=out.tickets, events=out.events, alerts=out.alerts,
                  series=out.series, spans=out.spans, chat=out.chat, changes=out.changes, logs=out.logs,
                  meta=out.meta or IncidentMeta(), warnings=out.warnings)


def _why_nothing(files: list[FileStatus]) -> str:
    errors = [f.reason for f in files if f.status == "error"]
    if errors:
        return f"{len(errors)} file(s) broken, first: {errors[0]}"
    empty = [f.path for f in files if f.status == "parsed"]
    if empty:
        return f"{len(empty)} file(s) recognised but held no incident data (records, or only names), first: {empty[0]}"
    return f"{len(files)} file(s), none in a known format"

