"""dev/gcp-network-2019: maintenance automation deschedules network control plane jobs in several locations.

Facts and times from Google Cloud Networking Incident #19009 (2019-06-02: began 11:45 and ended 15:40
US/Pacific; automation descheduled control plane jobs at 18:45 UTC, user impact 2-4 minutes later; congestion in
several US regions). All telemetry below is invented.
"""

from __future__ import annotations

from pathlib import Path

from evals.synth import vendor as V
from evals.synth.scenario import LogFile, Scenario, Series, blameful_ts, render

SC = Scenario(
    window=("2019-06-02T18:00:00Z", "2019-06-02T23:15:00Z"),
    service="network-control-plane", team="Network SRE", title="Packet loss and congestion in US regions",
    ticket="pagerduty", ticket_file="oncall.json", created="2019-06-02T18:49:00Z", acked="2019-06-02T18:51:00Z",
    resolved="2019-06-02T22:40:00Z", assignee="Hana Sato",
    notes=[("ack", "2019-06-02T18:51:00Z", "Hana Sato", "Acknowledged"),
           ("escalate", "2019-06-02T19:00:00Z", "Hana Sato", "Network control plane team"),
           ("note", "2019-06-02T19:40:00Z", "Luis Moreno", "Control plane jobs descheduled in multiple locations by maintenance automation"),
           ("note", "2019-06-02T20:30:00Z", "Luis Moreno", "Restarting control plane; tooling slowed by the same congestion"),
           ("resolve", "2019-06-02T22:40:00Z", "Hana Sato", "All regions recovered")],
    alert_format="prom-alerts", alert_file="state.json", alert_name="RegionalPacketLossHigh",
    alert_summary="Packet loss above 5% between US regions", alert_starts="2019-06-02T18:49:00Z",
    alert_ends="2019-06-02T22:40:00Z", metric_format="prom", metric_file="loss.json",
    series=[Series("network_packet_loss_ratio", {"region": "us-east1"}, 0.0005, 0.3, "2019-06-02T18:47:00Z", "2019-06-02T22:40:00Z", 0.1),
            Series("control_plane_jobs_running", {"scope": "us"}, 48, 6, "2019-06-02T18:45:00Z", "2019-06-02T21:30:00Z", 0.0)],
    logs=[LogFile("automation.log", "rfc5424", "maint-automation", [
              ("2019-06-02T18:44:30Z", "INFO", "maintenance event started for cluster us-east1-x (scope: 1 location)"),
              ("2019-06-02T18:45:00Z", "WARN", "descheduling network control plane jobs in 6 clusters across 3 locations"),
              ("2019-06-02T18:45:05Z", "INFO", "descheduled 42 network control plane jobs")], host="automation-1"),
          LogFile("router.jsonl", "jsonl", "bgp-speaker", [
              ("2019-06-02T18:47:00Z", "ERROR", "control plane absent too long; withdrawing BGP routes"),
              ("2019-06-02T18:48:00Z", "ERROR", "link capacity to region reduced by 50%, congestion"),
              ("2019-06-02T22:35:00Z", "INFO", "control plane present; routes re-advertised")],
              noise=["keepalive ok"], noise_every_s=300, warn_noise=("optic rx power low on port 7/12", 25))],
    chat_format="history", chat_path="war-room.json", channel="netsre", users=[],
    messages=[("2019-06-02T18:52:00Z", "U1HANA", "heavy packet loss in us-east regions, youtube and cloud both complaining"),
              ("2019-06-02T19:05:00Z", "U3DEV", "bigquery frontend rolled at 18:20 - coincidence?"),
              ("2019-06-02T19:07:00Z", "U2LUIS", "loss is network-wide, not bigquery. the optic warnings have been there for days"),
              ("2019-06-02T19:40:00Z", "U2LUIS", "automation descheduled control plane jobs in several locations, not just the one under maintenance"),
              ("2019-06-02T19:50:00Z", "U3DEV", "the automation team shipped a broken tool again, they never test anything"),
              ("2019-06-02T20:30:00Z", "U2LUIS", "restarting control plane, our tools are slow because of the congestion itself"),
              ("2019-06-02T22:40:00Z", "U1HANA", "all regions back to normal, resolving")],
    changes=[("pd", "changes.json", "2019-06-02T18:45:00Z", "network-control-plane", "Datacenter maintenance event (automation) started"),
             ("github", "deployment.json", "2019-06-02T18:20:00Z", "bigquery-frontend", "bigquery-frontend release 2019-06-02")],
    meta={"id": "DEV-GCPNET-2019", "title": "US network congestion after control plane jobs were descheduled",
          "severity": "SEV-1", "service": "network-control-plane", "owning_team": "network-sre",
          "distribution": ["engineering", "product", "leadership"], "impact": {"users_affected": "multiple US regions"},
          "sla_target": 99.99, "reviewers": ["@network-lead"], "author": "@hana"},
)


def gold() -> dict:
    return {
        "incident_start": "2019-06-02T18:47:00Z", "detection": "2019-06-02T18:49:00Z",
        "mitigation": "2019-06-02T22:40:00Z", "resolution": "2019-06-02T22:40:00Z", "duration_minutes": 233,
        "severity": "SEV1",
        "trigger": "Maintenance automation descheduled network control plane jobs in multiple locations at 18:45 UTC",
        "root_cause": ("A bug in maintenance automation let it deschedule network control plane jobs in several "
                       "locations at once; without the control plane, BGP routes were withdrawn and capacity shrank, "
                       "causing congestion and packet loss."),
        "root_cause_category": "network", "acceptable_alt_categories": ["software-bug", "config-change"],
        "key_timeline_events": [
            {"time": "2019-06-02T18:45:00Z", "event": "Automation deschedules network control plane jobs in several locations"},
            {"time": "2019-06-02T18:47:00Z", "event": "BGP routes withdrawn, packet loss begins"},
            {"time": "2019-06-02T18:49:00Z", "event": "Alert: packet loss high between US regions"},
            {"time": "2019-06-02T22:40:00Z", "event": "All regions recovered, incident resolved"},
        ],
        "contributing_factors": ["Maintenance automation bug could deschedule jobs in multiple locations",
                                 "Control plane jobs configured to stop during maintenance events",
                                 "Debugging tools slowed by the congestion"],
        "expected_action_item_themes": ["limit maintenance automation to one location at a time",
                                        "keep forwarding longer without the control plane",
                                        "emergency tooling that works under congestion"],
        "blameful_chat_ts": blameful_ts(SC, [4]),
        "distractors": ["bigquery-frontend", "optic rx power"],
    }


def build(root: Path) -> None:
    render(SC, root)
    V.write_yaml(root / "gold.yaml", gold())
