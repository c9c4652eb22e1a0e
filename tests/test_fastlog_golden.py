"""The block reader (agent/sources/fastlogs.py + agent/evidence/fastmine.py) against the plain path
(LogRecords one by one): on varied files the whole analysis must be identical, field by field."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from agent.evidence.drain import TemplateMiner
from agent.evidence.logs import LogMiner, Window, _fields, analyze
from agent.models import LogSource
from agent.sources import fastlogs, linekeys
from agent.sources.logs import iter_records, source_for_file

UTC = timezone.utc
T0 = datetime(2025, 12, 31, 23, 50, tzinfo=UTC)
HEX = "0123456789abcdef"


def _hex(rnd: random.Random, n: int = 16) -> str:
    return "".join(rnd.choice(HEX) for _ in range(n))


def _iso_lines(rnd: random.Random, n: int) -> list[str]:
    out = []
    zones = ["Z", "Z", "Z", "", "+05:30", " UTC", "-0700"]
    for i in range(n):
        t = T0 + timedelta(milliseconds=i * 137)
        zone = zones[i % len(zones)] if i % 50 == 0 else "Z"
        frac = "" if i % 13 == 0 else "." + f"{t.microsecond:06d}"[: 1 + i % 6]
        ts = t.strftime("%Y-%m-%dT%H:%M:%S") + frac + zone
        level = rnd.choice(["INFO", "INFO", "WARN", "ERROR", "DEBUG", "info", "[main] ERROR"])
        msg = rnd.choice([
            f"request {_hex(rnd)} completed in {rnd.randint(1, 999)}ms",
            f"request {rnd.randint(0, 9999):04d}{_hex(rnd, 4)} done",
            f"user {rnd.randint(1, 10**6)} logged in from 10.{i % 256}.{rnd.randint(0, 255)}.7",
            f"cache hit ratio 0.{rnd.randint(100, 999)} for shard {rnd.randint(1, 5000)}",
            f"job abc{rnd.randint(0, 9)} ran on node-{rnd.randint(1, 3)}",
            f"Connection pool exhausted ({rnd.randint(1, 99)}/100) req={_hex(rnd, rnd.randint(2, 6))}",
            "kubectl rollout restart deployment/orders",
            f"login with password=hunter{rnd.randint(1, 9)} token=abcd{rnd.randint(1000, 9999)}efgh",
            f"mail to bob{rnd.randint(1, 9)}@example.com failed",
            f"Dec 31 23:59:59 {_hex(rnd, 6)} scheduled",
            "...[truncated 12 chars]",
        ])
        out.append(f"{ts} {level} {msg}")
        if i % 97 == 5:
            out += ["java.lang.IllegalStateException: pool exhausted", "\tat com.example.Pool.get(Pool.java:42)",
                    "Caused by: java.net.SocketTimeoutException: read timed out", "\t... 12 more"]
        if i % 331 == 7:
            out.append("")
        if i % 401 == 9:
            out.append("Jan  1 00:00:01 db-1 postgres[7]: LOG:  a syslog line inside an ISO file")
        if i % 503 == 11:
            out.append(rnd.choice(["2025-13-45T10:00:00Z INFO bad month", "2025-12-31T23:59:60Z INFO leap",
                                   "1969-12-31T23:59:59.5Z INFO before the epoch", "<13>1 2025-12-31T23:59:59Z h a - - - x"]))
    return out


def _syslog_lines(rnd: random.Random, n: int) -> list[str]:
    out = []
    for i in range(n):
        t = T0 + timedelta(seconds=i // 3)
        pri = f"<{rnd.randint(0, 191)}>" if i % 4 == 0 else ""
        tag = rnd.choice(["postgres[6391]", "sshd[12]", "app2", "cron"])
        msg = rnd.choice([f"LOG:  checkpoint complete: wrote {rnd.randint(1, 5000)} buffers", "ERROR:  deadlock detected",
                          f"FATAL:  too many connections for role app{rnd.randint(1, 3)}", "WARNING:  slow query"])
        out.append(f"{pri}{t.strftime('%b')} {t.day:>2} {t.strftime('%H:%M:%S')} db-{i % 2} {tag}: {msg}")
    return out


def _access_lines(rnd: random.Random, n: int) -> list[str]:
    out = []
    for i in range(n):
        t = T0 + timedelta(milliseconds=i * 300)
        zone = "" if i % 200 == 3 else rnd.choice([" +0000", " +0000", " -0700"])
        status = rnd.choice([200, 200, 200, 404, 500, 503, 301])
        stamp = t.strftime("%d/%b/%Y:%H:%M:%S") if i % 997 != 5 else "31/Feb/2026:10:00:60"  # no such time
        out.append(f'10.{rnd.randint(0, 255)}.{rnd.randint(0, 255)}.{rnd.randint(1, 254)} - - '
                   f'[{stamp}{zone}] "GET /v1/orders/{rnd.randint(1, 99999)} HTTP/1.1" '
                   f'{status} {rnd.randint(10, 9999)} "-" "curl/8.{rnd.randint(0, 9)}"')
    return out


def _json_lines(rnd: random.Random, n: int) -> list[str]:
    out = []
    for i in range(n):
        t = T0 + timedelta(milliseconds=i * 108)
        ts = t.strftime("%Y-%m-%dT%H:%M:%S") + ("" if i % 7 == 0 else f".{t.microsecond:06d}") + ("Z" if i % 11 else "")
        kind = i % 9
        if kind == 0:
            out.append(f'{{"ts": "{ts}", "level": "info", "msg": "GET /v1/items/{rnd.randint(1, 9999)} 200", "latency": {i}}}')
        elif kind == 1:
            out.append(f'{{"time": "{ts}", "log": {{"level": "error"}}, "message": "nested {_hex(rnd)}", "app": "x"}}')
        elif kind == 2:
            out.append(f'{{"ts": "{ts}", "level": "warn", "msg": "quote \\"{rnd.randint(1, 9)}\\" here", "service": "gw"}}')
        elif kind == 3:
            out.append("a raw line with secret=abcd1234efgh between json")
        elif kind == 4:
            out.append(f'{{"ts": "{ts}", "level": "{rnd.choice(["3", "error", "warning"])}", "msg": "lvl", "service": "gw-{i % 3}"}}')
        else:
            out.append(f'{{"ts": "{ts}", "level": "info", "msg": "request {_hex(rnd)} completed in {rnd.randint(1, 99)}ms", '
                       f'"service": "gateway"}}')
        if i % 301 == 2:
            out.append("")
    return out


def _write(path, lines: list[str], newline: str = "\n") -> None:
    path.write_bytes((newline.join(lines) + newline).encode())


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("golden")
    rnd = random.Random(4)
    iso = _iso_lines(rnd, 40_000)  # several 1 MB blocks: records and traces cross block boundaries
    _write(d / "app.log", iso)
    _write(d / "sys.log", _syslog_lines(rnd, 6000))
    _write(d / "access.log", _access_lines(rnd, 12_000))
    _write(d / "gw.jsonl", _json_lines(rnd, 20_000))
    _write(d / "crlf.log", iso[:3000], "\r\n")
    junk = "\n".join(iso[:2000]).encode() + b"\n\x00\x01\x02binary\xff\xfe junk\n" + "\n".join(iso[2000:4000]).encode() \
        + b"\n2025-12-31T23:59:59Z INFO caf\xc3\xa9 \xef\xbf\xbd replacement\n\x1b[31m2025-12-31T23:59:59Z ERROR red\x1b[0m\n" \
        + b"2025-12-31T23:59:59Z INFO " + b"x" * 200_000 + b"\n" + "\n".join(iso[4000:6000]).encode() + b"\n"
    (d / "junk.log").write_bytes(junk)
    utf8 = [line.replace("request", "requête") if i % 5 == 0 else line for i, line in enumerate(iso[:5000])]
    _write(d / "utf8.log", utf8)
    _write(d / "klog.log", [f"E1231 23:59:{i % 60:02d}.{i:06d}    1 pool.go:114] pool {i} exhausted" for i in range(500)])
    return d


NAMES = ["app.log", "sys.log", "access.log", "gw.jsonl", "crlf.log", "junk.log", "utf8.log", "klog.log"]
WINDOWS = [Window(cutoff=T0 + timedelta(minutes=20, microseconds=500_123)), Window(), Window(cutoff=T0 - timedelta(days=9)),
           Window(cutoff=T0 + timedelta(minutes=11))]


def _src(d, name: str) -> LogSource:
    src = source_for_file(d / name)
    return src.model_copy(update={"year": 2025}) if src.format == "rfc3164" else src


def _dump(res) -> list:
    out = [res.records, res.lines, res.files, res.problems, res.first_time, res.last_time,
           [(c.time, c.file, c.line, c.text) for c in res.commands]]
    for t in res.templates:
        s = t.stats
        out.append((t.id, t.template, t.count, s.level, s.baseline, s.incident, s.first, s.first_incident, s.last_time,
                    s.last_file, s.last_line, s.examples, list(s.minutes.items()), s.exception, sorted(s.services)))
    return out


def _plain(sources, window):
    return analyze(sources, window=window, reader=lambda s: iter_records(s))


@pytest.mark.parametrize("name", NAMES)
def test_fast_path_gives_exactly_the_plain_analysis(files, name):
    src = _src(files, name)
    for window in WINDOWS:
        assert _dump(analyze([src], window=window)) == _dump(_plain([src], window)), (name, window)


def test_several_files_in_one_miner_are_the_same(files):
    sources = [_src(files, n) for n in NAMES]
    assert _dump(analyze(sources, window=WINDOWS[0])) == _dump(_plain(sources, WINDOWS[0]))


def test_the_fast_path_is_really_taken(files):
    """Honesty: most lines of the common formats go through Runs, not rows (the JSON sample is mostly
    lines the fast path declines: numbers, escapes, digit levels, raw lines)."""
    for name, share in (("app.log", 0.6), ("sys.log", 0.6), ("access.log", 0.9), ("gw.jsonl", 0.3)):
        src = _src(files, name)
        counted = sum(b.hi - b.lo for b in fastlogs.iter_batches(src) if not isinstance(b, list))
        assert counted > share * sum(1 for _ in iter_records(src)), name


def test_a_miner_that_clears_its_tables_gives_the_same(files):
    """Small caches: the seen-lines table clears mid-run and the masked-text cache fills up."""
    src = _src(files, "app.log")
    for size in (3000, 400):
        fast = LogMiner(WINDOWS[0], TemplateMiner(cache_size=size))
        fast.run_batches(fastlogs.iter_batches(src), src.path, None)
        plain = LogMiner(WINDOWS[0], TemplateMiner(cache_size=size))
        plain.run(map(_fields, iter_records(src)), src.path, None, None)
        assert _dump(fast.finish()) == _dump(plain.finish()), size


def test_no_secret_reaches_the_evidence(files):
    text = repr(_dump(analyze([_src(files, n) for n in NAMES], window=WINDOWS[0])))
    for secret in ("hunter", "abcd1234efgh", "@example.com"):
        assert secret not in text


def test_hex_tokens_are_folded_only_when_the_masker_takes_them_whole():
    spans = lambda key: [m.span() for m in linekeys._HEX_TOKEN.finditer(key) if linekeys._whole_masked(key, *m.span())]
    assert spans(b"request 0df0fd000c000000 done") == [(8, 24)]
    assert spans(b"x abc0 y") == []  # three letters and a digit stay a word
    assert spans(b"Jan 0 00:00:00 0000ab x") == []  # a ctime year could take the digits
    assert spans(b"dead beef") == []  # no digit: a word
    assert spans(b"e:0f (0a0)") == [(6, 9)]


def test_the_miner_answers_by_key_only_what_masking_would():
    """Lines equal up to their digits share a key, but 'abc2' keeps its digit when masked: such lines are
    never answered by key, so the answer does not depend on when the key table was last cleared."""
    lines = ["job abc2 ran on node-1", "job abc4 ran on node-2", "job abc2 ran on node-3", "job abc7 ran on node-12"] * 3
    small, big = TemplateMiner(cache_size=2), TemplateMiner()
    assert [small.add(x).id for x in lines] == [big.add(x).id for x in lines]
    templates = [c.template for c in big.clusters]
    assert [c.template for c in small.clusters] == templates
    assert "job abc4 ran on <*>" in templates  # not counted under the first line's 'abc2'


# ---------------------------------------------------------------- stretches (agent/evidence/fastcount.py)

def _dense_lines(rnd: random.Random, minutes: int) -> list[str]:
    """Long and dense: bursts of many lines a second (whole minutes cached at once), one template seen
    once a minute for longer than the histogram cap, a rare template, hex ids."""
    out = []
    for m in range(minutes):
        t = T0 + timedelta(minutes=m)
        burst = 40 if m % 97 < 3 else 2
        for k in range(burst):
            s = t + timedelta(seconds=(k * 7) % 60, milliseconds=k)
            ts = s.strftime("%Y-%m-%dT%H:%M:%S") + f".{s.microsecond // 1000:03d}Z"
            out.append(rnd.choice([f"{ts} INFO request {_hex(rnd)} completed in {rnd.randint(1, 999)}ms",
                                   f"{ts} WARN pool at {rnd.randint(1, 99)}%"]))
        out.append(f"{(t + timedelta(seconds=59)).strftime('%Y-%m-%dT%H:%M:%S')}Z INFO heartbeat {m}")
        if m % 250 == 7:
            out.append(f"{t.strftime('%Y-%m-%dT%H:%M:%S')}.5Z ERROR disk full on /var/{m}")
    return out


@pytest.fixture(scope="module")
def dense(tmp_path_factory):
    d = tmp_path_factory.mktemp("dense")
    _write(d / "dense.log", _dense_lines(random.Random(7), 1600))  # heartbeat: 1600 minutes > MAX_MINUTES
    rnd = random.Random(8)
    lines = _access_lines(rnd, 30_000)  # many line shapes (address lengths): stretches stop at new ones
    _write(d / "access.log", lines)
    return d


@pytest.mark.parametrize("name", ["dense.log", "access.log"])
def test_stretches_give_exactly_the_plain_analysis(dense, name):
    src = _src(dense, name)
    cuts = WINDOWS + [Window(cutoff=T0 + timedelta(hours=13, seconds=7, microseconds=3))]
    for window in cuts:
        assert _dump(analyze([src], window=window)) == _dump(_plain([src], window)), (name, window)


def test_stretches_are_really_taken(dense, monkeypatch):
    """Honesty: most lines of a Run are counted by stretches, not by the per-line loop (a new line shape
    stops a stretch; the synthetic access log has thousands)."""
    from agent.evidence import fastmine

    seen = {"loop": 0}
    loop = fastmine._per_line

    def counting(lm, run, lo, hi, cut, tally):
        seen["loop"] += hi - lo
        return loop(lm, run, lo, hi, cut, tally)

    monkeypatch.setattr(fastmine, "_per_line", counting)
    for name in ("dense.log", "access.log"):  # (the varied golden files break runs up into short ones)
        src = _src(dense, name)
        in_runs = sum(b.hi - b.lo for b in fastlogs.iter_batches(src) if not isinstance(b, list))
        seen["loop"] = 0
        analyze([src], window=WINDOWS[0])
        assert seen["loop"] < 0.25 * in_runs, (name, seen, in_runs)


def test_a_twin_fits_exactly_when_the_masker_would_take_the_same_tokens():
    """``_Twin.fits`` is the test it replaces, for keys of the same folded form (how twins are looked
    up): the key filled at the hint's spans equals the hint's, and each span holds a whole-masked token."""
    rnd = random.Random(3)
    hints = [b"request 0df0fd000c000000 done", b"e:0f (0a0) id=00ab00cd00ef0000 0bad", b"Jan 0 00:00:00 0a00ab x 0c0e",
             b"at 00:00:00 00ab cafe0 abcd0 id=abc0"]
    tried = set()
    for hk in hints:
        spans = [m.span() for m in linekeys._HEX_TOKEN.finditer(hk) if linekeys._whole_masked(hk, *m.span())]
        assert spans, hk
        twin, folded = linekeys._Twin(None, hk, spans), hk.translate(linekeys.FOLD_HEX)
        for _ in range(4000):
            key = bytearray(hk)
            for _ in range(rnd.randint(1, 4)):
                key[rnd.randrange(len(key))] = rnd.choice(b"0000abcdef")
            key = bytes(key)
            if key.translate(linekeys.FOLD_HEX) != folded:
                continue
            want = linekeys._fill(key, spans) == linekeys._fill(hk, spans) and all(
                linekeys._whole_masked(key, a, b) for a, b in spans)
            assert twin.fits(key) == want, (hk, key)
            tried.add((hk, want))
    assert len(tried) == 2 * len(hints)  # both answers came up for every hint
    assert b"(?!0000)" in linekeys._Twin(None, hints[2], [(15, 21)]).pattern  # a ctime year's place
