"""dev/reddit-pi-day-2023: a Kubernetes 1.23 -> 1.24 upgrade breaks Calico route reflectors.

Facts and times from Reddit's public postmortem "You Broke Reddit: The Pi-Day Outage" (2023-03-14: upgrade
started just after 19:00 UTC, site down within minutes, incident call within three minutes, 314-minute outage;
route reflectors selected by the removed 'master' node label). All telemetry below is invented.
"""

from __future__ import annotations

from pathlib import Path

from evals.synth import vendor as V
from evals.synth.scenario import LogFile, Scenario, Series, blameful_ts, render

SC = Scenario(
    window=("2023-03-14T18:00:00Z", "2023-03-15T01:00:00Z"), step_s=120,
    service="reddit-web", team="Compute", title="Site-wide 5xx: reddit.com unavailable",
    ticket="opsgenie", ticket_file="alert-1.json", created="2023-03-14T19:04:00Z", acked="2023-03-14T19:06:00Z",
    resolved="2023-03-15T00:17:00Z", assignee="sam.okafor", notes=[],
    alert_format="prom-alerts", alert_file="firing.json", alert_name="EdgeAvailabilityLow",
    alert_summary="Successful request ratio at the edge below 50%",
    alert_starts="2023-03-14T19:04:00Z", alert_ends="2023-03-15T00:17:00Z",
    metric_format="csv", metric_file="dash.csv",
    series=[Series("edge_success_ratio", {}, 0.999, 0.03, "2023-03-14T19:03:00Z", "2023-03-15T00:17:00Z", 0.001),
            Series("calico_bgp_peers_established", {}, 1180, 0, "2023-03-14T19:03:00Z", "2023-03-15T00:10:00Z", 0.0)],
    logs=[LogFile("upgrade.log", "rfc3164", "kubeadm", [
              ("2023-03-14T19:02:10Z", "INFO", "[upgrade/apply] Upgrading your Static Pod-hosted control plane to version \"v1.24.10\""),
              ("2023-03-14T19:02:55Z", "INFO", "[upgrade/postupgrade] Removing the deprecated label node-role.kubernetes.io/master='' from control-plane nodes"),
              ("2023-03-14T19:03:05Z", "INFO", "[upgrade/successful] SUCCESS! Your cluster was upgraded to \"v1.24.10\"")],
              host="k8s-cp-01", warn_noise=("etcd: slow fdatasync took 1.2s", 40)),
          LogFile("calico.log", "go", "calico", [
              ("2023-03-14T19:03:01Z", "WARN", "route reflector selector 'has(node-role.kubernetes.io/master)' matches 0 nodes"),
              ("2023-03-14T19:03:02Z", "ERROR", "BGP session to route reflector down: all peers lost, withdrawing routes"),
              ("2023-03-14T19:10:00Z", "ERROR", "no route reflectors available; pod network routes not programmed"),
              ("2023-03-15T00:05:00Z", "INFO", "route reflectors selected on 3 nodes, BGP sessions established")],
              noise=["felix: dataplane in sync"], noise_every_s=300),
          LogFile("edge-access.log", "nginx", "edge", [
              ("2023-03-14T19:03:30Z", "ERROR", "GET /r/popular 503"), ("2023-03-14T19:04:10Z", "ERROR", "GET / 503"),
              ("2023-03-14T21:00:00Z", "ERROR", "GET /api/v1/me 503"), ("2023-03-15T00:18:00Z", "INFO", "GET / 200")],
              noise=["GET / 200", "GET /r/all 200", "POST /api/comment 200"], noise_every_s=240)],
    chat_format="history", chat_path="channel.json", channel="incident",
    users=[], messages=[
        ("2023-03-14T19:05:30Z", "U01SAM", "site is hard down right after the 1.24 upgrade on the legacy cluster. call is up"),
        ("2023-03-14T19:20:00Z", "U02RIA", "ads-api shipped at 18:40, rolling that back just in case?"),
        ("2023-03-14T19:22:00Z", "U01SAM", "ads-api is on another cluster, not it. etcd fdatasync warnings are old too"),
        ("2023-03-14T19:35:00Z", "U03JAKE", "no supported downgrade for kubeadm, we will have to restore from backup"),
        ("2023-03-14T20:10:00Z", "U02RIA", "who signs off on upgrading a pet cluster on a Tuesday? Jake should have known better"),
        ("2023-03-14T22:40:00Z", "U03JAKE", "restored control plane node comes up but new nodes cannot join, certs look wrong"),
        ("2023-03-14T23:50:00Z", "U01SAM", "route reflectors were pinned by the master label that 1.24 removed; relabelled nodes"),
        ("2023-03-15T00:17:30Z", "U01SAM", "traffic back, site up. keeping the incident open for monitoring"),
    ],
    changes=[("pd", "changes.json", "2023-03-14T19:02:00Z", "k8s-legacy", "Kubernetes upgrade 1.23 -> 1.24 on legacy cluster"),
             ("github", "deploy.json", "2023-03-14T18:40:00Z", "ads-api", "ads-api 2023.03.14.2: bid cache tweak")],
    meta={"id": "DEV-REDDIT-2023", "title": "Reddit Pi-Day outage after a Kubernetes upgrade", "severity": "SEV-1",
          "service": "reddit-web", "owning_team": "compute", "distribution": ["engineering", "product", "leadership"],
          "impact": {"users_affected": "all users"}, "sla_target": 99.9, "reviewers": ["@infra-lead"],
          "author": "@sam"},
)


def gold() -> dict:
    return {
        "incident_start": "2023-03-14T19:03:00Z", "detection": "2023-03-14T19:04:00Z",
        "mitigation": "2023-03-15T00:17:00Z", "resolution": "2023-03-15T00:17:00Z", "duration_minutes": 314,
        "severity": "SEV1",
        "trigger": "Kubernetes upgrade from 1.23 to 1.24 on the legacy cluster removed the master node label",
        "root_cause": ("Calico route reflectors were selected by the deprecated node-role.kubernetes.io/master label, "
                       "which the 1.24 upgrade removed; with no route reflectors, pod network routes were withdrawn."),
        "root_cause_category": "bad-deploy", "acceptable_alt_categories": ["config-change", "network"],
        "key_timeline_events": [
            {"time": "2023-03-14T19:02:00Z", "event": "Kubernetes upgrade 1.23 to 1.24 started on the legacy cluster"},
            {"time": "2023-03-14T19:03:00Z", "event": "Site goes down, requests fail with 503"},
            {"time": "2023-03-14T19:04:00Z", "event": "Alert: edge availability low"},
            {"time": "2023-03-14T19:05:00Z", "event": "Incident call opened"},
            {"time": "2023-03-15T00:17:00Z", "event": "Site recovered"},
        ],
        "contributing_factors": ["Route reflector configuration depended on a deprecated node label",
                                 "No supported downgrade or tested rollback for Kubernetes upgrades",
                                 "Restore procedure was outdated"],
        "expected_action_item_themes": ["audit configuration for deprecated Kubernetes labels",
                                        "test restore and rollback procedure", "replace hand-built pet clusters"],
        "blameful_chat_ts": blameful_ts(SC, [4]),
        "distractors": ["ads-api", "fdatasync"],
    }


def build(root: Path) -> None:
    render(SC, root)
    V.write_yaml(root / "gold.yaml", gold())
