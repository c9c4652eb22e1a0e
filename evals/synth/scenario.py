"""A declarative incident scenario rendered into vendor-format files (for the dev eval dataset).

A case module fills a ``Scenario`` with times, texts and which formats to use; ``render`` writes the files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from evals.synth import logfmt as L
from evals.synth import vendor as V

T = V.t
PRI = {"DEBUG": 167, "INFO": 166, "WARN": 164, "ERROR": 163, "CRITICAL": 162}


@dataclass
class Series:
    name: str
    labels: dict
    baseline: float
    incident: float
    start: str  # incident value from here ...
    end: str  # ... until here
    noise: float = 0.05


@dataclass
class LogFile:
    path: str
    shape: str  # iso | rfc3164 | rfc5424 | go | java | jsonl | postgres | nginx
    service: str
    lines: list[tuple[str, str, str]]  # (time, LEVEL, text)
    noise: list[str] = field(default_factory=list)  # background INFO texts
    noise_every_s: float = 60
    warn_noise: tuple[str, int] | None = None  # (text, minutes apart): a pre-existing warning (distractor)
    host: str = "host-1"


@dataclass
class Scenario:
    window: tuple[str, str]
    service: str
    team: str
    title: str
    ticket: str  # pagerduty | opsgenie | jira
    ticket_file: str
    created: str
    acked: str
    resolved: str
    notes: list[tuple[str, str, str, str]]  # (kind, time, who, text); kind: ack|escalate|note|resolve
    assignee: str
    alert_format: str  # alertmanager | prom-alerts
    alert_file: str
    alert_name: str
    alert_summary: str
    alert_starts: str
    alert_ends: str
    metric_format: str  # prom | csv
    metric_file: str
    series: list[Series]
    logs: list[LogFile]
    chat_format: str  # history | export
    chat_path: str
    channel: str
    users: list[tuple[str, str, str]]
    messages: list[tuple[str, str, str]]
    changes: list[tuple[str, str, str, str, str]]  # (format github|pd, file, time, service, description)
    meta: dict
    step_s: int = 60
    traces: list[dict] = field(default_factory=list)
    trace_file: str = "spans.json"
    trace_format: str = "otlp"


def render(sc: Scenario, root: Path) -> None:
    for part in (_ticket, _alerts, _metrics, _logs, _chat, _changes, _traces):
        part(sc, root)
    V.write_yaml(root / "incident.yaml", sc.meta)


def _ticket(sc: Scenario, root: Path) -> None:
    created, acked, resolved = T(sc.created), T(sc.acked), T(sc.resolved)
    if sc.ticket == "pagerduty":
        inc = V.pd_incident(number=int(created.timestamp()) % 9000 + 1000, title=sc.title, created=created,
                            status="resolved", service=sc.service, team=sc.team, assignee=sc.assignee,
                            acked=acked, resolved=resolved)
        kinds = {"ack": "acknowledge_log_entry", "escalate": "escalate_log_entry", "note": "annotate_log_entry",
                 "resolve": "resolve_log_entry"}
        entries = [("trigger_log_entry", created, sc.service, sc.title)]
        entries += [(kinds[k], T(at), who, text) for k, at, who, text in sc.notes]
        base = Path(sc.ticket_file)
        V.write_json(root / base, inc)
        V.write_json(root / base.with_name(base.stem + "-log.json"), V.pd_log_entries(inc, entries))
    elif sc.ticket == "opsgenie":
        V.write_json(root / sc.ticket_file, V.opsgenie_alert(
            tiny=int(created.timestamp()) % 9000, message=sc.title, created=created, acked=acked, closed=resolved,
            priority="P1", team=sc.team, source="monitoring", entity=sc.service, description=sc.alert_summary,
            tags=["incident"], details={"service": sc.service}, acked_by=sc.assignee, closed_by=sc.assignee))
    else:
        hist = [(T(at), who, _jira_items(k, who, text)) for k, at, who, text in sc.notes]
        V.write_json(root / sc.ticket_file, V.jira_issue(
            key=f"INC-{int(created.timestamp()) % 900 + 100}", summary=sc.title, description=sc.alert_summary,
            created=created, priority="Highest", status="Resolved", assignee=sc.assignee, reporter="Alert Bot",
            labels=["incident"], component=sc.service, resolved=resolved, histories=hist))


def _jira_items(kind: str, who: str, text: str) -> list[tuple[str, str | None, str | None]]:
    return {"ack": [("assignee", None, who), ("status", "Open", "In Progress")],
            "escalate": [("priority", "High", "Highest"), ("Escalated", None, text)],
            "resolve": [("status", "In Progress", "Resolved"), ("resolution", None, "Done")]}.get(
        kind, [("Comment", None, text)])


def _alerts(sc: Scenario, root: Path) -> None:
    labels = {"service": sc.service, "severity": "critical"}
    ann = {"summary": sc.alert_summary}
    starts, ends = T(sc.alert_starts), T(sc.alert_ends)
    if sc.alert_format == "prom-alerts":
        V.write_json(root / sc.alert_file, V.prom_alerts([({"alertname": sc.alert_name, **labels}, ann, "firing",
                                                           starts, "1e+00")]))
        return
    base = dict(name=sc.alert_name, labels=labels, annotations=ann, starts=starts, expr="up==0")
    firing = V.am_webhook([V.am_alert(**base, ends=None, status="firing")], receiver="oncall", group_by=["alertname"])
    done = V.am_webhook([V.am_alert(**base, ends=ends, status="resolved")], receiver="oncall", group_by=["alertname"])
    V.write_json(root / sc.alert_file, [firing, firing, done])


def _value(s: Series, at: datetime, rng) -> float:
    inside = T(s.start) <= at < T(s.end)
    v = s.incident if inside else s.baseline
    return round(v * (1 + rng.uniform(-s.noise, s.noise)), 4)


def _metrics(sc: Scenario, root: Path) -> None:
    start, end = T(sc.window[0]), T(sc.window[1])
    data = []
    for i, s in enumerate(sc.series):
        pts = V.ramp(start, end, sc.step_s, lambda m, rng, s=s: _value(s, start + timedelta(minutes=m), rng), seed=i + 1)
        if i == 0 and len(pts) > 20:
            pts[len(pts) // 3] = (pts[len(pts) // 3][0], None)  # one NaN sample
        data.append((s, pts))
    if sc.metric_format == "csv":
        V.write_text(root / sc.metric_file, V.csv_metrics([(s.name, pts) for s, pts in data]))
        return
    gap = {data[0][1][len(data[0][1]) // 2 + k][0] for k in range(2)} if len(data[0][1]) > 10 else set()
    V.write_json(root / sc.metric_file, V.prom_matrix([({"__name__": s.name, **s.labels}, pts) for s, pts in data],
                                                      drop=gap))


def _line(lf: LogFile, at: datetime, level: str, text: str, seq: int = 0) -> str:
    shape = lf.shape
    if shape == "iso":
        return L.iso_line(at, level, lf.service, text)
    if shape == "rfc3164":
        return L.rfc3164(at, lf.host, lf.service, 2200 + seq % 7, f"{level}: {text}" if level != "INFO" else text)
    if shape == "rfc5424":
        return L.rfc5424(at, lf.host, lf.service, 2200, "-", text, pri=PRI.get(level, 166))
    if shape == "go":
        return L.golog(at, f"{level} {text}")
    if shape == "java":
        head, *trace = text.split("\n")
        return L.java(at, level, f"worker-{seq % 16}", f"c.e.{lf.service}", head, trace)
    if shape == "jsonl":
        return L.json_line(at, level.lower(), lf.service, text)
    if shape == "postgres":
        return L.postgres(at, 4000 + seq % 50, {"WARN": "WARNING"}.get(level, level), text)
    if shape == "nginx":
        method, path, status = text.split(" ")
        return L.nginx(at, f"198.51.100.{10 + seq % 200}", method, path, int(status), 512, 0.05)
    raise ValueError(shape)


def _logs(sc: Scenario, root: Path) -> None:
    start, end = T(sc.window[0]), T(sc.window[1])
    for lf in sc.logs:
        rows = [(T(at), _line(lf, T(at), lv, text, i)) for i, (at, lv, text) in enumerate(lf.lines)]
        if lf.noise:
            noise = L.background(start, end, lf.noise_every_s,
                                 lambda at, rng, lf=lf: _line(lf, at, "INFO", rng.choice(lf.noise), rng.randint(0, 99)))
            rows += noise
        if lf.warn_noise:
            text, every = lf.warn_noise
            at = start + timedelta(minutes=3, seconds=17)
            while at < end:
                rows.append((at, _line(lf, at, "WARN", text)))
                at += timedelta(minutes=every)
        V.write_text(root / lf.path, L.join(rows))


def _chat(sc: Scenario, root: Path) -> None:
    msgs = [V.slack_message(T(at), uid, text, seq=i % 3) for i, (at, uid, text) in enumerate(sc.messages)]
    if sc.chat_format == "history":
        V.write_json(root / sc.chat_path, V.slack_history(msgs))
        return
    folder = root / sc.chat_path
    V.write_json(folder / "users.json", [V.slack_user(*u) for u in sc.users], indent=4)
    V.write_json(folder / "channels.json", [V.slack_channel("C0" + V.hexid(sc.channel, 7).upper(), sc.channel,
                                                            T(sc.window[0]), [u[0] for u in sc.users], "incident")],
                 indent=4)
    by_day: dict[str, list] = {}
    for m in msgs:
        day = datetime.fromtimestamp(float(m["ts"]), V.UTC).strftime("%Y-%m-%d")
        by_day.setdefault(day, []).append(m)
    for day, day_msgs in by_day.items():
        V.write_json(folder / sc.channel / f"{day}.json", day_msgs, indent=4)


def blameful_ts(sc: Scenario, indices: list[int]) -> list[str]:
    return [V.slack_ts(T(sc.messages[i][0]), i % 3) for i in indices]


def _changes(sc: Scenario, root: Path) -> None:
    pd_events = {}
    for fmt, path, at, service, desc in sc.changes:
        if fmt == "github":
            repo = f"example/{service}"
            dep = V.gh_deployment(repo=repo, did=int(T(at).timestamp()) % 10**7, sha=V.hexid(desc, 40), ref="main",
                                  env="production", description=desc, creator="deploy-bot", created=T(at))
            V.write_json(root / path, V.gh_deployment_status_event(dep, repo, state="success", at=T(at) +
                                                                   timedelta(minutes=2), sender="deploy-bot"))
        else:
            pd_events.setdefault(path, []).append((T(at), desc, "change-pipeline", service, {"service": service}))
    for path, events in pd_events.items():
        V.write_json(root / path, V.pd_change_events(events))


def _traces(sc: Scenario, root: Path) -> None:
    if sc.traces:
        build = V.otlp_traces if sc.trace_format == "otlp" else V.jaeger_traces
        V.write_json(root / sc.trace_file, build(sc.traces))
