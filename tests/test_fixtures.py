"""The committed incident bundles: real vendor shapes, neutral names, a gold file, loadable."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from agent.models import CATEGORIES

ROOT = Path(__file__).resolve().parents[1]
BUNDLES = sorted(p for base in ("fixtures", "evals/datasets/dev") for p in (ROOT / base).glob("*/") if (p / "gold.yaml").exists())
FIXTURES = [p for p in BUNDLES if p.parent.name == "fixtures"]
# Words that would tell the loader the format from the name alone.
REVEALING = re.compile(r"pagerduty|opsgenie|jira|alertmanager|prometheus|slack|github|otlp|jaeger|syslog|nginx|"
                       r"postgres|datadog|grafana|kibana|elastic", re.I)
KIND_OF_FORMAT = {
    "pagerduty.incident": "ticket", "pagerduty.log_entries": "ticket", "opsgenie.alert": "ticket",
    "opsgenie.webhook": "ticket",
    "jira.issue": "ticket", "alertmanager.webhook": "alert", "prometheus.alerts": "alert",
    "prometheus.matrix": "metric", "csv": "metric", "otlp": "trace", "jaeger": "trace",
    "slack.history": "chat", "slack.export": "chat", "github.deployment": "change", "pagerduty.change_events": "change",
    "incident.yaml": "manual", "text-log": "log", "jsonl-log": "log",
}


def sniff(path: Path) -> str | None:
    """A deliberately independent content sniff, so these tests don't trust the parser they feed."""
    text = path.read_text(errors="replace")
    if path.name == "gold.yaml":
        return None
    if path.suffix in (".yaml", ".yml"):
        return "incident.yaml"
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        first = text.lstrip()[:1]
        if first == "{":
            return "jsonl-log"
        return "csv" if text.startswith("timestamp,") else "text-log"
    return _sniff_json(doc, path)


def _sniff_json(doc, path: Path) -> str | None:
    if isinstance(doc, list):
        if doc and isinstance(doc[0], dict) and doc[0].get("version") == "4":
            return "alertmanager.webhook"
        if doc and isinstance(doc[0], dict) and "ts" in doc[0] and doc[0].get("type") == "message":
            return "slack.export"
        return None  # users.json / channels.json ride along with the export
    keys = set(doc)
    data = doc.get("data")
    checks = [
        ("incident" in keys, "pagerduty.incident"), ("log_entries" in keys, "pagerduty.log_entries"),
        ("change_events" in keys, "pagerduty.change_events"), ("changelog" in keys and "fields" in keys, "jira.issue"),
        (doc.get("version") == "4", "alertmanager.webhook"), ("resourceSpans" in keys, "otlp"),
        (isinstance(data, dict) and "alerts" in data, "prometheus.alerts"),
        (isinstance(data, dict) and data.get("resultType") == "matrix", "prometheus.matrix"),
        (isinstance(data, dict) and "tinyId" in data, "opsgenie.alert"),
        (isinstance(data, list) and data and "spans" in data[0], "jaeger"),
        ("messages" in keys and "ok" in keys, "slack.history"), ("deployment" in keys, "github.deployment"),
        ("alert" in keys and "action" in keys, "opsgenie.webhook"),
    ]
    return next((fmt for cond, fmt in checks if cond), None)


def formats(bundle: Path) -> dict[str, str]:
    return {str(p.relative_to(bundle)): fmt for p in sorted(bundle.rglob("*")) if p.is_file() and (fmt := sniff(p))}


def test_there_are_at_least_four_fixtures_including_the_seed():
    names = {p.name for p in FIXTURES}
    assert len(FIXTURES) >= 4 and "conn-pool-exhaustion" in names


@pytest.mark.parametrize("bundle", BUNDLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_bundle_has_four_kinds_of_data_and_is_small(bundle):
    kinds = {KIND_OF_FORMAT[f] for f in formats(bundle).values()}
    assert len(kinds - {"manual"}) >= 4, kinds
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file())
    assert size < 300 * 1024


@pytest.mark.parametrize("bundle", BUNDLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_file_names_do_not_reveal_the_format(bundle):
    for p in bundle.rglob("*"):
        assert not REVEALING.search(str(p.relative_to(bundle))), p


def test_fixtures_cover_the_required_formats_between_them():
    seen = {f for b in FIXTURES for f in formats(b).values()}
    assert set(KIND_OF_FORMAT) - seen == set()


@pytest.mark.parametrize("bundle", BUNDLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_gold_file_matches_the_schema(bundle):
    from agent.evaluation.gold import load_gold

    gold = load_gold(bundle / "gold.yaml")
    assert gold.root_cause_category in CATEGORIES
    assert gold.incident_start and gold.incident_start <= gold.detection <= gold.resolution
    assert gold.key_timeline_events and gold.blameful_chat_ts
    chat_ts = {m["ts"] for p in bundle.rglob("*.json") for m in _messages(p)}
    assert set(gold.blameful_chat_ts) <= chat_ts, "blameful_chat_ts must name real chat messages"


def _messages(path: Path) -> list[dict]:
    doc = json.loads(path.read_text())
    msgs = doc.get("messages", []) if isinstance(doc, dict) else doc
    return [m for m in msgs if isinstance(m, dict) and m.get("type") == "message"]


def _load_bundle():
    sources = pytest.importorskip("agent.sources")
    if not hasattr(sources, "load_bundle"):
        pytest.skip("agent.sources.load_bundle is not written yet")
    return sources.load_bundle


@pytest.mark.parametrize("bundle", BUNDLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_loader_reads_every_file_without_error(bundle):
    loaded = _load_bundle()(bundle)
    bad = [(f.path, f.reason) for f in loaded.files if f.status == "error"]
    assert not bad
    assert "gold.yaml" not in {f.path for f in loaded.files if f.status == "parsed"}
    expected = {KIND_OF_FORMAT[f] for f in formats(bundle).values()}
    have = {"ticket": loaded.tickets, "alert": loaded.alerts, "metric": loaded.series, "trace": loaded.spans,
            "chat": loaded.chat, "change": loaded.changes, "log": loaded.logs, "manual": [loaded.meta.source_file]}
    assert [k for k in expected if not have[k]] == []


@pytest.mark.parametrize("bundle", FIXTURES, ids=lambda p: p.name)
def test_planted_secrets_are_really_in_the_bundle(bundle):
    gold = yaml.safe_load((bundle / "gold.yaml").read_text())
    text = "".join(p.read_text() for p in bundle.rglob("*") if p.is_file() and p.name != "gold.yaml")
    assert gold["secrets"] and all(s in text for s in gold["secrets"])
