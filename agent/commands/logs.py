"""The `postmortem logs` command: log templates with counts and first/last times."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from agent.evidence.logs import LogAnalysis


def register(app: typer.Typer) -> None:
    app.command("logs")(logs)


def logs(
    files: list[Path] = typer.Argument(..., help="log files (text with timestamps, or JSON lines)"),
    as_json: bool = typer.Option(False, "--json", help="print the templates as JSON"),
    assign: Path | None = typer.Option(None, "--assign", help="write one CSV row per input line: "
                                       "file, line, template_id, template"),
    by_line: bool = typer.Option(False, "--by-line", help="treat every physical line as one record "
                                 "(no timestamp parsing; for headers no known shape matches)"),
    content_regex: str | None = typer.Option(None, "--content-regex", help="regex with a (?P<content>...) group "
                                             "that cuts the message out of each line; implies --by-line"),
    top: int = typer.Option(50, "--top", help="templates to print (all with --json)"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress display"),
) -> None:
    """Mine log templates (Drain-style) and print them with counts and first/last times."""
    from agent.evidence.progress import Progress
    from agent.evidence.templates import mine

    with Progress(enabled=not quiet and not as_json) as prog:
        task = prog.task("mining log templates")
        res = mine(files, assign_to=assign, by_line=by_line, content_regex=content_regex,
                   progress=lambda n: prog.advance(task, n))
    if as_json:
        typer.echo(json.dumps(_as_dict(res), indent=2))
    else:
        _print(res, top)


def _as_dict(res: LogAnalysis) -> dict:
    rows = []
    for t in res.templates:
        st = t.stats
        rows.append({
            "id": f"T{t.id}", "template": t.template, "count": t.count, "level": st.level,
            "first": st.first.time.isoformat() if st.first and st.first.time else None,
            "last": st.last.time.isoformat() if st.last and st.last.time else None,
            "first_pointer": st.first.pointer if st.first else None,
            "examples": [s.pointer for s in st.examples], "exception": st.exception,
        })
    return {"files": res.files, "records": res.records, "lines": res.lines, "templates": rows,
            "problems": res.problems}


def _print(res: LogAnalysis, top: int) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(res.templates):,} templates over {res.records:,} records in {res.files} file(s)")
    for col in ("id", "count", "first", "last", "template"):
        table.add_column(col, overflow="fold")
    for t in res.templates[:top]:
        st = t.stats
        table.add_row(f"T{t.id}", f"{t.count:,}", _hms(st.first), _hms(st.last), t.template[:200])
    Console().print(table)
    for p in res.problems:
        typer.echo(f"warning: {p}", err=True)


def _hms(seen) -> str:
    return seen.time.strftime("%Y-%m-%d %H:%M:%S") if seen and seen.time else "-"
