"""dev/joyent-reboot-2014: an operator command reboots every server in the us-east-1 datacenter.

Facts from Joyent's public postmortem for the us-east-1 outage of 2014-05-27 and its press coverage (began
about 3:30 pm PT, the datacenter down about 1 h 17 min, customer downtime 20-149 minutes, 90% of instances
back within an hour, a legacy NIC driver failing ~10% of reboots, the tool lacked input validation).
All telemetry below is invented.
"""

from __future__ import annotations

from pathlib import Path

from evals.synth import vendor as V
from evals.synth.scenario import LogFile, Scenario, Series, blameful_ts, render

SC = Scenario(
    window=("2014-05-27T21:30:00Z", "2014-05-28T01:30:00Z"),
    service="us-east-1", team="Operations", title="us-east-1: compute nodes unreachable",
    ticket="jira", ticket_file="ticket.json", created="2014-05-27T22:32:00Z", acked="2014-05-27T22:34:00Z",
    resolved="2014-05-28T00:59:00Z", assignee="Rosa Diaz",
    notes=[("ack", "2014-05-27T22:34:00Z", "Rosa Diaz", ""),
           ("escalate", "2014-05-27T22:38:00Z", "Rosa Diaz", "CTO and control plane engineers"),
           ("note", "2014-05-27T23:05:00Z", "Ken Ito", "Control plane databases need manual recovery after full reboot"),
           ("note", "2014-05-27T23:47:00Z", "Ken Ito", "API and control plane restored"),
           ("resolve", "2014-05-28T00:59:00Z", "Rosa Diaz", "")],
    alert_format="alertmanager", alert_file="notify.json", alert_name="ComputeNodesDown",
    alert_summary="More than 50% of compute nodes in us-east-1 not responding",
    alert_starts="2014-05-27T22:31:00Z", alert_ends="2014-05-27T23:47:00Z",
    metric_format="prom", metric_file="nodes.json",
    series=[Series("compute_nodes_up", {"dc": "us-east-1"}, 1000, 40, "2014-05-27T22:30:00Z", "2014-05-27T23:30:00Z", 0.01),
            Series("cloudapi_error_ratio", {"dc": "us-east-1"}, 0.002, 1.0, "2014-05-27T22:30:00Z", "2014-05-27T23:47:00Z", 0.0)],
    logs=[LogFile("headnode.log", "rfc3164", "remote-exec", [
              ("2014-05-27T22:29:50Z", "INFO", "operator request: reboot on selected new compute nodes for upgrade"),
              ("2014-05-27T22:29:58Z", "WARN", "executing 'reboot' on ALL 1000 servers (no node filter given)"),
              ("2014-05-27T22:30:05Z", "INFO", "reboot dispatched to 1000 servers")],
              host="headnode", warn_noise=("ntpd: no servers reachable for 1 peer", 30)),
          LogFile("manatee.log", "postgres", "manatee", [
              ("2014-05-27T22:36:00Z", "FATAL", "the database system is starting up"),
              ("2014-05-27T22:50:00Z", "LOG", "waiting for quorum: peers unknown, refusing to start as primary"),
              ("2014-05-27T23:40:00Z", "LOG", "database system is ready to accept connections")],
              noise=["checkpoint starting: time"], noise_every_s=900),
          LogFile("cn-boot.log", "rfc5424", "kernel", [
              ("2014-05-27T22:41:00Z", "ERROR", "legacy NIC driver: link init failed, boot halted on cn-0713"),
              ("2014-05-28T00:50:00Z", "INFO", "cn-0713 booted after manual power cycle")], host="cn-0713")],
    chat_format="export", chat_path="export", channel="ops-war-room",
    users=[("U1ROSA", "rosa", "Rosa Diaz"), ("U2KEN", "ken", "Ken Ito"), ("U3MAX", "max", "Max Weber")],
    messages=[("2014-05-27T22:33:00Z", "U1ROSA", "every CN in us-east-1 just rebooted at once. customers are down"),
              ("2014-05-27T22:40:00Z", "U3MAX", "who gave that guy root on the whole DC? he should be fired"),
              ("2014-05-27T22:45:00Z", "U2KEN", "the marketing-site deploy earlier is unrelated; ntp warnings are old too"),
              ("2014-05-27T23:05:00Z", "U2KEN", "control plane stateful services lost quorum, recovering them by hand"),
              ("2014-05-27T23:47:30Z", "U2KEN", "cloudapi back, 90%+ of instances up"),
              ("2014-05-28T00:59:30Z", "U1ROSA", "last legacy nodes back after power cycles, all instances up. resolving")],
    changes=[("pd", "changes.json", "2014-05-27T21:50:00Z", "us-east-1", "Upgrade batch prepared: new compute nodes need reboot"),
             ("github", "deploy.json", "2014-05-27T22:10:00Z", "marketing-site", "marketing-site: pricing page copy")],
    meta={"id": "DEV-JOYENT-2014", "title": "us-east-1 outage: all compute nodes rebooted", "severity": "SEV-1",
          "service": "us-east-1", "owning_team": "operations", "distribution": ["engineering", "product", "leadership"],
          "impact": {"users_affected": "all us-east-1 customers"}, "sla_target": 99.99, "reviewers": ["@cto"],
          "author": "@rosa"},
)


def gold() -> dict:
    return {
        "incident_start": "2014-05-27T22:30:00Z", "detection": "2014-05-27T22:31:00Z",
        "mitigation": "2014-05-27T23:47:00Z", "resolution": "2014-05-28T00:59:00Z", "duration_minutes": 149,
        "severity": "SEV1",
        "trigger": "Operator command to reboot selected servers was mistyped and rebooted all servers in the datacenter",
        "root_cause": ("The remote execution tool accepted a reboot command with no node filter and no confirmation, "
                       "rebooting every server; control plane stateful services then needed manual recovery."),
        "root_cause_category": "data-loss/operator-action", "acceptable_alt_categories": ["software-bug"],
        "key_timeline_events": [
            {"time": "2014-05-27T22:30:00Z", "event": "Reboot command dispatched to all servers in the datacenter"},
            {"time": "2014-05-27T22:31:00Z", "event": "Alert: compute nodes down"},
            {"time": "2014-05-27T22:38:00Z", "event": "Escalated to control plane engineers"},
            {"time": "2014-05-27T23:47:00Z", "event": "API and control plane restored"},
            {"time": "2014-05-28T00:59:00Z", "event": "All instances recovered, incident resolved"},
        ],
        "contributing_factors": ["Tool lacked input validation and confirmation", "Control plane needed manual recovery after full reboot",
                                 "Legacy network card driver fails some reboots"],
        "expected_action_item_themes": ["input validation and confirmation in remote execution tooling",
                                        "control plane recovery without operator intervention",
                                        "migrate instances off legacy hardware"],
        "blameful_chat_ts": blameful_ts(SC, [1]),
        "distractors": ["marketing-site", "ntpd"],
    }


def build(root: Path) -> None:
    render(SC, root)
    V.write_yaml(root / "gold.yaml", gold())
