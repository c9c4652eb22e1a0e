"""What one digit-blind line key says about every line that reads like it (the block reader's
classification, agent/sources/fastlogs.py).

A key is a line with every digit 1-9 turned to 0. All lines of one key share their timestamp layout,
their masked message, level and service, or these sit at fixed offsets (an HTTP status, a syslog
PRI); ``LineInfo`` records that once. Keys the reasoning does not cover are not FAST: their lines go
through the plain parser. Lines whose keys differ only inside hex tokens the masker replaces whole
(request ids) share one info (``KeyClassifier._new``).
"""

from __future__ import annotations

import re
from datetime import timezone
from typing import Any

from agent import rxcache as rx
from agent.sources import logfields
from agent.sources.levels import SYSLOG_SEVERITY
from agent.sources.logs import record_fields
from agent.sources.logshapes import LineState
from agent.sources.scrub import digit_blind_needs_redaction
from agent.sources.textstate import FALLBACK

FAST, START, CONT, MAYBE = 0, 1, 2, 3  # a one-line record start we can count / a start to parse / not a start
MAX_CONTENT = 4096  # agent.evidence.drain.MAX_CONTENT: longer messages always go through the miner
UTC = timezone.utc
ZERO = bytes.maketrans(b"123456789", b"000000000")
_ONES = str.maketrans("0123456789", "1111111111")
# a timestamp whose whole second (plus zone) keys the time, the fraction added on: '2026-02-05T10:00:00.054Z'
_ISO_LAYOUT = rx.compile(r"(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d)(?:[.,](\d{1,6}))?(Z|UTC|GMT| UTC| GMT)?", re.A)


class LineInfo:
    """What every line of one digit-blind key shares. ``t0:t1`` is the time key (the line's second and
    zone; ``tc`` caches its value), ``f0:f1`` its fraction (times ``fs`` gives microseconds), ``l0:l1``
    a level that depends on digits (HTTP status, syslog PRI) looked up in ``lmap``; ``cluster``/``st``
    are bound by the evidence stage (agent/evidence/fastmine.py)."""

    __slots__ = ("kind", "t0", "t1", "f0", "f1", "fs", "tc", "l0", "l1", "lmap", "cluster", "st", "row", "s0", "mc")

    def __init__(self, kind: int):
        self.kind, self.lmap, self.cluster, self.st = kind, None, None, None
        self.t0 = self.t1 = self.f0 = self.f1 = self.l0 = self.l1 = 0
        self.fs = 1
        self.tc: dict = {}
        self.row: tuple | None = None  # the row of the line it was classified on, until it is bound
        self.s0 = -1  # where the two digits of the second sit, when seconds add linearly (see time_value)
        self.mc: dict = {}  # minute key -> (microseconds of the minute, month)


_NOT_START, _MAYBE, _START = LineInfo(CONT), LineInfo(MAYBE), LineInfo(START)


class KeyClassifier:
    """The classification half of FastReader (which sets ``main``, ``state``, ``json``, ``src``,
    ``yearly``, ``twins``, ``tcs`` and ``mcs``)."""

    main: Any
    state: Any
    json: bool
    src: Any
    yearly: bool
    twins: dict
    twin_hit: bool
    tcs: dict
    mcs: dict

    def _new(self, line: bytes, key: bytes, lineno: int) -> LineInfo:
        """Classify a new key, or share the info of a key that differs only inside whole-masked hex
        tokens: their lines mask alike, so the miner gives them one template. ``twins`` is indexed by
        the key with hex letters folded (a cheap hint); the hint's hex token spans, filled on both
        keys, must then agree, and hold such tokens in this key too (the exact test)."""
        folded = key.translate(FOLD_HEX)
        hint = self.twins.get(folded)
        if hint is not None and hint.fits(key):
            self.twin_hit = True
            return hint.info
        self.twin_hit = False
        info = self._classify(line, key, lineno)
        if info.kind == FAST and hint is None:
            spans = [m.span() for m in _HEX_TOKEN.finditer(key) if _whole_masked(key, *m.span())]
            if spans:
                self.twins[folded] = _Twin(info, key, spans)
        return info

    def _classify(self, line: bytes, key: bytes, lineno: int) -> LineInfo:
        text = line.decode()
        info = self._classify_json(text, key, lineno) if self.json else self._classify_text(text, key, lineno)
        if info.kind == FAST and digit_blind_needs_redaction(key.decode()):
            return _START
        return info

    def _classify_text(self, text: str, key: bytes, lineno: int) -> LineInfo:
        main = self.main
        m = main.regex.match(text)  # type: ignore[union-attr]
        if m is None:
            if not text or text[0].isspace():
                return _NOT_START
            # fallback shapes only name the digit '1' (epoch, RFC 5424): all-ones decides 'maybe a start'
            if _other(text.translate(_ONES)) is None:
                return _NOT_START
            return _START if _other(key.decode()) is not None else _MAYBE
        time, level, message, service = main.convert(m, _scratch(self.state.lstate))  # type: ignore[union-attr]
        if not _plain_message(message) or (main.id == "rfc3164" and any(c.isdigit() for c in service or "")):
            return _START
        info = LineInfo(FAST)
        if not self.yearly:  # (a yearless row parsed on scratch state may carry the wrong year)
            info.row = (time, level, message, service or self.state.service, self.state.rel, lineno, text)
        ts = "ts" if main.id != "rfc3164" else None
        if main.id == "access":
            _dyn_level(info, text, m.span("status"), _STATUS_LEVELS)
        elif main.id == "rfc3164" and m.group("pri"):
            _dyn_level(info, text, m.span("pri"), _PRI_LEVELS)
        if ts is None:  # 'Feb  5 10:00:00': month to seconds; the year comes from the reader's state
            _time_span(info, text, m.start("mon"), m.end("hms"), None)
            self._tables(info, ("3164",), info.t1 - 2 if self.state.lstate.tz is UTC else -1)
        else:
            self._iso_time(info, text, m.start(ts), m.end(ts), "text" if main.id == "iso8601" else "access")
        return info

    def _classify_json(self, text: str, key: bytes, lineno: int) -> LineInfo:
        obj = logfields._loads(text)
        if obj is None:
            return _NOT_START if text.strip() else _MAYBE
        if "\\" in text or _has_number(obj):
            return _MAYBE  # escapes and numbers are not digit-blind (a leading zero is invalid JSON)
        row = logfields._record(obj, self.src, lineno, text, self.state.tz, False, record_fields)
        tkeys, mkeys, skeys, lkeys = logfields._keys_for(obj)
        value, msg = logfields._pick(obj, tkeys), logfields._pick(obj, mkeys)
        level, service = logfields._pick(obj, lkeys), logfields._pick(obj, skeys)
        if not isinstance(value, str) or not isinstance(msg, (str, type(None))) or not _plain_message(row[2]) \
                or _digits(level) or _digits(service):
            return _START
        needle = b'"' + value.encode().translate(ZERO) + b'"'
        if key.count(needle) != 1:
            return _START
        start = len(key[:key.find(needle) + 1].decode())
        if text[start:start + len(value)] != value:
            return _START
        info = LineInfo(FAST)
        info.row = row
        self._iso_time(info, text, start, start + len(value), "json")
        return info

    def _iso_time(self, info: LineInfo, text: str, start: int, end: int, kind: str) -> None:
        ts = text[start:end]
        utc = self.state.lstate.tz is UTC if not self.json else self.state.tz is UTC
        if kind == "access":  # '05/Feb/2026:10:00:00 +0000'
            _time_span(info, text, start, end, None)
            self._tables(info, (kind,), info.t0 + 18 if (" " in ts or utc) and ts.isascii() else -1)
            return
        m = _ISO_LAYOUT.fullmatch(ts)
        if m is None:  # any other layout: the whole timestamp is the key
            _time_span(info, text, start, end, None)
            self._tables(info, (kind, "whole"), -1)
            return
        _time_span(info, text, start, start + m.end(1), m.span(2) if m.group(2) else None, start)
        self._tables(info, (kind, m.group(3) or ""), info.t1 - 2 if (m.group(3) or utc) else -1)

    def _tables(self, info: LineInfo, kind: tuple, s0: int) -> None:
        info.tc = self.tcs.setdefault(kind, {})
        info.mc = self.mcs.setdefault(kind, {})
        info.s0 = s0



def _other(text: str) -> Any:
    for shape in FALLBACK:
        m = shape.regex.match(text)
        if m is not None:
            return m
    return None


def _scratch(state: LineState) -> LineState:
    return LineState(tz=state.tz, year=state.year or 1970)


def _plain_message(msg: str) -> bool:
    """A message the fast path may count: one line, short enough to be mined whole, no problem to report."""
    return "\n" not in msg and len(msg) <= MAX_CONTENT and not (msg.endswith("]") and "...[truncated " in msg[-64:])


def _digits(value: Any) -> bool:
    return value is not None and (not isinstance(value, str) or any(c.isdigit() for c in value))


def _has_number(obj: Any) -> bool:
    if isinstance(obj, dict):
        return any(_has_number(v) for v in obj.values())
    if isinstance(obj, list):
        return any(_has_number(v) for v in obj)
    return isinstance(obj, (int, float)) and not isinstance(obj, bool)


def _byte_at(text: str, i: int) -> int:
    return len(text[:i].encode()) if not text.isascii() else i


def _time_span(info: LineInfo, text: str, start: int, end: int, frac: tuple[int, int] | None, base: int = 0) -> None:
    info.t0, info.t1 = _byte_at(text, start), _byte_at(text, end)
    if frac is not None:
        info.f0, info.f1 = _byte_at(text, base + frac[0]), _byte_at(text, base + frac[1])
        info.fs = 10 ** (6 - (frac[1] - frac[0]))


def _dyn_level(info: LineInfo, text: str, span: tuple[int, int], levels: _Levels) -> None:
    info.l0, info.l1, info.lmap = _byte_at(text, span[0]), _byte_at(text, span[1]), levels


class _Levels(dict):
    """bytes of a status or PRI -> level, filled on first sight; ``top``: the highest rank it can give;
    ``monotone``: a greater value never has a lower rank."""

    def __init__(self, fn: Any, top: int, monotone: bool):
        super().__init__()
        self.fn, self.top, self.monotone = fn, top, monotone

    def __missing__(self, raw: bytes) -> str:
        level = self[raw] = self.fn(int(raw))
        return level


_STATUS_LEVELS = _Levels(lambda status: "error" if status >= 500 else "warning" if status >= 400 else "info", 3, True)
_PRI_LEVELS = _Levels(lambda pri: SYSLOG_SEVERITY[pri % 8], 4, False)  # ranks as agent.evidence.logs._LEVEL_RANK

# A token the masker (agent/evidence/drain.py) replaces whole whatever its letters and digits: a whole
# token (between separators) of hex digits with at least one letter and one digit, not 'abc1' (three
# letters and a digit stay a word), and not four digits just after a 'hh:mm:ss ' (a ctime year would
# take them). Lines that differ only inside such tokens mask alike (see KeyClassifier._new).
_B = rb"""[ \t=,;()\[\]{}<>"'|]"""
_HEX_TOKEN = rx.compile(rb"(?<!(?!" + _B + rb").)[0-9a-f]*[a-f][0-9a-f]*(?!(?!" + _B + rb").)", re.S)
_WHOLE_MASKED = rx.compile(rb"(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])(?![a-f]{3,}[0-9]$)[0-9a-f]+")


def _whole_masked(key: bytes, a: int, b: int) -> bool:
    token = key[a:b]
    if _WHOLE_MASKED.fullmatch(token) is None:
        return False
    return not (token[:4].isdigit() and key[a - 1:a] == b" " and key[:a].rstrip(b" ")[-3:-2] == b":")


FOLD_HEX = bytes.maketrans(b"abcdef", b"000000")  # a hint only: the exact test is _Twin.fits


class _Twin:
    """A classified key with whole-masked hex tokens at ``spans``. ``fits(key)``, for a key of the same
    folded form (``FOLD_HEX``, how twins are looked up): the key equals this one outside the spans and
    holds whole-masked tokens in them, i.e. ``_fill(key, spans) == _fill(self key, spans)`` and
    ``_whole_masked(key, a, b)`` for each span. Without building either: one pattern, matched in C
    (compiled at the first ``fits``: most twins of junk see none), holds this key's bytes outside the
    spans and, since the folded forms agree, in a span
    only '0' (digit-blind) and a-f, so the masker's test is about zeros: a letter and a digit, not
    three or more letters then one digit. The ctime-year test looks left of a token, where the two
    keys agree (or both hold hex): worked out once."""

    __slots__ = ("info", "pattern", "_match")

    def __init__(self, info: LineInfo, key: bytes, spans: list[tuple[int, int]]):
        self.info, parts, pos = info, [], 0
        for a, b in spans:
            ctime = key[a - 1:a] == b" " and key[:a].rstrip(b" ")[-3:-2] == b":"
            parts += (re.escape(key[pos:a]), _token_pattern(b - a, ctime))
            pos = b
        parts.append(re.escape(key[pos:]))
        self.pattern, self._match = b"".join(parts), None

    def fits(self, key: bytes) -> bool:
        if self._match is None:
            self._match = re.compile(self.pattern).fullmatch  # a pattern per twin: built from its key
        return self._match(key) is not None


def _token_pattern(n: int, ctime: bool) -> bytes:
    """``n`` bytes of '0' and a-f holding a zero and a letter; from 4 bytes on, not a lone zero at the end
    (three or more letters then one digit stay a word); where a ctime year could be, not '0000'."""
    out = b"(?=[a-f]{0,%d}0)(?=0{0,%d}[a-f])" % (n - 1, n - 1)
    if n >= 4:
        out += b"(?![a-f]{%d}0)" % (n - 1)
    if ctime:
        out += b"(?!0000)"
    return out + b"[0a-f]{%d}" % n


def _fill(key: bytes, spans: list[tuple[int, int]]) -> bytes:
    """``key`` with each span replaced by 'a000...' of the same length."""
    out, pos = [], 0
    for a, b in spans:
        out += (key[pos:a], b"a", b"0" * (b - a - 1))
        pos = b
    out.append(key[pos:])
    return b"".join(out)
