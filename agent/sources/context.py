"""What a parser gets: the file it parses (text, line lookup, time parsing with the bundle's zone)
and the collector it appends normalised records to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from agent.models import (
    Alert,
    Change,
    ChatMessage,
    Event,
    IncidentMeta,
    LogSource,
    MetricSeries,
    Span,
    TicketInfo,
)
from agent.sources.detect import read_text
from agent.sources.jsonpos import LineIndex, array_item_lines
from agent.sources.scrub import scrub
from agent.sources.timeparse import UTC, parse_any

# What a parser meeting a record it cannot use raises: the loader turns it into a file error
PARSE_ERRORS = (ValueError, KeyError, TypeError, AttributeError, IndexError, LookupError, RecursionError,
                ArithmeticError)  # OverflowError: a date far past year 9999


@dataclass
class Collected:
    """Everything the parsers produce, later poured into a Bundle."""

    tickets: list[TicketInfo] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    series: list[MetricSeries] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    chat: list[ChatMessage] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    logs: list[LogSource] = field(default_factory=list)
    meta: IncidentMeta | None = None
    warnings: list[str] = field(default_factory=list)
    users: dict[str, str] = field(default_factory=dict)  # chat user id -> display name
    channels: dict[str, str] = field(default_factory=dict)  # chat channel id -> name
    tz: tzinfo = UTC
    tz_name: str | None = None
    uncounted: dict[str, Path] | None = None  # staged load: log files whose lines it counts later (rel -> path)

    def reference_time(self) -> datetime | None:
        """When the incident happened, from what is parsed so far: incident.yaml, tickets, then anything."""
        if self.meta and self.meta.start:
            return self.meta.start
        created = [t.created_at for t in self.tickets if t.created_at]
        if created:
            return min(created)
        times = [a.starts_at for a in self.alerts] + [e.time for e in self.events]
        return min(times) if times else None


@dataclass
class FileCtx:
    rel: str
    path: Path
    out: Collected
    doc: Any = None
    format: str | None = None  # a parser may refine the detector's format id, e.g. log.rfc3164
    _index: LineIndex | None = None
    _zone_warned: bool = False

    @property
    def text(self) -> str:
        return self.index.text

    @property
    def index(self) -> LineIndex:
        if self._index is None:
            self._index = LineIndex(read_text(self.path))
        return self._index

    def line_of(self, needle: str | None, start: int = 0) -> int | None:
        return self.index.find(needle, start) if needle else None

    def item_lines(self, path: tuple[str, ...], count: int) -> list[int | None]:
        """Line of each item of the array at ``path``; None-padded if the scan and the parse disagree."""
        lines: list[int | None] = list(array_item_lines(self.text, path, self.index))
        return (lines + [None] * count)[:count]

    def time(self, value: Any, line: int | None = None) -> datetime | None:
        """Parse a time value; warn once per file when it carries no zone."""
        dt, zoneless = parse_any(value, self.out.tz)
        if zoneless:
            self.warn_zoneless(line or (self.line_of(str(value)) if isinstance(value, str) else None))
        return dt

    def warn_zoneless(self, line: int | None) -> None:
        if self._zone_warned:
            return
        self._zone_warned = True
        zone = self.out.tz_name or "UTC"
        where = f"{self.rel}:{line}" if line else self.rel
        how = f"assumed {zone} (incident.yaml timezone)" if self.out.tz_name else "assumed UTC"
        self.out.warnings.append(f"{where}: timestamps have no zone; {how}")

    def pointer(self, line: int | None) -> str:
        return f"{self.rel}:{line}" if line else self.rel

    def event(self, time: datetime | None, source: str, kind: str, text: str, *, line: int | None = None,
              scrubbed: bool = False, **extra: Any) -> Event | None:
        """Append an Event (text redacted, unless the caller says ``scrub(text) == text`` already);
        events without a time are dropped (nothing to place)."""
        if time is None:
            return None
        attrs = {k: str(v) for k, v in (extra.pop("attrs", None) or {}).items() if v is not None}
        text = text if scrubbed else scrub(text)
        ev = Event(time=time, source=source, kind=kind, text=text[:2000] or kind, source_file=self.rel,
                   line=line, pointer=self.pointer(line), attrs=attrs, **extra)
        self.out.events.append(ev)
        return ev


def ref_name(obj: Any) -> str | None:
    """The human name of a vendor reference object ({"summary": ...}, {"name": ...}) or a plain string."""
    if isinstance(obj, str):
        return obj or None
    if isinstance(obj, dict):
        for key in ("summary", "displayName", "display_name", "name", "real_name", "login", "username", "email",
                    "id"):
            value = obj.get(key)
            if isinstance(value, str) and value:
                return value
    return None


def first(*values: Any) -> Any:
    """The first value that is not None or empty."""
    return next((v for v in values if v not in (None, "", [], {})), None)
