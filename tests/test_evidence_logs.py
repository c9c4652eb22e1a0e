"""Template miner, metric change points and the `postmortem logs` command."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta, timezone

import numpy as np

from agent.evidence import metrics as mx
from agent.evidence.drain import TemplateMiner, mask
from agent.evidence.logs import Window, analyze
from agent.evidence.templates import line_reader, source_for
from agent.models import MetricSeries

T0 = datetime(2026, 2, 5, 13, 0, tzinfo=timezone.utc)


def test_masks_variables_but_keeps_words():
    m = mask("Connection pool exhausted (100/100 connections in use) from 10.0.0.12:5432 id=4f9a2c1e-aaaa-bbbb-cccc-123456789abc")
    assert m == "Connection pool exhausted (<*> connections in use) from <*> id=<*>"
    assert mask("open through proxy SOCKS5 at /var/log/app/x.log took 250ms") == "open through proxy SOCKS5 at <*> took <*>"


def test_miner_groups_variants_and_separates_events():
    m = TemplateMiner()
    a = m.add("PacketResponder 1 for block blk_38865 terminating")
    b = m.add("PacketResponder 0 for block blk_-69522 terminating")
    c = m.add("Ending TrustedInstaller initialization.")
    d = m.add("Ending TrustedInstaller finalization.")
    e = m.add("login failed for user alice from gateway")
    f = m.add("login failed for user bob from gateway")
    assert a is b and c is not d and e is f
    assert a.template == "PacketResponder <*> for block <*> terminating" and a.count == 2


def test_miner_memory_is_bounded_by_caps():
    m = TemplateMiner(max_clusters=50, cache_size=100)
    for i in range(5000):
        m.add(f"word{chr(97 + i % 26)}{chr(97 + i // 26 % 26)} alpha{chr(97 + i // 676 % 26)} beta")
    assert len(m.clusters) <= 51 and len(m._cache) <= 100 and len(m._keys) <= 100


def test_bad_input_binary_and_huge_line(tmp_path):
    p = tmp_path / "junk.log"
    with p.open("wb") as fh:
        fh.write(b"2026-02-05T13:00:00Z INFO ok start\n")
        fh.write(bytes(range(256)) * 40 + b"\n")
        fh.write(b"2026-02-05T13:00:01Z ERROR " + b"x" * (10 * 1024 * 1024) + b"\n")
        fh.write(b"2026-02-05T13:00:02Z INFO ok end\n")
    res = analyze([source_for(p)], window=Window())
    assert res.records >= 2
    assert any("ok" in t.template for t in res.templates)
    assert any(p.startswith("junk.log:43: over-long line") for p in res.problems)  # the junk held 40 newlines
    assert any(p.startswith("junk.log:1: binary data") for p in res.problems)


def test_multiline_stack_trace_is_one_record_with_its_root_exception(tmp_path):
    p = tmp_path / "app.log"
    p.write_text("2026-02-05T13:00:00Z ERROR request failed\n"
                 "java.lang.IllegalStateException: wrapper\n\tat a.b.C.d(C.java:1)\n"
                 "Caused by: java.sql.SQLTransientConnectionException: pool timeout\n\tat x.Y.z(Y.java:2)\n"
                 "2026-02-05T13:00:05Z INFO fine\n", encoding="utf-8")
    res = analyze([source_for(p)], window=Window())
    err = next(t for t in res.templates if "request failed" in t.template)
    assert err.stats.exception == "java.sql.SQLTransientConnectionException"
    assert res.records == 2


def test_changepoints_fast_on_10k_points():
    import time

    rng = np.random.default_rng(0)
    s = MetricSeries(name="p99_latency_ms", source_file="m.json",
                     points=[(T0 + timedelta(seconds=10 * i), (200.0 if i < 6000 else 5000.0) + rng.normal(0, 5))
                             for i in range(10_000)])
    t = time.perf_counter()
    shifts = mx.changes(s)
    assert time.perf_counter() - t < 1.0  # ~0.05 s idle; slack for a loaded CI box
    assert len(shifts) == 1 and shifts[0].shape == "step" and shifts[0].direction == "up"
    assert shifts[0].onset == T0 + timedelta(seconds=60_000)


def test_flat_noisy_series_has_no_change():
    rng = np.random.default_rng(1)
    s = MetricSeries(name="cpu", source_file="m.json",
                     points=[(T0 + timedelta(minutes=i), 50 + rng.normal(0, 3)) for i in range(500)])
    assert mx.changes(s) == []


def test_cli_logs_json_and_assign(tmp_path, run_cli):
    p = tmp_path / "x.log"
    p.write_text("".join(f"081109 2036{i % 60:02d} 148 INFO dfs.DataNode: PacketResponder {i} for block blk_{i}9 terminating\n"
                         for i in range(5)) + "081109 203700 1 WARN dfs.FSNamesystem: BLOCK* ask 10.0.0.1:50010 to delete blk_1\n")
    out = tmp_path / "assign.csv"
    r = run_cli("logs", str(p), "--json", "--assign", str(out),
                "--content-regex", r"^\d+ \d+ \d+ \w+ [^:]+: (?P<content>.*)$")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["records"] == 6 and data["templates"][0]["count"] == 5
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 6 and rows[0]["line"] == "1" and len({r["template_id"] for r in rows}) == 2


def test_cli_missing_file_is_exit_2(tmp_path, run_cli):
    r = run_cli("logs", str(tmp_path / "nope.log"), "--quiet")
    assert r.returncode == 2 and "nope.log" in r.stderr


def test_line_reader_uses_content_group(tmp_path):
    p = tmp_path / "a.log"
    p.write_text("H1 hello world\nH2 bye\n")
    recs = list(line_reader(r"^H\d (?P<content>.*)$")(source_for(p)))
    assert [r.message for r in recs] == ["hello world", "bye"]


def test_parallel_mining_matches_sequential(tmp_path):
    from agent.evidence.parallel import analyze_parallel

    srcs = []
    for k, name in enumerate(("a.log", "b.log")):
        p = tmp_path / name
        p.write_text("".join(f"2026-02-05T13:{i % 60:02d}:00Z {'ERROR' if i % 7 == 0 else 'INFO'} "
                             f"{'pool exhausted for shard' if i % 7 == 0 else 'served request'} {i * (k + 1)}\n"
                             for i in range(300)), encoding="utf-8")
        srcs.append(source_for(p))
    win = Window(cutoff=T0 + timedelta(minutes=30), onset=T0 + timedelta(minutes=45))
    seq = analyze(srcs, window=win)
    par = analyze_parallel(srcs, window=win, workers=2)
    view = lambda r: sorted((t.template, t.count, t.stats.baseline, t.stats.first.pointer) for t in r.templates)  # noqa: E731
    assert view(seq) == view(par) and par.records == seq.records == 600


def test_random_junk_stays_fast_and_bounded():
    import random
    import string
    import time

    rnd = random.Random(3)
    word = lambda: "".join(rnd.choice(string.ascii_letters) for _ in range(rnd.randint(3, 8)))  # noqa: E731
    lines = [" ".join(word() for _ in range(8)) for _ in range(20_000)]
    m = TemplateMiner()
    t = time.process_time()
    for line in lines:
        m.add(line)
    assert time.process_time() - t < 5  # ~0.4 s: a full leaf compares new lines with 16 templates, not all
    assert len(m.clusters) < 1000
