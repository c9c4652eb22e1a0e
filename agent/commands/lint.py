"""The `postmortem lint` command: blameless-language findings for a markdown file, a postmortem.json or stdin."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from agent.errors import BundleError, CheckFailed


def register(app: typer.Typer) -> None:
    app.command("lint")(lint)


def lint(
    file: str = typer.Argument(..., help="FILE.md, postmortem.json, any text file, or - for stdin"),
    as_json: bool = typer.Option(False, "--json", help="print the findings as a JSON list"),
    strict: bool = typer.Option(False, "--strict", help="exit 3 when any error-severity finding remains"),
    config: Path | None = typer.Option(None, "--config", help="YAML: disable: [rule ids], severity: {rule: level}, "
                                       "people: [names], enable: [blame-model]"),
    learned: bool = typer.Option(True, "--learned/--no-learned", help="the learned check (rule blame-model, on by "
                                 "default): --no-learned runs the rules alone; see the README"),
) -> None:
    """Find blameful language (person as cause, human error, counterfactuals, judgement, minimisers,
    people-remedies, blame questions, names, team finger-pointing) and suggest rewrites.

    Turn rules off with --config or inline: <!-- postmortem-lint disable RULE --> (rest of file, until
    `enable RULE`), `disable-next-line RULE`, `disable-line RULE`.
    """
    from dataclasses import replace

    from agent.checks import blameless
    from agent.checks.ruleset import load_config, make_config

    cfg = load_config(config) if config else None
    if not learned:
        base = cfg or make_config(None)
        cfg = replace(base, disabled=base.disabled | {"blame-model"})
    text, name = _read(file)
    if _is_json(name, text):
        try:
            findings = blameless.lint_postmortem_json(text, config=cfg)
        except json.JSONDecodeError as exc:
            raise BundleError(f"not valid JSON: {exc.msg}", file=name, line=exc.lineno) from exc
    else:
        findings = blameless.lint_text(text, config=cfg)
    if as_json:
        typer.echo(json.dumps([f.model_dump(mode="json", exclude_none=True) for f in findings], indent=2))
    else:
        _print(findings, name)
    errors = sum(f.severity == "error" for f in findings)
    if strict and errors:
        raise CheckFailed(f"{errors} error-severity blameless-language finding(s) in {name}")


def _read(file: str) -> tuple[str, str]:
    if file == "-":
        return sys.stdin.read(), "<stdin>"
    path = Path(file)
    if not path.is_file():
        raise BundleError("file not found; pass a markdown file, a postmortem.json, or - for stdin", file=file)
    try:
        return path.read_text(encoding="utf-8"), file
    except UnicodeDecodeError as exc:
        raise BundleError("not UTF-8 text", file=file) from exc


def _is_json(name: str, text: str) -> bool:
    return name.endswith(".json") or (text.lstrip().startswith("{") and '"executive_summary"' in text)


def _print(findings, name: str) -> None:
    if not findings:
        typer.echo(f"{name}: no blameless-language findings")
        return
    for f in findings:
        where = f"{name}:{f.line}:{f.column}" + (f" [{f.field}]" if f.field else "")
        typer.echo(f"{where}: {f.severity} {f.rule}: \"{f.text}\" - {f.message}")
        if f.suggestion:
            typer.echo(f"    try: {f.suggestion}")
    counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
    typer.echo(", ".join(f"{n} {s}(s)" for s, n in counts.items() if n))
