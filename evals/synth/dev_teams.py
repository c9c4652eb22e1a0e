"""dev/teams-cert-2020: Microsoft Teams sign-in fails because an authentication certificate expired.

Facts and times from Microsoft 365 Status posts and press coverage of 2020-02-03 (down just after 9 AM ET,
cause an expired authentication certificate, fix rolling out 11:20 AM ET, most users restored by 12 PM ET,
fix confirmed deployed 4:27 PM ET). All telemetry below is invented.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from evals.synth import vendor as V
from evals.synth.scenario import LogFile, Scenario, Series, blameful_ts, render

T = V.t


def _spans() -> list[dict]:
    out = []
    for i, at in enumerate(["2020-02-03T13:40:00Z", "2020-02-03T14:20:00Z", "2020-02-03T15:30:00Z", "2020-02-03T17:30:00Z"]):
        bad = T("2020-02-03T14:00:00Z") <= T(at) < T("2020-02-03T17:00:00Z")
        tid, r, c = V.hexid(f"tm{i}", 32), V.hexid(f"tr{i}"), V.hexid(f"tc{i}")
        out += [dict(service="teams-gateway", trace=tid, span=r, name="POST /signin", start=T(at), ms=40 if bad else 180,
                     error=bad, message="sign-in failed", attrs={"http.status_code": 401 if bad else 200}),
                dict(service="auth-service", trace=tid, span=c, parent=r, name="validateToken",
                     start=T(at) + timedelta(milliseconds=4), ms=8 if bad else 90, error=bad,
                     message="x509: certificate has expired or is not yet valid", attrs={"peer.service": "token-signing"})]
    return out


SC = Scenario(
    window=("2020-02-03T12:30:00Z", "2020-02-03T22:00:00Z"), step_s=120,
    service="teams-auth", team="Identity", title="Teams sign-in failures: HTTPS connection to service failing",
    ticket="pagerduty", ticket_file="page.json", created="2020-02-03T14:06:00Z", acked="2020-02-03T14:09:00Z",
    resolved="2020-02-03T21:27:00Z", assignee="Grace Liu",
    notes=[("ack", "2020-02-03T14:09:00Z", "Grace Liu", "Acknowledged"),
           ("escalate", "2020-02-03T14:25:00Z", "Grace Liu", "Identity certificate owners"),
           ("note", "2020-02-03T15:10:00Z", "Omar Said", "Authentication certificate expired; building fix to apply a new certificate"),
           ("note", "2020-02-03T16:20:00Z", "Omar Said", "Rolling out new certificate"),
           ("resolve", "2020-02-03T21:27:00Z", "Grace Liu", "Fix deployed to all affected infrastructure")],
    alert_format="prom-alerts", alert_file="alerts-now.json", alert_name="SignInFailureRateHigh",
    alert_summary="Teams sign-in failure ratio above 30%", alert_starts="2020-02-03T14:05:00Z",
    alert_ends="2020-02-03T17:00:00Z", metric_format="csv", metric_file="signin.csv",
    series=[Series("signin_failure_ratio", {}, 0.004, 0.92, "2020-02-03T14:00:00Z", "2020-02-03T17:00:00Z", 0.02),
            Series("cert_seconds_to_expiry", {}, 3600, -3600, "2020-02-03T14:00:00Z", "2020-02-03T16:20:00Z", 0.0)],
    logs=[LogFile("auth.log", "go", "auth", [
              ("2020-02-03T13:00:00Z", "WARN", "certificate auth-signing expires in 1h0m0s"),
              ("2020-02-03T14:00:05Z", "ERROR", "x509: certificate has expired or is not yet valid: current time 2020-02-03T14:00:05Z is after 2020-02-03T13:59:59Z"),
              ("2020-02-03T16:20:30Z", "INFO", "loaded certificate auth-signing notAfter=2022-02-03T16:00:00Z"),
              ("2020-02-03T17:00:00Z", "INFO", "sign-in success ratio 0.99")],
              noise=["token issued", "token validated"], noise_every_s=120, warn_noise=("cache miss rate 12% above 10% target", 35)),
          LogFile("gateway.jsonl", "jsonl", "teams-gateway", [
              ("2020-02-03T14:01:00Z", "ERROR", "failed to establish HTTPS connection to auth backend"),
              ("2020-02-03T15:00:00Z", "ERROR", "failed to establish HTTPS connection to auth backend")])],
    chat_format="history", chat_path="thread.json", channel="incident", users=[],
    messages=[("2020-02-03T14:10:00Z", "U1GRACE", "sign-ins failing worldwide, clients say they cannot establish HTTPS"),
              ("2020-02-03T14:30:00Z", "U3BEN", "web client 1.3.00.4461 went out at 13:30, roll it back?"),
              ("2020-02-03T14:33:00Z", "U1GRACE", "desktop clients fail too, the web client release is not it"),
              ("2020-02-03T15:10:00Z", "U2OMAR", "found it: the authentication certificate expired at 14:00"),
              ("2020-02-03T15:15:00Z", "U3BEN", "cert renewal was Kevin's job and he dropped the ball again"),
              ("2020-02-03T16:20:00Z", "U2OMAR", "new certificate rolling out"),
              ("2020-02-03T17:00:00Z", "U1GRACE", "most users can sign in again"),
              ("2020-02-03T21:27:00Z", "U2OMAR", "fix confirmed on all infrastructure, resolving")],
    changes=[("github", "release.json", "2020-02-03T13:30:00Z", "teams-web", "teams-web client 1.3.00.4461")],
    traces=_spans(), trace_file="traces.json", trace_format="jaeger",
    meta={"id": "DEV-TEAMS-2020", "title": "Teams sign-in outage: expired authentication certificate",
          "severity": "SEV-1", "service": "teams-auth", "owning_team": "identity",
          "distribution": ["engineering", "product", "leadership"], "impact": {"users_affected": "most Teams users"},
          "sla_target": 99.9, "reviewers": ["@identity-lead"], "author": "@grace"},
)


def gold() -> dict:
    return {
        "incident_start": "2020-02-03T14:00:00Z", "detection": "2020-02-03T14:05:00Z",
        "mitigation": "2020-02-03T17:00:00Z", "resolution": "2020-02-03T21:27:00Z", "duration_minutes": 447,
        "severity": "SEV1",
        "trigger": "Authentication certificate expired at 14:00 UTC",
        "root_cause": "An authentication certificate used by the sign-in path expired without being renewed; "
                      "clients could not establish HTTPS connections to the service.",
        "root_cause_category": "certificate/expiry", "acceptable_alt_categories": [],
        "key_timeline_events": [
            {"time": "2020-02-03T14:00:00Z", "event": "Authentication certificate expires, sign-ins fail"},
            {"time": "2020-02-03T14:05:00Z", "event": "Alert: sign-in failure rate high"},
            {"time": "2020-02-03T15:10:00Z", "event": "Expired authentication certificate identified"},
            {"time": "2020-02-03T16:20:00Z", "event": "New certificate rolling out"},
            {"time": "2020-02-03T17:00:00Z", "event": "Most users can sign in again"},
            {"time": "2020-02-03T21:27:00Z", "event": "Fix confirmed deployed everywhere, resolved"},
        ],
        "contributing_factors": ["Certificate renewal was manual", "Expiry warning was only logged, not alerted"],
        "expected_action_item_themes": ["automate certificate renewal", "alert on certificate expiry ahead of time"],
        "blameful_chat_ts": blameful_ts(SC, [4]),
        "distractors": ["1.3.00.4461", "cache miss rate"],
    }


def build(root: Path) -> None:
    render(SC, root)
    V.write_yaml(root / "gold.yaml", gold())
