"""Builders for real vendor payload shapes (key structure copied from the public API docs/samples).

Every builder takes plain values and returns a dict (JSON payloads) or a str (text formats).
Nothing here is incident-specific.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml

UTC = timezone.utc


def t(s: str) -> datetime:
    """'2026-02-05T14:00:00Z' -> aware datetime."""
    return datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(UTC)


def iso(dt: datetime, ms: bool = False) -> str:
    if ms:
        return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def slack_ts(dt: datetime, seq: int = 0) -> str:
    return f"{int(dt.timestamp())}.{seq:06d}"


def hexid(seed: str, n: int = 16) -> str:
    return hashlib.sha1(seed.encode()).hexdigest()[:n]


def pd_id(seed: str) -> str:
    return "P" + hashlib.sha1(seed.encode()).hexdigest()[:6].upper()


# --------------------------------------------------------------------------- PagerDuty


def _ref(kind: str, id_: str, summary: str, path: str) -> dict:
    return {"id": id_, "type": f"{kind}_reference", "summary": summary,
            "self": f"https://api.pagerduty.com/{path}/{id_}",
            "html_url": f"https://acme.pagerduty.com/{path}/{id_}"}


def pd_incident(*, number: int, title: str, created: datetime, status: str, service: str, team: str,
                assignee: str, acked: datetime | None, resolved: datetime | None, priority: str = "P1",
                urgency: str = "high") -> dict:
    iid = pd_id(f"inc{number}")
    user = _ref("user", pd_id(assignee), assignee, "users")
    last = resolved or acked or created
    inc = {
        "id": iid, "type": "incident", "summary": f"[#{number}] {title}",
        "self": f"https://api.pagerduty.com/incidents/{iid}",
        "html_url": f"https://acme.pagerduty.com/incidents/{iid}",
        "incident_number": number, "title": title, "created_at": iso(created), "updated_at": iso(last),
        "status": status, "incident_key": hexid(f"key{number}", 32),
        "service": _ref("service", pd_id(service), service, "service-directory"),
        "assignments": [{"at": iso(acked or created), "assignee": user}] if status != "resolved" else [],
        "assigned_via": "escalation_policy", "last_status_change_at": iso(last),
        "resolved_at": iso(resolved) if resolved else None,
        "first_trigger_log_entry": {"id": hexid(f"trig{number}", 14).upper(), "type": "trigger_log_entry_reference",
                                    "summary": "Triggered through the API",
                                    "self": f"https://api.pagerduty.com/log_entries/{hexid(f'trig{number}', 14).upper()}",
                                    "html_url": f"https://acme.pagerduty.com/incidents/{iid}/log_entries/x"},
        "alert_counts": {"all": 1, "triggered": 0 if resolved else 1, "resolved": 1 if resolved else 0},
        "is_mergeable": True, "incident_type": {"name": "incident_default"},
        "escalation_policy": _ref("escalation_policy", pd_id(team + "ep"), f"{team} escalation", "escalation_policies"),
        "teams": [_ref("team", pd_id(team), team, "teams")],
        "pending_actions": [],
        "acknowledgements": [{"at": iso(acked), "acknowledger": user}] if acked and not resolved else [],
        "alert_grouping": None, "last_status_change_by": user,
        "priority": {"id": pd_id(priority), "type": "priority_reference", "summary": priority,
                     "self": f"https://api.pagerduty.com/priorities/{pd_id(priority)}"},
        "resolve_reason": None, "conference_bridge": {"conference_number": "", "conference_url": ""},
        "incidents_responders": [], "responder_requests": [], "urgency": urgency,
    }
    return {"incident": inc}


def pd_log_entries(incident: dict, entries: list[tuple[str, datetime, str, str]]) -> dict:
    """entries: (type, time, agent summary, extra text). type e.g. trigger_log_entry, acknowledge_log_entry,
    escalate_log_entry, annotate_log_entry, resolve_log_entry, notify_log_entry."""
    inc = incident["incident"]
    out = []
    for i, (kind, at, who, text) in enumerate(entries):
        lid = hexid(f"{inc['id']}{i}{kind}", 14).upper()
        agent_kind = "service" if kind == "trigger_log_entry" else "user"
        path = "service-directory" if agent_kind == "service" else "users"
        entry = {
            "id": lid, "type": kind, "summary": text,
            "self": f"https://api.pagerduty.com/log_entries/{lid}?incident_id={inc['id']}",
            "html_url": f"https://acme.pagerduty.com/incidents/{inc['id']}/log_entries/{lid}",
            "created_at": iso(at), "agent": _ref(agent_kind, pd_id(who), who, path),
            "channel": {"type": "api" if agent_kind == "service" else "website"},
            "incident": {"id": inc["id"], "type": "incident_reference", "summary": inc["summary"],
                         "self": inc["self"], "html_url": inc["html_url"]},
            "teams": inc["teams"], "contexts": [],
        }
        if kind == "trigger_log_entry":
            entry["event_details"] = {"description": text}
        if kind == "annotate_log_entry":
            entry["channel"] = {"type": "note", "summary": text}
        if kind == "escalate_log_entry":
            entry["assigned_user"] = _ref("user", pd_id(text), text, "users")
            entry["summary"] = f"Escalated to {text}"
        out.append(entry)
    return {"log_entries": out, "limit": 25, "offset": 0, "more": False, "total": None}


def pd_change_events(events: list[tuple[datetime, str, str, str, dict]]) -> dict:
    """events: (time, summary, source, service, custom_details)."""
    out = []
    for at, summary, source, service, details in sorted(events, key=lambda e: e[0], reverse=True):
        cid = hexid(summary + iso(at), 26).upper()
        out.append({"summary": summary, "id": cid, "timestamp": iso(at), "type": "change_event", "source": source,
                    "integration": {"id": pd_id(source), "type": "inbound_integration_reference"},
                    "services": [{"id": pd_id(service), "type": "service_reference"}],
                    "custom_details": details,
                    "links": [{"href": f"https://ci.acme.example/builds/{cid[:8].lower()}", "text": "View build"}]})
    return {"change_events": out, "limit": None, "offset": None, "total": None, "more": False}


# --------------------------------------------------------------------------- Opsgenie


def opsgenie_alert(*, tiny: int, message: str, created: datetime, acked: datetime | None, closed: datetime | None,
                   priority: str, team: str, source: str, entity: str, description: str, tags: list[str],
                   details: dict[str, str], acked_by: str = "", closed_by: str = "", count: int = 1) -> dict:
    aid = f"{hexid(message, 8)}-{hexid(message + '1', 4)}-4{hexid(message + '2', 3)}-8{hexid(message + '3', 3)}-{hexid(message + '4', 12)}"
    report: dict = {}
    if acked:
        report.update(ackTime=int((acked - created).total_seconds() * 1000), acknowledgedBy=acked_by)
    if closed:
        report.update(closeTime=int((closed - created).total_seconds() * 1000), closedBy=closed_by)
    data = {
        "id": aid, "tinyId": str(tiny), "alias": hexid(message, 24), "message": message,
        "status": "closed" if closed else "open", "acknowledged": bool(acked), "isSeen": True, "tags": tags,
        "snoozed": False, "count": count, "lastOccurredAt": iso(created, ms=True), "createdAt": iso(created, ms=True),
        "updatedAt": iso(closed or acked or created, ms=True), "source": source, "owner": acked_by,
        "priority": priority, "responders": [{"type": "team", "id": hexid(team, 8) + "-" + hexid(team, 4)}],
        "integration": {"id": hexid("int" + source, 8), "name": "Prometheus", "type": "Prometheus"},
        "report": report, "actions": ["Restart", "Rollback"], "entity": entity, "description": description,
        "details": details,
    }
    return {"data": data, "took": 0.012, "requestId": hexid(message + "req", 8) + "-" + hexid(message, 4)}


def opsgenie_webhook(*, action: str, at: datetime, created: datetime, tiny: int, message: str, alias: str,
                     username: str, team: str, entity: str, tags: list[str], note: str = "") -> dict:
    """An Opsgenie outgoing webhook (alert action: Create, Acknowledge, AddNote, Close...)."""
    alert = {"updatedAt": int(at.timestamp() * 1e9), "tags": tags, "teams": [team], "recipients": [team],
             "message": message, "username": username, "alertId": hexid(alias, 8) + "-" + hexid(alias + "x", 4),
             "source": username, "alias": alias, "tinyId": str(tiny), "createdAt": int(created.timestamp() * 1000),
             "userId": hexid(username, 8) + "-" + hexid(username + "u", 4), "entity": entity}
    if note:
        alert["note"] = note
    return {"source": {"name": "web", "type": "API"}, "alert": alert, "action": action,
            "integrationId": hexid("hook" + team, 8) + "-" + hexid(team, 4), "integrationName": "Incident webhook"}


# --------------------------------------------------------------------------- JIRA


def jira_user(name: str) -> dict:
    key = name.lower().replace(" ", ".")
    return {"self": f"https://acme.atlassian.net/rest/api/2/user?accountId={hexid(key, 24)}",
            "accountId": hexid(key, 24), "displayName": name, "active": True, "timeZone": "Etc/UTC",
            "avatarUrls": {"48x48": f"https://avatar.example/{hexid(key)}?s=48"}}


def jira_time(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def jira_issue(*, key: str, summary: str, description: str, created: datetime, priority: str, status: str,
               assignee: str, reporter: str, labels: list[str], component: str,
               histories: list[tuple[datetime, str, list[tuple[str, str | None, str | None]]]],
               resolved: datetime | None = None) -> dict:
    """histories: (time, author, [(field, fromString, toString)])."""
    iid = str(10000 + int(hexid(key, 4), 16) % 9000)
    hist = [{"id": str(20000 + i), "author": jira_user(who), "created": jira_time(at),
             "items": [{"field": f, "fieldtype": "jira", "from": None, "fromString": a, "to": None, "toString": b}
                       for f, a, b in items]}
            for i, (at, who, items) in enumerate(histories)]
    fields = {
        "issuetype": {"self": "https://acme.atlassian.net/rest/api/2/issuetype/10004", "id": "10004",
                      "description": "A problem in production.", "name": "Incident", "subtask": False},
        "project": {"self": "https://acme.atlassian.net/rest/api/2/project/10302", "id": "10302",
                    "key": key.split("-")[0], "name": "Operations"},
        "summary": summary, "description": description, "created": jira_time(created),
        "updated": jira_time(histories[-1][0] if histories else created),
        "priority": {"self": "https://acme.atlassian.net/rest/api/2/priority/1", "name": priority, "id": "1"},
        "status": {"self": "https://acme.atlassian.net/rest/api/2/status/10001", "name": status, "id": "10001",
                   "statusCategory": {"id": 3, "key": "done" if resolved else "indeterminate",
                                      "name": "Done" if resolved else "In Progress"}},
        "resolution": {"id": "10000", "name": "Done", "description": ""} if resolved else None,
        "resolutiondate": jira_time(resolved) if resolved else None,
        "assignee": jira_user(assignee), "reporter": jira_user(reporter), "labels": labels,
        "components": [{"self": "https://acme.atlassian.net/rest/api/2/component/10100", "id": "10100",
                        "name": component}],
        "issuelinks": [], "fixVersions": [], "versions": [], "watches": {"watchCount": 3, "isWatching": False},
    }
    return {"expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
            "id": iid, "self": f"https://acme.atlassian.net/rest/api/2/issue/{iid}", "key": key, "fields": fields,
            "changelog": {"startAt": 0, "maxResults": len(hist), "total": len(hist), "histories": hist}}


# --------------------------------------------------------------------------- Alertmanager / Prometheus


def am_alert(*, name: str, labels: dict, annotations: dict, starts: datetime, ends: datetime | None,
             status: str, expr: str) -> dict:
    lab = {"alertname": name, **labels}
    fp = hexid(json.dumps(lab, sort_keys=True), 16)
    ends_s = iso(ends) if ends else "0001-01-01T00:00:00Z"
    return {"status": status, "labels": lab, "annotations": annotations, "startsAt": iso(starts, ms=True),
            "endsAt": ends_s, "generatorURL": f"http://prometheus.acme.internal:9090/graph?g0.expr={expr}&g0.tab=1",
            "fingerprint": fp}


def am_webhook(alerts: list[dict], *, receiver: str, group_by: list[str], reason: str = "") -> dict:
    status = "firing" if any(a["status"] == "firing" for a in alerts) else "resolved"
    common = {k: v for k, v in alerts[0]["labels"].items() if all(a["labels"].get(k) == v for a in alerts)}
    common_ann = {k: v for k, v in alerts[0]["annotations"].items()
                  if all(a["annotations"].get(k) == v for a in alerts)}
    group = {k: common[k] for k in group_by if k in common}
    payload = {"receiver": receiver, "status": status, "alerts": alerts, "groupLabels": group,
               "commonLabels": common, "commonAnnotations": common_ann,
               "externalURL": "http://alertmanager.acme.internal:9093", "version": "4",
               "groupKey": "{}:{" + ", ".join(f'{k}="{v}"' for k, v in group.items()) + "}",
               "truncatedAlerts": 0}
    if reason:
        payload["notification_reason"] = reason
    return payload


def prom_alerts(alerts: list[tuple[dict, dict, str, datetime, str]]) -> dict:
    """alerts: (labels, annotations, state, activeAt, value)."""
    return {"status": "success", "data": {"alerts": [
        {"labels": lab, "annotations": ann, "state": st, "activeAt": iso(at).replace("Z", ".000000000Z"),
         "value": val} for lab, ann, st, at, val in alerts]}}


def fmt_value(v: float | None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "NaN"
    return f"{v:.6g}"


def prom_matrix(series: list[tuple[dict, list[tuple[datetime, float | None]]]], *, drop: set = frozenset()) -> dict:
    """series: (metric labels incl. __name__, points). Points at times in `drop` are omitted (a scrape gap);
    a None value is written as the string "NaN"."""
    result = []
    for metric, points in series:
        values = [[round(at.timestamp(), 3), fmt_value(v)] for at, v in points if at not in drop]
        result.append({"metric": metric, "values": values})
    return {"status": "success", "data": {"resultType": "matrix", "result": result}}


def ramp(start: datetime, end: datetime, step_s: int, fn, seed: int = 1) -> list[tuple[datetime, float | None]]:
    """Sample fn(minutes_since_start, rng) every step_s seconds."""
    rng = random.Random(seed)
    out, at = [], start
    while at <= end:
        out.append((at, fn((at - start).total_seconds() / 60, rng)))
        at += timedelta(seconds=step_s)
    return out


def csv_metrics(series: list[tuple[str, list[tuple[datetime, float | None]]]]) -> str:
    rows = ["timestamp,value,series"]
    for name, points in series:
        rows += [f"{iso(at)},{'' if v is None else f'{v:.4g}'},{name}" for at, v in points]
    return "\n".join(rows) + "\n"


# --------------------------------------------------------------------------- traces


def otlp_traces(spans: list[dict]) -> dict:
    """spans: dicts with service, trace, span, parent, name, start, ms, error, message, attrs."""
    by_service: dict[str, list] = {}
    for s in spans:
        start_ns = int(s["start"].timestamp() * 1e9)
        span = {"traceId": s["trace"], "spanId": s["span"], "parentSpanId": s.get("parent") or "",
                "name": s["name"], "kind": s.get("kind", 2), "startTimeUnixNano": str(start_ns),
                "endTimeUnixNano": str(start_ns + int(s["ms"] * 1e6)),
                "attributes": [{"key": k, "value": {"stringValue": str(v)}} for k, v in s.get("attrs", {}).items()],
                "status": {"code": 2, "message": s.get("message", "")} if s.get("error") else {"code": 1}}
        by_service.setdefault(s["service"], []).append(span)
    return {"resourceSpans": [
        {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": svc}}]},
         "scopeSpans": [{"scope": {"name": "io.opentelemetry.instrumentation", "version": "1.32.0"}, "spans": sp}]}
        for svc, sp in by_service.items()]}


def jaeger_traces(spans: list[dict]) -> dict:
    """Jaeger query API /api/traces response; same span dicts as otlp_traces."""
    traces: dict[str, dict] = {}
    for s in spans:
        tr = traces.setdefault(s["trace"], {"traceID": s["trace"], "spans": [], "processes": {}, "warnings": None})
        procs = tr["processes"]
        pid = next((k for k, v in procs.items() if v["serviceName"] == s["service"]), None)
        if pid is None:
            pid = f"p{len(procs) + 1}"
            procs[pid] = {"serviceName": s["service"], "tags": [{"key": "hostname", "type": "string",
                                                                   "value": f"{s['service']}-7d9f"}]}
        tags = [{"key": k, "type": "string", "value": str(v)} for k, v in s.get("attrs", {}).items()]
        logs = []
        if s.get("error"):
            tags.append({"key": "error", "type": "bool", "value": True})
            logs.append({"timestamp": int(s["start"].timestamp() * 1e6),
                         "fields": [{"key": "event", "type": "string", "value": "error"},
                                    {"key": "message", "type": "string", "value": s.get("message", "")}]})
        refs = [{"refType": "CHILD_OF", "traceID": s["trace"], "spanID": s["parent"]}] if s.get("parent") else []
        tr["spans"].append({"traceID": s["trace"], "spanID": s["span"], "flags": 1, "operationName": s["name"],
                            "references": refs, "startTime": int(s["start"].timestamp() * 1e6),
                            "duration": int(s["ms"] * 1000), "tags": tags, "logs": logs, "processID": pid,
                            "warnings": None})
    return {"data": list(traces.values()), "total": 0, "limit": 0, "offset": 0, "errors": None}


# --------------------------------------------------------------------------- Slack


def slack_user(uid: str, name: str, real: str) -> dict:
    return {"id": uid, "team_id": "T0ACME001", "name": name, "deleted": False, "color": hexid(uid, 6),
            "real_name": real, "tz": "Etc/UTC", "tz_label": "Coordinated Universal Time", "tz_offset": 0,
            "profile": {"title": "", "phone": "", "skype": "", "real_name": real, "real_name_normalized": real,
                        "display_name": name, "display_name_normalized": name, "fields": None,
                        "status_text": "", "status_emoji": "", "avatar_hash": hexid(uid, 12),
                        "first_name": real.split()[0], "last_name": real.split()[-1],
                        "image_24": f"https://secure.gravatar.com/avatar/{hexid(uid, 32)}.jpg?s=24"},
            "is_admin": False, "is_owner": False, "is_bot": False, "updated": 1700000000}


def slack_message(at: datetime, user: str, text: str, seq: int = 0, **extra) -> dict:
    return {"type": "message", "user": user, "text": text, "ts": slack_ts(at, seq), **extra}


def slack_history(messages: list[dict]) -> dict:
    """conversations.history: newest first."""
    msgs = sorted(messages, key=lambda m: float(m["ts"]), reverse=True)
    return {"ok": True, "messages": msgs, "has_more": False, "pin_count": 0,
            "channel_actions_ts": None, "channel_actions_count": 0,
            "response_metadata": {"next_cursor": ""}}


def slack_channel(cid: str, name: str, created: datetime, members: list[str], purpose: str) -> dict:
    return {"id": cid, "name": name, "created": str(int(created.timestamp())), "creator": members[0],
            "is_archived": False, "is_general": False, "members": members,
            "topic": {"value": "", "creator": "", "last_set": "0"},
            "purpose": {"value": purpose, "creator": members[0], "last_set": str(int(created.timestamp()))}}


# --------------------------------------------------------------------------- GitHub


def gh_user(login: str) -> dict:
    uid = int(hexid(login, 7), 16)
    return {"login": login, "id": uid, "node_id": "MDQ6VXNlcj" + hexid(login, 8),
            "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4", "gravatar_id": "",
            "url": f"https://api.github.com/users/{login}", "html_url": f"https://github.com/{login}",
            "type": "User", "site_admin": False}


def gh_repo(full: str) -> dict:
    owner, name = full.split("/")
    rid = int(hexid(full, 8), 16)
    return {"id": rid, "node_id": "MDEwOlJlcG9zaXRvcnk" + hexid(full, 6), "name": name, "full_name": full,
            "private": True, "owner": {**gh_user(owner), "type": "Organization"},
            "html_url": f"https://github.com/{full}", "description": None, "fork": False,
            "url": f"https://api.github.com/repos/{full}", "default_branch": "main"}


def gh_deployment(*, repo: str, did: int, sha: str, ref: str, env: str, description: str, creator: str,
                  created: datetime, payload: dict | None = None) -> dict:
    base = f"https://api.github.com/repos/{repo}"
    return {"url": f"{base}/deployments/{did}", "id": did, "node_id": "MDEwOkRlcGxveW1lbnQ" + hexid(str(did), 6),
            "sha": sha, "ref": ref, "task": "deploy", "payload": payload or {}, "original_environment": env,
            "environment": env, "description": description, "creator": gh_user(creator),
            "created_at": iso(created), "updated_at": iso(created),
            "statuses_url": f"{base}/deployments/{did}/statuses", "repository_url": base,
            "performed_via_github_app": None}


def gh_deployment_event(dep: dict, repo: str, sender: str) -> dict:
    return {"action": "created", "deployment": dep, "repository": gh_repo(repo), "sender": gh_user(sender)}


def gh_deployment_status_event(dep: dict, repo: str, *, state: str, at: datetime, sender: str,
                               description: str = "") -> dict:
    base = f"https://api.github.com/repos/{repo}"
    sid = dep["id"] * 10 + len(state)
    status = {"url": f"{base}/deployments/{dep['id']}/statuses/{sid}", "id": sid,
              "node_id": "MDE2OkRlcGxveW1lbnRTdGF0dXM" + hexid(str(sid), 6), "state": state,
              "creator": gh_user(sender), "description": description, "environment": dep["environment"],
              "target_url": f"https://ci.acme.example/deploys/{dep['id']}", "created_at": iso(at),
              "updated_at": iso(at), "deployment_url": dep["url"], "repository_url": base}
    return {"action": "created", "deployment_status": status, "deployment": {**dep, "updated_at": iso(at)},
            "repository": gh_repo(repo), "sender": gh_user(sender)}


# --------------------------------------------------------------------------- writing


def write_json(path: Path, obj, indent: int | None = 2) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=indent) + "\n")


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if text.endswith("\n") else text + "\n")


def write_yaml(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(obj, sort_keys=False, allow_unicode=True, width=110))


def jsonl(rows: list[dict]) -> str:
    return "\n".join(json.dumps(r) for r in rows) + "\n"
