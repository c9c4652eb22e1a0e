"""Payload builders for the sources tests: our own values, shaped exactly like the vendor samples in
../shared/data/formats (same keys and nesting). No tests live here."""

from __future__ import annotations

import json
from pathlib import Path


def write(root: Path, name: str, content: object) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(json.dumps(content, indent=2), encoding="utf-8")
    return path


def _ref(kind: str, id_: str, summary: str) -> dict:
    return {"id": id_, "type": f"{kind}_reference", "summary": summary,
            "self": f"https://api.pagerduty.com/{kind}s/{id_}", "html_url": f"https://acme.pagerduty.com/{kind}s/{id_}"}


def pd_incident(status: str = "resolved") -> dict:
    return {"incident": {
        "id": "Q1AB2CD", "type": "incident", "summary": "[#4711] Checkout API 5xx",
        "self": "https://api.pagerduty.com/incidents/Q1AB2CD", "html_url": "https://acme.pagerduty.com/incidents/Q1AB2CD",
        "incident_number": 4711, "title": "Checkout API 5xx", "created_at": "2024-03-05T14:02:00Z",
        "updated_at": "2024-03-05T15:10:00Z", "status": status, "incident_key": "f00dfeed",
        "service": _ref("service", "PSVC01", "checkout-api"),
        "assignments": [{"at": "2024-03-05T14:02:05Z", "assignee": _ref("user", "PUSR01", "Dana Oncall")}],
        "assigned_via": "escalation_policy", "last_status_change_at": "2024-03-05T15:10:00Z",
        "resolved_at": "2024-03-05T15:10:00Z" if status == "resolved" else None,
        "first_trigger_log_entry": _ref("trigger_log_entry", "R1", "Triggered through the API"),
        "alert_counts": {"all": 1, "triggered": 0, "resolved": 1}, "is_mergeable": True,
        "incident_type": {"name": "incident_default"},
        "escalation_policy": _ref("escalation_policy", "PEP1", "Payments"),
        "teams": [_ref("team", "PTEAM1", "payments")], "pending_actions": [],
        "acknowledgements": [{"at": "2024-03-05T14:05:00Z", "acknowledger": _ref("user", "PUSR01", "Dana Oncall")}],
        "alert_grouping": None, "last_status_change_by": _ref("user", "PUSR01", "Dana Oncall"),
        "priority": {"id": "PPRI1", "type": "priority_reference", "summary": "P1",
                     "self": "https://api.pagerduty.com/priorities/PPRI1"},
        "resolve_reason": None, "conference_bridge": {"conference_number": "", "conference_url": ""},
        "incidents_responders": [], "responder_requests": [], "urgency": "high",
        "custom_fields": [{"id": "F1", "type": "field_value", "name": "severity", "display_name": "Severity",
                           "description": "", "data_type": "string", "field_type": "single_value_fixed",
                           "value": "SEV-1"}],
    }}


def pd_log_entry(kind: str, at: str, agent: str = "Dana Oncall", **extra: object) -> dict:
    entry = {"id": f"L{kind[:3].upper()}{at[-3:-1]}", "type": f"{kind}_log_entry", "summary": f"{kind.title()}d by {agent}",
             "self": "https://api.pagerduty.com/log_entries/L1", "html_url": "https://acme.pagerduty.com/log_entries/L1",
             "created_at": at, "agent": _ref("user", "PUSR01", agent), "channel": {"type": "web_ui"},
             "incident": {"id": "Q1AB2CD", "type": "incident_reference", "summary": "[#4711] Checkout API 5xx",
                          "self": "https://api.pagerduty.com/incidents/Q1AB2CD",
                          "html_url": "https://acme.pagerduty.com/incidents/Q1AB2CD"},
             "teams": [_ref("team", "PTEAM1", "payments")], "contexts": [], "event_details": {}}
    entry.update(extra)
    return entry


def am_alert(name: str, status: str = "firing", start: str = "2024-03-05T14:01:00Z", fp: str | None = "a1b2c3d4",
             **labels: str) -> dict:
    alert = {"status": status, "labels": {"alertname": name, "severity": "critical", "service": "checkout", **labels},
             "annotations": {"summary": f"{name} on checkout", "description": "error rate above 5%"},
             "startsAt": start, "endsAt": "2024-03-05T15:00:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
             "generatorURL": "http://prometheus:9090/graph?g0.expr=x"}
    if fp:
        alert["fingerprint"] = fp
    return alert


def am_webhook(*alerts: dict, status: str = "firing") -> dict:
    return {"version": "4", "groupKey": "{}:{alertname=\"X\"}", "truncatedAlerts": 0, "status": status,
            "receiver": "pagerduty", "groupLabels": {"alertname": "X"}, "commonLabels": {"env": "prod"},
            "commonAnnotations": {}, "externalURL": "http://alertmanager:9093", "alerts": list(alerts)}


def prom_range(values: list[list]) -> dict:
    return {"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {"__name__": "http_requests_errors", "job": "checkout", "instance": "10.0.0.5:8080"},
         "values": values}]}}


def slack_message(ts: str, user: str, text: str, **extra: object) -> dict:
    return {"type": "message", "user": user, "text": text, "ts": ts, **extra}


def slack_users() -> list[dict]:
    return [{"id": "U01AAA", "team_id": "T01", "name": "dana", "deleted": False, "real_name": "Dana Oncall",
             "profile": {"real_name": "Dana Oncall", "display_name": "dana", "fields": None}},
            {"id": "U01BBB", "team_id": "T01", "name": "lee", "deleted": False, "real_name": "Lee Ops",
             "profile": {"real_name": "Lee Ops", "display_name": "", "fields": None}}]


def gh_deployment(status: str | None = None, description: str | None = None) -> dict:
    user = {"login": "deploy-bot", "id": 1, "type": "Bot", "site_admin": False}
    dep = {"url": "https://api.github.com/repos/acme/checkout/deployments/99", "id": 99, "node_id": "MDE",
           "sha": "abcdef1234567890", "ref": "v2.3.1", "task": "deploy", "payload": {}, "original_environment":
           "production", "environment": "production", "description": description, "creator": user,
           "created_at": "2024-03-05T13:55:00Z", "updated_at": "2024-03-05T13:55:00Z",
           "statuses_url": "https://api.github.com/x", "repository_url": "https://api.github.com/repos/acme/checkout"}
    body: dict = {"action": "created", "deployment": dep,
                  "repository": {"id": 5, "name": "checkout", "full_name": "acme/checkout"}, "sender": user}
    if status:
        body["deployment_status"] = {"url": "https://api.github.com/x/statuses/1", "id": 1, "node_id": "MDE2",
                                     "state": status, "creator": user, "description": "", "environment": "production",
                                     "target_url": "", "created_at": "2024-03-05T13:58:00Z",
                                     "updated_at": "2024-03-05T13:58:00Z", "deployment_url": dep["url"],
                                     "repository_url": dep["repository_url"]}
    return body


INCIDENT_YAML = """\
# what the telemetry cannot tell
title: Checkout outage
severity: SEV-1
owning_team: payments
service: checkout
reviewers: [alice, bob]
distribution: eng-all@example.com
impact:
  users_affected: 12000
  revenue_loss: "$5,000"
sla_target: 99.9
timezone: Europe/Berlin
start: 2024-03-05 15:00:00
"""
