from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"

# LLM guard (any un-faked model call fails) and LLM test builders.
pytest_plugins = ["conftest_llm"]


def valid_json_texts() -> list[tuple[Path, str]]:
    """(path, text) of every fixture and test-data JSON file that parses: the JSON scanners' corpus."""
    import json

    out = []
    for f in sorted(FIXTURES.rglob("*.json")) + sorted((ROOT / "tests" / "data").rglob("*.json")):
        text = f.read_text(encoding="utf-8")
        try:
            json.loads(text)
        except ValueError:
            continue
        out.append((f, text))
    return out


@pytest.fixture
def run_cli():
    """Run `python -m agent ARGS` as a user would; returns CompletedProcess (text)."""

    def _run(*args: str, input: str | None = None, env: dict | None = None, cwd: str | None = None):
        full_env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "POSTMORTEM_"))}
        full_env.update(env or {})
        return subprocess.run(
            [sys.executable, "-m", "agent", *map(str, args)],
            input=input, capture_output=True, text=True, env=full_env, cwd=cwd or str(ROOT), timeout=240,
        )

    return _run
