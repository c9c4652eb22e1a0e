"""Unseen bundles: vendors mixed differently from fixtures/, file names that reveal nothing. Each drafts
through the CLI with every seed section, citations that resolve, valid JSON and a parseable card."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from test_robust_builders import (
    check_report, csv_metrics, datadog_logs, github_deployment, grafana_webhook, incident_yaml, jaeger_trace,
    jira_v3_issue, jsonl_log, opsgenie_alert, opsgenie_webhook, otlp_metrics, otlp_traces, pagerduty_webhook,
    postgres_log, prometheus_alerts, slack_export, syslog_5424, write_bundle,
)


def opsgenie_jaeger_slack(root: Path) -> Path:
    """Opsgenie alert + webhooks, Jaeger trace, Slack export, CSV metrics, syslog RFC 5424, incident.yaml."""
    files: dict = {"inbox/a1.dat": opsgenie_alert(), "inbox/a2.dat": opsgenie_webhook("Acknowledge", 8),
                   "inbox/a3.dat": opsgenie_webhook("Close", 50), "t/spans.out": jaeger_trace(),
                   "m/series.txt": csv_metrics(), "about": incident_yaml(),
                   "host/messages": syslog_5424([(-40, 14, "checkout", "request served in 180ms"),
                                                 (-3, 13, "deployer", "rolled out checkout build 7731"),
                                                 *[(m, 11, "checkout", "upstream payments-gw timeout after 2000ms")
                                                   for m in (1, 2, 3, 5, 8)],
                                                 (30, 13, "deployer", "rolled back checkout to build 7730"),
                                                 (45, 14, "checkout", "request served in 190ms")])}
    chat = slack_export("inc-checkout", [(5, "U0ANA", "looking at checkout latency"),
                                         (31, "U0ANA", "rolled back build 7731, latency recovering"),
                                         (46, "U0CHAN", "resolved")])
    files.update({f"export/{k}": v for k, v in chat.items()})
    return write_bundle(root, files)


def jira_prom_otlp(root: Path) -> Path:
    """JIRA v3 issue with ADF and changelog, Prometheus /api/v1/alerts, OTLP traces + metrics, JSON lines."""
    log = jsonl_log([(-20, "info", "query ok"), (-2, "info", "deployed search-indexer 3.2.0"),
                     *[(m, "error", "index search-v42 not found") for m in (0, 1, 2, 4)], (60, "info", "query ok")])
    return write_bundle(root, {"ticket": jira_v3_issue(), "firing": prometheus_alerts(), "tr/0001": otlp_traces(),
                               "tr/0002": otlp_metrics(), "svc/output": log})


def pagerduty_grafana_datadog(root: Path) -> Path:
    """PagerDuty webhook v3 events, Grafana webhook, Datadog logs (API recording), postgres log, GitHub deploy."""
    pool = "could not obtain connection from pool within 30s"
    return write_bundle(root, {
        "w1": pagerduty_webhook("incident.triggered", 5), "w2": pagerduty_webhook("incident.acknowledged", 9),
        "w3": pagerduty_webhook("incident.resolved", 48), "g": grafana_webhook(),
        "dd": datadog_logs([(1, "error", pool), (2, "error", pool), (40, "info", "healthy")]),
        "pg": postgres_log([(-30, "LOG", "checkpoint complete"), (0, "FATAL", "sorry, too many clients already"),
                            (1, "FATAL", "sorry, too many clients already")]),
        "dep": github_deployment()})


BUNDLES = {"opsgenie-jaeger-slack": (opsgenie_jaeger_slack, {"opsgenie.alert", "opsgenie.webhook", "jaeger.json",
                                                             "slack.export_day", "metrics.csv", "log.rfc5424",
                                                             "incident.yaml"}),
           "jira-prom-otlp": (jira_prom_otlp, {"jira.issue", "prometheus.alerts", "otlp.traces", "otlp.metrics",
                                               "log.jsonl"}),
           "pagerduty-grafana-datadog": (pagerduty_grafana_datadog, {"pagerduty.webhook_v3", "grafana.webhook",
                                                                     "datadog.logs", "github.deployment"})}


@pytest.mark.parametrize("name", sorted(BUNDLES))
def test_unseen_bundle_drafts_completely(run_cli, tmp_path, name):
    build, formats = BUNDLES[name]
    bundle = build(tmp_path / "b")
    res = run_cli("draft", bundle, "--out", tmp_path / "o", "--json")
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr and "warning" not in res.stderr, res.stderr
    pm = json.loads(res.stdout)
    assert all(f["status"] == "parsed" for f in pm["files"]), pm["files"]
    assert formats <= {f["format"] for f in pm["files"]}
    data = check_report(tmp_path / "o")
    assert data == pm
    assert len(pm["five_whys"]["whys"]) == 5 and all(w["evidence_ids"] for w in pm["five_whys"]["whys"])


def test_postgres_log_is_read_as_postgres(tmp_path):
    from agent.sources import load_bundle

    files = load_bundle(pagerduty_grafana_datadog(tmp_path / "b")).files
    assert next(f for f in files if f.path == "pg").status == "parsed"


def test_jira_highest_priority_is_a_high_severity(tmp_path):
    from agent.api import run_postmortem

    pm = run_postmortem(jira_prom_otlp(tmp_path / "b"))
    assert pm.severity in ("SEV-1", "SEV-2")


def test_trigger_lead_matches_the_reported_start(tmp_path):
    from agent.api import run_postmortem

    pm = run_postmortem(jira_prom_otlp(tmp_path / "b"), out_dir=tmp_path / "o")
    md = (tmp_path / "o" / "postmortem.md").read_text()
    # The precursor states its absolute time; no lead measured from a different onset than the report's.
    assert re.search(r"logged at \d\d:\d\d:\d\d, shortly before the incident", md), "no precursor line"
    assert "min before the onset" not in md
