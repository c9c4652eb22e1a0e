"""The bracket scanner in agent/sources/jsonpos.py must find the same array items as a plain tokenizer."""

import json
import re
from pathlib import Path

import pytest
from conftest import valid_json_texts

from agent.sources.jsonpos import array_item_lines, array_item_offsets

ROOT = Path(__file__).resolve().parents[1]
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"\s*:|"(?:[^"\\]|\\.)*"|[{}\[\]]')
PATHS = [(), ("alerts",), ("messages",), ("data",), ("issues",), ("*",), ("*", "*"),
         ("resourceLogs", "*", "scopeLogs", "*", "logRecords")]


def _reference(text: str, path: tuple[str, ...]) -> list[int]:
    """The former scanner: every string and bracket is a token."""
    offsets, stack, pending = [], [], None
    for m in _TOKEN.finditer(text):
        tok = m.group()
        if tok[0] == '"':
            if tok[-1] == ":":
                pending = tok[1:tok.rindex('"')]
            continue
        if tok in "{[":
            keys = [key for _, key in stack[1:]]
            if tok == "{" and stack and stack[-1][0] == "[" and len(keys) == len(path) \
                    and all(p in ("*", k) for p, k in zip(path, keys)):
                offsets.append(m.start())
            stack.append((tok, pending))
        elif stack:
            stack.pop()
        pending = None
    return offsets


TRICKY = [
    '{"alerts": [{"a": "x]}"}, {"b": "{[\\"alerts\\": ["}, 3, {"c": {"alerts": [{"d": 1}]}}]}',
    '{\n  "messages" :\n  [\n    {"text": "say \\"hi\\" : [", "n": [1, {"x": 2}]},\n    {"text": "\\\\"}\n  ]\n}',
    '[{"k\\"ey": [{"z": 1}]}, {"data": []}, {}, [{"nested": true}]]',
    '{"data": [{"v": "\\u005b"}, {"v": null}], "issues": [[{"x": 1}], {"y": 2}]}',
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_strings_and_keys(text):
    json.loads(text)
    for path in PATHS:
        assert array_item_offsets(text, path) == _reference(text, path), path


def test_every_json_fixture_scans_as_before():
    texts = valid_json_texts()
    for f, text in texts:
        for path in PATHS:
            assert array_item_offsets(text, path) == _reference(text, path), (f, path)
    assert len(texts) > 10


def test_lines_of_items():
    text = '{"messages": [\n{"a": 1},\n\n{"b": "[{"}\n]}'
    assert array_item_lines(text, ("messages",)) == [2, 4]
