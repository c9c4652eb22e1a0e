"""The loading fast paths give what the plain paths give: Prometheus points, Slack event texts."""

from __future__ import annotations

import json
import math
import random
import struct

import numpy as np
import pytest

from agent.sources import load_bundle, numcolumn
from agent.sources import promseries as ps
from agent.sources.scrub import scrub


def _both(pairs):
    fast = ps.fast_points(pairs, ps.Times())
    slow = ps.prom_points(pairs, ps.Times())
    return fast, slow


def _same(a, b) -> None:
    assert a[0] == b[0] and a[3] == b[3]
    assert np.array_equal(a[1], b[1]) and np.array_equal(a[2], b[2], equal_nan=True)


T = [1770285600 + i * 15 for i in range(12)]


@pytest.mark.parametrize("pairs", [
    [[t, f"{i}.5"] for i, t in enumerate(T)],
    [[t, v] for t, v in zip(T, ["1", "NaN", "+Inf", "-Inf", "2", "3", "nan", "4", "5", "6", "7", "8"])],
    [[t, v] for t, v in zip(T, [1, 2.5, "3", 4, 5, 6, 7, 8, 9, 10, 11, 12])],
    [[t, "1", "extra"] if i == 3 else [t, "1"] for i, t in enumerate(T)],  # one longer pair
    [[t, str(i) * 3] for i, t in enumerate(T[:5] + T[8:])],  # a gap
    [[t, str(i)] for i, t in enumerate(reversed(T))],  # unsorted
])
def test_fast_prometheus_points_equal_the_general_loop(pairs):
    fast, slow = _both(pairs)
    assert fast is not None
    _same(fast, slow)


@pytest.mark.parametrize("pairs", [
    [[t, "1"] for t in T] + [[T[-1] + 15]],  # a short pair
    [[t, "1", "x"] for t in T],  # every pair longer
    [[t, ["1"]] for t in T],  # a value that is not a number
    [[t, "1"] for t in T[:-1]] + [["not a time", "1"]],
])
def test_unusual_shapes_still_parse_like_the_general_loop(pairs):
    fast = ps.fast_points(pairs, ps.Times())
    slow = ps.prom_points(pairs, ps.Times())
    if fast is not None:
        _same(fast, slow)


def test_slack_events_carry_the_scrubbed_text(tmp_path):
    secret = "token xoxb-2048-998877-Ab7Cd9Ef1Gh3"
    msgs = [{"type": "message", "ts": f"17702856{i:02d}.000100", "user": "U1", "text": text}
            for i, text in enumerate(["plain words", secret, "", "mail ops@example.com now", "&lt;ok&gt;"])]
    (tmp_path / "slack.json").write_text(json.dumps({"ok": True, "channel": "inc", "messages": msgs}))
    (tmp_path / "incident.yaml").write_text("title: t\nseverity: SEV-2\n")
    b = load_bundle(tmp_path)
    events = {e.attrs["ts"]: e.text for e in b.events if e.kind == "chat"}
    for msg in b.chat:
        assert events[msg.ts] == (scrub(msg.text) or "(no text)")[:2000]
        assert "xoxb-" not in events[msg.ts] and "ops@example.com" not in events[msg.ts]


def _float_or_gap(s):
    try:
        x = float(s)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _check_column(raw):
    got = numcolumn.decode(raw)
    if got is None:
        return False
    vals, v, gaps = got
    want = [_float_or_gap(s) for s in raw]
    assert [repr(x) for x in vals] == [repr(x) for x in want]  # repr: -0.0 and 0.0 differ
    assert np.array_equal(v, np.array([np.nan if x is None else x for x in want]), equal_nan=True)
    assert gaps == want.count(None)
    return True


def test_number_column_is_float_of_each_string():
    rng = random.Random(11)
    forms = [lambda: repr(rng.uniform(-1e6, 1e6)), lambda: f"{rng.uniform(0, 100):.{rng.randint(0, 9)}f}",
             lambda: str(rng.randint(-10**17, 10**17)), lambda: f"{rng.randint(1, 10**15)}e{rng.randint(-330, 290)}",
             lambda: repr(struct.unpack("d", rng.randbytes(8))[0]), lambda: rng.choice(["NaN", "+Inf", "-Inf"]),
             lambda: rng.choice(["0", "-0", "0.0", "-0.0", "0e0", "-0e5", " 7", "8 "])]
    accepted = 0
    for _ in range(200):
        raw = [rng.choice(forms)() for _ in range(rng.randint(1, 60))]
        raw = [s for s in raw if s not in ("nan", "inf", "-inf")]  # repr of a random NaN/Inf double
        accepted += _check_column(raw)
    assert accepted > 150  # refusing is always safe; the checks above must have seen most columns


@pytest.mark.parametrize("odd", ["nan", "inf", "1_0", "0x10", "+1", ".5", "5.", "1e400", "true", "null", "1,2",
                                 "[1]", '"1"', "", "1 2", "12345678901234567890", "-12345678901234567890123"])
def test_number_column_leaves_other_strings_to_float(odd):
    raw = ["1.5", odd, "2"]
    if not _check_column(raw):  # refused: the caller converts with float(), so nothing to compare
        assert numcolumn.decode(raw) is None
    assert numcolumn.decode(["1", 2.0]) is None and numcolumn.decode(["1", ["2"]]) is None


def test_number_column_gap_runs_and_the_sentinel_value():
    raw = ["NaN", "NaN", "NaN", "1", "+Inf", "-Inf", "+Inf", repr(numcolumn._SENTINEL), "NaN"]
    assert _check_column(raw)
    vals, _, gaps = numcolumn.decode(raw)
    assert gaps == 7 and vals[7] == numcolumn._SENTINEL and vals[3] == 1.0
    assert _check_column(["-0", "0", "-0.0", "1e-400", "-1e-400"])


def test_series_sharing_a_column_share_its_gap_plan_and_match_the_general_loop():
    times = [T[0], T[1], T[2], T[3] + 600, T[4] + 600, T[5] + 600, T[2] - 7]  # a gap, and out of order
    cols = [[[t, f"{i * k}.25"] for i, t in enumerate(times)] for k in (1, 2, 3)]
    shared = ps.Times()
    for pairs in cols:
        fast = ps.fast_points(pairs, shared)
        _same(fast, ps.prom_points(pairs, ps.Times()))
        assert any(v is None for _, v in fast[0])  # the gap point
    assert len(shared.plans) == 1
    a, b = ps.fast_points(cols[0], shared), ps.fast_points(cols[1], shared)
    assert a[1] is not b[1]  # sorted copies are each series' own, as before
