"""Generate a large synthetic incident bundle (deterministic; seed fixed).

    .venv/bin/python benchmarks/gen_bundle.py --lines 1000000 --out benchmarks/_data/large

Writes: logs in four shapes (ISO 8601 app log with a multi-line stack trace now and then, nginx
access log, JSON lines, syslog RFC 3164) totalling --lines lines; 50 Prometheus query_range series of
--points points; --alerts Alertmanager v4 webhook notifications; --chat Slack conversations.history
messages; an incident.yaml. The incident: a connection leak from a deploy at 13:30 ramps the DB pool
to 100/100 by 14:00, when errors and p99 latency step up; resolved by a rollback at 15:15.
"""

from __future__ import annotations

import argparse
import json
import random
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

START = datetime(2026, 2, 5, 10, 0, tzinfo=timezone.utc)
ONSET = datetime(2026, 2, 5, 14, 0, tzinfo=timezone.utc)
END = datetime(2026, 2, 5, 16, 0, tzinfo=timezone.utc)
SPAN = (END - START).total_seconds()
PATHS = ["/v1/orders", "/v1/users/me", "/v1/catalog/items", "/v1/cart", "/v1/search", "/healthz"]
NOISE = [
    "GET {p}/{n} 200 {ms}ms", "cache hit ratio {r} for shard {n}", "user {n} logged in from 10.0.{a}.{b}",
    "scheduled job report_{n} finished in {ms}ms", "kafka consumer lag {n} on partition {a}",
    "GC pause {ms}ms heap {n}MB", "request {u} completed in {ms}ms", "feature flag checkout_v{a} evaluated for {n}",
]


def _t(frac: float) -> datetime:
    return START + timedelta(seconds=frac * SPAN)


def _noise(rnd: random.Random) -> str:
    return rnd.choice(NOISE).format(p=rnd.choice(PATHS), n=rnd.randint(1, 99999), ms=rnd.randint(1, 900),
                                    r=round(rnd.random(), 3), a=rnd.randint(0, 255), b=rnd.randint(0, 255),
                                    u=f"{rnd.getrandbits(64):016x}")


def app_log(path: Path, n: int, rnd: random.Random) -> None:
    with path.open("w") as fh:
        for i in range(n):
            t = _t(i / n)
            level, msg = "INFO", _noise(rnd)
            if t >= ONSET + timedelta(seconds=15) and t < ONSET + timedelta(minutes=75) and i % 3 == 0:
                level, msg = "ERROR", f"[ConnectionPool] Connection pool exhausted (100/100 connections in use) req={rnd.getrandbits(32):08x}"
            elif i % 5000 == 0:
                level, msg = "WARN", f"[ReportsJob] slow query report_daily took {2000 + rnd.randint(0, 900)}ms"
            fh.write(f"{t.isoformat(timespec='milliseconds').replace('+00:00', 'Z')} {level} {msg}\n")
            if level == "ERROR" and i % 3000 == 0:
                fh.write("java.sql.SQLTransientConnectionException: pool timeout\n\tat com.zaxxer.Pool.get(Pool.java:181)\n")
            if abs((t - (ONSET - timedelta(minutes=30))).total_seconds()) < SPAN / n:
                fh.write(f"{t.isoformat(timespec='milliseconds').replace('+00:00', 'Z')} INFO [Boot] orders-api v2.14.0 deployed and started\n")
            if abs((t - (ONSET - timedelta(minutes=20))).total_seconds()) < SPAN / n:
                fh.write(f"{t.isoformat(timespec='milliseconds').replace('+00:00', 'Z')} INFO audit: ops ran kubectl scale deployment/orders-api --replicas=6\n")


def access_log(path: Path, n: int, rnd: random.Random) -> None:
    with path.open("w") as fh:
        for i in range(n):
            t = _t(i / n)
            status = 503 if ONSET <= t < ONSET + timedelta(minutes=75) and i % 2 else 200
            ip = f"10.{rnd.randint(0, 255)}.{rnd.randint(0, 255)}.{rnd.randint(1, 254)}"
            fh.write(f'{ip} - - [{t:%d/%b/%Y:%H:%M:%S} +0000] "GET {rnd.choice(PATHS)}/{rnd.randint(1, 9999)} HTTP/1.1" '
                     f'{status} {rnd.randint(100, 9000)} "-" "curl/8.{rnd.randint(0, 9)}"\n')


def json_log(path: Path, n: int, rnd: random.Random) -> None:
    with path.open("w") as fh:
        for i in range(n):
            t = _t(i / n)
            lvl, msg = "info", _noise(rnd)
            if t >= ONSET and t < ONSET + timedelta(minutes=75) and i % 4 == 0:
                lvl, msg = "error", f"upstream orders-api timed out after 5000ms trace={rnd.getrandbits(64):016x}"
            fh.write(json.dumps({"ts": t.isoformat().replace("+00:00", "Z"), "level": lvl, "msg": msg,
                                 "service": "gateway"}) + "\n")


def syslog(path: Path, n: int, rnd: random.Random) -> None:
    with path.open("w") as fh:
        for i in range(n):
            t = _t(i / n)
            fh.write(f"{t:%b} {t.day:2d} {t:%H:%M:%S} db-1 postgres[{rnd.randint(100, 9999)}]: "
                     f"{'FATAL:  sorry, too many clients already' if ONSET <= t < ONSET + timedelta(minutes=75) and i % 3 == 0 else 'LOG:  checkpoint complete: wrote ' + str(rnd.randint(10, 5000)) + ' buffers'}\n")


def metrics(path: Path, series: int, points: int, rnd: random.Random) -> None:
    step = SPAN / points
    result = []
    for s in range(series):
        if s == 0:
            name, f = "db_connections", lambda t: 20 if t < ONSET - timedelta(minutes=30) else min(100.0, 20 + (t - (ONSET - timedelta(minutes=30))).total_seconds() / 1800 * 80)
        elif s == 1:
            name, f = "db_connections_max", lambda t: 100
        elif s == 2:
            name, f = "http_p99_latency_ms", lambda t: 5000 if ONSET <= t < ONSET + timedelta(minutes=75) else 200
        else:
            name, f = f"node_metric_{s}", lambda t, base=rnd.uniform(10, 60): base
        values = []
        for k in range(points):
            t = START + timedelta(seconds=k * step)
            v = f(t) * (1 + rnd.gauss(0, 0.01))
            values.append([round(t.timestamp(), 3), "NaN" if k % 997 == 13 else f"{v:.4f}"])
        result.append({"metric": {"__name__": name, "instance": f"host-{s % 5}:9100", "job": "node"}, "values": values})
    path.write_text(json.dumps({"status": "success", "data": {"resultType": "matrix", "result": result}}))


def alerts(path: Path, n: int, rnd: random.Random) -> None:
    out = []
    for i in range(n):
        t = ONSET + timedelta(minutes=2) + timedelta(seconds=i * 4)
        name = ["API5xxHigh", "PoolSaturated", "LatencyHigh", "DiskWarn"][i % 4]
        status = "resolved" if t > ONSET + timedelta(minutes=70) else "firing"
        a = {"status": status, "labels": {"alertname": name, "service": "orders-api", "severity": "critical"},
             "annotations": {"summary": f"{name} on orders-api"}, "startsAt": (ONSET + timedelta(minutes=2 + i % 4)).isoformat().replace("+00:00", "Z"),
             "endsAt": t.isoformat().replace("+00:00", "Z") if status == "resolved" else "0001-01-01T00:00:00Z",
             "generatorURL": "http://prometheus:9090/graph", "fingerprint": f"{zlib.crc32(name.encode()):012x}"}
        out.append({"version": "4", "groupKey": f"{{}}:{{alertname=\"{name}\"}}", "truncatedAlerts": 0, "status": status,
                    "receiver": "pagerduty", "groupLabels": {"alertname": name}, "commonLabels": a["labels"],
                    "commonAnnotations": a["annotations"], "externalURL": "http://alertmanager:9093", "alerts": [a]})
    path.write_text(json.dumps(out))


def chat(path: Path, n: int, rnd: random.Random) -> None:
    msgs = []
    for i in range(n):
        t = ONSET + timedelta(seconds=5 + i * (7200 / n))
        msgs.append({"type": "message", "user": f"U{rnd.randint(1, 30):03d}", "text": f"checking {rnd.choice(PATHS)} graphs, update {i}",
                     "ts": f"{t.timestamp():.6f}"})
    path.write_text(json.dumps({"ok": True, "messages": list(reversed(msgs)), "has_more": False}))


def generate(out: Path, *, lines: int, series: int = 50, points: int = 10_000, n_alerts: int = 1000,
             n_chat: int = 5000, seed: int = 7) -> Path:
    rnd = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    app_log(out / "orders-api.log", int(lines * 0.4), rnd)
    access_log(out / "nginx-access.log", int(lines * 0.3), rnd)
    json_log(out / "gateway.jsonl", int(lines * 0.2), rnd)
    syslog(out / "db-syslog.log", lines - int(lines * 0.4) - int(lines * 0.3) - int(lines * 0.2), rnd)
    metrics(out / "metrics.json", series, points, rnd)
    alerts(out / "alertmanager.json", n_alerts, rnd)
    chat(out / "slack-history.json", n_chat, rnd)
    (out / "incident.yaml").write_text("id: INC-BENCH-001\ntitle: Orders API outage (synthetic)\nseverity: SEV-1\n"
                                       "service: orders-api\nowning_team: backend\n")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "_data" / "large")
    ap.add_argument("--points", type=int, default=10_000)
    ap.add_argument("--series", type=int, default=50)
    args = ap.parse_args()
    print(generate(args.out, lines=args.lines, series=args.series, points=args.points))


if __name__ == "__main__":
    main()
