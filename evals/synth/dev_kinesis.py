"""dev/aws-kinesis-2020: Kinesis front-end fleet exceeds the OS thread limit after a capacity addition.

Facts and times from AWS's public summary of the Amazon Kinesis event in us-east-1 on 2020-11-25
(capacity added 2:44-3:47 AM PST, first alarms 5:15 AM PST, root cause confirmed 9:39 AM PST,
fully recovered 10:23 PM PST). All telemetry below is invented.
"""

from __future__ import annotations

from pathlib import Path

from evals.synth import vendor as V
from evals.synth.scenario import LogFile, Scenario, Series, blameful_ts, render

STACK = ("shard-map refresh failed: unable to create new native thread\n"
         "java.lang.OutOfMemoryError: unable to create new native thread\n"
         "\tat java.base/java.lang.Thread.start0(Native Method)\n"
         "\tat java.base/java.lang.Thread.start(Thread.java:809)\n"
         "\tat c.e.frontend.peer.PeerChannel.open(PeerChannel.java:117)\n"
         "\tat c.e.frontend.shardmap.ShardMapCache.refresh(ShardMapCache.java:64)")

SC = Scenario(
    window=("2020-11-25T10:00:00Z", "2020-11-26T07:00:00Z"), step_s=300,
    service="kinesis-frontend", team="Streaming", title="Kinesis us-east-1 PutRecord/GetRecords error rate high",
    ticket="pagerduty", ticket_file="oncall.json", created="2020-11-25T13:15:30Z", acked="2020-11-25T13:19:00Z",
    resolved="2020-11-26T06:23:00Z", assignee="Priya Nair",
    notes=[("ack", "2020-11-25T13:19:00Z", "Priya Nair", "Acknowledged"),
           ("escalate", "2020-11-25T13:40:00Z", "Priya Nair", "Streaming principal engineer"),
           ("note", "2020-11-25T15:51:00Z", "Priya Nair", "Narrowed to a few candidates; new capacity is a suspect"),
           ("note", "2020-11-25T17:39:00Z", "Tom Becker", "Confirmed: front-end servers exceed the OS thread limit since the capacity addition"),
           ("note", "2020-11-25T18:07:00Z", "Tom Becker", "Removing the added capacity; restarting front-end servers a few hundred per hour"),
           ("resolve", "2020-11-26T06:23:00Z", "Tom Becker", "Resolved")],
    alert_format="alertmanager", alert_file="hooks.json", alert_name="KinesisRecordErrorsHigh",
    alert_summary="PutRecord and GetRecords error rate above 10% in us-east-1",
    alert_starts="2020-11-25T13:15:00Z", alert_ends="2020-11-26T06:23:00Z",
    metric_format="prom", metric_file="range.json",
    series=[Series("kinesis_record_error_ratio", {"region": "us-east-1"}, 0.001, 0.82, "2020-11-25T13:15:00Z", "2020-11-26T06:20:00Z"),
            Series("process_threads", {"fleet": "frontend", "host": "fe-0042"}, 31200, 32768, "2020-11-25T12:40:00Z", "2020-11-25T18:10:00Z", 0.01),
            Series("frontend_fleet_size", {"region": "us-east-1"}, 5000, 5400, "2020-11-25T10:44:00Z", "2020-11-25T18:10:00Z", 0.0)],
    logs=[LogFile("frontend.log", "java", "frontend", [
              ("2020-11-25T13:14:52Z", "ERROR", STACK),
              ("2020-11-25T13:15:10Z", "ERROR", "request routing failed: shard-map is stale, rejecting PutRecord"),
              ("2020-11-25T14:30:00Z", "ERROR", STACK),
              ("2020-11-25T18:09:00Z", "INFO", "front-end restart batch 1 of 14: 300 servers"),
              ("2020-11-26T06:20:00Z", "INFO", "front-end fleet healthy: all shard-maps current")],
              noise=["PutRecord ok stream=orders-events", "GetRecords ok shard=shardId-000000000417"],
              noise_every_s=240, warn_noise=("GC pause 210ms exceeds 200ms target", 45)),
          LogFile("host.log", "rfc5424", "kernel", [
              ("2020-11-25T13:14:40Z", "WARN", "cgroup: fork rejected by pids controller in /frontend.service (threads-max 32768)"),
              ("2020-11-25T13:20:40Z", "WARN", "cgroup: fork rejected by pids controller in /frontend.service (threads-max 32768)")],
              host="fe-0042")],
    chat_format="export", chat_path="chat", channel="kinesis-sev1",
    users=[("U1PRIYA", "priya", "Priya Nair"), ("U2TOM", "tom", "Tom Becker"), ("U3ANA", "ana", "Ana Lima")],
    messages=[("2020-11-25T13:20:00Z", "U1PRIYA", "put and get record errors across us-east-1, front-ends failing to route"),
              ("2020-11-25T13:41:00Z", "U1PRIYA", "escalating, this is region-wide. CloudWatch metrics are lagging too"),
              ("2020-11-25T14:05:00Z", "U3ANA", "billing-console deployed at 12:50, could that be it?"),
              ("2020-11-25T14:08:00Z", "U2TOM", "no, billing-console never talks to the front-end. the GC pause warnings are old noise too"),
              ("2020-11-25T15:52:00Z", "U2TOM", "suspects narrowed down; the capacity added this morning is top of the list"),
              ("2020-11-25T16:30:00Z", "U3ANA", "the capacity team just yolo'd 400 hosts into the fleet without thinking, typical of them"),
              ("2020-11-25T17:39:30Z", "U2TOM", "confirmed: every front-end exceeds the OS thread limit, one thread per peer server"),
              ("2020-11-25T18:08:00Z", "U2TOM", "removing the new capacity, restarting front-ends slowly so shard-maps can build"),
              ("2020-11-26T06:23:30Z", "U1PRIYA", "error rates back to normal everywhere, resolving")],
    changes=[("pd", "feed.json", "2020-11-25T10:44:00Z", "kinesis-frontend", "Capacity addition started: 400 front-end servers (us-east-1)"),
             ("pd", "feed.json", "2020-11-25T11:47:00Z", "kinesis-frontend", "Capacity addition finished: 400 front-end servers (us-east-1)"),
             ("github", "deploy.json", "2020-11-25T12:50:00Z", "billing-console", "billing-console v88: invoice PDF layout")],
    meta={"id": "DEV-KINESIS-2020", "title": "Kinesis us-east-1 outage after front-end capacity addition",
          "severity": "SEV-1", "service": "kinesis-frontend", "owning_team": "streaming",
          "distribution": ["engineering", "product", "leadership"],
          "impact": {"users_affected": "all us-east-1 Kinesis customers and dependent services"},
          "sla_target": 99.9, "reviewers": ["@streaming-lead"], "author": "@priya"},
)


def gold() -> dict:
    return {
        "incident_start": "2020-11-25T13:15:00Z", "detection": "2020-11-25T13:15:00Z",
        "mitigation": "2020-11-26T06:23:00Z", "resolution": "2020-11-26T06:23:00Z", "duration_minutes": 1028,
        "severity": "SEV1",
        "trigger": "Capacity addition of new servers to the Kinesis front-end fleet (started 10:44, finished 11:47 UTC)",
        "root_cause": ("Each front-end server opens one OS thread per peer; the added capacity pushed every front-end "
                       "server past the operating system thread limit, so shard-map caches could not be built and "
                       "requests could not be routed."),
        "root_cause_category": "capacity/resource-exhaustion", "acceptable_alt_categories": ["config-change"],
        "key_timeline_events": [
            {"time": "2020-11-25T10:44:00Z", "event": "Capacity addition to the front-end fleet starts"},
            {"time": "2020-11-25T11:47:00Z", "event": "Capacity addition finishes"},
            {"time": "2020-11-25T13:15:00Z", "event": "First alarms for errors putting and getting records"},
            {"time": "2020-11-25T17:39:00Z", "event": "Root cause confirmed: front-end servers exceed the OS thread limit"},
            {"time": "2020-11-26T06:23:00Z", "event": "Kinesis fully recovered, incident resolved"},
        ],
        "contributing_factors": ["One thread per peer server, so thread count grows with fleet size",
                                 "No alarm on thread count approaching the operating system limit",
                                 "Front-end servers could only be restarted a few hundred per hour"],
        "expected_action_item_themes": ["move to larger servers to reduce thread count", "alarm on thread consumption",
                                        "cellularize the front-end fleet"],
        "blameful_chat_ts": blameful_ts(SC, [5]),
        "distractors": ["billing-console", "GC pause"],
    }


def build(root: Path) -> None:
    render(SC, root)
    V.write_yaml(root / "gold.yaml", gold())
