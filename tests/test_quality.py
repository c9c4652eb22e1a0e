"""The offline draft on bundles nobody tuned it for (tests/data/quality): failure modes and wording that the
fixtures and the dev set do not use. Floors sit just below the measured scores (README section eval)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from agent.api import run_postmortem
from agent.evaluation.harness import run_eval

DATA = Path(__file__).resolve().parent / "data" / "quality"
CASES = sorted(p.name for p in DATA.iterdir() if (p / "gold.yaml").exists())
FLOORS = {"overall": 0.85, "category_ok": 1.0, "trigger_found": 1.0, "event_precision": 0.65,
          "factor_coverage": 0.8, "theme_coverage": 0.8, "grounding_rate": 1.0}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("quality")
    card, _ = run_eval(DATA, out_dir=out, jobs=3)
    drafts = {c: json.loads((out / "cases" / c / "postmortem.json").read_text()) for c in CASES}
    return card, drafts


@pytest.mark.parametrize("metric", sorted(FLOORS))
def test_quality_set_scores_hold(run, metric):
    card, _ = run
    assert card["aggregate"][metric] >= FLOORS[metric], card["aggregate"]


@pytest.mark.parametrize("case", CASES)
def test_whys_cite_existing_evidence_and_confidence_is_bounded(run, case):
    _, pm = run
    draft = pm[case]
    ids = {e["id"] for e in draft["evidence"]}
    whys = draft["five_whys"]["whys"]
    assert all(w["evidence_ids"] and set(w["evidence_ids"]) <= ids for w in whys)
    assert 0 < draft["root_cause"]["confidence"] <= 0.85


@pytest.mark.parametrize("case", CASES)
def test_distractors_never_become_the_cause(run, case):
    _, pm = run
    gold = yaml.safe_load((DATA / case / "gold.yaml").read_text())
    hypothesis = (pm[case]["root_cause"]["hypothesis"] + pm[case]["five_whys"]["whys"][0]["answer"]).lower()
    assert not [d for d in gold["distractors"] if d.lower() in hypothesis]


def test_factors_name_the_resource_not_a_generic_heading(run):
    _, pm = run
    titles = [f["title"] for f in pm["disk-full-log-volume"]["contributing_factors"]]
    assert any("disk space" in t for t in titles), titles
    assert not any(t in ("Change safety", "Pre-existing noise") for t in titles[:2])


def test_chat_is_folded_into_few_rows(run):
    _, pm = run
    chat_rows = [e for e in pm["oom-kill-loop"]["timeline"]["entries"] if "in the incident channel" in e["text"]]
    assert len(chat_rows) <= 3


def test_drafts_are_deterministic():
    a = run_postmortem(DATA / "dns-record-change").model_dump_json()
    b = run_postmortem(DATA / "dns-record-change").model_dump_json()
    assert a == b
