"""The `postmortem eval` command: score drafts against gold answers, offline by default."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from agent.errors import CheckFailed, UsageError


def register(app: typer.Typer) -> None:
    """Add this module's command(s) to the app."""
    app.command("eval")(eval_command)


def eval_command(
    dataset: Path = typer.Argument(..., help="folder of cases: subdirectories each holding a bundle and gold.yaml"),
    llm: str = typer.Option(None, "--llm", help="draft with this model and add the LLM judge (default: offline)"),
    llm_base_url: str = typer.Option(None, "--llm-base-url", help="OpenAI-compatible endpoint"),
    repeat: int = typer.Option(1, "--repeat", min=1, help="draft each case N times and average"),
    out: Path = typer.Option(Path("out/eval"), "--out", help="where scorecard.md, scorecard.json and drafts go"),
    min_score: float = typer.Option(None, "--min-score", help="exit 3 when the overall score is below this"),
    compare: Path = typer.Option(None, "--compare", help="an earlier scorecard.json: show better/worse per metric"),
    jobs: int = typer.Option(4, "--jobs", min=1, help="cases drafted in parallel"),
    as_json: bool = typer.Option(False, "--json", help="print scorecard.json to stdout"),
) -> None:
    """Draft every case of DATASET offline, score the drafts with deterministic scorers and write a scorecard.

    With --llm the drafts use the model and an LLM judge adds a rubric score, reported separately."""
    from agent.evaluation.harness import run_eval
    from agent.evaluation.judge import make_judge
    from agent.settings import Settings

    if min_score is not None and not 0 <= min_score <= 1:
        raise UsageError(f"--min-score {min_score}: give a number between 0 and 1")
    settings = Settings.from_env(llm=llm, llm_base_url=llm_base_url)
    card, _ = run_eval(dataset, out_dir=out, settings=settings, judge=make_judge(settings), repeat=repeat,
                       jobs=jobs, compare_with=compare)
    overall = card["aggregate"].get("overall") or 0.0
    if as_json:
        typer.echo(json.dumps(card, indent=2, default=str))
    else:
        typer.echo((out / "scorecard.md").read_text())
        typer.echo(f"Scorecard: {out / 'scorecard.md'} (also scorecard.json)", err=True)
    if min_score is not None and overall < min_score:
        raise CheckFailed(f"overall eval score {overall:.3f} is below --min-score {min_score}")
