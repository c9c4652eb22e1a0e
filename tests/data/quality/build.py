"""Generate the quality bundles in this folder: failure modes and vocabulary the fixtures and the dev set
do not use, to check that the offline draft generalises. Run from the repo root:

    .venv/bin/python tests/data/quality/build.py

Every name, time and log line is invented; the files use the real vendor shapes (evals/synth).
Each gold.yaml was written from the scenario, before the draft was scored on it.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from evals.synth import vendor as V  # noqa: E402
from evals.synth.scenario import LogFile, Scenario, Series, blameful_ts, render  # noqa: E402

HERE = Path(__file__).resolve().parent
META = {"distribution": ["engineering"], "sla_target": 99.9, "reviewers": ["@sre-lead"], "author": "@oncall"}

# 1. The log volume of the ingest workers fills up; no change precedes it (capacity, no trigger change).
DISK = Scenario(
    window=("2026-03-10T06:00:00Z", "2026-03-10T11:00:00Z"), step_s=120,
    service="ingest-worker", team="Data Platform", title="ingest-worker: event ingestion stalled",
    ticket="opsgenie", ticket_file="genie.json", created="2026-03-10T08:14:00Z", acked="2026-03-10T08:19:00Z",
    resolved="2026-03-10T09:40:00Z", assignee="Mara Quist", notes=[],
    alert_format="alertmanager", alert_file="am.json", alert_name="IngestBacklogGrowing",
    alert_summary="Ingest queue backlog above 50k events", alert_starts="2026-03-10T08:12:00Z",
    alert_ends="2026-03-10T09:20:00Z", metric_format="prom", metric_file="prom.json",
    series=[Series("node_filesystem_used_ratio", {"mountpoint": "/var/log/ingest"}, 0.62, 1.0,
                   "2026-03-10T07:40:00Z", "2026-03-10T09:05:00Z", 0.01),
            Series("ingest_backlog_events", {}, 800, 64000, "2026-03-10T08:08:00Z", "2026-03-10T09:18:00Z", 0.05)],
    logs=[LogFile("worker.log", "rfc5424", "ingest-worker", [
              ("2026-03-10T08:07:30Z", "ERROR", "write /var/log/ingest/worker.log.7: no space left on device"),
              ("2026-03-10T08:07:45Z", "ERROR", "batch commit failed: could not append to spool: no space left on device"),
              ("2026-03-10T08:30:00Z", "ERROR", "batch commit failed: could not append to spool: no space left on device"),
              ("2026-03-10T09:05:00Z", "INFO", "spool writable again, resuming batch commits"),
              ("2026-03-10T09:18:00Z", "INFO", "backlog drained")],
              noise=["batch committed", "consumer heartbeat ok"], noise_every_s=90,
              warn_noise=("schema registry lookup slow (350ms)", 40), host="ingest-3")],
    chat_format="history", chat_path="slack.json", channel="inc-ingest", users=[],
    messages=[("2026-03-10T08:20:00Z", "U7MARA", "ingest backlog climbing, workers not committing"),
              ("2026-03-10T08:26:00Z", "U8LEON", "web-console deployed at 07:55, related?"),
              ("2026-03-10T08:29:00Z", "U7MARA", "no, console never touches ingest. schema registry warnings are old too"),
              ("2026-03-10T08:41:00Z", "U8LEON", "found it: /var/log/ingest is full, disk at 100%, rotation never ran"),
              ("2026-03-10T08:44:00Z", "U9IDA", "whoever set up that volume clearly did not think, classic"),
              ("2026-03-10T09:02:00Z", "U8LEON", "deleted old rotated logs and compressed the rest, disk at 40%"),
              ("2026-03-10T09:40:00Z", "U7MARA", "backlog drained, resolving")],
    changes=[("github", "deploys.json", "2026-03-10T07:55:00Z", "web-console", "web-console 12.4: settings page")],
    meta={"id": "Q-DISK-1", "title": "Ingestion stalled: log volume full", "severity": "SEV-2",
          "service": "ingest-worker", "owning_team": "data-platform", "impact": {"users_affected": "all tenants"},
          **META},
)

DISK_GOLD = {
    "incident_start": "2026-03-10T08:07:00Z", "detection": "2026-03-10T08:12:00Z",
    "mitigation": "2026-03-10T09:05:00Z", "resolution": "2026-03-10T09:40:00Z", "duration_minutes": 93,
    "severity": "SEV2",
    "trigger": "The /var/log/ingest volume reached 100% and writes failed with no space left on device",
    "root_cause": "Log rotation did not run on the ingest log volume, so it filled up and the workers could not "
                  "write their spool, stalling ingestion.",
    "root_cause_category": "capacity/resource-exhaustion", "acceptable_alt_categories": [],
    "key_timeline_events": [
        {"time": "2026-03-10T08:07:00Z", "event": "Log volume full, batch commits start failing"},
        {"time": "2026-03-10T08:12:00Z", "event": "Alert: ingest backlog growing"},
        {"time": "2026-03-10T08:41:00Z", "event": "Full log volume identified as the cause"},
        {"time": "2026-03-10T09:05:00Z", "event": "Disk space freed, commits resume"},
        {"time": "2026-03-10T09:40:00Z", "event": "Backlog drained, incident resolved"},
    ],
    "contributing_factors": ["No alert on disk space usage before the volume was full",
                             "Log rotation was not running on the ingest log volume"],
    "expected_action_item_themes": ["alert on disk usage before it is full", "fix log rotation and retention"],
    "blameful_chat_ts": blameful_ts(DISK, [4]),
    "distractors": ["web-console", "schema registry"],
}

# 2. A DNS record change points the inventory API name at a decommissioned load balancer (config change).
DNS = Scenario(
    window=("2026-05-21T12:00:00Z", "2026-05-21T16:00:00Z"), step_s=60,
    service="checkout-service", team="Checkout", title="Checkout failing: inventory lookups fail",
    ticket="pagerduty", ticket_file="pd.json", created="2026-05-21T14:04:00Z", acked="2026-05-21T14:06:00Z",
    resolved="2026-05-21T14:55:00Z", assignee="Noor Haddad",
    notes=[("ack", "2026-05-21T14:06:00Z", "Noor Haddad", "Acknowledged"),
           ("note", "2026-05-21T14:21:00Z", "Noor Haddad", "inventory.internal resolves to the old load balancer since the DNS change"),
           ("note", "2026-05-21T14:27:00Z", "Noor Haddad", "Reverted the DNS record for inventory.internal"),
           ("resolve", "2026-05-21T14:55:00Z", "Noor Haddad", "Resolved")],
    alert_format="prom-alerts", alert_file="alerts.json", alert_name="CheckoutErrorBudgetBurn",
    alert_summary="Checkout 5xx ratio above 20%", alert_starts="2026-05-21T14:03:00Z",
    alert_ends="2026-05-21T14:36:00Z", metric_format="csv", metric_file="metrics.csv",
    series=[Series("checkout_http_5xx_ratio", {}, 0.002, 0.41, "2026-05-21T14:01:00Z", "2026-05-21T14:34:00Z", 0.03),
            Series("dns_lookup_failures_per_s", {}, 0.0, 38.0, "2026-05-21T14:01:00Z", "2026-05-21T14:33:00Z", 0.0)],
    logs=[LogFile("checkout.jsonl", "jsonl", "checkout-service", [
              ("2026-05-21T14:01:10Z", "ERROR", "inventory lookup failed: dial tcp: lookup inventory.internal: no such host"),
              ("2026-05-21T14:01:20Z", "ERROR", "inventory lookup failed: dial tcp: lookup inventory.internal: no such host"),
              ("2026-05-21T14:15:00Z", "ERROR", "inventory lookup failed: dial tcp: lookup inventory.internal: no such host"),
              ("2026-05-21T14:34:00Z", "INFO", "inventory lookups healthy")],
              noise=["order placed", "cart priced"], noise_every_s=45,
              warn_noise=("payment token cache near capacity (92%)", 30))],
    chat_format="export", chat_path="chat", channel="inc-checkout",
    users=[("U1NOOR", "noor", "Noor Haddad"), ("U2PAVEL", "pavel", "Pavel Ruiz")],
    messages=[("2026-05-21T14:08:00Z", "U1NOOR", "checkout errors, inventory calls say no such host"),
              ("2026-05-21T14:12:00Z", "U2PAVEL", "recs-api shipped at 13:40, maybe that?"),
              ("2026-05-21T14:14:00Z", "U1NOOR", "recs-api is not in the checkout path"),
              ("2026-05-21T14:21:00Z", "U2PAVEL", "the DNS change at 13:58 moved inventory.internal to lb-legacy which is gone"),
              ("2026-05-21T14:27:00Z", "U2PAVEL", "reverting the DNS record"),
              ("2026-05-21T14:36:00Z", "U1NOOR", "checkout errors back to baseline")],
    changes=[("pd", "changes.json", "2026-05-21T13:58:00Z", "dns-zones",
              "DNS record update: inventory.internal CNAME -> lb-legacy.internal (zone internal)"),
             ("github", "deploy.json", "2026-05-21T13:40:00Z", "recs-api", "recs-api 8.1.0: ranking tweak")],
    meta={"id": "Q-DNS-1", "title": "Checkout errors after DNS record change", "severity": "SEV-2",
          "service": "checkout-service", "owning_team": "checkout", "impact": {"users_affected": "41% of checkouts"},
          **META},
)

DNS_GOLD = {
    "incident_start": "2026-05-21T14:01:00Z", "detection": "2026-05-21T14:03:00Z",
    "mitigation": "2026-05-21T14:34:00Z", "resolution": "2026-05-21T14:55:00Z", "duration_minutes": 54,
    "severity": "SEV2",
    "trigger": "DNS record update pointed inventory.internal at the decommissioned lb-legacy load balancer",
    "root_cause": "A DNS record change pointed the inventory API name at a load balancer that no longer exists, so "
                  "checkout could not resolve inventory and failed orders.",
    "root_cause_category": "config-change", "acceptable_alt_categories": ["network"],
    "key_timeline_events": [
        {"time": "2026-05-21T13:58:00Z", "event": "DNS record for inventory.internal updated"},
        {"time": "2026-05-21T14:01:00Z", "event": "Checkout errors start: no such host"},
        {"time": "2026-05-21T14:03:00Z", "event": "Alert: checkout 5xx ratio high"},
        {"time": "2026-05-21T14:27:00Z", "event": "DNS record reverted"},
        {"time": "2026-05-21T14:55:00Z", "event": "Incident resolved"},
    ],
    "contributing_factors": ["DNS record changes are applied without validation that the target exists",
                             "No automatic rollback of DNS changes when errors rise"],
    "expected_action_item_themes": ["validate DNS changes before applying them", "automatic rollback of DNS changes",
                                    "alert on DNS resolution failures"],
    "blameful_chat_ts": [],
    "distractors": ["recs-api", "payment token cache"],
}

# 3. A release leaks memory; pods are OOM-killed in a loop until it is rolled back (bad deploy).
OOM = Scenario(
    window=("2026-07-02T08:00:00Z", "2026-07-02T13:00:00Z"), step_s=120,
    service="thumbnailer", team="Media", title="thumbnailer: image thumbnails failing",
    ticket="jira", ticket_file="jira.json", created="2026-07-02T10:22:00Z", acked="2026-07-02T10:25:00Z",
    resolved="2026-07-02T11:30:00Z", assignee="Ivo Brandt",
    notes=[("ack", "2026-07-02T10:25:00Z", "Ivo Brandt", "Acknowledged"),
           ("escalate", "2026-07-02T10:40:00Z", "Ivo Brandt", "Media platform lead"),
           ("note", "2026-07-02T10:48:00Z", "Ivo Brandt", "Pods OOMKilled in a restart loop since 4.7.0; memory grows per request"),
           ("note", "2026-07-02T10:55:00Z", "Ivo Brandt", "Rolled back thumbnailer to 4.6.2"),
           ("resolve", "2026-07-02T11:30:00Z", "Ivo Brandt", "Resolved")],
    alert_format="alertmanager", alert_file="alertmanager.json", alert_name="ThumbnailErrorsHigh",
    alert_summary="Thumbnail request error ratio above 10%", alert_starts="2026-07-02T10:20:00Z",
    alert_ends="2026-07-02T11:05:00Z", metric_format="prom", metric_file="query_range.json",
    series=[Series("container_memory_working_set_bytes", {"container": "thumbnailer"}, 3.1e8, 2.0e9,
                   "2026-07-02T09:40:00Z", "2026-07-02T10:58:00Z", 0.02),
            Series("thumbnail_error_ratio", {}, 0.003, 0.37, "2026-07-02T10:15:00Z", "2026-07-02T11:02:00Z", 0.03)],
    logs=[LogFile("kubelet.log", "rfc3164", "kubelet", [
              ("2026-07-02T10:14:30Z", "WARN", "Container thumbnailer in pod thumbnailer-7f9c killed: OOMKilled (memory limit 2Gi)"),
              ("2026-07-02T10:15:10Z", "WARN", "Back-off restarting failed container thumbnailer: CrashLoopBackOff"),
              ("2026-07-02T10:31:00Z", "WARN", "Container thumbnailer in pod thumbnailer-2b1d killed: OOMKilled (memory limit 2Gi)")],
              host="node-12"),
          LogFile("app.log", "java", "thumbnailer", [
              ("2026-07-02T10:14:50Z", "ERROR", "resize failed: java.lang.OutOfMemoryError: Java heap space"),
              ("2026-07-02T10:30:00Z", "ERROR", "resize failed: java.lang.OutOfMemoryError: Java heap space"),
              ("2026-07-02T11:02:00Z", "INFO", "thumbnail error ratio back to normal")],
              noise=["thumbnail rendered", "cache hit"], noise_every_s=60,
              warn_noise=("font fallback used for glyph U+1F600", 35))],
    chat_format="history", chat_path="channel.json", channel="inc-thumbs", users=[],
    messages=[("2026-07-02T10:27:00Z", "U1IVO", "thumbnails failing, pods restarting a lot"),
              ("2026-07-02T10:33:00Z", "U2SAL", "feature flag promo-banner was flipped at 09:50 on storefront, related?"),
              ("2026-07-02T10:35:00Z", "U1IVO", "storefront flag does not touch thumbnailer"),
              ("2026-07-02T10:48:00Z", "U2SAL", "memory climbs from the 4.7.0 release on, OOMKilled every few minutes"),
              ("2026-07-02T10:55:00Z", "U1IVO", "rolled back to 4.6.2"),
              ("2026-07-02T11:05:00Z", "U1IVO", "errors gone, memory flat")],
    changes=[("github", "deployment.json", "2026-07-02T09:38:00Z", "thumbnailer", "thumbnailer 4.7.0: new WebP encoder"),
             ("pd", "change-events.json", "2026-07-02T09:50:00Z", "storefront",
              "Feature flag promo-banner enabled for 100% (storefront)"),
             ("pd", "change-events.json", "2026-07-02T10:55:00Z", "thumbnailer", "Rollback thumbnailer to 4.6.2")],
    meta={"id": "Q-OOM-1", "title": "Thumbnails failing: OOM kill loop after release", "severity": "SEV-2",
          "service": "thumbnailer", "owning_team": "media", "impact": {"users_affected": "37% of image uploads"},
          **META},
)

OOM_GOLD = {
    "incident_start": "2026-07-02T10:14:00Z", "detection": "2026-07-02T10:20:00Z",
    "mitigation": "2026-07-02T11:02:00Z", "resolution": "2026-07-02T11:30:00Z", "duration_minutes": 76,
    "severity": "SEV2",
    "trigger": "Deploy of thumbnailer 4.7.0 (new WebP encoder) at 09:38 UTC",
    "root_cause": "The 4.7.0 release leaks memory per request; pods hit their memory limit and were OOM-killed in a "
                  "restart loop until the release was rolled back.",
    "root_cause_category": "bad-deploy", "acceptable_alt_categories": ["capacity/resource-exhaustion", "software-bug"],
    "key_timeline_events": [
        {"time": "2026-07-02T09:38:00Z", "event": "thumbnailer 4.7.0 deployed"},
        {"time": "2026-07-02T10:14:00Z", "event": "First pod OOMKilled, thumbnails start failing"},
        {"time": "2026-07-02T10:20:00Z", "event": "Alert: thumbnail errors high"},
        {"time": "2026-07-02T10:55:00Z", "event": "Rolled back to 4.6.2"},
        {"time": "2026-07-02T11:30:00Z", "event": "Incident resolved"},
    ],
    "contributing_factors": ["No alert on memory usage approaching the container limit",
                             "Load tests did not run long enough to expose the memory leak"],
    "expected_action_item_themes": ["alert on memory usage near the limit", "soak test releases for memory leaks",
                                    "canary with automatic rollback"],
    "blameful_chat_ts": [],
    "distractors": ["promo-banner", "font fallback"],
}

# 4. A feature flag turned on for everyone sends checkout down a code path with a null pointer (config change).
FLAG = Scenario(
    window=("2026-08-14T15:00:00Z", "2026-08-14T19:00:00Z"), step_s=60,
    service="basket-api", team="Commerce", title="basket-api: add-to-basket failing",
    ticket="pagerduty", ticket_file="incident.json", created="2026-08-14T17:06:00Z", acked="2026-08-14T17:08:00Z",
    resolved="2026-08-14T17:50:00Z", assignee="Rhea Okafor",
    notes=[("ack", "2026-08-14T17:08:00Z", "Rhea Okafor", "Acknowledged"),
           ("note", "2026-08-14T17:19:00Z", "Rhea Okafor", "NullPointerException in BundlePricer since flag bundle-pricing went to 100%"),
           ("note", "2026-08-14T17:22:00Z", "Rhea Okafor", "Disabled flag bundle-pricing"),
           ("resolve", "2026-08-14T17:50:00Z", "Rhea Okafor", "Resolved")],
    alert_format="alertmanager", alert_file="webhook.json", alert_name="BasketApiErrors",
    alert_summary="basket-api 5xx ratio above 5%", alert_starts="2026-08-14T17:05:00Z",
    alert_ends="2026-08-14T17:27:00Z", metric_format="prom", metric_file="range.json",
    series=[Series("basket_api_5xx_ratio", {}, 0.001, 0.23, "2026-08-14T17:03:00Z", "2026-08-14T17:25:00Z", 0.03)],
    logs=[LogFile("basket.log", "java", "basket", [
              ("2026-08-14T17:03:20Z", "ERROR", "add-to-basket failed\njava.lang.NullPointerException: Cannot invoke "
               "\"Bundle.price()\" because \"bundle\" is null\n\tat c.e.basket.BundlePricer.apply(BundlePricer.java:88)"),
              ("2026-08-14T17:10:00Z", "ERROR", "add-to-basket failed\njava.lang.NullPointerException: Cannot invoke "
               "\"Bundle.price()\" because \"bundle\" is null\n\tat c.e.basket.BundlePricer.apply(BundlePricer.java:88)"),
              ("2026-08-14T17:22:30Z", "INFO", "flag bundle-pricing changed true -> false")],
              noise=["basket updated", "basket read"], noise_every_s=40,
              warn_noise=("slow query basket_items took 820ms", 25))],
    chat_format="history", chat_path="history.json", channel="inc-basket", users=[],
    messages=[("2026-08-14T17:09:00Z", "U1RHEA", "add-to-basket 500s, NPE in BundlePricer"),
              ("2026-08-14T17:13:00Z", "U2JON", "search-api deployed 16:40, could be it?"),
              ("2026-08-14T17:15:00Z", "U1RHEA", "search-api is not in the basket path"),
              ("2026-08-14T17:19:00Z", "U2JON", "bundle-pricing flag went to 100% at 17:02, NPE starts right after"),
              ("2026-08-14T17:22:00Z", "U1RHEA", "flag off")],
    changes=[("pd", "changes.json", "2026-08-14T17:02:00Z", "basket-api",
              "Feature flag bundle-pricing rolled out to 100% of users (basket-api)"),
             ("github", "deploy.json", "2026-08-14T16:40:00Z", "search-api", "search-api 3.9.2: synonyms update")],
    meta={"id": "Q-FLAG-1", "title": "Add-to-basket failing after flag rollout", "severity": "SEV-2",
          "service": "basket-api", "owning_team": "commerce", "impact": {"users_affected": "23% of basket requests"},
          **META},
)

FLAG_GOLD = {
    "incident_start": "2026-08-14T17:03:00Z", "detection": "2026-08-14T17:05:00Z",
    "mitigation": "2026-08-14T17:25:00Z", "resolution": "2026-08-14T17:50:00Z", "duration_minutes": 47,
    "severity": "SEV2",
    "trigger": "Feature flag bundle-pricing rolled out to 100% of users at 17:02",
    "root_cause": "The bundle-pricing code path behind the flag dereferences a missing bundle; turning the flag on "
                  "for all users made add-to-basket fail with a NullPointerException.",
    "root_cause_category": "config-change", "acceptable_alt_categories": ["software-bug", "bad-deploy"],
    "key_timeline_events": [
        {"time": "2026-08-14T17:02:00Z", "event": "Flag bundle-pricing rolled out to 100%"},
        {"time": "2026-08-14T17:05:00Z", "event": "Alert: basket-api 5xx ratio high"},
        {"time": "2026-08-14T17:19:00Z", "event": "NullPointerException traced to the bundle-pricing flag"},
        {"time": "2026-08-14T17:22:00Z", "event": "Flag bundle-pricing disabled"},
        {"time": "2026-08-14T17:50:00Z", "event": "Incident resolved"},
    ],
    "contributing_factors": ["The flag went from off to 100% of users in one step, without a staged rollout",
                             "No automatic rollback of the flag when errors rose"],
    "expected_action_item_themes": ["staged percentage rollout for feature flags",
                                    "automatic flag rollback on error spike", "test the flagged code path"],
    "blameful_chat_ts": [],
    "distractors": ["search-api", "slow query"],
}

CASES = {"disk-full-log-volume": (DISK, DISK_GOLD), "dns-record-change": (DNS, DNS_GOLD),
         "oom-kill-loop": (OOM, OOM_GOLD), "feature-flag-rollout": (FLAG, FLAG_GOLD)}


def main() -> None:
    for name, (scenario, gold) in CASES.items():
        target = HERE / name
        if target.exists():
            shutil.rmtree(target)
        render(scenario, target)
        V.write_yaml(target / "gold.yaml", gold)
        print(f"{target.relative_to(ROOT)}: {sum(p.stat().st_size for p in target.rglob('*') if p.is_file())} bytes")


if __name__ == "__main__":
    main()
