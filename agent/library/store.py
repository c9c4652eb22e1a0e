"""The Chroma side of the library: one collection, the source-of-truth files beside it, one write lock.

Layout of a library directory::

    <root>/postmortems/<id>.json   source of truth: Postmortem JSON, or a Record JSON for imported markdown
    <root>/index/                  Chroma PersistentClient data (absent in server mode)
    <root>/.lock                   fcntl lock: writers take it exclusively, readers shared

Every write goes file first, then index, under the exclusive lock, so several processes adding at once
lose nothing and a crash between the two steps is repaired by ``reindex``. The collection metadata
records the embedding spec; an index built with one embedding is never used with another.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Iterator
from urllib.parse import urlparse

import chromadb
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import NotFoundError

from agent.errors import LibraryError
from agent.library.records import Record

COLLECTION = "postmortems"
SPEC_KEY = "postmortem_embedding"
REINDEX_HINT = "run `postmortem library reindex` to rebuild it from the postmortem files"
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_id(incident_id: str) -> str:
    return _SAFE.sub("-", incident_id).strip("-") or "incident"


def atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def _metadata(rec: Record) -> dict:
    flags = {f"cat:{c}": True for c in rec.categories}  # filterable, since metadata values are scalars
    return {
        **flags, "day": rec.when.toordinal() if rec.when else -1,
        "kind": rec.kind, "title": rec.title[:500], "date": rec.when.isoformat() if rec.when else "",
        "category": rec.categories[0] if rec.categories else "", "services": "|" + "|".join(rec.services) + "|",
        "record": rec.model_dump_json(exclude={"body"}),
    }


def _chroma_settings() -> ChromaSettings:
    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


class Store:
    """A Chroma collection of Records, embedded (PersistentClient) or on a server (HttpClient)."""

    def __init__(self, root: Path, embedding, *, chroma_url: str | None = None):
        self.root = Path(root)
        self.embedding = embedding
        self.chroma_url = chroma_url
        self._client = None
        self._collection = None

    # ------------------------------------------------------------------ paths and locking
    @property
    def files_dir(self) -> Path:
        return self.root / "postmortems"

    @property
    def index_dir(self) -> Path:
        return self.root / "index"

    @contextmanager
    def locked(self, exclusive: bool = True) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def file_for(self, incident_id: str) -> Path:
        return self.files_dir / f"{safe_id(incident_id)}.json"

    def source_files(self) -> list[Path]:
        if not self.files_dir.is_dir():
            return []
        return sorted(p for p in self.files_dir.glob("*.json") if not p.name.startswith("."))

    # ------------------------------------------------------------------ client and collection
    def client(self):
        if self._client is None:
            self._client = self._connect()
        return self._client

    def _connect(self, *, fresh: bool = False):
        if self.chroma_url:
            url = urlparse(self.chroma_url if "://" in self.chroma_url else f"http://{self.chroma_url}")
            try:
                client = chromadb.HttpClient(host=url.hostname or "localhost", port=url.port or 8000,
                                             ssl=url.scheme == "https", settings=_chroma_settings())
                client.heartbeat()
            except Exception as exc:  # connection refused, DNS, TLS: all mean "cannot reach it"
                raise LibraryError(f"cannot reach the Chroma server at {self.chroma_url} ({type(exc).__name__}); "
                                   "start it (`chroma run --path DIR`) or drop --chroma-url") from exc
            return client
        if not fresh and not self.index_dir.exists() and self.source_files():
            raise LibraryError(f"{self.index_dir}: the library index is missing; {REINDEX_HINT}")
        try:
            return chromadb.PersistentClient(path=str(self.index_dir), settings=_chroma_settings())
        except Exception as exc:  # chroma raises many types for a damaged sqlite/segment directory
            raise LibraryError(f"{self.index_dir}: the library index is corrupt ({type(exc).__name__}: "
                               f"{str(exc)[:160]}); {REINDEX_HINT}") from exc

    def collection(self, *, create: bool = True):
        if self._collection is None:
            self._collection = self._open_collection(create)
        return self._collection

    def _open_collection(self, create: bool):
        try:
            col = self.client().get_collection(COLLECTION, embedding_function=None)
        except NotFoundError:
            col = None
        except LibraryError:
            raise
        except Exception as exc:
            raise LibraryError(f"{self.where}: cannot open the library index ({type(exc).__name__}: "
                               f"{str(exc)[:160]}); {REINDEX_HINT}") from exc
        if col is None:
            if not create and self.source_files() and not self.chroma_url:
                raise LibraryError(f"{self.where}: the library index is missing; {REINDEX_HINT}")
            return self._create_collection()
        built = (col.metadata or {}).get(SPEC_KEY)
        if built != self.embedding.spec:
            raise LibraryError(
                f"{self.where}: the index was built with embeddings {built!r}, not {self.embedding.spec!r}; "
                f"pass --embeddings {built} or rebuild with `postmortem library reindex --embeddings "
                f"{self.embedding.spec}`")
        return col

    def _create_collection(self):
        # Vectors are computed here, not by Chroma: Chroma then never builds (or downloads) an embedding
        # of its own, and the spec check above is the one guard against mixing embeddings.
        return self.client().create_collection(
            COLLECTION, embedding_function=None,
            metadata={SPEC_KEY: self.embedding.spec}, configuration={"hnsw": {"space": "cosine"}},
        )

    @property
    def where(self) -> str:
        return self.chroma_url or str(self.index_dir)

    # ------------------------------------------------------------------ writes
    def put(self, items: list[tuple[Record, str]]) -> list[str]:
        """Write each (record, source-of-truth JSON) file, then upsert the index; idempotent by id."""
        with self.locked():
            self.collection()  # open (and check) the index before touching the files
            ids = []
            for rec, source_json in items:
                sid = safe_id(rec.id)
                atomic_write(self.files_dir / f"{sid}.json", source_json)
                ids.append(sid)
            self._upsert(list(zip(ids, (r for r, _ in items))))
        return ids

    def _upsert(self, pairs: list[tuple[str, Record]]) -> None:
        col = self.collection()
        step = max(1, min(512, self.client().get_max_batch_size()))
        for i in range(0, len(pairs), step):
            chunk = dict(pairs[i : i + step])  # the last write of a repeated id wins
            try:
                docs = [r.text() for r in chunk.values()]
                col.upsert(ids=list(chunk), documents=docs, embeddings=self.embedding(docs),
                           metadatas=[_metadata(r) for r in chunk.values()])
            except LibraryError:
                raise
            except Exception as exc:
                raise LibraryError(f"{self.where}: writing to the index failed ({type(exc).__name__}: "
                                   f"{str(exc)[:160]}); {REINDEX_HINT}") from exc

    def reset_index(self) -> None:
        """Drop the index (embedded: delete its directory; server: delete the collection)."""
        self._collection = None
        if self.chroma_url:
            try:
                self.client().delete_collection(COLLECTION)
            except NotFoundError:
                pass
            return
        self._client = None
        chromadb.api.client.SharedSystemClient.clear_system_cache()
        shutil.rmtree(self.index_dir, ignore_errors=True)

    def rebuild(self, records: list[Record]) -> int:
        """Rebuild the index from records, in id order so two rebuilds give the same index."""
        with self.locked():
            self.reset_index()
            self._client = self._client or self._connect(fresh=True)
            self._collection = self._create_collection()
            self._upsert(sorted(((safe_id(r.id), r) for r in records), key=lambda p: p[0]))
        return len(records)

    # ------------------------------------------------------------------ reads
    def query(self, text: str, k: int) -> list[tuple[Record, float, str]]:
        """The k nearest (record, cosine similarity, embedded text), best first."""
        col = self.collection(create=False)
        n = col.count()
        if n == 0:
            return []
        try:
            res = col.query(query_embeddings=self.embedding.embed_query([text]), n_results=min(k, n),
                            include=["metadatas", "distances", "documents"])
        except LibraryError:
            raise
        except Exception as exc:
            raise LibraryError(f"{self.where}: querying the index failed ({type(exc).__name__}: "
                               f"{str(exc)[:160]}); {REINDEX_HINT}") from exc
        rows = zip(res["metadatas"][0], res["distances"][0], res["documents"][0])
        return [(Record.model_validate_json(m["record"]), 1.0 - float(d), doc or "") for m, d, doc in rows]

    def records(self, where: dict | None = None) -> list[Record]:
        """Records in the index (without bodies), optionally filtered, sorted by date then id."""
        col = self.collection(create=False)
        out, step, offset = [], 1000, 0
        while True:
            got = col.get(include=["metadatas"], where=where, limit=step, offset=offset)
            out += [Record.model_validate_json(m["record"]) for m in got["metadatas"]]
            if len(got["ids"]) < step:
                break
            offset += step
        return sorted(out, key=lambda r: (r.when.isoformat() if r.when else "", r.id))

    def in_window(self, category: str, first: date, last: date) -> list[Record]:
        """Records of a category dated between first and last, inclusive."""
        return self.records({"$and": [{f"cat:{category}": True}, {"day": {"$gte": first.toordinal()}},
                                      {"day": {"$lte": last.toordinal()}}]})

    def has(self, incident_id: str) -> bool:
        return bool(self.collection(create=False).get(ids=[safe_id(incident_id)], include=[])["ids"])

    def count(self) -> int:
        return self.collection(create=False).count()
