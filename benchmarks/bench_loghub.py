"""Grouping accuracy of our template miner on the 16 Loghub 2k samples, against Drain's published values.

    .venv/bin/python benchmarks/bench_loghub.py /work/shared/data/loghub [--drain3]

Input: for each dataset, the ``Content`` column of ``<name>_2k.log_structured.csv`` (the message after
the dataset's header, which is exactly what the Loghub benchmark extracts with its per-dataset
``log_format`` regex). No per-dataset masking regexes and no per-dataset thresholds are used: the same
miner settings run on every dataset. Metric: the standard Loghub grouping accuracy (a line is correct
iff the set of lines in its predicted group equals the set of lines in its true group).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import defaultdict
from pathlib import Path

from agent.evidence.drain import TemplateMiner

# Drain's published grouping accuracy (Zhu et al., "Tools and Benchmarks for Automated Log Parsing", ICSE-SEIP 2019).
PUBLISHED_DRAIN = {
    "HDFS": 0.998, "Hadoop": 0.948, "Spark": 0.920, "Zookeeper": 0.967, "BGL": 0.963, "HPC": 0.887,
    "Thunderbird": 0.955, "Windows": 0.997, "Linux": 0.690, "Android": 0.911, "HealthApp": 0.780,
    "Apache": 1.000, "Proxifier": 0.527, "OpenSSH": 0.788, "OpenStack": 0.733, "Mac": 0.787,
}


def load(root: Path, name: str) -> tuple[list[str], list[str]]:
    path = root / name / f"{name}_2k.log_structured.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [r["Content"] for r in rows], [r["EventId"] for r in rows]


def grouping_accuracy(truth: list[str], predicted: list) -> float:
    """Loghub's metric: lines whose predicted group is exactly their true group, over all lines."""
    true_groups: dict[str, set[int]] = defaultdict(set)
    pred_groups: dict[object, set[int]] = defaultdict(set)
    for i, (t, p) in enumerate(zip(truth, predicted)):
        true_groups[t].add(i)
        pred_groups[p].add(i)
    correct = 0
    for members in pred_groups.values():
        first = truth[next(iter(members))]
        if true_groups[first] == members:
            correct += len(members)
    return correct / len(truth)


def ours(lines: list[str]) -> list[int]:
    miner = TemplateMiner()
    return [miner.add(line).id for line in lines]


def drain3_ids(lines: list[str]) -> list[int]:
    from drain3 import TemplateMiner as D3
    from drain3.template_miner_config import TemplateMinerConfig

    cfg = TemplateMinerConfig()
    cfg.profiling_enabled = False
    miner = D3(config=cfg)
    return [miner.add_log_message(line)["cluster_id"] for line in lines]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("loghub", type=Path, help="path to the loghub folder (holds <Name>/<Name>_2k.log_structured.csv)")
    ap.add_argument("--drain3", action="store_true", help="also run drain3 (default settings) on the same content")
    args = ap.parse_args(argv)
    header = f"{'dataset':<12} {'ours':>6} {'Drain(pub)':>10} {'delta':>7}" + (f" {'drain3':>7}" if args.drain3 else "")
    print(header)
    print("-" * len(header))
    mine, pub, d3s, worse = [], [], [], []
    started = time.perf_counter()
    for name, published in PUBLISHED_DRAIN.items():
        lines, truth = load(args.loghub, name)
        acc = grouping_accuracy(truth, ours(lines))
        mine.append(acc)
        pub.append(published)
        row = f"{name:<12} {acc:>6.3f} {published:>10.3f} {acc - published:>+7.3f}"
        if args.drain3:
            d3 = grouping_accuracy(truth, drain3_ids(lines))
            d3s.append(d3)
            row += f" {d3:>7.3f}"
        if round(acc, 3) < published:
            worse.append(name)
        print(row)
    print("-" * len(header))
    avg = f"{'average':<12} {sum(mine) / len(mine):>6.3f} {sum(pub) / len(pub):>10.3f} {(sum(mine) - sum(pub)) / len(mine):>+7.3f}"
    print(avg + (f" {sum(d3s) / len(d3s):>7.3f}" if d3s else ""))
    print(f"datasets below Drain's published value: {', '.join(worse) or 'none'}"
          f"   ({time.perf_counter() - started:.1f}s)")
    return 1 if worse else 0


if __name__ == "__main__":
    sys.exit(main())
