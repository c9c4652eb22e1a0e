"""The record state machine of a text log: which line starts a record (its timestamp shape matches),
which lines continue it (stack traces, wrapped messages), and when the file switches shape.

Shared by the plain reader (agent/sources/logs.py) and the block reader (agent/sources/fastlogs.py),
so both turn the same lines into the same records.
"""

from __future__ import annotations

import re
from typing import Any, Iterator, Sequence

from agent.models import LogSource
from agent.redact import redact
from agent.sources.logfields import MAX_MESSAGE, make_record
from agent.sources.logshapes import BY_ID, SHAPES, LineState, Shape
from agent.sources.timeparse import zone

FALLBACK = [s for s in SHAPES if s.id != "iso8601_embedded"]


class TextState:
    """Feed it lines in file order; it returns each record once the line after it shows it is complete.
    ``cur`` is the open record: [time, level, message, service, line, raw, flagged]."""

    def __init__(self, src: LogSource, make: Any = make_record):
        self.lstate = LineState(tz=zone(src.timezone), year=src.year)
        self.shape = self.main = BY_ID.get(src.format, BY_ID["iso8601"])
        self.rel, self.service, self.make = src.path, src.service, make
        self.cur: list[Any] | None = None

    def feed(self, lines: Sequence[str | None], first: int, flags: set[int], lo: int = 0,
             hi: int | None = None) -> Iterator[Any]:
        """Records completed by ``lines[lo:hi]`` (line ``i`` is number ``first + i``)."""
        shape, cur, state = self.shape, self.cur, self.lstate
        rel, default_service, make = self.rel, self.service, self.make
        for i in range(lo, len(lines) if hi is None else hi):
            text = lines[i]
            if text is None:
                continue
            m = shape.regex.match(text)
            if m is None and text and not text[0].isspace():
                shape, m = other_shape(text, shape)
            if m is None:
                if cur is None:
                    cur = [None, None, text, None, first + i, text, i in flags]
                elif len(cur[2]) < MAX_MESSAGE:
                    cur[2] = (cur[2] + "\n" + text)[:MAX_MESSAGE]
                    cur[5] = (cur[5] + "\n" + text)[:MAX_MESSAGE]
                    cur[6] = cur[6] or i in flags
                continue
            if cur is not None:
                yield record(cur, rel, default_service, make)
            time, level, message, service = shape.convert(m, state)
            cur = [time, level, message, service, first + i, text, i in flags]
        self.shape, self.cur = shape, cur

    def flush(self) -> Any:
        """The open record, if any (it is complete: a record-starting line follows, or the file ends)."""
        cur, self.cur = self.cur, None
        return None if cur is None else record(cur, self.rel, self.service, self.make)


def other_shape(text: str, current: Shape) -> tuple[Shape, re.Match[str] | None]:
    for shape in FALLBACK:
        if shape is not current:
            m = shape.regex.match(text)
            if m is not None:
                return shape, m
    return current, None


def record(cur: list[Any], rel: str, service: str | None, make: Any = make_record) -> Any:
    time, level, message, svc, line, raw, flagged = cur
    if flagged:
        message, raw = redact(message), redact(raw)
    return make(time, level, message, svc or service, rel, line, raw)
