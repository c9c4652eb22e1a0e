"""A draft with an error-severity blameless finding left in it is a bug: draft the fixtures and lint the output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.checks.blameless import lint_postmortem_json, lint_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ALL = sorted(p.name for p in FIXTURES.iterdir() if (p / "incident.yaml").exists()) if FIXTURES.is_dir() else []
FAST = ["conn-pool-exhaustion"]  # its chat holds blameful remarks


def draft(run_cli, name: str, tmp_path: Path) -> Path:
    out = tmp_path / name
    done = run_cli("draft", FIXTURES / name, "--out", out, env={"HOME": str(tmp_path)})
    if done.returncode != 0:
        pytest.skip(f"draft of {name} failed (owned by the draft work): {done.stderr[-300:]}")
    return out


def assert_clean(out: Path) -> dict:
    raw = (out / "postmortem.json").read_text(encoding="utf-8")
    assert [f for f in lint_postmortem_json(raw) if f.severity == "error"] == []
    data = json.loads(raw)
    assert not [f for f in data["lint_findings"] if f["severity"] == "error" and f["resolution"] == "reported"]
    md = (out / "postmortem.md").read_text(encoding="utf-8")
    assert [f for f in lint_text(md) if f.severity == "error"] == []
    return data


@pytest.mark.parametrize("name", [n for n in FAST if n in ALL])
def test_draft_has_no_error_findings_and_lists_chat_flags(run_cli, tmp_path, name):
    data = assert_clean(draft(run_cli, name, tmp_path))
    flags = data["chat_flags"]
    assert flags and all(f["ts"] and f["time"] and f["rule"] for f in flags)


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL)
def test_every_fixture_draft_is_blameless(run_cli, tmp_path, name):
    assert_clean(draft(run_cli, name, tmp_path))
