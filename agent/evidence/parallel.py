"""Mine several log files in parallel processes and merge their template tables.

It pays when there are several big files and more than one core: parsing timestamps is most of the
cost and is independent per file. Each worker returns only its bounded template table; the tables
are merged by mining the templates themselves into one miner, in bundle order (deterministic).
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path

from agent.evidence.drain import TemplateMiner
from agent.evidence.logs import (
    MAX_COMMANDS,
    LogAnalysis,
    Template,
    TemplateStats,
    Window,
    analyze,
)

MIN_BYTES = 32 * 1024 * 1024  # below this the process start-up costs more than it saves


def worth_it(paths: list[str]) -> int:
    """Worker count to use, or 0 to stay in this process."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if cpus < 2 or len(paths) < 2:
        return 0
    size = sum(Path(p).stat().st_size for p in paths if Path(p).exists())
    return min(cpus, len(paths)) if size >= MIN_BYTES else 0


def _one(args: tuple) -> LogAnalysis:
    src, window = args
    return analyze([src], window=window)


def analyze_parallel(sources: list, *, window: Window, workers: int) -> LogAnalysis:
    """Mine ``sources`` in ``workers`` processes and wait for the merged result."""
    return start(sources, window=window, workers=workers).result()


def start(sources: list, *, window: Window, workers: int) -> Mining:
    """Start mining in ``workers`` processes and return at once; ``result()`` collects. Call it before
    the process has any thread (fork safety): the workers are forked here, all of them, up front.

    Fork-based where the platform has it (spawn would re-run a caller's unguarded __main__); a pool
    that breaks falls back to mining in this process, and says so."""
    order = sorted(range(len(sources)), key=lambda i: -_size(sources[i].abs_path))  # big files first
    method = "fork" if "fork" in get_all_start_methods() else "spawn"
    job = Mining(sources, window, workers)
    try:
        job.pool = ProcessPoolExecutor(workers, mp_context=get_context(method))
        job.futures = {i: job.pool.submit(_one, (sources[i], window)) for i in order}
    except (BrokenProcessPool, OSError) as exc:
        job.failed = exc
    return job


class Mining:
    """Log mining running in worker processes while the caller does other work."""

    def __init__(self, sources: list, window: Window, workers: int):
        self.sources, self.window, self.workers = sources, window, workers
        self.pool: ProcessPoolExecutor | None = None
        self.futures: dict[int, Future] = {}
        self.failed: BaseException | None = None

    def result(self) -> LogAnalysis:
        """The merged analysis, in bundle order (deterministic); mined here if the pool broke."""
        try:
            if self.failed is None:
                done = {i: f.result() for i, f in self.futures.items()}
        except (BrokenProcessPool, OSError) as exc:
            self.failed = exc
        finally:
            self.close()
        if self.failed is not None:
            res = analyze(self.sources, window=self.window)
            res.problems.append(f"parallel log mining failed ({type(self.failed).__name__}); mined in one process")
            return res
        return merge([done[i] for i in range(len(self.sources))])

    def close(self) -> None:
        """Stop the pool (cancelling what has not started); safe to call twice."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def merge(parts: list[LogAnalysis]) -> LogAnalysis:
    miner = TemplateMiner()
    out = LogAnalysis()
    merged: dict[int, TemplateStats] = {}
    counts: dict[int, int] = {}
    for part in parts:
        _totals(out, part)
        for t in sorted(part.templates, key=lambda t: t.id):
            cluster = miner.add(t.template)
            counts[cluster.id] = counts.get(cluster.id, 0) + t.count
            st = merged.get(cluster.id)
            merged[cluster.id] = t.stats if st is None else _combine(st, t.stats)
            merged[cluster.id].id = cluster.id
        out.commands.extend(part.commands)
    out.commands = sorted(out.commands, key=lambda s: (s.time is None, s.time or 0, s.file, s.line))[:MAX_COMMANDS]
    out.templates = sorted((Template(c.id, c.template, counts[c.id], merged[c.id]) for c in miner.clusters
                            if c.id in merged), key=lambda t: (-t.count, t.id))
    return out


def _totals(out: LogAnalysis, part: LogAnalysis) -> None:
    out.records += part.records
    out.lines += part.lines
    out.files += part.files
    out.problems.extend(part.problems)
    for attr, pick in (("first_time", min), ("last_time", max)):
        a, b = getattr(out, attr), getattr(part, attr)
        setattr(out, attr, b if a is None else a if b is None else pick(a, b))


def _earlier(a, b):
    if a is None or (b is not None and b.time is not None and (a.time is None or b.time < a.time)):
        return b
    return a


def _combine(a: TemplateStats, b: TemplateStats) -> TemplateStats:
    rank = {None: 0, "debug": 0, "info": 1, "warning": 2, "error": 3, "critical": 4}
    a.level = a.level if rank[a.level] >= rank[b.level] else b.level
    a.baseline += b.baseline
    a.incident += b.incident
    a.first = _earlier(a.first, b.first)
    a.first_incident = _earlier(a.first_incident, b.first_incident)
    if b.last_time is not None and (a.last_time is None or b.last_time > a.last_time):
        a.last_time, a.last_file, a.last_line = b.last_time, b.last_file, b.last_line
    a.examples = (a.examples + b.examples)[:3]
    for minute, n in b.minutes.items():
        a.minutes[minute] = a.minutes.get(minute, 0) + n
    a.exception = a.exception or b.exception
    a.services |= b.services
    return a
