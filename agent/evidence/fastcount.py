"""Counting a stretch of a Run at once: the per-line loop of agent/evidence/fastmine.py, with the same
effects, as a few passes over the stretch's lists that run mostly in C (``Counter``, ``map``, ``min``).

A line's time is its cached second (``tc``) plus its fraction; the fraction is parsed only where it can
matter: the earliest and latest line, each template's last line, kept examples, and lines whose second
straddles the window's cutoff. A stretch ends before the first line the per-line loop must see: a time
the fast path cannot vouch for (BAD), or, for yearless timestamps, the reader's month or year moving
on (later cached values may then be stale); or after a line whose binding made the miner clear its tables.

Why the passes give the per-line results: seconds are worked out, and infos bound to templates, in
file order, each at its line (the two never touch each other's state); counts add up; a template's
level only ever rises to the highest rank seen (one name per rank above 'debug'); examples, the first
line in the window and each template's last line are looked up by position; ``Counter`` keeps
first-seen order, so each template's minutes are inserted in the order the per-line loop inserts them
(which decides what the MAX_MINUTES cap keeps).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from itertools import compress, count
from operator import attrgetter, itemgetter, not_
from typing import TYPE_CHECKING

from agent.sources.fastlogs import BAD, EPOCH, LineInfo, Run

if TYPE_CHECKING:
    from agent.evidence.logs import LogMiner

SPAN = 999_999  # the most a fraction adds to its second, in microseconds
_CLUSTER, _LMAP = attrgetter("cluster"), attrgetter("lmap")
_SEC, _MIN = itemgetter(0), itemgetter(1)


class Tally:
    """What the per-line loop carries across a Run: the earliest and latest time (microseconds), the last
    counted line's time, lines left to the plain path (``bad``), the last known time, and each
    template's last line so far as cluster -> (microseconds, index)."""

    __slots__ = ("bad", "hi_us", "last", "last_of", "lo_us", "us")

    def __init__(self, last):
        self.lo_us, self.hi_us, self.us, self.bad, self.last = float("inf"), float("-inf"), None, 0, last
        self.last_of: dict = {}


def count_stretch(lm: LogMiner, run: Run, pos: int, end: int, cut: float, tally: Tally) -> int:
    """Count lines ``pos:k`` of ``run`` (``k <= end``), as the per-line loop would; returns ``k``, the first
    line that loop must take, or ``end``."""
    infos, lines = run.infos[pos:end], run.lines[pos:end]
    if run.reader.yearly:
        tvs, n = _yearly_values(run, pos, lines, infos)
    else:  # a second not cached yet is worked out at its first line, in file order, as the per-line loop does
        tv_of = run.reader.time_value
        tvs = [i.tc.get(x[i.t0:i.t1]) or tv_of(i, x, None, run, j) for j, x, i in zip(count(pos), lines, infos)]
        n = len(tvs)
    if n < len(tvs):
        del tvs[n:]
    secs = list(map(_SEC, tvs))
    if secs and min(secs) < 0:  # a cached BAD (valid times are never before the epoch)
        n = secs.index(-1)
        del secs[n:], tvs[n:]
    if n < len(lines):
        del lines[n:], infos[n:]
    cl = list(map(_CLUSTER, infos))
    if None in cl:
        k = _bind_all(lm, run, pos, cl, infos)
        if k < n:
            n = k
            del secs[n:], tvs[n:], lines[n:], infos[n:], cl[n:]
    if not n:
        return pos
    _count(lm, run, pos, _Stretch(cl, lines, infos, tvs), secs, cut, tally)
    return pos + n


def _bind_all(lm: LogMiner, run: Run, pos: int, cl: list, infos: list) -> int:
    """Bind the infos not bound yet to their templates, each at its first line, in file order, as the
    per-line loop does (``fastmine._bind``; an info the miner does not answer by key is looked up at
    each of its lines). The times were worked out first: no harm, as binding never touches them (a
    yearless stretch holds one month, so parsing a row there leaves the reader's state as it is). If
    the miner clears its tables, every binding is stale: the stretch ends after that line."""
    from agent.evidence.fastmine import _bind

    clears, j = lm.miner.clears, -1
    while (j := _index(cl, None, j + 1)) >= 0:
        info = infos[j]
        cl[j] = info.cluster if info.cluster is not None else _bind(lm, info, run, pos + j)[0]
        if lm.miner.clears != clears:
            return j + 1
    return len(cl)


def _yearly_values(run: Run, pos: int, lines: list, infos: list) -> tuple[list, int]:
    """The time values of yearless timestamps, and how many lines can use them. A second not cached, or
    cached under another month, goes through ``time_value`` at its line, in file order, as in the
    per-line loop. The stretch stops before a BAD or a line that moves the reader's month or year: that
    loop takes the line, and finds its value cached (a BAD is worked out again, to the same answer)."""
    reader, ls = run.reader, run.reader.state.lstate
    state, month, stop = (ls.last_month, ls.year), ls.last_month, []

    def look(j: int, line: bytes, info: LineInfo) -> tuple | None:
        if stop:
            return None
        tv = info.tc.get(line[info.t0:info.t1])
        if tv is None or tv[2] != ls.last_month:
            tv = reader.time_value(info, line, None, run, pos + j)
        if tv is BAD or (ls.last_month, ls.year) != state:
            stop.append(j)
        return tv

    tvs = [tv if (tv := i.tc.get(x[i.t0:i.t1])) is not None and tv[2] == month else look(j, x, i)
           for j, x, i in zip(count(), lines, infos)]
    return tvs, stop[0] if stop else len(tvs)


class _Stretch:
    """The lines of a stretch, their infos, templates and time values, with exact times on demand."""

    __slots__ = ("cl", "infos", "lines", "tvs")

    def __init__(self, cl: list, lines: list, infos: list, tvs: list):
        self.cl, self.lines, self.infos, self.tvs = cl, lines, infos, tvs

    def us(self, j: int) -> int:
        info, tv = self.infos[j], self.tvs[j]
        return tv[0] + int(self.lines[j][info.f0:info.f1]) * info.fs if info.f1 else tv[0]

    def extreme(self, secs: list, sec: int, pick) -> int:
        """The earliest (``pick=min``) or latest exact time among the lines of second ``sec``."""
        return pick(self.us(j) for j in _all(secs, sec))


def _count(lm: LogMiner, run: Run, pos: int, s: _Stretch, secs: list, cut: float, tally: Tally) -> None:
    smin, smax = min(secs), max(secs)
    if smin <= tally.lo_us:  # (else no line here is earlier: each is at least its second)
        tally.lo_us = min(tally.lo_us, s.extreme(secs, smin, min))
    if smax + SPAN >= tally.hi_us:
        tally.hi_us = max(tally.hi_us, s.extreme(secs, smax, max))
    tally.us = s.us(len(secs) - 1)
    counts = Counter(s.cl)
    for cluster, k in counts.items():
        cluster.count += k
    if any(map(_LMAP, s.infos)):
        _levels(lm, s, counts)
    _firsts_and_lasts(lm, run, pos, s, counts, tally)
    if smin >= cut:
        _incident(lm, run, pos, s, counts, None)
    elif smax + SPAN < cut:
        for cluster, k in counts.items():
            lm.stats[cluster.id].baseline += k
    else:  # the stretch straddles the cutoff: compare exact times
        inc = [s.us(j) >= cut for j in range(len(secs))]
        for cluster, k in Counter(compress(s.cl, map(not_, inc))).items():
            lm.stats[cluster.id].baseline += k
        _incident(lm, run, pos, s, Counter(compress(s.cl, inc)), inc)


def _levels(lm: LogMiner, s: _Stretch, counts: Counter) -> None:
    """Levels that depend on digits (HTTP status, syslog PRI): only the highest rank seen counts, so a
    template already at the table's top rank is skipped. One reader has one such table (``lmap``);
    lines without one have an empty span."""
    from agent.evidence.logs import _LEVEL_RANK as rank

    lmap = next(filter(None, map(_LMAP, s.infos)))
    rising = [c for c in counts if rank[lm.stats[c.id].level] < lmap.top]
    if not rising:
        return
    raws = [x[i.l0:i.l1] for x, i in zip(s.lines, s.infos)]
    if len(counts) > 1:
        seen = set(zip(s.cl, raws))
    else:  # one template: the highest status (same width, so the greatest bytes) has the highest rank
        seen = {(rising[0], raw) for raw in ((max(raws),) if lmap.monotone else set(raws))}
    for cluster, raw in seen:
        if raw:
            lvl, st = lmap[raw], lm.stats[cluster.id]
            if lvl != st.level and rank[lvl] > rank[st.level]:
                st.level = lvl


def _firsts_and_lasts(lm: LogMiner, run: Run, pos: int, s: _Stretch, counts: Counter, tally: Tally) -> None:
    """Each template's last line, and its first lines while it has fewer than three examples."""
    from agent.evidence.logs import _example

    cl, n = s.cl, len(s.cl)
    rev = cl[::-1]
    for cluster in counts:
        st = lm.stats[cluster.id]
        j = n - 1 - rev.index(cluster)
        tally.last_of[cluster] = (s.us(j), pos + j)
        j = -1
        while len(st.examples) < 3 and (j := _index(cl, cluster, j + 1)) >= 0:
            _example(st, run.row(pos + j), _dt(s.us(j)))


def _incident(lm: LogMiner, run: Run, pos: int, s: _Stretch, counts: Counter, inc: list | None) -> None:
    """Lines in the window (all, or where ``inc``): counts, the first one seen, the minute histogram."""
    from agent.evidence.logs import MAX_MINUTES, _seen

    cl, mins = s.cl, map(_MIN, s.tvs)
    if inc is not None:
        cl, mins = list(compress(cl, inc)), compress(mins, inc)
    for cluster, k in counts.items():
        st = lm.stats[cluster.id]
        st.incident += k
        if st.first_incident is None:
            j = _first_in(s.cl, cluster, inc)
            st.first_incident = _seen(run.row(pos + j), _dt(s.us(j)))
    stats = lm.stats
    if len(counts) == 1:  # one template: its minutes alone (cheaper than pairs)
        (cluster,) = counts
        _add_minutes(stats[cluster.id].minutes, Counter(mins).items(), MAX_MINUTES)
        return
    for (cluster, minute), k in Counter(zip(cl, mins)).items():
        _add_minutes(stats[cluster.id].minutes, ((minute, k),), MAX_MINUTES)


def _add_minutes(minutes: dict, counted, cap: int) -> None:
    for minute, k in counted:
        if minute in minutes:
            minutes[minute] += k
        elif len(minutes) < cap:
            minutes[minute] = k


def _first_in(cl: list, cluster, inc: list | None) -> int:
    j = cl.index(cluster)
    while inc is not None and not inc[j]:
        j = cl.index(cluster, j + 1)
    return j


def _all(items: list, value) -> list[int]:
    """Where ``value`` is in ``items`` (it is there): counted in C, then found from the first one on (in a
    time-sorted stretch they are next to each other)."""
    k, j = items.count(value), items.index(value)
    out = [j]
    while len(out) < k:
        j += 1
        if items[j] == value:
            out.append(j)
    return out


def _index(items: list, value, start: int) -> int:
    try:
        return items.index(value, start)
    except ValueError:
        return -1


def _dt(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)
