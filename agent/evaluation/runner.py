"""Run every case of a dataset: stage the bundle without its gold file, draft it, score it.

Cases run in parallel, at most ``jobs`` at a time, in worker processes (``spawn``) so one draft's
state can never leak into another's. The draft function is injected (tests pass fakes); by default it
is ``agent.run_postmortem`` with the given settings.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
import traceback
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import Callable

import yaml

from agent.errors import BundleError, UsageError
from agent.evaluation import scorers
from agent.evaluation.gold import GOLD_FILE, Gold, load_gold
from agent.models import Postmortem
from agent.settings import Settings

Draft = Callable[[Path, Path], Postmortem]  # (staged bundle dir, out dir) -> Postmortem
Judge = Callable[[Postmortem, Gold, str], dict[str, float]]


@dataclass
class Case:
    name: str
    path: Path
    gold: Gold | None
    distractors: list[str] = field(default_factory=list)
    error: str | None = None  # an unreadable gold file fails its case, not the whole eval


@dataclass
class CaseResult:
    name: str
    metrics: dict[str, float | None]
    details: dict = field(default_factory=dict)
    runs: list[dict[str, float | None]] = field(default_factory=list)
    judge: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


def discover(dataset: Path) -> list[Case]:
    """Every subdirectory holding a gold.yaml (or the dataset itself, if it is one case)."""
    dataset = Path(dataset)
    if not dataset.is_dir():
        raise UsageError(f"{dataset}: no such dataset directory; pass a folder of cases, each with {GOLD_FILE}")
    dirs = [dataset] if (dataset / GOLD_FILE).is_file() else sorted(
        p for p in dataset.iterdir() if p.is_dir() and (p / GOLD_FILE).is_file())
    if not dirs:
        raise UsageError(f"{dataset}: no case found; each case is a subdirectory holding a bundle and {GOLD_FILE}")
    return [_case(d) for d in dirs]


def _case(path: Path) -> Case:
    try:
        gold = load_gold(path / GOLD_FILE)
    except BundleError as exc:
        return Case(name=path.name, path=path, gold=None, error=str(exc))
    raw = yaml.safe_load((path / GOLD_FILE).read_text())
    extra = raw.get("distractors")
    return Case(name=path.name, path=path, gold=gold,
                distractors=[str(d) for d in extra] if isinstance(extra, list) else [])


def stage_bundle(case_dir: Path, dest: Path) -> Path:
    """Copy the bundle to ``dest`` without the case's gold file, so the agent can never read it."""
    root = case_dir.resolve()

    def ignore(directory: str, names: list[str]) -> list[str]:
        return [GOLD_FILE] if Path(directory).resolve() == root and GOLD_FILE in names else []

    shutil.copytree(root, dest, ignore=ignore)
    return dest


def default_draft(settings: Settings, bundle: Path, out_dir: Path) -> Postmortem:
    from agent import run_postmortem

    return run_postmortem(bundle, settings=settings, out_dir=out_dir)


def make_draft(settings: Settings) -> Draft:
    return partial(default_draft, settings)


def run_case(case: Case, out_root: Path, draft: Draft, repeat: int = 1, judge: Judge | None = None) -> CaseResult:
    """Draft and score one case ``repeat`` times; metrics are the mean over runs."""
    started, runs, details, judged = time.monotonic(), [], {}, {}
    if case.error:
        return CaseResult(case.name, {"overall": 0.0}, {"error": case.error}, error=case.error)
    try:
        for i in range(repeat):
            out_dir = out_root / case.name / (f"run{i + 1}" if repeat > 1 else "")
            metrics, det, pm, md = _one_run(case, out_dir, draft)
            runs.append(metrics)
            details = details or det
            if judge is not None and i == 0:
                judged = judge(pm, case.gold, md)
    except Exception as exc:  # a crashing draft is a result to report, not a reason to stop the eval
        tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return CaseResult(case.name, {"overall": 0.0}, {"error": tb}, runs, judged, tb, time.monotonic() - started)
    return CaseResult(case.name, _mean_runs(runs), details, runs if repeat > 1 else [], judged, None,
                      round(time.monotonic() - started, 2))


def _one_run(case: Case, out_dir: Path, draft: Draft):
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pm-eval-") as tmp:
        bundle = stage_bundle(case.path, Path(tmp) / case.name)
        pm = draft(bundle, out_dir)
        md_path, json_path = out_dir / "postmortem.md", out_dir / "postmortem.json"
        markdown = md_path.read_text() if md_path.is_file() else ""
        json_text = json_path.read_text() if json_path.is_file() else pm.model_dump_json()
        metrics, details = scorers.score_all(pm, case.gold, bundle=bundle, markdown=markdown, json_text=json_text,
                                             schema_errors=schema_errors(json_text),
                                             distractors=case.distractors)
    if not md_path.is_file():
        details["missing_sections"] = ["postmortem.md was not written"]
    return metrics, details, pm, markdown


def schema_errors(json_text: str) -> list[str]:
    """Validate postmortem.json against the pydantic model and the published JSON Schema, if present."""
    from pydantic import ValidationError

    try:
        Postmortem.model_validate_json(json_text)
    except ValidationError as exc:
        return [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
    return _jsonschema_errors(json_text)


def _jsonschema_errors(json_text: str) -> list[str]:
    import json

    schema_path = Path(__file__).resolve().parents[2] / "schemas" / "postmortem.schema.json"
    try:
        import jsonschema
    except ImportError:
        return []
    if not schema_path.is_file():
        return []
    validator = jsonschema.Draft202012Validator(json.loads(schema_path.read_text()))
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(json.loads(json_text))][:5]


def _mean_runs(runs: list[dict[str, float | None]]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for key in runs[0]:
        vals = [r[key] for r in runs if r.get(key) is not None]
        out[key] = round(statistics.fmean(vals), 4) if vals else None
    if len(runs) > 1:
        out["overall_stdev"] = round(statistics.pstdev([r["overall"] or 0 for r in runs]), 4)
    return out


def run_all(cases: list[Case], out_root: Path, draft: Draft, *, repeat: int = 1, jobs: int = 4,
            judge: Judge | None = None, executor: str = "process") -> list[CaseResult]:
    """Run cases in parallel (at most ``jobs`` at once); results in case order."""
    if jobs <= 1 or len(cases) == 1:
        return [run_case(c, out_root, draft, repeat, judge) for c in cases]
    with _pool(executor, min(jobs, len(cases))) as pool:
        futures = [pool.submit(run_case, c, out_root, draft, repeat, judge) for c in cases]
        return [f.result() for f in futures]


def _pool(kind: str, workers: int) -> Executor:
    if kind == "thread":
        return ThreadPoolExecutor(max_workers=workers)
    return ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
