"""Secrets and PII planted in every kind of source never reach any output file (md, json, card, ics, swarm
card), whichever field of whichever vendor format carries them."""

from __future__ import annotations

import pytest

from test_robust_builders import (
    alertmanager_webhook, csv_metrics, github_deployment, iso, jira_v3_issue, opsgenie_alert, pagerduty_webhook,
    postgres_log, slack_export, syslog_5424, write_bundle, _am_alert,
)

# Fake credentials in the shapes scanners look for; assembled so no literal key sits in the repo.
SECRETS = {
    "openai": "sk-proj-" + "Q7fT2mZr9KxLw4VbN8cYhJ3d",
    "aws": "AKIA" + "Z7QK4M2N8P3R5T6V",
    "github": "ghp_" + "x9Kf2LmN4pQr7StUv1WxYz3AbCdEfGhIj0Kl",
    "slack": "xoxb-" + "2048-998877-Ab7Cd9Ef1Gh3",
    "bearer": "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
    "jwt": "eyJhbGciOiJIUzI1NiJ9." + "eyJzdWIiOiJvbmNhbGwtYm90In0." + "dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk",
    "pg_password": "Tr0ub4dor-and-3",
    "pem_body": "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7",
    "email": "ana.oncall@example-payments.com",
    "phone": "+1 415 555 0199",
    "phone2": "(212) 555-0147",
    "kv_secret": "hunter2hunter2",
}
PEM = f"-----BEGIN PRIVATE KEY-----\n{SECRETS['pem_body']}\nVh9zN0Xb\n-----END PRIVATE KEY-----"


def _leaky(where: str) -> str:
    """One sentence carrying every secret shape, tagged with where it was planted."""
    s = SECRETS
    return (f"[{where}] key {s['openai']} aws {s['aws']} gh {s['github']} slack {s['slack']} "
            f"Authorization: Bearer {s['bearer']} token {s['jwt']} "
            f"dsn postgres://app:{s['pg_password']}@db-1:5432/orders password={s['kv_secret']} "
            f"mail {s['email']} call {s['phone']} or {s['phone2']}")


def _secret_bundle(root):
    log = syslog_5424([(m, 11, "checkout", f"payment gateway refused auth attempt={m}") for m in range(0, 12)]
                      + [(3, 11, "checkout", _leaky("log")), (4, 11, "checkout", "key dump " + PEM.replace("\n", " "))])
    pg = postgres_log([(1, "FATAL", f'password authentication failed for user "app" {_leaky("pg")}'),
                       (2, "ERROR", "connection refused")])
    alert = _am_alert("CheckoutErrors", 1, annotations={"summary": _leaky("annotation"),
                                                        "description": PEM})
    chat = slack_export("inc-pay", [(2, "U0ANA", _leaky("chat")), (5, "U0ANA", f"here is the key\n{PEM}"),
                                    (30, "U0ANA", "rolled back, errors gone")])
    files = {"a": alertmanager_webhook([alert]), "b": jira_v3_issue(note=_leaky("ticket-note")),
             "c": opsgenie_alert(message=f"checkout errors {SECRETS['email']}", note=_leaky("opsgenie")),
             "d": github_deployment(-5, description=_leaky("deploy")), "e": pagerduty_webhook(),
             "f": log, "g": pg, "h": csv_metrics("checkout_errors"),
             "about.yaml": f"title: checkout outage\nseverity: SEV-2\nowning_team: payments\n"
                           f"impact:\n  notes: \"{_leaky('incident-yaml')}\"\nstart: {iso(0)}\n"}
    files.update({f"x/{k}": v for k, v in chat.items()})
    return write_bundle(root, files)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    from agent.api import run_postmortem

    tmp = tmp_path_factory.mktemp("secrets")
    bundle = _secret_bundle(tmp / "b")
    run_postmortem(bundle, out_dir=tmp / "o", swarm_dir=tmp / "swarm", workflow_id="wf_20250614_090000")
    files = sorted(p for d in (tmp / "o", tmp / "swarm") for p in d.rglob("*") if p.is_file())
    return {p.name: p.read_text(errors="replace") for p in files}


def test_the_planted_text_reached_the_outputs(outputs):
    """Sanity: the draft did read the poisoned files (else the leak test proves nothing)."""
    md = outputs["postmortem.md"]
    assert "payment gateway refused" in md or "CheckoutErrors" in md
    assert {"postmortem.md", "postmortem.json", "position_card.yaml"} <= set(outputs)


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_no_secret_in_any_output(outputs, name):
    value = SECRETS[name]
    leaks = {f: text.count(value) for f, text in outputs.items() if value in text}
    assert not leaks, f"{name} leaked into {leaks}"


def test_no_pem_header_in_any_output(outputs):
    for f, text in outputs.items():
        assert "BEGIN PRIVATE KEY" not in text, f


def test_loader_redacts_every_record(tmp_path):
    """The bundle itself (what every later stage sees) holds no secret either."""
    from agent.sources import iter_records, load_bundle

    bundle = load_bundle(_secret_bundle(tmp_path / "b"))
    dumped = bundle.model_dump_json()
    dumped += "".join(r.message + r.raw for src in bundle.logs for r in iter_records(src))
    for name, value in SECRETS.items():
        assert value not in dumped, name
