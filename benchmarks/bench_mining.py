"""Template mining throughput, ours against drain3, on the same 1M-line file, in one run.

    .venv/bin/python benchmarks/bench_mining.py [--lines 1000000]

The file is the generated bundle's logs concatenated (benchmarks/_data/large; run gen_bundle.py
first). Both miners get the same message text (the line after its timestamp and level, split off
with str.split, outside the timed part). Times are CPU seconds of this process (time.process_time),
so other load on the machine does not skew the ratios. drain3 runs with masks for ips, numbers and hex (the usual
configuration) and once without. Python's bare ``for line in f`` is the floor.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from agent.evidence.drain import TemplateMiner

DATA = Path(__file__).parent / "_data" / "large"


def messages(limit: int) -> list[str]:
    out: list[str] = []
    for f in sorted(DATA.glob("*.log")) + sorted(DATA.glob("*.jsonl")):
        with f.open(encoding="utf-8") as fh:
            for line in fh:
                parts = line.rstrip("\n").split(" ", 2)
                out.append(parts[-1])
                if len(out) >= limit:
                    return out
    return out


def bare_read(limit: int) -> float:
    t = time.process_time()
    n = 0
    for f in sorted(DATA.glob("*.log")) + sorted(DATA.glob("*.jsonl")):
        with f.open(encoding="utf-8") as fh:
            for _ in fh:
                n += 1
                if n >= limit:
                    return time.process_time() - t
    return time.process_time() - t


def ours(msgs: list[str]) -> tuple[float, int]:
    t = time.process_time()
    m = TemplateMiner()
    for x in msgs:
        m.add(x)
    return time.process_time() - t, len(m.clusters)


def drain3(msgs: list[str], masks: bool) -> tuple[float, int]:
    from drain3 import TemplateMiner as D3
    from drain3.masking import MaskingInstruction
    from drain3.template_miner_config import TemplateMinerConfig

    cfg = TemplateMinerConfig()
    cfg.profiling_enabled = False
    if masks:
        cfg.masking_instructions = [
            MaskingInstruction(r"((?<=[^A-Za-z0-9])|^)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})((?=[^A-Za-z0-9])|$)", "IP"),
            MaskingInstruction(r"((?<=[^A-Za-z0-9])|^)(0x[a-f0-9A-F]+)((?=[^A-Za-z0-9])|$)", "HEX"),
            MaskingInstruction(r"((?<=[^A-Za-z0-9])|^)([\-\+]?\d+)((?=[^A-Za-z0-9])|$)", "NUM"),
        ]
    m = D3(config=cfg)
    t = time.process_time()
    for x in msgs:
        m.add_log_message(x)
    return time.process_time() - t, len(m.drain.clusters)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    args = ap.parse_args()
    msgs = messages(args.lines)
    n = len(msgs)
    floor = bare_read(n)
    t_ours, c_ours = ours(msgs)
    t_d3m, c_d3m = drain3(msgs, True)
    t_d3, c_d3 = drain3(msgs, False)
    rows = [("python `for line in f`", floor, None), ("ours (masks on)", t_ours, c_ours),
            ("drain3 with masks", t_d3m, c_d3m), ("drain3 without masks", t_d3, c_d3)]
    print(f"{n:,} lines")
    print(f"{'what':<24} {'cpu s':>8} {'lines/s':>12} {'templates':>10}")
    for name, t, c in rows:
        print(f"{name:<24} {t:>8.2f} {n / t:>12,.0f} {'' if c is None else c:>10}")
    print(f"ratio ours / drain3 with masks:    {t_d3m / t_ours:.1f}x faster (target >= 5x)")
    print(f"ratio ours / drain3 without masks: {t_d3 / t_ours:.1f}x faster")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
