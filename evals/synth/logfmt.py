"""Text log line shapes: ISO 8601 app logs, syslog RFC 3164/5424, nginx access, postgres, Go, Java."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta

from evals.synth.vendor import UTC


def _ms(dt: datetime) -> str:
    return f"{dt.microsecond // 1000:03d}"


def iso_line(dt: datetime, level: str, logger: str, msg: str) -> str:
    return f"{dt.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S')}.{_ms(dt)}Z {level:<5} [{logger}] {msg}"


def rfc3164(dt: datetime, host: str, app: str, pid: int, msg: str, pri: int | None = None) -> str:
    head = f"<{pri}>" if pri is not None else ""
    return f"{head}{dt.strftime('%b')} {dt.day:>2} {dt.strftime('%H:%M:%S')} {host} {app}[{pid}]: {msg}"


def rfc5424(dt: datetime, host: str, app: str, pid: int, msgid: str, msg: str, pri: int = 165) -> str:
    stamp = dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{_ms(dt)}Z"
    return f"<{pri}>1 {stamp} {host} {app} {pid} {msgid} - {msg}"


def nginx(dt: datetime, ip: str, method: str, path: str, status: int, size: int, rt: float,
          agent: str = "Mozilla/5.0 (X11; Linux x86_64)") -> str:
    stamp = dt.strftime("%d/%b/%Y:%H:%M:%S +0000")
    return f'{ip} - - [{stamp}] "{method} {path} HTTP/1.1" {status} {size} "-" "{agent}" {rt:.3f}'


def postgres(dt: datetime, pid: int, level: str, msg: str, user_db: str = "") -> str:
    stamp = dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") + f".{_ms(dt)} UTC"
    prefix = f"{user_db} " if user_db else ""
    return f"{stamp} [{pid}] {prefix}{level}:  {msg}"


def golog(dt: datetime, msg: str) -> str:
    return f"{dt.astimezone(UTC).strftime('%Y/%m/%d %H:%M:%S')} {msg}"


def java(dt: datetime, level: str, thread: str, logger: str, msg: str, trace: list[str] | None = None) -> str:
    stamp = dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") + f",{_ms(dt)}"
    line = f"{stamp} {level:<5} [{thread}] {logger} - {msg}"
    return "\n".join([line, *(trace or [])])


def json_line(dt: datetime, level: str, service: str, msg: str, **fields) -> str:
    return json.dumps({"ts": dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + _ms(dt) + "Z",
                       "level": level, "service": service, "msg": msg, **fields})


def background(start: datetime, end: datetime, every_s: float, make, seed: int = 7) -> list[tuple[datetime, str]]:
    """Noise lines: make(dt, rng) -> str, roughly every `every_s` seconds with jitter."""
    rng = random.Random(seed)
    out, at = [], start
    while at < end:
        out.append((at, make(at, rng)))
        at += timedelta(seconds=max(0.2, rng.expovariate(1 / every_s)), milliseconds=rng.randint(0, 999))
    return out


def join(lines: list[tuple[datetime, str]]) -> str:
    """Sort (time, text) pairs stably by time and join."""
    return "\n".join(text for _, text in sorted(lines, key=lambda p: p[0])) + "\n"
