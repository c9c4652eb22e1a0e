"""Blameless linter vs alex on labelled sentences: precision/recall on "blameful", false flags on "blameless".

    python benchmarks/bench_blameless.py [DATASET.jsonl ...] [--alex-dir benchmarks/_node] [--install-alex]

Each dataset line is {"text": ..., "label": "blameful"|"blameless"}. The default dataset is
../shared/data/blameless_dev.jsonl (read in place, never copied). A sentence counts as flagged by
our linter when it has an error- or warning-severity finding (the `errors only` row counts errors
alone); by alex when alex reports any message. alex runs with node from --alex-dir; --install-alex
runs `npm install alex` there first.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.checks.blameless import lint_text  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "blameless_dev.jsonl"
ALEX_SCRIPT = """
import {text} from 'alex';
import {readFileSync} from 'fs';
const sentences = JSON.parse(readFileSync(0, 'utf8'));
console.log(JSON.stringify(sentences.map(s => text(s).messages.map(m => m.ruleId))));
"""


def load(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r.get("label") in ("blameful", "blameless")]


def ours(rows: list[dict], severities: tuple[str, ...]) -> list[bool]:
    return [any(f.severity in severities for f in lint_text(r["text"])) for r in rows]


def alex(rows: list[dict], alex_dir: Path) -> list[bool] | None:
    """None when alex is not installed or node fails."""
    alex_dir = alex_dir.resolve()  # node runs with cwd=alex_dir, so a relative script path would double up
    if not (alex_dir / "node_modules" / "alex").is_dir():
        return None
    script = alex_dir / "bench_alex.mjs"
    script.write_text(ALEX_SCRIPT, encoding="utf-8")
    try:
        done = subprocess.run(["node", str(script)], input=json.dumps([r["text"] for r in rows]),
                              capture_output=True, text=True, timeout=300, cwd=alex_dir)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        print(f"alex failed: {done.stderr.strip()[:300]}", file=sys.stderr)
        return None
    return [bool(ids) for ids in json.loads(done.stdout)]


def install_alex(alex_dir: Path) -> None:
    alex_dir.mkdir(parents=True, exist_ok=True)
    (alex_dir / ".gitignore").write_text("*\n", encoding="utf-8")  # node_modules never enters the repo
    if not (alex_dir / "package.json").exists():
        (alex_dir / "package.json").write_text('{"private": true}\n', encoding="utf-8")
    done = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "alex@11"], cwd=alex_dir,
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        print(f"npm install alex failed: {done.stderr.strip()[:500]}", file=sys.stderr)


def scores(rows: list[dict], flagged: list[bool]) -> dict[str, float | int]:
    pairs = list(zip((r["label"] == "blameful" for r in rows), flagged))
    tp = sum(b and f for b, f in pairs)
    fp = sum(not b and f for b, f in pairs)
    fn = sum(b and not f for b, f in pairs)
    tn = sum(not b and not f for b, f in pairs)
    return {
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "false_flag_rate": fp / (fp + tn) if fp + tn else 0.0,
        "tp": tp, "fp": fp, "fn": fn, "tn": tn,
    }


def table(name: str, rows: list[dict], columns: dict[str, dict | None]) -> str:
    n_bad = sum(r["label"] == "blameful" for r in rows)
    out = [f"{name}: {len(rows)} sentences ({n_bad} blameful, {len(rows) - n_bad} blameless)",
           f"{'metric':<22}" + "".join(f"{c:>20}" for c in columns)]
    for key in ("precision", "recall", "false_flag_rate", "tp", "fp", "fn", "tn"):
        cells = []
        for s in columns.values():
            if s is None:
                cells.append(f"{'n/a':>20}")
            elif isinstance(s[key], float):
                cells.append(f"{s[key]:>20.3f}")
            else:
                cells.append(f"{s[key]:>20d}")
        out.append(f"{key:<22}" + "".join(cells))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("datasets", nargs="*", type=Path, default=[DEFAULT_DATA])
    ap.add_argument("--alex-dir", type=Path, default=ROOT / "benchmarks" / "_node")
    ap.add_argument("--install-alex", action="store_true")
    ap.add_argument("--misses", action="store_true", help="print the sentences we get wrong")
    args = ap.parse_args(argv)
    if args.install_alex:
        install_alex(args.alex_dir)
    for path in args.datasets:
        rows = load(path)
        flagged = ours(rows, ("error", "warning"))
        alex_flags = alex(rows, args.alex_dir)
        columns = {
            "postmortem lint": scores(rows, flagged),
            "(errors only)": scores(rows, ours(rows, ("error",))),
            "alex": scores(rows, alex_flags) if alex_flags is not None else None,
        }
        print(table(path.name, rows, columns))
        if alex_flags is None:
            print("alex: not available (run with --install-alex, needs node and npm)")
        if args.misses:
            for r, f in zip(rows, flagged):
                if f != (r["label"] == "blameful"):
                    print(f"  {'FALSE FLAG' if f else 'MISS':<10} {r['text'][:110]}")
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
