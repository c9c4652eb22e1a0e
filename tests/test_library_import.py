"""Importing human-written markdown postmortems, with and without front matter."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from agent.errors import LibraryError
from agent.library.markdown import record_from_markdown

FRONT = """---
uuid: 11111111-2222-3333-4444-555555555555
url: https://status.example.com/incidents/42
title: Example queue outage (March 2024)
categories:
- cloud
- config-change
keywords:
- queue
company: Example
product: message queue
start_time: 2024-03-02T09:15:00Z
end_time: 2024-03-02T11:45:00Z
source_published_at: 2024-03-05T08:00:00Z
summary: A bad flag took the queue down.
---

A feature flag flipped the consumer batch size to zero and the queue stopped draining.
"""

BARE = """# Disk filled on the primary database

Around noon the write-ahead log volume ran out of disk space. Writes failed until an operator
freed space. We still do not know why log rotation stopped.
"""


def test_front_matter_fields_are_kept(tmp_path):
    p = tmp_path / "q.md"
    p.write_text(FRONT)
    r = record_from_markdown(p)
    assert r.id == "11111111-2222-3333-4444-555555555555"
    assert r.title == "Example queue outage (March 2024)"
    assert r.labels == ["cloud", "config-change"]
    assert r.categories == ["config-change"] and not r.inferred_category
    assert r.started == datetime(2024, 3, 2, 9, 15, tzinfo=timezone.utc)
    assert r.resolved == datetime(2024, 3, 2, 11, 45, tzinfo=timezone.utc)
    assert r.date == date(2024, 3, 2) and r.completed == date(2024, 3, 5)
    assert r.services == ["message queue"] and r.link.endswith("/incidents/42")
    assert r.summary == "A bad flag took the queue down." and "batch size" in r.body


def test_markdown_without_front_matter_is_imported_with_what_it_has(tmp_path):
    p = tmp_path / "disk-full.md"
    p.write_text(BARE)
    r = record_from_markdown(p)
    assert r.id == "disk-full"
    assert r.title == "Disk filled on the primary database"
    assert r.date is None and r.started is None and r.resolved is None
    assert r.categories[0] == "capacity/resource-exhaustion" and r.inferred_category
    assert r.body.startswith("Around noon") and "# Disk" not in r.body


def test_untitled_file_without_heading_uses_first_line(tmp_path):
    p = tmp_path / "x.md"
    p.write_text("\n\nThe BGP session to our transit provider dropped.\nMore text.\n")
    r = record_from_markdown(p)
    assert r.title == "The BGP session to our transit provider dropped."
    assert "network" in r.categories


def test_bad_front_matter_names_the_file(tmp_path):
    p = tmp_path / "bad.md"
    p.write_text("---\ntitle: [unclosed\n---\nbody\n")
    with pytest.raises(LibraryError, match="bad.md: bad YAML front matter"):
        record_from_markdown(p)
