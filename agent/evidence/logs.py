"""Log evidence: stream every record once, mine templates, count them against an incident window.

Memory is bounded by the template table: per template we keep counts, the first and last
occurrence, the first occurrence inside the incident window, three example pointers and a capped
per-minute histogram of the incident window. Operator commands seen in log text are kept (capped).

Most lines of the common formats come from the block reader (agent/sources/fastlogs.py) and are
counted by agent/evidence/fastmine.py without ever becoming a row; the results are those of the row
path, field for field (tests/test_fastlog_golden.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from agent import rxcache as rx
from agent.evidence.drain import MAX_CONTENT, ZERO, Cluster, TemplateMiner
from agent.models import LogRecord, LogSource

RecordReader = Callable[[LogSource], Iterable[LogRecord]]

MAX_MINUTES = 1500  # per-template histogram cap (25 hours of one-minute buckets)
MAX_COMMANDS = 200
MAX_EXCERPT = 300
_LEVEL_RANK = {None: 0, "debug": 0, "info": 1, "warning": 2, "error": 3, "critical": 4}
_ERRORISH = rx.compile(
    r"(?i)\b(?:error|exception|fail(?:ed|ure|ing)?|fatal|panic|timed? ?out|timeout|refused|exhausted|"
    r"unavailable|denied|too many|oom|out of memory|no space left|killed|crash(?:ed)?|unreachable|expired)\b")
_WARNISH = rx.compile(r"(?i)\b(?:warn(?:ing)?|slow|retry(?:ing)?|degraded|deprecated)\b")
_EXC = rx.compile(r"\b((?:[A-Za-z_][\w$]*\.)*[A-Z][\w$]*(?:Exception|Error|Fault|Panic))\b")
COMMAND_RE = rx.compile(
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
    first_incident: Seen | None = None
    last_time: datetime | None = None  # the last occurrence, kept as plain fields: set on every line
    last_file: str = ""
    last_line: int = 0
    examples: list[Seen] = field(default_factory=list)
    minutes: dict[int, int] = field(default_factory=dict)
    exception: str | None = None
    services: set[str] = field(default_factory=set)

    @property
    def last(self) -> Seen | None:
        return None if self.last_time is None else Seen(self.last_time, self.last_file, self.last_line, "")


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
    from agent.sources.logs import (
        iter_records,  # the one log parser; owned by the sources stage
    )

    return iter_records


def _row_reader() -> Callable[[LogSource], Iterable[tuple]]:
    from agent.sources.logs import (
        iter_rows,  # the same parser, yielding plain field tuples
    )

    return iter_rows


# A row is a record as the tuple of make_record's arguments: (time, level, message, service, file, line, raw).
Row = tuple


def _fields(rec: LogRecord) -> Row:
    return rec.time, rec.level, rec.message, rec.service, rec.source_file, rec.line, rec.raw


def mining_text(rec: LogRecord) -> tuple[str, str | None]:
    """The text a record is mined on: its first line, plus the root exception of a multi-line trace."""
    return _mining_text(rec.message)


def _mining_text(msg: str) -> tuple[str, str | None]:
    if "\n" not in msg:
        return msg, None
    head, rest = msg.split("\n", 1)
    found = _EXC.findall(rest[-20_000:]) or _EXC.findall(head)
    exc = found[-1] if found else None  # the last 'Caused by' is the root cause
    return (f"{head} [{exc}]" if exc and exc not in head else head), exc


class LogMiner:
    """Streams records (as rows) into a TemplateMiner and keeps the bounded per-template statistics."""

    def __init__(self, window: Window, miner: TemplateMiner | None = None):
        self.window = window
        self.miner = miner or TemplateMiner()
        self.stats: dict[int, TemplateStats] = {}
        self.result = LogAnalysis()
        self._cut = window.cutoff
        self._commands: dict[str, Seen] = {}
        self._lo: datetime | None = None  # the minute the last line fell in: [_lo, _hi)
        self._hi: datetime | None = None
        self._minute = 0
        self._carry: datetime | None = None  # the last known time after a _feed_all

    def feed(self, row: Row, when: datetime | None) -> int:
        """Mine one row (``when``: its time, or the last known one); returns its template id."""
        self._feed_all([row], when, None, "")
        return self._last_id

    def run(self, rows: Iterable[Row], path: str, on_progress, assign) -> None:
        """Feed one source's rows; carry the last known time onto records without one."""
        self.result.files += 1
        self._feed_all(rows, None, on_progress, path, assign)

    def run_batches(self, batches: Iterable, path: str, on_progress) -> None:
        """Feed one source from the block reader: lists of rows go through ``_feed_all``, Runs through
        agent/evidence/fastmine.py; the last known time carries across both. The window's cutoff must
        be timezone-aware (``analyze`` checks)."""
        from agent.evidence.fastmine import cut_us, feed_run

        self.result.files += 1
        last, cut = None, cut_us(self._cut)
        for item in batches:
            if type(item) is list:
                self._feed_all(item, last, on_progress, path)
                last = self._carry
            else:
                last = feed_run(self, item, last, cut)  # type: ignore[arg-type]
                if on_progress is not None:
                    on_progress(item.hi - item.lo)

    def _feed_all(self, rows: Iterable[Row], last: datetime | None, on_progress, path: str, assign=None) -> None:
        """The per-line hot loop, kept in one frame with local names (it runs a million times for a
        million lines): look the line up in the miner's seen-lines table, and only on a miss go
        through the miner and the rare bookkeeping (new template, first examples, commands)."""
        res, miner, stats, cut = self.result, self.miner, self.stats, self._cut
        known, problems, rank, zero = miner.known, res.problems, _LEVEL_RANK, ZERO  # mining_key(), inlined
        first_t, last_t = res.first_time, res.last_time
        n = extra = tid = 0
        lo, hi, minute = self._lo or _EPOCH, self._hi or _EPOCH, self._minute
        for row in rows:
            t, lvl, msg, svc = row[0], row[1], row[2], row[3]
            if t is not None:
                last = t
                if first_t is None or t < first_t:
                    first_t = t
                if last_t is None or t > last_t:
                    last_t = t
            if ("\ufffd" in msg or "\x00" in msg or msg.endswith("]") and "...[truncated " in msg[-64:]) \
                    and len(problems) < 20:
                self._problem(row)
            if "\n" in msg:
                extra += msg.count("\n")
                text, exc = _mining_text(msg)
            else:
                text, exc = msg, None
            cluster = known.get(text.encode("utf-8", "surrogatepass").translate(zero)) if len(text) <= MAX_CONTENT else None
            if cluster is None:
                cluster = self._miss(text, row, last)
            else:
                cluster.count += 1
            tid = cluster.id
            st = stats.get(tid)
            if st is None:
                st = stats[tid] = TemplateStats(tid)
            if lvl is not None and lvl != st.level and rank[lvl] > rank[st.level]:
                st.level = lvl
            if exc:
                st.exception = exc
            if svc is not None and svc not in st.services and len(st.services) < 8:
                st.services.add(svc)
            if len(st.examples) < 3:
                _example(st, row, last)
            n += 1
            if last is None:
                self._incident(st, row, None)
            else:
                st.last_time, st.last_file, st.last_line = last, row[4], row[5]
                if cut is not None and last < cut:
                    st.baseline += 1
                elif st.first_incident is None or not lo <= last < hi:  # type: ignore[operator]
                    self._incident(st, row, last)
                    lo, hi, minute = self._lo, self._hi, self._minute
                else:  # the common case, inline: same minute as the line before
                    st.incident += 1
                    minutes = st.minutes
                    if minute in minutes:
                        minutes[minute] += 1
                    elif len(minutes) < MAX_MINUTES:
                        minutes[minute] = 1
            if assign is not None:
                assign(_record(row), tid, path)
            if on_progress is not None and n % 20_000 == 0:
                on_progress(20_000)
        self._last_id = tid
        self._carry = last
        res.records += n
        res.lines += n + extra
        res.first_time, res.last_time = first_t, last_t

    def _miss(self, text: str, row: Row, when: datetime | None) -> Cluster:
        miner = self.miner
        misses = miner.misses
        cluster = miner.add(text)
        # a line whose masked text was seen before has the same words: only new shapes are searched
        if miner.misses != misses and len(self._commands) < MAX_COMMANDS and COMMAND_RE.search(text):
            self._commands.setdefault(text[:200], _seen(row, when))
        return cluster

    def _incident(self, st: TemplateStats, row: Row, when: datetime | None) -> None:
        st.incident += 1
        if st.first_incident is None:
            st.first_incident = _seen(row, when)
        if when is not None:
            if self._lo is None or not self._lo <= when < self._hi:  # type: ignore[operator]
                self._minute = int(when.timestamp()) // 60
                self._lo = datetime.fromtimestamp(self._minute * 60, timezone.utc if when.tzinfo else None)
                self._hi = self._lo + _MINUTE
            minute, minutes = self._minute, st.minutes
            if minute in minutes:
                minutes[minute] += 1
            elif len(minutes) < MAX_MINUTES:
                minutes[minute] = 1

    def _problem(self, row: Row) -> None:
        where, msg = f"{row[4]}:{row[5]}", row[2]
        if "\x00" in msg or msg.count("\ufffd") > 8:
            self.result.problems.append(f"{where}: binary data in a log line; mined as text")
        elif "...[truncated " in msg[-64:]:
            self.result.problems.append(f"{where}: over-long line truncated; the start was mined")

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


_MINUTE = timedelta(minutes=1)


def _example(st: TemplateStats, row: Row, when: datetime | None) -> None:
    seen = _seen(row, when)
    st.examples.append(seen)
    if st.first is None:
        st.first = seen


def _record(row: Row) -> LogRecord:
    from agent.sources.logfields import make_record

    return make_record(*row)


def _seen(row: Row, when: datetime | None) -> Seen:
    text = (row[6] or row[2]).split("\n", 1)[0]
    return Seen(when, row[4], row[5], text[:MAX_EXCERPT])


def analyze(sources: list[LogSource], *, window: Window, reader: RecordReader | None = None,
            on_progress: Callable[[int], None] | None = None,
            assign: Callable[[LogRecord, int, str], None] | None = None) -> LogAnalysis:
    """Mine every record of every source once. ``assign(record, template_id, file)`` sees each record."""
    from agent.evidence.fastmine import cut_us
    from agent.sources import fastlogs  # the block reader; owned by the sources stage

    lm = LogMiner(window)
    fast = reader is None or reader is default_reader()
    rows = _row_reader() if fast else None
    blocks = fast and assign is None and cut_us(window.cutoff) is not None
    for src in sources:
        if blocks and fastlogs.supports(src):
            lm.run_batches(fastlogs.iter_batches(src), src.path, on_progress)
        else:
            lm.run(rows(src) if rows else map(_fields, reader(src)), src.path, on_progress, assign)  # type: ignore[misc]
    return lm.finish()
