"""Traces: OTLP JSON (``resourceSpans``, also wrapped in ``{"result": ...}`` by Jaeger's API v3) and Jaeger
JSON (API ``{"data": [trace]}``, a single trace, Elasticsearch span documents, the protobuf-JSON domain model).

A span is an error when OTLP status.code is 2, or a Jaeger tag says error=true, otel.status_code=ERROR or
an HTTP status >= 500.
"""

from __future__ import annotations

import base64
import re
from datetime import datetime
from typing import Any

from agent.models import Span
from agent.sources.context import FileCtx, first
from agent.sources.detect import Detector, Sniff, items_of
from agent.sources.logfields import otlp_attrs
from agent.sources.scrub import scrub
from agent.sources.timeparse import from_epoch, parse_any

_HTTP_STATUS = ("http.status_code", "http.response.status_code")


def _otlp_doc(doc: Any) -> dict | None:
    if isinstance(doc, dict) and isinstance(doc.get("result"), dict):
        doc = doc["result"]
    return doc if isinstance(doc, dict) and isinstance(doc.get("resourceSpans"), list) else None


def score_otlp(sn: Sniff) -> float:
    return 0.95 if _otlp_doc(sn.doc) else 0.0


def _http_error(attrs: dict[str, Any]) -> bool:
    for key in _HTTP_STATUS:
        try:
            if int(str(attrs.get(key, 0))) >= 500:
                return True
        except ValueError:
            continue
    return False


def _otlp_span(s: dict, service: str, rel: str) -> Span | None:
    start = parse_any(s.get("startTimeUnixNano"))[0]
    if start is None:
        return None
    end = parse_any(s.get("endTimeUnixNano"))[0]
    status = s.get("status") or {}
    attrs = otlp_attrs(s.get("attributes"))
    error = str(status.get("code")) in ("2", "STATUS_CODE_ERROR") or _http_error(attrs)
    events = [e.get("name") for e in s.get("events") or [] if isinstance(e, dict) and e.get("name")]
    message = first(status.get("message"), attrs.get("exception.message"), "exception" if "exception" in events else "")
    return Span(trace_id=str(s.get("traceId", "")), span_id=str(s.get("spanId", "")),
                parent_id=s.get("parentSpanId") or None, service=service, name=str(s.get("name", "")), start=start,
                duration_ms=(end - start).total_seconds() * 1000 if end else 0.0, error=error,
                status_message=scrub(str(message or "")), attrs={k: scrub(str(v)) for k, v in attrs.items()},
                source_file=rel)


def parse_otlp(sn: Sniff, ctx: FileCtx) -> int:
    count = 0
    for rs in items_of(_otlp_doc(sn.doc), "resourceSpans"):
        service = str(otlp_attrs((rs.get("resource") or {}).get("attributes")).get("service.name") or "unknown")
        for ss in items_of(rs, "scopeSpans") or items_of(rs, "instrumentationLibrarySpans"):
            for s in items_of(ss, "spans"):
                span = _otlp_span(s, service, ctx.rel)
                if span:
                    ctx.out.spans.append(span)
                    count += 1
    return count


# ----------------------------------------------------------------------------- Jaeger


def _is_jaeger_span(s: Any) -> bool:
    return isinstance(s, dict) and "operationName" in s and ("spanID" in s or "spanId" in s) and "startTime" in s


def _jaeger_traces(doc: Any) -> list[dict]:
    """Normalise every Jaeger shape to a list of {"spans": [...], "processes": {...}}."""
    if isinstance(doc, dict) and isinstance(doc.get("data"), list):
        return [t for t in items_of(doc, "data") if isinstance(t.get("spans"), list)]
    if isinstance(doc, dict) and isinstance(doc.get("spans"), list):
        return [doc]
    if _is_jaeger_span(doc):
        return [{"spans": [doc]}]
    if isinstance(doc, list) and doc and all(_is_jaeger_span(s) for s in doc[:10]):
        return [{"spans": doc}]
    return []


def score_jaeger(sn: Sniff) -> float:
    traces = _jaeger_traces(sn.doc)
    return 0.9 if traces and any(_is_jaeger_span(s) for t in traces for s in t["spans"][:5]) else 0.0


def _tags(tags: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for t in tags or []:
        if not isinstance(t, dict) or "key" not in t:
            continue
        value = t.get("value")
        if value is None:
            value = next((t[k] for k in ("vStr", "vBool", "vInt64", "vFloat64", "vBinary") if k in t), None)
        out[str(t["key"])] = value
    return out


def _jaeger_error(tags: dict[str, Any]) -> bool:
    if str(tags.get("error", "")).lower() == "true":
        return True
    if str(tags.get("otel.status_code", "")).upper() == "ERROR":
        return True
    return _http_error(tags)


def _jaeger_id(value: Any) -> str:
    """Hex ids pass; the domain model's base64 ids are decoded to hex."""
    text = str(value or "")
    if text and not re.fullmatch(r"[0-9a-fA-F]+", text):
        try:
            return base64.b64decode(text).hex()
        except ValueError:
            return text
    return text


def _jaeger_time(s: dict) -> tuple[datetime | None, float]:
    start = s.get("startTime")
    dt = from_epoch(start) if isinstance(start, (int, float)) else parse_any(start)[0]
    dur = s.get("duration", 0)
    if isinstance(dur, str):  # domain model: "5000ns" / "1.5s"
        m = re.fullmatch(r"([\d.]+)(ns|us|µs|ms|s)", dur.strip())
        scale = {"ns": 1e-6, "us": 1e-3, "µs": 1e-3, "ms": 1.0, "s": 1000.0}
        return dt, float(m.group(1)) * scale[m.group(2)] if m else 0.0
    return dt, float(dur or 0) / 1000.0  # microseconds


def _jaeger_span(s: dict, processes: dict, rel: str) -> Span | None:
    start, duration_ms = _jaeger_time(s)
    if start is None:
        return None
    tags = _tags(s.get("tags"))
    process = s.get("process") or processes.get(s.get("processID"), {}) or {}
    refs = [r for r in s.get("references") or [] if isinstance(r, dict)]
    parent = first(s.get("parentSpanID"), *[r.get("spanID") or r.get("spanId") for r in refs
                                           if r.get("refType", "CHILD_OF") == "CHILD_OF"])
    message = first(tags.get("otel.status_description"), tags.get("error.message"), _log_error(s.get("logs")), "")
    return Span(trace_id=_jaeger_id(s.get("traceID") or s.get("traceId")),
                span_id=_jaeger_id(s.get("spanID") or s.get("spanId")), parent_id=_jaeger_id(parent) or None,
                service=str(process.get("serviceName") or "unknown"), name=str(s.get("operationName", "")),
                start=start, duration_ms=duration_ms, error=_jaeger_error(tags), status_message=scrub(str(message)),
                attrs={k: scrub(str(v)) for k, v in tags.items()}, source_file=rel)


def _log_error(logs: Any) -> str | None:
    for log in logs or []:
        fields = _tags((log or {}).get("fields"))
        if fields.get("event") == "error" or "error.object" in fields or "message" in fields:
            return str(first(fields.get("message"), fields.get("error.object"), "error"))
    return None


def parse_jaeger(sn: Sniff, ctx: FileCtx) -> int:
    count = 0
    for trace in _jaeger_traces(sn.doc):
        processes = trace.get("processes") or {}
        for s in items_of(trace, "spans"):
            span = _jaeger_span(s, processes, ctx.rel)
            if span:
                ctx.out.spans.append(span)
                count += 1
    return count


def _datadog_spans(doc: Any) -> list[dict]:
    return [d for d in items_of(doc, "data") if d.get("type") == "spans" and isinstance(d.get("attributes"), dict)] \
        if isinstance(doc, dict) else []


def score_datadog(sn: Sniff) -> float:
    return 0.9 if _datadog_spans(sn.doc) else 0.0


def parse_datadog(sn: Sniff, ctx: FileCtx) -> int:
    count = 0
    for item in _datadog_spans(sn.doc):
        a = item["attributes"]
        start, end = parse_any(a.get("start_timestamp"))[0], parse_any(a.get("end_timestamp"))[0]
        if start is None:
            continue
        custom = a.get("custom") or {}
        http = custom.get("http") if isinstance(custom.get("http"), dict) else {}
        error = str(a.get("status", "")).lower() == "error" or bool(custom.get("error")) or \
            _http_error({"http.status_code": http.get("status_code", 0)})
        message = (custom.get("error") or {}).get("message", "") if isinstance(custom.get("error"), dict) else ""
        ctx.out.spans.append(Span(
            trace_id=str(a.get("trace_id", "")), span_id=str(a.get("span_id", "")),
            parent_id=str(a["parent_id"]) if a.get("parent_id") not in (None, "", "0") else None,
            service=str(a.get("service") or "unknown"), name=str(a.get("resource_name") or a.get("type") or ""),
            start=start, duration_ms=(end - start).total_seconds() * 1000 if end else 0.0, error=error,
            status_message=scrub(str(message)), attrs={"env": str(a.get("env", "")), "host": str(a.get("host", ""))},
            source_file=ctx.rel))
        count += 1
    return count


DETECTORS = [
    Detector("datadog.spans", score_datadog, parse_datadog, kind="trace"),
    Detector("otlp.traces", score_otlp, parse_otlp, kind="trace"),
    Detector("jaeger.json", score_jaeger, parse_jaeger, kind="trace"),
]
