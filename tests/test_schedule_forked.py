"""Work forked aside (log miners during the load, the chat lint): same answers, in-process fallbacks."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from agent import evidence
from agent.api import run_postmortem
from agent.evidence import forked, parallel, schedule
from agent.sources import load_bundle

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "conn-pool-exhaustion"
PARENT = os.getpid()


def _pid_and(x):
    return os.getpid(), x


def _fails(x):
    raise KeyError(f"bad {x}")


def _dies_in_child(x):
    if os.getpid() != PARENT:
        os._exit(3)
    return x * 2


def _unpicklable(x):
    return (lambda: x) if os.getpid() != PARENT else x


def test_a_child_runs_forked_and_returns_its_answer():
    child = forked.Child(_pid_and, 21)
    pid, value = child.result()
    assert value == 21 and pid != PARENT


@pytest.mark.parametrize("fn", [_dies_in_child, _unpicklable, _fails])
def test_a_child_without_a_usable_answer_is_lost(fn):
    with pytest.raises(forked.ChildLost):
        forked.Child(fn, 5).result()


def test_a_miners_exception_is_raised_here_with_this_process_traceback(monkeypatch):
    bundle = load_bundle(FIXTURE)
    monkeypatch.setattr(parallel, "worth_it", lambda paths: 2)
    monkeypatch.setattr(parallel, "analyze", lambda sources, window: _fails("mining"))
    with pytest.raises(KeyError, match="bad mining") as info:
        evidence.build(bundle)
    assert any(entry.name == "_fails" for entry in info.traceback)


def test_miners_are_niced_children(monkeypatch):
    bundle = load_bundle(FIXTURE)
    monkeypatch.setattr(parallel, "_mine", lambda sources, window: [os.nice(0)] * len(sources))
    job = parallel.start(bundle.logs, window=parallel.Window(), workers=1)
    assert {n for c in job.children for n in c.result().values()} == {os.nice(0) + parallel.MINER_NICE}


def test_no_fork_while_a_thread_runs():
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert not forked.can_fork()
        assert parallel.worth_it(["a", "b"]) == 0
    finally:
        stop.set()
        t.join()


def test_closing_stops_a_running_child():
    child = forked.Child(threading.Event().wait)  # never answers
    child.close()
    child.close()
    with pytest.raises(forked.ChildLost):
        child.result()


def test_the_children_take_the_files_from_one_queue_biggest_first(tmp_path, monkeypatch):
    sizes = [30, 29, 25, 8, 1]
    sources = []
    for i, n in enumerate(sizes):
        (tmp_path / f"{i}.log").write_bytes(b"x" * n)
        sources.append(type("S", (), {"abs_path": str(tmp_path / f"{i}.log")}))
    monkeypatch.setattr(parallel, "_mine", lambda srcs, window: [(os.getpid(), srcs[0].abs_path)])
    job = parallel.start(sources[::-1], window=parallel.Window(), workers=2)
    assert len(job.children) == 2 * parallel.PER_CPU
    taken = {}
    for c in job.children:
        taken.update(c.result())
    job.close()
    assert sorted(taken) == [0, 1, 2, 3, 4]  # every file once, whoever took it
    assert {i: path for i, (_, path) in taken.items()} == {i: s.abs_path for i, s in enumerate(sources[::-1])}
    assert parallel._groups([4, 0, 3]) == [[4], [0], [3]]
    queue = parallel.Tasks([4, 0, 3])
    assert [queue.take(), queue.take(), queue.take(), queue.take()] == [4, 0, 3, None]
    queue.close()
    assert queue.take() is None


def test_any_number_of_log_files_fits_the_queue(tmp_path, monkeypatch):
    """More files than queue records: they share tasks, still biggest first, each mined once."""
    order = list(range(10))
    assert parallel._groups(order, most=4) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert parallel._groups([], most=4) == []
    sources = []
    for i in range(9):
        (tmp_path / f"{i}.log").write_bytes(b"x" * (i + 1))
        sources.append(type("S", (), {"abs_path": str(tmp_path / f"{i}.log")}))
    monkeypatch.setattr(parallel, "MAX_TASKS", 4)
    monkeypatch.setattr(parallel, "_mine", lambda srcs, window: [srcs[0].abs_path])
    made = []
    real = parallel._groups
    monkeypatch.setattr(parallel, "_groups", lambda order: made.append(real(order)) or made[-1])
    job = parallel.start(sources, window=parallel.Window(), workers=2)
    assert job.failed is None
    assert made == [[[8, 7, 6], [5, 4, 3], [2, 1, 0]]]  # biggest first, three files a task
    taken = {}
    for c in job.children:
        taken.update(c.result())
    job.close()
    assert taken == {i: s.abs_path for i, s in enumerate(sources)}


def _force(monkeypatch, starts: list) -> None:
    monkeypatch.setattr(parallel, "worth_it", lambda paths: 2)
    real = parallel.start
    monkeypatch.setattr(parallel, "start", lambda *a, **k: starts.append(real(*a, **k)) or starts[-1])


def test_mining_started_during_the_load_is_adopted(monkeypatch):
    base = evidence.build(load_bundle(FIXTURE))
    starts: list = []
    _force(monkeypatch, starts)
    bundle, job = schedule.load_and_mine(FIXTURE)
    assert job is not None and starts == [job]
    pack = evidence.build(bundle, mining=job)
    assert starts == [job]  # no second start: the early job mined exactly this bundle's logs
    assert pack.model_dump_json() == base.model_dump_json()


def test_a_job_for_other_logs_is_stopped_and_mined_afresh(monkeypatch):
    bundle = load_bundle(FIXTURE)
    base = evidence.build(bundle)
    starts: list = []
    _force(monkeypatch, starts)
    stale = parallel.start(bundle.logs[:1], window=parallel.Window(), workers=2)
    pack = evidence.build(bundle, mining=stale)
    assert len(starts) == 2 and all(c._proc is None for c in stale.children)  # stopped, reaped
    assert pack.model_dump_json() == base.model_dump_json()


def test_a_failed_load_stops_the_miners(monkeypatch):
    from agent.errors import BundleError
    from agent.sources import bundle as bundle_mod

    starts: list = []
    _force(monkeypatch, starts)

    def broken(*a, **k):
        raise BundleError("late failure")

    real_parse = bundle_mod._parse_one
    parsed: list = []

    def parse_one(det, sn, out, status):
        if starts:  # the miners have started: fail on the first heavy file
            broken()
        parsed.append(sn.rel)
        real_parse(det, sn, out, status)

    monkeypatch.setattr(bundle_mod, "_parse_one", parse_one)
    with pytest.raises(BundleError):
        schedule.load_and_mine(FIXTURE)
    assert starts and all(c._proc is None for c in starts[0].children)


def test_draft_with_the_miners_forked_during_the_load_is_identical(monkeypatch):
    plain = run_postmortem(FIXTURE)
    assert plain.chat_flags
    starts: list = []
    _force(monkeypatch, starts)
    early = run_postmortem(FIXTURE)
    assert len(starts) == 1 and starts[0].children  # forked once, from the light stage of the load
    assert early.model_dump_json() == plain.model_dump_json()


def test_the_log_line_counts_are_taken_when_the_miners_are_collected(monkeypatch):
    plain = load_bundle(FIXTURE)
    counted = {f.path: f.records for f in plain.files if (f.format or "").startswith("log")}
    assert counted and max(counted.values()) > 1
    starts: list = []
    _force(monkeypatch, starts)
    bundle, job = schedule.load_and_mine(FIXTURE)
    assert {f.path: f.records for f in bundle.files if f.path in counted} == dict.fromkeys(counted, 1)  # not yet
    evidence.build(bundle, mining=job)
    assert [f.model_dump() for f in bundle.files] == [f.model_dump() for f in plain.files]
    bundle, job = schedule.load_and_mine(FIXTURE)
    job.close()  # a job closed unused (e.g. not adopted) counts them too
    assert [f.model_dump() for f in bundle.files] == [f.model_dump() for f in plain.files]
