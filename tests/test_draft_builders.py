"""Hand-built bundles and evidence packs for the draft tests (no loader, no evidence stage needed).

``conn_pool_case`` mirrors the seed incident: a deploy of the failing service before the onset, an
unrelated service's deploy (a distractor), a warning already present hours before (a distractor),
pool saturation, an error-rate spike, a failed mitigation and a recovery.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from agent.models import (Alert, Bundle, Change, Event, Evidence, EvidencePack, FileStatus, ImpactInput,
                          IncidentMeta, MetricSeries, TicketInfo)

UTC = timezone.utc
T0 = datetime(2026, 2, 5, 14, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _series(name: str, fn, labels=None, file="query.json", start=-120, end=180, step=1) -> MetricSeries:
    pts = [(at(m), fn(m)) for m in range(start, end + 1, step)]
    return MetricSeries(name=name, labels=labels or {}, points=pts, source_file=file)


def metrics() -> list[MetricSeries]:
    err = _series("http_error_ratio", lambda m: 1.0 if 0 <= m < 90 else 0.001, {"service": "orders-api"})
    lat = _series("http_request_duration_seconds_p99", lambda m: 5.0 if 0 <= m < 90 else 0.2, {"service": "orders-api"})
    pool = _series("db_pool_connections_in_use",
                   lambda m: 20.0 if m < -30 else (100.0 if m < 90 else 20.0) if m >= 0 else 20 + (m + 30) * 2.6)
    failed = _series("http_requests_failed_total", lambda m: 0 if m < 0 else 600.0 * min(m, 90), {"service": "orders-api"})
    return [err, lat, pool, failed]


def _log(eid: str, minutes: float, line: int, text: str, level="error", service="orders-api") -> tuple[Evidence, Event]:
    t = at(minutes)
    ev = Evidence(id=eid, kind="log", source_file="app.log", pointer=f"app.log:{line}", line=line, time=t,
                  excerpt=f"{t:%Y-%m-%dT%H:%M:%SZ} {level.upper()} {text}")
    event = Event(time=t, source="log", kind="log", text=text, service=service, level=level, source_file="app.log",
                  line=line, pointer=f"app.log:{line}", evidence_id=eid, importance=0.5)
    return ev, event


def conn_pool_case(*, with_meta: bool = True) -> tuple[Bundle, EvidencePack]:
    logs = [
        _log("E1", -240, 3, "[CacheWarmer] cache refresh timeout for key segment", level="warning"),
        _log("E2", 0.25, 120, "[ConnectionPool] Connection pool exhausted (100/100 connections in use)"),
        _log("E3", 0.3, 121, "[API] Failed to acquire connection: timeout after 5000ms"),
        _log("E4", 10, 400, "[CacheWarmer] cache refresh timeout for key segment", level="warning"),
    ]
    evidence = [e for e, _ in logs]
    events = [ev for _, ev in logs]
    evidence.append(Evidence(id="E5", kind="alert", source_file="hook-a.json", pointer="alert:fp-5xx", time=at(2),
                             excerpt="APIHighErrorRate firing: API 5xx error rate above 50%"))
    evidence.append(Evidence(id="E6", kind="ticket", source_file="page.json", pointer="page.json#PD1", time=at(3),
                             excerpt="PagerDuty incident triggered: Orders API 5xx"))
    events += [
        Event(time=at(2), source="alert", kind="alert_firing", text="APIHighErrorRate: API 5xx error rate above 50%",
              service="orders-api", source_file="hook-a.json", pointer="alert:fp-5xx", key="fp-5xx", evidence_id="E5"),
        Event(time=at(2), source="alert", kind="alert_firing", text="APIHighErrorRate repeat notification",
              service="orders-api", source_file="hook-b.json", pointer="alert:fp-5xx", key="fp-5xx"),
        Event(time=at(3), source="ticket", kind="page", text="PagerDuty incident triggered: Orders API 5xx",
              source_file="page.json", pointer="page.json#PD1", evidence_id="E6"),
        Event(time=at(5), source="ticket", kind="acknowledge", text="Acknowledged by Dana Example", actor="Dana Example",
              source_file="page.json", pointer="page.json:log/2"),
        Event(time=at(15), source="ticket", kind="escalate", text="Escalated to SEV-1 by Dana Example",
              actor="Dana Example", source_file="page.json", pointer="page.json:log/3"),
        Event(time=at(20), source="change", kind="config_change", text="db pool max_connections 100 -> 150",
              service="orders-api", source_file="changes.json", pointer="changes.json:40"),
        Event(time=at(75), source="change", kind="deploy", text="hotfix PR #1234 deployed", service="orders-api",
              source_file="changes.json", pointer="changes.json:60"),
        Event(time=at(90), source="alert", kind="alert_resolved", text="APIHighErrorRate resolved",
              service="orders-api", source_file="hook-d.json", pointer="alert:fp-5xx/resolved", key="fp-5xx-r"),
        Event(time=at(135), source="ticket", kind="resolve", text="Incident resolved", source_file="page.json",
              pointer="page.json:log/9"),
    ]
    changes = [
        Change(time=at(-32), kind="deploy", service="orders-api", description="Deploy PR #1100 order repository "
               "refactor by alice", actor="alice", ref="v2.3.0", source_file="changes.json", line=10),
        Change(time=at(-6), kind="deploy", service="search-indexer", description="search-indexer v2.8.3",
               ref="v2.8.3", source_file="changes.json", line=20),
    ]
    alerts = [Alert(fingerprint="fp-5xx", name="APIHighErrorRate", status="firing", starts_at=at(2),
                    service="orders-api", annotations={"summary": "API 5xx error rate above 50%"},
                    source_file="hook-a.json", severity="critical")]
    tickets = [TicketInfo(system="pagerduty", id="PD1", number="1234", title="Orders API 5xx", service="orders-api",
                          created_at=at(3), acknowledged_at=at(5), resolved_at=at(135), source_file="page.json")]
    meta = IncidentMeta(id="INC-2026-0205-001", title="Orders API outage", severity="SEV-1", service="orders-api",
                        owning_team="backend-platform", impact=ImpactInput(users_affected="100%"),
                        sla_target=99.9, reviewers=["@engineering-manager"], author="@oncall-engineer",
                        distribution=["engineering", "product"], source_file="incident.yaml") if with_meta \
        else IncidentMeta()
    files = [FileStatus(path=p, status="parsed", format="x") for p in
             ("app.log", "hook-a.json", "page.json", "changes.json", "query.json")]
    files.append(FileStatus(path="notes.bin", status="skipped", reason="unknown format"))
    bundle = Bundle(root="/nonexistent/bundle", files=files, tickets=tickets, events=[], alerts=alerts,
                    series=metrics(), changes=changes, meta=meta)
    return bundle, EvidencePack(evidence=evidence, events=events)


def test_builders_make_valid_models():
    bundle, pack = conn_pool_case()
    assert {e.id for e in pack.evidence} >= {ev.evidence_id for ev in pack.events if ev.evidence_id}
    assert bundle.missing() == ["logs", "traces", "chat"]
