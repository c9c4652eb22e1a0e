"""agent.sources.jsondoc.loads is json.loads: the same values and the same errors, orjson or not."""

from __future__ import annotations

import json
import random

import pytest

from agent.sources import jsondoc


def _same(text: str) -> None:
    try:
        want = ("ok", json.loads(text))
    except (json.JSONDecodeError, RecursionError) as exc:
        want = ("err", type(exc), getattr(exc, "msg", None), getattr(exc, "pos", None))
    try:
        got = ("ok", jsondoc.loads(text))
    except (json.JSONDecodeError, RecursionError) as exc:
        got = ("err", type(exc), getattr(exc, "msg", None), getattr(exc, "pos", None))
    assert repr(got) == repr(want), text[:80]


@pytest.mark.parametrize("text", [
    '{"a": 1, "a": 2}', "[NaN, 1]", "[Infinity]", "[-Infinity]", "[1e400]", "[-1e400]", "[1e-400]",
    '["\\ud800"]', '["\\udc80x"]', '["\\ud83d\\ude80"]', "[12345678901234567890123]", "[-9223372036854775809]",
    "[9223372036854775807, -9223372036854775808, 18446744073709551615]", '{"id": "12345678901234567890"}',
    "[-0, -0.0, 0e0, 1E5, 2.5e-324, 1.7976931348623157e308]", "[01]", "[1.]", "[.5]", "[+1]", "[1,]", "{'a': 1}",
    '{"a": 1} x', " {}\n", "", "   ", '["a\x01b"]', '["\\u0000"]', "[true, false, null]", "\u00a0[1]",
    "[" * 5000 + "]" * 5000, '{"s": "caf\u00e9 \u6771\u4eac \U0001f680"}',
])
def test_edge_cases_match_the_standard_decoder(text):
    _same(text)


def test_random_documents_match():
    rng = random.Random(7)
    numbers = [repr(rng.uniform(-1e9, 1e9)) for _ in range(2000)] + \
              [f"{rng.randint(1, 10**15)}e{rng.randint(-300, 300)}" for _ in range(2000)] + \
              [str(rng.randint(-2**62, 2**62)) for _ in range(2000)]
    _same("[" + ",".join(numbers) + "]")
    doc = {"data": {"result": [{"metric": {"__name__": f"m{i}", "pod": "é" * i},
                                "values": [[1770285600 + j * 2.16, f"{rng.random() * 100:.4f}"] for j in range(50)]}
                               for i in range(20)]}}
    for ensure_ascii in (True, False):
        _same(json.dumps(doc, ensure_ascii=ensure_ascii, indent=1))


def test_a_big_integer_stays_an_int():
    assert jsondoc.loads('{"n": 123456789012345678901234567890}') == {"n": 123456789012345678901234567890}
    assert isinstance(jsondoc.loads("[-9223372036854775809]")[0], int)


def test_without_orjson_it_is_json_loads(monkeypatch):
    monkeypatch.setattr(jsondoc, "orjson", None)
    assert jsondoc.loads('{"a": [1, 2.5, "x"]}') == {"a": [1, 2.5, "x"]}
    with pytest.raises(json.JSONDecodeError):
        jsondoc.loads("[1,")
