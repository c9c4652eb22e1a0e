"""Ticket parsers: PagerDuty, Opsgenie, JIRA, Datadog incidents."""

from __future__ import annotations

from datetime import datetime, timezone

from agent.sources import load_bundle
from test_sources_payloads import pd_incident, pd_log_entry, write

UTC = timezone.utc


def _kinds(bundle):
    return [(e.kind, e.actor) for e in bundle.events]


def test_pagerduty_incident_becomes_ticket_and_events(tmp_path):
    write(tmp_path, "pd.json", pd_incident())
    b = load_bundle(tmp_path)
    (t,) = b.tickets
    assert (t.system, t.id, t.number, t.service, t.team, t.priority, t.severity) == \
        ("pagerduty", "Q1AB2CD", "4711", "checkout-api", "payments", "P1", "SEV-1")
    assert t.created_at == datetime(2024, 3, 5, 14, 2, tzinfo=UTC)
    assert t.acknowledged_at == datetime(2024, 3, 5, 14, 5, tzinfo=UTC)
    assert t.resolved_at == datetime(2024, 3, 5, 15, 10, tzinfo=UTC) and t.assignees == ["Dana Oncall"]
    assert [k for k, _ in _kinds(b)] == ["page", "assign", "acknowledge", "resolve"]
    assert b.files[0].format == "pagerduty.incident" and b.files[0].records == 1


def test_pagerduty_log_entries_map_to_event_kinds_with_actor_and_line(tmp_path):
    entries = [pd_log_entry("trigger", "2024-03-05T14:02:00Z", agent="checkout-api"),
               pd_log_entry("acknowledge", "2024-03-05T14:05:00Z"),
               pd_log_entry("escalate", "2024-03-05T14:20:00Z"),
               pd_log_entry("annotate", "2024-03-05T14:25:00Z", channel={"type": "note", "summary": "rolling back"}),
               pd_log_entry("resolve", "2024-03-05T15:10:00Z"),
               pd_log_entry("notify", "2024-03-05T14:02:01Z")]
    write(tmp_path, "entries.json", {"log_entries": entries, "limit": 25, "offset": 0, "more": False})
    b = load_bundle(tmp_path)
    kinds = {e.kind: e for e in b.events}
    assert set(kinds) == {"page", "acknowledge", "escalate", "note", "resolve", "other"}
    assert kinds["acknowledge"].actor == "Dana Oncall" and "rolling back" in kinds["note"].text
    text = (tmp_path / "entries.json").read_text().splitlines()
    assert text[kinds["escalate"].line - 1].strip() == "{"
    assert '"escalate_log_entry"' in "".join(text[kinds["escalate"].line:kinds["escalate"].line + 3])


def test_pagerduty_incident_and_log_entries_share_dedupe_keys(tmp_path):
    write(tmp_path, "a.json", pd_incident())
    write(tmp_path, "b.json", {"log_entries": [pd_log_entry("trigger", "2024-03-05T14:02:00Z"),
                                               pd_log_entry("acknowledge", "2024-03-05T14:05:00Z")]})
    b = load_bundle(tmp_path)
    pages = [e for e in b.events if e.kind == "page"]
    acks = [e for e in b.events if e.kind == "acknowledge"]
    assert len(pages) == 2 and len({e.key for e in pages}) == 1
    assert len(acks) == 2 and len({e.key for e in acks}) == 1


def test_pagerduty_notes_and_webhook_v3(tmp_path):
    write(tmp_path, "notes.json", {"notes": [
        {"id": "N1", "user": {"id": "PUSR01", "type": "user_reference", "summary": "Dana Oncall"},
         "channel": {"summary": "The PagerDuty website or APIs"}, "content": "Restarted the pool",
         "created_at": "2024-03-05T09:30:00-05:00", "updated_at": "2024-03-05T09:30:00-05:00"}]})
    write(tmp_path, "hook.json", {"event": {
        "id": "e-1", "event_type": "incident.resolved", "resource_type": "incident",
        "occurred_at": "2024-03-05T15:10:00.100Z",
        "agent": {"id": "PUSR02", "type": "user_reference", "summary": "Lee Ops"}, "client": {"name": "PagerDuty"},
        "data": {"id": "Q9", "type": "incident", "number": 12, "status": "resolved", "title": "Queue backlog",
                 "created_at": "2024-03-05T14:00:00Z", "service": {"id": "S", "summary": "queue",
                                                                 "type": "service_reference"},
                 "assignees": [], "teams": [{"id": "T", "summary": "infra", "type": "team_reference"}],
                 "priority": {"id": "P", "summary": "P2", "type": "priority_reference"}, "urgency": "high"}}})
    b = load_bundle(tmp_path)
    note = next(e for e in b.events if e.kind == "note")
    assert note.time == datetime(2024, 3, 5, 14, 30, tzinfo=UTC) and note.actor == "Dana Oncall"
    resolve = next(e for e in b.events if e.kind == "resolve")
    assert resolve.actor == "Lee Ops" and resolve.service == "queue"
    assert b.tickets[0].title == "Queue backlog" and b.tickets[0].team == "infra"


def test_pagerduty_change_events_rest_and_events_api(tmp_path):
    write(tmp_path, "changes.json", {"change_events": [
        {"summary": "Rollback checkout to v2.3.0", "id": "C1", "timestamp": "2024-03-05T14:40:00Z",
         "type": "change_event", "source": "ci-runner-7", "integration": {"id": "I", "type": "x"},
         "services": [{"id": "PSVC01", "type": "service_reference"}],
         "custom_details": {"build_state": "passed", "build_number": "88"}, "links": []}],
        "limit": None, "offset": None, "total": None, "more": False})
    write(tmp_path, "change.json", {"routing_key": "abc", "payload": {
        "summary": "Increase DB pool timeout to 30s", "timestamp": "2024-03-05T13:50:00.000+0000",
        "source": "terraform", "custom_details": {"build_state": "passed"}}, "links": []})
    b = load_bundle(tmp_path)
    kinds = {c.kind: c for c in b.changes}
    assert kinds["rollback"].service == "PSVC01" and kinds["rollback"].status == "passed"
    assert kinds["config_change"].time == datetime(2024, 3, 5, 13, 50, tzinfo=UTC)
    assert {e.kind for e in b.events} == {"rollback", "config_change"}


def _og_alert() -> dict:
    return {"data": {
        "id": "70413a06-38d6-4c85-92b8-5ebc900d42e2", "tinyId": "1791", "alias": "checkout-5xx",
        "message": "Checkout 5xx above 5%", "status": "closed", "acknowledged": True, "isSeen": True,
        "tags": ["sev1"], "snoozed": False, "count": 3, "lastOccurredAt": "2024-03-05T14:03:00.000Z",
        "createdAt": "2024-03-05T14:01:00.000Z", "updatedAt": "2024-03-05T15:00:00.000Z", "source": "prometheus",
        "owner": "dana@example.com", "priority": "P1",
        "responders": [{"type": "team", "id": "4513b7ea", "name": "payments"}],
        "integration": {"id": "4513", "name": "Prometheus", "type": "API"},
        "report": {"ackTime": 240000, "closeTime": 3540000, "acknowledgedBy": "dana", "closedBy": "lee"},
        "actions": [], "entity": "checkout", "description": "error budget burning", "details": {"service": "checkout"}},
        "took": 0.003, "requestId": "9ae63dd7"}


def test_opsgenie_alert_and_webhook(tmp_path):
    write(tmp_path, "og.json", _og_alert())
    write(tmp_path, "hook.json", {
        "source": {"name": "web", "type": "API"},
        "alert": {"updatedAt": 1709647500000000000, "tags": ["db"], "teams": ["dba"], "recipients": ["x"],
                  "message": "Replica lag high", "username": "lee", "alertId": "b3c1", "source": "lee",
                  "alias": "lag", "tinyId": "12", "createdAt": 1709647200000, "userId": "u", "entity": ""},
        "action": "Acknowledge", "integrationId": "i", "integrationName": "Default API"})
    b = load_bundle(tmp_path)
    og = next(t for t in b.tickets if t.number == "1791")
    assert (og.team, og.priority, og.service) == ("payments", "P1", "checkout")
    assert og.acknowledged_at == datetime(2024, 3, 5, 14, 5, tzinfo=UTC)
    assert og.resolved_at == datetime(2024, 3, 5, 15, 0, tzinfo=UTC)
    ack = next(e for e in b.events if e.kind == "acknowledge" and e.actor == "lee")
    assert ack.time == datetime(2024, 3, 5, 14, 5, tzinfo=UTC)  # updatedAt is in nanoseconds
    assert {f.format for f in b.files} == {"opsgenie.alert", "opsgenie.webhook"}


def _jira_issue(description: object, with_changelog: bool = True) -> dict:
    issue = {
        "expand": "operations,changelog", "id": "20001", "self": "https://acme.atlassian.net/rest/api/3/issue/20001",
        "key": "INC-88",
        "fields": {
            "issuetype": {"id": "10", "name": "Incident", "subtask": False},
            "project": {"id": "1", "key": "INC", "name": "Incidents"},
            "summary": "Checkout failing", "description": description,
            "priority": {"name": "Highest", "id": "1"}, "labels": ["sev-2"],
            "components": [{"id": "5", "name": "checkout"}],
            "assignee": {"displayName": "Dana Oncall", "accountId": "a1", "active": True},
            "reporter": {"displayName": "Lee Ops", "accountId": "a2"},
            "created": "2024-03-05T14:02:00.000+0000", "updated": "2024-03-05T15:20:00.000+0000",
            "resolutiondate": "2024-03-05T15:20:00.000+0000",
            "status": {"name": "Done", "id": "3", "statusCategory": {"id": 3, "key": "done", "name": "Done"}},
            "comment": {"comments": [{"id": "c1", "author": {"displayName": "Dana Oncall"},
                                      "body": "Pool exhausted; rolling back", "created": "2024-03-05T14:30:00.000+0000"}]},
        }}
    if with_changelog:
        issue["changelog"] = {"histories": [
            {"id": "h1", "author": {"displayName": "Dana Oncall"}, "created": "2024-03-05T14:06:00.000+0000",
             "items": [{"field": "status", "fieldtype": "jira", "from": "1", "fromString": "Open", "to": "3",
                        "toString": "In Progress"}]},
            {"id": "h2", "author": {"displayName": "Dana Oncall"}, "created": "2024-03-05T15:20:00.000+0000",
             "items": [{"field": "status", "fieldtype": "jira", "from": "3", "fromString": "In Progress", "to": "5",
                        "toString": "Done"},
                       {"field": "summary", "fieldtype": "jira", "fromString": "a", "toString": "b"}]}]}
    return issue


def test_jira_v2_search_with_changelog(tmp_path):
    write(tmp_path, "search.json", {"expand": "schema,names", "startAt": 0, "maxResults": 50, "total": 1,
                                    "issues": [_jira_issue("Plain v2 description")]})
    b = load_bundle(tmp_path)
    (t,) = b.tickets
    assert (t.system, t.number, t.service, t.priority, t.severity, t.status) == \
        ("jira", "INC-88", "checkout", "Highest", "SEV-2", "Done")
    assert t.url == "https://acme.atlassian.net/browse/INC-88"
    assert [e.kind for e in b.events] == ["page", "acknowledge", "note", "resolve"]
    assert b.events[1].actor == "Dana Oncall" and b.events[3].time == datetime(2024, 3, 5, 15, 20, tzinfo=UTC)


def test_jira_v3_issue_adf_description(tmp_path):
    adf = {"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": "Customers see "},
                                          {"type": "text", "text": "HTTP 500", "marks": [{"type": "code"}]}]}]}
    issue = _jira_issue(adf, with_changelog=False)
    issue["fields"]["summary"] = None
    issue["fields"]["comment"]["comments"][0]["body"] = {"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": "ADF comment"}]}]}
    write(tmp_path, "issue.json", issue)
    b = load_bundle(tmp_path)
    assert b.files[0].format == "jira.issue"
    assert b.tickets[0].title == "Customers see HTTP 500"
    assert any(e.kind == "note" and e.text == "ADF comment" for e in b.events)
    assert any(e.kind == "resolve" for e in b.events)  # from resolutiondate when no changelog says so


def test_datadog_incident_recording(tmp_path):
    write(tmp_path, "dd.json", {"request": {"method": "GET", "uri": "https://api.datadoghq.com/api/v2/incidents/x"},
                                "status": 200, "body": {"data": {
                                    "type": "incidents", "id": "abc-123", "attributes": {
                                        "public_id": 77, "title": "Search latency", "resolved": None,
                                        "created": "2024-03-05T14:00:00.000000+00:00",
                                        "detected": "2024-03-05T13:58:00.000000+00:00",
                                        "fields": {"severity": {"type": "dropdown", "value": "SEV-2"},
                                                   "teams": {"type": "autocomplete", "value": ["search"]}},
                                        "severity": "SEV-2", "state": "active"}}}})
    b = load_bundle(tmp_path)
    (t,) = b.tickets
    assert (t.system, t.number, t.severity, t.team) == ("datadog", "77", "SEV-2", "search")
    assert b.events[0].kind == "page" and b.events[0].time == datetime(2024, 3, 5, 13, 58, tzinfo=UTC)
