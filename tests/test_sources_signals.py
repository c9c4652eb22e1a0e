"""Alert, metric, trace, chat and change parsers."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from agent.sources import load_bundle
from agent.sources.alertmanager import fingerprint
from test_sources_payloads import am_alert, am_webhook, gh_deployment, prom_range, slack_message, slack_users, write

UTC = timezone.utc


def test_alertmanager_webhook_alerts_and_events(tmp_path):
    write(tmp_path, "am.json", am_webhook(am_alert("HighErrorRate"), am_alert("HighLatency", fp=None)))
    b = load_bundle(tmp_path)
    first, second = sorted(b.alerts, key=lambda a: a.name)
    assert (first.fingerprint, first.status, first.severity, first.service) == ("a1b2c3d4", "firing", "critical",
                                                                                "checkout")
    assert first.labels["env"] == "prod" and first.ends_at is None  # commonLabels merged; Go zero time dropped
    assert second.fingerprint == fingerprint(second.labels) and len(second.fingerprint) == 16
    ev = next(e for e in b.events if e.attrs["alertname"] == "HighErrorRate")
    assert ev.kind == "alert_firing" and ev.key == "a1b2c3d4:firing:2024-03-05T14:01:00+00:00"
    assert ev.level == "critical" and "HighErrorRate on checkout" in ev.text
    lines = (tmp_path / "am.json").read_text().splitlines()
    assert lines[first.line - 1].strip() == "{" and '"status": "firing"' in lines[first.line]


def test_alertmanager_list_and_jsonl_repeated_notifications_share_keys(tmp_path):
    firing = am_webhook(am_alert("DiskFull"))
    resolved = am_webhook(am_alert("DiskFull", status="resolved"), status="resolved")
    write(tmp_path, "list.json", [firing, resolved])
    write(tmp_path, "hooks.jsonl", json.dumps(firing) + "\n" + json.dumps(firing) + "\n" + json.dumps(resolved) + "\n")
    b = load_bundle(tmp_path)
    assert {f.format for f in b.files} == {"alertmanager.webhook"}
    jsonl = [e for e in b.events if e.source_file == "hooks.jsonl"]
    assert [e.line for e in jsonl] == [1, 2, 3]
    assert jsonl[0].key == jsonl[1].key != jsonl[2].key and jsonl[2].kind == "alert_resolved"
    assert jsonl[2].time == datetime(2024, 3, 5, 15, 0, tzinfo=UTC)  # resolved at endsAt


def test_prometheus_alerts_and_grafana_and_api_v2(tmp_path):
    write(tmp_path, "prom.json", {"data": {"alerts": [
        {"activeAt": "2024-03-05T15:01:00.5+01:00", "annotations": {"summary": "latency"},
         "labels": {"alertname": "SlowRequests", "severity": "page"}, "state": "firing", "value": "1e+00"}]},
        "status": "success"})
    grafana = am_webhook(am_alert("CPU", start="2024-03-05T15:00:00.157076+01:00"))
    grafana.update({"orgId": 1, "version": "1", "state": "alerting", "title": "[FIRING:1]"})
    write(tmp_path, "grafana.json", grafana)
    write(tmp_path, "v2.json", [{"labels": {"alertname": "Mem"}, "annotations": {}, "fingerprint": "ff00",
                                 "startsAt": "2024-03-05T14:03:00Z", "endsAt": "2024-03-05T14:33:00Z",
                                 "updatedAt": "2024-03-05T14:03:00Z", "receivers": [{"name": "x"}],
                                 "status": {"state": "active", "silencedBy": [], "inhibitedBy": [], "mutedBy": []}},
                                {"labels": {"alertname": "NoTime"}}])
    b = load_bundle(tmp_path)
    by = {a.name: a for a in b.alerts}
    assert by["SlowRequests"].starts_at == datetime(2024, 3, 5, 14, 1, 0, 500000, tzinfo=UTC)
    assert by["CPU"].starts_at == datetime(2024, 3, 5, 14, 0, 0, 157076, tzinfo=UTC)
    assert by["Mem"].status == "firing" and by["Mem"].fingerprint == "ff00"
    assert "NoTime" not in by and any("without a start time" in w for w in b.warnings)
    assert {f.path: f.format for f in b.files} == {"grafana.json": "grafana.webhook", "prom.json": "prometheus.alerts",
                                                   "v2.json": "alertmanager.api_v2"}


def test_prometheus_query_range_strings_nan_inf_and_gaps(tmp_path):
    values = [[1709647200, "0.5"], [1709647215, "NaN"], [1709647230, "+Inf"], [1709647245, "0.7"],
              [1709647305, "0.9"], [1709647320, "1.1"]]
    write(tmp_path, "err.json", prom_range(values))
    b = load_bundle(tmp_path)
    (s,) = b.series
    assert s.name == "http_requests_errors" and s.labels == {"job": "checkout", "instance": "10.0.0.5:8080"}
    vals = [v for _, v in s.points]
    assert vals[:4] == [0.5, None, None, 0.7] and vals[-2:] == [0.9, 1.1]
    assert None in vals[4:-2]  # the missing 60 s between 0.7 and 0.9 is marked as a gap
    assert s.points[0][0] == datetime(2024, 3, 5, 14, 0, tzinfo=UTC)
    assert any("NaN/Inf" in w for w in b.warnings)


def test_prometheus_instant_vector_single_points(tmp_path):
    write(tmp_path, "q.json", {"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": {"__name__": "up", "job": "api"}, "value": [1709647200.781, "1"]},
        {"metric": {"job": "db"}, "value": [1709647200.781, "0"]}]}})
    b = load_bundle(tmp_path)
    assert [(s.name, len(s.points), s.points[0][1]) for s in b.series] == [("up", 1, 1.0), ("q", 1, 0.0)]


def test_csv_metrics_header_or_not_epoch_or_iso(tmp_path):
    write(tmp_path, "a.csv", "timestamp,value\n2024-03-05T14:00:00Z,1.5\n2024-03-05T14:01:00Z,NaN\n"
                             "2024-03-05T14:02:00Z,2\n")
    write(tmp_path, "b.txt", "1709647200000,10,db_conns\n1709647260000,20,db_conns\n1709647200000,3,cpu\n")
    write(tmp_path, "c.csv", "time,p99_ms,errors\n1709647200,200,0\n1709647260,5000,12\n")
    b = load_bundle(tmp_path)
    by = {s.name: s for s in b.series}
    assert [v for _, v in by["a"].points] == [1.5, None, 2.0]
    assert [v for _, v in by["db_conns"].points] == [10.0, 20.0] and len(by["cpu"].points) == 1
    assert by["db_conns"].points[1][0] == datetime(2024, 3, 5, 14, 1, tzinfo=UTC)
    assert [v for _, v in by["p99_ms"].points] == [200.0, 5000.0] and "errors" in by
    assert {f.format for f in b.files} == {"metrics.csv"}


def _otlp_trace() -> dict:
    def span(span_id, parent, name, start, end, code=0, attrs=()):
        return {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": span_id, "parentSpanId": parent,
                "name": name, "startTimeUnixNano": start, "endTimeUnixNano": end, "kind": 2,
                "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs],
                "status": {"code": code, "message": "pool timeout" if code == 2 else ""}}
    return {"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "checkout"}}]},
        "scopeSpans": [{"scope": {"name": "otel", "version": "1.0.0"}, "spans": [
            span("eee19b7ec3c1b174", "", "POST /pay", "1709647200000000000", "1709647205000000000"),
            span("eee19b7ec3c1b175", "eee19b7ec3c1b174", "db.query", "1709647200100000000",
                 "1709647205000000000", code=2, attrs=[("db.system", "postgresql")])]}]}]}


def test_otlp_traces(tmp_path):
    write(tmp_path, "t.json", _otlp_trace())
    b = load_bundle(tmp_path)
    root, child = sorted(b.spans, key=lambda s: s.start)
    assert (root.service, root.duration_ms, root.error, root.parent_id) == ("checkout", 5000.0, False, None)
    assert child.error and child.status_message == "pool timeout" and child.parent_id == root.span_id
    assert child.start == datetime(2024, 3, 5, 14, 0, 0, 100000, tzinfo=UTC) and child.attrs["db.system"] == "postgresql"


def test_jaeger_api_and_span_list(tmp_path):
    def span(sid, tags, refs=(), pid="p1"):
        return {"traceID": "2be38093ead7a083", "spanID": sid, "flags": 1, "operationName": f"op-{sid}",
                "references": [{"refType": "CHILD_OF", "traceID": "2be38093ead7a083", "spanID": r} for r in refs],
                "startTime": 1709647200000000, "duration": 250000, "tags": tags, "logs": [], "processID": pid,
                "warnings": None}
    api = {"data": [{"traceID": "2be38093ead7a083", "spans": [
        span("a1", [{"key": "span.kind", "type": "string", "value": "server"}]),
        span("b2", [{"key": "error", "type": "bool", "value": True}], refs=["a1"], pid="p2"),
        span("c3", [{"key": "http.status_code", "type": "int64", "value": 503}], refs=["a1"]),
        span("d4", [{"key": "otel.status_code", "type": "string", "value": "ERROR"}], refs=["a1"])],
        "processes": {"p1": {"serviceName": "frontend", "tags": []}, "p2": {"serviceName": "payments", "tags": []}},
        "warnings": None}], "total": 0, "limit": 0, "offset": 0, "errors": None}
    write(tmp_path, "jaeger.json", api)
    es = span("e5", [{"key": "error", "type": "bool", "value": "true"}])
    es["process"] = {"serviceName": "search", "tags": []}
    write(tmp_path, "spans.json", [es])
    b = load_bundle(tmp_path)
    by = {s.span_id: s for s in b.spans}
    assert not by["a1"].error and by["b2"].error and by["c3"].error and by["d4"].error and by["e5"].error
    assert by["b2"].service == "payments" and by["b2"].parent_id == "a1" and by["a1"].duration_ms == 250.0
    assert by["e5"].service == "search" and by["a1"].start == datetime(2024, 3, 5, 14, 0, tzinfo=UTC)
    assert {f.format for f in b.files} == {"jaeger.json"}


def test_slack_history_keeps_ts_and_finds_lines(tmp_path):
    msgs = [slack_message("1709647500.000200", "U01AAA", "rolling back <@U01BBB>"),
            slack_message("1709647400.000100", "U01BBB", "", subtype="channel_join"),
            slack_message("1709647300.000300", "U01BBB", "seeing 5xx, see <https://grafana/x|dashboard>")]
    write(tmp_path, "incident-room.json", {"ok": True, "messages": msgs, "has_more": False})
    b = load_bundle(tmp_path)
    assert [m.ts for m in b.chat] == ["1709647300.000300", "1709647500.000200"]  # join skipped, time-sorted
    m = b.chat[1]
    assert m.channel == "incident-room" and m.time == datetime(2024, 3, 5, 14, 5, 0, 200, tzinfo=UTC)
    lines = (tmp_path / "incident-room.json").read_text().splitlines()
    assert lines[m.line - 1].strip() == "{" and m.ts in lines[m.line + 3]
    assert b.chat[0].text == "seeing 5xx, see dashboard (https://grafana/x)"
    ev = next(e for e in b.events if e.kind == "chat" and e.attrs["ts"] == m.ts)
    assert ev.pointer == f"incident-room.json:{m.line}"


def test_slack_export_folder_maps_user_names(tmp_path):
    write(tmp_path, "users.json", slack_users())
    write(tmp_path, "channels.json", [{"id": "C01", "name": "inc-checkout", "created": "1709640000",
                                       "creator": "U01AAA", "is_archived": False, "members": ["U01AAA"]}])
    write(tmp_path, "inc-checkout/2024-03-05.json", [
        slack_message("1709647300.000300", "U01BBB", "<@U01AAA> can you look?"),
        {"type": "message", "subtype": "bot_message", "bot_id": "B1", "text": "", "ts": "1709647310.000100",
         "attachments": [{"fallback": "[checkout:main] 1 new commit", "id": 1}]}])
    b = load_bundle(tmp_path)
    first, bot = b.chat
    assert (first.channel, first.user, first.user_name, first.text) == ("inc-checkout", "U01BBB", "lee",
                                                                         "@dana can you look?")
    assert bot.text == "[checkout:main] 1 new commit" and first.line == 2
    assert {f.path: f.format for f in b.files} == {"channels.json": "slack.channels", "users.json": "slack.users",
                                                   "inc-checkout/2024-03-05.json": "slack.export_day"}


def test_github_deployment_and_status(tmp_path):
    write(tmp_path, "dep.json", gh_deployment())
    write(tmp_path, "status.json", gh_deployment(status="failure"))
    write(tmp_path, "rollback.json", gh_deployment(status="success", description="Rollback to v2.3.0"))
    b = load_bundle(tmp_path)
    created, failed = b.changes[0], next(c for c in b.changes if c.status == "failure")
    assert (created.kind, created.service, created.actor, created.environment, created.ref) == \
        ("deploy", "checkout", "deploy-bot", "production", "v2.3.1@abcdef1")
    assert created.time == datetime(2024, 3, 5, 13, 55, tzinfo=UTC)
    assert failed.time == datetime(2024, 3, 5, 13, 58, tzinfo=UTC) and "failure" in failed.description
    assert any(c.kind == "rollback" for c in b.changes)
    assert {e.kind for e in b.events} == {"deploy", "rollback"}
    assert {f.format for f in b.files} == {"github.deployment", "github.deployment_status"}
