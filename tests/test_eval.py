"""The eval harness: gold files, matchers, scorers, staging without gold, scorecards, CLI."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from agent.errors import BundleError, UsageError
from agent.evaluation import runner, scorecard, scorers
from agent.evaluation.gold import load_gold
from agent.evaluation.harness import run_eval
from agent.evaluation.judge import LLMJudge
from agent.evaluation.match import similar, words
from agent.llm.client import Answer
from agent.models import (ActionItem, ChatFlag, Claim, ContributingFactor, Evidence, FiveWhys, Impact, Postmortem,
                          RootCause, Timeline, TimelineEntry, Why)

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "fixtures" / "conn-pool-exhaustion"
SECTIONS_MD = """# Postmortem: Orders API outage
**Incident ID:** INC-1 **Date:** 2026-02-05 **Severity:** SEV-1 **Duration:** 2h 15m **Status:** Draft
**Author:** @a **Reviewers:** @b
## Executive Summary
## Impact
## Timeline
## Root Cause Analysis (5-Whys)
## Contributing Factors
## What Went Well
## What Went Wrong
## Action Items
## Lessons Learned
## Pattern Analysis
## Appendix: Supporting Evidence
## Sign-Off
"""


def perfect(gold, *, shift_min: float = 0) -> Postmortem:
    """A draft that says exactly what the gold file says, citing real lines of the seed fixture."""
    sh = timedelta(minutes=shift_min)
    ev = [Evidence(id="E1", kind="change", source_file="hook-a.json", pointer="hook-a.json:13", line=13,
                   excerpt="Deploy PR #1100: refactor order repository (merge conflict resolved)"),
          Evidence(id="E2", kind="log", source_file="app.log", pointer="app.log:372", line=372,
                   excerpt="Connection pool exhausted (100/100 connections in use)")]
    cite = ["E1", "E2"]
    entries = [TimelineEntry(time=g.time + sh, text=g.event, source="log", importance=1.0, evidence_ids=cite)
               for g in gold.key_timeline_events]
    whys = [Why(question=f"why {i}?", answer="because", evidence_ids=cite) for i in range(5)]
    return Postmortem(
        incident_id="INC-1", title="t", date=date(2026, 2, 5), severity="SEV-1", duration="2h 15m", author="a",
        owning_team="backend", executive_summary=Claim(text="s", evidence_ids=cite),
        impact=Impact(duration_minutes=gold.duration_minutes),
        timeline=Timeline(entries=entries, start=gold.incident_start + sh, detected=gold.detection + sh,
                          mitigated=gold.mitigation + sh, resolved=gold.resolution + sh),
        five_whys=FiveWhys(problem_statement="p", whys=whys),
        root_cause=RootCause(hypothesis="h", category=gold.root_cause_category, confidence=0.7, evidence_ids=cite),
        contributing_factors=[ContributingFactor(title=f, detail="", evidence_ids=cite) for f in gold.contributing_factors],
        action_items=[ActionItem(id=f"AI-{i + 1:03d}", action=t, owner="sre", deadline=date(2026, 2, 20),
                                 kind="prevent", evidence_ids=cite)
                      for i, t in enumerate(gold.expected_action_item_themes)],
        evidence=ev, generated_at=datetime(2026, 2, 5, 16, 15),
        chat_flags=[ChatFlag(ts=ts, time=gold.incident_start, channel="c", rule="blame", message="m")
                    for ts in gold.blameful_chat_ts],
    )


def score(pm, gold, markdown=SECTIONS_MD, distractors=()):
    return scorers.score_all(pm, gold, bundle=SEED, markdown=markdown, json_text=pm.model_dump_json(),
                             schema_errors=[], distractors=list(distractors))


@pytest.fixture(scope="module")
def gold():
    return load_gold(SEED / "gold.yaml")


# ------------------------------------------------------------------ matcher and gold


def test_matcher_folds_tenses_synonyms_and_needs_two_shared_words():
    assert words("Deployed the hotfix") == words("deploys hotfixes")
    assert similar("On-call acknowledges the page", "Alert acknowledged by Maya")
    assert similar("Hotfix PR #1234 deployed to production", "Deployment of Hotfix PR #1234 succeeded in production")
    assert not similar("Database pool max increased", "Database failover completed")
    assert not similar("Incident resolved", "Checkout errors back to baseline")


def test_gold_ignores_unknown_keys_keeps_ts_text_and_rejects_bad_category(tmp_path):
    p = tmp_path / "gold.yaml"
    p.write_text("incident_start: 2031-07-01T13:42:00Z\nroot_cause_category: bad-deploy\nnovel: 1\n"
                 "blameful_chat_ts: [1940681402.947550]\n")
    g = load_gold(p)
    assert g.blameful_chat_ts == ["1940681402.947550"] and g.incident_start.tzinfo is not None
    p.write_text("incident_start: 2031-07-01T13:42:00Z\nroot_cause_category: gremlins\n")
    with pytest.raises(BundleError, match="root_cause_category"):
        load_gold(p)


# ------------------------------------------------------------------ scorers


def test_a_draft_that_matches_the_gold_scores_full_marks(gold):
    m, details = score(perfect(gold), gold)
    for key in ("times_within_tol", "event_recall", "event_precision", "category_ok", "trigger_found",
                "factor_coverage", "theme_coverage", "blameful_recall", "grounding_rate", "sections_present"):
        assert m[key] == 1.0, (key, details)
    assert m["start_err_min"] == 0 and m["secret_leaks"] == 0 and m["overall"] == 1.0


def test_shifted_times_wrong_category_and_missed_flags_lose_points(gold):
    pm = perfect(gold, shift_min=10)
    pm.root_cause.category = "network"
    pm.chat_flags = []
    m, details = score(pm, gold)
    assert m["start_err_min"] == 10 and m["times_within_tol"] == pytest.approx(1 / 5)  # duration still right
    assert m["event_recall"] == 0 and m["category_ok"] == 0 and m["blameful_recall"] == 0
    assert len(details["missed_events"]) == len(gold.key_timeline_events)
    assert m["overall"] < 0.7


def test_acceptable_alternative_category_is_ok_but_not_exact(gold):
    pm = perfect(gold)
    pm.root_cause.category = gold.acceptable_alt_categories[0]
    m, _ = score(pm, gold)
    assert (m["category_ok"], m["category_exact"]) == (1.0, 0.0)


def test_trigger_must_be_cited_by_the_first_two_whys(gold):
    pm = perfect(gold)
    for w in pm.five_whys.whys[:2]:
        w.evidence_ids = ["E2"]  # the symptom, not the deploy
    m, details = score(pm, gold)
    assert m["trigger_found"] == 0.0, details["trigger"]


def test_grounding_rejects_missing_ids_and_pointers_past_the_file(gold):
    pm = perfect(gold)
    pm.evidence[1].line = 10**6
    pm.evidence[1].pointer = "app.log:1000000"
    pm.went_wrong = [Claim(text="x", evidence_ids=["E99"]), Claim(text="uncited")]
    m, details = score(pm, gold)
    assert m["grounding_rate"] == 0.0  # every claim cites E2, which now points past the end of app.log
    pm.evidence[1].line, pm.evidence[1].pointer = 372, "app.log:372"
    m, details = score(pm, gold)
    assert 0.8 < m["grounding_rate"] < 1.0 and any("E99" in u for u in details["ungrounded"])


def test_missing_sections_and_leaked_secrets_are_reported(gold):
    md = SECTIONS_MD.replace("## Lessons Learned\n", "") + f"\nconn {gold.secrets[0]}\n"
    m, details = score(perfect(gold), gold, markdown=md)
    assert m["sections_present"] == pytest.approx(12 / 13) and details["missing_sections"] == ["lessons learned"]
    assert m["secret_leaks"] == 1 and m["overall"] < 1.0


def test_distractor_named_as_cause_is_flagged(gold):
    pm = perfect(gold)
    pm.root_cause.hypothesis = "The search-indexer v2.8.3 deploy broke the API"
    m, _ = score(pm, gold, distractors=["search-indexer v2.8.3"])
    assert m["distractor_blamed"] == 1.0


# ------------------------------------------------------------------ runner, scorecard, CLI


def seen_files_draft(log: list):
    def draft(bundle: Path, out_dir: Path):
        log.append(sorted(str(p.relative_to(bundle)) for p in bundle.rglob("*")))
        (out_dir / "postmortem.md").write_text(SECTIONS_MD)
        return perfect(load_gold(SEED / "gold.yaml"))
    return draft


def test_the_agent_never_sees_the_gold_file(tmp_path):
    seen: list = []
    card, _ = run_eval(SEED, out_dir=tmp_path, draft=seen_files_draft(seen), jobs=1)
    assert seen and "gold.yaml" not in seen[0]
    assert set(seen[0]) == {str(p.relative_to(SEED)) for p in SEED.rglob("*")} - {"gold.yaml"}
    assert (SEED / "gold.yaml").exists()  # the case itself is untouched


def two_cases(tmp_path) -> Path:
    ds = tmp_path / "ds"
    for name in ("a", "b"):
        shutil.copytree(SEED, ds / name)
    (ds / "notes").mkdir()  # no gold.yaml: not a case
    return ds


def test_cases_run_in_parallel_and_the_scorecard_has_summary_and_tables(tmp_path):
    card, _ = run_eval(two_cases(tmp_path), out_dir=tmp_path / "out", draft=seen_files_draft([]), jobs=2,
                       executor="thread")
    assert [c["name"] for c in card["cases"]] == ["a", "b"] and card["aggregate"]["overall"] == 1.0
    md = (tmp_path / "out" / "scorecard.md").read_text()
    assert md.index("## Summary") < md.index("### a") < md.index("### b")
    assert json.loads((tmp_path / "out" / "scorecard.json").read_text())["aggregate"]["cases"] == 2


def test_a_crashing_draft_is_reported_not_raised(tmp_path):
    def broken(bundle, out_dir):
        raise RuntimeError("boom")

    card, _ = run_eval(SEED, out_dir=tmp_path, draft=broken, jobs=1)
    assert card["aggregate"]["errors"] == 1 and card["aggregate"]["overall"] == 0
    assert "boom" in (tmp_path / "scorecard.md").read_text()


def test_compare_says_better_or_worse_with_the_metric_direction(tmp_path, gold):
    old = {"aggregate": {"overall": 0.5, "start_err_min": 3.0, "event_recall": 0.9}, "cases": []}
    new = {"aggregate": {"overall": 0.6, "start_err_min": 5.0, "event_recall": 0.9}, "cases": []}
    rows = {r["metric"]: r["verdict"] for r in scorecard.compare(new, old)}
    assert rows == {"overall": "better", "start_err_min": "worse", "event_recall": "same"}


def test_repeat_averages_runs(tmp_path):
    card, _ = run_eval(SEED, out_dir=tmp_path, draft=seen_files_draft([]), jobs=1, repeat=2)
    case = card["cases"][0]
    assert len(case["runs"]) == 2 and case["metrics"]["overall_stdev"] == 0


def test_discover_needs_gold_files(tmp_path):
    with pytest.raises(UsageError, match="no case found"):
        runner.discover(tmp_path)


class FakeJudgeClient:
    name, structured_method = "fake", "json_schema"

    def __init__(self, replies):
        self.replies = list(replies)

    def complete(self, messages, schema, *, schema_name):
        assert "<reference>" in messages[-1][1] and "secrets" not in messages[-1][1]
        return Answer(raw="", data=self.replies.pop(0))


def test_llm_judge_reasks_on_invalid_output_and_normalises(gold):
    good = dict(accuracy=5, root_cause_depth=3, actionability=4, blamelessness=5, clarity=1, rationale="ok")
    judge = LLMJudge(FakeJudgeClient([{"accuracy": 9}, good]))
    out = judge(perfect(gold), gold, SECTIONS_MD)
    assert out["accuracy"] == 1.0 and out["clarity"] == 0.0 and out["judge_mean"] == pytest.approx(0.65)


def test_cli_rejects_bad_args_and_a_missing_dataset(run_cli, tmp_path):
    res = run_cli("eval", str(tmp_path / "nope"), "--out", str(tmp_path / "o"))
    assert res.returncode == 2 and "no such dataset" in res.stderr
    res = run_cli("eval", str(SEED), "--min-score", "7")
    assert res.returncode == 2


def test_cli_eval_writes_scorecards_compares_and_enforces_min_score(run_cli, tmp_path):
    first = run_cli("eval", str(SEED), "--out", str(tmp_path / "a"), "--jobs", "1", "--json")
    assert first.returncode == 0, first.stderr
    card = json.loads(first.stdout)  # --json: clean JSON on stdout
    assert card["cases"][0]["name"] == SEED.name and (tmp_path / "a" / "scorecard.md").exists()
    old = card | {"aggregate": {**card["aggregate"], "overall": 0.0}}
    (tmp_path / "old.json").write_text(json.dumps(old))
    second = run_cli("eval", str(SEED), "--out", str(tmp_path / "b"), "--compare", str(tmp_path / "old.json"),
                     "--min-score", "0.999")
    assert second.returncode == 3 and "below --min-score" in second.stderr
    md = (tmp_path / "b" / "scorecard.md").read_text()
    assert "## Compared with the previous run" in md and "| overall | 0 |" in md and "better" in md


def test_judge_scores_are_kept_apart_from_the_deterministic_ones(tmp_path, gold):
    good = dict(accuracy=3, root_cause_depth=3, actionability=3, blamelessness=3, clarity=3, rationale="ok")
    judge = LLMJudge(FakeJudgeClient([good]))
    card, _ = run_eval(SEED, out_dir=tmp_path, draft=seen_files_draft([]), judge=judge, jobs=1)
    assert card["judge"]["judge_mean"] == 0.5 and card["aggregate"]["overall"] == 1.0
    assert "judge_mean" not in card["aggregate"] and "## LLM judge" in (tmp_path / "scorecard.md").read_text()


def test_judge_built_from_settings_pickles_without_its_client():
    import pickle

    from agent.settings import Settings

    judge = LLMJudge(object(), settings=Settings(llm="openai:gpt-4o-mini", llm_api_key="k"))
    assert pickle.loads(pickle.dumps(judge)).client is None


def test_a_broken_gold_file_fails_only_its_case(tmp_path):
    ds = two_cases(tmp_path)
    (ds / "b" / "gold.yaml").write_text("root_cause_category: gremlins\n")
    card, _ = run_eval(ds, out_dir=tmp_path / "out", draft=seen_files_draft([]), jobs=1)
    by_name = {c["name"]: c for c in card["cases"]}
    assert by_name["a"]["error"] is None and "gremlins" in by_name["b"]["error"]
    assert card["aggregate"]["errors"] == 1
