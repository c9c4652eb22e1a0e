"""run_postmortem: stages wired in order, injected library, outputs, determinism."""

from __future__ import annotations

from test_draft_builders import conn_pool_case

from agent.api import run_postmortem
from agent.models import PatternAnalysis, SimilarIncident


class FakeLibrary:
    def __init__(self):
        self.added = []

    def pattern_analysis(self, pm):
        return PatternAnalysis(configured=True, note="2 similar incidents in the library.",
                               similar=[SimilarIncident(id="INC-2025-1105-001", title="PostgreSQL connection leak",
                                                        score=0.82, date="2025-11-05", category="bad-deploy")],
                               recurrence="3rd connection pool exhaustion in 6 months",
                               recommendation="Review connection management across services")

    def add(self, pm):
        self.added.append(pm.incident_id)
        return pm.incident_id


def test_writes_all_outputs_and_uses_the_injected_library(tmp_path):
    bundle, pack = conn_pool_case()
    lib = FakeLibrary()
    pm = run_postmortem(bundle, pack=pack, out_dir=tmp_path, library=lib, add_to_library=True)
    assert lib.added == ["INC-2026-0205-001"]
    md = (tmp_path / "postmortem.md").read_text()
    assert "INC-2025-1105-001" in md and "3rd connection pool exhaustion" in md
    assert pm.pattern_analysis.configured
    assert (tmp_path / "postmortem.json").exists() and (tmp_path / "position_card.yaml").exists()


def test_add_to_library_without_a_library_says_so(tmp_path):
    bundle, pack = conn_pool_case()
    pm = run_postmortem(bundle, pack=pack, out_dir=tmp_path, add_to_library=True)
    assert any("no incident library is configured" in n for n in pm.notes)
    assert "no incident library is configured; nothing was added" in (tmp_path / "postmortem.md").read_text()


def test_same_bundle_gives_byte_identical_outputs(tmp_path):
    outs = []
    for name in ("a", "b"):
        bundle, pack = conn_pool_case()
        run_postmortem(bundle, pack=pack, out_dir=tmp_path / name)
        outs.append({f: (tmp_path / name / f).read_bytes() for f in ("postmortem.md", "postmortem.json")})
    assert outs[0] == outs[1]


def test_generated_at_comes_from_the_incident():
    bundle, pack = conn_pool_case()
    pm = run_postmortem(bundle, pack=pack)
    assert pm.generated_at == pm.timeline.resolved
