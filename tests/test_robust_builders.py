"""Payload builders for the robustness tests: our own payloads, shaped like the real vendor samples
(../shared/data/formats), plus the report checks every robust test shares. Imported by test_robust_*.py."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "schemas" / "postmortem.schema.json"
T0 = datetime(2025, 6, 14, 9, 0, tzinfo=timezone.utc)
SECTIONS = ["## Executive Summary", "## Impact", "## Timeline", "## Root Cause Analysis (5-Whys)",
            "## Contributing Factors", "## What Went Well", "## What Went Wrong",
            "## Action Items (Remediation Plan)", "## Lessons Learned", "## Pattern Analysis (Cross-Incident Trends)",
            "## Appendix: Supporting Evidence", "## Sign-Off"]


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def iso(minutes: float, z: str = "Z") -> str:
    return at(minutes).strftime("%Y-%m-%dT%H:%M:%S.000") + z


def epoch(minutes: float) -> float:
    return at(minutes).timestamp()


def write_bundle(root: Path, files: dict[str, str | bytes | dict | list]) -> Path:
    """Write {relative name: text | bytes | JSON-able} under root; returns root."""
    for name, body in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            path.write_bytes(body)
        elif isinstance(body, str):
            path.write_text(body)
        else:
            path.write_text(json.dumps(body, indent=2))
    return root


# --------------------------------------------------------------------------- tickets


def opsgenie_alert(message: str = "checkout p99 latency high", *, note: str = "") -> dict:
    created = iso(4)
    return {"data": {"id": "70413a06-38d6-4c85-92b8-5ebc900d42e2", "tinyId": "1791", "alias": "checkout-latency",
                     "message": message, "status": "closed", "acknowledged": True, "isSeen": True,
                     "tags": ["checkout", "prod"], "snoozed": False, "count": 3, "lastOccurredAt": iso(9),
                     "createdAt": created, "updatedAt": iso(50), "source": "prometheus", "owner": "ana@example.org",
                     "priority": "P1", "teams": [{"id": "8418d193-2dab-4490-b331-8c02cdd196b7"}],
                     "responders": [{"type": "team", "id": "8418d193-2dab-4490-b331-8c02cdd196b7"}],
                     "integration": {"id": "4513b7ea-3b91-438f-b7e4-e3e54af9147c", "name": "prom", "type": "API"},
                     "report": {"ackTime": 240000, "closeTime": 2760000, "acknowledgedBy": "ana@example.org",
                                "closedBy": "ana@example.org"},
                     "actions": ["Restart"], "entity": "checkout", "description": note or "p99 over 2s",
                     "details": {"region": "eu-west-1"}},
            "took": 0.003, "requestId": "9ae63dd7-ed00-4c81-86f0-c229c2b9d7a0"}


def opsgenie_webhook(action: str = "Acknowledge", minutes: float = 8) -> dict:
    ms = int(epoch(minutes) * 1000)
    return {"source": {"name": "web", "type": "API"},
            "alert": {"updatedAt": ms * 1_000_000, "tags": ["checkout"], "teams": ["payments"],
                      "recipients": ["payments"], "message": "checkout p99 latency high", "username": "ana@example.org",
                      "alertId": "70413a06-38d6-4c85-92b8-5ebc900d42e2", "source": "ana@example.org",
                      "alias": "checkout-latency", "tinyId": "1791", "createdAt": ms, "userId": "u-1", "entity": ""},
            "action": action, "integrationId": "i-1", "integrationName": "Integration1"}


def _adf(*paragraphs: str) -> dict:
    return {"type": "doc", "version": 1,
            "content": [{"type": "paragraph", "content": [{"type": "text", "text": p}]} for p in paragraphs]}


def jira_v3_issue(note: str = "rolled back the search-indexer release") -> dict:
    def history(hid: str, minutes: float, field: str, old: str, new: str) -> dict:
        return {"id": hid, "author": {"accountId": "5b10a2844c20165700ede21g", "displayName": "Ravi K",
                                      "active": True}, "created": iso(minutes, "+0000"),
                "items": [{"field": field, "fieldtype": "jira", "from": None, "fromString": old, "to": None,
                           "toString": new}]}
    return {"expand": "renderedFields,names,schema,operations,editmeta,changelog", "id": "10231",
            "self": "https://example.atlassian.net/rest/api/3/issue/10231", "key": "OPS-412",
            "fields": {"summary": "Search results empty for EU customers", "created": iso(3, "+0000"),
                       "updated": iso(70, "+0000"), "resolutiondate": iso(65, "+0000"),
                       "priority": {"name": "Highest", "id": "1"}, "status": {"name": "Done"},
                       "issuetype": {"name": "Incident"}, "labels": ["search"],
                       "project": {"key": "OPS", "name": "Operations"},
                       "assignee": {"accountId": "5b10a2844c20165700ede21g", "displayName": "Ravi K"},
                       "reporter": {"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": "Mei L"},
                       "description": _adf("Search API returns empty result sets since 09:00 UTC.",
                                           "Started right after the search-indexer deploy."),
                       "comment": {"comments": [{"id": "1", "author": {"displayName": "Ravi K"},
                                                 "body": _adf(note), "created": iso(40, "+0000")}],
                                   "maxResults": 1, "total": 1, "startAt": 0}},
            "changelog": {"startAt": 0, "maxResults": 3, "total": 3,
                          "histories": [history("1", 12, "status", "Open", "In Progress"),
                                        history("2", 13, "assignee", "", "Ravi K"),
                                        history("3", 65, "status", "In Progress", "Done")]}}


def pagerduty_webhook(event_type: str = "incident.triggered", minutes: float = 5) -> dict:
    incident = {"id": "Q2L7WXZ9", "type": "incident", "self": "https://api.pagerduty.com/incidents/Q2L7WXZ9",
                "html_url": "https://acme.pagerduty.com/incidents/Q2L7WXZ9", "number": 311,
                "status": "resolved" if event_type.endswith("resolved") else "triggered",
                "incident_key": "b1f0c5d4", "created_at": iso(5), "title": "orders-db connection errors",
                "service": {"id": "PSVC01", "summary": "orders-api", "type": "service_reference"},
                "assignees": [{"id": "PUSR01", "summary": "Jo Oncall", "type": "user_reference"}],
                "escalation_policy": {"id": "PEP01", "summary": "Default", "type": "escalation_policy_reference"},
                "teams": [{"id": "PT01", "summary": "Orders", "type": "team_reference"}],
                "priority": {"id": "PP1", "summary": "P1", "type": "priority_reference"}, "urgency": "high"}
    return {"event": {"id": f"01D{event_type[-4:].upper()}Q", "event_type": event_type, "resource_type": "incident",
                      "occurred_at": iso(minutes), "agent": {"id": "PUSR01", "summary": "Jo Oncall",
                                                             "type": "user_reference"},
                      "client": None, "data": incident}}


def pagerduty_incident_nulls() -> dict:
    keys = ["id", "type", "summary", "self", "html_url", "incident_number", "title", "created_at", "updated_at",
            "status", "incident_key", "service", "assignments", "acknowledgements", "last_status_change_at",
            "last_status_change_by", "first_trigger_log_entry", "escalation_policy", "teams", "priority",
            "urgency", "resolve_reason", "alert_counts", "body", "description", "resolved_at"]
    return {"incident": {k: None for k in keys}}


# --------------------------------------------------------------------------- alerts


def _am_alert(name: str, start: float, *, end: float | None = None, service: str = "checkout",
              annotations: dict | None = None, fp: str = "3c8f9a1b2d4e5f60", with_end: bool = True) -> dict:
    alert = {"status": "resolved" if end is not None else "firing",
             "labels": {"alertname": name, "service": service, "severity": "critical", "instance": "web-3:9100"},
             "annotations": annotations or {"summary": f"{name} on {service}", "description": "p99 above 2s"},
             "startsAt": iso(start), "generatorURL": "http://prometheus:9090/graph?g0.expr=up", "fingerprint": fp}
    if with_end:
        alert["endsAt"] = iso(end) if end is not None else "0001-01-01T00:00:00Z"
    return alert


def alertmanager_webhook(alerts: list[dict] | None = None, *, with_end: bool = True) -> dict:
    alerts = alerts or [_am_alert("CheckoutLatencyHigh", 2, with_end=with_end)]
    return {"version": "4", "groupKey": '{}:{alertname="CheckoutLatencyHigh"}', "truncatedAlerts": 0,
            "status": alerts[0]["status"], "receiver": "pager", "groupLabels": {"alertname": "CheckoutLatencyHigh"},
            "commonLabels": {"service": "checkout"}, "commonAnnotations": {}, "externalURL": "http://am:9093",
            "alerts": alerts}


def grafana_webhook(annotation: str = "orders-db connections exhausted") -> dict:
    alert = _am_alert("OrdersDbConnections", 3, service="orders-api", fp="9d2c4e6f8a0b1c3d",
                      annotations={"summary": annotation, "description": "pool at 100%",
                                   "runbook_url": "https://runbooks.example.org/db"})
    alert.update({"silenceURL": "https://grafana.example.org/alerting/silence/new", "dashboardURL": "",
                  "panelURL": "", "values": {"B": 100.0, "C": 1}})
    return {"receiver": "oncall-hook", "status": "firing", "orgId": 1, "alerts": [alert], "groupLabels": {},
            "commonLabels": {"service": "orders-api"}, "commonAnnotations": {},
            "externalURL": "https://grafana.example.org/",
            "version": "1", "groupKey": "{}:{}", "truncatedAlerts": 0, "title": "[FIRING:1] OrdersDbConnections",
            "state": "alerting", "message": "**Firing**"}


def prometheus_alerts(annotation: str = "indexer error ratio above 5%") -> dict:
    return {"status": "success", "data": {"alerts": [
        {"labels": {"alertname": "SearchEmptyResults", "service": "search-api", "severity": "page"},
         "annotations": {"summary": annotation}, "state": "firing", "activeAt": iso(2, "+00:00"),
         "value": "8.1e-01"}]}}


# --------------------------------------------------------------------------- metrics, traces, logs


def csv_metrics(name: str = "checkout_p99_ms") -> str:
    rows = ["timestamp,value,series"]
    for m in range(-30, 60, 1):
        value = 200 + (4800 if 0 <= m < 45 else 0) + (m % 3)
        rows.append(f"{int(epoch(m))},{value},{name}")
    return "\n".join(rows) + "\n"


def jaeger_trace(service: str = "checkout", peer: str = "payments-gw") -> dict:
    def span(sid: str, op: str, minutes: float, error: bool, pid: str) -> dict:
        tags = [{"key": "span.kind", "type": "string", "value": "client"},
                {"key": "http.status_code", "type": "int64", "value": 504 if error else 200}]
        if error:
            tags.append({"key": "error", "type": "bool", "value": True})
        return {"traceID": "7be2a4c19f0e33aa", "spanID": sid, "operationName": op,
                "references": [] if sid == "a1" else [{"refType": "CHILD_OF", "traceID": "7be2a4c19f0e33aa",
                                                        "spanID": "a1"}],
                "startTime": int(epoch(minutes) * 1_000_000), "duration": 2_004_000, "tags": tags,
                "logs": [], "processID": pid, "warnings": None}
    return {"data": [{"traceID": "7be2a4c19f0e33aa",
                      "spans": [span("a1", "POST /checkout", 6, True, "p1"), span("b2", "authorize", 6, True, "p2")],
                      "processes": {"p1": {"serviceName": service, "tags": []},
                                    "p2": {"serviceName": peer, "tags": []}}, "warnings": None}],
            "total": 0, "limit": 0, "offset": 0, "errors": None}


def otlp_traces(service: str = "search-api") -> dict:
    ns = str(int(epoch(7) * 1e9))
    return {"resourceSpans": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": service}}]},
        "scopeSpans": [{"scope": {"name": "search"}, "spans": [
            {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174", "parentSpanId": "",
             "name": "GET /search", "kind": 2, "startTimeUnixNano": ns, "endTimeUnixNano": str(int(ns) + 900_000_000),
             "attributes": [{"key": "http.status_code", "value": {"intValue": "500"}}],
             "status": {"code": 2, "message": "index not found"}}]}]}]}


def otlp_metrics() -> dict:
    points = [{"timeUnixNano": str(int(epoch(m) * 1e9)), "asDouble": 0.81 if 0 <= m < 60 else 0.01}
              for m in range(-20, 80, 2)]
    return {"resourceMetrics": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": "search-api"}}]},
        "scopeMetrics": [{"scope": {"name": "search"}, "metrics": [
            {"name": "search_empty_ratio", "unit": "1", "gauge": {"dataPoints": points}}]}]}]}


def syslog_5424(lines: list[tuple[float, int, str, str]]) -> str:
    """[(minutes, pri, app, message)] as RFC 5424 lines."""
    return "".join(f"<{pri}>1 {iso(m)} web-3 {app} 812 - - {msg}\n" for m, pri, app, msg in lines)


def jsonl_log(lines: list[tuple[float, str, str]], service: str = "search-api") -> str:
    return "".join(json.dumps({"ts": iso(m), "level": lvl, "msg": msg, "service": service}) + "\n"
                   for m, lvl, msg in lines)


def postgres_log(lines: list[tuple[float, str, str]]) -> str:
    return "".join(f"{at(m).strftime('%Y-%m-%d %H:%M:%S.000')} UTC [4711] {lvl}:  {msg}\n" for m, lvl, msg in lines)


def datadog_logs(lines: list[tuple[float, str, str]]) -> list:
    data = [{"attributes": {"status": lvl, "timestamp": iso(m), "host": "orders-1", "service": "orders-api",
                            "message": msg, "tags": ["env:prod", "service:orders-api"]},
             "type": "log", "id": f"AQAAAY{i:04d}"} for i, (m, lvl, msg) in enumerate(lines)]
    return [{"request": {"method": "GET", "uri": "https://api.datadoghq.com/api/v2/logs/events"}, "status": 200,
             "body": {"meta": {"page": {"after": "x"}}, "data": data, "links": {"next": ""}}}]


# --------------------------------------------------------------------------- chat and changes


def slack_export(channel: str, messages: list[tuple[float, str, str]], *, users: bool = True) -> dict[str, object]:
    """Files of a Slack export folder: channels.json, users.json (optional), <channel>/<day>.json."""
    day = [{"user": "U0CHAN", "type": "message", "subtype": "channel_join", "text": "<@U0CHAN> has joined the channel",
            "ts": f"{epoch(-60):.6f}"}]
    day += [{"client_msg_id": f"m{i}", "type": "message", "text": text, "user": user,
             "ts": f"{epoch(m):.6f}", "team": "T01"} for i, (m, user, text) in enumerate(messages)]
    files: dict[str, object] = {
        "channels.json": [{"id": "C0INC", "name": channel, "created": "1452837318", "creator": "U0CHAN",
                           "is_archived": False, "is_general": False, "members": ["U0CHAN", "U0ANA"],
                           "topic": {"value": "", "creator": "", "last_set": "0"},
                           "purpose": {"value": "", "creator": "", "last_set": "0"}}],
        f"{channel}/{at(0).date().isoformat()}.json": day}
    if users:
        files["users.json"] = [{"id": uid, "team_id": "T01", "name": name, "deleted": False, "real_name": name.title(),
                                "profile": {"real_name": name.title(), "display_name": name}}
                               for uid, name in (("U0CHAN", "chan"), ("U0ANA", "ana"))]
    return files


def slack_history(messages: list[tuple[float, str, str]]) -> dict:
    return {"ok": True, "messages": [{"type": "message", "user": u, "text": t, "ts": f"{epoch(m):.6f}"}
                                     for m, u, t in reversed(messages)], "has_more": False}


def github_deployment(minutes: float = -6, *, description: str = "deploy orders-api v2.14.0",
                      env: str = "production") -> dict:
    repo = {"id": 17273051, "name": "orders-api", "full_name": "acme/orders-api", "private": True,
            "owner": {"login": "acme", "id": 1, "type": "Organization"}}
    return {"action": "created",
            "deployment": {"url": "https://api.github.com/repos/acme/orders-api/deployments/991", "id": 991,
                           "sha": "9049f1265b7d61be4a8904a9a27120d2064dab3b", "ref": "v2.14.0", "task": "deploy",
                           "payload": {}, "original_environment": env, "environment": env,
                           "description": description,
                           "creator": {"login": "release-bot", "id": 2, "type": "Bot"},
                           "created_at": iso(minutes), "updated_at": iso(minutes)},
            "repository": repo, "sender": {"login": "release-bot", "id": 2, "type": "Bot"}}


def incident_yaml(**extra) -> str:
    doc = {"id": "INC-2025-0614-007", "title": "Checkout latency spike", "severity": "SEV-2", "service": "checkout",
           "owning_team": "payments", "reviewers": ["sre-lead"], "sla_target": 99.9}
    doc.update(extra)
    return yaml.safe_dump(doc, sort_keys=False)


# --------------------------------------------------------------------------- report checks


def check_report(out: Path) -> dict:
    """Assert the draft in ``out`` is complete and cited; returns the parsed postmortem.json."""
    md = (out / "postmortem.md").read_text()
    positions = [md.find(s) for s in SECTIONS]
    assert min(positions) >= 0, [s for s, p in zip(SECTIONS, positions) if p < 0]
    assert positions == sorted(positions)
    body, appendix = md.split("## Appendix: Supporting Evidence", 1)
    cited = {i for g in re.findall(r"\[(E\d+(?:,\s*E\d+)*)\]", body) for i in re.split(r",\s*", g)}
    listed = set(re.findall(r"^- \*\*(E\d+)\*\*", appendix, re.M))
    assert cited, "no [E..] citations in the report body"
    assert cited <= listed, f"cited but not in the appendix: {sorted(cited - listed)}"
    data = json.loads((out / "postmortem.json").read_text())
    jsonschema.validate(data, json.loads(SCHEMA.read_text()))
    card = yaml.safe_load((out / "position_card.yaml").read_text())
    assert isinstance(card, dict) and card
    return data


def test_builders_are_json_and_dated():
    """The builders themselves: every payload serialises and the base time is UTC."""
    for payload in (opsgenie_alert(), jira_v3_issue(), pagerduty_webhook(), grafana_webhook(), jaeger_trace(),
                    otlp_traces(), otlp_metrics(), prometheus_alerts(), datadog_logs([(1, "error", "x")])):
        assert json.loads(json.dumps(payload)) == payload
    assert at(0).tzinfo is timezone.utc and csv_metrics().count("\n") == 91
