"""Alert evidence: notifications grouped per alert, ordered by first firing, flapping detected,
and the first (causal) alerts told apart from the noise that follows them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from agent.models import Alert

FLAP_MIN = 3  # distinct firing episodes that make an alert 'flapping'
FOLLOW = timedelta(minutes=10)


@dataclass(slots=True)
class AlertGroup:
    key: str
    name: str
    labels: dict[str, str]
    first_firing: datetime
    first: Alert
    resolved_at: datetime | None = None
    resolved: Alert | None = None
    notifications: int = 0
    episodes: set[datetime] = field(default_factory=set)
    severity: str | None = None
    role: str = "symptom"  # detection | symptom | distractor

    @property
    def flapping(self) -> bool:
        return len(self.episodes) >= FLAP_MIN

    @property
    def pointer(self) -> str:
        return f"alert:{self.key}"


def group_key(a: Alert) -> str:
    if a.fingerprint:
        return a.fingerprint
    return a.name + "{" + ",".join(f"{k}={v}" for k, v in sorted(a.labels.items())) + "}"


def group(alerts: list[Alert], *, onset: datetime | None = None) -> list[AlertGroup]:
    """One group per alert (fingerprint, else name+labels), ordered by first firing."""
    groups: dict[str, AlertGroup] = {}
    for a in sorted(alerts, key=lambda a: (a.starts_at, a.source_file, a.line or 0)):
        key = group_key(a)
        g = groups.get(key)
        if g is None:
            g = groups[key] = AlertGroup(key, a.name, dict(a.labels), a.starts_at, a, severity=a.severity)
        g.notifications += 1
        g.episodes.add(a.starts_at)
        if a.status == "resolved":
            end = a.ends_at or a.starts_at
            if g.resolved_at is None or end > g.resolved_at:
                g.resolved_at, g.resolved = end, a
    ordered = sorted(groups.values(), key=lambda g: (g.first_firing, g.key))
    _roles(ordered, onset)
    return ordered


def _roles(groups: list[AlertGroup], onset: datetime | None) -> None:
    """First firing after (or near) the onset detects; later ones within minutes follow; alerts long
    before the onset, or flapping ones, are noise."""
    if not groups:
        return
    anchor = onset - timedelta(minutes=30) if onset else None
    live = [g for g in groups if anchor is None or g.first_firing >= anchor]
    first = live[0] if live else groups[0]
    for g in groups:
        if anchor is not None and g.first_firing < anchor and (g.resolved_at is None or g.resolved_at < onset):
            g.role = "distractor"
        elif g.flapping and g is not first:
            g.role = "distractor"
        elif g is first:
            g.role = "detection"
        else:
            g.role = "symptom"


def sentence(g: AlertGroup) -> str:
    parts = [f"Alert {g.name} first fired at {g.first_firing:%H:%M:%S}"]
    if g.resolved_at:
        parts.append(f"resolved at {g.resolved_at:%H:%M:%S}")
    text = " and ".join(parts)
    extra = f" ({g.notifications} notifications"
    extra += f", flapping: {len(g.episodes)} firing episodes)" if g.flapping else ")"
    return text + extra
