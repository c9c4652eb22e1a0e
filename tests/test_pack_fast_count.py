"""pack.fit's tiktoken fast path (one encode per excerpt, no counting once the budget is spent) must
build the same pack as the plain path a custom counter takes."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent import evidence
from agent.evidence import pack as pk
from agent.sources.bundle import load_bundle

ROOT = Path(__file__).resolve().parents[1]


def _plain(text: str) -> int:  # not ``count_tokens`` itself, so fit takes the general path
    return pk.count_tokens(text)


@pytest.fixture(scope="module")
def bundle():
    return load_bundle(ROOT / "fixtures" / "conn-pool-exhaustion")


@pytest.mark.parametrize("budget", [0, 40, 300, 1500, 8000])
def test_fast_path_builds_the_same_pack(bundle, budget):
    fast = evidence.build(bundle, budget_tokens=budget)
    plain = evidence.build(bundle, budget_tokens=budget, counter=_plain)
    assert fast.model_dump_json() == plain.model_dump_json()


def test_clip_count_agrees_with_clip_and_count():
    long = "connection pool exhausted waiting for a free slot " * 40
    for text in ("", "short", long, "é" * 500):
        clipped, n = pk._clip_count(text)
        assert clipped == pk._clip(text) and n == pk.count_tokens(clipped)
    assert pk._clip_count(long)[0].endswith("...")


def test_a_spent_budget_still_admits_free_items():
    b = pk._Budget(0, pk.count_tokens)
    cand = pk.event_cand(load_bundle(ROOT / "fixtures" / "conn-pool-exhaustion").events[0])
    assert b.full_for(cand)
    cand.excerpt = ""
    assert not b.full_for(cand) and b.admit([cand])
