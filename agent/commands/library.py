"""The `postmortem library` commands: add, import, search, similar, patterns, metrics, reindex.

Library options (--library, --chroma-url, --embeddings) work before or after the subcommand;
env POSTMORTEM_LIBRARY / POSTMORTEM_CHROMA_URL / POSTMORTEM_EMBEDDINGS set them too.
"""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from agent.errors import UsageError
from agent.settings import Settings

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

LibOpt = Annotated[Optional[Path], typer.Option("--library", help="library directory (default ~/.postmortem/library)")]
UrlOpt = Annotated[Optional[str], typer.Option("--chroma-url", help="a Chroma server, e.g. http://127.0.0.1:8000")]
EmbOpt = Annotated[Optional[str], typer.Option(
    "--embeddings", help="'hashing' (default), 'hashing:DIM', 'hashing-words:DIM' or 'openai:MODEL'")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON to stdout")]
AsOfOpt = Annotated[Optional[str], typer.Option("--as-of", help="YYYY-MM-DD (default: the latest incident)")]

sub = typer.Typer(name="library", help="The incident library: past postmortems, similar incidents, patterns, metrics.",
                  no_args_is_help=True)


@lru_cache(maxsize=1)
def _out() -> Console:
    """The console for tables and messages: rich loads only when a library command prints."""
    from rich.console import Console

    return Console(soft_wrap=True)


def _table(title: str) -> Table:
    from rich.table import Table

    return Table(title=title)


@sub.callback()
def _options(ctx: typer.Context, library: LibOpt = None, chroma_url: UrlOpt = None, embeddings: EmbOpt = None):
    """The incident library: past postmortems, similar incidents, patterns, metrics."""
    ctx.obj = {"library": library, "chroma_url": chroma_url, "embeddings": embeddings}


def _open(ctx: typer.Context, library=None, chroma_url=None, embeddings=None):
    from agent.library import open_library

    given = {**(ctx.obj or {})}
    given.update({k: v for k, v in {"library": library, "chroma_url": chroma_url, "embeddings": embeddings}.items() if v})
    return open_library(Settings.from_env(**given), create=True)


def _as_of(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise UsageError(f"--as-of {value!r}: expected YYYY-MM-DD") from None


def _print_json(data) -> None:
    print(json.dumps(data, indent=2, default=str))


def _hits_table(hits, title: str) -> Table:
    table = _table(title)
    for col in ("score", "id", "date", "category", "title", "why"):
        table.add_column(col, overflow="fold")
    for h in hits:
        table.add_row(f"{h.score:.3f}", h.id, h.date or "", h.category or "", h.title, "; ".join(h.shared_signals))
    return table


@sub.command("add")
def add(ctx: typer.Context, path: Path, library: LibOpt = None, chroma_url: UrlOpt = None, embeddings: EmbOpt = None):
    """Add a postmortem.json (as written by `postmortem draft`), or every *.json under DIR."""
    ids = _open(ctx, library, chroma_url, embeddings).add_path(path)
    _out().print(f"added {len(ids)} postmortem(s): {', '.join(ids[:10])}{' ...' if len(ids) > 10 else ''}")


@sub.command("import")
def import_(ctx: typer.Context, path: Path, library: LibOpt = None, chroma_url: UrlOpt = None,
            embeddings: EmbOpt = None, as_json: JsonOpt = False):
    """Import human-written markdown postmortems (with or without YAML front matter) from DIR."""
    recs = _open(ctx, library, chroma_url, embeddings).import_markdown(path)
    if as_json:
        _print_json([{"id": r.id, "title": r.title, "date": r.when, "categories": r.categories,
                      "inferred_category": r.inferred_category} for r in recs])
        return
    inferred = sum(r.inferred_category for r in recs)
    undated = sum(r.when is None for r in recs)
    _out().print(f"imported {len(recs)} postmortem(s); {inferred} with a category inferred from the text, "
                 f"{undated} without a date")


@sub.command("search")
def search(ctx: typer.Context, text: str, k: Annotated[int, typer.Option("-k", help="how many")] = 5,
           library: LibOpt = None, chroma_url: UrlOpt = None, embeddings: EmbOpt = None, as_json: JsonOpt = False):
    """Search past incidents by text."""
    hits = _open(ctx, library, chroma_url, embeddings).search(text, k)
    if as_json:
        _print_json([h.model_dump(mode="json") for h in hits])
    else:
        _out().print(_hits_table(hits, f"incidents like {text!r}"))


def _postmortem_for(target: Path):
    from agent.library.records import load_postmortem

    if target.is_file():
        return load_postmortem(target)
    if not target.is_dir():
        raise UsageError(f"{target}: expected a postmortem.json or an incident bundle directory")
    from agent import run_postmortem

    # Offline, without writing and without a library: only the analysis is needed to find neighbours.
    return run_postmortem(str(target), settings=Settings(llm="offline", quiet=True), library=_NoLibrary())


class _NoLibrary:
    """Stands in for the library inside run_postmortem so the bundle is not compared with itself twice."""

    def pattern_analysis(self, pm):
        return pm.pattern_analysis

    def add(self, pm):  # pragma: no cover - run_postmortem only adds with add_to_library
        raise UsageError("not used")


@sub.command("similar")
def similar(ctx: typer.Context, target: Path, k: Annotated[int, typer.Option("-k", help="how many")] = 5,
            library: LibOpt = None, chroma_url: UrlOpt = None, embeddings: EmbOpt = None, as_json: JsonOpt = False):
    """Past incidents similar to a BUNDLE or a postmortem.json, and why each one is similar."""
    lib = _open(ctx, library, chroma_url, embeddings)
    pm = _postmortem_for(target)
    hits = lib.similar(pm, k)
    if as_json:
        _print_json([h.model_dump(mode="json") for h in hits])
    else:
        _out().print(_hits_table(hits, f"incidents like {pm.incident_id}: {pm.title}"))


@sub.command("patterns")
def patterns(ctx: typer.Context, as_of: AsOfOpt = None, library: LibOpt = None, chroma_url: UrlOpt = None,
             embeddings: EmbOpt = None, as_json: JsonOpt = False):
    """Recurring failure modes: counts per window, trend by month, repeated services and categories."""
    rep = _open(ctx, library, chroma_url, embeddings).patterns(as_of=_as_of(as_of))
    if as_json:
        _print_json(rep.model_dump(mode="json"))
        return
    table = _table(f"recurring failure modes ({rep.incidents} incidents, as of {rep.as_of})")
    for col in ("kind", "name", "total", "30d", "90d", "182d", "365d", "trend", "last"):
        table.add_column(col, overflow="fold")
    for m in rep.modes:
        w = m.windows
        table.add_row(m.kind, m.name, str(m.total), *(str(w[d]) for d in ("30", "90", "182", "365")), m.trend, m.last or "")
    _out().print(table)
    months = list(rep.by_month.items())[-12:]
    _out().print("by month: " + ", ".join(f"{k} {v}" for k, v in months) + (f"; {rep.undated} undated" if rep.undated else ""))


@sub.command("metrics")
def metrics(ctx: typer.Context, as_of: AsOfOpt = None, library: LibOpt = None, chroma_url: UrlOpt = None,
            embeddings: EmbOpt = None, as_json: JsonOpt = False):
    """MTTR, MTTA, MTTD, MTBF, frequency by severity and service, completion and action-item rates."""
    m = _open(ctx, library, chroma_url, embeddings).metrics(as_of=_as_of(as_of))
    if as_json:
        _print_json(m.model_dump(mode="json"))
        return
    table = _table(f"reliability metrics ({m.incidents} incidents, as of {m.as_of})")
    table.add_column("metric")
    table.add_column("value")
    for name, mean in (("MTTD", m.mttd), ("MTTA", m.mtta), ("MTTR", m.mttr), ("MTBF", m.mtbf)):
        table.add_row(name, "n/a" if mean.value is None else f"{mean.value:g} {mean.unit} (n={mean.n})")
    rate = "n/a" if m.completion_rate is None else f"{m.completion_rate:.0%}"
    table.add_row("postmortems completed within 5 days", f"{rate} ({m.completed_on_time}/{m.postmortems_due})")
    ai = "n/a" if m.action_item_completion_rate is None else f"{m.action_item_completion_rate:.0%}"
    table.add_row("action items done", f"{ai} ({m.action_items_done}/{m.action_items})")
    table.add_row("action items overdue", str(m.action_items_overdue))
    table.add_row("by severity", ", ".join(f"{k} {v}" for k, v in m.by_severity.items()))
    table.add_row("by service (top 10)", ", ".join(f"{k} {v}" for k, v in list(m.by_service.items())[:10]))
    _out().print(table)


@sub.command("reindex")
def reindex(ctx: typer.Context, library: LibOpt = None, chroma_url: UrlOpt = None, embeddings: EmbOpt = None):
    """Rebuild the index from the postmortem files (repairs a missing or corrupt index)."""
    lib = _open(ctx, library, chroma_url, embeddings)
    n = lib.reindex()
    _out().print(f"reindexed {n} postmortem(s) from {lib.store.files_dir} with embeddings {lib.store.embedding.spec}")


def register(app: typer.Typer) -> None:
    """Add the `library` sub-app."""
    app.add_typer(sub, name="library")
