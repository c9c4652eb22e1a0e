"""The native incident.yaml: what the telemetry cannot tell (title, severity, owning team, impact, SLA,
reviewers, the zone of zoneless timestamps). Detected by content: a YAML mapping with known keys."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from agent.models import IncidentMeta
from agent.sources.context import FileCtx
from agent.sources.detect import Detector, Sniff
from agent.sources.timeparse import parse_iso, to_utc, zone

KEYS = set(IncidentMeta.model_fields) - {"source_file"}
ALIASES = {"team": "owning_team", "incident_id": "id", "start_time": "start", "started_at": "start",
           "resolved_at": "resolved", "end": "resolved", "tz": "timezone", "sla": "sla_target",
           "followup": "follow_up", "follow_up_date": "follow_up", "sev": "severity"}
_STRONG = {"title", "severity", "owning_team", "impact", "sla_target", "reviewers", "distribution", "timezone",
           "approver", "status_page"}
_TIMES = ("start", "resolved", "follow_up")


def _normalised(doc: dict) -> dict[str, Any]:
    return {ALIASES.get(str(k), str(k)): v for k, v in doc.items()}


def score(sn: Sniff) -> float:
    if not isinstance(sn.yaml_doc, dict):
        return 0.0
    keys = set(_normalised(sn.yaml_doc))
    strong = len(keys & _STRONG)
    if strong >= 2 or (strong == 1 and len(keys & KEYS) >= 2):
        return 0.9
    return 0.6 if strong == 1 else 0.0


def _time(value: Any, tz_name: str | None) -> datetime | None:
    tz = zone(tz_name)
    if isinstance(value, datetime):
        return to_utc(value, tz)
    if isinstance(value, date):
        return to_utc(datetime(value.year, value.month, value.day), tz)
    if isinstance(value, str) and value.strip():
        return parse_iso(value, tz)[0]
    return None


def parse(sn: Sniff, ctx: FileCtx) -> int:
    doc = _normalised(sn.yaml_doc)
    tz_name = doc.get("timezone")
    for key in _TIMES:
        if key in doc:
            doc[key] = _time(doc[key], tz_name)
    impact = doc.get("impact")
    if isinstance(impact, dict):
        doc["impact"] = {k: None if v is None else str(v) for k, v in impact.items()}
    for key in ("reviewers", "distribution"):
        if isinstance(doc.get(key), str):
            doc[key] = [x.strip() for x in doc[key].split(",") if x.strip()]
    for key in ("id", "title", "severity", "service", "owning_team", "author", "approver"):
        if doc.get(key) is not None and not isinstance(doc[key], str):
            doc[key] = str(doc[key])
    if isinstance(doc.get("sla_target"), str):
        doc["sla_target"] = doc["sla_target"].rstrip("% ")
    try:
        meta = IncidentMeta.model_validate({**doc, "source_file": ctx.rel})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        line = ctx.line_of(f"{err['loc'][0]}:") if err["loc"] else None
        raise ValueError(f"{ctx.pointer(line)}: incident.yaml field '{field}': {err['msg']}") from None
    if ctx.out.meta is not None:
        ctx.out.warnings.append(f"{ctx.rel}: a second incident.yaml; the first one ({ctx.out.meta.source_file}) wins")
        return 1
    ctx.out.meta = meta
    if meta.timezone:
        ctx.out.tz, ctx.out.tz_name = zone(meta.timezone), meta.timezone
        if zone(meta.timezone) is zone(None) and meta.timezone.upper() not in ("UTC", "Z", "GMT"):
            ctx.out.warnings.append(f"{ctx.rel}: unknown timezone '{meta.timezone}'; using UTC")
            ctx.out.tz_name = None
    return 1


DETECTORS = [Detector("incident.yaml", score, parse, phase=0, kind="manual")]
