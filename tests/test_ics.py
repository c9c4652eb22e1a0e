"""review-meeting.ics: RFC 5545 shape (CRLF, folding, escaping), determinism, a slot within 3 days, attendees."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from test_check_rules import T0, make_pm

from agent.render.ics import build_ics, meeting_slot, write_ics


def unfold(raw: bytes) -> list[str]:
    """A strict reader: CRLF only, continuation lines start with one space, every line <= 75 octets."""
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    physical = raw[:-2].split(b"\r\n")
    assert all(len(line) <= 75 for line in physical)
    logical: list[bytes] = []
    for line in physical:
        if line.startswith(b" "):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    return [line.decode("utf-8") for line in logical]


def props(lines: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in lines:
        name = line.split(":", 1)[0].split(";", 1)[0]
        out.setdefault(name, []).append(line)
    return out


def test_structure_and_determinism(tmp_path):
    pm = make_pm(follow_up_meeting=None)
    path = write_ics(pm, tmp_path / "review-meeting.ics")
    raw = path.read_bytes()
    lines = unfold(raw)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    p = props(lines)
    assert p["VERSION"] == ["VERSION:2.0"] and len(p["BEGIN"]) == 2
    assert p["DTSTAMP"] == ["DTSTAMP:20260312T110400Z"]  # generated_at, not the wall clock
    assert p["UID"][0].endswith("@postmortem-agent")
    again = write_ics(pm, tmp_path / "again.ics").read_bytes()
    assert again == raw
    other = build_ics(make_pm(incident_id="INC-2026-0312-008", follow_up_meeting=None))
    assert props(unfold(other.encode()))["UID"] != p["UID"]


def test_slot_is_next_business_day_10_utc_within_three_days():
    thursday = make_pm(follow_up_meeting=None)
    assert meeting_slot(thursday) == datetime(2026, 3, 13, 10, tzinfo=timezone.utc)
    friday_end = T0 + timedelta(days=1)
    fri = make_pm(follow_up_meeting=None, timeline=thursday.timeline.model_copy(update={"resolved": friday_end}))
    assert meeting_slot(fri) == datetime(2026, 3, 16, 10, tzinfo=timezone.utc)
    assert (meeting_slot(fri).date() - friday_end.date()).days <= 3


def test_follow_up_meeting_is_used_when_set():
    when = datetime(2026, 3, 14, 15, 30, tzinfo=timezone.utc)
    lines = props(unfold(build_ics(make_pm(follow_up_meeting=when)).encode()))
    assert lines["DTSTART"] == ["DTSTART:20260314T153000Z"] and lines["DTEND"] == ["DTEND:20260314T163000Z"]


def test_attendees_for_emails_and_names_and_escaping():
    pm = make_pm(distribution=["sre@example.com", "Product Team", "Ada Lovelace <ada@example.com>", "sre@example.com"],
                 title="Checkout; errors, after release 4.2 — überlong " + "x" * 80, author="dana@example.com")
    p = props(unfold(build_ics(pm).encode()))
    attendees = p["ATTENDEE"]
    assert len(attendees) == 3
    assert attendees[0].endswith(":mailto:sre@example.com")
    assert 'CN="Product Team"' in attendees[1] and "CUTYPE=GROUP" in attendees[1]
    assert 'CN="Ada Lovelace"' in attendees[2] and attendees[2].endswith(":mailto:ada@example.com")
    assert p["ORGANIZER"] == ['ORGANIZER;CN="dana@example.com":mailto:dana@example.com']
    assert "Checkout\\; errors\\, after release 4.2 — überlong" in p["SUMMARY"][0]


def test_no_invented_email_for_names():
    p = props(unfold(build_ics(make_pm(author="Dana Kim", distribution=["Leadership"])).encode()))
    assert "ORGANIZER" not in p
    assert "mailto:" not in p["ATTENDEE"][0]


def test_parses_with_icalendar(tmp_path):
    icalendar = pytest.importorskip("icalendar")
    path = write_ics(make_pm(follow_up_meeting=None), tmp_path / "review-meeting.ics")
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    [event] = cal.walk("VEVENT")
    assert event.decoded("DTSTART") == datetime(2026, 3, 13, 10, tzinfo=timezone.utc)
    assert len(event.get("ATTENDEE")) == 3
    assert str(event.get("SUMMARY")).startswith("Postmortem review: Checkout errors")
