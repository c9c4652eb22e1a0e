"""`postmortem library ...` end to end, as a user runs it."""

from __future__ import annotations

import json
import socket
from datetime import date

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.errors import LibraryError, UsageError
from agent.library.synthetic import make_postmortem


def _cli(*args):
    """In-process run (fast); the subprocess `run_cli` checks exit codes and stderr where they matter."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def _write(dir_, *pms):
    dir_.mkdir(parents=True, exist_ok=True)
    for pm in pms:
        (dir_ / f"{pm.incident_id}.json").write_text(pm.model_dump_json())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_add_search_similar_metrics_patterns(tmp_path):
    lib = tmp_path / "lib"
    _write(tmp_path / "pms",
           make_postmortem("INC-1", day=date(2025, 11, 1), status="Final", completed=date(2025, 11, 3)),
           make_postmortem("INC-2", day=date(2025, 12, 1)),
           make_postmortem("INC-3", day=date(2025, 12, 2), category="certificate/expiry", service="gateway"))
    r = _cli("library", "--library", lib, "add", tmp_path / "pms")
    assert r.exit_code == 0, r.output
    assert "added 3" in r.stdout
    r = _cli("library", "search", "certificate expired handshake", "-k", "2", "--json", "--library", lib)
    assert r.exit_code == 0, r.output
    hits = json.loads(r.stdout)
    assert hits[0]["id"] == "INC-3" and len(hits) <= 2

    query = tmp_path / "new.json"
    query.write_text(make_postmortem("NEW", day=date(2026, 1, 5)).model_dump_json())
    r = _cli("library", "--library", lib, "similar", query, "--json")
    hits = json.loads(r.stdout)
    assert [h["id"] for h in hits][:2] == ["INC-2", "INC-1"]
    assert "category: capacity/resource-exhaustion" in hits[0]["shared_signals"]

    m = json.loads(_cli("library", "--library", lib, "metrics", "--json").stdout)
    assert m["incidents"] == 3 and m["as_of"] == "2025-12-02" and m["completed_on_time"] == 1
    assert m["mttr"] == {"value": 60.0, "n": 3, "unit": "minutes"}
    p = json.loads(_cli("library", "--library", lib, "patterns", "--json", "--as-of", "2025-12-30").stdout)
    cap = next(x for x in p["modes"] if x["name"] == "capacity/resource-exhaustion")
    assert cap["total"] == 2 and cap["windows"]["30"] == 1
    r = _cli("library", "--library", lib, "metrics")
    assert "MTTR" in r.stdout and "60 minutes (n=3)" in r.stdout
    r = _cli("library", "--library", lib, "patterns")
    assert "category" in r.stdout and "checkout" in r.stdout and "2025-11 1, 2025-12 2" in r.stdout


def test_import_markdown_then_corrupt_index_then_reindex(tmp_path):
    import chromadb

    lib, docs = tmp_path / "lib", tmp_path / "docs"
    docs.mkdir()
    (docs / "dns.md").write_text("# DNS outage\n\nA DNS zone push removed the records for the API.\n")
    (docs / "oom.md").write_text("---\ntitle: Workers out of memory\nseverity: SEV-2\n---\nWorkers ran out of memory.\n")
    r = _cli("library", "--library", lib, "import", docs)
    assert r.exit_code == 0, r.output
    assert "imported 2" in r.stdout and "2 without a date" in r.stdout
    chromadb.api.client.SharedSystemClient.clear_system_cache()  # as a new process would see it
    (lib / "index" / "chroma.sqlite3").write_bytes(b"this is not a database" * 10)
    with pytest.raises(LibraryError, match="corrupt.*run `postmortem library reindex`"):
        _cli("library", "--library", lib, "search", "dns")
    r = _cli("library", "--library", lib, "reindex")
    assert r.exit_code == 0 and "reindexed 2" in r.stdout
    hits = json.loads(_cli("library", "--library", lib, "search", "dns records", "--json").stdout)
    assert hits[0]["id"] == "dns"


def test_unreachable_server_is_a_clear_error(tmp_path, run_cli):
    url = f"http://127.0.0.1:{_free_port()}"
    r = run_cli("library", "--library", tmp_path, "--chroma-url", url, "search", "dns")
    assert r.returncode == 2
    assert f"cannot reach the Chroma server at {url}" in r.stderr


def test_bad_embeddings_spec_and_missing_path(tmp_path):
    with pytest.raises(UsageError, match="unknown embeddings spec"):
        _cli("library", "--library", tmp_path, "--embeddings", "word2vec", "search", "x")
    with pytest.raises(LibraryError, match="no such file"):
        _cli("library", "--library", tmp_path, "add", tmp_path / "nope.json")
    with pytest.raises(UsageError, match="--as-of"):
        _cli("library", "--library", tmp_path, "metrics", "--as-of", "yesterday")
