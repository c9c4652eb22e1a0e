"""Log mining overlapped with the rest of the draft: same outputs, pool first, fallback, small bundles."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from agent import evidence
from agent.api import run_postmortem
from agent.evidence import parallel
from agent.sources import load_bundle

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "conn-pool-exhaustion"


def _force_pool(monkeypatch, seen: list) -> None:
    """Pretend the bundle is big: mine its logs in 2 worker processes; record how start() was reached."""
    monkeypatch.setattr(parallel, "worth_it", lambda paths: 2)
    real = parallel.start

    def start(*a, **k):
        seen.append(threading.active_count())
        return real(*a, **k)

    monkeypatch.setattr(parallel, "start", start)


def test_overlapped_draft_is_identical_to_in_process(monkeypatch):
    plain = run_postmortem(FIXTURE)
    assert plain.chat_flags and any(f.evidence_id for f in plain.chat_flags)
    seen: list = []
    _force_pool(monkeypatch, seen)
    before = threading.active_count()  # other tests may leave threads; the draft must add none first
    early = run_postmortem(FIXTURE)
    assert seen == [before]  # the pool was started, and before the draft made any thread
    assert early.model_dump_json() == plain.model_dump_json()


def test_while_mining_runs_before_the_logs_are_collected(monkeypatch):
    bundle = load_bundle(FIXTURE)
    base = evidence.build(bundle)
    seen: list = []
    _force_pool(monkeypatch, seen)
    order: list[str] = []
    real_result = parallel.Mining.result
    monkeypatch.setattr(parallel.Mining, "result", lambda self: order.append("collect") or real_result(self))
    pack = evidence.build(bundle, while_mining=lambda: order.append("other work"))
    assert order == ["other work", "collect"]
    assert pack.model_dump_json() == base.model_dump_json()


def test_small_bundle_stays_in_process(monkeypatch):
    calls: list = []
    monkeypatch.setattr(parallel, "start", lambda *a, **k: calls.append(a))
    ran: list = []
    evidence.build(load_bundle(FIXTURE), while_mining=lambda: ran.append(1))
    assert calls == [] and ran == []  # no pool below the size threshold, nothing run early


def test_broken_pool_falls_back_and_says_so(monkeypatch):
    bundle = load_bundle(FIXTURE)
    base = evidence.build(bundle)
    monkeypatch.setattr(parallel, "worth_it", lambda paths: 2)

    class Broken:
        def __init__(self, *a, **k):
            raise OSError("no processes here")

    monkeypatch.setattr(parallel, "Child", Broken)
    pack = evidence.build(bundle)
    assert any("parallel log mining failed (OSError)" in n for n in pack.notes)
    assert [e.model_dump() for e in pack.evidence] == [e.model_dump() for e in base.evidence]


def test_a_dead_miner_is_mined_here_and_said(monkeypatch):
    bundle = load_bundle(FIXTURE)
    base = evidence.build(bundle)
    monkeypatch.setattr(parallel, "worth_it", lambda paths: 2)
    real = parallel._mine
    parent = os.getpid()

    def dies_in_child(sources, window):
        if os.getpid() != parent:
            os._exit(3)  # a worker killed mid-way (OOM killer, segfault): no answer at all
        return real(sources, window)

    monkeypatch.setattr(parallel, "_mine", dies_in_child)
    pack = evidence.build(bundle)
    assert any("parallel log mining failed (worker process lost (EOFError))" in n for n in pack.notes)
    assert [e.model_dump() for e in pack.evidence] == [e.model_dump() for e in base.evidence]


def test_failing_early_work_still_stops_the_pool(monkeypatch):
    bundle = load_bundle(FIXTURE)
    seen: list = []
    _force_pool(monkeypatch, seen)
    jobs: list = []
    real = parallel.start
    monkeypatch.setattr(parallel, "start", lambda *a, **k: jobs.append(real(*a, **k)) or jobs[-1])

    def boom():
        raise RuntimeError("early work failed")

    with pytest.raises(RuntimeError):
        evidence.build(bundle, while_mining=boom)
    assert jobs and jobs[0].children and all(c._proc is None for c in jobs[0].children)  # all reaped
