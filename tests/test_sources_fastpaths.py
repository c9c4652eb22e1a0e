"""Fast paths of the loader (session 4) give exactly what the plain code gives."""

from __future__ import annotations

import codecs
import gzip
import json
import random

import numpy as np
import pytest
from conftest import valid_json_texts

from agent.points import micros
from agent.sources import (
    detect,
    jsonpos,
    jsonscan,
    load_bundle,
    promseries,
    scrub,
    slack,
)
from agent.sources.timeparse import from_epoch


def _plain_count(path) -> int:
    """The line count as the loader counted before: 1 MB blocks and ``bytes.count``."""
    count, last = 0, b"\n"
    with detect.open_text_bytes(path) as fh:
        while block := fh.read(1 << 20):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (0 if last == b"\n" else 1)


@pytest.mark.parametrize("data", [
    b"", b"\n", b"one", b"one\n", b"a\nb", b"a\r\nb\r\n",
    b"x" * detect.COUNT_BLOCK + b"\n",  # the newline starts the second block
    b"line\n" * (detect.COUNT_BLOCK // 5) + b"tail",  # a block ends mid-line
    (b"y" * 1000 + b"\n") * 700,
    b"\x1f\x8bnot gzip\nat all",
])
def test_count_lines_counts_like_bytes_count(tmp_path, data):
    for name, raw in (("f.log", data), ("f.log.gz", gzip.compress(data)),
                      ("w.log", codecs.BOM_UTF16_LE + data.decode("latin-1").encode("utf-16-le"))):
        path = tmp_path / name
        path.write_bytes(raw)
        assert detect.count_lines(path) == _plain_count(path)
    assert detect.count_lines(tmp_path / "f.log") == data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)


# ----------------------------------------------------------------------------- JSON item lines (jsonscan)

JSON_PATHS = [(), ("alerts",), ("messages",), ("data",), ("issues",), ("*",), ("*", "*"), ("*", "alerts"),
              ("data", "groups", "*", "rules", "*", "alerts"), ("resourceLogs", "*", "scopeLogs", "*", "logRecords"),
              ("k\\\"ey",), ("caf\u00e9",)]


def _regex_lines(text: str, path: tuple[str, ...]) -> list[int]:
    index = jsonpos.LineIndex(text)
    return [index.line_at(off) for off in jsonpos.array_item_offsets(text, path)]


def _random_json(rng: random.Random, depth: int = 0):
    keys = ["alerts", "messages", "data", "issues", "groups", "rules", "x", "k\"ey", "caf\u00e9", "a]", "{b"]
    roll = rng.random()
    if depth > 4 or roll < 0.3:
        return rng.choice([1, -2.5, None, True, "s", "q\"uote", "back\\slash\\", "br[ack}et", "\\\"", "\u00e9\u2603",
                           "line\nbreak", "tab\t", ""])
    if roll < 0.65:
        return [_random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(keys) + ("" if rng.random() < 0.7 else str(i)): _random_json(rng, depth + 1)
            for i in range(rng.randint(0, 4))}


def _dump(rng: random.Random, doc) -> str:
    indent = rng.choice([None, None, 1, 2, 4, "\t"])
    seps = rng.choice([(", ", ": "), (",", ":"), (" ,\r\n", " :  ")]) if indent is None else None
    return json.dumps(doc, indent=indent, separators=seps, ensure_ascii=rng.random() < 0.5)


def test_numpy_item_lines_match_the_regex_scanner_on_random_documents():
    rng = random.Random(4)
    for _ in range(600):
        text = _dump(rng, _random_json(rng))
        for path in JSON_PATHS:
            got = jsonscan.item_lines(text, path)
            assert got is None or got == _regex_lines(text, path), (text, path)
            assert jsonpos.array_item_lines(text, path) == _regex_lines(text, path)


def test_numpy_item_lines_match_on_fixtures_and_bundles():
    texts = valid_json_texts()
    for f, text in texts:
        for path in JSON_PATHS:
            assert jsonscan.item_lines(text, path) == _regex_lines(text, path), (f, path)
    assert len(texts) > 10


@pytest.mark.parametrize("text", [
    '{"a": "\\\\"}', '{"a": "\\\\\\""}', '["\\\\\\\\", {"x": 1}]', '{"alerts": [{"a": "\\"]"}, {}]}',
    '{"alerts" : \n [ {"a": 1} ,\n{"b": [{"c": 2}]} ]}', "[]", "{}", '"just a string"', "3",
])
def test_numpy_item_lines_on_escapes_and_small_documents(text):
    json.loads(text)
    for path in JSON_PATHS:
        got = jsonscan.item_lines(text, path)
        assert got is None or got == _regex_lines(text, path), (text, path)


def test_numpy_item_lines_refuse_what_does_not_add_up():
    assert jsonscan.item_lines('{"a": [1, 2}', ("a",)) is None  # brackets do not balance
    assert jsonscan.item_lines('{"a": "x}', ("a",)) is None  # a string never closed


# ----------------------------------------------------------------------------- chat: scrub_all, batched messages

def test_scrub_all_is_scrub_of_each():
    rng = random.Random(7)
    words = ["checking", "graphs", "token", "TOKEN", "Bearer abc.def", "eyJhbGciOi.x.y", "sk-live_1234567890abcdef",
             "(555) 123-4567", "+1 415 555 0100", "ops@example.com", "a@b", "https://u:p@host/x", "://", "@",
             "ghp_0123456789abcdefghijklmnopqrstuvwxyz", "xoxb-1-2-abc", "key=val", "passw0rd", "\u212aEY", "caf\u00e9",
             "AKIAABCDEFGHIJKLMNOP", "", "line\nbreak", "5551234567", "sig", "SeSsIoN"]
    for _ in range(30):
        texts = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 4))) for _ in range(rng.randint(60, 300))]
        got = scrub.scrub_all(texts)
        want = [scrub.scrub(t) for t in texts]
        assert got == want
        assert all((g is t) == (w is t) for g, w, t in zip(got, want, texts))  # unchanged texts are the same object
    ascii_texts = [f"update {i} on /v1/orders" for i in range(100)] + ["\x00token"]
    assert scrub.scrub_all(ascii_texts) == [scrub.scrub(t) for t in ascii_texts]


def _chat_bundle(tmp_path, messages, name="slack.json"):
    (tmp_path / "incident.yaml").write_text("title: t\nseverity: SEV-2\n")
    (tmp_path / name).write_text(json.dumps({"ok": True, "channel": "inc", "messages": messages}, indent=1))
    return load_bundle(tmp_path)


def _view(b):
    return ([m.model_dump() for m in b.chat], [e.model_dump() for e in b.events],
            [(f.path, f.status, f.reason, f.records) for f in b.files])


GOOD = [{"type": "message", "ts": f"17702856{i % 100:02d}.{i:06d}", "user": f"U{i % 3}",
         "text": ["plain", "token xoxb-1-22-abc", "<@U1> see <https://x.io|x> &amp; <#C1|ops>", "", "mail a@b.io",
                  "\u212aEY here"][i % 6]} for i in range(130)]
BROKEN = [  # the first three break the batch's reading (one by one then); the last its appending
    GOOD[:70] + [{"type": "message", "ts": "1770285700.000100", "user": ["not", "a", "name"], "text": "x"}] + GOOD[70:],
    GOOD[:70] + [{"type": "message", "ts": "1770285700.000100", "user": "U1", "text": 42}] + GOOD[70:],
    GOOD[:70] + [{"type": "message", "ts": "1770285700.000100", "subtype": ["x"], "text": "x"}] + GOOD[70:],
    GOOD[:70] + [{"type": "message", "ts": "1770285700.000100", "user": 5, "text": "x"}] + GOOD[70:],
]


@pytest.mark.parametrize(("messages", "batched"), [(GOOD, True), (GOOD[:10], True), *((b, False) for b in BROKEN[:3]),
                                                   (BROKEN[3], True)])
def test_batched_chat_messages_load_as_one_by_one(tmp_path, monkeypatch, messages, batched):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with monkeypatch.context() as patch:
        if batched:
            patch.setattr(slack, "_one_by_one", lambda *a: 1 / 0)
        fast = _view(_chat_bundle(tmp_path / "a", messages))
    monkeypatch.setattr(slack, "_times", lambda stamps: [][0])  # an IndexError: one by one
    assert _view(_chat_bundle(tmp_path / "b", messages)) == fast
    assert fast[2][-1][1] == ("error" if messages in BROKEN else "parsed")


def test_slack_times_are_from_epoch():
    rng = random.Random(3)
    stamps = [f"{rng.randint(10**8, 10**11 - 1)}.{rng.randint(0, 999999):0{rng.randint(1, 6)}d}" for _ in range(3000)]
    stamps = [s for s in stamps if slack._TS.match(s)] + ["1770285600.5", "999999999.000001", "1770285600.123456"]
    assert slack._times(stamps) == [from_epoch(s) for s in stamps]


def test_alert_texts_scrubbed_once_per_distinct_text_as_each_alone(tmp_path):
    notes = ["pool saturated", "token xoxb-2048-998877-Ab7Cd9Ef1Gh3 leaked", "mail ops@example.com", ""]
    alerts = [{"status": ["firing", "resolved"][i % 2], "labels": {"alertname": f"A{i % 3}", "severity": "critical"},
               "annotations": {"summary": notes[i % 4], "description": notes[(i + 1) % 4]},
               "startsAt": f"2026-02-05T14:{i:02d}:00Z", "endsAt": f"2026-02-05T15:{i:02d}:00Z"} for i in range(40)]
    doc = [{"version": "4", "status": "firing", "receiver": "r", "alerts": alerts[:20]},
           {"version": "4", "status": "firing", "receiver": "r", "alerts": alerts[20:]}]
    (tmp_path / "incident.yaml").write_text("title: t\nseverity: SEV-2\n")
    (tmp_path / "alerts.json").write_text(json.dumps(doc))
    b = load_bundle(tmp_path)
    by_start = {a.starts_at.minute: a for a in b.alerts}
    texts = {e.attrs["alertname"] + e.time.isoformat(): e.text for e in b.events if e.source == "alert"}
    assert len(by_start) == len(texts) == 40
    for i, src in enumerate(alerts):
        want = {k: scrub.scrub(v) for k, v in src["annotations"].items()}
        assert by_start[i].annotations == want
        summary = want["summary"] or want["description"]
        name, status = src["labels"]["alertname"], src["status"]
        at = src["endsAt"] if status == "resolved" else src["startsAt"]
        text = texts[name + at.replace("Z", "+00:00")]
        assert text == scrub.scrub(f"{name} {status}" + (f": {summary}" if summary else ""))
        assert "xoxb-" not in text and "ops@example.com" not in text


# ----------------------------------------------------------------------------- Prometheus time columns


def test_epoch_seconds_are_from_epoch_of_each():
    rng = np.random.default_rng(5)
    t = np.concatenate([rng.uniform(1e-6, 1e11, 50000), np.round(rng.uniform(1e9, 2e9, 20000), 2),
                        np.round(rng.uniform(1e9, 2e9, 20000), 6), rng.integers(1, 10**11, 5000) + 0.5e-6,
                        np.arange(1, 2000) * 0.5e-6, [1e11, 1770285600.0, 1770285602.16, 0.5, 1.5e-6, 2.5e-6]])
    dts, us = promseries.epoch_seconds(t)
    want = [from_epoch(x) for x in t.tolist()]
    assert dts == want and all(d.tzinfo is w.tzinfo for d, w in zip(dts, want))
    assert us.tolist() == [micros(w) for w in want] and not us.flags.writeable
    for odd in ([0.0, 1.0], [-1.0], [1e11 + 1], [float("nan")], []):
        assert promseries.epoch_seconds(np.array(odd, dtype=np.float64)) is None


def test_float_time_columns_match_the_tuple_columns():
    cols = [np.array([1770285600.0 + 2.16 * i for i in range(50)]), np.array([1709647500123.0, 1709647500124.0]),
            np.array([1.0, 0.0, 3.0]), np.array([1770285600.0, 1e18])]
    for col in cols:
        times = promseries.Times()
        got, again = times.floats(col), times.floats(col.copy())
        want = promseries.Times().column(tuple(col.tolist()))
        assert got is again  # a column seen before is the same object (its gap plan is shared)
        if want is None:
            assert got is None
        else:
            assert got[0] == want[0] and got[1].tolist() == want[1].tolist()
