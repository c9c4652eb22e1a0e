"""Every real vendor sample in ../shared/data/formats is detected as the expected format (by content).
Skipped when the shared data is absent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agent.sources import load_bundle
from agent.sources.logs import iter_records

FORMATS = Path(__file__).resolve().parents[2] / "shared" / "data" / "formats"
LOGHUB = FORMATS.parent / "loghub"

EXPECTED = {
    "alertmanager/grafana_webhook_alertmanager_compatible_example.json": "grafana.webhook",
    "alertmanager/api_v2_post_alerts_example_from_send_alerts_sh.json": "alertmanager.api_v2",
    "datadog/v1_query_timeseries_response.json": "datadog.timeseries",
    "datadog/v2_timeseries_query_response.json": "datadog.timeseries",
    "datadog/v2_incident_details_response.json": "datadog.incident",
    "datadog/v2_incidents_list_response.json": "datadog.incident",
    "datadog/v2_logs_list_response.json": "datadog.logs",
    "datadog/v2_spans_list_response.json": "datadog.spans",
    "datadog/v1_monitor_groups_search_response.json": "datadog.monitor_groups",
    "github_webhooks/deployment__payload.json": "github.deployment",
    "github_webhooks/deployment__gh-pages.payload.json": "github.deployment",
    "github_webhooks/deployment__with-installation.payload.json": "github.deployment",
    "github_webhooks/deployment_status__payload.json": "github.deployment_status",
    "github_webhooks/deployment_status__gh-pages.payload.json": "github.deployment_status",
    "github_webhooks/deployment_status__with-installation.payload.json": "github.deployment_status",
    "jaeger/GetTrace.json": "otlp.traces",
    "jaeger/domain_01.json": "jaeger.json",
    "jaeger/es_01.json": "jaeger.json",
    "jaeger/otlp2jaeger-in.json": "otlp.traces",
    "jaeger/otlp2jaeger-out.json": "jaeger.json",
    "jaeger/otlp_storage_example_trace.json": "otlp.traces",
    "jaeger/trace_success.json": "jaeger.json",
    "jaeger/ui_01.json": "jaeger.json",
    "jira/issues_in_sprint.json": "jira.search",
    "jira/issues_in_sprint_with_changelog.json": "jira.search",
    "opsgenie/webhook_alert_action_create.json": "opsgenie.webhook",
    "otlp_examples/trace.json": "otlp.traces",
    "otlp_examples/logs.json": "otlp.logs",
    "otlp_examples/events.json": "otlp.logs",
    "otlp_examples/metrics.json": "otlp.metrics",
    "pagerduty/incident_get.example.json": "pagerduty.incident",
    "pagerduty/incidents_list.example.json": "pagerduty.incidents",
    "pagerduty/incident_log_entries.example.json": "pagerduty.log_entries",
    "pagerduty/log_entries_list.example.json": "pagerduty.log_entries",
    "pagerduty/incident_notes.example.json": "pagerduty.notes",
    "pagerduty/incident_alerts.example.json": "pagerduty.alerts",
    "pagerduty/change_events_list.example.json": "pagerduty.change_events",
    "pagerduty/events_v2_change_event.json": "pagerduty.change_event",
    "pagerduty/events_v2_trigger_alert.json": "pagerduty.event_v2",
    "pagerduty/webhook_v3_payload_incident_priority_updated.json": "pagerduty.webhook_v3",
    "pagerduty/webhook_v3_payload_service_updated.json": "pagerduty.webhook_v3",
    "prometheus/api_v1_alerts_response.json": "prometheus.alerts",
    "prometheus/api_v1_rules_response.json": "prometheus.alerts",
    "prometheus/query_instant_response.json": "prometheus.query",
    "prometheus/query_range_response.json": "prometheus.query_range",
    "slack_export_sample/users.json": "slack.users",
    "slack_export_sample/channels.json": "slack.channels",
    "slack_export_sample/enrique/2016-02-07.json": "slack.export_day",
    "slack_export_sample/traveling-sailor/2016-03-26.json": "slack.export_day",
}
LOGHUB_EXPECTED = {"Android": "log.android", "Apache": "log.apache_error", "BGL": "log.epoch", "HDFS": "log.hdfs",
                   "Hadoop": "log.iso8601", "Linux": "log.rfc3164", "Mac": "log.rfc3164", "OpenSSH": "log.rfc3164",
                   "OpenStack": "log.iso8601_embedded", "Spark": "log.spark", "Thunderbird": "log.epoch",
                   "Windows": "log.iso8601", "Zookeeper": "log.iso8601"}

pytestmark = pytest.mark.skipif(not FORMATS.is_dir(), reason="shared sample data not present")


@pytest.fixture(scope="module")
def formats_bundle():
    return load_bundle(FORMATS)


@pytest.mark.parametrize("rel, fmt", sorted(EXPECTED.items()))
def test_real_sample_detected(formats_bundle, rel, fmt):
    status = next(f for f in formats_bundle.files if f.path == rel)
    assert (status.format, status.status) == (fmt, "parsed"), status.reason


def test_real_samples_under_other_names(tmp_path):
    """Detection is by content: the same samples renamed to meaningless names keep their format ids."""
    for i, rel in enumerate(sorted(EXPECTED)):
        if not rel.startswith("slack_export_sample/"):
            shutil.copy(FORMATS / rel, tmp_path / f"file{i:02d}.dat")
    b = load_bundle(tmp_path)
    got = sorted(f.format or "" for f in b.files)
    want = sorted(fmt for rel, fmt in EXPECTED.items() if not rel.startswith("slack_export_sample/"))
    assert got == want


def test_real_samples_give_records(formats_bundle):
    b = formats_bundle
    assert b.tickets and b.alerts and b.series and b.spans and b.chat and b.changes and b.logs
    user_names = {m.user_name for m in b.chat if m.user and m.user.startswith("U")}
    assert "abilinski" in user_names  # ids mapped through users.json
    assert {f.status for f in b.files} <= {"parsed", "skipped", "error"}


@pytest.mark.skipif(not LOGHUB.is_dir(), reason="loghub samples not present")
def test_loghub_shapes(tmp_path):
    for name in LOGHUB_EXPECTED:
        shutil.copy(LOGHUB / name / f"{name}_2k.log", tmp_path / f"{name.lower()}.txt")
    b = load_bundle(tmp_path)
    assert {f.path: f.format for f in b.files if f.status == "parsed"} == \
        {f"{k.lower()}.txt": v for k, v in LOGHUB_EXPECTED.items()}
    for src in b.logs:
        recs = list(iter_records(src))
        assert len(recs) == 2000 and all(r.time is not None for r in recs), src.path
