"""The draft's tail (after the logs arrive): work done ahead while mining gives the same outputs, and the
collector resumes without walking what the draft allocated."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from agent import api, collector, evidence
from agent.checks import blameless, ruleset
from agent.checks.lazyre import LazyPattern
from agent.evidence import events as ev_mod
from agent.evidence import pack as pk
from agent.evidence import parallel
from agent.sources import load_bundle

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "conn-pool-exhaustion"


@pytest.fixture(scope="module")
def bundle():
    return load_bundle(FIXTURE)


def test_the_collector_resumes_with_the_blocks_objects_promoted():
    assert gc.isenabled() and gc.get_freeze_count() == 0
    with collector.paused():
        kept = [[i] for i in range(5000)]
        assert gc.get_count()[0] >= 5000
    assert gc.isenabled() and gc.get_freeze_count() == 0  # promoted, not left frozen
    assert gc.get_count()[0] < 5000 and len(kept) == 5000


def test_cycles_made_in_the_block_are_still_collected():
    class Node:
        pass

    with collector.paused():
        a, b = Node(), Node()
        a.other, b.other = b, a
        marker = id(a)
        del a, b
    gc.collect()
    assert all(id(o) != marker for o in gc.get_objects() if isinstance(o, Node))


def test_a_callers_frozen_objects_stay_frozen():
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with collector.paused():
            _ = [[i] for i in range(100)]
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_a_draft_leaves_the_young_generation_almost_empty(tmp_path):
    api.run_postmortem(FIXTURE, out_dir=tmp_path)
    assert gc.isenabled() and gc.get_count()[0] < gc.get_threshold()[0]


def _fit_inputs(bundle):
    events = ev_mod.dedupe(bundle.events)
    win = ev_mod.window(bundle, events)
    phase = ev_mod.phase_events(events, win)
    return [e.model_copy(update={"importance": ev_mod.importance(e, win, i in phase)}) for i, e in enumerate(events)], phase


@pytest.mark.parametrize("budget", [0, 60, 400, 8000])
def test_shared_events_pack_as_copied_ones(bundle, budget):
    events, phase = _fit_inputs(bundle)
    want = pk.fit([], events, phase, budget=budget)
    got = pk.fit([], events, phase, budget=budget, share=True)
    assert got.model_dump_json() == want.model_dump_json()
    assert all(a is not b for a, b in zip(want.events, events))  # copies unless the caller shares its own
    shared = [a is b for a, b in zip(got.events, events)]
    assert all(s == (e.evidence_id is None) for s, e in zip(shared, got.events))


@pytest.mark.parametrize("budget", [0, 60, 400, 8000])
def test_counts_made_ahead_pack_as_counts_made_while_fitting(bundle, budget):
    events, phase = _fit_inputs(bundle)
    counted = pk.clip_counts(pk.event_cand(e).excerpt for e in events)
    assert all(counted[t] == pk._clip_count(t) for t in counted)
    want = pk.fit([], events, phase, budget=budget)
    got = pk.fit([], events, phase, budget=budget, counted=counted)
    assert got.model_dump_json() == want.model_dump_json()


def test_counts_made_ahead_are_used_only_by_tiktoken(bundle):
    events, phase = _fit_inputs(bundle)
    wrong = {pk.event_cand(e).excerpt: ("x", 10_000) for e in events}  # a custom counter must not see these
    pack = pk.fit([], events, phase, budget=400, counter=lambda t: pk.count_tokens(t), counted=wrong)
    assert pack.evidence and all(e.excerpt != "x" for e in pack.evidence)


def test_importance_rated_ahead_is_the_importance_rated_after(bundle):
    events = ev_mod.dedupe(bundle.events)
    win = ev_mod.window(bundle, events)
    phase = ev_mod.phase_events(events, win)
    rated = evidence._rated(events, win)
    for i, e in enumerate(events):
        got = evidence._rate(e, win, i in phase, rated)
        assert got is not e and got == e.model_copy(update={"importance": ev_mod.importance(e, win, i in phase)})
    stranger = events[0].model_copy()
    assert evidence._rate(stranger, win, False, {id(stranger): (events[0], events[0])}) is not events[0]


def test_warming_the_clean_up_compiles_its_common_regexes_and_changes_nothing(tmp_path):
    before = api.run_postmortem(FIXTURE)
    blameless.warm_clean()
    lexicon = [v for v in vars(ruleset.load_lexicon()).values() if isinstance(v, LazyPattern)]
    assert lexicon and all(p._compiled is not None for p in lexicon)
    assert ruleset.critique_patterns()
    assert api.run_postmortem(FIXTURE).model_dump_json() == before.model_dump_json()


def test_the_head_start_runs_while_mining_and_the_draft_is_unchanged(monkeypatch):
    plain = api.run_postmortem(FIXTURE)
    monkeypatch.setattr(parallel, "worth_it", lambda paths: 2)
    order: list[str] = []
    real_result, real_warm = parallel.Mining.result, blameless.warm_clean
    monkeypatch.setattr(parallel.Mining, "result", lambda self: order.append("collect") or real_result(self))
    monkeypatch.setattr(blameless, "warm_clean", lambda: order.append("warm") or real_warm())
    early = api.run_postmortem(FIXTURE)
    assert order == ["warm", "collect"]
    assert early.model_dump_json() == plain.model_dump_json()


def test_the_evidence_stage_counts_ahead_only_while_mining(bundle, monkeypatch):
    calls: list[int] = []
    real = pk.clip_counts
    monkeypatch.setattr(pk, "clip_counts", lambda texts: calls.append(1) or real(texts))
    base = evidence.build(bundle)
    assert calls == []  # in-process mining: nothing to overlap
    monkeypatch.setattr(parallel, "worth_it", lambda paths: 2)
    assert evidence.build(bundle).model_dump_json() == base.model_dump_json()
    assert calls == [1]


def test_departures_worked_out_ahead_assemble_the_same_draft(bundle):
    from agent.analysis.assemble import assemble, departures

    pack = evidence.build(bundle)
    want = assemble(bundle, pack.model_copy(deep=True))
    got = assemble(bundle, pack.model_copy(deep=True), departures=departures(bundle))
    assert got.model_dump_json() == want.model_dump_json()


@pytest.mark.parametrize("budget", [0, 25, 60, 400, 8000])
def test_events_too_big_for_what_is_left_are_skipped_exactly(bundle, budget, monkeypatch):
    events, phase = _fit_inputs(bundle)
    counted = pk.clip_counts(pk.event_cand(e).excerpt for e in events)
    want = pk.fit([], events, phase, budget=budget)
    skipped: list[bool] = []
    real = pk._Budget.too_big
    monkeypatch.setattr(pk._Budget, "too_big", lambda self, ev, key: skipped.append(real(self, ev, key)) or skipped[-1])
    got = pk.fit([], events, phase, budget=budget, counted=counted)
    assert got.model_dump_json() == want.model_dump_json()
    if budget == 25:
        assert any(skipped)
