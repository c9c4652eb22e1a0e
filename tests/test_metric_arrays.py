"""The vectorised metric paths (Prometheus parsing, point arrays, baselines and shifts) give exactly what
the plain list-based definitions give. The references below are those definitions, kept verbatim."""

from __future__ import annotations

import gc
import json
import random
import statistics
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent.analysis import series as ms
from agent.models import MetricSeries
from agent.points import arrays
from agent.sources import load_bundle
from agent.sources import metrics as sm
from agent.sources import promseries as ps
from agent.sources.timeparse import parse_any

ROOT = Path(__file__).resolve().parents[1]

T0 = datetime(2024, 3, 5, 14, 0, tzinfo=UTC)


# ----------------------------------------------------------------------------- references


def ref_with_gaps(points):
    points = sorted(points, key=lambda p: p[0])
    if len(points) < 3:
        return points
    steps = [(b[0] - a[0]).total_seconds() for a, b in zip(points, points[1:])]
    step = statistics.median(steps)
    if step <= 0:
        return points
    out = [points[0]]
    for prev, cur, gap in zip(points, points[1:], steps):
        if gap > 2 * step:
            out.append((prev[0] + (cur[0] - prev[0]) / 2, None))
        out.append(cur)
    return out


def ref_values(s):
    return sorted((t, v) for t, v in s.points if v is not None and v == v)


def ref_is_counter(s):
    pts = ref_values(s)
    if len(pts) < 3 or not s.name.endswith(("_total", "_count")):
        return False
    return sum(1 for (_, a), (_, b) in zip(pts, pts[1:]) if b < a) <= max(1, len(pts) // 20)


def ref_as_rate(s):
    pts = ref_values(s)
    if not ref_is_counter(s):
        return pts
    return [(t1, (b - a if b >= a else b) / (t1 - t0).total_seconds())
            for (t0, a), (t1, b) in zip(pts, pts[1:]) if (t1 - t0).total_seconds() > 0]


def ref_find_shift(s, before=None):
    pts = ref_as_rate(s)
    if len(pts) < 5:
        return None
    base = [v for t, v in pts if before and t < before] if before else []
    if len(base) < 3:
        base = [v for _, v in pts[: max(3, len(pts) // 3)]]
    med = statistics.median(base)
    mad = statistics.median(abs(v - med) for v in base) or 0.0
    threshold = max(4 * 1.4826 * mad, 0.25 * abs(med), 1e-9)
    start = next((i for i in range(len(pts) - 1) if abs(pts[i][1] - med) > threshold
                  and abs(pts[i + 1][1] - med) > threshold and (pts[i][1] > med) == (pts[i + 1][1] > med)), None)
    if start is None:
        return None
    up = pts[start][1] > med
    peak_t, peak_v = (max if up else min)(pts[start:], key=lambda p: p[1])
    peak_idx = pts.index((peak_t, peak_v))
    rec = next((pts[i][0] for i in range(peak_idx + 1, len(pts)) if abs(pts[i][1] - med) <= threshold), None)
    return pts[start][0], peak_t, med, peak_v, rec, "up" if up else "down"


# ----------------------------------------------------------------------------- random series


def _random_points(rng: random.Random, n: int) -> list[tuple[datetime, float | None]]:
    shape = rng.choice(["flat", "step", "counter", "spiky"])
    t, pts = 0.0, []
    for i in range(n):
        t += rng.choice([15, 15, 15, 15, 0, 45, 2.16])  # duplicates, gaps and fractional steps
        if shape == "flat":
            v = 10 + rng.random()
        elif shape == "step":
            v = (50 if i > n // 2 else 10) + rng.random()
        elif shape == "counter":
            v = float(i * 3 if rng.random() > 0.05 else 0)  # an occasional reset
        else:
            v = rng.choice([1.0, 1.0, 2.0, 500.0, -3.0])
        pts.append((T0 + timedelta(seconds=t), None if rng.random() < 0.05 else v))
    if rng.random() < 0.2:
        rng.shuffle(pts)
    return pts


def _shift_tuple(sh):
    return None if sh is None else (sh.start, sh.peak_time, sh.baseline, sh.peak, sh.recovered, sh.direction)


@pytest.mark.parametrize("seed", range(6))
def test_with_gaps_matches_the_list_definition(seed):
    rng = random.Random(seed)
    for _ in range(200):
        pts = _random_points(rng, rng.randint(0, 40))
        assert sm.with_gaps(pts) == ref_with_gaps(pts)


@pytest.mark.parametrize("seed", range(6))
def test_series_arithmetic_matches_the_list_definitions(seed):
    rng = random.Random(seed)
    for _ in range(150):
        s = MetricSeries(name=rng.choice(["requests_total", "errors_count", "latency_seconds", "pool_active"]),
                         points=_random_points(rng, rng.randint(0, 60)), source_file="m.json")
        before = rng.choice([None, T0 + timedelta(seconds=rng.randint(0, 900))])
        assert ms.values(s) == ref_values(s)
        assert ms.is_counter(s) == ref_is_counter(s)
        assert ms.as_rate(s) == ref_as_rate(s)
        assert _shift_tuple(ms.find_shift(s, before=before)) == ref_find_shift(s, before)


def test_arrays_follow_replaced_points_and_keep_exact_times():
    s = MetricSeries(name="x", points=[(T0, 1.0), (T0 + timedelta(microseconds=7), None)], source_file="m")
    first = arrays(s)
    assert arrays(s) is first  # cached
    assert first.t_us[1] - first.t_us[0] == 7 and first.v[1] != first.v[1]  # exact µs; None is NaN
    s.points = [(T0, 2.0)]
    assert arrays(s).v.tolist() == [2.0]  # a new points list is converted again


def ref_prom_points(pairs):
    points, non_finite = [], 0
    for pair in pairs:
        if not isinstance(pair, list) or len(pair) < 2:
            continue
        t, v = parse_any(pair[0])[0], sm.to_value(pair[1])
        non_finite += v is None
        if t is not None:
            points.append((t, v))
    return ref_with_gaps(points), non_finite


def _prom(values_by_series: list[list]) -> dict:
    return {"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {"__name__": f"m{i}", "job": "api"}, "values": vals} for i, vals in enumerate(values_by_series)]}}


def test_prometheus_fast_and_general_paths_agree(tmp_path):
    base = 1709647200
    clean = [[base + 15 * i, str(i % 7)] for i in range(60) if not 20 < i < 26]
    odd_values = [[base + 15 * i, v] for i, v in enumerate(["1", "NaN", "+Inf", "x", "2", "1e999", " 3 ", "4"] * 5)]
    odd_pairs = clean[:10] + [[base], "x", None, [None, "1"], [base + 2000, "5", "extra"], [True, "2"]]
    odd_times = [clean[:10] + [bad, [base + 3000, "1"]] for bad in ([[1], "2"], [None, "1"], [True, "2"], ["x", "3"])]
    for vals in (clean, odd_values, odd_pairs, list(reversed(clean)), *odd_times):
        expected = ref_prom_points(vals)
        general = ps.prom_points(vals, ps.Times())
        fast = ps.fast_points(vals, ps.Times())
        assert (general[0], general[3]) == expected
        assert fast is None or (fast[0], fast[3]) == expected
    assert ps.fast_points(clean, ps.Times()) is not None and ps.fast_points(odd_pairs, ps.Times()) is None
    (tmp_path / "q.json").write_text(json.dumps(_prom([clean, odd_values, odd_pairs, clean])))
    bundle = load_bundle(tmp_path)
    assert [len(s.points) for s in bundle.series] == [len(ps.prom_points(v, ps.Times())[0])
                                                     for v in (clean, odd_values, odd_pairs, clean)]
    assert bundle.series[0].points == bundle.series[3].points  # one shared timestamp column
    assert any("NaN/Inf sample(s) kept as gaps" in w for w in bundle.warnings)
    for s in bundle.series:  # the parser's cached arrays are what converting the points gives
        cached = arrays(s)
        assert cached.t_us.tolist() == [(t - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
                                        for t, _ in s.points]
        assert [None if x != x else x for x in cached.v.tolist()] == [v for _, v in s.points]


def test_malformed_metrics_json_still_names_file_and_line(tmp_path):
    (tmp_path / "incident.yaml").write_text("title: t\nseverity: SEV-2\n")
    (tmp_path / "metrics.json").write_text('{"status": "success",\n "data": {"resultType": "matrix",,}}')
    bundle = load_bundle(tmp_path)
    status = next(f for f in bundle.files if f.path == "metrics.json")
    assert status.status == "error" and status.reason.startswith("metrics.json:2: malformed JSON")


def test_collector_pause_restores_the_callers_state():
    from agent import collector

    with pytest.raises(ValueError), collector.paused():
        assert not gc.isenabled()
        raise ValueError("a failing stage")
    assert gc.isenabled()
    load_bundle(ROOT / "fixtures/conn-pool-exhaustion")
    assert gc.isenabled()


def test_draft_pauses_the_collector_and_restores_it(tmp_path):
    from agent.api import run_postmortem

    assert gc.isenabled()
    run_postmortem(ROOT / "fixtures/conn-pool-exhaustion", out_dir=tmp_path / "a")
    assert gc.isenabled()
    gc.disable()
    try:
        run_postmortem(ROOT / "fixtures/conn-pool-exhaustion", out_dir=tmp_path / "b")
        assert not gc.isenabled()  # a caller's choice is left alone
    finally:
        gc.enable()
    assert (tmp_path / "a" / "postmortem.md").read_bytes() == (tmp_path / "b" / "postmortem.md").read_bytes()


def test_offline_draft_imports_no_llm_or_vector_store(tmp_path):
    code = ("import sys; from agent import run_postmortem; from agent.settings import Settings; "
            f"run_postmortem('fixtures/conn-pool-exhaustion', out_dir={str(tmp_path)!r}); "
            "print([m for m in ('openai', 'langchain', 'chromadb', 'sklearn', 'agent.llm') if m in sys.modules])")
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}  # no ~/.postmortem library, no POSTMORTEM_* settings
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, cwd=ROOT)
    assert out.stdout.strip().splitlines()[-1] == "[]"
