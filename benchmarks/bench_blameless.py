"""Blameless linter vs alex on labelled sentences: precision/recall on "blameful", false flags on "blameless".

    python benchmarks/bench_blameless.py [DATASET.jsonl ...] [--alex-dir benchmarks/_node] [--install-alex]
    python benchmarks/bench_blameless.py benchmarks/heldout*_blameless.jsonl --summary [--no-learned]
    python benchmarks/bench_blameless.py --chat benchmarks/_data/bundle_1000000/slack-history.json

Each dataset line is {"text": ..., "label": "blameful"|"blameless"}. The default dataset is
../shared/data/blameless_dev.jsonl (read in place, never copied). A sentence counts as flagged by
our linter when it has an error- or warning-severity finding (the `errors only` column counts errors
alone; `--no-learned` is the rules without the learned check); by alex when alex reports any
message. alex runs with node from --alex-dir; --install-alex runs `npm install alex` there first. --summary prints one line per dataset plus the combined
numbers; --chat times flag_chat on a Slack export with and without the rule prefilter (same run,
so the ratio is meaningful on a noisy machine) and checks that both give the same flags.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.checks.blameless import flag_chat, lint_text  # noqa: E402
from agent.models import ChatMessage  # noqa: E402

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


def ours(rows: list[dict], severities: tuple[str, ...], config: dict | None = None) -> list[bool]:
    return [any(f.severity in severities for f in lint_text(r["text"], config=config)) for r in rows]


RULES_ONLY = {"disable": ["blame-model"]}


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


def summary(paths: list[Path], learned: bool = True) -> None:
    """One line per dataset, then all of them together."""
    total = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    for path in paths:
        rows = load(path)
        s = scores(rows, ours(rows, ("error", "warning"), None if learned else RULES_ONLY))
        total = {k: total[k] + s[k] for k in total}
        print(_line(path.name, s))
    tp, fp, fn, tn = (total[k] for k in ("tp", "fp", "fn", "tn"))
    print(_line("COMBINED", {**total, "recall": tp / (tp + fn) if tp + fn else 0.0,
                             "false_flag_rate": fp / (fp + tn) if fp + tn else 0.0}))


def _line(name: str, s: dict) -> str:
    return (f"{name:<30} recall {s['recall']:.3f} ({s['tp']}/{s['tp'] + s['fn']})   "
            f"false flags {s['false_flag_rate']:.3f} ({s['fp']}/{s['fp'] + s['tn']})")


def chat_speed(path: Path) -> None:
    """flag_chat with and without the prefilter on one Slack export, timed in the same run."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    msgs = [ChatMessage(ts=m["ts"], time=datetime.fromtimestamp(float(m["ts"]), timezone.utc), channel="incident",
                        user=m.get("user"), text=m.get("text", ""), source_file=path.name)
            for m in doc.get("messages", []) if m.get("text")]
    flag_chat(msgs[:10])  # load rules, names and prefilters outside the timing
    timed = {}
    for label, on in (("with prefilter", True), ("without prefilter", False)):
        start = time.perf_counter()
        timed[label] = (flag_chat(msgs, prefilter=on), time.perf_counter() - start)
    (fast, t_fast), (slow, t_slow) = timed["with prefilter"], timed["without prefilter"]
    print(f"flag_chat on {len(msgs)} messages: {t_fast:.3f} s with prefilter, {t_slow:.3f} s without "
          f"({t_slow / t_fast:.1f}x); flags {len(fast)} vs {len(slow)}, identical: {fast == slow}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("datasets", nargs="*", type=Path, default=[DEFAULT_DATA])
    ap.add_argument("--alex-dir", type=Path, default=ROOT / "benchmarks" / "_node")
    ap.add_argument("--install-alex", action="store_true")
    ap.add_argument("--misses", action="store_true", help="print the sentences we get wrong")
    ap.add_argument("--summary", action="store_true", help="one line per dataset plus the combined numbers")
    ap.add_argument("--no-learned", dest="learned", action="store_false",
                    help="--summary with the rules alone (lint --no-learned)")
    ap.add_argument("--chat", type=Path, help="time flag_chat on this Slack export instead")
    args = ap.parse_args(argv)
    if args.chat:
        chat_speed(args.chat)
        return 0
    if args.summary:
        summary(args.datasets, args.learned)
        return 0
    if args.install_alex:
        install_alex(args.alex_dir)
    for path in args.datasets:
        rows = load(path)
        flagged = ours(rows, ("error", "warning"))
        alex_flags = alex(rows, args.alex_dir)
        columns = {
            "postmortem lint": scores(rows, flagged),
            "(errors only)": scores(rows, ours(rows, ("error",))),
            "lint --no-learned": scores(rows, ours(rows, ("error", "warning"), RULES_ONLY)),
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
