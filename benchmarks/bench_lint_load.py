"""Cold-start cost of the blameless linter on a chat: rules load, then flag_chat, each in a fresh process.

    python benchmarks/bench_lint_load.py [SLACK.json] [--runs 6] [--compare /path/to/other/checkout]

Each run is a new interpreter (the loaders cache per process), timed for wall and CPU. With --compare,
runs alternate between this checkout and the other one (same machine, same moments), and the medians
are printed side by side with their ratio: on a busy machine only the ratio means much.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CHAT = ROOT / "benchmarks" / "_data" / "bundle_1000000" / "slack-history.json"
KEYS = ("load_wall", "load_cpu", "flag_wall", "flag_cpu")

CHILD = """
import json, sys, time
from datetime import datetime, timezone
from agent.models import ChatMessage
from agent.checks import blameless, ruleset, subject
doc = json.loads(open(sys.argv[1], encoding="utf-8").read())
msgs = [ChatMessage(ts=m["ts"], time=datetime.fromtimestamp(float(m["ts"]), timezone.utc), channel="incident",
                    user=m.get("user"), text=m.get("text", ""), source_file="slack.json")
        for m in doc.get("messages", []) if m.get("text")]
w, c = time.perf_counter(), time.process_time()
ruleset.load_rules(); ruleset.rule_prefilter(); ruleset.load_lexicon(); ruleset.critique_patterns(); subject.first_names()
load = time.perf_counter() - w, time.process_time() - c
w, c = time.perf_counter(), time.process_time()
flags = blameless.flag_chat(msgs)
flag = time.perf_counter() - w, time.process_time() - c
print(json.dumps({"load_wall": load[0], "load_cpu": load[1], "flag_wall": flag[0], "flag_cpu": flag[1],
                  "messages": len(msgs), "flags": [f.model_dump(mode="json") for f in flags]}))
"""


def run_once(checkout: Path, chat: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    out = subprocess.run([sys.executable, "-c", CHILD, str(chat)], env=env, cwd="/", capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("chat", nargs="?", type=Path, default=DEFAULT_CHAT)
    ap.add_argument("--runs", type=int, default=6)
    ap.add_argument("--compare", type=Path, help="another checkout (e.g. a frozen baseline) to alternate with")
    args = ap.parse_args(argv)
    checkouts = [ROOT] + ([args.compare.resolve()] if args.compare else [])
    runs: dict[Path, list[dict]] = {c: [] for c in checkouts}
    for _ in range(args.runs):
        for checkout in checkouts:
            runs[checkout].append(run_once(checkout, args.chat.resolve()))
    medians = {c: {k: statistics.median(r[k] for r in rs) for k in KEYS} for c, rs in runs.items()}
    first = runs[ROOT][0]
    print(f"{args.chat}: {first['messages']} messages, {len(first['flags'])} flags; medians of {args.runs} runs (s)")
    print(f"{'checkout':<40} " + " ".join(f"{k:>10}" for k in KEYS))
    for checkout, med in medians.items():
        print(f"{str(checkout)[-40:]:<40} " + " ".join(f"{med[k]:>10.3f}" for k in KEYS))
    if args.compare:
        other = medians[checkouts[1]]
        print(f"{'ratio (other / this)':<40} " + " ".join(f"{other[k] / medians[ROOT][k]:>9.1f}x" for k in KEYS))
        same = runs[ROOT][0]["flags"] == runs[checkouts[1]][0]["flags"]
        print(f"flags identical: {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
