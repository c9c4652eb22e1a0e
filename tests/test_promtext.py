"""Prometheus matrices read from their text (agent.sources.promtext) load exactly as parsed whole."""

from __future__ import annotations

import json

import numpy as np
import pytest

from agent.points import arrays
from agent.sources import load_bundle, promtext
from agent.sources.detect import sniff

T = [1770285600.0 + i * 15 for i in range(12)]


def _matrix(values_per_series, sep=(", ", ": ")) -> str:
    result = [{"metric": {"__name__": "m", "i": str(k)}, "values": vals} for k, vals in enumerate(values_per_series)]
    return json.dumps({"status": "success", "data": {"resultType": "matrix", "result": result}}, separators=sep)


def _pairs(values, times=T):
    return [[t, v] for t, v in zip(times, values)]


def _load(tmp_path, text: str, name: str):
    d = tmp_path / name
    d.mkdir()
    (d / "incident.yaml").write_text("title: t\nseverity: SEV2\nstarted_at: 2026-02-05T10:00:00Z\n")
    (d / "metrics.json").write_text(text)
    return load_bundle(d)


def _view(bundle):
    series = [(s.name, s.labels, repr(s.points), arrays(s).t_us.tolist(), repr(arrays(s).v.tolist()))
              for s in bundle.series]
    return series, bundle.warnings, [(f.path, f.status, f.format, f.records, f.reason) for f in bundle.files]


def _check(tmp_path, monkeypatch, text: str, *, cut: bool) -> None:
    """Loaded with the text path and with the whole parse: the same bundle; ``cut``: the text path ran."""
    sn = sniff_of(tmp_path, text)
    assert (sn.doc is not None and _has_column(sn.doc)) is cut
    fast = _view(_load(tmp_path, text, "fast"))
    monkeypatch.setattr(promtext, "skeleton", lambda text: None)
    assert _view(_load(tmp_path, text, "whole")) == fast


def sniff_of(tmp_path, text):
    p = tmp_path / "sniffed.json"
    p.write_text(text)
    return sniff(p, "sniffed.json")


def _has_column(doc) -> bool:
    if isinstance(doc, promtext.Column):
        return True
    items = doc.values() if isinstance(doc, dict) else doc if isinstance(doc, list) else ()
    return any(_has_column(x) for x in items)


SERIES = [f"{i % 7}.{i}5" for i in range(12)]


@pytest.mark.parametrize("sep", [(", ", ": "), (",", ":")])
@pytest.mark.parametrize("values", [
    SERIES,
    ["1", "NaN", "NaN", "+Inf", "-Inf", "2", "0", "-0", "-0.0", "1.2345e-321", "4e2", "5"],
    [" 7", "8 ", "1e-5", "-3.5", "1E+3", "0.5", "9", "9", "9", "9", "9", "9"],
])
def test_canonical_matrices_load_as_parsed_whole(tmp_path, monkeypatch, values, sep):
    _check(tmp_path, monkeypatch, _matrix([_pairs(values), _pairs(values[::-1]), _pairs(values[:5])], sep), cut=True)


def test_integer_and_unsorted_times(tmp_path, monkeypatch):
    times = [1770285600 + i * 15 for i in range(12)][::-1]
    _check(tmp_path, monkeypatch, _matrix([_pairs(SERIES, times), _pairs(SERIES, T)]), cut=True)


@pytest.mark.parametrize("text", [
    _matrix([_pairs(["1", "nan", "x", "1_0", "0x1", "1e400", "", "1,2", "true", "3", "4", "5"])]),  # odd strings
    _matrix([_pairs([1, 2.5, "3", 4, 5, 6, 7, 8, 9, 10, 11, 12])]),  # numbers, not strings
    _matrix([_pairs(["1\u00e9"] + SERIES[1:])]),  # not ASCII
    _matrix([_pairs(['1"'] + SERIES[1:])]),  # an escaped quote
    _matrix([[[t, v, "extra"] for t, v in zip(T, SERIES)]]),  # longer pairs
    _matrix([_pairs(SERIES, [str(t) for t in T])]),  # times as strings
    _matrix([_pairs(SERIES, [12345678901234567890 + i for i in range(12)])]),  # times beyond 64 bits
    _matrix([_pairs(SERIES), []]),  # an empty series
    _matrix([_pairs(SERIES)]).replace("], [", "],\n  [", 3),  # other whitespace
    ('{"status": "success", "data": {"resultType": "matrix", "result": [{"values": [[1, "2"], [3, "4"]], '
     '"metric": {"__name__": "m"}}, {"values": [], "metric": {}}, {"values": [[5, "NaN"]], "metric": {}}]}}'),
    ('{"status": "success", "data": {"resultType": "matrix", "result": [{"metric": {}, "values": [[1, "2"]], '
     '"extra": [[3, "4"]], "more": [[5]]}, {"metric": {}, "values": [[6, "7"]]}]}}'),  # arrays after the values
    _matrix([_pairs(SERIES), _pairs(["+Inf", "-Inf", "NaN", "NaN", "1", "NaN"] * 2)], sep=(",", ":")),
])
def test_unusual_arrays_fall_back_or_match(tmp_path, monkeypatch, text):
    sn = sniff_of(tmp_path, text)
    _check(tmp_path, monkeypatch, text, cut=sn.doc is not None and _has_column(sn.doc))


@pytest.mark.parametrize("text", [
    ('{"status": "success", "data": {"resultType": "matrix", "result": [{"metric": {}, "values": [[1, "2"]], '
     '"values": [[3, "4"]]}]}}'),  # a key given twice
    ('{"status": "success", "data": {"resultType": "matrix", "result": [{"metric": {}, "values": [[1, "2"]]}]}, '
     '"request": {}, "body": {"status": "success"}}'),  # an API-recording envelope
    '{"status": "success", "data": {"resultType": "matrix", "result": [{"metric": {"x": {"values": [[1, "2"]]}}}]}}',
    '{"status": "success", "data": {"resultType": "matrix", "result": [{"metric": {}, "values": [[1, "2"]]}]}',  # cut
    '{"status": "success", "data": {"resultType": "matrix", "result": [{"metric": {}, "values": [[1, "2"]]}]}} x',
    '{"status": "success", "data": {"resultType": "matrix", "result": [{"metric": {}, "values": [[1, "2"]}]}}',
    ('{"status": "success", "data": {"resultType": "matrix", "result": [{"values": "\\u0000promtext:0"}, '
     '{"metric": {}, "values": [[1, "2"]]}]}}'),  # a placeholder look-alike
])
def test_odd_documents_are_parsed_whole(tmp_path, monkeypatch, text):
    sn = sniff_of(tmp_path, text)
    assert sn.doc is None or not _has_column(sn.doc)
    fast = sn.doc, str(sn.json_error)
    monkeypatch.setattr(promtext, "skeleton", lambda text: None)
    whole = sniff_of(tmp_path, text)
    assert fast == (whole.doc, str(whole.json_error))


def test_column_text_round_trips():
    text = _matrix([_pairs(["1", "NaN", "-0"])])
    doc = promtext.skeleton(text)
    col = doc["data"]["result"][0]["values"]
    assert col.pairs() == json.loads(text)["data"]["result"][0]["values"]
    assert [col.raw_at(i) for i in range(3)] == ["1", "NaN", "-0"] and col.raw_times == tuple(T[:3])
    assert np.isnan(col.numbers[0]) is np.False_ and len(col.numbers) == 3
