"""Trigger candidates: changes, deploys, config pushes and operator commands shortly before the onset.

A change is a candidate when it happened in the two hours before the onset (or in the first two
minutes after it). It is a distractor, never the cause, when it touched a service that is not among
the failing ones, or when it happened after the failures began.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from agent.analysis.cite import Citations
from agent.models import Bundle, Change, Event, EvidencePack

WINDOW = timedelta(hours=2)
GRACE = timedelta(minutes=2)
AFTER = timedelta(minutes=15)  # changes this soon after the onset are listed, as ruled out
_OPAQUE = re.compile(r"^[A-Z0-9]{5,}$")  # PagerDuty-style service ids say nothing about the service
_SERVICE_WORD = re.compile(r"\b[a-z][a-z0-9]*(?:-[a-z0-9]+)+\b")
DESTRUCTIVE = re.compile(
    r"\b(drop\s+(table|database|schema)|truncate\s+table|delete\s+from|rm\s+-[a-z]*r[a-z]*f|rm\s+-[a-z]*f[a-z]*r|"
    r"kubectl\s+delete|terraform\s+destroy|dropdb|flushall|flushdb|mkfs|wipe|purge|deleted?\s+(the\s+)?"
    r"(volume|bucket|cluster|namespace|database|table|index))", re.I)


@dataclass
class Candidate:
    kind: str  # deploy | config_change | command | rollback | other
    time: datetime
    service: str | None
    label: str
    evidence_ids: list[str]
    score: float = 0.0
    distractor: bool = False
    why_not: str = ""
    destructive: bool = False
    attrs: dict = field(default_factory=dict)


def label_for(kind: str, service: str | None, detail: str, t: datetime) -> str:
    """'the deploy of api (v2.3.1) at 13:52 UTC': names systems and versions, never people."""
    noun = {"deploy": "the deploy", "config_change": "the configuration change", "command": "the operator command",
            "rollback": "the rollback"}.get(kind, "the change")
    target = f" of {service}" if service and kind != "command" else ""
    detail = " ".join(detail.split())[:80]
    return f"{noun}{target} ({detail}) at {t:%H:%M} UTC" if detail else f"{noun}{target} at {t:%H:%M} UTC"


def find(bundle: Bundle, pack: EvidencePack, citations: Citations, *, onset: datetime | None,
         failing: list[str]) -> list[Candidate]:
    """All change-like candidates near the onset, scored, best first; distractors flagged."""
    if onset is None:
        return []
    cands = [_from_change(c, citations, failing) for c in bundle.changes]
    seen = {(c.time, c.kind) for c in cands}
    for ev in list(pack.events) + list(bundle.events):
        if ev.kind in ("deploy", "config_change", "command") and (ev.time, ev.kind) not in seen:
            seen.add((ev.time, ev.kind))
            cands.append(_from_event(ev, citations, failing))
    trigger_hint = {i for f in pack.findings if f.role == "trigger" for i in f.evidence_ids}
    out = [c for c in (_score(c, onset, failing, trigger_hint) for c in cands) if c is not None]
    return _one_per_change(sorted(out, key=lambda c: (c.distractor, -c.score, -c.time.timestamp())))


def _one_per_change(cands: list[Candidate]) -> list[Candidate]:
    """A deployment's 'created' and 'success' records are one change: keep the best-ranked."""
    seen: set[tuple] = set()
    out = []
    for c in cands:
        ident = (c.kind, c.service, re.sub(r"\bat \d\d:\d\d UTC$", "", re.sub(r":\s*(created|success|pending|"
                                                                               r"in_progress|queued)\b", "", c.label)))
        if ident not in seen:
            seen.add(ident)
            out.append(c)
    return out


def service_of(service: str | None, text: str, failing: list[str]) -> str | None:
    """The service a change touched: its own field unless that is an opaque id, else a failing service
    named in its text, else the first service-like name (kebab-case) in its text."""
    if service and not _OPAQUE.match(service):
        return service
    low = text.lower()
    named = [f for f in failing if f.lower() in low]
    if named:
        return named[0]
    words = _SERVICE_WORD.findall(text)
    return words[0] if words else service


def _from_change(c: Change, citations: Citations, failing: list[str]) -> Candidate:
    detail = c.ref or _strip_actor(c.description, c.actor)
    svc = service_of(c.service, c.description, failing)
    return Candidate(c.kind, c.time, svc, label_for(c.kind, svc, detail, c.time),
                     [citations.for_change(c)], destructive=bool(DESTRUCTIVE.search(c.description)))


def _from_event(ev: Event, citations: Citations, failing: list[str]) -> Candidate:
    detail = _strip_actor(ev.attrs.get("ref") or ev.text, ev.actor)
    svc = service_of(ev.service, ev.text, failing)
    return Candidate(ev.kind, ev.time, svc, label_for(ev.kind, svc, detail, ev.time),
                     [citations.for_event_or_add(ev)], destructive=bool(DESTRUCTIVE.search(ev.text)))


def _strip_actor(text: str, actor: str | None) -> str:
    if actor:
        text = text.replace(actor, "").replace("by  ", "").strip(" -:,")
    return re.sub(r"\s+by\s+@?[\w.-]+$", "", text)


def _score(c: Candidate, onset: datetime, failing: list[str], hinted: set[str]) -> Candidate | None:
    if c.kind == "rollback" or not (onset - WINDOW <= c.time <= onset + AFTER):
        return None
    closeness = 1 - (onset - c.time).total_seconds() / WINDOW.total_seconds()
    c.score = round(min(max(closeness, 0.0), 1.0) * 0.5 + (0.3 if hinted & set(c.evidence_ids) else 0.0), 3)
    related = c.service is None or not failing or c.service in failing
    if c.kind == "command":
        related = related or c.destructive
    if not related:
        c.distractor, c.why_not = True, f"{c.service} is not among the failing services ({', '.join(failing)})"
    elif c.time > onset + GRACE:
        c.distractor, c.why_not = True, "it happened after the failures began"
    elif c.kind == "command" and not c.destructive:
        c.score *= 0.5
    else:
        c.score += 0.3 if c.service in failing else 0.1
    return c


def best(cands: list[Candidate]) -> Candidate | None:
    """The most likely trigger, or None when every candidate is a distractor."""
    real = [c for c in cands if not c.distractor and c.score >= 0.2]
    return real[0] if real else None
