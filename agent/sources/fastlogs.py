"""The block reader: the same records as ``iter_rows``, but most lines never become a row.

Lines are read in the same ~1 MB blocks as the plain reader. In a block of valid UTF-8 without NULs,
carriage returns or ANSI codes, every line is keyed by its *digit-blind* bytes (every digit 1-9 -> 0,
one ``bytes.translate`` per block). The lines of one key have the same shape: the same timestamp
layout, the same message once masked, the same level and service (or these sit at known offsets).
So each key is classified once (``LineInfo``), and a run of complete one-line records goes to the
evidence stage as a ``Run``: raw lines plus their infos, which agent/evidence/fastmine.py counts
without parsing them. Everything the key cannot vouch for (stack traces, lines that may hold a
secret, other shapes, JSON with numbers or escapes, odd timestamps) goes through the plain state
machine (TextState / JsonState) in file order, as lists of rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from operator import attrgetter
from pathlib import Path
from typing import Any, Iterator

from agent.models import LogSource
from agent.sources import logfields
from agent.sources.detect import open_text_bytes
from agent.sources.linekeys import (
    CONT,
    FAST,
    FOLD_HEX,
    MAYBE,
    START,
    ZERO,
    KeyClassifier,
    LineInfo,
)
from agent.sources.logfields import JsonState
from agent.sources.logs import _blocks, chunk_lines, record_fields
from agent.sources.scrub import flagged_lines, needs_redaction
from agent.sources.textstate import MAX_MESSAGE, TextState

FORMATS = ("iso8601", "rfc3164", "access", "jsonl")
_CACHE_MAX = 100_000
UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)
BAD = (-1, -1, -1)  # a time value the fast path cannot vouch for: the line goes through the plain path


class Run:
    """Lines ``lo:hi`` of a block, each a complete one-line record whose info is FAST."""

    __slots__ = ("reader", "lines", "infos", "first", "lo", "hi")

    def __init__(self, reader: FastReader, lines: list[bytes], infos: list[LineInfo], first: int, lo: int, hi: int):
        self.reader, self.lines, self.infos, self.first, self.lo, self.hi = reader, lines, infos, first, lo, hi

    def row(self, i: int) -> tuple:
        """Line ``i`` as the plain path's row (it is a complete one-line record; no redaction needed)."""
        row = self.infos[i].row
        if row is not None and row[5] == self.first + i:
            return row
        return self.reader.row(self.lines[i].decode(), self.first + i)


class _Lazy:
    """Decoded lines on demand, for the few lines of a fast block the plain path handles."""

    def __init__(self, lines: list[bytes]):
        self.lines = lines

    def __getitem__(self, i: int) -> str:
        return self.lines[i].decode()

    def __len__(self) -> int:
        return len(self.lines)


def supports(src: LogSource) -> bool:
    return src.format in FORMATS


class FastReader(KeyClassifier):
    """``batches()`` yields, in file order, lists of rows (the plain path) and Runs (the fast path)."""

    def __init__(self, src: LogSource):
        self.src, self.json = src, src.format == "jsonl"
        self.state: Any = JsonState(src, record_fields) if self.json else TextState(src, record_fields)
        self.main = None if self.json else self.state.main
        self.yearly = bool(self.main and self.main.needs_year)
        self.zcache: dict[bytes, LineInfo] = {}
        self.twins: dict[bytes, Any] = {}
        self.twin_hit = False  # the last key classified shared a twin's info (see KeyClassifier._new)
        self.tcs: dict[tuple, dict] = {}
        self.mcs: dict[tuple, dict] = {}
        self.clears = 0  # the miner's cache clears seen (agent/evidence/fastmine.py keeps it current)
        self.year = None if self.json else self.state.lstate.year

    # ------------------------------------------------------------------ records

    def row(self, text: str, lineno: int) -> tuple:
        if self.json:
            obj = logfields._loads(text)
            return logfields._record(obj, self.src, lineno, text, self.state.tz, False, record_fields)  # type: ignore[arg-type]
        st = self.state
        time, level, message, service = st.main.convert(st.main.regex.match(text), st.lstate)
        return time, level, message, service or st.service, st.rel, lineno, text

    def time_value(self, info: LineInfo, line: bytes, row: tuple | None, run: Run, i: int) -> tuple:
        """(microseconds of the line's whole second, its minute, the month it set) for the line's time
        key, from the row the plain path parsed; cached for the other lines of that second. Where
        seconds add linearly (UTC or a fixed offset), a new second of a known minute needs no parse."""
        s0 = info.s0
        if s0 >= 0 and row is None:
            ss = int(line[s0:s0 + 2])
            base = info.mc.get(line[info.t0:s0] + line[s0 + 2:info.t1]) if ss < 60 else None
            # (a yearless month other than the last one goes through parsing, which moves the year on)
            if base is not None and (not self.yearly or base[1] == self.state.lstate.last_month):
                sec = base[0] + ss * 1_000_000
                value = info.tc[line[info.t0:info.t1]] = (sec, sec // 60_000_000, base[1])
                _whole_minute(info, line, s0, base)
                return value
        if row is None:
            row = run.row(i)
        dt = row[0]
        value = BAD
        if dt is not None and dt.tzinfo is UTC:
            sec = (dt - EPOCH) // US - (int(line[info.f0:info.f1]) * info.fs if info.f1 else 0)
            if sec >= 0:
                value = (sec, sec // 60_000_000, self.state.lstate.last_month if self.yearly else 0)
        if self.yearly and self.state.lstate.year != self.year:
            self.new_year()
        info.tc[line[info.t0:info.t1]] = value
        if s0 >= 0 and value is not BAD:
            info.mc[line[info.t0:s0] + line[s0 + 2:info.t1]] = (value[0] - int(line[s0:s0 + 2]) * 1_000_000, value[2])
        return value

    def new_year(self) -> None:
        """Yearless timestamps parsed under the old year are stale."""
        self.year = self.state.lstate.year
        for tc in self.tcs.values():
            tc.clear()
        for mc in self.mcs.values():
            mc.clear()

    def invalidate(self) -> None:
        """The miner cleared its caches: every binding has to be looked up again."""
        for info in self.zcache.values():
            info.cluster = info.st = None

    # ------------------------------------------------------------------ blocks

    def batches(self) -> Iterator[Any]:
        lineno = 1
        with open_text_bytes(Path(self.src.abs_path)) as fh:
            for chunk in _blocks(fh):
                n = chunk.count(b"\n") + (0 if chunk.endswith(b"\n") else 1)
                if _plain(chunk, n):
                    lines = chunk_lines(chunk)
                    rows = self._slow(lines, lineno, flagged_lines(chunk), 0, n)
                    if rows:
                        yield rows
                else:
                    yield from self._block(chunk, lineno, n)
                lineno += n
        tail = self.state.flush()
        if tail is not None:
            yield [tail]

    def _slow(self, lines: Any, first: int, flags: set[int], lo: int, hi: int) -> list:
        if not self.json:
            return list(self.state.feed(lines, first, flags, lo, hi))
        items = [(first + i, lines[i], i in flags) for i in range(lo, hi) if lines[i] is not None]
        return list(self.state.feed(items))

    def _block(self, chunk: bytes, first: int, n: int) -> Iterator[Any]:
        lines = chunk.split(b"\n")
        keys = chunk.translate(ZERO).split(b"\n")
        if chunk.endswith(b"\n"):
            lines.pop()
            keys.pop()
        if len(self.zcache) > _CACHE_MAX:  # bounded memory: every cache here is a memo
            self.zcache, self.twins = {}, {}
        for table in (*self.tcs.values(), *self.mcs.values()):
            if len(table) > _CACHE_MAX:
                table.clear()
        infos = self._infos(lines, keys, first)
        text, pos = _Lazy(lines), 0
        ranges = list(_ranges(self._special(infos, n)))
        # a line that may hold a secret is never FAST, so only the lines the plain path sees need the check
        flags = {i for lo, hi in ranges for i in range(lo, hi) if needs_redaction(text[i])}
        for lo, hi in ranges:
            if pos < lo:
                yield from self._run(lines, infos, text, first, pos, lo)
            rows = self._slow(text, first, flags, lo, hi)
            if rows:
                yield rows
            pos = hi

    def _run(self, lines: list[bytes], infos: list[LineInfo], text: _Lazy, first: int, lo: int, hi: int) -> Iterator[Any]:
        if self.main is not None and self.state.shape is not self.main:  # the plain path switched shape
            rows = self._slow(text, first, set(), lo, hi)
            if rows:
                yield rows
            return
        tail = self.state.flush()  # line lo starts a record, so the open one is complete
        if tail is not None:
            yield [tail]
        yield Run(self, lines, infos, first, lo, hi)

    def _infos(self, lines: list[bytes], keys: list[bytes], first: int) -> list[LineInfo]:
        """The info of every line. A key that shares a twin's info (hex ids) is not cached: it seldom comes
        back, and a small cache is a fast one (every line is looked up in it). Such keys are most of
        the misses: they are matched to their twin here, as ``_new`` would, before anything else."""
        cache, twins = self.zcache, self.twins
        infos = list(map(cache.get, keys))
        i = -1
        try:
            while True:
                i = infos.index(None, i + 1)  # type: ignore[arg-type]
                key = keys[i]
                info = cache.get(key)
                if info is None:
                    hint = twins.get(key.translate(FOLD_HEX))
                    if hint is not None and hint.fits(key):
                        info = hint.info
                    else:
                        info = self._new(lines[i], key, first + i)
                        if not self.twin_hit:
                            cache[key] = info
                infos[i] = info
        except ValueError:
            pass
        return infos  # type: ignore[return-value]

    @staticmethod
    def _special(infos: list[LineInfo], n: int) -> list[int]:
        """Indices the plain path must see: not FAST, followed by a line that is not a start (it may
        continue the record), and the last line (the next block may continue it)."""
        special = {n - 1}
        kinds = list(map(_KIND, infos))
        if kinds.count(FAST) != n:
            for kind in (START, CONT, MAYBE):
                i = -1
                while (i := _index(kinds, kind, i + 1)) >= 0:
                    special.add(i)
                    if kind != START and i:
                        special.add(i - 1)
        return sorted(special)

def _whole_minute(info: LineInfo, line: bytes, s0: int, base: tuple) -> None:
    """A minute's second distinct second: cache all sixty (a dense log would look each up in turn).
    Their values are what the lines would get one by one, since seconds add linearly here; keys
    already cached keep their value (a yearless one of another month is looked up again anyway)."""
    head, tail, tc, (m0, month) = line[info.t0:s0], line[s0 + 2:info.t1], info.tc, base
    for ss, two in enumerate(_SECONDS):
        sec = m0 + ss * 1_000_000
        tc.setdefault(head + two + tail, (sec, sec // 60_000_000, month))


_SECONDS = [b"%02d" % ss for ss in range(60)]


def _plain(chunk: bytes, n: int) -> bool:
    """A block the fast path leaves to the plain one: NULs, CRs, ANSI codes, replacement characters, lines
    long enough to be cut, or bytes that are not UTF-8 (decoding would change them)."""
    if b"\x00" in chunk or b"\r" in chunk or b"\x1b" in chunk or len(chunk) > n * MAX_MESSAGE // 4:
        return True
    if chunk.isascii():
        return False
    try:
        chunk.decode()
    except UnicodeDecodeError:
        return True
    return b"\xef\xbf\xbd" in chunk


_KIND = attrgetter("kind")


def _index(items: list, value: Any, start: int) -> int:
    try:
        return items.index(value, start)
    except ValueError:
        return -1


def _ranges(indices: list[int]) -> Iterator[tuple[int, int]]:
    """Sorted indices as half-open ranges of consecutive ones."""
    lo = hi = -1
    for i in indices:
        if i != hi:
            if hi > lo:
                yield lo, hi
            lo = i
        hi = i + 1
    if hi > lo:
        yield lo, hi


def iter_batches(src: LogSource) -> Iterator[Any]:
    return FastReader(src).batches()


