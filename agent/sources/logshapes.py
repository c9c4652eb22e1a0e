"""The timestamp shapes of text log lines. Each shape is one precompiled regex (anchored at the line
start, so a miss is cheap) plus a function turning the match into (time, level, message, service).

Shapes without a year (RFC 3164 syslog, Android) take it from ``LineState.year``; shapes without a zone
use ``LineState.tz``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Callable

from agent import rxcache as rx
from agent.sources.levels import SYSLOG_SEVERITY, normalise_level
from agent.sources.timeparse import UTC, from_epoch, parse_iso

MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                      "Nov", "Dec"), start=1)}
_LEVEL_WORDS = r"TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|SEVERE|FATAL|CRIT|CRITICAL|PANIC|EMERG|ALERT"
# A level token at the start of the rest of the line, after optional [thread]/pid/dash prefixes.
_LEVEL_AT = rx.compile(r"(?:\[[^\]]{0,60}\]\s*|\d+\s+|-\s+|\|\s*)*\[?(?P<level>[A-Za-z]{1,11})\]?(?=[\s:|\]]|$)")
_LEVEL_UPPER = rx.compile(rf"\b(?P<level>{_LEVEL_WORDS})\b")


@dataclass
class LineState:
    tz: tzinfo = UTC
    year: int | None = None
    last_month: int = 0
    zoneless_seen: bool = False


Parsed = tuple[datetime | None, str | None, str, str | None]  # time, level, message, service


@dataclass(frozen=True)
class Shape:
    id: str
    regex: re.Pattern[str]
    convert: Callable[[re.Match[str], LineState], Parsed]
    zoneless: bool = False  # never carries a zone
    needs_year: bool = False
    extra: dict = field(default_factory=dict)


_FAST_LEVELS = {w: normalise_level(w) for w in _LEVEL_WORDS.split("|")}
_FAST_LEVELS.update({w.capitalize(): lvl for w, lvl in list(_FAST_LEVELS.items())})
_FAST_LEVELS.update({w.lower(): lvl for w, lvl in list(_FAST_LEVELS.items())})


def level_in(rest: str) -> str | None:
    """The level word near the start of a line's rest: 'ERROR [main] ...', '[123] WARNING: ...'."""
    head = rest[:24].split(None, 1)
    if head:
        fast = _FAST_LEVELS.get(head[0].strip("[]:|-"))
        if fast:
            return fast
    m = _LEVEL_AT.match(rest)
    if m:
        lvl = normalise_level(m.group("level"))
        if lvl and (len(m.group("level")) > 1 or m.group("level").isupper()):
            return lvl
    m = _LEVEL_UPPER.search(rest, 0, 80)
    return normalise_level(m.group("level")) if m else None


def _iso(m: re.Match[str], st: LineState) -> Parsed:
    ts, rest = m.group("ts", "rest")
    try:  # fast path: the C parser handles 'T' or ' ', ',' or '.', 'Z' and offsets
        dt: datetime | None = datetime.fromisoformat(ts)
    except ValueError:
        dt, _ = parse_iso(ts, st.tz)  # e.g. '... UTC', offsets without a colon
    else:
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=st.tz) if st.tz is UTC else dt.replace(tzinfo=st.tz).astimezone(UTC)
        elif dt.tzinfo is not UTC:
            dt = dt.astimezone(UTC)
    return dt, level_in(rest), rest, None


def _year_for(month: int, st: LineState) -> int:
    """Year for a yearless date; a month going back by more than six means the log crossed New Year."""
    if st.year is None:
        st.year = 1970
    if st.last_month and month < st.last_month - 6:
        st.year += 1
    st.last_month = month
    return st.year


_TIMES: dict[tuple, datetime | None] = {}  # parsed second-resolution stamps: many lines share a second


def _cached(key: tuple, make: Callable[[], datetime | None]) -> datetime | None:
    dt = _TIMES.get(key, _TIMES)
    if dt is _TIMES:
        if len(_TIMES) >= 4096:
            _TIMES.clear()
        dt = _TIMES[key] = make()
    return dt  # type: ignore[return-value]


def _rfc3164(m: re.Match[str], st: LineState) -> Parsed:
    mon, day, hms = m.group("mon", "day", "hms")
    month = MONTHS[mon]
    year = _year_for(month, st)
    dt = _cached((year, month, day, hms, st.tz), lambda: _naive(year, month, int(day), *map(int, hms.split(":")), 0, st))
    rest = m.group("rest")
    pri = m.group("pri")
    level = SYSLOG_SEVERITY[int(pri) % 8] if pri else level_in(rest.partition(": ")[2] or rest)
    tag = _SYSLOG_TAG.match(rest)
    return dt, level, rest, tag.group(1) if tag else None


_SYSLOG_TAG = rx.compile(r"([^\s:\[(]+)")


def _naive(y: int, mo: int, d: int, h: int, mi: int, s: int, us: int, st: LineState) -> datetime | None:
    try:
        return datetime(y, mo, d, h, mi, s, us, tzinfo=st.tz).astimezone(UTC)
    except ValueError:
        return None


def _rfc5424(m: re.Match[str], st: LineState) -> Parsed:
    ts = m.group("ts")
    dt = parse_iso(ts, st.tz)[0] if ts != "-" else None
    rest = _SD.sub("", m.group("rest"), count=1).lstrip()
    app = m.group("app")
    return dt, SYSLOG_SEVERITY[int(m.group("pri")) % 8], rest, None if app == "-" else app


_SD = rx.compile(r"^(?:-|(?:\[(?:[^\]\\]|\\.)*\])+)")


def _access(m: re.Match[str], st: LineState) -> Parsed:
    ts = m.group("ts")
    dt = _cached((ts,), lambda: _access_time(ts, st)) if " " in ts else _access_time(ts, st)
    status = int(m.group("status"))
    level = "error" if status >= 500 else "warning" if status >= 400 else "info"
    return dt, level, m.string, None


def _access_time(ts: str, st: LineState) -> datetime | None:
    try:
        return _access_datetime(ts, st)
    except ValueError:  # '31/Feb/2026:10:00:60': no such time; the record keeps the one before
        return None


def _access_datetime(ts: str, st: LineState) -> datetime:
    day, mon, rest_ts = ts.split("/", 2)
    ymd_hms, _, off = rest_ts.partition(" ")
    year, hh, mi, ss = ymd_hms.split(":")
    tz = st.tz
    if off:
        sign = -1 if off[0] == "-" else 1
        delta = timedelta(hours=int(off[1:3]), minutes=int(off[3:5])) * sign
        dt = datetime(int(year), MONTHS.get(mon, 1), int(day), int(hh), int(mi), int(ss), tzinfo=UTC) - delta
    else:
        st.zoneless_seen = True
        dt = datetime(int(year), MONTHS.get(mon, 1), int(day), int(hh), int(mi), int(ss), tzinfo=tz).astimezone(UTC)
    return dt


def _apache_error(m: re.Match[str], st: LineState) -> Parsed:
    hh, mi, ss = m.group("hms").split(":")
    frac = m.group("frac") or "0"
    dt = _naive(int(m.group("year")), MONTHS.get(m.group("mon"), 1), int(m.group("day")), int(hh), int(mi),
                int(ss), int(frac[:6].ljust(6, "0")), st)
    return dt, normalise_level(m.group("level")), m.group("rest"), None


def _slashed(m: re.Match[str], st: LineState) -> Parsed:
    ts = m.group("ts")
    if len(ts.split(" ")[0]) == 8:  # yy/mm/dd (Spark)
        ts = "20" + ts
    dt, _ = parse_iso(ts.replace("/", "-", 2), st.tz)
    rest = m.group("rest")
    return dt, level_in(rest), rest, None


def _hdfs(m: re.Match[str], st: LineState) -> Parsed:
    d, t = m.group("d"), m.group("t")
    dt = _naive(2000 + int(d[:2]), int(d[2:4]), int(d[4:6]), int(t[:2]), int(t[2:4]), int(t[4:6]), 0, st)
    rest = m.group("rest")
    return dt, level_in(rest), rest, None


def _android(m: re.Match[str], st: LineState) -> Parsed:
    month = int(m.group("mo"))
    hh, mi, rest_s = m.group("hms").split(":")
    ss, _, ms = rest_s.partition(".")
    dt = _naive(_year_for(month, st), month, int(m.group("day")), int(hh), int(mi), int(ss), int(ms or 0) * 1000, st)
    rest = m.group("rest")
    tag = rest.split(":", 1)[0].strip() if ":" in rest else None
    return dt, normalise_level(m.group("level")), rest, tag


_KLOG_LEVELS = {"I": "info", "W": "warning", "E": "error", "F": "critical"}


def _klog(m: re.Match[str], st: LineState) -> Parsed:
    """Go's glog/klog (Kubernetes components): 'E0614 09:00:00.000000    1 file.go:114] msg', no year."""
    month = int(m.group("mo"))
    hh, mi, rest_s = m.group("hms").split(":")
    ss, _, frac = rest_s.partition(".")
    dt = _naive(_year_for(month, st), month, int(m.group("day")), int(hh), int(mi), int(ss),
                int(frac[:6].ljust(6, "0")), st)
    return dt, _KLOG_LEVELS[m.group("level")], m.group("rest"), None


def _epoch(m: re.Match[str], st: LineState) -> Parsed:
    rest = m.group("rest")
    return from_epoch(int(m.group("epoch"))), level_in(rest), rest, None


_ISO_TS = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|\s?[+-]\d{2}:?\d{2}\b|\s?(?:UTC|GMT)(?![A-Za-z]))?"

SHAPES: tuple[Shape, ...] = (
    Shape("iso8601", rx.compile(rf"(?P<ts>{_ISO_TS})[\s|,;\]]*(?P<rest>.*)", re.S), _iso),
    Shape("rfc5424", rx.compile(r"<(?P<pri>\d{1,3})>1 (?P<ts>\S+) (?P<host>\S+) (?P<app>\S+) (?P<proc>\S+) "
                                r"(?P<msgid>\S+) ?(?P<rest>.*)", re.S), _rfc5424),
    Shape("rfc3164", rx.compile(r"(?:<(?P<pri>\d{1,3})>)?(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
                                r" {1,2}(?P<day>\d{1,2}) (?P<hms>\d{2}:\d{2}:\d{2}) (?P<host>\S+) (?P<rest>.*)", re.S),
          _rfc3164, zoneless=True, needs_year=True),
    Shape("access", rx.compile(r"(?P<host>\S+) (?P<ident>\S+) (?P<user>\S+) \[(?P<ts>\d{2}/[A-Z][a-z]{2}/\d{4}:"
                               r"\d{2}:\d{2}:\d{2}(?: [+-]\d{4})?)\] \"(?P<req>[^\"]*)\" (?P<status>\d{3}) ", re.S),
          _access),
    Shape("apache_error", rx.compile(r"\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?P<mon>[A-Z][a-z]{2}) (?P<day>\d{1,2}) "
                                     r"(?P<hms>\d{2}:\d{2}:\d{2})(?:\.(?P<frac>\d+))? (?P<year>\d{4})\] "
                                     r"\[(?:[\w.-]+:)?(?P<level>\w+)\] (?P<rest>.*)", re.S), _apache_error, zoneless=True),
    Shape("go", rx.compile(r"(?P<ts>\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,9})?) (?P<rest>.*)", re.S), _slashed,
          zoneless=True),
    Shape("spark", rx.compile(r"(?P<ts>\d{2}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}) (?P<rest>.*)", re.S), _slashed,
          zoneless=True),
    Shape("hdfs", rx.compile(r"(?P<d>\d{6}) (?P<t>\d{6}) (?P<rest>.*)", re.S), _hdfs, zoneless=True),
    Shape("android", rx.compile(r"(?P<mo>\d{2})-(?P<day>\d{2}) (?P<hms>\d{2}:\d{2}:\d{2}\.\d{3}) +\d+ +\d+ "
                                r"(?P<level>[VDIWEF]) (?P<rest>.*)", re.S), _android, zoneless=True, needs_year=True),
    Shape("klog", rx.compile(r"(?P<level>[IWEF])(?P<mo>\d{2})(?P<day>\d{2}) (?P<hms>\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?) +"
                             r"\d+ (?P<rest>[^\s\]]+\] .*)", re.S), _klog, zoneless=True, needs_year=True),
    Shape("epoch", rx.compile(r"\S+ (?P<epoch>1\d{9}) \d{4}\.\d{2}\.\d{2} (?P<rest>.*)", re.S), _epoch),
    Shape("iso8601_embedded", rx.compile(rf"(?P<prefix>\S{{1,100}}) (?P<ts>{_ISO_TS})[\s|,;\]]*(?P<rest>.*)", re.S),
          _iso),
)
BY_ID = {s.id: s for s in SHAPES}
