"""The staged load (light sources, a callback, then metrics and chat) gives exactly the classic Bundle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.sources import staged
from agent.sources.bundle import load_bundle

ROOT = Path(__file__).resolve().parents[1]
FORMATS = ROOT.parent / "shared" / "data" / "formats"
BUNDLES = sorted(p for p in (ROOT / "fixtures").iterdir() if p.is_dir()) + sorted(
    p for p in (ROOT / "tests" / "data" / "quality").iterdir() if p.is_dir())
BUNDLES += [FORMATS] if FORMATS.is_dir() else []


def _staged(path: Path) -> tuple[dict, list]:
    seen: list = []
    bundle = load_bundle(path, on_light=seen.append)
    return bundle.model_dump(), seen


@pytest.mark.parametrize("path", BUNDLES, ids=lambda p: p.name)
def test_staged_load_equals_the_classic_one(path):
    classic = load_bundle(path).model_dump()
    got, seen = _staged(path)
    assert got == classic
    assert len(seen) == 1
    light = seen[0]
    assert light.chat == [] and light.series == [] and light.files == []  # heavy sources come after
    assert [s.model_dump() for s in light.logs] == classic["logs"]
    assert {a.fingerprint for a in light.alerts} == {a["fingerprint"] for a in classic["alerts"]}


@pytest.mark.parametrize("path", BUNDLES, ids=lambda p: p.name)
def test_every_json_sniffed_late_still_equals_the_classic_load(path, monkeypatch):
    """Deferred sniffs that turn out to be tickets, logs or alerts: parsed again, classically."""
    classic = load_bundle(path).model_dump()
    monkeypatch.setattr(staged, "DEFER_BYTES", 0)
    got, seen = _staged(path)
    assert got == classic and len(seen) == 1


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _chat(*messages: tuple[str, str]) -> str:
    return json.dumps([{"type": "message", "user": "U1", "text": text, "ts": ts} for ts, text in messages])


def test_a_yearless_log_dated_by_the_chat_is_parsed_again(tmp_path):
    """No incident.yaml, tickets or alerts: only the chat dates the incident, and so the log's year.
    The light stage could not know it, so the logs are parsed again once the chat is in."""
    bundle = _write(tmp_path, {
        "db.log": "Feb  5 10:00:00 db-1 postgres[1]: LOG: checkpoint\nFeb  5 10:01:00 db-1 postgres[1]: FATAL: boom\n",
        "chat/war-room/2019-02-05.json": _chat(("1549360800.000000", "db is down"), ("1549360900.0", "on it")),
    })
    classic = load_bundle(bundle)
    assert classic.logs[0].year == 2019  # from the chat, not the file's own date
    got, seen = _staged(bundle)
    assert got == classic.model_dump()
    assert seen[0].logs[0].year != 2019  # what the light stage saw: the job started from it is not used


def test_records_and_warnings_keep_the_classic_order(tmp_path):
    """Metric files parse last in a staged load, but their series and warnings land where they did."""
    csv = "timestamp,value\n2026-02-05T10:00:00Z,1\n2026-02-05T10:01:00Z,2\n2026-02-05T10:02:00Z,3\n"
    values = [[1770285600 + 60 * i, "NaN" if i == 1 else str(i)] for i in range(3)]
    prom = {"status": "success", "data": {"resultType": "matrix",
                                          "result": [{"metric": {"__name__": "pool_in_use"}, "values": values}]}}
    bundle = _write(tmp_path, {
        "a_metrics.csv": csv, "b_query.json": json.dumps(prom), "z_metrics.csv": csv.replace(",1\n", ",7\n"),
        "incident.yaml": "id: INC-1\ntitle: t\nseverity: SEV-2\nstart: 2026-02-05T10:00:00Z\n",
        "m.log": "Feb  5 10:00:00 db-1 postgres[1]: LOG: checkpoint\nFeb  5 10:01:00 db-1 postgres[1]: FATAL: x\n",
        "chat/war-room/2026-02-05.json": _chat(("1770285600.000000", "looking"), ("1770285660.000000", "ok")),
    })
    classic = load_bundle(bundle)
    assert [s.source_file for s in classic.series] == ["a_metrics.csv", "b_query.json", "z_metrics.csv"]
    assert "NaN" in classic.warnings[0] and "m.log" in classic.warnings[-1]  # the log parses last
    got, _ = _staged(bundle)
    assert got == classic.model_dump()


def test_nothing_usable_still_raises_after_the_callback(tmp_path):
    from agent.errors import BundleError

    _write(tmp_path, {"notes.txt": "nothing to see\n"})
    seen: list = []
    with pytest.raises(BundleError):
        load_bundle(tmp_path, on_light=seen.append)
    assert len(seen) == 1
