"""Bad input through the CLI: unusable input exits 2 with one line naming the file (and line); anything
that still holds usable data drafts (exit 0) and the report says what was skipped or missing.
Never a traceback, never exit 1 on bad input."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from test_robust_builders import (
    alertmanager_webhook, at, check_report, csv_metrics, incident_yaml, iso, jsonl_log,
    pagerduty_incident_nulls, slack_export, slack_history, write_bundle,
)

USABLE = {"watch.out": alertmanager_webhook()}  # one good file, so the rest of a bundle can be bad


def _no_traceback(res) -> None:
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr, res.stderr


def _fails_cleanly(res, *names: str) -> str:
    """Exit 2 with exactly one stderr line that names every one of ``names``."""
    _no_traceback(res)
    assert res.returncode == 2, (res.returncode, res.stderr)
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    assert all(n in lines[0] for n in names), lines[0]
    return lines[0]


def _drafts(res, out: Path) -> str:
    _no_traceback(res)
    assert res.returncode == 0, (res.returncode, res.stderr)
    check_report(out)
    return (out / "postmortem.md").read_text()


def _draft(bundle: Path, out: Path):
    """In process (the same run_postmortem the CLI calls), for cases whose point is the report, not the exit
    code: keeps this file's CLI runs to the ones that test exit codes and stderr."""
    from agent.api import run_postmortem

    pm = run_postmortem(bundle, out_dir=out)
    check_report(out)
    return pm, (out / "postmortem.md").read_text()


def _data_sources(md: str) -> str:
    return md.split("### Data sources", 1)[1].split("\n## ", 1)[0]


# --------------------------------------------------------------------------- unusable: exit 2, one line


def test_missing_path(run_cli, tmp_path):
    _fails_cleanly(run_cli("draft", tmp_path / "nope", "--out", tmp_path / "o"), "nope")
    assert not (tmp_path / "o" / "postmortem.md").exists()


def test_empty_dir(run_cli, tmp_path):
    (tmp_path / "b").mkdir()
    _fails_cleanly(run_cli("draft", tmp_path / "b", "--out", tmp_path / "o"), str(tmp_path / "b"))


def test_dir_with_only_an_empty_file(run_cli, tmp_path):
    b = write_bundle(tmp_path / "b", {"blank": ""})
    _fails_cleanly(run_cli("draft", b, "--out", tmp_path / "o"), str(b))


@pytest.mark.parametrize("body, line", [
    ('{"incident": {\n  "id": "P1",\n  "title": "x",,\n  "status": "resolved"}}', 3),  # malformed
    ('{"incident": {"id": "P1",\n  "title": "db down",\n  "created_at": "2025-06-', 3),  # truncated
], ids=["malformed", "truncated"])
def test_broken_json_alone_names_file_and_line(run_cli, tmp_path, body, line):
    b = write_bundle(tmp_path / "b", {"rec01": body})
    _fails_cleanly(run_cli("draft", b, "--out", tmp_path / "o"), f"rec01:{line}:")


def test_binary_alone(run_cli, tmp_path):
    b = write_bundle(tmp_path / "b", {"core.0": bytes(range(256)) * 64})
    _fails_cleanly(run_cli("draft", b, "--out", tmp_path / "o"), "core.0:1:", "binary")


def test_zip_with_only_a_traversal_entry(run_cli, tmp_path):
    z = tmp_path / "evidence.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("../../escaped.json", json.dumps(alertmanager_webhook()))
    res = run_cli("draft", z, "--out", tmp_path / "o")
    _fails_cleanly(res, "evidence.zip")
    assert not (tmp_path.parent / "escaped.json").exists() and not (tmp_path / "escaped.json").exists()


def test_corrupt_zip_member(run_cli, tmp_path):
    """A zip whose compressed data is damaged (CRC/zlib error) is bad input, not an internal error."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.log", "".join(f"{iso(m)} ERROR boom {m}\n" for m in range(400)))
    raw = bytearray(buf.getvalue())
    start = raw.index(b"a.log") + len(b"a.log") + 20  # inside the deflate stream of the only member
    raw[start:start + 40] = bytes(40)
    (tmp_path / "dump.zip").write_bytes(bytes(raw))
    _fails_cleanly(run_cli("draft", tmp_path / "dump.zip", "--out", tmp_path / "o"), "dump.zip")


def test_not_an_archive_file(run_cli, tmp_path):
    (tmp_path / "bundle.tar.gz").write_bytes(b"this is not gzip at all\n" * 10)
    _fails_cleanly(run_cli("draft", tmp_path / "bundle.tar.gz", "--out", tmp_path / "o"), "bundle.tar.gz")


# --------------------------------------------------------------------------- bad parts: exit 0, reported


def test_broken_files_beside_good_data_are_warned_and_listed(run_cli, tmp_path):
    b = write_bundle(tmp_path / "b", {**USABLE, "rec01": '{"incident": {\n  "id": "P1",,\n}}',
                                      "rec02": '{"alerts": [', "core.0": bytes(range(256)) * 8, "blank": ""})
    res = run_cli("draft", b, "--out", tmp_path / "o")
    md = _drafts(res, tmp_path / "o")
    warnings = [ln for ln in res.stderr.splitlines() if ln.startswith("postmortem: warning:")]
    assert any("rec01:2:" in w for w in warnings) and any("rec02:1:" in w for w in warnings)
    assert any("core.0:1:" in w for w in warnings)
    notes = _data_sources(md)
    for name in ("rec01", "rec02", "core.0"):
        assert name in notes, notes


def test_zip_traversal_entry_is_refused_named_and_the_rest_drafts(run_cli, tmp_path):
    z = tmp_path / "evidence.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("inc/watch.out", json.dumps(alertmanager_webhook()))
        zf.writestr("inc/../../../escaped.txt", "pwned")
        zf.writestr("/abs/escaped2.txt", "pwned")
    res = run_cli("draft", z, "--out", tmp_path / "o")
    notes = _data_sources(_drafts(res, tmp_path / "o"))
    assert not list(tmp_path.rglob("escaped*")) and not Path("/abs/escaped2.txt").exists()
    assert "escaped.txt" in notes and "escaped2.txt" in notes and "refused" in notes, notes


def test_zoneless_timestamps_draft_and_are_reported(run_cli, tmp_path):
    log = "".join(f"{at(m).strftime('%Y-%m-%d %H:%M:%S')} ERROR payment timeout order={m}\n" for m in range(0, 20))
    b = write_bundle(tmp_path / "b", {"app.out": log, "about": incident_yaml(timezone="Europe/Berlin")})
    res = run_cli("draft", b, "--out", tmp_path / "o", "--json")
    pm = json.loads(res.stdout)
    md = _drafts(res, tmp_path / "o")
    assert "no zone" in md or "zone" in _data_sources(md), _data_sources(md)
    # read in Europe/Berlin (UTC+2 in June): 09:00 local is 07:00 UTC
    assert pm["timeline"]["start"].startswith("2025-06-14T07:0"), pm["timeline"]["start"]


def test_utf16_log_is_read(tmp_path):
    log = "".join(f"{iso(m)} ERROR upstream reset by peer conn={m}\n" for m in range(0, 15))
    b = write_bundle(tmp_path / "b", {**USABLE, "svc.txt": log.encode("utf-16")})
    _, md = _draft(b, tmp_path / "o")
    assert "upstream reset by peer" in md, _data_sources(md)


def test_csv_with_garbage_rows(tmp_path):
    rows = csv_metrics("api_error_ratio").splitlines()
    rows[5:5] = ["not,a,row,at,all", "", "12abc,zz,api_error_ratio", '"unterminated,1', "\x00\x00,1,x", ",,"]
    b = write_bundle(tmp_path / "b", {**USABLE, "m": "\n".join(rows) + "\n"})
    pm, _ = _draft(b, tmp_path / "o")
    files = {f.path: f for f in pm.files}
    assert files["m"].status == "parsed" and files["m"].format == "metrics.csv"


def test_log_with_a_10mb_line(tmp_path):
    head = "".join(f"{iso(m)} ERROR cache miss storm shard={m}\n" for m in range(0, 10))
    big = f"{iso(11)} WARN payload=" + "A" * (10 * 1024 * 1024) + "\n"
    tail = "".join(f"{iso(m)} INFO recovered shard={m}\n" for m in range(40, 45))
    b = write_bundle(tmp_path / "b", {**USABLE, "worker.out": head + big + tail})
    _draft(b, tmp_path / "o")
    assert max(p.stat().st_size for p in (tmp_path / "o").iterdir()) < 2 * 1024 * 1024


def test_slack_export_without_users_json(tmp_path):
    files = slack_export("inc-db", [(1, "U0ANA", "db is refusing connections"), (30, "U0ANA", "resolved")],
                         users=False)
    b = write_bundle(tmp_path / "b", {**USABLE, **{f"exp/{k}": v for k, v in files.items()}})
    pm, _ = _draft(b, tmp_path / "o")
    assert {f.format for f in pm.files} >= {"slack.export_day", "slack.channels"}


def test_pagerduty_incident_with_nulls_everywhere(tmp_path):
    b = write_bundle(tmp_path / "b", {**USABLE, "pd": pagerduty_incident_nulls()})
    pm, _ = _draft(b, tmp_path / "o")
    assert not [t for t in pm.files if t.path == "pd" and t.records]  # nothing invented from nulls


def test_pagerduty_incident_with_nulls_alone(run_cli, tmp_path):
    """Nothing usable in it: either exit 2 naming the file, or a draft that says what was missing."""
    b = write_bundle(tmp_path / "b", {"pd": pagerduty_incident_nulls()})
    res = run_cli("draft", b, "--out", tmp_path / "o")
    _no_traceback(res)
    if res.returncode == 2:
        _fails_cleanly(res, "pd")
    else:
        assert "Missing from the bundle" in _data_sources(_drafts(res, tmp_path / "o"))


def test_alerts_without_ends_at(tmp_path):
    b = write_bundle(tmp_path / "b", {"hook": alertmanager_webhook(with_end=False),
                                      "app": jsonl_log([(m, "error", "checkout timeout") for m in range(0, 10)],
                                                       service="checkout")})
    pm, _ = _draft(b, tmp_path / "o")
    assert pm.timeline.start == at(0)


def test_only_incident_yaml(run_cli, tmp_path):
    b = write_bundle(tmp_path / "b", {"incident.yaml": incident_yaml(start=iso(0), resolved=iso(45))})
    res = run_cli("draft", b, "--out", tmp_path / "o")
    _no_traceback(res)
    assert res.returncode == 0, res.stderr
    md = (tmp_path / "o" / "postmortem.md").read_text()
    missing = _data_sources(md)
    for kind in ("alerts", "logs", "metrics", "chat"):
        assert kind in missing, missing


@pytest.mark.parametrize("shape", ["history", "export"])
def test_only_chat(tmp_path, shape):
    msgs = [(0, "U0ANA", "checkout is throwing 500s"), (3, "U0ANA", "paging payments on-call"),
            (20, "U0ANA", "rolled back, errors gone"), (25, "U0ANA", "resolved")]
    files = {"c": slack_history(msgs)} if shape == "history" else slack_export("inc", msgs)
    b = write_bundle(tmp_path / "b", files)
    from agent.api import run_postmortem

    run_postmortem(b, out_dir=tmp_path / "o")
    notes = _data_sources((tmp_path / "o" / "postmortem.md").read_text())
    missing = re.search(r"Missing from the bundle: (.*)\.", notes)
    assert missing and "alerts" in missing.group(1) and "chat" not in missing.group(1), notes


def test_out_dir_is_a_file(run_cli, tmp_path):
    (tmp_path / "o").write_text("x")
    b = write_bundle(tmp_path / "b", USABLE)
    _fails_cleanly(run_cli("draft", b, "--out", tmp_path / "o"), "o")
    assert (tmp_path / "o").read_text() == "x"




def test_slack_names_alone_are_not_usable(run_cli, tmp_path):
    """users.json and channels.json only name things in other files: alone, nothing to draft from."""
    files = slack_export("inc", [])
    b = write_bundle(tmp_path / "b", {"users.json": files["users.json"], "channels.json": files["channels.json"]})
    _fails_cleanly(run_cli("draft", b, "--out", tmp_path / "o"), "nothing usable", "channels.json")


def test_incident_yaml_with_odd_fields_keeps_what_it_can(tmp_path):
    """An unknown impact key or a bad value drops that field with a warning, not the whole file."""
    doc = incident_yaml(start=iso(0), sla_target="lots", reviewers={"a": 1}).replace(
        "sla_target", "impact:\n  users: 12%\n  regions: eu-west-1\nsla_target", 1)
    b = write_bundle(tmp_path / "b", {**USABLE, "meta.yml": doc})
    pm, md = _draft(b, tmp_path / "o")
    assert pm.title == "Checkout latency spike" and pm.severity == "SEV-2"
    assert "12%" in md
    notes = _data_sources(md)
    assert "regions" in notes and "sla_target" in notes and "reviewers" in notes, notes


def test_bare_pagerduty_incident_object_is_a_ticket(tmp_path):
    """A webhook v3 event's `data` saved alone (no {"incident": ...} envelope) still reads as the incident."""
    from agent.sources import load_bundle
    from test_robust_builders import pagerduty_webhook

    b = write_bundle(tmp_path / "b", {"x": pagerduty_webhook()["event"]["data"]})
    bundle = load_bundle(b)
    assert [(f.format, f.status) for f in bundle.files] == [("pagerduty.incident", "parsed")]
    assert bundle.tickets[0].title == "orders-db connection errors"


def test_metric_with_huge_values_drafts(tmp_path):
    from agent.api import run_postmortem
    from test_robust_builders import epoch

    values = [[epoch(m), "1e308" if m > 0 else "1"] for m in range(-30, 60)]
    q = {"status": "success", "data": {"resultType": "matrix", "result": [{"metric": {"__name__": "lat"},
                                                                         "values": values}]}}
    run_postmortem(write_bundle(tmp_path / "b", {**USABLE, "q": q}), out_dir=tmp_path / "o")
    check_report(tmp_path / "o")


def test_coloured_and_klog_logs_are_read(tmp_path):
    """Terminal colour codes (kubectl/docker logs of a TTY) and Go's klog shape: both are logs, with levels."""
    from agent.sources import iter_records, load_bundle

    coloured = "".join(f"\x1b[32m{iso(m)}\x1b[0m \x1b[1;31mERROR\x1b[0m cache down {m}\n" for m in range(5))
    klog = "".join(f"E0614 09:{m:02d}:00.000000       1 controller.go:114] failed to sync pod {m}\n"
                   for m in range(5))
    b = write_bundle(tmp_path / "b", {**USABLE, "tty": coloured, "kube": klog})
    bundle = load_bundle(b)
    formats = {f.path: f.format for f in bundle.files}
    assert formats["tty"] == "log.iso8601" and formats["kube"] == "log.klog"
    for src in bundle.logs:
        recs = list(iter_records(src))
        assert len(recs) == 5 and all(r.level == "error" and r.time == at(i) for i, r in enumerate(recs))
        assert all("\x1b" not in r.message for r in recs)
