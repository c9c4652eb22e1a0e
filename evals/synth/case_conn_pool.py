"""fixtures/conn-pool-exhaustion: the seed's incident (2026-02-05, SEV-1 API outage 14:00-16:15 UTC)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from evals.synth import logfmt as L
from evals.synth import vendor as V

T = V.t
NAME = "conn-pool-exhaustion"
REPO = "acme/orders-api"
DB_URL_SECRET = "postgres://orders_app:Sup3rS3cret-Pa55@orders-db.internal:5432/orders"
TOKEN_SECRET = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvbmNhbGwtYm90In0.f7TQx2vR9nKpL3mZ8wYcA1bD4eF6gH0iJ"


def _ticket(root: Path) -> None:
    inc = V.pd_incident(number=4711, title="API 5xx error rate > 50% on orders-api", created=T("2026-02-05T14:02:00Z"),
                        status="resolved", service="orders-api", team="Backend Platform", assignee="Maya Chen",
                        acked=T("2026-02-05T14:05:00Z"), resolved=T("2026-02-05T16:15:00Z"))
    V.write_json(root / "page.json", inc)
    entries = [
        ("trigger_log_entry", T("2026-02-05T14:02:00Z"), "orders-api", "API 5xx Error Rate >50% (orders-api)"),
        ("notify_log_entry", T("2026-02-05T14:02:10Z"), "Maya Chen", "Notified Maya Chen by push"),
        ("acknowledge_log_entry", T("2026-02-05T14:05:00Z"), "Maya Chen", "Acknowledged by Maya Chen"),
        ("escalate_log_entry", T("2026-02-05T14:15:00Z"), "Maya Chen", "Priya Raman"),
        ("annotate_log_entry", T("2026-02-05T14:20:30Z"), "Maya Chen",
         "Raised orders-db max connections 100 -> 150 as mitigation; pool still pegged at limit"),
        ("annotate_log_entry", T("2026-02-05T14:45:00Z"), "Priya Raman",
         "Code review: fetchPendingOrders never releases its connection since PR #1100 refactor"),
        ("annotate_log_entry", T("2026-02-05T15:15:40Z"), "Priya Raman", "Hotfix PR #1234 rolling out to production"),
        ("resolve_log_entry", T("2026-02-05T16:15:00Z"), "Maya Chen", "Resolved by Maya Chen"),
    ]
    V.write_json(root / "history.json", V.pd_log_entries(inc, entries))


def _alerts(root: Path) -> None:
    lab = {"service": "orders-api", "severity": "critical", "team": "backend", "env": "prod"}
    err_ann = {"summary": "API 5xx Error Rate >50%", "description": "orders-api 5xx ratio is {{ $value }} over 2m",
               "runbook_url": "https://runbooks.acme.example/api-5xx"}
    db_ann = {"summary": "orders-db connections at max", "description": "pg connections 100/100 for 5m"}
    err = dict(name="API5xxErrorRate", labels=lab, annotations=err_ann, starts=T("2026-02-05T14:01:30Z"),
               expr="sum(rate(http_requests_total{code=~\"5..\"}[2m]))/sum(rate(http_requests_total[2m]))>0.5")
    db = dict(name="PostgresConnectionsSaturated", labels={**lab, "instance": "orders-db:9187"},
              annotations=db_ann, starts=T("2026-02-05T14:09:30Z"), expr="pg_stat_activity_count>=100")
    notes = [
        V.am_webhook([V.am_alert(**err, ends=None, status="firing")], receiver="pagerduty-backend",
                     group_by=["alertname", "service"]),
        V.am_webhook([V.am_alert(**err, ends=None, status="firing")], receiver="pagerduty-backend",
                     group_by=["alertname", "service"]),
        V.am_webhook([V.am_alert(**db, ends=None, status="firing")], receiver="pagerduty-backend",
                     group_by=["alertname", "service"]),
        V.am_webhook([V.am_alert(**err, ends=None, status="firing")], receiver="pagerduty-backend",
                     group_by=["alertname", "service"]),
        V.am_webhook([V.am_alert(**err, ends=T("2026-02-05T15:31:00Z"), status="resolved")],
                     receiver="pagerduty-backend", group_by=["alertname", "service"]),
        V.am_webhook([V.am_alert(**db, ends=T("2026-02-05T15:24:00Z"), status="resolved")],
                     receiver="pagerduty-backend", group_by=["alertname", "service"]),
    ]
    V.write_json(root / "notifications.json", notes)


def _metrics(root: Path) -> None:
    s, e = T("2026-02-05T13:00:00Z"), T("2026-02-05T16:30:00Z")

    def conns(m, rng):  # 20 steady, climbs 13:30->14:00 to 100, stuck until hotfix 15:20
        if m < 30:
            return 18 + rng.randint(0, 4)
        if m < 60:
            return min(100, 20 + (m - 30) * 80 / 30 + rng.randint(-1, 1))
        if m < 140:
            return 100
        return 22 + rng.randint(0, 5)

    def p99(m, rng):
        return 0.19 + rng.random() * 0.03 if m < 60 or m >= 150 else 5.0

    def err(m, rng):
        if m < 60 or m >= 150:
            return 0.001 + rng.random() * 0.0005
        return 1.0 if m < 138 else 0.6

    conn_pts = V.ramp(s, e, 60, conns, seed=3)
    p99_pts = V.ramp(s, e, 60, p99, seed=4)
    p99_pts[100] = (p99_pts[100][0], None)  # exporter returned NaN once
    gap = {T("2026-02-05T14:41:00Z"), T("2026-02-05T14:42:00Z"), T("2026-02-05T14:43:00Z")}
    V.write_json(root / "query.json", V.prom_matrix([
        ({"__name__": "pg_stat_activity_count", "datname": "orders", "instance": "orders-db:9187", "job": "postgres"},
         conn_pts),
        ({"__name__": "http_request_duration_seconds:p99", "service": "orders-api", "job": "api"}, p99_pts),
        ({"__name__": "http_requests:error_ratio", "service": "orders-api", "job": "api"}, V.ramp(s, e, 60, err, 5)),
    ], drop=gap))


def _api_log(root: Path) -> None:
    s, e = T("2026-02-05T13:00:00Z"), T("2026-02-05T16:30:00Z")
    ok_paths = ["/v1/orders", "/v1/orders/pending", "/v1/cart", "/v1/users/me", "/v1/catalog/items"]

    def noise(at, rng):
        broken = T("2026-02-05T14:00:00Z") <= at < T("2026-02-05T15:28:00Z")
        path = rng.choice(ok_paths)
        if broken:
            return L.iso_line(at, "ERROR", "API", f"500 Internal Server Error: Database connection unavailable path={path}")
        return L.iso_line(at, "INFO", "http", f"GET {path} 200 {rng.randint(12, 180)}ms")

    lines = L.background(s, e, 9, noise, seed=11)
    # distractor: a pre-existing slow-query warning, long before and during the incident
    for i in range(14):
        at = T("2026-02-05T12:58:00Z") + timedelta(minutes=15 * i, seconds=7)
        lines.append((at, L.iso_line(at, "WARN", "ReportsJob",
                                     "slow query report_daily_rollup took 2300ms (threshold 2000ms)")))
    key = [
        ("2026-02-05T13:28:30Z", "INFO", "Boot", "orders-api v4.12.0 (PR #1100 refactor: order repository) started"),
        ("2026-02-05T13:28:31Z", "INFO", "Boot", f"db pool configured max=100 url={DB_URL_SECRET}"),
        ("2026-02-05T13:45:00Z", "WARN", "ConnectionPool", "pool usage 55/100, 0 idle connections returned in 5m"),
        ("2026-02-05T13:55:00Z", "WARN", "ConnectionPool", "pool usage 88/100, waiters=4"),
        ("2026-02-05T14:00:15Z", "ERROR", "ConnectionPool", "Connection pool exhausted (100/100 connections in use)"),
        ("2026-02-05T14:00:16Z", "ERROR", "API", "Failed to acquire connection: timeout after 5000ms"),
        ("2026-02-05T14:00:17Z", "ERROR", "API", "500 Internal Server Error: Database connection unavailable"),
        ("2026-02-05T14:10:02Z", "ERROR", "ConnectionPool", "Connection pool exhausted (100/100 connections in use)"),
        ("2026-02-05T14:20:05Z", "INFO", "ConnectionPool", "pool resized max=150 (runtime override)"),
        ("2026-02-05T14:22:40Z", "ERROR", "ConnectionPool", "Connection pool exhausted (150/150 connections in use)"),
        ("2026-02-05T15:16:10Z", "INFO", "Boot", "orders-api v4.12.1 (hotfix PR #1234: release connection in finally) started"),
        ("2026-02-05T15:16:11Z", "INFO", "Boot", f"db pool configured max=100 url={DB_URL_SECRET}"),
        ("2026-02-05T15:30:00Z", "INFO", "ConnectionPool", "pool usage 24/100, waiters=0"),
    ]
    lines += [(T(a), L.iso_line(T(a), lv, lg, m)) for a, lv, lg, m in key]
    V.write_text(root / "app.log", L.join(lines))


def _db_log(root: Path) -> None:
    lines = [
        (T("2026-02-05T12:30:00Z"), L.postgres(T("2026-02-05T12:30:00Z"), 812, "LOG", "checkpoint complete: wrote 1841 buffers (1.1%)")),
        (T("2026-02-05T13:35:00Z"), L.postgres(T("2026-02-05T13:35:00Z"), 812, "LOG", "checkpoint complete: wrote 2210 buffers (1.3%)")),
    ]
    for i in range(40):
        at = T("2026-02-05T14:00:05Z") + timedelta(seconds=150 * i + 3)
        if at > T("2026-02-05T15:20:00Z"):
            break
        lines.append((at, L.postgres(at, 30000 + i, "FATAL", "sorry, too many clients already", "orders_app@orders")))
    at = T("2026-02-05T14:20:10Z")
    lines.append((at, L.postgres(at, 812, "LOG", "parameter \"max_connections\" cannot be changed without restarting the server")))
    at = T("2026-02-05T15:17:00Z")
    lines.append((at, L.postgres(at, 812, "LOG", "terminating 96 idle-in-transaction connections (idle_in_transaction_session_timeout)")))
    V.write_text(root / "db.log", L.join(lines))


def _changes(root: Path) -> None:
    d1100 = V.gh_deployment(repo=REPO, did=880011, sha=V.hexid("1100", 40), ref="main", env="production",
                            description="Deploy PR #1100: refactor order repository (merge conflict resolved)",
                            creator="dkim", created=T("2026-02-05T13:25:00Z"))
    d1234 = V.gh_deployment(repo=REPO, did=880057, sha=V.hexid("1234", 40), ref="hotfix/release-connection",
                            env="production", description="Hotfix PR #1234: release connection in finally block",
                            creator="praman", created=T("2026-02-05T15:10:00Z"))
    V.write_json(root / "hook-a.json", V.gh_deployment_event(d1100, REPO, "dkim"))
    V.write_json(root / "hook-b.json", V.gh_deployment_status_event(d1100, REPO, state="success",
                                                                     at=T("2026-02-05T13:28:00Z"), sender="dkim"))
    V.write_json(root / "hook-c.json", V.gh_deployment_event(d1234, REPO, "praman"))
    V.write_json(root / "hook-d.json", V.gh_deployment_status_event(d1234, REPO, state="success",
                                                                     at=T("2026-02-05T15:15:00Z"), sender="praman"))
    V.write_json(root / "changes.json", V.pd_change_events([
        (T("2026-02-05T13:45:00Z"), "Deploy search-indexer v2.8.3: tokenizer tweaks", "argo-cd", "search-indexer",
         {"build_state": "passed", "build_number": "381", "service": "search-indexer"}),
        (T("2026-02-05T14:20:00Z"), "Config: orders-db pool max 100 -> 150", "terraform-cloud", "orders-api",
         {"change": "db_pool_max", "from": "100", "to": "150"}),
        (T("2026-02-05T11:10:00Z"), "Deploy web-frontend v9.1.0: new footer", "argo-cd", "web-frontend",
         {"build_state": "passed", "build_number": "1207"}),
    ]))


USERS = [("U01MAYA", "maya", "Maya Chen"), ("U02PRIYA", "priya", "Priya Raman"), ("U03DAVE", "dkim", "Dave Kim"),
         ("U04LEO", "leo", "Leo Novak"), ("U05SAM", "sam", "Sam Ortiz")]
BLAMEFUL = [("2026-02-05T14:33:20Z", 1), ("2026-02-05T14:47:05Z", 1)]


def _chat(root: Path) -> None:
    M = V.slack_message
    msgs = [
        M(T("2026-02-05T14:06:00Z"), "U01MAYA", "Ack'd the page. orders-api is throwing 500s on basically everything"),
        M(T("2026-02-05T14:08:30Z"), "U01MAYA", "Pool says 100/100 in use, waiters piling up. checking orders-db"),
        M(T("2026-02-05T14:15:10Z"), "U01MAYA", "Escalating to SEV-1, opening this war room. <@U02PRIYA> can you join?"),
        M(T("2026-02-05T14:16:00Z"), "U05SAM", "Status page updated: investigating elevated API errors"),
        M(T("2026-02-05T14:19:00Z"), "U04LEO", f"fwiw I tested from my box with Authorization: Bearer {TOKEN_SECRET} and got 500 too"),
        M(T("2026-02-05T14:20:45Z"), "U01MAYA", "Bumped pool max 100 -> 150. Watching."),
        M(T("2026-02-05T14:24:00Z"), "U01MAYA", "Didn't help, 150/150 now. Connections are not coming back"),
        M(T("2026-02-05T14:30:10Z"), "U02PRIYA", "Every leaked conn is running the pending-orders query: SELECT * FROM orders WHERE status='pending'"),
        M(T("2026-02-05T14:33:20Z"), "U04LEO", "honestly this is on Dave, he rushed the #1100 merge without reading the conflicts", seq=1),
        M(T("2026-02-05T14:35:00Z"), "U05SAM", "search-indexer also deployed at 13:45, could that be it?"),
        M(T("2026-02-05T14:36:30Z"), "U02PRIYA", "No, indexer doesn't touch orders-db. The slow report query warning is old too, ignore it"),
        M(T("2026-02-05T14:45:20Z"), "U02PRIYA", "Found it: fetchPendingOrders lost its finally { connection.release() } in the #1100 conflict resolution"),
        M(T("2026-02-05T14:47:05Z"), "U04LEO", "who approved that garbage PR? whoever it was clearly didn't look", seq=1),
        M(T("2026-02-05T14:50:00Z"), "U03DAVE", f"Writing the fix now. ping me at dave.kim@acme-corp.example if you need the branch; db url is {DB_URL_SECRET}"),
        M(T("2026-02-05T15:00:30Z"), "U03DAVE", "Hotfix PR #1234 is up: restore try/finally around the query"),
        M(T("2026-02-05T15:15:30Z"), "U02PRIYA", "#1234 deployed, rolling restart in progress"),
        M(T("2026-02-05T15:30:20Z"), "U01MAYA", "Error rate back to 0%, p99 ~200ms. Connections 24/100"),
        M(T("2026-02-05T15:45:00Z"), "U01MAYA", "Still clean after 15 min of monitoring"),
        M(T("2026-02-05T16:15:00Z"), "U05SAM", "Resolving. Status page set to resolved. Postmortem to follow"),
    ]
    chat = root / "chat"
    V.write_json(chat / "users.json", [V.slack_user(*u) for u in USERS], indent=4)
    V.write_json(chat / "channels.json", [V.slack_channel("C0WARROOM", "incident-war-room", T("2026-02-05T14:15:00Z"),
                                                          [u[0] for u in USERS], "SEV-1 orders-api outage")], indent=4)
    V.write_json(chat / "incident-war-room" / "2026-02-05.json", msgs, indent=4)


def _meta(root: Path) -> None:
    V.write_yaml(root / "incident.yaml", {
        "id": "INC-2026-0205-001", "title": "Orders API outage: database connection pool exhausted",
        "severity": "SEV-1", "service": "orders-api", "owning_team": "backend-platform",
        "distribution": ["engineering", "product", "leadership"],
        "impact": {"users_affected": "100%", "revenue_loss": "$50,000 (estimated)",
                   "customer_complaints": "47 support tickets, 23 social media mentions"},
        "sla_target": 99.9, "reviewers": ["@engineering-manager", "@vp-engineering"], "author": "@oncall-engineer",
    })


def gold() -> dict:
    return {
        "incident_start": "2026-02-05T14:00:00Z", "detection": "2026-02-05T14:02:00Z",
        "mitigation": "2026-02-05T15:30:00Z", "resolution": "2026-02-05T16:15:00Z", "duration_minutes": 135,
        "severity": "SEV1",
        "trigger": "Deploy of PR #1100 (order repository refactor) at 13:25 removed connection release in fetchPendingOrders",
        "root_cause": ("A merge-conflict resolution in the PR #1100 refactor dropped the finally block that released the "
                       "database connection in fetchPendingOrders, so every call leaked a connection until the orders-db "
                       "pool (100) was exhausted."),
        "root_cause_category": "bad-deploy", "acceptable_alt_categories": ["software-bug", "capacity/resource-exhaustion"],
        "key_timeline_events": [
            {"time": "2026-02-05T13:28:00Z", "event": "PR #1100 refactor deployed to production"},
            {"time": "2026-02-05T14:00:00Z", "event": "API error rate spikes to 100%, connection pool exhausted"},
            {"time": "2026-02-05T14:02:00Z", "event": "Alert fires: API 5xx error rate above 50%"},
            {"time": "2026-02-05T14:05:00Z", "event": "On-call engineer acknowledges the page"},
            {"time": "2026-02-05T14:15:00Z", "event": "Incident escalated to SEV-1, war room opened"},
            {"time": "2026-02-05T14:20:00Z", "event": "Mitigation attempt: database pool max increased 100 to 150, no effect"},
            {"time": "2026-02-05T15:15:00Z", "event": "Hotfix PR #1234 deployed to production"},
            {"time": "2026-02-05T15:30:00Z", "event": "Error rate drops to 0%, API recovered"},
            {"time": "2026-02-05T16:15:00Z", "event": "Incident resolved"},
        ],
        "contributing_factors": ["No alert on connection pool utilisation before exhaustion",
                                 "Load tests do not simulate production connection volume",
                                 "Merge conflict resolution in code review not checked for resource cleanup"],
        "expected_action_item_themes": ["connection pool utilisation alert", "load test at production volume",
                                        "connection leak detection in tests", "rollback first runbook"],
        "blameful_chat_ts": [V.slack_ts(T(ts), seq) for ts, seq in BLAMEFUL],
        "secrets": ["Sup3rS3cret-Pa55", TOKEN_SECRET, "dave.kim@acme-corp.example"],
        "distractors": ["search-indexer v2.8.3", "report_daily_rollup"],
    }


def build(root: Path) -> None:
    for part in (_ticket, _alerts, _metrics, _api_log, _db_log, _changes, _chat, _meta):
        part(root)
    V.write_yaml(root / "gold.yaml", gold())
