"""`postmortem check` on markdown: the seed's template shape, and a loosely formatted human-written one."""

from __future__ import annotations

import json

from agent.checks.mdfacts import check_markdown, facts_from_markdown, sections

SEED_SHAPED = """# Postmortem: Search latency spike

**Incident ID:** INC-2026-0410-002 **Date:** 2026-04-10 **Severity:** SEV-1 (Critical) **Status:** Completed
**Author:** @oncall-engineer **Reviewers:** @eng-manager

---

## Executive Summary

On April 10 the search API timed out for 48 minutes after an index rebuild saturated the cluster.

## Timeline

All times in UTC.

| Time | Event |
|------|-------|
| **09:12** | Index rebuild starts on the search cluster |
| **09:14** | Alert fires: "Search p99 > 2s" |
| **09:17** | On-call engineer acknowledges the page |
| **09:41** | Rebuild paused; latency begins to fall |
| **10:00** | **INCIDENT RESOLVED** - latency at baseline |

## Root Cause Analysis (5-Whys)

1. **Why did search time out?** - The cluster CPU was saturated.
2. **Why was CPU saturated?** - The rebuild ran on the serving nodes.
3. **Why on the serving nodes?** - The rebuild job has no node selector.
4. **Why no node selector?** - The job predates the dedicated indexing pool.
5. **Why was that not caught?** - No check compares job placement with the pool layout.

## Action Items

| ID | Action | Owner | Deadline | Status |
|----|--------|-------|----------|--------|
| AI-001 | Add a node selector to the rebuild job | @search-team | 2026-04-14 | ✅ Done |
| AI-002 | Alert on CPU > 80% on serving nodes | @sre-team | 2026-04-17 | 🔄 In Progress |

## Pattern Analysis

Second rebuild-related latency incident this year (see INC-2026-0112-001).

## Sign-Off

| Role | Name | Date |
|---|---|---|
| Author | Dana Kim | 2026-04-11 |
| Approved | Lee Park | 2026-04-12 |

Distribution: Engineering All-Hands, Product Team, Executive Leadership
Follow-Up Meeting: 2026-04-13 @ 10:00 AM PT
"""

HUMAN_WRITTEN = """Billing export outage
=====================

Date: March 3rd, 2025
Severity: SEV-2
Status: Draft

**What happened**

The nightly export job crashed and retried until the queue filled.

**Timeline**

- 2:00 am export starts
- 5:00 am queue full alert
- 7:00 am export disabled

**Follow-up actions**

- Cap retries in the export job (owner: @billing, due 2025-03-10, status: open)
- Add queue depth alert
"""


def by_id(text: str) -> dict:
    return {r.id: r for r in check_markdown(text)}


def test_seed_shaped_markdown_passes_every_rule():
    res = by_id(SEED_SHAPED)
    assert all(r.passed for r in res.values()), {k: r.reason for k, r in res.items() if not r.passed}


def test_seed_shaped_facts():
    f = facts_from_markdown(SEED_SHAPED)
    assert f.severity == 1 and str(f.incident_date) == "2026-04-10"
    assert f.timeline_entries == 5 and f.timeline_precision == "minute"
    assert f.whys == 5 and len(f.actions) == 2 and f.actions[1]["owner"] == "@sre-team"
    assert str(f.follow_up) == "2026-04-13" and str(f.completed_on) == "2026-04-12"


def test_human_written_markdown_is_read_leniently():
    res = by_id(HUMAN_WRITTEN)
    assert res["timeline"].passed is False and "gap of 180 min" in res["timeline"].reason
    assert not res["five-whys"].passed
    assert not res["action-items"].passed and "#2 lacks owner, deadline, status" in res["action-items"].reason
    assert not res["distribution"].passed and not res["follow-up-meeting"].passed
    assert "complete it by 2025-03-08" in res["completed-in-time"].reason


def test_sections_accept_setext_bold_and_bare_headings():
    titles = [s.title for s in sections(HUMAN_WRITTEN.splitlines())]
    assert titles[:4] == ["", "Billing export outage", "What happened", "Timeline"]


def test_blameful_markdown_fails_blameless_with_line_numbers():
    text = SEED_SHAPED.replace("The cluster CPU was saturated.", "Bob forgot to pause the rebuild.")
    r = by_id(text)["blameless"]
    assert not r.passed and "line 26" in r.reason


def test_check_cli_markdown_json_and_strict(run_cli, tmp_path):
    path = tmp_path / "pm.md"
    path.write_text(HUMAN_WRITTEN, encoding="utf-8")
    done = run_cli("check", path, "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert {"id", "title", "passed", "reason"} <= set(rows[0])
    assert run_cli("check", path, "--strict").returncode == 3
    good = tmp_path / "good.md"
    good.write_text(SEED_SHAPED, encoding="utf-8")
    assert run_cli("check", good, "--strict").returncode == 0


def test_check_cli_postmortem_json(run_cli, tmp_path):
    from test_check_rules import make_pm

    path = tmp_path / "postmortem.json"
    path.write_text(make_pm().model_dump_json(indent=2), encoding="utf-8")
    done = run_cli("check", path)
    assert done.returncode == 0 and "8 passed, 0 failed" in done.stdout


def test_check_cli_bad_input_exits_2(run_cli, tmp_path):
    assert run_cli("check", tmp_path / "missing.md").returncode == 2
    bad = tmp_path / "postmortem.json"
    bad.write_text('{"title": 1}', encoding="utf-8")
    done = run_cli("check", bad)
    assert done.returncode == 2 and "postmortem.json" in done.stderr
