"""Unit checks behind the quality work: change kinds, disruptive commands, the timeline's second ranking
pass, JSON log signatures and the category rules they feed."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from agent import timeline
from agent.analysis import category, mechanism, ranking, triggers
from agent.models import Timeline, TimelineEntry

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def test_a_capacity_addition_is_not_read_as_a_deploy():
    assert triggers.kind_of("deploy", "Capacity addition finished: 400 front-end servers") == "capacity"
    assert triggers.kind_of("deploy", "Scale out api fleet: added 12 new nodes") == "capacity"
    assert triggers.kind_of("deploy", "api v2.3.1: new checkout flow") == "deploy"
    assert triggers.kind_of("deploy", "Update routes config for payments") == "config_change"


def test_a_command_that_reboots_every_server_is_disruptive_but_a_scoped_one_is_not():
    assert triggers._destructive("command", "WARN: executing 'reboot' on ALL 1000 servers (no node filter given)")
    assert triggers._destructive("command", "restart of all 40 cache nodes requested")
    assert not triggers._destructive("command", "operator request: reboot on selected new compute nodes")
    assert not triggers._destructive("deploy", "reboot all nodes after the kernel upgrade")  # only commands


def _cand(kind: str, destructive: bool = False) -> triggers.Candidate:
    return triggers.Candidate(kind, T0, "svc", f"the {kind}", ["E1"], score=0.8, destructive=destructive)


def test_category_follows_the_kind_of_change():
    mech = mechanism.Mechanism(scores={"saturation": 2.0}, signal_ids={"saturation": ["E2"]})
    assert category.choose(mech, _cand("capacity")).category == "capacity/resource-exhaustion"
    assert category.choose(mech, _cand("deploy")).category == "bad-deploy"
    assert category.choose(mech, _cand("command", destructive=True)).category == "data-loss/operator-action"
    assert category.choose(mechanism.Mechanism(), None).category == "software-bug"


def test_json_log_lines_keep_their_message_in_the_signature():
    a = timeline.signature('{"ts": "2026-06-01T12:00:01Z", "level": "error", "msg": "lookup db.internal: no such host"}')
    b = timeline.signature('{"ts": "2026-06-01T12:09:07Z", "level": "error", "msg": "lookup db.internal: no such host"}')
    c = timeline.signature('{"ts": "2026-06-01T12:00:01Z", "level": "warn", "msg": "cache near capacity (92%)"}')
    assert a == b and a != c and "no such host" in a


def _entry(minute: int, text: str, ids: list[str], importance: float = 0.8, phase=None, source="log"):
    return TimelineEntry(time=T0 + timedelta(minutes=minute), text=text, phase=phase, source=source,
                         importance=importance, evidence_ids=ids)


def test_rank_promotes_the_trigger_and_diagnosis_and_quiets_distractors():
    rows = [_entry(-30, "Deploy of api v2", ["E1"], 0.8, source="change"),
            _entry(-20, "Deploy of billing-ui v9", ["E2"], 1.0, source="change"),
            _entry(0, "error ratio rose", ["E3"], 1.0, phase="start", source="metric"),
            _entry(1, "JIRA INC-1 created", ["E4"], 1.0, source="ticket"),
            _entry(4, "Page acknowledged", ["E5"], 1.0, phase="acknowledgement", source="ticket"),
            _entry(20, "pool exhausted by leaked connections", ["E6"], 0.3, source="chat"),
            _entry(25, "Deploy of docs-site", ["E7"], 1.0, source="change")]
    tl = ranking.rank(Timeline(entries=rows, start=T0), key_ids=["E1"], quiet_ids=["E2"],
                       cause=re.compile("exhausted"))
    imp = {r.evidence_ids[0]: r.importance for r in tl.entries}
    assert imp["E1"] == 1.0 and imp["E2"] <= 0.3
    assert imp["E6"] >= 0.9                      # first responder note naming the failure mode
    assert imp["E4"] <= 0.75                     # repeats the start's moment
    assert imp["E5"] < imp["E3"]                 # acknowledgement ranks below onset
    assert imp["E7"] <= 0.8                      # another change is context, not a key moment


def _ev(minute: int, source: str, kind: str, text: str, eid: str):
    from agent.models import Event
    return Event(time=T0 + timedelta(minutes=minute), source=source, kind=kind, text=text, source_file="x.json",
                 pointer=f"x.json#{eid}", evidence_id=eid)


def test_responder_notes_of_actions_are_mitigation_attempts_and_a_priority_raise_is_escalation():
    evs = [_ev(0, "alert", "alert_firing", "ErrorsHigh firing", "E1"),
           _ev(8, "ticket", "other", "JIRA INC-7 priority High -> Highest", "E2"),
           _ev(20, "ticket", "note", "Rolled back thumbnailer to 4.6.2", "E3"),
           _ev(25, "ticket", "note", "Looking at the dashboards", "E4"),
           _ev(40, "ticket", "resolve", "Resolved", "E5")]
    tl = timeline.build(evs, severity="SEV-2")
    assert tl.escalated == T0 + timedelta(minutes=8)
    assert tl.mitigation_attempts == [T0 + timedelta(minutes=20)]
