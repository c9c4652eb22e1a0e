"""The evidence stage's fast path must give exactly what the slow, obvious path gives: rows against
LogRecords, vectorised redaction pre-checks against one find per trigger, cached timestamps against
parsing every line."""

from __future__ import annotations

import random
from datetime import datetime, timezone

from agent.evidence.logs import Window, analyze
from agent.models import LogSource
from agent.sources import scrub
from agent.sources.logs import iter_records, iter_rows

UTC = timezone.utc


def _find_all(hay: bytes, needles) -> list[int]:
    out: list[int] = []
    for n in needles:
        scrub._positions(hay, n, out)
    return sorted(out)


def test_trigger_prefilter_matches_find_loop():
    rnd = random.Random(7)
    words = [t.decode() for t in scrub._TRIGGER_BYTES] + ["database", "seconds", "tok", "ke", "se", "\n", "é", "x"]
    for _ in range(25):
        block = " ".join(rnd.choice(words) for _ in range(rnd.randint(900, 3000))).encode().lower()
        assert len(block) >= 4096
        got: list[int] = []
        scrub._trigger_positions(block, got)
        assert sorted(got) == _find_all(block, scrub._TRIGGER_BYTES)
    for t in scrub._TRIGGER_BYTES:  # at the very start and the very end of a long block
        for block, where in ((t + b"x" * 5000, 0), (b"x" * 5000 + t, 5000)):
            got = []
            scrub._trigger_positions(block, got)
            assert got == [where], t


def test_flagged_lines_in_a_big_block_finds_every_secret_line():
    lines = [f"2026-02-05T10:00:{i % 60:02d}Z INFO request {i} done in {i % 97}ms" for i in range(3000)]
    secret_at = {17: "Authorization: Bearer abc.def.ghi", 1500: "password=hunter2", 2999: "call (555) 123-4567",
                 2100: "key AKIAABCDEFGHIJKLMNOP", 40: "mail bob@example.com"}
    for i, text in secret_at.items():
        lines[i] += " " + text
    block = ("\n".join(lines) + "\n").encode()
    assert len(block) > 100_000
    assert set(secret_at) <= scrub.flagged_lines(block)


def _write_logs(tmp_path):
    text = tmp_path / "app.log"
    rows = []
    for i in range(400):
        sec = i % 60
        rows.append(f"2026-02-05T10:{i // 60:02d}:{sec:02d}.{i:03d}Z {'ERROR' if i % 7 == 0 else 'INFO'} "
                    f"worker {i % 5} handled job {i} in {i * 3}ms")
        if i == 123:
            rows.append("java.lang.IllegalStateException: pool exhausted")
            rows.append("    at com.example.Pool.get(Pool.java:42)")
        if i == 200:
            rows.append("2026-02-05T10:03:20Z WARN login with password=hunter2 token=abcd1234")
    text.write_text("\n".join(rows) + "\n")
    access = tmp_path / "access.log"
    access.write_text("".join(f'10.0.0.{i % 9} - - [05/Feb/2026:10:0{i // 60}:{i % 60:02d} +0100] "GET /x/{i} HTTP/1.1" '
                              f'{500 if i % 11 == 0 else 200} {i} "-" "curl"\n' for i in range(300)))
    syslog = tmp_path / "sys.log"
    syslog.write_text("Dec 31 23:59:58 db-1 postgres[1]: LOG: checkpoint 1\nDec 31 23:59:59 db-1 postgres[1]: LOG: x 2\n"
                      "Jan  1 00:00:00 db-1 postgres[1]: LOG: checkpoint 3\nJan  1 00:00:00 db-1 postgres[2]: LOG: x 4\n")
    jsonl = tmp_path / "gw.jsonl"
    jsonl.write_text("".join(
        '{"ts": "2026-02-05T10:00:%02d.5Z", "level": "%s", "msg": "%s", "service": "gw"}\n'
        % (i % 60, "warn" if i % 3 else "error", "" if i == 5 else f"GET /v1/{i} 200") for i in range(120))
        + '{"time": "2026-02-05T10:01:00Z", "log": {"level": "error"}, "message": "nested level", "app": "x"}\n'
        + "a raw line with secret=abcd1234efgh between json\n")
    return [
        LogSource(path="app.log", abs_path=str(text), format="iso8601", service="app"),
        LogSource(path="access.log", abs_path=str(access), format="access", service="edge"),
        LogSource(path="sys.log", abs_path=str(syslog), format="rfc3164", service="db", year=2025),
        LogSource(path="gw.jsonl", abs_path=str(jsonl), format="jsonl", service="gw"),
    ]


def test_rows_are_the_records_fields(tmp_path):
    for src in _write_logs(tmp_path):
        recs = [(r.time, r.level, r.message, r.service, r.source_file, r.line, r.raw) for r in iter_records(src)]
        assert list(iter_rows(src)) == recs, src.path
        assert recs
    secret = [m for src in _write_logs(tmp_path) for _, _, m, *_ in iter_rows(src) if "hunter2" in m or "abcd1234efgh" in m]
    assert secret == []


def test_cached_syslog_times_still_cross_new_year(tmp_path):
    src = _write_logs(tmp_path)[2]
    times = [r[0] for r in iter_rows(src)]
    assert [t.year for t in times] == [2025, 2025, 2026, 2026]
    assert times[2] == times[3] == datetime(2026, 1, 1, tzinfo=UTC)


def test_access_times_keep_their_offset(tmp_path):
    src = _write_logs(tmp_path)[1]
    first = next(iter(iter_rows(src)))
    assert first[0] == datetime(2026, 2, 5, 9, 0, 0, tzinfo=UTC)


def test_fast_analysis_equals_the_record_path(tmp_path):
    sources = _write_logs(tmp_path)
    win = Window(cutoff=datetime(2026, 2, 5, 10, 2, tzinfo=UTC), onset=datetime(2026, 2, 5, 10, 3, tzinfo=UTC))
    fast = analyze(sources, window=win)
    slow = analyze(sources, window=win, reader=lambda src: iter_records(src))

    def view(res):
        return [(t.id, t.template, t.count, t.stats.level, t.stats.baseline, t.stats.incident, t.stats.first,
                 t.stats.first_incident, t.stats.last_time, t.stats.last_line, t.stats.examples,
                 sorted(t.stats.minutes.items()), t.stats.exception, sorted(t.stats.services)) for t in res.templates]

    assert view(fast) == view(slow)
    assert (fast.records, fast.lines, fast.first_time, fast.last_time) == (slow.records, slow.lines, slow.first_time,
                                                                            slow.last_time)
    assert fast.records == 400 + 1 + 300 + 4 + 121
    exc = [t for t in fast.templates if t.stats.exception]
    assert exc and exc[0].stats.exception == "java.lang.IllegalStateException"
    assert any(t.stats.baseline and t.stats.incident for t in fast.templates)
