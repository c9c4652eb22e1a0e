"""load_bundle: detection by content, archives, bad input, warnings, redaction."""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from datetime import datetime, timezone

import pytest

from agent.errors import BundleError
from agent.sources import load_bundle
from agent.sources.logs import iter_records
from test_sources_payloads import INCIDENT_YAML, am_alert, am_webhook, pd_incident, write

UTC = timezone.utc


def _status(bundle, path):
    return next(f for f in bundle.files if f.path == path)


def test_detection_by_content_ignores_misleading_names(tmp_path):
    write(tmp_path, "alerts.csv", pd_incident())  # a PagerDuty incident named like a CSV
    write(tmp_path, "incident.json", am_webhook(am_alert("HighErrorRate")))  # alerts named like a ticket
    write(tmp_path, "metrics.yaml", "2024-03-05T14:00:00Z ERROR [main] boom\n2024-03-05T14:00:01Z INFO ok\n")
    write(tmp_path, "notes.txt", INCIDENT_YAML)
    b = load_bundle(tmp_path)
    assert _status(b, "alerts.csv").format == "pagerduty.incident"
    assert _status(b, "incident.json").format == "alertmanager.webhook"
    assert _status(b, "metrics.yaml").format == "log.iso8601"
    assert _status(b, "notes.txt").format == "incident.yaml"
    assert b.tickets[0].title == "Checkout API 5xx" and b.alerts[0].name == "HighErrorRate"
    assert b.meta.owning_team == "payments"


def test_files_walked_in_sorted_order_with_relative_paths(tmp_path):
    write(tmp_path, "b/z.json", pd_incident())
    write(tmp_path, "a/y.log", "2024-03-05T14:00:00Z INFO x\n")
    write(tmp_path, "c.bin", b"\x00\x01\x02" * 100)
    b = load_bundle(tmp_path)
    assert [f.path for f in b.files] == ["a/y.log", "b/z.json", "c.bin"]
    assert b.logs[0].path == "a/y.log" and b.tickets[0].source_file == "b/z.json"
    assert all(e.pointer.startswith("b/z.json:") for e in b.events)


def test_gold_yaml_is_never_read(tmp_path):
    write(tmp_path, "gold.yaml", "title: the answer\nseverity: SEV-1\nowning_team: x\n")
    write(tmp_path, "incident.json", pd_incident())
    b = load_bundle(tmp_path)
    gold = _status(b, "gold.yaml")
    assert gold.status == "skipped" and gold.reason == "eval gold file (never read)"
    assert b.meta.title is None


def test_malformed_json_names_file_and_line_and_rest_still_loads(tmp_path):
    good = write(tmp_path, "good.json", pd_incident())
    text = json.dumps(am_webhook(am_alert("X")), indent=2)
    write(tmp_path, "truncated.json", text[: len(text) // 2])
    write(tmp_path, "broken.json", '{\n  "incident": {\n    "id": "X",,\n  }\n}\n')
    b = load_bundle(tmp_path)
    broken = _status(b, "broken.json")
    assert broken.status == "error" and broken.reason.startswith("broken.json:3: malformed JSON")
    trunc = _status(b, "truncated.json")
    assert trunc.status == "error" and trunc.reason.startswith("truncated.json:")
    assert _status(b, good.name).status == "parsed" and len(b.tickets) == 1


def test_binary_file_is_an_error_not_fatal(tmp_path):
    write(tmp_path, "core.dump", bytes(range(256)) * 64)
    write(tmp_path, "i.json", pd_incident())
    b = load_bundle(tmp_path)
    assert _status(b, "core.dump").status == "error" and "binary" in _status(b, "core.dump").reason


def test_undecodable_yaml_is_an_error_with_line(tmp_path):
    write(tmp_path, "incident.yaml", "title: x\nseverity: [SEV-1\nowning_team: y\n")
    write(tmp_path, "i.json", pd_incident())
    st = _status(load_bundle(tmp_path), "incident.yaml")
    assert st.status == "error" and st.reason.startswith("incident.yaml:") and "invalid YAML" in st.reason


def test_unknown_files_are_skipped(tmp_path):
    write(tmp_path, "README.md", "# notes\nnothing to see\n")
    write(tmp_path, "other.json", {"hello": "world"})
    write(tmp_path, "i.json", pd_incident())
    b = load_bundle(tmp_path)
    assert _status(b, "README.md").status == "skipped"
    other = _status(b, "other.json")
    assert other.status == "skipped" and "hello" in other.reason


def test_missing_empty_and_useless_bundles_raise(tmp_path):
    with pytest.raises(BundleError, match="no such file"):
        load_bundle(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BundleError, match="empty"):
        load_bundle(tmp_path / "empty")
    write(tmp_path, "useless/a.md", "just prose\n")
    write(tmp_path, "useless/b.json", "{ broken")
    with pytest.raises(BundleError, match="nothing usable.*b.json:1"):
        load_bundle(tmp_path / "useless")


def _bundle_files(tmp_path):
    write(tmp_path, "src/tickets/i.json", pd_incident())
    write(tmp_path, "src/logs/app.log", "2024-03-05T14:00:00Z ERROR boom\n")
    return tmp_path / "src"


def test_zip_bundle_with_top_folder_and_path_traversal_blocked(tmp_path):
    src = _bundle_files(tmp_path)
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in sorted(src.rglob("*")):
            if p.is_file():
                zf.write(p, f"incident-42/{p.relative_to(src).as_posix()}")
        zf.writestr("../escape.txt", "evil")
        zf.writestr("/abs.txt", "evil")
    b = load_bundle(archive)
    assert sorted(f.path for f in b.files if f.status == "parsed") == ["logs/app.log", "tickets/i.json"]
    assert sorted(f.path for f in b.files if f.status == "skipped") == ["../escape.txt", "/abs.txt"]
    assert not (tmp_path / "escape.txt").exists()
    assert [r.message for r in iter_records(b.logs[0])] == ["ERROR boom"]  # still readable after loading


@pytest.mark.parametrize("suffix", [".tar.gz", ".tgz"])
def test_tar_gz_bundle(tmp_path, suffix):
    src = _bundle_files(tmp_path)
    archive = tmp_path / f"bundle{suffix}"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(src, arcname=".")
        evil = tarfile.TarInfo("../../evil.txt")
        evil.size = 4
        tf.addfile(evil, io.BytesIO(b"evil"))
    b = load_bundle(archive)
    assert sorted(f.path for f in b.files if f.status == "parsed") == ["logs/app.log", "tickets/i.json"]
    assert [(f.path, f.status) for f in b.files if "evil" in f.path] == [("../../evil.txt", "skipped")]
    assert not (tmp_path.parent / "evil.txt").exists()


def test_zoneless_timestamps_warn_once_per_file(tmp_path):
    write(tmp_path, "app.log", "junk first line\n" + "".join(f"2024-03-05 14:00:0{i} INFO x{i}\n" for i in range(5)))
    write(tmp_path, "tz.log", "2024-03-05T14:00:00+02:00 INFO fine\n")
    b = load_bundle(tmp_path)
    assert b.warnings == ["app.log:2: timestamps have no zone; assumed UTC"]
    rec = [r for r in iter_records(b.logs[0]) if r.time][0]
    assert rec.time == datetime(2024, 3, 5, 14, 0, 0, tzinfo=UTC)


def test_incident_yaml_timezone_applies_to_zoneless_times(tmp_path):
    write(tmp_path, "incident.yaml", INCIDENT_YAML)
    write(tmp_path, "app.log", "2024-03-05 15:00:00 ERROR boom\n")
    b = load_bundle(tmp_path)
    assert b.meta.start == datetime(2024, 3, 5, 14, 0, tzinfo=UTC)  # 15:00 Berlin (CET) = 14:00 UTC
    assert next(iter_records(b.logs[0])).time == datetime(2024, 3, 5, 14, 0, tzinfo=UTC)
    assert b.warnings == ["app.log:1: timestamps have no zone; assumed Europe/Berlin (incident.yaml timezone)"]
    assert b.meta.distribution == ["eng-all@example.com"] and b.meta.impact.users_affected == "12000"


def test_planted_secrets_are_redacted_everywhere(tmp_path):
    inc = pd_incident()
    inc["incident"]["title"] = "DB down, password=hunter2hunter2"
    write(tmp_path, "i.json", inc)
    write(tmp_path, "app.log", "2024-03-05T14:00:00Z ERROR auth failed token=sk-live-ABCDEFGHIJKLMNOPQRSTUV mail "
                               "ops@example.com\n")
    hist = {"ok": True, "messages": [{"type": "message", "user": "U1", "text": "use AKIAABCDEFGHIJKLMNOP now",
                                      "ts": "1709647200.000100"}]}
    write(tmp_path, "chat.json", hist)
    b = load_bundle(tmp_path)
    dumped = b.model_dump_json() + "".join(r.model_dump_json() for r in iter_records(b.logs[0]))
    for secret in ("hunter2hunter2", "sk-live-ABCDEFGHIJKLMNOPQRSTUV", "ops@example.com", "AKIAABCDEFGHIJKLMNOP"):
        assert secret not in dumped
    assert "[REDACTED" in b.tickets[0].title and "[REDACTED" in b.chat[0].text


def test_bundle_round_trips_through_json(tmp_path):
    write(tmp_path, "i.json", pd_incident())
    write(tmp_path, "a.json", am_webhook(am_alert("X")))
    b = load_bundle(tmp_path)
    assert type(b).model_validate_json(b.model_dump_json()) == b
    assert [e.time for e in b.events] == sorted(e.time for e in b.events)


def test_a_single_file_is_a_bundle_of_one(tmp_path):
    p = write(tmp_path, "page.json", pd_incident())
    write(tmp_path, "other.log", "2024-03-05T14:00:00Z INFO not part of it\n")
    b = load_bundle(p)
    assert [f.path for f in b.files] == ["page.json"] and not b.logs and b.tickets
