"""Log files: detection of the line shape, and ``iter_records``, the streaming record reader.

Records are streamed, never the whole file in memory: lines are read in bounded chunks (a 10 MB line
costs 64 KiB), decoded with errors="replace", NUL-laden lines are dropped, and lines without a
timestamp (stack traces, wrapped messages) attach to the record before them.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

from agent.models import LogRecord, LogSource
from agent.sources import logfields
from agent.sources.context import FileCtx
from agent.sources.detect import Detector, Sniff
from agent.sources.logshapes import BY_ID, MONTHS, SHAPES, LineState, Shape
from agent.redact import redact
from agent.sources.scrub import needs_redaction
from agent.sources.timeparse import zone

MAX_MESSAGE = 64 * 1024
_CHUNK = MAX_MESSAGE + 1
_FALLBACK = [s for s in SHAPES if s.id != "iso8601_embedded"]
_HAS_ZONE = re.compile(r"(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT)$")
_GENERIC_STEMS = {"app", "application", "server", "service", "log", "logs", "output", "out", "stdout", "stderr",
                  "syslog", "messages", "current", "console", "main", "error", "access", "debug", "info"}


# ----------------------------------------------------------------------------- streaming


def iter_records(src: LogSource) -> Iterator[LogRecord]:
    """Stream the records of a log source, in file order. ``line`` is the record's first line (1-based)."""
    if src.format == "jsonl":
        return logfields.iter_jsonl(src, _lines(Path(src.abs_path)))
    if src.format == "logfmt":
        return logfields.iter_logfmt(src, _lines(Path(src.abs_path)))
    if src.format in logfields.DOCUMENT_FORMATS:
        return logfields.iter_document(src)
    return _iter_text(src)


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) with the newline stripped; long lines truncated to MAX_MESSAGE characters."""
    with path.open("rb") as fh:
        lineno = 0
        while True:
            chunk = fh.readline(_CHUNK)
            if not chunk:
                return
            lineno += 1
            if len(chunk) == _CHUNK and not chunk.endswith(b"\n"):
                chunk = chunk[:MAX_MESSAGE] + _drain(fh)
            if b"\x00" in chunk:
                if chunk.count(b"\x00") * 10 > len(chunk):
                    continue  # binary junk, not a log line
                chunk = chunk.replace(b"\x00", b"")
            yield lineno, chunk.decode("utf-8", errors="replace").rstrip("\r\n")


def _drain(fh: Any) -> bytes:
    """Skip the rest of an over-long line, keeping memory bounded; say how much was cut."""
    dropped = 0
    while True:
        more = fh.readline(_CHUNK)
        dropped += len(more)
        if not more or more.endswith(b"\n"):
            return f" ...[truncated {dropped} bytes]".encode()


def _iter_text(src: LogSource) -> Iterator[LogRecord]:
    state = LineState(tz=zone(src.timezone), year=src.year)
    shape = BY_ID.get(src.format, BY_ID["iso8601"])
    rel, default_service = src.path, src.service
    cur: list[Any] | None = None  # [time, level, message, service, line, raw]
    for lineno, text in _lines(Path(src.abs_path)):
        m = shape.regex.match(text)
        if m is None and text and not text[0].isspace():
            shape, m = _other_shape(text, shape)
        if m is None:
            if cur is None:
                cur = [None, None, text, None, lineno, text]
            elif len(cur[2]) < MAX_MESSAGE:
                cur[2] = (cur[2] + "\n" + text)[:MAX_MESSAGE]
                cur[5] = (cur[5] + "\n" + text)[:MAX_MESSAGE]
            continue
        if cur is not None:
            yield _record(cur, rel, default_service)
        time, level, message, service = shape.convert(m, state)
        cur = [time, level, message, service, lineno, text]
    if cur is not None:
        yield _record(cur, rel, default_service)


def _other_shape(text: str, current: Shape) -> tuple[Shape, re.Match[str] | None]:
    for shape in _FALLBACK:
        if shape is not current:
            m = shape.regex.match(text)
            if m is not None:
                return shape, m
    return current, None


def _record(cur: list[Any], rel: str, service: str | None) -> LogRecord:
    time, level, message, svc, line, raw = cur
    if needs_redaction(raw):
        message, raw = redact(message), redact(raw)
    return LogRecord.model_construct(time=time, level=level, message=message, service=svc or service,
                                     source_file=rel, line=line, raw=raw)


# ----------------------------------------------------------------------------- detection


def _text_shape(sn: Sniff) -> tuple[Shape | None, float, int | None]:
    """Best shape for the head lines, its score, and the first line whose timestamp has no zone."""
    if "text_shape" in sn.cache:
        return sn.cache["text_shape"]
    numbered = [(i, ln) for i, ln in enumerate(sn.head_lines, start=1) if ln.strip()][:200]
    result: tuple[Shape | None, float, int | None] = (None, 0.0, None)
    if numbered and sn.doc is None and sn.jsonl is None:
        result = _score_shapes(numbered)
    sn.cache["text_shape"] = result
    return result


def _score_shapes(numbered: list[tuple[int, str]]) -> tuple[Shape | None, float, int | None]:
    best: tuple[Shape | None, int, list] = (None, 0, [])
    for shape in SHAPES:
        hits = [(i, m) for i, ln in numbered if (m := shape.regex.match(ln))]
        if len(hits) > best[1]:
            best = (shape, len(hits), hits)
    shape, count, hits = best
    if shape is None:
        return None, 0.0, None
    frac = count / len(numbered)
    first_hit = hits[0][0] == numbered[0][0]
    if not first_hit and frac < 0.2:
        return None, 0.0, None
    zoneless = next((i for i, m in hits if shape.zoneless or ("ts" in m.groupdict() and m.group("ts")
                                                               and not _HAS_ZONE.search(m.group("ts")))), None)
    if shape.id == "access":
        zoneless = next((i for i, m in hits if not re.search(r"[+-]\d{4}$", m.group("ts"))), None)
    return shape, 0.55 + 0.35 * frac, zoneless


def score_text(sn: Sniff) -> float:
    return _text_shape(sn)[1]


def parse_text(sn: Sniff, ctx: FileCtx) -> int:
    shape, _, zoneless_line = _text_shape(sn)
    assert shape is not None
    if zoneless_line:
        ctx.warn_zoneless(zoneless_line)
    year = _year(sn, ctx, shape) if shape.needs_year else None
    ctx.format = f"log.{shape.id}"
    ctx.out.logs.append(LogSource(path=sn.rel, abs_path=str(sn.path), format=shape.id, service=service_for(sn.rel),
                                  year=year, timezone=ctx.out.tz_name))
    return count_lines(sn.path)


def _year(sn: Sniff, ctx: FileCtx, shape: Shape) -> int:
    """The year for yearless timestamps: the incident's (tickets, incident.yaml, other files), else a
    full date in the file itself, else the file's modification year. Always said in a warning."""
    first_month = _first_month(sn, shape)
    ref = ctx.out.reference_time()
    if ref is not None:
        year, how = ref.year - (1 if first_month and first_month - ref.month > 6 else 0), "the incident's date"
    elif m := re.search(r"\b((?:19|20)\d{2})[-/.]\d{2}[-/.]\d{2}\b", sn.text_head):
        year, how = int(m.group(1)), "a full date in the file"
    else:
        year, how = datetime.fromtimestamp(sn.path.stat().st_mtime).year, "the file's modification time"
    ctx.out.warnings.append(f"{sn.rel}:1: timestamps carry no year; used {year} from {how}")
    return year


def _first_month(sn: Sniff, shape: Shape) -> int | None:
    for ln in sn.head_lines:
        m = shape.regex.match(ln)
        if m:
            g = m.groupdict()
            return MONTHS.get(g.get("mon") or "") or (int(g["mo"]) if g.get("mo") else None)
    return None


def count_lines(path: Path) -> int:
    count, last = 0, b"\n"
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (0 if last == b"\n" else 1)


def service_for(rel: str) -> str | None:
    """A service name from the file path: 'logs/payments-api.log' -> 'payments-api'."""
    parts = rel.split("/")
    stem = re.sub(r"(\.(log|txt|out|err|jsonl?|ndjson|gz|\d+))+$", "", parts[-1], flags=re.I)
    stem = re.sub(r"[-_.]?\d{4}-?\d{2}-?\d{2}.*$", "", stem) or stem
    if stem.lower() in _GENERIC_STEMS and len(parts) > 1:
        return parts[-2]
    return stem or None


def _json_log_score(sn: Sniff) -> float:
    return 0.8 if sn.jsonl and logfields.looks_like_log_objects(sn.jsonl) else 0.0


def parse_jsonl(sn: Sniff, ctx: FileCtx) -> int:
    return _add_source(sn, ctx, "jsonl")


def _add_source(sn: Sniff, ctx: FileCtx, fmt: str) -> int:
    ctx.out.logs.append(LogSource(path=sn.rel, abs_path=str(sn.path), format=fmt, service=service_for(sn.rel),
                                  timezone=ctx.out.tz_name))
    if fmt in logfields.DOCUMENT_FORMATS:
        return logfields.document_count(sn.doc, fmt)
    first = logfields.first_zoneless_line(sn.path, fmt, ctx.out.tz)
    if first:
        ctx.warn_zoneless(first)
    return count_lines(sn.path)


def score_logfmt(sn: Sniff) -> float:
    if sn.doc is not None or sn.jsonl is not None:
        return 0.0
    lines = [ln for ln in sn.head_lines if ln.strip()][:100]
    hits = sum(1 for ln in lines if logfields.is_logfmt(ln))
    return 0.75 if lines and hits / len(lines) >= 0.5 else 0.0


def parse_logfmt(sn: Sniff, ctx: FileCtx) -> int:
    return _add_source(sn, ctx, "logfmt")


def score_otlp_logs(sn: Sniff) -> float:
    return 0.95 if isinstance(sn.doc, dict) and isinstance(sn.doc.get("resourceLogs"), list) else 0.0


def parse_otlp_logs(sn: Sniff, ctx: FileCtx) -> int:
    return _add_source(sn, ctx, "otlp_json")


def score_datadog_logs(sn: Sniff) -> float:
    return 0.9 if logfields.datadog_log_items(sn.doc) else 0.0


def parse_datadog_logs(sn: Sniff, ctx: FileCtx) -> int:
    return _add_source(sn, ctx, "datadog_json")


DETECTORS = [
    Detector("log.text", score_text, parse_text, phase=4, kind="log"),
    Detector("log.jsonl", _json_log_score, parse_jsonl, phase=4, kind="log"),
    Detector("log.logfmt", score_logfmt, parse_logfmt, phase=4, kind="log"),
    Detector("otlp.logs", score_otlp_logs, parse_otlp_logs, phase=4, kind="log"),
    Detector("datadog.logs", score_datadog_logs, parse_datadog_logs, phase=4, kind="log"),
]
