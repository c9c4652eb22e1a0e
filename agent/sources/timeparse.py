"""Timestamp parsing shared by every format: ISO 8601 variants, epochs of any unit, zone handling.

Everything returns timezone-aware UTC datetimes. A timestamp without a zone is interpreted in the zone
the caller passes (incident.yaml's ``timezone``, else UTC); callers learn that it happened through the
``zoneless`` flag so they can warn once per file.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agent import rxcache as rx

UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Go's zero time and friends: "no value", not a real instant.
_ZERO_YEARS = ("0001-", "0000-")
_DECIMAL = rx.compile(r"^\d+\.\d+$")
_NUMERIC = rx.compile(r"^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$")
_ZONE_NAME = rx.compile(r"\s*(?:UTC|GMT|Z)$")
_OFFSET_NO_COLON = rx.compile(r"([+-]\d{2})(\d{2})$")
_FRACTION_COMMA = rx.compile(r"(\d{2}:\d{2}:\d{2}),(\d+)")


@lru_cache(maxsize=64)
def zone(name: str | None) -> tzinfo:
    """The tzinfo for an IANA name (or 'UTC'); unknown names fall back to UTC."""
    if not name or name.upper() in ("UTC", "Z", "GMT"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def from_epoch(value: float | int | str) -> datetime | None:
    """Epoch seconds, milliseconds, microseconds or nanoseconds, guessed from the magnitude."""
    if isinstance(value, str) and _DECIMAL.match(value):  # "1709647500.000200": exact, no float rounding
        whole, frac = value.split(".")
        if int(whole) < 1e11:
            return _EPOCH + timedelta(seconds=int(whole), microseconds=int(frac[:6].ljust(6, "0")))
    try:
        num = int(value) if isinstance(value, str) and value.isdigit() else float(value)
    except (TypeError, ValueError):
        return None
    if num <= 0:
        return None
    try:
        if num > 1e17:  # nanoseconds: integer maths keeps the microseconds exact
            return _EPOCH + timedelta(microseconds=int(num) // 1000)
        if num > 1e14:
            return _EPOCH + timedelta(microseconds=num)
        if num > 1e11:
            return _EPOCH + timedelta(milliseconds=num)
        return _EPOCH + timedelta(seconds=num)
    except (OverflowError, ValueError):  # inf, NaN
        return None


def parse_iso(text: str, tz: tzinfo = UTC) -> tuple[datetime | None, bool]:
    """Parse an ISO-8601-ish string. Returns (utc datetime or None, zoneless?)."""
    s = text.strip()
    if not s or s.startswith(_ZERO_YEARS):
        return None, False
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        dt = _parse_iso_slow(s)
        if dt is None:
            return None, False
    if dt.tzinfo is None:
        return dt.replace(tzinfo=tz).astimezone(UTC), True
    return (dt if dt.tzinfo is UTC else dt.astimezone(UTC)), False


def _parse_iso_slow(s: str) -> datetime | None:
    s = _FRACTION_COMMA.sub(r"\1.\2", s)
    s = re.sub(r"\s+([+-]\d{2}:?\d{2})$", r"\1", s)
    named_utc = bool(_ZONE_NAME.search(s))
    s = _ZONE_NAME.sub("", s)
    s = _OFFSET_NO_COLON.sub(r"\1:\2", s) if re.search(r"\d[+-]\d{4}$", s) else s
    s = s.replace("/", "-")
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        return None
    return dt.replace(tzinfo=UTC) if named_utc and dt.tzinfo is None else dt


def parse_any(value: object, tz: tzinfo = UTC) -> tuple[datetime | None, bool]:
    """Parse a JSON value that holds a time: ISO string, epoch number or numeric string."""
    if value is None or isinstance(value, bool):
        return None, False
    if isinstance(value, (int, float)):
        return from_epoch(value), False
    if isinstance(value, str):
        if value[4:5] == "-" and value[:4].isdigit():  # an ISO date (the common case): no numeric check
            return parse_iso(value, tz)
        if _NUMERIC.match(value.strip()):
            return from_epoch(value.strip()), False
        return parse_iso(value, tz)
    return None, False


def to_utc(dt: datetime, tz: tzinfo = UTC) -> datetime:
    return dt.replace(tzinfo=tz).astimezone(UTC) if dt.tzinfo is None else dt.astimezone(UTC)
