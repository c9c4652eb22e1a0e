"""Log files: detection of the line shape, and ``iter_records``, the streaming record reader.

Records are streamed, never the whole file in memory: lines are read in bounded chunks (a 10 MB line
costs 64 KiB), decoded with errors="replace", NUL-laden lines are dropped, and lines without a
timestamp (stack traces, wrapped messages) attach to the record before them.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from agent import rxcache as rx
from agent.models import LogRecord, LogSource
from agent.sources import logfields
from agent.sources.context import FileCtx
from agent.sources.detect import (
    ANSI,
    Detector,
    Sniff,
    count_lines,
    open_text_bytes,
    sniff,
)
from agent.sources.logfields import make_record
from agent.sources.logshapes import BY_ID, MONTHS, SHAPES, Shape
from agent.sources.scrub import flagged_lines
from agent.sources.textstate import TextState

MAX_MESSAGE = 64 * 1024
_BLOCK = 1 << 20
_HAS_ZONE = rx.compile(r"(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT)$")
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


def record_fields(*fields: Any) -> tuple:
    """A record as the plain tuple of ``make_record``'s arguments: (time, level, message, service,
    source_file, line, raw). The evidence stage's hot path reads these instead of LogRecords."""
    return fields


def iter_rows(src: LogSource) -> Iterator[tuple]:
    """Like ``iter_records`` (same parsing, redaction and order) but yields ``record_fields`` tuples:
    about 1.4 us a line cheaper than building a LogRecord."""
    if src.format == "jsonl":
        return logfields.iter_jsonl(src, _lines(Path(src.abs_path)), make=record_fields)
    if src.format in ("logfmt", *logfields.DOCUMENT_FORMATS):
        return ((r.time, r.level, r.message, r.service, r.source_file, r.line, r.raw) for r in iter_records(src))
    return _iter_text(src, record_fields)


def _lines(path: Path) -> Iterator[tuple[int, str, bool]]:
    """(line number, text, may need redaction), one line at a time."""
    for first, lines, flags in _line_blocks(path):
        for i, text in enumerate(lines):
            if text is not None:
                yield first + i, text, i in flags


def _line_blocks(path: Path) -> Iterator[tuple[int, list[str | None], set[int]]]:
    """(number of the first line, lines, indices that may need redaction) per ~1 MB block. Lines are cut
    to MAX_MESSAGE characters; NUL-laden lines (binary junk) become None so line numbers stay true."""
    lineno = 1
    with open_text_bytes(path) as fh:
        for chunk in _blocks(fh):
            lines = chunk_lines(chunk)
            yield lineno, lines, flagged_lines(chunk)
            lineno += len(lines)


def chunk_lines(chunk: bytes) -> list[str | None]:
    """The lines of one block as ``_line_blocks`` gives them (decoded, cleaned, ANSI codes removed)."""
    lines: list[str | None] = chunk.decode("utf-8", errors="replace").split("\n")  # type: ignore[assignment]
    if chunk.endswith(b"\n"):
        lines.pop()
    if b"\x00" in chunk or b"\r" in chunk or len(chunk) > len(lines) * MAX_MESSAGE // 4:
        lines = [_clean(t) for t in lines]  # type: ignore[arg-type]
    if b"\x1b" in chunk:
        lines = [ANSI.sub("", t) if t else t for t in lines]
    return lines


def _clean(text: str) -> str | None:
    if "\x00" in text:
        if text.count("\x00") * 10 > len(text):
            return None
        text = text.replace("\x00", "")
    text = text.rstrip("\r")
    if len(text) > MAX_MESSAGE:
        return f"{text[:MAX_MESSAGE]} ...[truncated {len(text) - MAX_MESSAGE} chars]"
    return text


def _blocks(fh: Any) -> Iterator[bytes]:
    """Chunks of whole lines, about _BLOCK bytes each. A line longer than MAX_MESSAGE bytes keeps its
    head only; the rest is skipped without ever being held, so a 10 MB line costs 64 KiB."""
    carry, cut = b"", 0
    while block := fh.read(_BLOCK):
        if cut:  # inside an over-long line: drop up to its newline
            nl = block.find(b"\n")
            if nl < 0:
                cut += len(block)
                continue
            yield carry + f" ...[truncated {cut + nl} bytes]\n".encode()
            carry, cut, block = b"", 0, block[nl + 1:]
        data = carry + block
        nl = data.rfind(b"\n")
        whole, carry = (data[:nl + 1], data[nl + 1:]) if nl >= 0 else (b"", data)
        if len(carry) > MAX_MESSAGE:
            carry, cut = carry[:MAX_MESSAGE], len(carry) - MAX_MESSAGE
        if whole:
            yield whole
    if carry or cut:
        yield carry + (f" ...[truncated {cut} bytes]".encode() if cut else b"")


def _iter_text(src: LogSource, make: Any = make_record) -> Iterator[Any]:
    state = TextState(src, make)
    for first, lines, flags in _line_blocks(Path(src.abs_path)):
        yield from state.feed(lines, first, flags)
    tail = state.flush()
    if tail is not None:
        yield tail


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
    return _lines_of(sn, ctx)


def _year(sn: Sniff, ctx: FileCtx, shape: Shape) -> int:
    """The year for yearless timestamps: the incident's (tickets, incident.yaml, other files), else a
    full date in the file itself, else the file's modification year. Always said in a warning."""
    ref = ctx.out.reference_time()
    if ref is not None:
        year, how = ref.year + _wrap(_first_month(sn, shape), ref.month), "the incident's date"
    else:
        year, how = _own_year(sn, _first_month(sn, shape))
    ctx.out.warnings.append(f"{sn.rel}:1: timestamps carry no year; used {year} from {how}")
    return year


def _wrap(log_month: int | None, ref_month: int) -> int:
    """-1 when the log starts in December of the year before a January incident, +1 the other way."""
    if not log_month:
        return 0
    return -1 if log_month - ref_month > 6 else 1 if ref_month - log_month > 6 else 0


def _own_year(sn: Sniff, log_month: int | None = None) -> tuple[int, str]:
    if m := re.search(r"\b((?:19|20)\d{2})[-/.]\d{2}[-/.]\d{2}\b", sn.text_head):
        return int(m.group(1)), "a full date in the file"
    mtime = datetime.fromtimestamp(sn.path.stat().st_mtime, timezone.utc)
    # A log is written before its file was last modified: a log starting in a later month than the
    # modification (a December log touched in February) is from the year before, never the future.
    if log_month and log_month > mtime.month:
        return mtime.year - 1, "the file's modification time (a log starting after that month: the year before)"
    return mtime.year, "the file's modification time"


def _first_month(sn: Sniff, shape: Shape) -> int | None:
    for ln in sn.head_lines:
        m = shape.regex.match(ln)
        if m:
            g = m.groupdict()
            return MONTHS.get(g.get("mon") or "") or (int(g["mo"]) if g.get("mo") else None)
    return None


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
    return _lines_of(sn, ctx)


def _lines_of(sn: Sniff, ctx: FileCtx) -> int:
    """The file's line count; or 1 for now when the staged load counts it later, once the log miners
    run (``Collected.uncounted``, agent.sources.bundle): reading every log here would delay them."""
    if ctx.out.uncounted is not None:
        ctx.out.uncounted[sn.rel] = sn.path
        return 1
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


def score_log_array(sn: Sniff) -> float:
    return 0.7 if logfields.is_log_array(sn.doc) else 0.0


def parse_log_array(sn: Sniff, ctx: FileCtx) -> int:
    return _add_source(sn, ctx, "json_array")


DETECTORS = [
    Detector("log.json_array", score_log_array, parse_log_array, phase=4, kind="log"),
    Detector("log.text", score_text, parse_text, phase=4, kind="log"),
    Detector("log.jsonl", _json_log_score, parse_jsonl, phase=4, kind="log"),
    Detector("log.logfmt", score_logfmt, parse_logfmt, phase=4, kind="log"),
    Detector("otlp.logs", score_otlp_logs, parse_otlp_logs, phase=4, kind="log"),
    Detector("datadog.logs", score_datadog_logs, parse_datadog_logs, phase=4, kind="log"),
]


def source_for_file(path: str | Path, rel: str | None = None) -> LogSource:
    """A LogSource for a loose log file outside a bundle, its shape detected by content like in a bundle.
    Unknown shapes fall back to 'iso8601' (every line without a timestamp then joins the one before)."""
    p = Path(path)
    sn = sniff(p, rel or p.name)
    fmt = "iso8601"
    if _json_log_score(sn):
        fmt = "jsonl"
    elif score_logfmt(sn):
        fmt = "logfmt"
    elif (shape := _text_shape(sn)[0]) is not None:
        fmt = shape.id
    shape = BY_ID.get(fmt)
    year = _own_year(sn, _first_month(sn, shape))[0] if shape and shape.needs_year else None
    return LogSource(path=sn.rel, abs_path=str(p), format=fmt, service=service_for(sn.rel), year=year)
