"""Trigger candidates: changes, deploys, config pushes and operator commands shortly before the onset.

A change is a candidate when it happened in the two hours before the onset (or in the first two
minutes after it). It is a distractor, never the cause, when it touched a service that is not among
the failing ones, or when it happened after the failures began.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from agent import rxcache as rx
from agent.analysis.cite import Citations
from agent.models import Bundle, Change, Event, EvidencePack

WINDOW = timedelta(hours=2)
GRACE = timedelta(minutes=2)
AFTER = timedelta(minutes=15)  # changes this soon after the onset are listed, as ruled out
_OPAQUE = rx.compile(r"^[A-Z0-9]{5,}$")  # PagerDuty-style service ids say nothing about the service
_SERVICE_WORD = rx.compile(r"\b[a-z][a-z0-9]*(?:-[a-z0-9]+)+\b(?!\.\w)")  # not a host name (lb-1.internal)
DESTRUCTIVE = rx.compile(
    r"\b(drop\s+(table|database|schema)|truncate\s+table|delete\s+from|rm\s+-[a-z]*r[a-z]*f|rm\s+-[a-z]*f[a-z]*r|"
    r"kubectl\s+delete|terraform\s+destroy|dropdb|flushall|flushdb|mkfs|wipe|purge|deleted?\s+(the\s+)?"
    r"(volume|bucket|cluster|namespace|database|table|index))", re.I)


@dataclass
class Candidate:
    kind: str  # deploy | config_change | capacity | command | rollback | other
    time: datetime
    service: str | None
    label: str
    evidence_ids: list[str]
    score: float = 0.0
    distractor: bool = False
    why_not: str = ""
    destructive: bool = False
    attrs: dict = field(default_factory=dict)


# "Operator command in the logs at 22:30:05: May 27 22:30:05 headnode remote-exec[1]: ..." -> "remote-exec[1]: ..."
_LOG_PREFIX = rx.compile(r"^(?:[A-Z][\w ]{0,40} at \d\d:\d\d(?::\d\d)?:\s*)?(?:[A-Z][a-z]{2}\s+\d+\s+\d\d:\d\d:\d\d\s+\S+\s+|"
                         r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d\S*\s+)?")


def label_for(kind: str, service: str | None, detail: str, t: datetime) -> str:
    """'the deploy of api (v2.3.1) at 13:52 UTC': names systems and versions, never people."""
    noun = {"deploy": "the deploy", "capacity": "the capacity change", "config_change": "the configuration change", "command": "the operator command",
            "rollback": "the rollback"}.get(kind, "the change")
    target = f" of {service}" if service and kind != "command" else ""
    detail = _LOG_PREFIX.sub("", " ".join(detail.split()))
    _, sep, human = detail.partition(" - ")
    detail = human if sep and len(human) > 10 else detail
    detail = detail if len(detail) <= 80 else detail[:80].rsplit(" ", 1)[0] + "..."
    return f"{noun}{target} ({detail}) at {t:%H:%M} UTC" if detail else f"{noun}{target} at {t:%H:%M} UTC"


_STOP = {"deploy", "deployed", "deployment", "release", "config", "configuration", "change", "changes", "production",
         "version", "service", "update", "updated", "rollout", "success", "created", "pending", "staging", "with",
         "from", "into", "this", "that", "main", "master", "merge", "merged", "build", "the", "and", "for", "new"}


def tokens(text: str) -> set[str]:
    """Distinctive words of a text: service-like names and words of 4+ letters, minus change jargon."""
    words = set(re.findall(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)+|[a-z]{4,}", text.lower()))
    parts = {p for w in words if "-" in w for p in w.split("-") if len(p) >= 4}
    return (words | parts) - _STOP


def find(bundle: Bundle, pack: EvidencePack, citations: Citations, *, onset: datetime | None,
         failing: list[str], context: str = "") -> list[Candidate]:
    """All change-like candidates near the onset, scored, best first; distractors flagged.

    ``context`` is the incident's own text (title, alert names, new error templates): a change that
    names neither a failing service nor anything in that text is unrelated.
    """
    if onset is None:
        return []
    ctx_tokens = tokens(context) | {t for f in failing for t in tokens(f)}
    cands = [_from_change(c, citations, failing) for c in bundle.changes]
    seen = {(c.time, c.kind) for c in cands}
    for ev in list(pack.events) + list(bundle.events):
        if ev.kind in ("deploy", "config_change", "command") and (ev.time, ev.kind) not in seen:
            seen.add((ev.time, ev.kind))
            cands.append(_from_event(ev, citations, failing))
    trigger_hint = {i for f in pack.findings if f.role == "trigger" for i in f.evidence_ids}
    for c in cands:
        c.attrs["overlap"] = sorted(tokens(c.label) & ctx_tokens)
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
    words = _SERVICE_WORD.findall(text) or re.findall(r"(?i)\b(?:deploy(?:ed|ing)?|release|rollout|upgrade)\s+"
                                                     r"(?:of\s+)?([a-z][a-z0-9_-]{2,})", text)
    return words[0] if words else (None if service and _OPAQUE.match(service) else service)


_CAPACITY_WORDS = rx.compile(r"(?i)\b(capacity (?:addition|increase|change|expansion)|add(?:ed|ing)? (?:\d+ )?(?:new )?"
                             r"(?:servers|hosts|nodes|instances|capacity)|scal(?:e|ed|ing) (?:up|out|in|down)|"
                             r"resiz(?:e|ed|ing)|(?:more|new) (?:servers|hosts|nodes|instances)|fleet (?:size|expansion))")
# An operator command that takes many machines down at once: not data loss, but an operator action all the same.
DISRUPTIVE = rx.compile(r"(?i)\b(reboot|shutdown|shut down|power[- ]?(?:off|cycle)|halt|restart(?:ing)?|drain|"
                        r"failover|decommission|terminate|kill)\b.{0,60}\b(all|every|entire|whole|\d{2,})\b|"
                        r"\bno (?:node |host )?filter\b|\bALL\b.{0,30}\b(?:servers|hosts|nodes)\b")

_CONFIG_WORDS = rx.compile(r"(?i)\b(config|configuration|routes?|routing|flags?|feature[- ]flag|settings?|parameters?|"
                           r"polic(?:y|ies)|rules?|dns record|firewall|terraform|values\.ya?ml)\b")


def kind_of(kind: str, text: str) -> str:
    """A feed's 'deploy' that only pushes configuration is a config change; one that adds or removes
    servers is a capacity change."""
    if kind in ("deploy", "config_change", "other") and _CAPACITY_WORDS.search(text):
        return "capacity"
    if kind == "deploy" and _CONFIG_WORDS.search(text) and not re.search(r"(?i)\bdeploy|\brelease\b|\bbuild\b", text):
        return "config_change"
    return kind


def _from_change(c: Change, citations: Citations, failing: list[str]) -> Candidate:
    detail = _strip_actor(c.description, c.actor) or c.ref or ""
    svc = service_of(c.service, c.description, failing)
    kind = kind_of(c.kind, c.description)
    return Candidate(kind, c.time, svc, label_for(kind, svc, detail, c.time),
                     [citations.for_change(c)], destructive=_destructive(kind, c.description))


def _from_event(ev: Event, citations: Citations, failing: list[str]) -> Candidate:
    detail = _strip_actor(ev.attrs.get("ref") or ev.text, ev.actor)
    svc = service_of(ev.service, ev.text, failing)
    kind = kind_of(ev.kind, ev.text)
    return Candidate(kind, ev.time, svc, label_for(kind, svc, detail, ev.time),
                     [citations.for_event_or_add(ev)], destructive=_destructive(kind, ev.text))


def _destructive(kind: str, text: str) -> bool:
    return bool(DESTRUCTIVE.search(text)) or (kind == "command" and bool(DISRUPTIVE.search(text)))


def _strip_actor(text: str, actor: str | None) -> str:
    if actor:
        text = text.replace(actor, "").replace("by  ", "").strip(" -:,")
    return re.sub(r"\s+by\s+@?[\w.-]+$", "", text)


def _score(c: Candidate, onset: datetime, failing: list[str], hinted: set[str]) -> Candidate | None:
    if c.kind == "rollback" or not (onset - WINDOW <= c.time <= onset + AFTER):
        return None
    closeness = 1 - (onset - c.time).total_seconds() / WINDOW.total_seconds()
    c.score = round(min(max(closeness, 0.0), 1.0) * 0.5 + (0.3 if hinted & set(c.evidence_ids) else 0.0), 3)
    named = c.service is not None and c.service in failing
    related = named or bool(c.attrs.get("overlap")) or (c.service is None and not failing) or \
        (c.kind == "command" and c.destructive)
    if not related:
        what = c.service or "it"
        c.distractor, c.why_not = True, (f"{what} is not among the failing services ({', '.join(failing) or 'none'}) "
                                         "and shares nothing with the incident's errors")
    elif c.time > onset + GRACE:
        c.distractor, c.why_not = True, "it happened after the failures began"
    elif c.kind == "command" and not c.destructive:
        c.score *= 0.5
    elif c.kind == "command":  # a command that removes data or takes machines down, right before the onset
        c.score += 0.4
    else:
        c.score += 0.3 if named else 0.1 + 0.05 * min(len(c.attrs.get("overlap", [])), 4)
    return c


def best(cands: list[Candidate]) -> Candidate | None:
    """The most likely trigger, or None when every candidate is a distractor."""
    real = [c for c in cands if not c.distractor and c.score >= 0.2]
    return real[0] if real else None
