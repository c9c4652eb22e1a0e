"""The native incident.yaml: what the telemetry cannot tell (title, severity, owning team, impact, SLA,
reviewers, the zone of zoneless timestamps). Detected by content: a YAML mapping with known keys."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from agent.models import ImpactInput, IncidentMeta
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
_IMPACT_ALIASES = {"users": "users_affected", "affected_users": "users_affected",
                   "customers_affected": "users_affected",
                   "failed_requests": "requests_failed", "errors": "requests_failed", "revenue": "revenue_loss",
                   "revenue_impact": "revenue_loss", "complaints": "customer_complaints",
                   "support_tickets": "customer_complaints"}


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
    if "impact" in doc:
        doc["impact"] = _impact(doc["impact"], ctx)
    for key in ("reviewers", "distribution"):
        if isinstance(doc.get(key), str):
            doc[key] = [x.strip() for x in doc[key].split(",") if x.strip()]
    for key in ("id", "title", "severity", "service", "owning_team", "author", "approver"):
        if doc.get(key) is not None and not isinstance(doc[key], str):
            doc[key] = str(doc[key])
    if isinstance(doc.get("sla_target"), str):
        doc["sla_target"] = doc["sla_target"].rstrip("% ")
    meta = _validated(doc, ctx)
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


def _impact(value: Any, ctx: FileCtx) -> dict[str, str | None]:
    """Known impact keys (and their common spellings); anything else is dropped with a warning."""
    if not isinstance(value, dict):
        ctx.out.warnings.append(f"{ctx.pointer(ctx.line_of('impact:'))}: incident.yaml 'impact' is not a mapping "
                                f"(users_affected, requests_failed, revenue_loss, customer_complaints); ignored")
        return {}
    out: dict[str, str | None] = {}
    unknown = []
    for key, v in value.items():
        name = _IMPACT_ALIASES.get(str(key).lower(), str(key).lower())
        if name in ImpactInput.model_fields:
            out[name] = None if v is None else str(v)
        else:
            unknown.append(str(key))
    if unknown:
        ctx.out.warnings.append(f"{ctx.pointer(ctx.line_of('impact:'))}: incident.yaml impact keys ignored: "
                                f"{', '.join(unknown)}")
    return out


def _validated(doc: dict[str, Any], ctx: FileCtx) -> IncidentMeta:
    """Validate; a field with a bad value is dropped with a warning instead of losing the whole file."""
    for _ in range(len(doc) + 1):
        try:
            return IncidentMeta.model_validate({**doc, "source_file": ctx.rel})
        except ValidationError as exc:
            err = exc.errors()[0]
            if not err["loc"] or err["loc"][0] not in doc:
                raise ValueError(f"{ctx.rel}: incident.yaml: {err['msg']}") from None
            field = ".".join(str(p) for p in err["loc"])
            line = ctx.line_of(f"{err['loc'][0]}:")
            ctx.out.warnings.append(f"{ctx.pointer(line)}: incident.yaml field '{field}' ignored: {err['msg']}")
            del doc[err["loc"][0]]
    raise ValueError(f"{ctx.rel}: incident.yaml could not be read")


DETECTORS = [Detector("incident.yaml", score, parse, phase=0, kind="manual")]
