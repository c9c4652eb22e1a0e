"""impact.build: duration, failed requests, peaks with units, SLA verdict; every row cites evidence."""

from __future__ import annotations

from test_draft_builders import at, metrics

from agent import impact
from agent.analysis.cite import Citations
from agent.models import EvidencePack, ImpactInput, IncidentMeta, Timeline


def _tl() -> Timeline:
    return Timeline(start=at(0), detected=at(2), mitigated=at(90), resolved=at(135), time_to_resolve_min=135.0)


def _rows(imp):
    return {r.metric: r for r in imp.rows}


def test_human_duration():
    assert impact.human_duration(135) == "2 hours 15 minutes"
    assert impact.human_duration(60) == "1 hour"
    assert impact.human_duration(1) == "1 minute"
    assert impact.human_duration(None) == "unknown"


def test_peaks_failed_requests_and_meta_rows_cite_evidence():
    pack = EvidencePack()
    meta = IncidentMeta(impact=ImpactInput(users_affected="100%", revenue_loss="$50,000"), source_file="incident.yaml")
    imp = impact.build(metrics(), _tl(), meta=meta, citations=Citations(pack))
    rows = _rows(imp)
    assert rows["Duration"].value == "2 hours 15 minutes"
    assert rows["Latency"].value.startswith("200 ms -> 5,000 ms")  # seconds converted to ms
    assert rows["Error Rate"].value.startswith("0.1% -> 100.0%")
    assert rows["Saturation"].value.startswith("20 -> 100")
    # counter increase over 14:00-15:30: 600/min for 90 minutes
    assert rows["Requests Failed"].value.startswith("54,000")
    assert rows["Users Affected"].value == "100%" and rows["Revenue Loss"].value == "$50,000"
    ids = {e.id for e in pack.evidence}
    for name in ("Latency", "Error Rate", "Saturation", "Requests Failed", "Users Affected"):
        assert rows[name].evidence_ids and set(rows[name].evidence_ids) <= ids


def test_sla_breach_integrates_the_error_ratio():
    meta = IncidentMeta(sla_target=99.9, sla_window_days=30)
    imp = impact.build(metrics(), _tl(), meta=meta, citations=Citations(EvidencePack()))
    # 100% errors for 90 of the 135 minutes -> 90 downtime minutes of 43,200 -> 99.792% < 99.9%
    assert imp.sla_breach is True
    assert "99.792%" in _rows(imp)["SLA Breach"].value
    assert "integrated" in imp.sla_note
    lenient = impact.build(metrics(), _tl(), meta=IncidentMeta(sla_target=99.0),
                           citations=Citations(EvidencePack()))
    assert lenient.sla_breach is False


def test_no_metrics_still_reports_duration_and_no_sla_without_target():
    imp = impact.build([], _tl(), meta=None, citations=Citations(EvidencePack()))
    assert [r.metric for r in imp.rows] == ["Duration"]
    assert imp.sla_breach is None and imp.sla_note is None
