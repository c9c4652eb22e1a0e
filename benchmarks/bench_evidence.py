"""Evidence engine at scale: full offline run vs reading the lines, scaling 250k -> 1M lines, and the
evidence-pack size at 10k/100k/1M lines. Every figure below is measured in this one run.

    .venv/bin/python benchmarks/bench_evidence.py [--draft] [--repeat N]

Bundles are generated into benchmarks/_data/ (gen_bundle.py). Each measurement runs in a fresh
subprocess so its peak RSS is its own. Default: load + evidence (agent.sources.load_bundle +
agent.evidence.build); --draft measures agent.run_postmortem (the full offline draft) instead. The log
stage alone (the evidence stage's template mining, in parallel processes where it pays) is timed too.
The headline ratio runs reading and the full run alternately ``--repeat`` times (default 3) and reports
the median pair, since one run on a shared 2-core machine can be off by half.

The package is byte-compiled first (compileall), as an installed package is: under
PYTHONDONTWRITEBYTECODE=1 Python would otherwise compile every module from source on every run,
which is start-up cost no user of an installed tool pays.
"""

from __future__ import annotations

import argparse
import compileall
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "_data"
sys.path.insert(0, str(ROOT / "benchmarks"))

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
root, mode = Path(sys.argv[1]), sys.argv[2]
def cpu():
    ru, rc = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime + rc.ru_utime + rc.ru_stime
t = time.perf_counter()
if mode == "read":
    n = 0
    for f in sorted(root.iterdir()):
        if f.suffix in (".log", ".jsonl", ".json", ".yaml"):
            with f.open("rb") as fh:
                for _ in fh:
                    n += 1
    out = {"lines": n}
elif mode == "logs":
    from agent.sources.bundle import load_bundle
    from agent.evidence import events as ev, parallel
    from agent.evidence.logs import analyze
    b = load_bundle(root)
    win = ev.window(b, ev.dedupe(b.events))
    t, c = time.perf_counter(), cpu()  # as agent.evidence.build mines them
    workers = parallel.worth_it([s.abs_path for s in b.logs])
    res = parallel.analyze_parallel(b.logs, window=win, workers=workers) if workers else analyze(b.logs, window=win)
    out = {"templates": len(res.templates), "records": res.records, "stage_cpu_s": cpu() - c, "workers": workers}
elif mode == "draft":
    import tempfile
    from agent import run_postmortem
    with tempfile.TemporaryDirectory() as d:
        pm = run_postmortem(str(root), out_dir=d)
    out = {"evidence": len(pm.evidence)}
else:
    from agent.sources.bundle import load_bundle
    from agent import evidence
    b = load_bundle(root)
    t_load = time.perf_counter() - t
    p = evidence.build(b)
    kinds = {e.kind for e in p.events if e.evidence_id}
    need = {"alert_firing"} | ({"page"} if any(e.kind == "page" for e in p.events) else set())
    out = {"load_s": t_load, "tokens": p.token_count, "evidence": len(p.evidence), "dropped": p.dropped,
           "phase_kept": need <= kinds, "findings": len(p.findings)}
out["seconds"] = time.perf_counter() - t
ru, rc = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
out["cpu_s"] = ru.ru_utime + ru.ru_stime + rc.ru_utime + rc.ru_stime
out["rss_mib"] = max(ru.ru_maxrss, rc.ru_maxrss) / 1024
print(json.dumps(out))
"""


def ensure(lines: int) -> Path:
    from gen_bundle import generate

    path = DATA / f"bundle_{lines}"
    if not (path / "incident.yaml").exists():
        generate(path, lines=lines, points=10_000 if lines >= 1_000_000 else 2_000)
    return path


def run(path: Path, mode: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(path), mode], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode:
        raise SystemExit(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _pairs(path: Path, mode: str, n: int) -> list[tuple[dict, dict]]:
    """``n`` (read, full) runs, alternating so both see the same machine load; sorted by wall ratio."""
    pairs = [(run(path, "read"), run(path, mode)) for _ in range(n)]
    return sorted(pairs, key=lambda p: p[1]["seconds"] / p[0]["seconds"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draft", action="store_true", help="time agent.run_postmortem instead of load+evidence")
    ap.add_argument("--repeat", type=int, default=3,
                    help="read/full pairs to run alternately for the headline ratio (median pair; default 3)")
    args = ap.parse_args()
    mode = "draft" if args.draft else "evidence"
    compileall.compile_dir(str(ROOT / "agent"), quiet=1)
    sizes = [10_000, 100_000, 250_000, 1_000_000]
    paths = {n: ensure(n) for n in sizes}
    res = {n: run(paths[n], "evidence") for n in sizes}
    logs = run(paths[1_000_000], "logs")
    pairs = _pairs(paths[1_000_000], "draft" if args.draft else "evidence", max(1, args.repeat))
    read, full = pairs[len(pairs) // 2]  # the median pair by wall ratio: one noisy run cannot decide it
    print(f"{'lines':>10} {'load+evidence s':>16} {'cpu s':>7} {'of which load s':>16} {'peak RSS MiB':>13} "
          f"{'pack tokens':>12} {'evidence':>9} {'dropped':>8} {'phase kept':>10}")
    for n in sizes:
        r = res[n]
        print(f"{n:>10,} {r['seconds']:>16.2f} {r['cpu_s']:>7.2f} {r['load_s']:>16.2f} {r['rss_mib']:>13.0f} "
              f"{r['tokens']:>12,} {r['evidence']:>9} {r['dropped']:>8} {str(r['phase_kept']):>10}")
    print()
    print(f"{len(pairs)} alternating pairs (read, then {mode}) of the 1M bundle, wall ratios: "
          + ", ".join(f"{f['seconds'] / r['seconds']:.1f}x" for r, f in pairs) + "; the median pair:")
    print(f"read the 1M bundle's lines (python, bytes): {read['seconds']:.2f} s wall, {read['cpu_s']:.2f} s cpu")
    what = "full offline draft" if args.draft else "load + evidence"
    print(f"{what} of the 1M bundle: {full['seconds']:.2f} s wall -> {full['seconds'] / read['seconds']:.1f}x reading "
          f"(target <= 10x); cpu {full['cpu_s']:.2f} s -> {full['cpu_s'] / max(read['cpu_s'], 1e-3):.1f}x")
    print(f"log stage alone (template mining, {logs['records']:,} records, {logs['workers']} worker processes): "
          f"{logs['seconds']:.2f} s wall, {logs['stage_cpu_s']:.2f} s cpu (parent and workers)")
    ratio = res[1_000_000]["seconds"] / res[250_000]["seconds"]
    cpu_ratio = res[1_000_000]["cpu_s"] / res[250_000]["cpu_s"]
    print(f"scaling 250k -> 1M lines: time ratio {ratio:.2f} wall, {cpu_ratio:.2f} cpu (target <= 4.4), peak RSS at 1M "
          f"{res[1_000_000]['rss_mib']:.0f} MiB (target <= 1024)")
    ok = all(r["tokens"] <= 8000 and r["phase_kept"] for n, r in res.items() if n in (10_000, 100_000, 1_000_000))
    print(f"pack <= 8k tokens with phase events kept at 10k/100k/1M: {ok}")


if __name__ == "__main__":
    main()
