"""timeline.build: dedupe, phases, durations, granularity and blameless row text."""

from __future__ import annotations

from datetime import timedelta

from test_draft_builders import T0, at

from agent import timeline
from agent.models import Event, IncidentMeta, TicketInfo


def ev(minutes, kind, text, source="alert", **kw) -> Event:
    t = at(minutes)
    return Event(time=t, source=source, kind=kind, text=text, source_file=kw.pop("file", "f.json"),
                 pointer=kw.pop("pointer", f"f.json:{int(minutes * 10) + 5000}"), **kw)


def _incident() -> list[Event]:
    return [
        ev(-200, "log", "payment worker heartbeat failed", source="log", level="error", evidence_id="E1"),
        ev(-1, "log", "upstream returned 503 for /pay", source="log", level="error", evidence_id="E2"),
        ev(0, "metric_change", "error ratio up", source="metric", attrs={"direction": "up", "role": "error_rate"},
           evidence_id="E3"),
        ev(4, "alert_firing", "HighErrorRate firing", key="fp1", evidence_id="E4"),
        ev(4, "alert_firing", "HighErrorRate firing (repeat)", key="fp1"),
        ev(6, "page", "PagerDuty incident triggered", source="ticket", evidence_id="E5"),
        ev(9, "acknowledge", "Acknowledged by Jane Roe", source="ticket", actor="Jane Roe", evidence_id="E6"),
        ev(20, "escalate", "Escalated to Bob Stone", source="ticket", evidence_id="E7"),
        ev(25, "rollback", "rollback payments to v1.4.2", source="change", evidence_id="E8"),
        ev(31, "metric_change", "error ratio back", source="metric", attrs={"direction": "recovery"}, evidence_id="E9"),
        ev(50, "resolve", "Resolved by Jane Roe", source="ticket", actor="Jane Roe", evidence_id="E10"),
    ]


def test_phases_and_durations_come_from_the_evidence_not_the_page():
    tl = timeline.build(_incident(), severity="SEV-1")
    assert tl.start == at(-1)  # the first fresh error, a minute before the metric departure; not the page
    assert tl.detected == at(4) and tl.acknowledged == at(9) and tl.escalated == at(20)
    assert tl.mitigated == at(31) and tl.resolved == at(50)
    assert tl.mitigation_attempts == [at(25)]
    assert (tl.time_to_detect_min, tl.time_to_acknowledge_min) == (5.0, 5.0)
    assert (tl.time_to_mitigate_min, tl.time_to_resolve_min) == (32.0, 51.0)
    phases = {e.phase for e in tl.entries if e.phase}
    assert phases == {"start", "detection", "acknowledgement", "escalation", "mitigation_attempt", "mitigation",
                      "resolution"}


def test_preexisting_error_is_not_the_onset_and_repeat_notifications_are_dropped():
    events = _incident()
    # the same error template hours before: baseline noise, so it cannot mark the onset
    events.append(ev(-2, "log", "payment worker heartbeat failed", source="log", level="error", evidence_id="E11"))
    tl = timeline.build(events, severity="SEV-1")
    assert tl.start == at(-1)
    texts = [e.text for e in tl.entries]
    assert not any("repeat" in t for t in texts)


def test_incident_yaml_and_ticket_times_win():
    meta = IncidentMeta(start=at(-3), resolved=at(60))
    tl = timeline.build(_incident(), severity="SEV-2", incident_meta=meta)
    assert tl.start == at(-3) and tl.resolved == at(60) and tl.time_to_resolve_min == 63.0
    ticket = TicketInfo(system="pagerduty", id="P1", title="x", acknowledged_at=at(7), resolved_at=at(55),
                        source_file="p.json")
    events = [e for e in _incident() if e.kind not in ("acknowledge", "resolve")]
    tl = timeline.build(events, severity="SEV-2", tickets=[ticket])
    assert tl.acknowledged == at(7) and tl.resolved == at(55)


def test_lone_alert_hours_earlier_is_not_detection():
    events = _incident() + [ev(-600, "alert_firing", "NodeClockSkew firing on batch-7", key="skew")]
    tl = timeline.build(events, severity="SEV-2")
    assert tl.detected == at(4)


def test_row_text_names_roles_not_people():
    tl = timeline.build(_incident(), severity="SEV-1", people=["Jane Roe"])
    text = " ".join(e.text for e in tl.entries)
    assert "Jane" not in text and "Bob Stone" not in text
    assert "Page acknowledged by the on-call responder" in text


def test_lower_severity_collapses_low_importance_rows():
    noise = [ev(10 + i * 0.5, "log", f"debug line {i}", source="log", level="info", evidence_id=f"E{20 + i}")
             for i in range(30)]
    sev1 = timeline.build(_incident() + noise, severity="SEV-1")
    sev3 = timeline.build(_incident() + noise, severity="SEV-3")
    assert sev1.granularity == "minute" and sev3.granularity == "hour"
    assert len(sev3.entries) < len(sev1.entries)
    folded = [e for e in sev3.entries if "further events" in e.text]
    assert folded and all(e.time.minute == 0 for e in folded)
    # phase rows are never folded
    assert sum(1 for e in sev3.entries if e.phase == "start") == 1


def test_excluded_chat_never_appears():
    chat = ev(12, "chat", "this is all on the person who merged it", source="chat", evidence_id="E30",
              attrs={"ts": "1770302000.000001", "channel": "war-room"}, importance=0.9)
    tl = timeline.build(_incident() + [chat], severity="SEV-1", exclude={"1770302000.000001"})
    assert all("E30" not in e.evidence_ids for e in tl.entries)
    tl = timeline.build(_incident() + [chat], severity="SEV-1")
    shown = [e for e in tl.entries if "E30" in e.evidence_ids]
    assert shown and "merged" not in shown[0].text  # chat is summarised, not quoted


def test_far_away_rows_are_trimmed():
    events = _incident() + [ev(-300, "note", "unrelated note", source="ticket", evidence_id="E40"),
                            ev(200, "note", "much later", source="ticket", evidence_id="E41")]
    tl = timeline.build(events, severity="SEV-1")
    assert not any(set(e.evidence_ids) & {"E40", "E41"} for e in tl.entries)
    assert min(e.time for e in tl.entries) >= T0 - timedelta(hours=2)
