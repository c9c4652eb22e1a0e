"""Stage 1: ``load_bundle(path) -> Bundle``. Walk the bundle, detect each file's format by content,
parse what we know, and record what happened to every file (parsed / skipped / error)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from agent import collector
from agent.errors import BundleError
from agent.models import Bundle, FileStatus, IncidentMeta
from agent.sources.archive import is_archive, open_bundle
from agent.sources.context import PARSE_ERRORS, Collected, FileCtx
from agent.sources.detect import Detector, Sniff, keys_of, sniff
from agent.sources.logs import count_lines
from agent.sources.registry import REGISTRY
from agent.sources.staged import Staged, deferred_sniff

GOLD_NAMES = ("gold.yaml", "gold.yml")
NAMES_ONLY = ("slack.users", "slack.channels")  # they name things in other files; alone they say nothing


def load_bundle(path: str | Path, *, on_light: Callable[[Bundle], object] | None = None) -> Bundle:
    """Load an incident bundle (directory, .zip, .tar.gz or .tgz) into a ``Bundle``.

    Raises ``BundleError`` for a missing path, an empty bundle, or a bundle with nothing usable.
    Broken files (malformed JSON, binary, bad YAML) are recorded with status "error" and skipped.
    ``on_light`` is called with a partial Bundle (no metrics, no chat, no file statuses) before the
    heavy sources are parsed, so the caller can start on the logs meanwhile (agent.sources.staged);
    the Bundle returned is the same either way. If it returns a callable, the log files' line counts
    are handed to it as a function to call later: until then those files' statuses say 1 record,
    and the caller must call it before it reads them (agent.evidence.schedule does it while the
    miners run, when this process would only wait).
    """
    with collector.paused():
        return _load(Path(path).expanduser(), on_light)


def _load(given: Path, on_light: Callable[[Bundle], object] | None = None) -> Bundle:
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
    statuses: dict[str, FileStatus] = {}
    if on_light is None:
        out = _parse_all(_classify_all(root, files, statuses), statuses)
    else:
        out = _staged(root, files, statuses, on_light)
    bundle = _assemble(root, out, [statuses[f.relative_to(root).as_posix()] for f in files] + _refused(refused))
    if not any(s.status == "parsed" and s.records and s.format not in NAMES_ONLY for s in bundle.files):
        raise BundleError(f"nothing usable in the bundle ({_why_nothing(bundle.files)})", file=str(given))
    return bundle


def _classify_all(root: Path, files: list[Path], statuses: dict[str, FileStatus]) -> list[tuple[Detector, Sniff]]:
    planned = []
    for file in files:
        rel = file.relative_to(root).as_posix()
        status, plan = _classify(file, rel)
        statuses[rel] = status
        if plan:
            planned.append(plan)
    return planned


def _parse_all(planned: list[tuple[Detector, Sniff]], statuses: dict[str, FileStatus]) -> Collected:
    out = Collected()
    for det, sn in sorted(planned, key=lambda p: p[0].phase):  # stable: sorted path order within a phase
        _parse_one(det, sn, out, statuses[sn.rel])
    return out


def _staged(root: Path, files: list[Path], statuses: dict[str, FileStatus],
            on_light: Callable[[Bundle], object]) -> Collected:
    """The light sources first, then ``on_light``, then the heavy ones (see agent.sources.staged)."""
    late = {f for f in files if deferred_sniff(f)}
    early = [f for f in files if f not in late]
    stage = Staged(_classify_all(root, early, statuses), _snapshot(statuses))

    def parse_one(det: Detector, sn: Sniff, out: Collected) -> None:
        _parse_one(det, sn, out, statuses[sn.rel])

    stage.out.uncounted = {}
    stage.parse(stage.light, parse_one)
    defer = on_light(_partial(root, stage.out))
    later, stage.out.uncounted = stage.out.uncounted or {}, None
    if later and callable(defer):
        defer(lambda: _count_later(later, statuses))
    else:
        _count_later(later, statuses)
    late_statuses: dict[str, FileStatus] = {}
    stage.add(_classify_all(root, [f for f in files if f in late], late_statuses), _snapshot(late_statuses),
              order=[f.relative_to(root).as_posix() for f in files])
    statuses.update(late_statuses)
    if stage.late_in_phase():
        stage.parse(stage.heavy, parse_one)
        if stage.consistent():
            for plan in stage.stale():  # a yearless log dated before the chat was in: date it again
                statuses[plan[1].rel] = stage.before[plan[1].rel].model_copy()
                stage.parse_again(plan, parse_one)
            return stage.in_classic_order()
    statuses.update(_snapshot(stage.before))  # parse everything again, in the classic order
    return _parse_all(stage.planned, statuses)


def _count_later(later: dict[str, Path], statuses: dict[str, FileStatus]) -> None:
    """The line counts the light parse left for later (log files: rel -> path), as ``_parse_one``
    records them; on the statuses as they are when this runs (a file parsed again has a new one)."""
    for rel, path in later.items():
        status = statuses[rel]
        if status.status == "parsed":
            status.records = count_lines(path)
            if status.records == 0:
                status.reason = "recognised, but held no usable records"


def _snapshot(statuses: dict[str, FileStatus]) -> dict[str, FileStatus]:
    return {rel: st.model_copy() for rel, st in statuses.items()}


def _partial(root: Path, out: Collected) -> Bundle:
    """What the light sources gave so far, sorted as in the final Bundle (copies: ``out`` grows on)."""
    return Bundle(root=str(root), tickets=list(out.tickets), events=sorted(out.events, key=_event_key),
                  alerts=sorted(out.alerts, key=_alert_key), spans=list(out.spans),
                  changes=sorted(out.changes, key=_change_key), logs=list(out.logs), meta=out.meta or IncidentMeta())


def _event_key(e):
    return e.time, e.source_file, e.line or 0


def _alert_key(a):
    return a.starts_at, a.fingerprint


def _change_key(c):
    return c.time, c.source_file, c.line or 0


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
    except PARSE_ERRORS as exc:
        status.status = "error"
        status.reason = f"{sn.rel}: {det.format}: cannot parse: {type(exc).__name__}: {exc}"[:500]


def _assemble(root: Path, out: Collected, files: list[FileStatus]) -> Bundle:
    out.events.sort(key=_event_key)
    out.alerts.sort(key=_alert_key)
    out.changes.sort(key=_change_key)
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

