"""The embedded store: add, idempotent upsert, search, embeddings guard, corrupt index, reindex, concurrency."""

from __future__ import annotations

import multiprocessing as mp
import shutil
from pathlib import Path

import pytest

from agent.errors import LibraryError
from agent.library import open_library
from agent.library.synthetic import make_postmortem
from agent.settings import Settings


def _lib(root: Path, embeddings: str = "hashing"):
    return open_library(Settings(library=root, embeddings=embeddings))


def _seed(lib):
    lib.add(make_postmortem("INC-1", category="capacity/resource-exhaustion", service="checkout"))
    lib.add(make_postmortem("INC-2", category="certificate/expiry", service="gateway"))
    lib.add(make_postmortem("INC-3", category="network", service="cdn"))


def test_search_finds_the_matching_incident(tmp_path):
    lib = _lib(tmp_path)
    _seed(lib)
    hits = lib.search("the mTLS certificate expired on the gateway", k=3)
    assert hits[0].id == "INC-2"
    assert any(s.startswith("terms:") and "certificate" in s for s in hits[0].shared_signals)
    assert hits[0].link and hits[0].link.endswith("postmortems/INC-2.json")


def test_adding_the_same_incident_twice_keeps_one(tmp_path):
    lib = _lib(tmp_path)
    lib.add(make_postmortem("INC-1", title="first title"))
    lib.add(make_postmortem("INC-1", title="second title"))
    assert lib.count() == 1
    assert len(list((tmp_path / "postmortems").glob("*.json"))) == 1
    assert [r.title for r in lib.records()] == ["second title"]


def test_index_built_with_other_embeddings_is_refused(tmp_path):
    _seed(_lib(tmp_path))
    with pytest.raises(LibraryError, match="built with embeddings 'hashing:2048'.*reindex --embeddings"):
        _lib(tmp_path, "hashing-words:1024").search("anything")


def test_reindex_switches_embeddings_and_is_reproducible(tmp_path):
    lib = _lib(tmp_path)
    _seed(lib)
    before = [h.model_dump() for h in lib.search("connection pool exhausted", k=3)]
    assert lib.reindex() == 3
    assert [h.model_dump() for h in lib.search("connection pool exhausted", k=3)] == before
    other = _lib(tmp_path, "hashing-words:1024")
    assert other.reindex() == 3
    assert other.search("connection pool exhausted", k=1)[0].id == "INC-1"


def test_missing_index_is_reported_and_reindex_repairs_it(tmp_path):
    _seed(_lib(tmp_path))
    import chromadb

    chromadb.api.client.SharedSystemClient.clear_system_cache()
    shutil.rmtree(tmp_path / "index")
    with pytest.raises(LibraryError, match="index is missing; run `postmortem library reindex`"):
        _lib(tmp_path).search("certificate")
    with pytest.raises(LibraryError, match="missing"):
        _lib(tmp_path).add(make_postmortem("INC-9"))  # never writes into an index that lost the others
    lib = _lib(tmp_path)
    assert lib.reindex() == 3
    assert lib.count() == 3


def test_open_library_is_none_unless_configured_or_present(tmp_path):
    default = tmp_path / "default-lib"
    assert open_library(Settings(), default_path=default) is None
    lib = open_library(Settings(), default_path=default, create=True)
    lib.add(make_postmortem("INC-1"))
    assert open_library(Settings(), default_path=default) is not None
    assert open_library(Settings(library=tmp_path / "x"), default_path=default).root == tmp_path / "x"


def _add_batch(root: str, worker: int, n: int) -> None:
    lib = _lib(Path(root))
    for i in range(n):
        lib.add(make_postmortem(f"W{worker}-{i}", service=f"svc{worker}"))


def test_concurrent_writers_in_several_processes_lose_nothing(tmp_path):
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_add_batch, args=(str(tmp_path), w, 6)) for w in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    lib = _lib(tmp_path)
    assert lib.count() == 18
    assert {r.id for r in lib.records()} == {f"W{w}-{i}" for w in range(3) for i in range(6)}
    assert len(list((tmp_path / "postmortems").glob("*.json"))) == 18
