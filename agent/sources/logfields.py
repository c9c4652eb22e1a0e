"""Structured log records: JSON lines, logfmt (logrus/zap/slog ``time=... level=... msg=...``), and
whole-document JSON logs (OTLP ``resourceLogs``, Datadog logs list). Field names vary by library; the
first present key of each list below wins."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Iterator

from agent import rxcache as rx
from agent.models import LogRecord, LogSource
from agent.sources.detect import open_text_bytes, read_text, unwrap
from agent.sources.jsonpos import LineIndex, array_item_lines
from agent.sources.levels import normalise_level
from agent.sources.scrub import scrub
from agent.sources.timeparse import UTC, parse_any, zone

TIME_KEYS = ("time", "timestamp", "ts", "@timestamp", "datetime", "date", "t", "eventTime", "time_local",
             "asctime", "created", "logged_at", "log.timestamp")
LEVEL_KEYS = ("level", "severity", "lvl", "loglevel", "log.level", "levelname", "level_name", "status",
              "severityText", "priority")
MESSAGE_KEYS = ("msg", "message", "log", "text", "event", "body", "error", "err")
SERVICE_KEYS = ("service", "service.name", "app", "application", "component", "logger", "name")
DOCUMENT_FORMATS = ("otlp_json", "datadog_json", "json_array")
_PAIR = rx.compile(r'([\w.@-]+)=("(?:[^"\\]|\\.)*"|\S*)')
_LOGFMT_LINE = rx.compile(r'^(?:time|ts|t|level|lvl)=')
MAX_MESSAGE = 64 * 1024


_FIELDS_SET = set(LogRecord.model_fields)
_new = object.__new__
_set = object.__setattr__


def make_record(time: Any, level: str | None, message: str, service: str | None, source_file: str, line: int,
                raw: str) -> LogRecord:
    """A LogRecord without validation, built the way ``model_construct`` does but about 3x faster; this
    runs once per log line. Callers pass already-normalised values (tests check they validate)."""
    rec = _new(LogRecord)
    _set(rec, "__dict__", {"time": time, "level": level, "message": message, "service": service,
                           "source_file": source_file, "line": line, "raw": raw})
    _set(rec, "__pydantic_fields_set__", _FIELDS_SET)
    _set(rec, "__pydantic_extra__", None)
    _set(rec, "__pydantic_private__", None)
    return rec


def _pick(obj: dict, keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = obj.get(key)
        if value not in (None, ""):
            return value
        if "." in key:  # nested form of a dotted key: {"log": {"level": ...}}
            head, _, tail = key.partition(".")
            inner = obj.get(head)
            if isinstance(inner, dict) and inner.get(tail) not in (None, ""):
                return inner[tail]
    return None


def looks_like_log_objects(objs: list[Any]) -> bool:
    dicts = [o for o in objs if isinstance(o, dict)]
    return bool(dicts) and all(_pick(o, TIME_KEYS) is not None and _pick(o, MESSAGE_KEYS) is not None
                               for o in dicts[:10])


def is_logfmt(line: str) -> bool:
    return bool(_LOGFMT_LINE.match(line)) and len(_PAIR.findall(line)) >= 2


def _name(value: Any) -> str | None:
    """A service name from a field that may hold anything (records skip validation, so check here)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) or value == "":
        return None
    return str(value)[:200]


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


_KEYSETS: dict[tuple, tuple[tuple[str, ...], ...]] = {}


def _keys_for(obj: dict) -> tuple[tuple[str, ...], ...]:
    """TIME/MESSAGE/SERVICE/LEVEL_KEYS cut to the keys an object with these keys can hold: ``_pick``
    gives the same answer on the cut lists, and the lines of one logger share their keys (cached)."""
    shape = tuple(obj)
    found = _KEYSETS.get(shape)
    if found is None:
        if len(_KEYSETS) >= 1024:
            _KEYSETS.clear()
        have = set(shape)
        found = _KEYSETS[shape] = tuple(tuple(k for k in keys if k in have or "." in k and k.partition(".")[0] in have)
                                        for keys in (TIME_KEYS, MESSAGE_KEYS, SERVICE_KEYS, LEVEL_KEYS))
    return found


def _record(obj: dict, src: LogSource, line: int, raw: str, tz: Any, flagged: bool, make: Any = make_record) -> Any:
    time_keys, message_keys, service_keys, level_keys = _keys_for(obj)
    time, _ = parse_any(_pick(obj, time_keys), tz)
    message = _text(_pick(obj, message_keys) or "")[:MAX_MESSAGE]
    service = _pick(obj, service_keys)
    if flagged:
        message, raw = scrub(message), scrub(raw)
    return make(time, normalise_level(_pick(obj, level_keys)), message,
                _name(service) or src.service, src.path, line, raw)


def iter_jsonl(src: LogSource, lines: Iterator[tuple[int, str, bool]], make: Any = make_record) -> Iterator[Any]:
    """``make`` builds each record from make_record's arguments (the evidence stage passes a tuple maker)."""
    state = JsonState(src, make)
    yield from state.feed(lines)
    tail = state.flush()
    if tail is not None:
        yield tail


class JsonState:
    """JSON lines in file order -> records; a raw line (e.g. a stack trace) joins the record before it,
    so a record is complete only when the next JSON line (or the end) comes."""

    def __init__(self, src: LogSource, make: Any = make_record):
        self.src, self.tz, self.make = src, zone(src.timezone), make
        self.pending: Any = None

    def feed(self, lines: Iterable[tuple[int, str, bool]]) -> Iterator[Any]:
        src, tz, make, pending = self.src, self.tz, self.make, self.pending
        for lineno, text, flagged in lines:
            obj = _loads(text)
            if obj is None:
                if pending is not None and text.strip():  # a raw line (e.g. a stack trace) between JSON lines
                    pending = _append(pending, scrub(text))
                continue
            if pending is not None:
                yield pending
            pending = _record(obj, src, lineno, text, tz, flagged, make)
        self.pending = pending

    def flush(self) -> Any:
        pending, self.pending = self.pending, None
        return pending


def _append(rec: Any, text: str) -> Any:
    if isinstance(rec, tuple):  # a record_fields tuple: message is the third field
        return (*rec[:2], (rec[2] + "\n" + text)[:MAX_MESSAGE], *rec[3:])
    rec.message = (rec.message + "\n" + text)[:MAX_MESSAGE]
    return rec


def _loads(text: str) -> dict | None:
    if not text.lstrip().startswith("{"):
        return None
    try:
        obj = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None



def parse_logfmt_line(text: str) -> dict[str, str]:
    out = {}
    for key, value in _PAIR.findall(text):
        if value.startswith('"'):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                value = value.strip('"')
        out[key] = value
    return out


def iter_logfmt(src: LogSource, lines: Iterator[tuple[int, str, bool]]) -> Iterator[LogRecord]:
    tz = zone(src.timezone)
    pending: LogRecord | None = None
    for lineno, text, flagged in lines:
        if not is_logfmt(text):
            if pending is not None and text.strip():
                pending.message = (pending.message + "\n" + scrub(text))[:MAX_MESSAGE]
            continue
        if pending is not None:
            yield pending
        pending = _record(parse_logfmt_line(text), src, lineno, text, tz, flagged)
    if pending is not None:
        yield pending


def first_zoneless_line(path: Path, fmt: str, tz: Any) -> int | None:
    """The first of the head lines whose time has no zone (for the once-per-file warning)."""
    with open_text_bytes(path) as fh:
        for lineno, raw in enumerate(fh, start=1):
            if lineno > 200:
                return None
            text = raw.decode("utf-8", errors="replace")
            obj = _loads(text) if fmt == "jsonl" else (parse_logfmt_line(text) if is_logfmt(text) else None)
            if obj and parse_any(_pick(obj, TIME_KEYS), tz)[1]:
                return lineno
    return None


# ----------------------------------------------------------------------------- whole-document JSON logs


def _otlp_value(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    for key in ("stringValue", "intValue", "doubleValue", "boolValue"):
        if key in value:
            return value[key]
    inner = value.get("arrayValue")
    if isinstance(inner, dict):
        return [_otlp_value(v) for v in _list(inner.get("values"))]
    inner = value.get("kvlistValue")
    if isinstance(inner, dict):
        return {str(kv.get("key")): _otlp_value(kv.get("value")) for kv in _dicts(inner.get("values"))}
    return None


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def otlp_attrs(attrs: Any) -> dict[str, Any]:
    if not isinstance(attrs, list):
        return {}
    return {str(a.get("key")): _otlp_value(a.get("value")) for a in attrs if isinstance(a, dict)}


def _otlp_records(doc: dict) -> Iterator[tuple[dict, str | None]]:
    for rl in _dicts(doc.get("resourceLogs")):
        resource = rl.get("resource")
        service = otlp_attrs(resource.get("attributes") if isinstance(resource, dict) else None).get("service.name")
        for sl in _dicts(rl.get("scopeLogs")):
            for rec in _dicts(sl.get("logRecords")):
                yield rec, _name(service)


def _dicts(value: Any) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def datadog_log_items(doc: Any) -> list[dict]:
    pages = doc if isinstance(doc, list) else [doc]
    items = []
    for page in pages:
        data = page.get("data") if isinstance(page, dict) else None
        if isinstance(data, list):
            items += [d for d in data if isinstance(d, dict) and d.get("type") == "log"
                      and isinstance(d.get("attributes"), dict)]
    return items


def document_count(doc: Any, fmt: str) -> int:
    if fmt == "otlp_json":
        return sum(1 for _ in _otlp_records(doc))
    if fmt == "json_array":
        return len(doc)
    return len(datadog_log_items(doc))


def is_log_array(doc: Any) -> bool:
    """A JSON array of log objects (e.g. exported from Kibana or Loki)."""
    return isinstance(doc, list) and bool(doc) and looks_like_log_objects(doc[:10]) and \
        all(isinstance(d, dict) for d in doc)


def iter_document(src: LogSource) -> Iterator[LogRecord]:
    text = read_text(Path(src.abs_path))
    doc = json.loads(text)
    if src.format == "otlp_json":
        lines = array_item_lines(text, ("resourceLogs", "*", "scopeLogs", "*", "logRecords"))
        for (rec, service), line in zip(_otlp_records(doc), lines + [0] * 10**6):
            body = _otlp_value(rec.get("body"))
            yield make_record(parse_any(rec.get("timeUnixNano") or rec.get("observedTimeUnixNano"), UTC)[0],
                              normalise_level(rec.get("severityText")) or normalise_level(rec.get("severityNumber")),
                              scrub(_text(body or "")), service or src.service, src.path, line or 1, "")
        return
    if src.format == "json_array":
        tz = zone(src.timezone)
        for obj, line in zip(doc, array_item_lines(text, ()) + [1] * len(doc)):
            yield _record(obj, src, line, "", tz, True)
        return
    doc = unwrap(doc)
    items = datadog_log_items(doc)
    lines = _datadog_lines(text)
    for item, line in zip(items, lines + [0] * len(items)):
        a = item["attributes"]
        yield make_record(parse_any(a.get("timestamp"), UTC)[0], normalise_level(a.get("status")),
                          scrub(_text(a.get("message") or "")), _name(a.get("service")) or _name(a.get("host"))
                          or src.service,
                          src.path, line or 1, "")


def _datadog_lines(text: str) -> list[int]:
    index = LineIndex(text)
    out = []
    for path in (("data",), ("*", "body", "data")):
        out = array_item_lines(text, path, index)
        if out:
            break
    return out
