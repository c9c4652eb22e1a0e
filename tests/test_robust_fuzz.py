"""Property test: mutated payloads of every format never make the loader raise anything but BundleError,
and streaming their log records never raises at all. Kept small (a few hundred examples, < 15 s)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from agent.errors import BundleError
from agent.models import LogRecord
from agent.sources import iter_records, load_bundle
from test_robust_builders import (
    alertmanager_webhook, csv_metrics, datadog_logs, github_deployment, grafana_webhook, incident_yaml,
    jaeger_trace, jira_v3_issue, jsonl_log, opsgenie_alert, opsgenie_webhook, otlp_metrics, otlp_traces,
    pagerduty_incident_nulls, pagerduty_webhook, postgres_log, prometheus_alerts, slack_export, slack_history,
    syslog_5424,
)

PAYLOADS = {
    "opsgenie.alert": opsgenie_alert(), "opsgenie.webhook": opsgenie_webhook(), "jira.issue": jira_v3_issue(),
    "pagerduty.webhook": pagerduty_webhook(), "pagerduty.incident": {"incident": {
        **{k: "x" for k in pagerduty_incident_nulls()["incident"]}, "created_at": "2025-06-14T09:00:00Z",
        "incident_number": 7, "acknowledgements": [{"at": "2025-06-14T09:05:00Z", "acknowledger": {"summary": "a"}}]}},
    "alertmanager": alertmanager_webhook(), "grafana": grafana_webhook(), "prometheus.alerts": prometheus_alerts(),
    "jaeger": jaeger_trace(), "otlp.traces": otlp_traces(), "otlp.metrics": otlp_metrics(),
    "datadog.logs": datadog_logs([(1, "error", "boom"), (2, "warn", "slow")]), "github": github_deployment(),
    "slack.history": slack_history([(1, "U1", "hi <@U2>"), (2, "U2", "ok")]),
    "slack.day": slack_export("c", [(1, "U0ANA", "x")])["c/2025-06-14.json"],
    "otlp.logs": {"resourceLogs": [{"resource": {"attributes": [{"key": "service.name", "value": {
        "stringValue": "api"}}]}, "scopeLogs": [{"logRecords": [
            {"timeUnixNano": "1749891600000000000", "severityText": "ERROR", "severityNumber": 17,
             "body": {"stringValue": "boom"}, "attributes": [{"key": "k", "value": {"arrayValue": {"values": [
                 {"intValue": "1"}]}}}]}]}]}]},
    "log.array": [{"@timestamp": "2025-06-14T09:00:00Z", "level": "error", "message": "boom", "service": "api"},
                  {"@timestamp": "2025-06-14T09:01:00Z", "level": "info", "message": "ok", "service": "api"}],
    "prometheus.range": {"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {"__name__": "up", "job": "api"}, "values": [[1749891600, "1"], [1749891660, "NaN"]]}]}},
}
TEXTS = {"syslog": syslog_5424([(0, 11, "api", "boom"), (1, 14, "api", "ok")]), "csv": csv_metrics(),
         "jsonl": jsonl_log([(0, "error", "boom"), (1, "info", "ok")]), "postgres": postgres_log([(0, "FATAL", "x")]),
         "yaml": incident_yaml(start="2025-06-14T09:00:00Z")}

JUNK = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**64) | st.floats() |
    st.sampled_from(["", "NaN", "0001-01-01T00:00:00Z", "2025-13-45T99:99:99Z", "1e400", "-1", "\u0000",
                     "2025-06-14T09:00:00", "1749891600000000000", "a" * 300]) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6)


def _mutate(doc, data, depth: int = 0):
    """Walk the document; at each node maybe replace it with junk, drop a key, or recurse."""
    choice = data.draw(st.integers(0, 9), label="op")
    if choice == 0 or depth > 8:
        return data.draw(JUNK, label="junk") if choice == 0 else doc
    if isinstance(doc, dict):
        out = {}
        for k, v in doc.items():
            if data.draw(st.integers(0, 7), label="drop") == 0:
                continue
            out[k] = _mutate(v, data, depth + 1)
        return out
    if isinstance(doc, list):
        return [_mutate(v, data, depth + 1) for v in doc]
    return doc


def _load(name: str, body: str | bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "b" / name
        path.parent.mkdir()
        path.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass"))
        try:
            bundle = load_bundle(path.parent)
        except BundleError:
            return
        for src in bundle.logs:
            for rec in iter_records(src):  # records skip validation for speed: every field must still be valid
                LogRecord.model_validate(rec.__dict__)
        bundle.model_dump_json()  # the models hold only serialisable values


FAST = settings(max_examples=80, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FAST
@given(kind=st.sampled_from(sorted(PAYLOADS)), data=st.data())
def test_mutated_json_payloads_only_raise_bundle_error(kind, data):
    _load("p01", json.dumps(_mutate(PAYLOADS[kind], data)))


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(PAYLOADS) + sorted(TEXTS)), cut=st.floats(0, 1), flip=st.binary(max_size=4))
def test_truncated_and_corrupted_payloads_only_raise_bundle_error(kind, cut, flip):
    text = TEXTS[kind] if kind in TEXTS else json.dumps(PAYLOADS[kind], indent=1)
    raw = text.encode()
    at = int(len(raw) * cut)
    _load("p02", raw[:at] + flip + raw[at + len(flip):] if flip else raw[:at])


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(st.text(max_size=80), min_size=1, max_size=20), prefix=st.sampled_from(
    ["2025-06-14T09:00:00Z ERROR ", "<11>1 2025-06-14T09:00:00Z h a - - - ", "Jun 14 09:00:00 h a[1]: ",
     '{"ts": "2025-06-14T09:00:00Z", "msg": "', "2025-06-14 09:00:00.000 UTC [1] LOG:  ", ""]))
def test_random_log_lines_stream_without_error(lines, prefix):
    _load("p03", "".join(prefix + ln.replace("\n", " ") + "\n" for ln in lines))


def test_gzip_magic_text_and_truncated_gzip_never_raise(tmp_path):
    """Found by the fuzzer: a text file starting with the gzip magic made every reader raise BadGzipFile."""
    import gzip

    log = "".join(f"2025-06-14T09:{m:02d}:00Z ERROR pool exhausted {m}\n" for m in range(60)).encode()
    packed = gzip.compress(log)
    write = {"a.log": b"\x1f\x8b" + log[2:], "b.log.1.gz": packed[: len(packed) // 2], "c.log.gz": packed}
    for name, body in write.items():
        (tmp_path / name).write_bytes(body)
    bundle = load_bundle(tmp_path)
    streamed = {src.path: sum(1 for _ in iter_records(src)) for src in bundle.logs}
    assert streamed["c.log.gz"] == 60 and streamed.get("a.log", 0) >= 59


def test_odd_field_types_in_log_documents_give_valid_records(tmp_path):
    """Found by the pipeline fuzzer: a Datadog log whose `service` was a list reached the evidence stage
    as a list and crashed it (records are built without validation)."""
    dd = datadog_logs([(1, "error", "boom"), (2, "²", "odd level")])
    dd[0]["body"]["data"][0]["attributes"]["service"] = ["a", "b"]
    dd[0]["body"]["data"][1]["attributes"]["host"] = {"name": "h"}
    otlp = json.loads(json.dumps(PAYLOADS["otlp.logs"]))
    otlp["resourceLogs"][0]["resource"]["attributes"][0]["value"] = {"arrayValue": {"values": [{"stringValue": "x"}]}}
    otlp["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]["severityNumber"] = 1e308
    arr = [{**PAYLOADS["log.array"][0], "service": {"x": 1}}, {**PAYLOADS["log.array"][1], "level": float("inf")}]
    for name, doc in (("d", dd), ("o", otlp), ("a", arr)):
        (tmp_path / name).write_text(json.dumps(doc))
    bundle = load_bundle(tmp_path)
    records = [rec for src in bundle.logs for rec in iter_records(src)]
    assert len(records) == 5
    for rec in records:
        LogRecord.model_validate(rec.__dict__)


def test_deeply_nested_json_is_junk_not_a_crash(tmp_path):
    """200,000 nested brackets made json.loads raise RecursionError out of the sniffer (exit 1)."""
    line = '{"ts": "2025-06-14T09:00:00Z", "level": "error", "msg": "boom"}\n'
    (tmp_path / "deep.json").write_text("[" * 200_000 + "]" * 200_000)
    (tmp_path / "app").write_text(line * 3 + '{"a":' * 50_000 + "1" + "}" * 50_000 + "\n" + line)
    bundle = load_bundle(tmp_path)
    status = {f.path: f for f in bundle.files}
    assert status["deep.json"].status == "error" and "nested too deeply" in status["deep.json"].reason
    messages = [r.message for src in bundle.logs for r in iter_records(src)]
    assert len(messages) == 4 and all(m.startswith("boom") for m in messages)  # the junk line joins one
