"""dev/spotify-login-2022: logins fail when a cloud service-discovery dependency (Traffic Director) fails.

Facts and times from Spotify's public "Incident Report: Spotify Outage on March 8, 2022" (aware of login issues
18:12 UTC, remediations from 18:39 UTC by reverting to DNS-based discovery, fully mitigated 20:35 UTC; Traffic
Director outage plus a gRPC client library bug). All telemetry below is invented.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from evals.synth import vendor as V
from evals.synth.scenario import LogFile, Scenario, Series, blameful_ts, render

T = V.t
GRPC = ("login failed: discovery unavailable\n"
        "io.grpc.StatusRuntimeException: UNAVAILABLE: xds: no endpoints for cluster accounts-service\n"
        "\tat io.grpc.stub.ClientCalls.toStatusRuntimeException(ClientCalls.java:262)\n"
        "\tat c.e.login.AccountsClient.lookup(AccountsClient.java:88)")


def _spans() -> list[dict]:
    out = []
    for i in range(8):
        at = T("2022-03-08T17:40:00Z") + timedelta(minutes=25 * i)
        bad = T("2022-03-08T18:12:00Z") <= at < T("2022-03-08T20:35:00Z")
        tid, r, c = V.hexid(f"sp{i}", 32), V.hexid(f"sr{i}"), V.hexid(f"sc{i}")
        out += [dict(service="login-service", trace=tid, span=r, name="POST /login", start=at, ms=30 if bad else 120,
                     error=bad, message="UNAVAILABLE", attrs={"http.status_code": 503 if bad else 200}),
                dict(service="login-service", trace=tid, span=c, parent=r, name="xds.resolve accounts-service", kind=3,
                     start=at + timedelta(milliseconds=2), ms=20 if bad else 3, error=bad,
                     message="xds: no endpoints from Traffic Director", attrs={"rpc.system": "grpc"})]
    return out


SC = Scenario(
    window=("2022-03-08T17:30:00Z", "2022-03-08T21:15:00Z"),
    service="login-service", team="Identity", title="Login failures across clients",
    ticket="jira", ticket_file="issue.json", created="2022-03-08T18:14:00Z", acked="2022-03-08T18:16:00Z",
    resolved="2022-03-08T20:35:00Z", assignee="Elin Berg",
    notes=[("ack", "2022-03-08T18:16:00Z", "Elin Berg", ""),
           ("escalate", "2022-03-08T18:25:00Z", "Elin Berg", "Service discovery team"),
           ("note", "2022-03-08T18:39:00Z", "Nils Holm", "Reverting affected services from Traffic Director to DNS-based discovery"),
           ("resolve", "2022-03-08T20:35:00Z", "Elin Berg", "")],
    alert_format="alertmanager", alert_file="hooks.json", alert_name="LoginSuccessRateLow",
    alert_summary="Login success ratio below 80%", alert_starts="2022-03-08T18:12:00Z", alert_ends="2022-03-08T20:35:00Z",
    metric_format="prom", metric_file="range.json",
    series=[Series("login_success_ratio", {"service": "login-service"}, 0.995, 0.35, "2022-03-08T18:12:00Z", "2022-03-08T20:35:00Z", 0.02),
            Series("xds_resolver_errors_total:rate5m", {"service": "login-service"}, 0, 140, "2022-03-08T18:10:00Z", "2022-03-08T20:30:00Z", 0.1)],
    logs=[LogFile("login.log", "java", "login", [
              ("2022-03-08T18:11:40Z", "ERROR", GRPC), ("2022-03-08T18:30:00Z", "ERROR", GRPC),
              ("2022-03-08T18:40:00Z", "INFO", "service discovery mode changed: xds -> dns"),
              ("2022-03-08T20:34:00Z", "INFO", "login success ratio recovered to 0.99")],
              noise=["login ok", "token refreshed"], noise_every_s=90,
              warn_noise=("deprecated API version v1 used by client", 30))],
    chat_format="export", chat_path="conversations", channel="inc-login",
    users=[("U1ELIN", "elin", "Elin Berg"), ("U2NILS", "nils", "Nils Holm"), ("U3KAI", "kai", "Kai Roth")],
    messages=[("2022-03-08T18:13:00Z", "U1ELIN", "users logged out cannot log back in, all clients"),
              ("2022-03-08T18:20:00Z", "U3KAI", "playlist-service deployed at 17:55, is that related?"),
              ("2022-03-08T18:22:00Z", "U2NILS", "no, login calls fail in xds resolution, not playlists"),
              ("2022-03-08T18:28:00Z", "U2NILS", "Traffic Director returns no endpoints, and the grpc client does not fall back"),
              ("2022-03-08T18:30:00Z", "U3KAI", "whoever decided to put login behind Traffic Director should answer for this"),
              ("2022-03-08T18:39:30Z", "U2NILS", "rolling config to switch login and accounts to DNS discovery"),
              ("2022-03-08T20:35:30Z", "U1ELIN", "all regions recovered, mitigated")],
    changes=[("pd", "feed.json", "2022-03-08T18:39:00Z", "login-service", "Config: service discovery xds -> dns for login-service"),
             ("github", "d1.json", "2022-03-08T17:55:00Z", "playlist-service", "playlist-service 4.2.1")],
    traces=_spans(), trace_file="spans.json",
    meta={"id": "DEV-SPOTIFY-2022", "title": "Login outage during a cloud service discovery failure",
          "severity": "SEV-1", "service": "login-service", "owning_team": "identity",
          "distribution": ["engineering", "product", "leadership"], "impact": {"users_affected": "logged-out users"},
          "sla_target": 99.95, "reviewers": ["@identity-lead"], "author": "@elin"},
)


def gold() -> dict:
    return {
        "incident_start": "2022-03-08T18:12:00Z", "detection": "2022-03-08T18:12:00Z",
        "mitigation": "2022-03-08T20:35:00Z", "resolution": "2022-03-08T20:35:00Z", "duration_minutes": 143,
        "severity": "SEV1",
        "trigger": "Google Cloud Traffic Director (xDS service discovery) outage returned no endpoints",
        "root_cause": ("Login depended on the cloud Traffic Director for service discovery; when it failed, a bug in the "
                       "gRPC client library left clients without endpoints instead of falling back."),
        "root_cause_category": "dependency-failure", "acceptable_alt_categories": ["software-bug"],
        "key_timeline_events": [
            {"time": "2022-03-08T18:12:00Z", "event": "Login failures start, users logged out cannot log in"},
            {"time": "2022-03-08T18:39:00Z", "event": "Remediation: switch service discovery to DNS"},
            {"time": "2022-03-08T20:35:00Z", "event": "Incident fully mitigated"},
        ],
        "contributing_factors": ["gRPC client library bug when service discovery is unavailable",
                                 "Login depends on a single cloud service discovery system"],
        "expected_action_item_themes": ["monitoring and alerting for service discovery problems",
                                        "fallback to DNS service discovery"],
        "blameful_chat_ts": blameful_ts(SC, [4]),
        "distractors": ["playlist-service", "deprecated API version"],
    }


def build(root: Path) -> None:
    render(SC, root)
    V.write_yaml(root / "gold.yaml", gold())
