"""Log level and severity words -> models.Level."""

from __future__ import annotations

_LEVELS = {
    "trace": "debug", "debug": "debug", "dbg": "debug", "fine": "debug", "finer": "debug", "finest": "debug",
    "verbose": "debug", "v": "debug", "d": "debug",
    "info": "info", "information": "info", "informational": "info", "notice": "info", "inf": "info",
    "i": "info", "ok": "info", "log": "info", "config": "info", "low": "info", "page": "critical",
    "statement": "info", "detail": "info", "hint": "info", "context": "info", "success": "info",
    "warn": "warning", "warning": "warning", "wrn": "warning", "w": "warning", "medium": "warning",
    "error": "error", "err": "error", "e": "error", "severe": "error", "fail": "error", "failure": "error",
    "high": "error", "exception": "error",
    "critical": "critical", "crit": "critical", "fatal": "critical", "panic": "critical", "emerg": "critical",
    "emergency": "critical", "alert": "critical", "f": "critical", "dpanic": "critical",
}
# syslog PRI severity (pri % 8)
SYSLOG_SEVERITY = ("critical", "critical", "critical", "error", "warning", "info", "info", "debug")


def normalise_level(word: object) -> str | None:
    """Map a level/severity word or number to debug/info/warning/error/critical, else None."""
    if word is None:
        return None
    if isinstance(word, (int, float)) and not isinstance(word, bool):
        return _otel_number(int(word)) if abs(word) < 1e6 else None  # also rejects inf and NaN
    text = str(word).strip().lower()
    if not text:
        return None
    if text.isascii() and text.isdigit():  # isdigit alone accepts '²', which int() refuses
        return _otel_number(int(text[:6]))
    return _LEVELS.get(text) or _LEVELS.get(text.rstrip(":").split()[0] if text.split() else text)


def _otel_number(n: int) -> str | None:
    """OpenTelemetry severityNumber: 1-4 trace, 5-8 debug, 9-12 info, 13-16 warn, 17-20 error, 21-24 fatal."""
    if n <= 0:
        return None
    return ("debug", "debug", "info", "warning", "error", "critical")[min((n - 1) // 4, 5)]
