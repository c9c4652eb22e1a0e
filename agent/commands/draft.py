"""The `postmortem draft` command: parse flags, call run_postmortem, say where the report is."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import typer

from agent.settings import Settings

_AT_LINE = re.compile(r"^[^\s:]+:\d+: ")


def _warn(pm, quiet: bool) -> None:
    """Per-file problems, one `postmortem: warning: file:line: ...` line each, on stderr."""
    if quiet:
        return
    lines = []
    for f in pm.files:
        if f.status == "error":
            reason = f.reason or "could not be parsed"
            where = "" if reason.startswith(f.path) else f"{f.path}: "
            lines.append(f"{where}{reason}")
    # Loader warnings that point at a line (zoneless timestamps, dropped records) are also shown.
    lines += [n for n in pm.notes if _AT_LINE.match(n) and n not in lines]
    for line in lines:
        print(f"postmortem: warning: {line}", file=sys.stderr)


def draft(
    bundle: Path = typer.Argument(..., help="Bundle directory, .zip or .tar.gz of incident data."),
    out: Path = typer.Option(Path("out"), "--out", "-o", help="Directory for postmortem.md, .json and the card."),
    json_out: bool = typer.Option(False, "--json", help="Print the Postmortem as JSON on stdout."),
    swarm_dir: Path | None = typer.Option(None, "--swarm-dir", help="Swarm root (usually .agents) for the driver card."),
    workflow_id: str | None = typer.Option(None, "--workflow-id", help="Swarm workflow id, e.g. WF-016_20260205_161500."),
    step: int | None = typer.Option(None, "--step", help="Two-digit step number of this agent in the workflow."),
    swarm_config: Path | None = typer.Option(None, "--swarm-config", help="YAML overriding invariant/capability ids."),
    llm: str | None = typer.Option(None, "--llm", help="'offline' (default), 'openai:MODEL' or a model name."),
    llm_base_url: str | None = typer.Option(None, "--llm-base-url", help="OpenAI-compatible endpoint URL."),
    library: Path | None = typer.Option(None, "--library", help="Incident library path for pattern analysis."),
    chroma_url: str | None = typer.Option(None, "--chroma-url", help="Chroma server URL for the library."),
    add_to_library: bool = typer.Option(False, "--add-to-library", help="Add the draft to the incident library."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show progress and notes on stderr."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors (and --json output)."),
) -> None:
    """Draft a blameless, cited postmortem from an incident BUNDLE (offline unless --llm is given).

    Writes OUT/postmortem.md, OUT/postmortem.json and OUT/position_card.yaml; with --swarm-dir and
    --workflow-id also the swarm driver's card.
    """
    from agent.api import run_postmortem
    from agent.render.card import CardOptions

    if (swarm_dir is None) != (workflow_id is None):
        raise typer.BadParameter("--swarm-dir and --workflow-id go together")
    settings = Settings.from_env(llm=llm, llm_base_url=llm_base_url, library=library, chroma_url=chroma_url,
                                 quiet=quiet or None)
    started = time.perf_counter()
    pm = run_postmortem(bundle, settings=settings, out_dir=out, swarm_dir=swarm_dir, workflow_id=workflow_id,
                        step=step, add_to_library=add_to_library, card_options=CardOptions.load(swarm_config),
                        progress=verbose and not quiet)
    _warn(pm, quiet)
    if verbose and not quiet:
        for note in pm.notes:
            print(f"postmortem: note: {note}", file=sys.stderr)
        if pm.llm_usage:
            from agent.llm.budget import usage_line

            print(f"postmortem: {usage_line(pm.llm_usage)}", file=sys.stderr)
        print(f"postmortem: drafted in {time.perf_counter() - started:.2f}s", file=sys.stderr)
    if json_out:
        sys.stdout.write(pm.model_dump_json(indent=2) + "\n")
    elif not quiet:
        print(f"Report: {out / 'postmortem.md'}  (also {out / 'postmortem.json'}, {out / 'position_card.yaml'})")


def register(app: typer.Typer) -> None:
    """Add `draft` to the app."""
    app.command("draft")(draft)
