"""Turn the analyses into ranked Findings, each with the evidence candidates it cites.

A finding's ``evidence_ids`` hold candidate pointers here; ``pack.fit`` swaps them for E-ids.
Roles are a first guess for the analysis stage, which decides the final trigger.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from agent import rxcache as rx
from agent.evidence import alerts as al
from agent.evidence import metrics as mx
from agent.evidence import traces as tr
from agent.evidence.logs import LogAnalysis, Seen, Template, Window
from agent.models import Event, EvidenceKind, Finding
from agent.points import arrays, micros
from agent.redact import redact

BURST_RATIO = 5.0
_ROLE_SCORE = {"trigger": 0.8, "mechanism": 0.9, "detection": 0.7, "symptom": 0.5, "mitigation": 0.5,
               "distractor": 0.15, "context": 0.3}
_SATURATED = rx.compile(r"(?i)exhausted|too many (?:clients|connections|open files)|pool (?:is )?full|"
                        r"no space left|out of memory|oom|(\d+)/\1\b|limit reached")
_TRIGGERISH = rx.compile(r"(?i)\b(?:deploy|deployed|deploying|release|rollout|version|config(?:uration)? "
                         r"(?:change|reload|push)|migration|upgrade|feature flag|restart(?:ed|ing)?|started|boot(?:ed|ing)?)\b")
_RESOURCE = rx.compile(r"(?i)conn|pool|cpu|mem|disk|queue|thread|heap|fd|file|socket|inode|sat")
_SYMPTOM = rx.compile(r"(?i)err|5xx|fail|latency|duration|p9\d|timeout|availability|success")


@dataclass(slots=True)
class Cand:
    """An evidence candidate, before the budget decides whether it is kept and numbers it."""

    kind: EvidenceKind
    source_file: str
    pointer: str
    line: int | None
    time: datetime | None
    excerpt: str
    summary: str = ""


def hhmmss(t: datetime | None) -> str:
    return f"{t:%H:%M:%S}" if t else "an unknown time"


def _score(role: str, bonus: float = 0.0) -> float:
    return round(_ROLE_SCORE[role] + bonus, 4)


def _near(t: datetime | None, win: Window) -> float:
    if t is None or win.onset is None:
        return 0.0
    return 0.2 / (1 + abs((t - win.onset).total_seconds()) / 1800)


# --------------------------------------------------------------------------- logs


def _log_cand(seen: Seen, summary: str, kind: EvidenceKind = "log_template") -> Cand:
    return Cand(kind, seen.file, seen.pointer, seen.line, seen.time, redact(seen.text), summary)


def log_findings(res: LogAnalysis, win: Window, *, limit: int = 60) -> list[tuple[Finding, list[Cand]]]:
    out = []
    for t in res.templates:
        f = _template_finding(t, win, res)
        if f is not None:
            out.append(f)
            if f[0].role == "mechanism" and f[0].attrs.get("saturation"):
                out.append(_log_saturation(t, f[1][0]))
    out.sort(key=lambda fc: -fc[0].score)
    return out[:limit]


def _template_finding(t: Template, win: Window, res: LogAnalysis) -> tuple[Finding, list[Cand]] | None:
    st = t.stats
    tmpl = t.template if len(t.template) <= 160 else t.template[:157] + "..."
    attrs = {"template_id": t.id, "count": st.incident, "baseline_count": st.baseline, "template": tmpl,
             "level": st.level, "exception": st.exception}
    saturated = bool(_SATURATED.search(t.template) or (st.first and _SATURATED.search(st.first.text)))
    if win.cutoff is None:
        return None if not (t.errorish or t.warnish) else _signature(t, tmpl, attrs, saturated)
    if _precursor(t, win):
        return _trigger(t, tmpl, attrs, win)
    if st.baseline == 0 and st.incident > 0 and st.first_incident is not None:
        return _new(t, tmpl, attrs, win, saturated)
    if st.incident and _bursting(t, win, res):
        return _burst(t, tmpl, attrs, win, saturated, res)
    if (t.errorish or t.warnish) and st.baseline > 0 and st.first is not None:
        text = (f"Template '{tmpl}' was already present before the incident ({st.baseline:,} times in the "
                f"baseline, first at {hhmmss(st.first.time)}; {st.incident:,} after)").replace("(1 times", "(1 time")
        f = Finding(kind="error_signature", text=text, time=st.first.time, role="distractor",
                    score=_score("distractor", 0.05 * t.errorish), attrs={**attrs, "status": "preexisting"})
        return f, [_log_cand(st.first, text)]
    return None


_FRACTION = rx.compile(r"\b(\d+)\s*/\s*(\d+)\b")


def _log_saturation(t: Template, cand: Cand) -> tuple[Finding, list[Cand]]:
    """'pool exhausted (100/100 connections in use)' states the limit in the log text itself."""
    m = next((m for m in _FRACTION.finditer(cand.excerpt) if m.group(1) == m.group(2) and m.group(1) != "0"), None)
    limit = int(m.group(1)) if m else None
    what = f" at {limit}/{limit}" if limit else ""
    text = f"The log reports saturation{what} at {hhmmss(cand.time)}: '{cand.excerpt[:140]}'"
    f = Finding(kind="saturation", text=text, time=cand.time, role="mechanism", score=_score("mechanism", 0.25),
                attrs={"limit": limit, "value": limit, "template_id": t.id, "basis": "log text",
                       "onset": cand.time.isoformat() if cand.time else None})
    return f, [cand]


def _times(n: int) -> str:
    return f"{n:,} time" + ("" if n == 1 else "s")


def _precursor(t: Template, win: Window) -> bool:
    """A rare deploy/config/restart line shortly before the onset: a trigger candidate even when it
    falls in the baseline window."""
    first = t.stats.first
    if t.errorish or first is None or first.time is None or win.onset is None or t.count > 5:
        return False
    return win.onset - timedelta(hours=3) <= first.time <= win.onset and bool(_TRIGGERISH.search(t.template))


def _trigger(t: Template, tmpl: str, attrs: dict, win: Window) -> tuple[Finding, list[Cand]]:
    first = t.stats.first
    assert first is not None and first.time is not None and win.onset is not None
    # The lead is kept as a number only: the evidence window's onset (first page or incident.yaml start)
    # can differ from the start the timeline settles on, so the sentence states the absolute time.
    lead = (win.onset - first.time).total_seconds() / 60
    text = f"'{tmpl}' logged at {hhmmss(first.time)}, shortly before the incident ({t.count} time(s) in all)"
    f = Finding(kind="log_template", text=text, time=first.time, role="trigger",
                score=_score("trigger", _near(first.time, win)),
                attrs={**attrs, "status": "precursor", "lead_min": round(lead, 1)})
    return f, [_log_cand(first, text)]


def _new(t: Template, tmpl: str, attrs: dict, win: Window, saturated: bool) -> tuple[Finding, list[Cand]]:
    st = t.stats
    first = st.first_incident
    assert first is not None
    text = (f"Template '{tmpl}' first appeared at {hhmmss(first.time)} and occurred {_times(st.incident)} "
            f"after (0 in the baseline)")
    before_onset = first.time is not None and win.onset is not None and first.time < win.onset
    if t.errorish or saturated:
        role, kind = "mechanism", "error_signature"
    elif before_onset and _TRIGGERISH.search(t.template):
        role, kind = "trigger", "log_template"
    else:
        role, kind = ("symptom" if t.warnish else "context"), "log_template"
    bonus = 0.15 * saturated + 0.05 * math.log10(1 + st.incident) + _near(first.time, win)
    f = Finding(kind=kind, text=text, time=first.time, role=role, score=_score(role, bonus),
                attrs={**attrs, "status": "new", "onset": first.time.isoformat() if first.time else None,
                       "saturation": saturated})
    return f, [_log_cand(first, text)] + [_log_cand(s, text) for s in st.examples[1:2] if s.pointer != first.pointer]


def _rates(t: Template, win: Window, res: LogAnalysis) -> tuple[float, float]:
    st = t.stats
    base_min = max(1.0, ((win.cutoff - res.first_time).total_seconds() / 60) if res.first_time and win.cutoff else 1.0)
    end = res.last_time if res.last_time and win.cutoff and res.last_time > win.cutoff else None
    inc_min = max(1.0, (end - win.cutoff).total_seconds() / 60) if end and win.cutoff else 1.0
    return st.baseline / base_min, st.incident / inc_min


def _bursting(t: Template, win: Window, res: LogAnalysis) -> bool:
    base, inc = _rates(t, win, res)
    return t.stats.incident >= 10 and inc >= BURST_RATIO * max(base, 0.05) and (t.errorish or t.warnish)


def _burst(t: Template, tmpl: str, attrs: dict, win: Window, saturated: bool,
           res: LogAnalysis) -> tuple[Finding, list[Cand]]:
    st = t.stats
    base, inc = _rates(t, win, res)
    first = st.first_incident
    assert first is not None
    text = (f"Template '{tmpl}' burst from {base:.2g}/min in the baseline to {inc:.2g}/min from "
            f"{hhmmss(first.time)} ({st.incident:,} times after, {st.baseline:,} in the baseline)")
    bonus = 0.1 * saturated + 0.05 * math.log10(1 + st.incident) + _near(first.time, win)
    f = Finding(kind="error_signature", text=text, time=first.time, role="mechanism",
                score=_score("mechanism", bonus - 0.05),
                attrs={**attrs, "status": "bursting", "baseline_rate": round(base, 3), "rate": round(inc, 3),
                       "onset": first.time.isoformat() if first.time else None, "saturation": saturated})
    return f, [_log_cand(first, text)]


def _signature(t: Template, tmpl: str, attrs: dict, saturated: bool) -> tuple[Finding, list[Cand]]:
    st = t.stats
    first = st.first
    assert first is not None
    text = f"Template '{tmpl}' occurred {t.count:,} times, first at {hhmmss(first.time)}"
    role = "mechanism" if t.errorish else "context"
    f = Finding(kind="error_signature", text=text, time=first.time, role=role,
                score=_score(role, 0.15 * saturated + 0.03 * math.log10(1 + t.count)), attrs={**attrs, "status": "seen"})
    return f, [_log_cand(first, text)]


def command_findings(cmds: list[Seen], win: Window) -> list[tuple[Finding, list[Cand]]]:
    out = []
    for c in cmds:
        before = c.time is not None and win.onset is not None and c.time <= win.onset
        role = "trigger" if before else "mitigation" if win.onset else "context"
        text = f"Operator command in the logs at {hhmmss(c.time)}: {redact(c.text)[:160]}"
        f = Finding(kind="command", text=text, time=c.time, role=role, score=_score(role, _near(c.time, win)),
                    attrs={"command": c.text[:200]})
        out.append((f, [_log_cand(c, text, "log")]))
    return out


# --------------------------------------------------------------------------- metrics


def _fmt(v: float, unit: str | None) -> str:
    s = f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"
    return f"{s} {unit}" if unit else s


def _unit(s) -> str | None:
    if s.unit:
        return s.unit
    name = s.name.lower()
    return "ms" if name.endswith("_ms") or "millis" in name else "s" if "_seconds" in name else None


def _excerpt(s, t0: datetime, t1: datetime) -> str:
    # the points between t0 - 10 min and t1 + 5 min, found on the exact microsecond array
    arr = arrays(s)
    near = (arr.t_us >= micros(t0 - timedelta(minutes=10))) & (arr.t_us <= micros(t1 + timedelta(minutes=5)))
    pts = [p for p in map(s.points.__getitem__, np.flatnonzero(near).tolist()) if p[1] is not None]
    if len(pts) > 8:
        step = len(pts) / 8
        pts = [pts[int(i * step)] for i in range(8)] + [pts[-1]]
    return f"{s.series_id}: " + ", ".join(f"{t:%H:%M} {v:.4g}" for t, v in pts)


def shift_finding(sh: mx.Shift, win: Window) -> tuple[Finding, list[Cand]]:
    s, unit = sh.series, _unit(sh.series)
    verb = "rose" if sh.direction == "up" else "fell"
    if sh.shape == "spike":
        text = f"{s.series_id} spiked to {_fmt(sh.peak, unit)} (from {_fmt(sh.before, unit)}) at {sh.peak_time:%H:%M}"
    elif sh.shape == "ramp":
        text = (f"{s.series_id} {verb} {_fmt(sh.before, unit)} -> {_fmt(sh.after, unit)} (ramp) between "
                f"{sh.onset:%H:%M} and {sh.end:%H:%M}")
    else:
        text = f"{s.series_id} {_fmt(sh.before, unit)} -> {_fmt(sh.after, unit)} (step) at {sh.onset:%H:%M}"
    role = _metric_role(sh, win)
    bonus = 0.1 * min(sh.strength, 1.0) + _near(sh.onset, win)
    f = Finding(kind="changepoint", text=text, time=sh.onset, role=role, score=_score(role, bonus - 0.1),
                attrs={"series": s.series_id, "before": round(sh.before, 4), "after": round(sh.after, 4),
                       "peak": round(sh.peak, 4), "onset": sh.onset.isoformat(), "end": sh.end.isoformat(),
                       "direction": sh.direction, "shape": sh.shape, "strength": round(sh.strength, 3)})
    pointer = f"{s.series_id}@{sh.onset.isoformat()}"
    return f, [Cand("changepoint", s.source_file, pointer, None, sh.onset, _excerpt(s, sh.onset, sh.end), text)]


def _metric_role(sh: mx.Shift, win: Window) -> str:
    name = sh.series.name
    if win.onset is not None and sh.onset > win.onset + timedelta(minutes=20) and sh.direction == "down":
        return "mitigation" if _SYMPTOM.search(name) else "context"
    if _RESOURCE.search(name) and sh.direction == "up":
        return "mechanism"
    if _SYMPTOM.search(name):
        return "symptom"
    return "context"


def saturation_finding(sat: mx.Saturation, win: Window) -> tuple[Finding, list[Cand]]:
    s, unit = sat.series, _unit(sat.series)
    if sat.basis == "percent":
        pct = 100 * sat.value / sat.limit
        text = f"{s.series_id} reached {pct:.0f}% at {sat.time:%H:%M} (saturated)"
    else:
        text = (f"{s.series_id} reached its limit: {_fmt(sat.value, unit)}/{_fmt(sat.limit, unit)} at "
                f"{sat.time:%H:%M} ({sat.basis})")
    f = Finding(kind="saturation", text=text, time=sat.time, role="mechanism",
                score=_score("mechanism", 0.2 + _near(sat.time, win)),
                attrs={"series": s.series_id, "value": round(sat.value, 4), "limit": round(sat.limit, 4),
                       "onset": sat.time.isoformat(), "basis": sat.basis})
    pointer = f"{s.series_id}@{sat.time.isoformat()}"
    return f, [Cand("metric", s.source_file, pointer, None, sat.time, _excerpt(s, sat.time, sat.time), text)]


# --------------------------------------------------------------------------- alerts, traces, changes


def alert_finding(g: al.AlertGroup, win: Window, rank: int) -> tuple[Finding, list[Cand]]:
    text = al.sentence(g)
    role = g.role
    f = Finding(kind="alert_group", text=text, time=g.first_firing, role=role,
                score=_score(role, 0.1 / (1 + rank)),
                attrs={"alert": g.name, "fingerprint": g.key, "notifications": g.notifications,
                       "flapping": g.flapping, "first_firing": g.first_firing.isoformat(),
                       "resolved": g.resolved_at.isoformat() if g.resolved_at else None, "severity": g.severity})
    summ = g.first.annotations.get("summary") or g.first.annotations.get("description") or ""
    labels = ",".join(f"{k}={v}" for k, v in sorted(g.labels.items()) if k != "alertname")[:200]
    excerpt = redact(f"{g.name} {g.first.status} {g.first_firing.isoformat()} {{{labels}}} {summ}".strip())[:400]
    return f, [Cand("alert", g.first.source_file, g.pointer, g.first.line, g.first_firing, excerpt, text)]


def trace_findings(ta: tr.TraceAnalysis, win: Window) -> list[tuple[Finding, list[Cand]]]:
    out: list[tuple[Finding, list[Cand]]] = []
    by_dep: dict[tuple, list] = {}
    for leaf, caller in ta.failing:
        by_dep.setdefault((leaf.service, leaf.name, caller.service if caller else None), []).append((leaf, caller))
    for pairs in sorted(by_dep.values(), key=lambda p: (-len(p), p[0][0].start))[:5]:
        leaf, caller = pairs[0]
        text = tr.dependency_sentence(leaf, caller, len(pairs))
        f = Finding(kind="trace", text=text, time=leaf.start, role="mechanism",
                    score=_score("mechanism", 0.05 * math.log10(1 + len(pairs)) - 0.05),
                    attrs={"service": leaf.service, "operation": leaf.name, "caller": caller.service if caller else None,
                           "count": len(pairs), "status": leaf.status_message[:200]})
        excerpt = f"{leaf.service} {leaf.name} error={leaf.error} {leaf.duration_ms:.0f}ms {leaf.status_message}"[:300]
        out.append((f, [Cand("trace", leaf.source_file, tr.pointer(leaf), None, leaf.start, redact(excerpt), text)]))
    for st in ta.services[:3]:
        if st.worst is None:
            continue
        text = (f"Service {st.service}: {st.errors} of {st.spans} spans errored, p95 {st.p95_ms:.0f} ms, "
                f"slowest {st.max_ms:.0f} ms ('{st.worst.name}')")
        f = Finding(kind="trace", text=text, time=st.worst.start, role="symptom", score=_score("symptom", -0.1),
                    attrs={"service": st.service, "spans": st.spans, "errors": st.errors, "p95_ms": st.p95_ms,
                           "max_ms": st.max_ms})
        excerpt = f"{st.worst.service} {st.worst.name} {st.worst.duration_ms:.0f}ms error={st.worst.error}"
        out.append((f, [Cand("trace", st.worst.source_file, tr.pointer(st.worst), None, st.worst.start, excerpt, text)]))
    return out


_OPAQUE_ID = rx.compile(r"^P[A-Z0-9]{5,7}$")  # PagerDuty service ids say nothing about the service


def related(ev: Event, service: str) -> bool:
    """Whether a change touches the incident's service: same service, or its name (or the first word
    of it, 'edge' of 'edge-gateway') in the change's service or text."""
    svc = "" if not ev.service or _OPAQUE_ID.match(ev.service) else ev.service.lower()
    hay = f"{svc} {ev.text.lower()}"
    head = re.split(r"[-_. ]", service.lower())[0]
    return service.lower() in hay or (len(head) >= 3 and re.search(rf"\b{re.escape(head)}", hay) is not None)


def change_finding(ev: Event, win: Window, service: str | None) -> tuple[Finding, list[Cand]]:
    before = win.onset is None or ev.time <= win.onset
    other = bool(service) and not related(ev, service or "")
    if ev.kind == "command":
        role = "trigger" if before else "mitigation"
    elif ev.kind in ("rollback", "mitigation") and not before:
        role = "mitigation"
    elif before:
        role = "distractor" if other else "trigger"
    else:
        role = "mitigation" if ev.kind in ("deploy", "config_change") else "context"
    if before and win.onset and win.onset - ev.time > timedelta(hours=24):
        role = "context"
    what = {"command": "Operator command", "rollback": "Rollback", "deploy": "Deploy",
            "config_change": "Config change", "mitigation": "Mitigation"}.get(ev.kind, "Change")
    svc = f" to {ev.service}" if ev.service and not _OPAQUE_ID.match(ev.service) else ""
    text = f"{what}{svc} at {hhmmss(ev.time)}: {ev.text[:160]}"
    f = Finding(kind="command" if ev.kind == "command" else "change", text=text, time=ev.time, role=role,
                score=_score(role, _near(ev.time, win) + (0.05 if not other else 0)),
                attrs={"event_kind": ev.kind, "service": ev.service, "actor": ev.actor, "related": not other})
    src = "change" if ev.source == "change" else ev.source
    kind: EvidenceKind = src if src in ("change", "chat", "ticket", "log", "alert") else "change"  # type: ignore[assignment]
    return f, [Cand(kind, ev.source_file, ev.pointer, ev.line, ev.time, ev.text[:400], text)]
