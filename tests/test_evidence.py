"""The evidence engine on a hand-built bundle shaped like the seed's connection-pool incident.

Log records come from a tiny test reader (not a parser: lines are 'ISO LEVEL message'), injected
through ``build(reader=...)`` so these tests do not depend on the sources stage.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from agent import evidence
from agent.models import Alert, Bundle, Event, IncidentMeta, LogRecord, LogSource, MetricSeries, Span

T0 = datetime(2026, 2, 5, 13, 0, tzinfo=timezone.utc)


def reader(src: LogSource):
    with open(src.abs_path, encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            ts, level, msg = line.rstrip("\n").split(" ", 2)
            yield LogRecord(time=datetime.fromisoformat(ts), level=level.lower(), message=msg,
                            source_file=src.path, line=n, raw=line.rstrip("\n"))


def _log(tmp: Path) -> LogSource:
    lines = []
    for i in range(120):  # 13:00 .. 14:59, one request per 30 s plus noise
        for j in range(2):
            t = T0 + timedelta(minutes=i, seconds=30 * j)
            lines.append(f"{t.isoformat()} INFO GET /v1/orders/{1000 + i} 200 {40 + j}ms")
        if i % 20 == 0:
            t = T0 + timedelta(minutes=i, seconds=5)
            lines.append(f"{t.isoformat()} WARNING slow query report_daily took {2000 + i}ms")
    for k in range(300):  # from 14:00:15 the pool is exhausted
        t = T0 + timedelta(hours=1, seconds=15 + k * 5)
        lines.append(f"{t.isoformat()} ERROR Connection pool exhausted (100/100 connections in use)")
    t = T0 + timedelta(minutes=25)
    lines.append(f"{t.isoformat()} INFO operator ran: kubectl rollout restart deployment/orders-api")
    lines.sort()
    path = tmp / "app.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return LogSource(path="app.log", abs_path=str(path), format="iso8601")


def _series(name: str, f, n: int = 120) -> MetricSeries:
    return MetricSeries(name=name, points=[(T0 + timedelta(minutes=i), float(f(i))) for i in range(n)],
                        source_file="metrics.json")


def _alert(status: str, minute: int, fp: str = "abc123", name: str = "API5xxHigh") -> Alert:
    return Alert(fingerprint=fp, name=name, status=status, labels={"alertname": name, "service": "api"},
                 starts_at=T0 + timedelta(minutes=62), ends_at=T0 + timedelta(minutes=minute) if status == "resolved" else None,
                 source_file="alerts.json", line=minute)


def _bundle(tmp: Path) -> Bundle:
    ev = lambda m, kind, text, src="ticket", ptr=None: Event(  # noqa: E731
        time=T0 + timedelta(minutes=m), source=src, kind=kind, text=text, source_file=f"{src}.json",
        pointer=ptr or f"{src}.json#{kind}{m}")
    events = [
        ev(62, "alert_firing", "API5xxHigh firing", "alert", "alert:abc123"),
        ev(63, "alert_firing", "API5xxHigh firing", "alert", "alert:abc123"),  # repeated notification
        ev(62, "page", "Incident triggered"),
        ev(65, "acknowledge", "Acknowledged by oncall"),
        ev(75, "escalate", "Escalated to SEV-1"),
        ev(135, "deploy", "Hotfix deployed", "change"),
        ev(140, "resolve", "Resolved"),
        ev(110, "alert_resolved", "API5xxHigh resolved", "alert", "alert:abc123"),
        ev(111, "alert_resolved", "API5xxHigh resolved", "alert", "alert:abc123"),
    ]
    events += [ev(70 + i % 40, "chat", f"looking at dashboards {i}", "chat", f"chat.json:{i}") for i in range(50)]
    series = [
        _series("db_connections", lambda i: 20 if i < 30 else min(100, 20 + (i - 30) * 80 / 30)),
        _series("db_connections_max", lambda i: 100),
        _series("p99_latency_ms", lambda i: 200 if i < 60 else 5000),
    ]
    alerts = [_alert("firing", 62), _alert("firing", 63), _alert("resolved", 110), _alert("resolved", 111)]
    spans = [
        Span(trace_id="t1", span_id="a", service="api", name="GET /orders", start=T0 + timedelta(minutes=61),
             duration_ms=5000, error=True, source_file="trace.json"),
        Span(trace_id="t1", span_id="b", parent_id="a", service="postgres", name="connect",
             start=T0 + timedelta(minutes=61), duration_ms=5000, error=True, status_message="pool timeout",
             source_file="trace.json"),
    ]
    return Bundle(root=str(tmp), events=events, series=series, alerts=alerts, spans=spans,
                  logs=[_log(tmp)], meta=IncidentMeta(service="api"))


@pytest.fixture
def pack(tmp_path):
    return evidence.build(_bundle(tmp_path), reader=reader)


def _finding(pack, kind, needle):
    return next(f for f in pack.findings if f.kind == kind and needle in f.text)


def test_new_error_template_is_found_with_counts_and_pointer(pack):
    f = _finding(pack, "error_signature", "Connection pool exhausted")
    assert f.role == "mechanism"
    assert f.attrs["count"] == 300 and f.attrs["baseline_count"] == 0
    assert "first appeared at 14:00:15" in f.text and "300 times" in f.text
    ev = pack.get(f.evidence_ids[0])
    assert ev is not None and ev.pointer.startswith("app.log:") and "exhausted" in ev.excerpt


def test_preexisting_warning_is_a_distractor(pack):
    f = _finding(pack, "error_signature", "slow query")
    assert f.role == "distractor" and f.attrs["status"] == "preexisting"


def test_metric_ramp_step_and_saturation(pack):
    ramp = _finding(pack, "changepoint", "db_connections")
    assert "20 -> 100 (ramp) between 13:30 and 14:00" in ramp.text or "(ramp) between 13:3" in ramp.text
    step = _finding(pack, "changepoint", "p99_latency_ms")
    assert "200 ms -> 5,000 ms (step) at 14:00" in step.text
    sat = next(f for f in pack.findings if f.kind == "saturation")
    assert sat.attrs["limit"] == 100 and sat.role == "mechanism"
    assert pack.get(sat.evidence_ids[0]).pointer.startswith("db_connections@2026-02-05T14:00")


def test_alerts_deduped_and_grouped(pack):
    alert_events = [e for e in pack.events if e.source == "alert"]
    assert sorted(e.kind for e in alert_events) == ["alert_firing", "alert_resolved"]
    g = next(f for f in pack.findings if f.kind == "alert_group")
    assert g.attrs["notifications"] == 4 and g.role == "detection"


def test_trace_failing_dependency(pack):
    f = _finding(pack, "trace", "failing")
    assert f.attrs["service"] == "postgres" and f.attrs["caller"] == "api"
    assert pack.get(f.evidence_ids[0]).pointer == "trace.json#t1/b"


def test_command_in_logs_is_a_trigger_candidate_and_an_event(pack):
    f = next(f for f in pack.findings if f.kind == "command")
    assert f.role == "trigger" and "kubectl rollout restart" in f.text
    assert any(e.kind == "command" for e in pack.events)


def test_ids_ordered_by_time_and_every_cited_id_exists(pack):
    ids = [e.id for e in pack.evidence]
    assert ids == [f"E{i}" for i in range(1, len(ids) + 1)]
    times = [e.time for e in pack.evidence if e.time]
    assert times == sorted(times)
    known = set(ids)
    assert all(i in known for f in pack.findings for i in f.evidence_ids)
    assert all(e.evidence_id in known for e in pack.events if e.evidence_id)


def test_build_is_deterministic(tmp_path):
    a = evidence.build(_bundle(tmp_path), reader=reader)
    b = evidence.build(_bundle(tmp_path), reader=reader)
    assert a.model_dump() == b.model_dump()


def test_small_budget_keeps_phase_events_and_counts_dropped(tmp_path):
    pack = evidence.build(_bundle(tmp_path), reader=reader, budget_tokens=300)
    assert pack.token_count <= 300 + 60  # phase events are admitted even past the budget
    kept = {e.kind for e in pack.events if e.evidence_id}
    assert {"alert_firing", "page", "acknowledge", "escalate", "deploy", "resolve"} <= kept
    assert pack.dropped > 0
    full = evidence.build(_bundle(tmp_path), reader=reader)
    assert full.token_count <= 8000 and len(full.evidence) > len(pack.evidence)


def test_empty_bundle_gives_empty_pack(tmp_path):
    pack = evidence.build(Bundle(root=str(tmp_path)))
    assert pack.evidence == [] and pack.findings == [] and pack.token_count == 0


def test_flapping_alert_after_the_first_is_noise():
    from agent.evidence import alerts as al

    first = [_alert("firing", 62, fp="a1", name="API5xxHigh")]
    flappy = []
    for k in range(4):
        a = _alert("firing", 70, fp="f1", name="DiskWarn")
        flappy.append(a.model_copy(update={"starts_at": T0 + timedelta(minutes=64 + 3 * k)}))
    groups = al.group(first + flappy, onset=T0 + timedelta(minutes=62))
    assert [g.name for g in groups] == ["API5xxHigh", "DiskWarn"]
    assert groups[0].role == "detection" and groups[1].flapping and groups[1].role == "distractor"


def test_thousands_of_chat_messages_fit_the_budget_and_keep_phases(tmp_path):
    b = _bundle(tmp_path)
    chat = [Event(time=T0 + timedelta(minutes=60, seconds=i), source="chat", kind="chat",
                  text=f"status update {i}: still investigating the orders dashboard", source_file="slack.json",
                  line=1, pointer="slack.json:1", key=f"slack:{i}") for i in range(3000)]
    b = b.model_copy(update={"events": b.events + chat})
    pack = evidence.build(b, reader=reader, budget_tokens=2000)
    assert pack.token_count <= 2000
    kept = {e.kind for e in pack.events if e.evidence_id}
    assert {"alert_firing", "page", "acknowledge", "escalate", "resolve"} <= kept
    # one Slack file gives every message the same pointer; each message is still its own evidence
    chat_ids = [e.evidence_id for e in pack.events if e.kind == "chat" and e.evidence_id]
    assert len(chat_ids) == len(set(chat_ids)) > 1
    assert pack.dropped > 2000
