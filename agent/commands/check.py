"""The `postmortem check` command: the seed's non-negotiable rules, pass or fail with a reason each."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from agent.errors import BundleError, CheckFailed


def register(app: typer.Typer) -> None:
    app.command("check")(check)


def check(
    file: Path = typer.Argument(..., help="postmortem.json (from `postmortem draft`) or any markdown postmortem"),
    as_json: bool = typer.Option(False, "--json", help="print the results as a JSON list"),
    strict: bool = typer.Option(False, "--strict", help="exit 3 when any rule fails"),
) -> None:
    """Check the seed's rules: blameless language, timeline granularity by severity, 5-Whys with five
    levels, owner/deadline/status on every action item, distribution to engineering, product and
    leadership, a review meeting within 3 days, pattern analysis, completion within 5 days."""
    results = _results(file)
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in results], indent=2))
    else:
        for r in results:
            typer.echo(f"{'PASS' if r.passed else 'FAIL'}  {r.id:<18} {r.reason}")
        failed = sum(not r.passed for r in results)
        typer.echo(f"{len(results) - failed} passed, {failed} failed")
    if strict and any(not r.passed for r in results):
        raise CheckFailed(f"{sum(not r.passed for r in results)} rule(s) failed for {file}")


def _results(file: Path):
    from agent.checks import mdfacts, rules
    from agent.models import Postmortem

    if not file.is_file():
        raise BundleError("file not found; pass a postmortem.json or a markdown postmortem", file=str(file))
    text = file.read_text(encoding="utf-8")
    if file.suffix.lower() != ".json":
        return mdfacts.check_markdown(text)
    try:
        pm = Postmortem.model_validate_json(text)
    except ValueError as exc:
        raise BundleError(f"not a postmortem.json this version understands: {str(exc).splitlines()[0]}",
                          file=str(file)) from exc
    return rules.check(pm)
