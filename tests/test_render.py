"""Renderers: the seed's sections in order, citations that resolve, JSON + schema, position cards, atomic writes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from test_draft_builders import at, conn_pool_case

from agent.analysis.assemble import assemble
from agent.errors import UsageError
from agent.models import ChatFlag, PositionCard, Postmortem
from agent.render import atomic, jsonout, markdown, swarm
from agent.render.card import CardOptions
from agent.render.outputs import write_outputs

ROOT = Path(__file__).resolve().parents[1]
SEED_ORDER = ["# Postmortem: ", "**Incident ID:**", "**Date:**", "**Severity:**", "**Duration:**", "**Status:**",
              "**Author:**", "**Reviewers:**", "## Executive Summary", "## Impact", "| Metric | Value |",
              "## Timeline", "All times in UTC.", "## Root Cause Analysis (5-Whys)", "### Problem Statement",
              "### 5-Whys Analysis", "### Root Cause", "## Contributing Factors", "## What Went Well",
              "## What Went Wrong", "## Action Items (Remediation Plan)", "| ID | Action | Owner | Deadline | Status |",
              "## Lessons Learned", "## Pattern Analysis (Cross-Incident Trends)", "## Appendix: Supporting Evidence",
              "## Sign-Off", "| Role | Name | Date |", "**Distribution:**", "**Follow-Up Meeting:**"]


@pytest.fixture(scope="module")
def pm() -> Postmortem:
    bundle, pack = conn_pool_case()
    pm = assemble(bundle, pack)
    pm.chat_flags = [ChatFlag(ts="1770302000.000001", time=at(33), channel="war-room", rule="blame",
                              message="SECRET QUOTE that must not appear")]
    return pm


def test_every_seed_section_in_order(pm):
    md = markdown.render(pm)
    positions = [md.find(marker) for marker in SEED_ORDER]
    assert all(p >= 0 for p in positions), [m for m, p in zip(SEED_ORDER, positions) if p < 0]
    assert positions == sorted(positions)
    assert "INCIDENT START" in md and "INCIDENT RESOLVED" in md
    assert "No incident library is configured" in md


def test_citations_resolve_to_appendix_entries(pm):
    md = markdown.render(pm)
    body, appendix = md.split("## Appendix: Supporting Evidence")
    cited = {i for group in re.findall(r"\[(E\d+(?:, E\d+)*)\]", body) for i in group.split(", ")}
    assert len(cited) >= 8
    listed = set(re.findall(r"^- \*\*(E\d+)\*\* `", appendix, re.M))
    assert cited <= listed
    assert "app.log:120" in appendix  # pointer shown with the excerpt


def test_data_sources_and_reviewer_notes(pm):
    md = markdown.render(pm)
    assert "### Data sources" in md and "Missing from the bundle: logs, traces, chat." in md
    assert "notes.bin: skipped" in md
    assert "1770302000.000001" in md and "SECRET QUOTE" not in md


def test_json_round_trips_and_validates_against_committed_schema(pm):
    text = jsonout.render(pm)
    assert Postmortem.model_validate_json(text) == pm
    schema = json.loads((ROOT / "schemas" / "postmortem.schema.json").read_text())
    jsonschema.validate(json.loads(text), schema)


def test_committed_schema_is_current():
    committed = (ROOT / "schemas" / "postmortem.schema.json").read_text()
    assert committed == jsonout.schema_text(), \
        "regenerate: python -m agent.render.jsonout > schemas/postmortem.schema.json"


def test_outputs_and_cards(pm, tmp_path):
    out, swarm_dir = tmp_path / "out", tmp_path / "repo" / ".agents"
    paths = write_outputs(pm, out, swarm_dir=swarm_dir, workflow_id="continuous_improvement_20260205_161500",
                          step=3, duration="1.0s")
    assert {p.name for p in out.iterdir()} >= {"postmortem.md", "postmortem.json", "position_card.yaml"}
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left
    data = yaml.safe_load((out / "position_card.yaml").read_text())["position_card"]
    assert {"agent", "claims", "plan", "evidence_pointers", "confidence", "risks"} <= data.keys()
    card = PositionCard(**data)
    assert card.confidence == pm.root_cause.confidence and card.invariants_satisfied == ["INV-037", "INV-038",
                                                                                         "INV-039"]
    assert all(Path(p).exists() for p in card.evidence_pointers)
    md_card = paths["swarm_card"]
    assert md_card == swarm_dir / "memory/position_cards/continuous_improvement_20260205_161500/03_postmortem_agent.md"
    text = md_card.read_text()
    assert swarm.validate(text, base=swarm_dir.resolve().parent) == []
    assert "**Status:** COMPLETE" in text and "**Step Number:** 03" in text


def test_swarm_validator_rejects_bad_cards(pm, tmp_path):
    write_outputs(pm, tmp_path, swarm_dir=tmp_path / ".agents", workflow_id="wf_1")
    good = next((tmp_path / ".agents").rglob("*.md")).read_text()
    assert swarm.validate(good, base=tmp_path) == []
    assert swarm.validate(good.replace("## Cost\n\nMed", "## Cost\n\nCheap").replace("## Cost\n\nLow", "## Cost\n\nCheap")
                          .replace("## Cost\n\nHigh", "## Cost\n\nCheap"), base=tmp_path)
    no_claims = re.sub(r"## Claims\n\n(- .*\n)+", "## Claims\n\n", good)
    assert "Claims is empty" in swarm.validate(no_claims, base=tmp_path)
    assert swarm.validate(good.replace("## Confidence\n\n", "## Confidence\n\n1"), base=tmp_path)
    with pytest.raises(UsageError):
        write_outputs(pm, tmp_path, swarm_dir=tmp_path / ".agents", workflow_id="../escape")


def test_invariant_ids_are_configurable_and_unassigned_items_need_approval(tmp_path):
    bundle, pack = conn_pool_case(with_meta=False)
    pm = assemble(bundle, pack)
    cfg = tmp_path / "swarm.yaml"
    cfg.write_text("invariants_satisfied: [INV-900]\nunassigned_action_invariant: INV-901\nagent_id: pm_agent\n")
    opts = CardOptions.load(cfg)
    paths = write_outputs(pm, tmp_path / "out", swarm_dir=tmp_path / ".agents", workflow_id="wf", options=opts)
    card = yaml.safe_load(paths["position_card.yaml"].read_text())["position_card"]
    assert card["invariants_satisfied"] == ["INV-900"]
    assert card["invariant_violations"][0]["invariant_id"] == "INV-901"
    text = paths["swarm_card"].read_text()
    assert paths["swarm_card"].name == "02_pm_agent.md" and "WAITING_FOR_APPROVAL" in text


def test_atomic_write_and_staged_failure_keeps_the_old_report(tmp_path):
    target = tmp_path / "r" / "postmortem.md"
    atomic.write_text(target, "v1\n")
    assert target.read_text() == "v1\n" and [p.name for p in target.parent.iterdir()] == ["postmortem.md"]
    with pytest.raises(RuntimeError):
        with atomic.staged_dir(target.parent) as stage:
            (stage / "postmortem.md").write_text("half")
            raise RuntimeError("renderer crashed")
    assert target.read_text() == "v1\n"
    assert [p.name for p in target.parent.iterdir()] == ["postmortem.md"]


def test_report_marks_which_sections_the_model_drafted(pm):
    from agent.models import SectionSource

    pm = pm.model_copy(deep=True)
    pm.sections = [SectionSource(section="executive_summary", drafted_by="llm"),
                   SectionSource(section="five_whys", drafted_by="fallback", note="model cited E999")]
    md = markdown.render(pm)
    assert "| executive summary | drafted by the model, grounded in cited evidence |" in md
    assert "| five whys | offline draft (the model's answer was not used) | model cited E999 |" in md


def test_similar_incidents_link_to_their_source(pm):
    from agent.models import PatternAnalysis, SimilarIncident

    pm = pm.model_copy(deep=True)
    pm.pattern_analysis = PatternAnalysis(configured=True, note="Compared with 2 past incidents.", similar=[
        SimilarIncident(id="INC-1", title="Pool leak", score=0.5, link="https://example.org/pm/1"),
        SimilarIncident(id="INC-2", title="No link", score=0.4)])
    md = markdown.render(pm)
    assert "[INC-1](https://example.org/pm/1): Pool leak" in md
    assert "| INC-2: No link |" in md
