"""Aggregate case results into scorecard.json and scorecard.md, and compare two scorecards."""

from __future__ import annotations

import json
import os
import statistics
import tempfile
from pathlib import Path

from agent.errors import UsageError
from agent.evaluation.runner import CaseResult

FORMAT = "postmortem-eval/1"
LOWER_IS_BETTER = {"start_err_min", "detect_err_min", "mitigate_err_min", "resolve_err_min", "duration_err_min",
                   "secret_leaks", "blameful_extra_flags", "distractor_blamed", "overall_stdev"}
SUMMARY_ORDER = ("overall", "times_within_tol", "start_err_min", "detect_err_min", "mitigate_err_min",
                 "resolve_err_min", "duration_err_min", "event_recall", "event_precision", "category_ok",
                 "category_exact", "trigger_found", "trigger_in_any_why", "factor_coverage", "theme_coverage", "blameful_recall",
                 "blameful_extra_flags", "grounding_rate", "schema_valid", "sections_present", "severity_ok",
                 "secret_leaks", "distractor_blamed")


def aggregate(results: list[CaseResult]) -> dict[str, float | None]:
    """Mean of each metric over the cases that have it; a crashed case counts 0 overall."""
    keys = [k for k in SUMMARY_ORDER if any(k in r.metrics for r in results)]
    keys += sorted({k for r in results for k in r.metrics} - set(keys))
    out: dict[str, float | None] = {}
    for key in keys:
        vals = [r.metrics[key] for r in results if r.metrics.get(key) is not None]
        out[key] = round(statistics.fmean(vals), 4) if vals else None
    out["cases"] = float(len(results))
    out["errors"] = float(sum(r.error is not None for r in results))
    return out


def judge_aggregate(results: list[CaseResult]) -> dict[str, float]:
    keys = sorted({k for r in results for k in r.judge})
    return {k: round(statistics.fmean([r.judge[k] for r in results if k in r.judge]), 4) for k in keys}


def build(results: list[CaseResult], *, dataset: str, settings: dict) -> dict:
    card = {"format": FORMAT, "dataset": dataset, "settings": settings, "aggregate": aggregate(results),
            "cases": [r.to_dict() for r in results]}
    if any(r.judge for r in results):
        card["judge"] = judge_aggregate(results)
    return card


def load(path: Path) -> dict:
    try:
        card = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path}: cannot read scorecard to compare with: {exc}") from exc
    if not isinstance(card, dict) or "aggregate" not in card:
        raise UsageError(f"{path}: not a scorecard.json (no 'aggregate' key)")
    return card


def compare(new: dict, old: dict) -> list[dict]:
    """Per aggregate metric and per case overall: old, new, delta and better/worse/same."""
    rows = [_delta(k, old["aggregate"].get(k), v) for k, v in new["aggregate"].items() if k not in ("cases", "errors")]
    old_cases = {c["name"]: c for c in old.get("cases", [])}
    for case in new["cases"]:
        prev = old_cases.get(case["name"])
        if prev is not None:
            rows.append(_delta(f"{case['name']}: overall", prev["metrics"].get("overall"), case["metrics"].get("overall")))
    return rows


def _delta(metric: str, old: float | None, new: float | None) -> dict:
    if old is None or new is None:
        return {"metric": metric, "old": old, "new": new, "delta": None, "verdict": "n/a"}
    delta = round(new - old, 4)
    sign = -1 if metric.split(": ")[-1] in LOWER_IS_BETTER else 1
    verdict = "same" if abs(delta) < 1e-9 else ("better" if delta * sign > 0 else "worse")
    return {"metric": metric, "old": old, "new": new, "delta": delta, "verdict": verdict}


def _fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3f}".rstrip("0").rstrip(".") if v != int(v) else str(int(v))
    return str(v)


def render_markdown(card: dict, comparison: list[dict] | None = None) -> str:
    agg = card["aggregate"]
    lines = [f"# Eval scorecard: {card['dataset']}", "",
             f"{int(agg['cases'])} cases, {int(agg['errors'])} failed to draft. LLM: `{card['settings'].get('llm')}`, "
             f"repeat {card['settings'].get('repeat', 1)}. Overall score **{_fmt(agg.get('overall'))}** "
             "(0-1, higher is better; see README section eval).", "", "## Summary", "", "| metric | mean |", "|---|---|"]
    lines += [f"| {k} | {_fmt(v)} |" for k, v in agg.items() if k not in ("cases", "errors")]
    if card.get("judge"):
        lines += ["", "## LLM judge (separate from the deterministic scores)", "", "| rubric | mean |", "|---|---|"]
        lines += [f"| {k} | {_fmt(v)} |" for k, v in card["judge"].items()]
    if comparison:
        lines += ["", "## Compared with the previous run", "", "| metric | old | new | delta | |", "|---|---|---|---|---|"]
        lines += [f"| {r['metric']} | {_fmt(r['old'])} | {_fmt(r['new'])} | {_fmt(r['delta'])} | {r['verdict']} |"
                  for r in comparison if r["verdict"] != "same"] or ["| (no change) | | | | |"]
    lines += _overview(card["cases"])
    lines += ["", "## Cases"] + [line for c in card["cases"] for line in _case_md(c)]
    return "\n".join(lines) + "\n"


OVERVIEW = ("overall", "times_within_tol", "event_recall", "category_ok", "trigger_found", "blameful_recall",
            "grounding_rate")


def _overview(cases: list[dict]) -> list[str]:
    head = ["", "## Per case", "", "| case | " + " | ".join(OVERVIEW) + " |", "|---" * (len(OVERVIEW) + 1) + "|"]
    return head + [f"| {c['name']} | " + " | ".join(_fmt(c["metrics"].get(k)) for k in OVERVIEW) + " |"
                   for c in cases]


def _case_md(case: dict) -> list[str]:
    out = ["", f"### {case['name']}", ""]
    if case.get("error"):
        return out + [f"Draft failed: `{case['error']}`"]
    out += ["| metric | value |", "|---|---|"]
    out += [f"| {k} | {_fmt(v)} |" for k, v in case["metrics"].items()]
    if case.get("judge"):
        out += [f"| judge: {k} | {_fmt(v)} |" for k, v in case["judge"].items()]
    notes = [(k, v) for k, v in case.get("details", {}).items() if v]
    if notes:
        out += [""] + [f"- **{k}**: {v if isinstance(v, str) else '; '.join(map(str, v))}" for k, v in notes]
    return out


def write(card: dict, out_dir: Path, comparison: list[dict] | None = None) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    if comparison is not None:
        card = {**card, "comparison": comparison}
    js, md = out_dir / "scorecard.json", out_dir / "scorecard.md"
    _atomic(js, json.dumps(card, indent=2, default=str) + "\n")
    _atomic(md, render_markdown(card, comparison))
    return js, md


def _atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)
