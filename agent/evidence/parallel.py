"""Mine several log files in parallel processes and merge their template tables.

It pays when there are several big files and more than one core: parsing timestamps is most of the
cost and is independent per file. Each worker returns only its bounded template table; the tables
are merged by mining the templates themselves into one miner, in bundle order (deterministic).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from agent.evidence.drain import TemplateMiner
from agent.evidence.forked import Child, ChildLost, can_fork, cpus
from agent.evidence.logs import (
    MAX_COMMANDS,
    LogAnalysis,
    Template,
    TemplateStats,
    Window,
    analyze,
)

MIN_BYTES = 32 * 1024 * 1024  # below this the process start-up costs more than it saves
PER_CPU = 1  # children per worker: with the files on one queue, more children only cost more start-ups
MINER_NICE = 5  # this process's own work (load, analyses, lint) is the longer chain: it goes first
MAX_TASKS = 4096  # queue records (16 KiB): a pipe holds them without resizing; more files share a task


def worth_it(paths: list[str]) -> int:
    """Worker count to use, or 0 to stay in this process: small bundles, one core, or no safe fork
    (no fork on this platform, or a thread already running)."""
    if cpus() < 2 or len(paths) < 2 or not can_fork():
        return 0
    size = sum(Path(p).stat().st_size for p in paths if Path(p).exists())
    return min(cpus(), len(paths)) if size >= MIN_BYTES else 0


def _mine(sources: list, window: Window) -> list[LogAnalysis]:
    return [analyze([src], window=window) for src in sources]


def analyze_parallel(sources: list, *, window: Window, workers: int) -> LogAnalysis:
    """Mine ``sources`` in ``workers`` processes and wait for the merged result."""
    return start(sources, window=window, workers=workers).result()


def start(sources: list, *, window: Window, workers: int) -> Mining:
    """Start mining in forked children and return at once; ``result()`` collects.

    The files are tasks on a queue (``Tasks``), biggest first; each of the ``workers * PER_CPU``
    children takes the next one whenever it is done with its last, so the children end at about the
    same time whatever each file costs. They run at a lower priority (``MINER_NICE``) than this
    process, whose work meanwhile (parsing metrics and chat, the other analyses, the chat lint) is the
    longest chain of the draft; they take whatever CPU it leaves. When forking is not safe here (see
    ``worth_it``) or fails, everything is mined on ``result()``, and it says so."""
    job = Mining(sources, window, workers)
    if not can_fork():
        job.failed = "fork unavailable"
        return job
    try:
        groups = _groups(sorted(range(len(sources)), key=lambda i: -_size(sources[i].abs_path)))
        job.tasks = Tasks(list(range(len(groups))))
        for _ in range(min(workers * PER_CPU, len(groups))):
            job.children.append(Child(_take, job.tasks, groups, sources, window, nice=MINER_NICE))
    except OSError as exc:
        job.failed = type(exc).__name__
    return job


def _groups(order: list[int], most: int | None = None) -> list[list[int]]:
    """``order`` in at most ``most`` (MAX_TASKS) consecutive groups: one file each, unless there are more."""
    per = -(-len(order) // (most or MAX_TASKS)) if order else 1
    return [order[i:i + per] for i in range(0, len(order), per)]


def _take(tasks: Tasks, groups: list[list[int]], sources: list, window: Window) -> dict[int, LogAnalysis]:
    """The next group of files on the queue, mined, until there is none left."""
    done: dict[int, LogAnalysis] = {}
    while (g := tasks.take()) is not None:
        for i in groups[g]:
            done[i] = _mine([sources[i]], window)[0]
    return done


class Tasks:
    """Indexes of the files to mine, on a pipe filled (and its writing end closed) before the children
    fork. A ``take()`` reads one whole record, so no two processes get the same file; an empty pipe
    without a writer reads as EOF: nothing left."""

    SIZE = 4

    def __init__(self, order: list[int]):
        data = b"".join(i.to_bytes(self.SIZE, "little") for i in order)
        self._fd, write = os.pipe()
        try:
            _fill(write, data)
        except BaseException:
            os.close(self._fd)
            raise
        finally:
            os.close(write)

    def take(self) -> int | None:
        if self._fd < 0:
            return None
        data = os.read(self._fd, self.SIZE)
        return int.from_bytes(data, "little") if len(data) == self.SIZE else None

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def _fill(fd: int, data: bytes) -> None:
    """Write all of ``data`` at once, never blocking (nothing reads yet): a pipe holds 64 KiB, and can
    be made bigger; else OSError (the caller mines in this process)."""
    import fcntl  # POSIX only, as is forking

    if len(data) > 4096 and hasattr(fcntl, "F_SETPIPE_SZ"):
        try:
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, len(data))
        except OSError:
            pass
    os.set_blocking(fd, False)
    if os.write(fd, data) != len(data):  # (a pipe too small raises BlockingIOError, an OSError, or writes part)
        raise OSError("the task queue does not hold every log file")


class Mining:
    """Log mining running in forked children while the caller does other work."""

    def __init__(self, sources: list, window: Window, workers: int):
        self.sources, self.window, self.workers = sources, window, workers
        self.children: list[Child] = []
        self.tasks: Tasks | None = None
        self.failed: str | None = None
        self._meanwhile: list[Callable[[], None]] = []

    def meanwhile(self, work: Callable[[], None]) -> None:
        """Work of this process that can wait until the logs are collected: ``result()`` does it before
        it waits for the children (this process would only wait), ``close()`` at the latest."""
        self._meanwhile.append(work)

    def _catch_up(self) -> None:
        while self._meanwhile:
            self._meanwhile.pop(0)()

    def matches(self, sources: list, window: Window) -> bool:
        """Whether this job mines exactly these sources with this window (its result is theirs)."""
        return self.window == window and list(self.sources) == list(sources)

    def result(self) -> LogAnalysis:
        """The merged analysis, in bundle order (deterministic); a lost child's files are mined here."""
        done: dict[int, LogAnalysis] = {}
        answered = False
        try:
            self._catch_up()
            for child in self.children:
                try:
                    done.update(child.result())
                    answered = True
                except ChildLost as exc:
                    self.failed = self.failed or str(exc)
        finally:
            self.close()
        if not answered:  # no child answered: as if it had been mined in this process from the start
            out = analyze(self.sources, window=self.window)
        else:
            missing = [i for i in range(len(self.sources)) if i not in done]
            done.update(zip(missing, _mine([self.sources[i] for i in missing], self.window)))
            out = merge([done[i] for i in range(len(self.sources))])
        if self.failed is not None:
            out.problems.append(f"parallel log mining failed ({self.failed}); mined in one process")
        return out

    def close(self) -> None:
        """Stop the children still running, and do the work left for meanwhile; safe to call twice."""
        for child in self.children:
            child.close()
        if self.tasks is not None:
            self.tasks.close()
        self._catch_up()


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
