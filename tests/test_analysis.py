"""analysis.offline via assemble(): trigger choice, distractors, category rules, 5-Whys, action items."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_draft_builders import at, conn_pool_case

from agent.analysis.assemble import assemble
from agent.analysis.actions import deadline
from agent.models import Change, Event, Evidence, Finding, MetricSeries, Postmortem


def _cited(pm: Postmortem) -> set[str]:
    ids = set(pm.executive_summary.evidence_ids) | set(pm.root_cause.evidence_ids)
    for group in (pm.five_whys.whys, pm.contributing_factors, pm.went_well, pm.went_wrong, pm.action_items,
                  pm.lessons_learned, pm.trigger_candidates, pm.impact.rows, pm.timeline.entries):
        for item in group:
            ids.update(item.evidence_ids)
    return ids


def _add_log(pack, eid: str, minutes: float, text: str, level: str = "error") -> None:
    t = at(minutes)
    line = 900 + len(pack.evidence)
    pack.evidence.append(Evidence(id=eid, kind="log", source_file="svc.log", pointer=f"svc.log:{line}", line=line,
                                  time=t, excerpt=f"{t:%Y-%m-%dT%H:%M:%SZ} {level.upper()} {text}"))
    pack.events.append(Event(time=t, source="log", kind="log", text=text, level=level, source_file="svc.log",
                             line=line, pointer=f"svc.log:{line}", evidence_id=eid, service="orders-api"))


def _without_saturation(bundle):
    bundle.series = [s for s in bundle.series if "pool" not in s.name]
    return bundle


def _strip_pool_logs(pack):
    pack.evidence = [e for e in pack.evidence if e.id not in ("E2", "E3")]
    pack.events = [e for e in pack.events if e.evidence_id not in ("E2", "E3")]


def test_seed_incident_blames_the_deploy_not_the_distractors():
    bundle, pack = conn_pool_case()
    pm = assemble(bundle, pack)
    assert pm.root_cause.category == "bad-deploy"
    assert "orders-api" in pm.root_cause.hypothesis and "search-indexer" not in pm.root_cause.hypothesis
    ruled_out = [c.text for c in pm.trigger_candidates if "ruled out" in c.text]
    assert any("search-indexer" in t for t in ruled_out)
    assert any("CacheWarmer" in t for t in ruled_out)  # the pre-existing warning
    assert "CacheWarmer" not in pm.root_cause.hypothesis
    assert 0 < pm.root_cause.confidence <= 0.85 and pm.root_cause.confirm_with


def test_unrelated_deploy_alone_never_becomes_the_trigger():
    bundle, pack = conn_pool_case()
    bundle.changes = [c for c in bundle.changes if c.service == "search-indexer"]
    pm = assemble(bundle, pack)
    assert pm.root_cause.category == "capacity/resource-exhaustion"  # saturation without a change
    assert "search-indexer" not in pm.root_cause.hypothesis
    assert "search-indexer" not in " ".join(w.answer for w in pm.five_whys.whys)


def test_config_push_before_onset_is_config_change():
    bundle, pack = conn_pool_case()
    bundle.changes = [Change(time=at(-3), kind="config_change", service="orders-api",
                             description="orders-api routing config v42", source_file="changes.json", line=30)]
    pm = assemble(bundle, pack)
    assert pm.root_cause.category == "config-change"


def test_config_words_in_a_deploy_feed_mean_config_change():
    bundle, pack = conn_pool_case()
    bundle.changes = [Change(time=at(-1), kind="deploy", service="PX1Y2Z3",
                             description="orders-api routes v341: move /pay to cluster b", source_file="c.json", line=3)]
    assert assemble(bundle, pack).root_cause.category == "config-change"


@pytest.mark.parametrize("text,category", [
    ("x509: certificate has expired or is not yet valid", "certificate/expiry"),
    ("dial tcp 10.0.0.7:5432: connect: connection refused", "network"),
    ("NullPointerException in OrderMapper.map", "software-bug"),
])
def test_category_rules_from_error_wording(text, category):
    bundle, pack = conn_pool_case()
    bundle.changes = []
    _without_saturation(bundle)
    _strip_pool_logs(pack)
    for i in range(3):
        _add_log(pack, f"E{50 + i}", 0.2 + i, text)
    assert assemble(bundle, pack).root_cause.category == category


def test_destructive_operator_command_is_data_loss():
    bundle, pack = conn_pool_case()
    bundle.changes = []
    pack.events.append(Event(time=at(-4), source="log", kind="command", text="psql -c 'DROP TABLE orders_archive'",
                             source_file="ops.log", line=7, pointer="ops.log:7"))
    pm = assemble(bundle, pack)
    assert pm.root_cause.category == "data-loss/operator-action"


def test_dependency_that_failed_first_beats_the_saturation_it_caused():
    bundle, pack = conn_pool_case()
    bundle.changes = []
    # the vendor slowed down (-1 min), then the request threads filled up (+1 min)
    _without_saturation(bundle)
    bundle.series.append(MetricSeries(name="tomcat_threads_busy", source_file="q.json",
                                      points=[(at(m), 200.0 if 1 <= m < 90 else 30.0) for m in range(-120, 180)]))
    pack.evidence.append(Evidence(id="E60", kind="changepoint", source_file="q.json", time=at(-1),
                                  pointer='client_latency_p99{peer="riskguard"}@t', excerpt="p99 0.1 -> 5"))
    pack.findings.append(Finding(kind="changepoint", role="symptom", time=at(-1), evidence_ids=["E60"],
                                 text='http_client_request_duration_seconds:p99{peer="riskguard"} 0.14 -> 5 (step)'))
    pack.findings.append(Finding(kind="trace", role="mechanism", time=at(1), evidence_ids=["E60"],
                                 text="Traces show checkout failing at 'RiskguardClient.score' (Read timed out)"))
    pm = assemble(bundle, pack)
    assert pm.root_cause.category == "dependency-failure"
    assert "riskguard" in pm.root_cause.hypothesis


def test_five_whys_and_every_claim_cite_existing_evidence():
    bundle, pack = conn_pool_case()
    pm = assemble(bundle, pack)
    assert len(pm.five_whys.whys) == 5
    assert all(w.evidence_ids for w in pm.five_whys.whys)
    existing = {e.id for e in pm.evidence}
    assert _cited(pm) <= existing
    assert pm.executive_summary.evidence_ids and pm.root_cause.evidence_ids


def test_action_items_have_owner_deadline_status_and_cover_the_kinds():
    bundle, pack = conn_pool_case()
    pm = assemble(bundle, pack)
    items = pm.action_items
    assert [a.id for a in items] == [f"AI-{n:03d}" for n in range(1, len(items) + 1)]
    assert {a.owner for a in items} == {"backend-platform"} and {a.status for a in items} == {"todo"}
    kinds = {a.kind for a in items}
    assert {"prevent", "detect", "process"} <= kinds and kinds & {"respond", "mitigate"}
    non_process = [a for a in items if a.kind != "process"]
    assert all(a.deadline == pm.date + timedelta(days=7) for a in non_process)  # SEV-1
    assert deadline(pm.date, "SEV-3", "prevent") == pm.date + timedelta(days=30)
    assert deadline(pm.date, "SEV-2", "process") == pm.date + timedelta(days=3)


def test_owner_is_unassigned_without_a_team():
    bundle, pack = conn_pool_case(with_meta=False)
    pm = assemble(bundle, pack)
    assert {a.owner for a in pm.action_items} == {"unassigned"}


def test_narrative_names_systems_not_people():
    bundle, pack = conn_pool_case()
    pm = assemble(bundle, pack)
    prose = " ".join([pm.executive_summary.text, pm.root_cause.hypothesis, *(w.answer for w in pm.five_whys.whys),
                      *(c.text for c in pm.went_well + pm.went_wrong + pm.lessons_learned + pm.trigger_candidates),
                      *(f.detail for f in pm.contributing_factors), *(e.text for e in pm.timeline.entries)])
    for name in ("alice", "Dana", "Example"):
        assert name not in prose
