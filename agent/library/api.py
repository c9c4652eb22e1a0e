"""The incident library facade: add, import, search, similar, patterns, metrics, reindex.

``open_library(settings)`` (agent/library/opening.py, re-exported here) opens the configured one.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from agent.errors import LibraryError
from agent.library import metrics as metrics_mod
from agent.library import patterns as patterns_mod
from agent.library.markdown import iter_markdown, record_from_markdown
from agent.library.opening import open_library
from agent.library.records import Record, from_postmortem, load_file, load_postmortem
from agent.library.similar import WINDOW_DAYS, analyse, rank
from agent.models import PatternAnalysis, Postmortem, SimilarIncident

__all__ = ["Library", "open_library"]


class Library:
    """Past postmortems in Chroma, with their JSON files as the source of truth."""

    def __init__(self, store):
        self.store = store

    @property
    def root(self) -> Path:
        return self.store.root

    @property
    def where(self) -> str:
        return self.store.chroma_url or str(self.store.root)

    # ------------------------------------------------------------------ writes
    def add(self, pm: Postmortem) -> str:
        """Store (or replace) one postmortem; returns its library id."""
        return self.add_many([pm])[0]

    def add_many(self, pms: list[Postmortem]) -> list[str]:
        items = [(self._record(pm), pm.model_dump_json(indent=2)) for pm in pms]
        return self.store.put(items)

    def _record(self, pm: Postmortem) -> Record:
        return from_postmortem(pm, link=str(self.store.file_for(pm.incident_id)))

    def add_path(self, path: Path) -> list[str]:
        """Add a postmortem.json, or every *.json under a directory."""
        path = Path(path)
        if path.is_dir():
            files = sorted(path.rglob("*.json"))
        elif path.is_file():
            files = [path]
        else:
            raise LibraryError(f"{path}: no such file or directory")
        if not files:
            raise LibraryError(f"{path}: no postmortem JSON files found")
        return self.add_many([load_postmortem(f) for f in files])

    def import_markdown(self, path: Path) -> list[Record]:
        """Import human-written markdown postmortems; returns the records stored."""
        records = [record_from_markdown(p) for p in iter_markdown(Path(path))]
        if not records:
            raise LibraryError(f"{path}: no markdown (.md) postmortems found")
        self.store.put([(r, r.model_dump_json(indent=2)) for r in records])
        return records

    def reindex(self) -> int:
        """Rebuild the index from the files, with the configured embeddings."""
        files = self.store.source_files()
        return self.store.rebuild([load_file(f) for f in files])

    # ------------------------------------------------------------------ reads
    def search(self, text: str, k: int = 5) -> list[SimilarIncident]:
        """The k incidents whose text is nearest to ``text``."""
        query = Record(id="", kind="imported", title="", body=text)
        return rank(query, self.store.query(text, k), k)

    def similar_to(self, query: Record, k: int = 5, *, past_only: bool = False) -> list[SimilarIncident]:
        """Incidents like ``query`` (never itself; with past_only, none dated after it), and why."""
        return rank(query, self.store.query(query.query_text(), k * 3 + 1), k, until=query.when if past_only else None)

    def similar(self, pm: Postmortem, k: int = 5) -> list[SimilarIncident]:
        return self.similar_to(from_postmortem(pm), k)

    def records(self) -> list[Record]:
        return self.store.records()

    def pattern_analysis(self, pm: Postmortem) -> PatternAnalysis:
        """The Pattern Analysis section of a draft: similar incidents, recurrence, recommendation.

        A library that cannot be used (unreachable server, corrupt index) never stops a draft: the
        section then says what went wrong and how to fix it.
        """
        try:
            return self._pattern_analysis(pm)
        except LibraryError as exc:
            return PatternAnalysis(configured=True, note=f"The incident library could not be used, so no "
                                                         f"cross-incident analysis was done: {exc}")

    def _pattern_analysis(self, pm: Postmortem) -> PatternAnalysis:
        query = from_postmortem(pm)
        window = []
        if query.when and query.categories:
            window = self.store.in_window(query.categories[0], query.when - timedelta(days=WINDOW_DAYS), query.when)
        past = self.count() - self.store.has(query.id)
        return analyse(query, self.similar_to(query, past_only=True), window, past=past, where=self.where)

    def patterns(self, *, as_of: date | None = None) -> patterns_mod.PatternReport:
        return patterns_mod.report(self.records(), as_of=as_of)

    def metrics(self, *, as_of: date | None = None) -> metrics_mod.Metrics:
        return metrics_mod.compute(self.records(), as_of=as_of)

    def count(self) -> int:
        return self.store.count()

