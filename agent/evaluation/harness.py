"""``run_eval``: the one call behind ``postmortem eval`` (and the CI floor test)."""

from __future__ import annotations

from pathlib import Path

from agent.evaluation import runner, scorecard
from agent.settings import Settings


def run_eval(dataset: str | Path, *, out_dir: str | Path, settings: Settings | None = None,
             draft: runner.Draft | None = None, judge: runner.Judge | None = None, repeat: int = 1, jobs: int = 4,
             compare_with: str | Path | None = None, executor: str = "process") -> tuple[dict, list[dict] | None]:
    """Draft and score every case of ``dataset``; write scorecard.json/.md to ``out_dir``.

    Returns the scorecard dict and, with ``compare_with``, the per-metric comparison rows.
    """
    settings = settings or Settings()
    dataset, out_dir = Path(dataset), Path(out_dir)
    old = scorecard.load(Path(compare_with)) if compare_with else None  # fail fast on a bad --compare file
    cases = runner.discover(dataset)
    results = runner.run_all(cases, out_dir / "cases", draft or runner.make_draft(settings), repeat=max(1, repeat),
                             jobs=jobs, judge=judge, executor=executor)
    card = scorecard.build(results, dataset=str(dataset), settings={"llm": settings.llm, "repeat": repeat})
    comparison = scorecard.compare(card, old) if old else None
    scorecard.write(card, out_dir, comparison)
    return card, comparison
