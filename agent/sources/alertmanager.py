"""Alerts: Alertmanager webhook v4 (one object, a list, or JSON lines), Grafana's Alertmanager-compatible
webhook, Alertmanager API v2 alert lists, and Prometheus ``/api/v1/alerts`` and ``/api/v1/rules``.

Each alert also becomes an Event (alert_firing / alert_resolved) keyed fingerprint:status:startsAt, so
repeated notifications of the same alert dedupe downstream.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from agent.models import Alert
from agent.sources.context import FileCtx, first
from agent.sources.detect import Detector, Sniff, items_of
from agent.sources.levels import normalise_level
from agent.sources.scrub import scrub

_SERVICE_LABELS = ("service", "app", "application", "job", "component", "container", "namespace")


def fingerprint(labels: dict[str, str]) -> str:
    """A stable hash of the sorted labels (Alertmanager's own fingerprint is used when present)."""
    raw = "\x1f".join(f"{k}={v}" for k, v in sorted(labels.items()))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _is_webhook(d: Any) -> bool:
    return isinstance(d, dict) and isinstance(d.get("alerts"), list) and bool(
        {"version", "receiver", "groupKey", "status"} & set(d))


def _webhook_docs(sn: Sniff) -> list[dict]:
    """The webhook documents of a file (looked for once: two detectors score them, one parses them)."""
    if "alertmanager.webhooks" not in sn.cache:
        docs = sn.jsonl if sn.jsonl is not None else (sn.doc if isinstance(sn.doc, list) else [sn.doc])
        sn.cache["alertmanager.webhooks"] = [d for d in docs if _is_webhook(d)]
    return sn.cache["alertmanager.webhooks"]


def score_webhook(sn: Sniff) -> float:
    docs = _webhook_docs(sn)
    return 0.92 if docs and not any("orgId" in d for d in docs) else 0.0


def score_grafana(sn: Sniff) -> float:
    docs = _webhook_docs(sn)
    return 0.93 if docs and any("orgId" in d for d in docs) else 0.0


_API_KEYS = {"labels", "annotations", "startsAt", "endsAt", "updatedAt", "generatorURL", "fingerprint", "receivers",
             "status"}


def _is_api_alert(a: dict) -> bool:
    return isinstance(a.get("labels"), dict) and set(a) <= _API_KEYS


def score_api_v2(sn: Sniff) -> float:
    items = items_of(sn.doc) if isinstance(sn.doc, list) else []
    return 0.85 if items and all(_is_api_alert(a) for a in items[:10]) else 0.0


def _prom_alerts(doc: Any) -> list[dict]:
    data = doc.get("data") if isinstance(doc, dict) and doc.get("status") in ("success", "error") else None
    if not isinstance(data, dict):
        return []
    if isinstance(data.get("alerts"), list):
        return items_of(data, "alerts")
    rules = [r for g in items_of(data, "groups") for r in items_of(g, "rules")]
    return [a for r in rules for a in items_of(r, "alerts")]


def score_prometheus(sn: Sniff) -> float:
    data = sn.doc.get("data") if isinstance(sn.doc, dict) else None
    if isinstance(data, dict) and sn.doc.get("status") == "success":
        if isinstance(data.get("alerts"), list) or isinstance(data.get("groups"), list):
            return 0.9
    return 0.0


class _Scrubbed(dict):
    """``scrub`` of each distinct text once per file: a file's alerts repeat their annotations."""

    def __missing__(self, text: str) -> str:
        self[text] = clean = scrub(text)
        return clean


def _alert(a: dict, ctx: FileCtx, line: int | None, common: dict, scrubbed: _Scrubbed | None = None) -> int:
    """Add one alert and its event; 0 when it has no start time (Alertmanager's POST bodies may omit it)."""
    scrubbed = _Scrubbed() if scrubbed is None else scrubbed
    labels = {str(k): str(v) for k, v in {**common, **(a.get("labels") or {})}.items()}
    annotations = {str(k): scrubbed[str(v)] for k, v in (a.get("annotations") or {}).items()}
    start = ctx.time(first(a.get("startsAt"), a.get("activeAt")), line)
    if start is None:
        ctx.out.warnings.append(f"{ctx.pointer(line)}: alert without a start time skipped")
        return 0
    raw_status = a.get("status") if isinstance(a.get("status"), str) else a.get("state")
    status = "resolved" if str(raw_status).lower() in ("resolved", "inactive", "ok", "normal") else "firing"
    ends = ctx.time(a.get("endsAt"), line)
    fp = str(a.get("fingerprint") or fingerprint(labels))
    name = labels.get("alertname") or labels.get("__alert_rule_title__") or "alert"
    service = first(*(labels.get(k) for k in _SERVICE_LABELS))
    alert = Alert(fingerprint=fp, name=name, status=status, labels=labels, annotations=annotations, starts_at=start,
                  ends_at=ends, severity=labels.get("severity"), service=service, source_file=ctx.rel, line=line)
    ctx.out.alerts.append(alert)
    summary = first(annotations.get("summary"), annotations.get("description"), annotations.get("message"), "")
    at = ends if status == "resolved" and ends else start
    text = scrubbed[f"{name} {status}" + (f": {summary}" if summary else "")]
    ctx.event(at, "alert", f"alert_{status}", text, line=line, scrubbed=True, service=service,
              level=normalise_level(alert.severity) or ("info" if status == "resolved" else None),
              key=f"{fp}:{status}:{start.isoformat()}", attrs={"fingerprint": fp, "alertname": name})
    return 1


def parse_webhook(sn: Sniff, ctx: FileCtx) -> int:
    if sn.jsonl is not None:
        return _parse_jsonl(ctx)
    docs = _webhook_docs(sn)
    path = ("alerts",) if isinstance(sn.doc, dict) else ("*", "alerts")
    total = sum(len(items_of(d, "alerts")) for d in docs)
    lines, scrubbed = iter(ctx.item_lines(path, total)), _Scrubbed()
    return sum(_alert(a, ctx, next(lines), doc.get("commonLabels") or {}, scrubbed) for doc in docs
               for a in items_of(doc, "alerts"))


def _parse_jsonl(ctx: FileCtx) -> int:
    count = 0
    for lineno, raw in enumerate(ctx.text.splitlines(), start=1):
        try:
            doc = json.loads(raw) if raw.strip() else None
        except json.JSONDecodeError as exc:
            ctx.out.warnings.append(f"{ctx.rel}:{lineno}: malformed JSON line skipped: {exc.msg}")
            continue
        if _is_webhook(doc):
            count += sum(_alert(a, ctx, lineno, doc.get("commonLabels") or {}) for a in items_of(doc, "alerts"))
    return count


def parse_api_v2(sn: Sniff, ctx: FileCtx) -> int:
    items = items_of(sn.doc)
    return sum(_alert(a, ctx, line, {}) for a, line in zip(items, ctx.item_lines((), len(items))))


def parse_prometheus(sn: Sniff, ctx: FileCtx) -> int:
    alerts = _prom_alerts(sn.doc)
    path = ("data", "alerts") if isinstance(sn.doc["data"].get("alerts"), list) else \
        ("data", "groups", "*", "rules", "*", "alerts")
    return sum(_alert(a, ctx, line, {}) for a, line in zip(alerts, ctx.item_lines(path, len(alerts))))


DETECTORS = [
    Detector("alertmanager.webhook", score_webhook, parse_webhook, kind="alert"),
    Detector("grafana.webhook", score_grafana, parse_webhook, kind="alert"),
    Detector("alertmanager.api_v2", score_api_v2, parse_api_v2, kind="alert"),
    Detector("prometheus.alerts", score_prometheus, parse_prometheus, kind="alert"),
]
