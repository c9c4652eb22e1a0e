"""Counting a Run of the block reader (agent/sources/fastlogs.py) into a LogMiner, line by line but
without parsing: the line's info already knows its template, level and service, and its time is the
cached value of its second plus its fraction. Everything else follows ``LogMiner._feed_all`` for a
one-line record with a time, in the same order, so the results are the same:

- the template is bound when the info is first used (the miner sees new shapes in file order);
- examples, the first occurrence and the first in the incident window are built from the row the
  plain path would have made (``Run.row``), only when they are kept;
- the last occurrence is kept per cluster as (microseconds, index) and turned into a datetime at the run's end.

Most lines are counted a stretch at a time (agent/evidence/fastcount.py, same effects in fewer, mostly
C-level passes); the per-line loop here takes the lines a stretch stops at.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from agent.evidence.drain import ZERO
from agent.evidence.fastcount import Tally, count_stretch
from agent.sources.fastlogs import BAD, EPOCH, US, LineInfo, Run

if TYPE_CHECKING:
    from agent.evidence.logs import LogMiner

_NO_CUT = float("-inf")
_WIDE, _NARROW = 8192, 32  # lines a stretch looks at: at most, and after a line that stopped one early


def _dt(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def cut_us(cut: datetime | None) -> float | int | None:
    """The window's cutoff in microseconds since the epoch; None when the fast path cannot compare."""
    if cut is None:
        return _NO_CUT
    return None if cut.tzinfo is None else (cut - EPOCH) // US


def feed_run(lm: LogMiner, run: Run, last: datetime | None, cut: float | int) -> datetime | None:
    """Count lines ``run.lo:run.hi``; ``last`` is the last known time before them; returns it after."""
    reader, miner = run.reader, lm.miner
    _check_clears(miner, reader)
    if reader.yearly and reader.state.lstate.year != reader.year:
        reader.new_year()
    return _feed_lines(lm, run, last, cut)


def _check_clears(miner, reader) -> bool:
    if miner.clears == reader.clears:
        return False
    reader.clears = miner.clears
    reader.invalidate()
    return True


def _feed_lines(lm: LogMiner, run: Run, last: datetime | None, cut: float | int) -> datetime | None:
    """Stretches of lines counted at once (agent/evidence/fastcount.py), and the lines they stop at
    through the per-line loop. A stretch looks at up to ``width`` lines, which doubles while stretches
    get that far and drops to twice the lines counted when one stops early, so the look-ahead wasted
    stays in proportion to the lines counted; where stops are dense, the loop takes a few lines more."""
    tally = Tally(last)
    pos, hi, width = run.lo, run.hi, _WIDE
    while pos < hi:
        end = min(hi, pos + width)
        k = count_stretch(lm, run, pos, end, cut, tally)
        if k < end:
            good = k - pos
            width = max(_NARROW, 2 * good)
            k = _per_line(lm, run, k, k + 1 if good >= _NARROW else min(hi, k + _NARROW), cut, tally)
        else:
            width = min(_WIDE, 2 * width)
        pos = k
    _flush_last(lm, tally.last_of, run)
    _totals(lm, run.hi - run.lo - tally.bad, tally.lo_us, tally.hi_us)
    return _dt(tally.us) if tally.us is not None else tally.last


def _per_line(lm: LogMiner, run: Run, lo: int, hi: int, cut: float, tally: Tally) -> int:
    """Lines ``lo:hi`` one at a time, with the effects of ``_feed_all`` for a one-line record."""
    from agent.evidence.logs import _LEVEL_RANK as rank
    from agent.evidence.logs import MAX_MINUTES, _example, _seen

    reader = run.reader
    lines, infos, yearly = run.lines, run.infos, reader.yearly
    lstate = reader.state.lstate if yearly else None
    lo_us, hi_us, us, bad, last, last_of = tally.lo_us, tally.hi_us, tally.us, tally.bad, tally.last, tally.last_of
    for i in range(lo, hi):
        line, info = lines[i], infos[i]
        tv = info.tc.get(line[info.t0:info.t1])
        if tv is None or yearly and tv[2] != lstate.last_month:
            tv = reader.time_value(info, line, None, run, i)
        if tv is BAD:
            _flush_last(lm, last_of, run)
            last = _one(lm, run, run.row(i), _dt(us) if us is not None else last)
            us, bad = None if last is None else (last - EPOCH) // US, bad + 1
            continue
        st = info.st
        if st is None:
            cluster, st = _bind(lm, info, run, i)
        else:
            cluster = info.cluster
        cluster.count += 1
        us = tv[0] + int(line[info.f0:info.f1]) * info.fs if info.f1 else tv[0]
        if us < lo_us:
            lo_us = us
        if us > hi_us:
            hi_us = us
        if info.lmap is not None:
            lvl = info.lmap[line[info.l0:info.l1]]
            if lvl != st.level and rank[lvl] > rank[st.level]:
                st.level = lvl
        if len(st.examples) < 3:
            _example(st, run.row(i), _dt(us))
        last_of[cluster] = (us, i)
        if us < cut:
            st.baseline += 1
        else:
            st.incident += 1
            if st.first_incident is None:
                st.first_incident = _seen(run.row(i), _dt(us))
            minute, minutes = tv[1], st.minutes
            if minute in minutes:
                minutes[minute] += 1
            elif len(minutes) < MAX_MINUTES:
                minutes[minute] = 1
    tally.lo_us, tally.hi_us, tally.us, tally.bad, tally.last = lo_us, hi_us, us, bad, last
    return hi


def _bind(lm: LogMiner, info: LineInfo, run: Run, i: int) -> tuple:
    """What ``_feed_all`` does for the line: look its message up in the miner (mining it when new), then
    the level and service, which every line of the info shares. The answer is kept on the info when the
    miner keeps it by key (its lines all mask alike); else the next line of the info asks again.

    An info may serve several keys (hex ids, see fastlogs._new): their lines mask alike, and the miner
    hands every line of one masked text the same template until its cache clears (then all infos are
    bound again, at their next line, as the plain path would look them up again)."""
    from agent.evidence.logs import _LEVEL_RANK as rank
    from agent.evidence.logs import TemplateStats

    miner, reader = lm.miner, run.reader
    row = run.row(i)
    info.row = None
    key = row[2].encode("utf-8", "surrogatepass").translate(ZERO)
    cluster = miner.known.get(key)
    if cluster is None:
        cluster = lm._miss(row[2], row, row[0])
        cluster.count -= 1  # add() counted this line; the caller counts every line
        _check_clears(miner, reader)
    st = lm.stats.get(cluster.id)
    if st is None:
        st = lm.stats[cluster.id] = TemplateStats(cluster.id)
    lvl, svc = row[1], row[3]
    if lvl is not None and lvl != st.level and rank[lvl] > rank[st.level]:
        st.level = lvl
    if svc is not None and svc not in st.services and len(st.services) < 8:
        st.services.add(svc)
    if miner.known.get(key) is cluster:
        info.cluster, info.st = cluster, st
    return cluster, st


def _one(lm: LogMiner, run: Run, row: tuple, last: datetime | None) -> datetime | None:
    """A line whose time the fast path cannot vouch for, through the plain path."""
    lm._feed_all([row], last, None, run.reader.src.path)
    _check_clears(lm.miner, run.reader)
    return lm._carry


def _flush_last(lm: LogMiner, last_of: dict, run: Run) -> None:
    path, first, stats = run.reader.src.path, run.first, lm.stats
    for cluster, (us, i) in last_of.items():
        st = stats[cluster.id]
        st.last_time, st.last_file, st.last_line = _dt(us), path, first + i
    last_of.clear()


def _totals(lm: LogMiner, n: int, lo_us, hi_us) -> None:
    res = lm.result
    res.records += n
    res.lines += n
    if n:
        lo, hi = _dt(lo_us), _dt(hi_us)
        if res.first_time is None or lo < res.first_time:
            res.first_time = lo
        if res.last_time is None or hi > res.last_time:
            res.last_time = hi
