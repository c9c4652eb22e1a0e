"""Log detection and the streaming record reader."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from agent.models import LogRecord, LogSource
from agent.sources import load_bundle
from agent.sources.logs import iter_records, service_for, source_for_file
from test_sources_payloads import pd_incident, write

UTC = timezone.utc


def _records(tmp_path, name, text, **kw):
    write(tmp_path, name, text)
    for key, value in kw.items():
        write(tmp_path, key, value)
    b = load_bundle(tmp_path)
    src = next(s for s in b.logs if s.path == name)
    return src, list(iter_records(src)), b


@pytest.mark.parametrize("line, shape, when, level", [
    ("2024-03-05T14:00:01.123Z ERROR [main] c.a.Api - failed", "iso8601", "2024-03-05T14:00:01.123", "error"),
    ("2024-03-05 16:00:01,5 +0200 WARN slow", "iso8601", "2024-03-05T14:00:01.500", "warning"),
    ("2024-03-05 14:00:01,123 ERROR [pool-1] com.acme.Db - query failed", "iso8601", "2024-03-05T14:00:01.123", "error"),
    ("2024-03-05 14:00:00.123 UTC [4242] ERROR:  duplicate key value", "iso8601", "2024-03-05T14:00:00.123", "error"),
    ("2024/03/05 14:00:01 [error] 7#7: connect() failed", "go", "2024-03-05T14:00:01", "error"),
    ("10.1.2.3 - - [05/Mar/2024:15:00:01 +0100] \"GET / HTTP/1.1\" 503 0 \"-\" \"-\"", "access",
     "2024-03-05T14:00:01", "error"),
    ("10.1.2.3 - - [05/Mar/2024:14:00:01 +0000] \"GET /x HTTP/1.1\" 404 0", "access", "2024-03-05T14:00:01", "warning"),
    ("<34>1 2024-03-05T14:00:01Z web01 su - ID47 - su failed", "rfc5424", "2024-03-05T14:00:01", "critical"),
    ("[Tue Mar 05 14:00:01 2024] [error] [client 1.2.3.4] File does not exist", "apache_error", "2024-03-05T14:00:01",
     "error"),
])
def test_text_shapes(tmp_path, line, shape, when, level):
    src, (rec,), _ = _records(tmp_path, "x.log", line + "\n")
    assert src.format == shape
    assert rec.time == datetime.fromisoformat(when).replace(tzinfo=UTC) and rec.level == level and rec.line == 1


def test_rfc3164_year_comes_from_the_incident_and_rolls_over(tmp_path):
    inc = pd_incident()
    inc["incident"]["created_at"] = "2025-01-01T00:30:00Z"
    text = "Dec 31 23:59:58 web01 nginx[12]: upstream timed out\nJan  1 00:00:02 web01 kernel: oom-killer\n"
    src, recs, b = _records(tmp_path, "syslog", text, **{"i.json": inc})
    assert src.format == "rfc3164" and src.year == 2024
    assert [r.time for r in recs] == [datetime(2024, 12, 31, 23, 59, 58, tzinfo=UTC),
                                      datetime(2025, 1, 1, 0, 0, 2, tzinfo=UTC)]
    assert recs[0].service == "nginx" and "syslog:1: timestamps carry no year; used 2024" in b.warnings[-1]


def test_multiline_java_and_python_traces_attach_to_their_record(tmp_path):
    text = ("2024-03-05 14:00:01,000 INFO start\n"
            "2024-03-05 14:00:02,000 ERROR query failed\n"
            "java.lang.IllegalStateException: pool exhausted\n"
            "\tat com.acme.Db.get(Db.java:42)\n"
            "Caused by: java.net.SocketTimeoutException: timeout\n"
            "\t... 3 more\n"
            "2024-03-05 14:00:03,000 ERROR worker crashed\n"
            "Traceback (most recent call last):\n"
            '  File "w.py", line 3, in <module>\n'
            "ValueError: bad\n"
            "2024-03-05 14:00:04,000 INFO done\n")
    _, recs, _ = _records(tmp_path, "app.log", text)
    assert [r.line for r in recs] == [1, 2, 7, 11]
    assert recs[1].message.count("\n") == 4 and "Caused by" in recs[1].message
    assert recs[2].message.endswith("ValueError: bad") and recs[2].level == "error"


def test_leading_lines_without_timestamp_form_a_timeless_record(tmp_path):
    _, recs, _ = _records(tmp_path, "a.log", "banner line\n2024-03-05T14:00:00Z INFO up\n2024-03-05T14:00:01Z INFO x\n")
    assert recs[0].time is None and recs[0].message == "banner line" and recs[1].line == 2


def test_json_lines_and_logfmt(tmp_path):
    jl = ('{"ts":"2024-03-05T14:00:00.5Z","level":"ERROR","msg":"boom","service":"pay"}\n'
          '{"@timestamp":"2024-03-05T14:00:01Z","log":{"level":"warn"},"message":"slow"}\n'
          "not json, a raw stack line\n"
          '{"time":1709647202,"severity":"info","message":{"k":"v"}}\n')
    src, recs, _ = _records(tmp_path, "app.jsonl", jl)
    assert src.format == "jsonl"
    assert [(r.line, r.level, r.service) for r in recs] == [(1, "error", "pay"), (2, "warning", "app"),
                                                            (4, "info", "app")]
    assert recs[1].message == "slow\nnot json, a raw stack line" and recs[2].message == '{"k": "v"}'
    assert recs[2].time == datetime(2024, 3, 5, 14, 0, 2, tzinfo=UTC)
    lf = 'time="2024-03-05T14:00:00Z" level=error msg="dial tcp: i/o timeout" service=cart\nts=2024-03-05T14:00:01Z level=info msg=ok\n'
    src, recs, _ = _records(tmp_path, "svc.log", lf)
    assert src.format == "logfmt" and [(r.level, r.message, r.service) for r in recs] == [
        ("error", "dial tcp: i/o timeout", "cart"), ("info", "ok", "svc")]


def test_binary_junk_and_nul_lines_survive(tmp_path):
    text = b"2024-03-05T14:00:00Z INFO a\n\x00\x00\x00\x00\x00\x00\x00\x00\n\xff\xfe bad bytes\n2024-03-05T14:00:01Z INFO b\x00\n"
    write(tmp_path, "a.log", text)
    (src,) = load_bundle(tmp_path).logs
    recs = list(iter_records(src))
    assert [r.line for r in recs] == [1, 4]
    assert "\ufffd" in recs[0].message and recs[1].message == "INFO b"


def test_ten_megabyte_line_is_truncated_and_streamed(tmp_path):
    big = "2024-03-05T14:00:00Z ERROR " + "x" * (10 * 1024 * 1024)
    write(tmp_path, "big.log", big + "\n2024-03-05T14:00:01Z INFO after\n" + big)
    (src,) = load_bundle(tmp_path).logs
    recs = list(iter_records(src))
    assert [r.line for r in recs] == [1, 2, 3]
    assert 64 * 1024 <= len(recs[0].message) <= 64 * 1024 + 100 and "truncated" in recs[0].message
    assert recs[1].message == "INFO after" and "truncated" in recs[2].message


def test_records_validate_and_stream_lazily(tmp_path):
    write(tmp_path, "a.log", "".join(f"2024-03-05T14:00:{i:02d}Z INFO n={i}\n" for i in range(50)))
    (src,) = load_bundle(tmp_path).logs
    it = iter_records(src)
    rec = next(it)
    assert LogRecord.model_validate(rec.model_dump()) == rec
    assert rec.model_dump()["time"] == datetime(2024, 3, 5, 14, 0, tzinfo=UTC)
    assert sum(1 for _ in it) == 49


def test_source_for_file_and_service_names(tmp_path):
    p = write(tmp_path, "x.txt", "Mar  5 14:00:15 web01 nginx[1]: hi\n")
    assert source_for_file(p).format == "rfc3164"
    assert service_for("logs/payments-api.log") == "payments-api"
    assert service_for("payments/app.log") == "payments" and service_for("api-2024-03-05.log") == "api"


def test_throughput_smoke(tmp_path):
    """A floor, not the benchmark (see README: formats): 50k ISO lines parse well under a second."""
    line = "2024-03-05T14:00:{s:02d}.{ms:03d}Z INFO [worker-{w}] com.acme.Orders - processed order in {ms}ms\n"
    write(tmp_path, "a.log", "".join(line.format(s=i % 60, ms=i % 1000, w=i % 8) for i in range(50_000)))
    src = LogSource(path="a.log", abs_path=str(tmp_path / "a.log"), format="iso8601")
    start = time.process_time()
    assert sum(1 for _ in iter_records(src)) == 50_000
    assert time.process_time() - start < 2.0


def test_json_array_of_log_objects(tmp_path):
    write(tmp_path, "export.json", [{"@timestamp": "2024-03-05T14:00:00Z", "level": "error", "message": "boom"},
                                    {"@timestamp": "2024-03-05T14:00:01Z", "level": "info", "message": "ok"}])
    src, recs, b = _records(tmp_path, "export.json", (tmp_path / "export.json").read_text())
    assert b.files[0].format == "log.json_array" and [r.line for r in recs] == [2, 7]
    assert [r.level for r in recs] == ["error", "info"]


def test_gzipped_rotated_log_is_streamed(tmp_path):
    import gzip

    with gzip.open(tmp_path / "app.log.1.gz", "wt") as fh:
        fh.write("2024-03-05T14:00:00Z ERROR a\n\tat x\n2024-03-05T14:00:01Z INFO b\n")
    b = load_bundle(tmp_path)
    assert b.files[0].format == "log.iso8601" and b.files[0].records == 3 and b.logs[0].service == "app"
    assert [(r.line, r.level) for r in iter_records(b.logs[0])] == [(1, "error"), (3, "info")]


def test_gzipped_json_lines(tmp_path):
    import gzip

    with gzip.open(tmp_path / "svc.jsonl.gz", "wt") as fh:
        fh.write('{"ts":"2024-03-05T14:00:00Z","level":"error","msg":"a"}\n{"ts":"2024-03-05T14:00:01Z","msg":"b"}\n')
    b = load_bundle(tmp_path)
    assert b.files[0].format == "log.jsonl" and [r.message for r in iter_records(b.logs[0])] == ["a", "b"]


@pytest.mark.parametrize("mtime, year", [("2027-02-03", 2026), ("2026-12-31", 2026), ("2027-12-31", 2027)])
def test_loose_yearless_log_never_lands_after_its_modification_time(tmp_path, mtime, year):
    import os

    path = tmp_path / "syslog"
    path.write_text("Dec 30 23:59:01 host1 sshd[123]: Accepted publickey for deploy\n", encoding="utf-8")
    stamp = datetime.fromisoformat(mtime + "T12:00:00+00:00").timestamp()
    os.utime(path, (stamp, stamp))
    assert source_for_file(str(path)).year == year
