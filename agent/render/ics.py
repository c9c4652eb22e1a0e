"""review-meeting.ics: an RFC 5545 invite for the postmortem review, within 3 days of the incident.

Deterministic: the UID comes from the incident id and DTSTAMP from the incident, never the wall
clock, so the same draft always writes the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from agent import rxcache as rx
from agent.models import Postmortem

PRODID = "-//postmortem-agent//review meeting//EN"
MEETING_HOUR_UTC = 10
DURATION = timedelta(minutes=60)
EMAIL = rx.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
MAX_OCTETS = 75


def meeting_slot(pm: Postmortem) -> datetime:
    """pm.follow_up_meeting, else the next business day at 10:00 UTC after resolution (<= 3 days later)."""
    if pm.follow_up_meeting:
        return pm.follow_up_meeting.astimezone(timezone.utc)
    end = pm.timeline.resolved or pm.timeline.start
    return propose_slot(end.astimezone(timezone.utc).date() if end else pm.date)


def propose_slot(day: date) -> datetime:
    """10:00 UTC on the next business day after ``day``: at most 3 days later, as the seed requires."""
    day += timedelta(days=1)
    while day.weekday() >= 5:  # Saturday, Sunday
        day += timedelta(days=1)
    return datetime.combine(day, time(MEETING_HOUR_UTC), tzinfo=timezone.utc)


def build_ics(pm: Postmortem) -> str:
    """The invite text, CRLF line endings, folded at 75 octets."""
    start = meeting_slot(pm)
    uid = hashlib.sha1(pm.incident_id.encode("utf-8")).hexdigest()[:16]
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
        "BEGIN:VEVENT",
        f"UID:{uid}-review@postmortem-agent",
        f"DTSTAMP:{_utc(pm.generated_at)}",
        f"DTSTART:{_utc(start)}",
        f"DTEND:{_utc(start + DURATION)}",
        f"SUMMARY:{_escape(f'Postmortem review: {pm.title} ({pm.incident_id})')}",
        f"DESCRIPTION:{_escape(_description(pm))}",
        *_organizer(pm.author),
        *(_attendee(who) for who in _unique(pm.distribution)),
        "STATUS:CONFIRMED", "SEQUENCE:0", "TRANSP:OPAQUE",
        "END:VEVENT", "END:VCALENDAR",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines)


def write_ics(pm: Postmortem, path: Path) -> Path:
    """Write the invite atomically (temp file in the same directory, then os.replace)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".review-", suffix=".ics")
    with os.fdopen(fd, "wb") as fh:
        fh.write(build_ics(pm).encode("utf-8"))
    os.replace(tmp, path)
    return path


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _description(pm: Postmortem) -> str:
    return (f"Blameless review of {pm.incident_id} ({pm.severity}, {pm.date.isoformat()}). "
            f"Draft status: {pm.status}. Owning team: {pm.owning_team}.")


def _escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11)."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _param(text: str) -> str:
    """A parameter value: quoted, with the characters a quoted value may not hold removed."""
    return '"' + re.sub(r'["\r\n\x00-\x1f]', "", text) + '"'


def _unique(items: list[str]) -> list[str]:
    seen, out = set(), []
    for item in (i.strip() for i in items):
        if item and item.lower() not in seen:
            seen.add(item.lower())
            out.append(item)
    return out


def _address(who: str) -> tuple[str, str]:
    """(CN, cal-address URI). Emails become mailto:; bare names get a urn: so no address is invented."""
    m = re.match(r"^\s*(.*?)\s*<([^>]+)>\s*$", who)
    name, email = (m.group(1), m.group(2)) if m else (who, who if EMAIL.match(who) else "")
    if email and EMAIL.match(email):
        return name or email, f"mailto:{email}"
    slug = re.sub(r"[^a-z0-9]+", "-", who.lower().lstrip("@")).strip("-") or "attendee"
    return who, f"urn:x-postmortem-agent:attendee:{slug}"


def _attendee(who: str) -> str:
    cn, uri = _address(who)
    group = bool(re.search(r"team|all-hands|leadership|group|product|engineering|exec|staff", who, re.I))
    cutype = "GROUP" if group else "INDIVIDUAL"
    return f"ATTENDEE;CN={_param(cn)};CUTYPE={cutype};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:{uri}"


def _organizer(author: str) -> list[str]:
    """ORGANIZER only for a real email: no METHOD is set, so it is optional, and we never invent one."""
    cn, uri = _address(author)
    if not uri.startswith("mailto:"):
        return []
    return [f"ORGANIZER;CN={_param(cn)}:{uri}"]


def _fold(line: str) -> str:
    """Fold to lines of at most 75 octets, never splitting a UTF-8 character (RFC 5545 3.1)."""
    out, current, size = [], "", 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        limit = MAX_OCTETS if not out else MAX_OCTETS - 1  # continuation lines start with a space
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += ch
        size += width
    out.append(current)
    return "\r\n ".join(out)
