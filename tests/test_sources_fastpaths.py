"""Fast paths of the loader (session 4) give exactly what the plain code gives."""

from __future__ import annotations

import codecs
import gzip
import json
import random
from pathlib import Path

import pytest

from agent.sources import detect, jsonpos, jsonscan


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
    root = Path(__file__).resolve().parents[1]
    files = sorted((root / "fixtures").rglob("*.json")) + sorted((root / "tests" / "data").rglob("*.json"))
    checked = 0
    for f in files:
        text = f.read_text(encoding="utf-8")
        try:
            json.loads(text)
        except ValueError:
            continue
        for path in JSON_PATHS:
            assert jsonscan.item_lines(text, path) == _regex_lines(text, path), (f, path)
        checked += 1
    assert checked > 10


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
