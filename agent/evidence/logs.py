"""Log evidence: stream every record once, mine templates, count them against an incident window.

Memory is bounded by the template table: per template we keep counts, the first and last
occurrence, the first occurrence inside the incident window, three example pointers and a capped
per-minute histogram of the incident window. Operator commands seen in log text are kept (capped).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone

from agent.evidence.drain import TemplateMiner
from agent.models import LogRecord, LogSource

RecordReader = Callable[[LogSource], Iterable[LogRecord]]

MAX_MINUTES = 1500  # per-template histogram cap (25 hours of one-minute buckets)
MAX_COMMANDS = 200
MAX_EXCERPT = 300
_LEVEL_RANK = {None: 0, "debug": 0, "info": 1, "warning": 2, "error": 3, "critical": 4}
_ERRORISH = re.compile(
    r"(?i)\b(?:error|exception|fail(?:ed|ure|ing)?|fatal|panic|timed? ?out|timeout|refused|exhausted|"
    r"unavailable|denied|too many|oom|out of memory|no space left|killed|crash(?:ed)?|unreachable|expired)\b")
_WARNISH = re.compile(r"(?i)\b(?:warn(?:ing)?|slow|retry(?:ing)?|degraded|deprecated)\b")
_EXC = re.compile(r"\b((?:[A-Za-z_][\w$]*\.)*[A-Z][\w$]*(?:Exception|Error|Fault|Panic))\b")
COMMAND_RE = re.compile(
    r"(?i)(?:\bkubectl\s+\S+|\bhelm\s+(?:upgrade|install|rollback|uninstall|delete)\b|\bterraform\s+(?:apply|destroy|import)\b|"
    r"\bsystemctl\s+(?:restart|stop|start|reload|disable)\b|\bservice\s+\S+\s+(?:restart|stop)\b|"
    r"\b(?:ALTER|DROP|TRUNCATE)\s+(?:TABLE|INDEX|DATABASE|SCHEMA)\b|\bDELETE\s+FROM\b|\bUPDATE\s+\w+\s+SET\b|"
    r"\brm\s+-[rRf]{1,3}\b|\biptables\s+-[ADFI]\b|\bansible-playbook\b|\bdocker\s+(?:restart|stop|rm|kill)\b|"
    r"\bkill\s+-9\b|\breboot\b|\bfailover\b|\bflushall\b|\bVACUUM\s+FULL\b)")


@dataclass(frozen=True, slots=True)
class Window:
    """Where the baseline ends and where the incident is thought to begin (both may be unknown)."""

    cutoff: datetime | None = None
    onset: datetime | None = None


@dataclass(slots=True)
class Seen:
    time: datetime | None
    file: str
    line: int
    text: str

    @property
    def pointer(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(slots=True)
class TemplateStats:
    id: int
    level: str | None = None
    baseline: int = 0
    incident: int = 0
    first: Seen | None = None
    last: Seen | None = None
    first_incident: Seen | None = None
    examples: list[Seen] = field(default_factory=list)
    minutes: dict[int, int] = field(default_factory=dict)
    exception: str | None = None
    services: set[str] = field(default_factory=set)


@dataclass(slots=True)
class Template:
    """One mined template with everything the evidence stage needs."""

    id: int
    template: str
    count: int
    stats: TemplateStats

    @property
    def errorish(self) -> bool:
        return _LEVEL_RANK[self.stats.level] >= 3 or bool(_ERRORISH.search(self.template))

    @property
    def warnish(self) -> bool:
        return _LEVEL_RANK[self.stats.level] == 2 or bool(_WARNISH.search(self.template))


@dataclass(slots=True)
class LogAnalysis:
    templates: list[Template] = field(default_factory=list)
    commands: list[Seen] = field(default_factory=list)
    records: int = 0
    lines: int = 0
    files: int = 0
    problems: list[str] = field(default_factory=list)
    first_time: datetime | None = None
    last_time: datetime | None = None


def default_reader() -> RecordReader:
    from agent.sources.logs import iter_records  # the one log parser; owned by the sources stage

    return iter_records


def mining_text(rec: LogRecord) -> tuple[str, str | None]:
    """The text a record is mined on: its first line, plus the root exception of a multi-line trace."""
    msg = rec.message
    if "\n" not in msg:
        return msg, None
    head, rest = msg.split("\n", 1)
    found = _EXC.findall(rest[-20_000:]) or _EXC.findall(head)
    exc = found[-1] if found else None  # the last 'Caused by' is the root cause
    return (f"{head} [{exc}]" if exc and exc not in head else head), exc


class LogMiner:
    """Streams records into a TemplateMiner and keeps the bounded per-template statistics."""

    def __init__(self, window: Window, miner: TemplateMiner | None = None):
        self.window = window
        self.miner = miner or TemplateMiner()
        self.stats: dict[int, TemplateStats] = {}
        self.result = LogAnalysis()
        self._cut = window.cutoff
        self._commands: dict[str, Seen] = {}

    def feed(self, rec: LogRecord, when: datetime | None) -> int:
        text, exc = mining_text(rec)
        cluster = self.miner.add(text)
        st = self.stats.get(cluster.id)
        if st is None:
            st = self.stats[cluster.id] = TemplateStats(cluster.id)
        self._update(st, rec, when, exc)
        # a line whose masked text was seen before has the same words: only new shapes are searched
        if self.miner.last_new and COMMAND_RE.search(text) \
                and len(self._commands) < MAX_COMMANDS:
            key = self.miner_key(text)
            if key not in self._commands:
                self._commands[key] = _seen(rec, when)
        return cluster.id

    @staticmethod
    def miner_key(text: str) -> str:
        return text[:200]

    def _update(self, st: TemplateStats, rec: LogRecord, when: datetime | None, exc: str | None) -> None:
        if _LEVEL_RANK[rec.level] > _LEVEL_RANK[st.level]:
            st.level = rec.level
        if exc:
            st.exception = exc
        if rec.service and len(st.services) < 8:
            st.services.add(rec.service)
        if st.first is None:
            st.first = _seen(rec, when)
        if len(st.examples) < 3:
            st.examples.append(st.first if not st.examples else _seen(rec, when))
        if when is not None:
            st.last = Seen(when, rec.source_file, rec.line, "")
        if self._cut is not None and when is not None and when < self._cut:
            st.baseline += 1
            return
        st.incident += 1
        if st.first_incident is None:
            st.first_incident = _seen(rec, when)
        if when is not None:
            minute = int(when.timestamp()) // 60
            if minute in st.minutes or len(st.minutes) < MAX_MINUTES:
                st.minutes[minute] = st.minutes.get(minute, 0) + 1

    def finish(self) -> LogAnalysis:
        res = self.result
        for cluster in self.miner.clusters:
            st = self.stats.get(cluster.id)
            if st is not None:
                res.templates.append(Template(cluster.id, cluster.template, cluster.count, st))
        res.templates.sort(key=lambda t: -t.count)
        res.commands = sorted(self._commands.values(), key=lambda s: (s.time or _EPOCH, s.file, s.line))
        return res


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _seen(rec: LogRecord, when: datetime | None) -> Seen:
    text = (rec.raw or rec.message).split("\n", 1)[0]
    return Seen(when, rec.source_file, rec.line, text[:MAX_EXCERPT])


def analyze(sources: list[LogSource], *, window: Window, reader: RecordReader | None = None,
            on_progress: Callable[[int], None] | None = None,
            assign: Callable[[LogRecord, int, str], None] | None = None) -> LogAnalysis:
    """Mine every record of every source once. ``assign(record, template_id, file)`` sees each record."""
    reader = reader or default_reader()
    lm = LogMiner(window)
    res = lm.result
    for src in sources:
        res.files += 1
        for rec, when in _timed(reader(src), res):
            tid = lm.feed(rec, when)
            res.records += 1
            res.lines += rec.message.count("\n") + 1
            if assign is not None:
                assign(rec, tid, src.path)
            if on_progress is not None and res.records % 20_000 == 0:
                on_progress(20_000)
    return lm.finish()


def _timed(records: Iterable[LogRecord], res: LogAnalysis) -> Iterator[tuple[LogRecord, datetime | None]]:
    """Carry the last known time onto records without one (continuations, untimed lines)."""
    last: datetime | None = None
    for rec in records:
        when = rec.time or last
        if rec.time is not None:
            last = rec.time
            if res.first_time is None or rec.time < res.first_time:
                res.first_time = rec.time
            if res.last_time is None or rec.time > res.last_time:
                res.last_time = rec.time
        if len(res.problems) < 20:
            if "\x00" in rec.message[:4096]:
                res.problems.append(f"{rec.source_file}:{rec.line}: binary data in a log line; mined as text")
            elif "...[truncated " in rec.message[-48:]:
                res.problems.append(f"{rec.source_file}:{rec.line}: over-long line truncated; the start was mined")
        yield rec, when
