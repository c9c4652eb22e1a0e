"""The draft pipeline with a library: Pattern Analysis filled, --add-to-library, unreachable server."""

from __future__ import annotations

import socket
from datetime import date
from pathlib import Path

import pytest

from agent.library import open_library
from agent.library.synthetic import make_postmortem
from agent.settings import Settings

BUNDLE = Path(__file__).resolve().parents[1] / "fixtures" / "conn-pool-exhaustion"
pytestmark = pytest.mark.skipif(not BUNDLE.is_dir(), reason="fixture bundle not present")


def _run(**kw):
    from agent.api import run_postmortem

    return run_postmortem(BUNDLE, **kw)


def test_draft_fills_pattern_analysis_and_adds_itself(tmp_path):
    lib = open_library(Settings(library=tmp_path / "lib"))
    first = _run(settings=Settings(library=tmp_path / "lib"), add_to_library=True)
    assert first.pattern_analysis.configured and lib.count() == 1
    day = first.date
    lib.add(make_postmortem("PAST-1", category=first.root_cause.category, day=date(day.year, day.month, 1),
                            service=first.services[0], text="orders-api database connection pool exhausted after a deploy"))
    again = _run(settings=Settings(library=tmp_path / "lib"), out_dir=tmp_path / "out")
    pa = again.pattern_analysis
    assert [s.id for s in pa.similar] == ["PAST-1"]  # never itself
    assert pa.recurrence.startswith(f"2nd {first.root_cause.category} incident in 6 months")
    assert pa.recommendation
    assert "PAST-1" in (tmp_path / "out" / "postmortem.md").read_text()


def test_unreachable_server_still_writes_the_draft(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    pm = _run(settings=Settings(chroma_url=f"http://127.0.0.1:{port}"), out_dir=tmp_path / "out")
    assert "cannot reach the Chroma server" in pm.pattern_analysis.note
    assert "cannot reach the Chroma server" in (tmp_path / "out" / "postmortem.md").read_text()
