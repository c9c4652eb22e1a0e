"""CI eval: draft every fixture offline and hold the aggregate scores to the floors in evals/floors.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agent.evaluation.harness import run_eval

ROOT = Path(__file__).resolve().parents[1]
FLOORS = yaml.safe_load((ROOT / "evals" / "floors.yaml").read_text())


@pytest.fixture(scope="module")
def card(tmp_path_factory):
    card, _ = run_eval(ROOT / FLOORS["dataset"], out_dir=tmp_path_factory.mktemp("eval"), jobs=4)
    return card


@pytest.mark.parametrize("metric", sorted(FLOORS["floors"]))
def test_score_is_not_below_its_floor(card, metric):
    value = card["aggregate"].get(metric)
    assert value is not None and value >= FLOORS["floors"][metric], (
        f"{metric} = {value} fell below its floor {FLOORS['floors'][metric]} (evals/floors.yaml); "
        f"run `postmortem eval {FLOORS['dataset']}` and read scorecard.md")


@pytest.mark.parametrize("metric", sorted(FLOORS["ceilings"]))
def test_error_is_not_above_its_ceiling(card, metric):
    value = card["aggregate"].get(metric)
    assert value is not None and value <= FLOORS["ceilings"][metric], f"{metric} = {value} > {FLOORS['ceilings'][metric]}"


def test_every_fixture_was_scored(card):
    names = {c["name"] for c in card["cases"]}
    assert names == {p.name for p in (ROOT / FLOORS["dataset"]).iterdir() if (p / "gold.yaml").exists()}
