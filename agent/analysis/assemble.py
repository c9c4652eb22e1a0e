"""Stages 3-4 glued together: bundle + evidence pack -> the offline Postmortem (no I/O, no LLM)."""

from __future__ import annotations

from datetime import datetime, timezone

from agent import impact as impact_stage
from agent import timeline as timeline_stage
from agent.analysis import incident, offline, ranking
from agent.analysis import series as ms
from agent.analysis.cite import Citations
from agent.models import Bundle, Event, EvidencePack, Postmortem, SectionSource, SignOff
from agent.settings import Settings

_EVENT_ROLES = ("error_rate", "latency", "saturation")
_PEOPLE_KINDS = {"acknowledge", "escalate", "assign", "chat", "note", "resolve", "other", "command", "mitigation"}
_BULK_KINDS = {"chat", "log"}
_SECTIONS = ("executive_summary", "impact", "timeline", "five_whys", "root_cause", "contributing_factors",
             "went_well", "went_wrong", "action_items", "lessons_learned")


def assemble(bundle: Bundle, pack: EvidencePack, *, settings: Settings | None = None,
             exclude: set[str] | frozenset[str] = frozenset(), departures: list[ms.Shift] | None = None) -> Postmortem:
    """The whole offline draft. Adds evidence for computed facts (metric peaks) to ``pack``.

    ``exclude`` holds chat ts / evidence ids that must not appear in the timeline (blameful chat).
    ``departures`` is ``departures(bundle)`` when the caller worked it out ahead.
    """
    settings = settings or Settings()
    cites = Citations(pack)
    severity = incident.severity(bundle)
    first_shifts = departures if departures is not None else _shifts(bundle, None)
    events = _events(bundle, pack, cites, first_shifts)
    tl = timeline_stage.build(events, severity=severity, incident_meta=bundle.meta, tickets=bundle.tickets,
                              people=people(bundle), exclude=exclude)
    shifts = _shifts(bundle, tl.start)
    imp = impact_stage.build(bundle.series, tl, meta=bundle.meta, citations=cites, shifts=shifts)
    draft = offline.analyze(bundle, pack, tl, imp, citations=cites, severity=severity, shifts=shifts)
    ranking.rank(tl, key_ids=draft.key_ids, quiet_ids=draft.quiet_ids, cause=draft.cause)
    primary = draft.services[0] if draft.services else None
    now = incident.incident_time(tl, bundle) or datetime(1970, 1, 1, tzinfo=timezone.utc)
    day = (tl.start or now).date()
    return Postmortem(
        incident_id=incident.incident_id(bundle, tl.start), title=incident.title(bundle, primary, None),
        date=day, severity=severity, duration=impact_stage.human_duration(tl.time_to_resolve_min),
        author=bundle.meta.author or "postmortem-agent (draft)", reviewers=list(bundle.meta.reviewers),
        distribution=list(bundle.meta.distribution) or ["Engineering", "Product", "Leadership"],
        impact=imp, timeline=tl, evidence=sorted(pack.evidence, key=lambda e: int(e.id[1:])),
        sign_off=_sign_off(bundle), follow_up_meeting=_follow_up(bundle, tl.resolved or now),
        generated_at=now, sections=[SectionSource(section=s, drafted_by="evidence") for s in _SECTIONS],
        missing=bundle.missing(), files=list(bundle.files), notes=_notes(bundle, pack, settings, draft.notes),
        **draft.fields())


def people(bundle: Bundle) -> set[str]:
    """Names and handles of people in the bundle, so row text can say "a responder" instead."""
    names = {m.user_name for m in bundle.chat} | {m.user for m in bundle.chat}
    names |= {a for t in bundle.tickets for a in t.assignees} | {c.actor for c in bundle.changes}
    names |= {e.actor for e in bundle.events if e.kind in _PEOPLE_KINDS}
    names |= {n.lstrip("@") for n in [bundle.meta.author or "", bundle.meta.approver or "", *bundle.meta.reviewers]}
    systems = {bundle.meta.service} | {t.service for t in bundle.tickets} | {a.service for a in bundle.alerts}
    systems |= {e.service for e in bundle.events} | {c.service for c in bundle.changes}
    return {n for n in names if n and n not in systems}


def departures(bundle: Bundle) -> list[ms.Shift]:
    """Each series' first sustained departure from its leading points. It needs only the bundle, so a
    big draft works it out while its logs are mined elsewhere."""
    return _shifts(bundle, None)


def _shifts(bundle: Bundle, before: datetime | None) -> list[ms.Shift]:
    return [s for s in (ms.find_shift(x, before=before) for x in bundle.series) if s]


def _events(bundle: Bundle, pack: EvidencePack, cites: Citations, shifts: list[ms.Shift]) -> list[Event]:
    """Pack events first (they carry evidence ids), then the bundle's, then records the sources did not
    turn into events (changes, alerts, tickets), then metric departures."""
    out = []
    known = list(pack.events) + list(bundle.events)
    for ev in known + _record_events(bundle, known, cites):
        if not ev.evidence_id or not cites.exists(ev.evidence_id):
            if ev.kind in _BULK_KINDS:
                continue  # chat and log lines the evidence stage did not select stay out (large bundles)
            ev = ev.model_copy(update={"evidence_id": cites.for_event_or_add(ev)})
        out.append(ev)
    covered = {e.attrs.get("series") for e in known if e.kind == "metric_change"}
    return out + [e for s in shifts if s.role in _EVENT_ROLES and s.series.series_id not in covered
                  for e in _shift_events(s, cites)]


_RECORD_KINDS = frozenset({"config_change", "rollback", "deploy", "alert_firing", "page"})  # what missing() asks


def _record_events(bundle: Bundle, known: list[Event], cites: Citations) -> list[Event]:
    have = {(e.kind, e.time.replace(second=0, microsecond=0)) for e in known if e.kind in _RECORD_KINDS}

    def missing(kind: str, t: datetime) -> bool:
        return (kind, t.replace(second=0, microsecond=0)) not in have

    out = []
    for c in bundle.changes:
        kind = "config_change" if c.kind == "config_change" else "rollback" if c.kind == "rollback" else "deploy"
        if missing(kind, c.time):
            text = f"{kind.replace('_', ' ').capitalize()} of {c.service or 'a service'}: {c.ref or c.description}"
            out.append(Event(time=c.time, source="change", kind=kind, text=text, service=c.service,
                             source_file=c.source_file, line=c.line, pointer=f"{c.source_file}:{c.line or 0}",
                             actor=c.actor, evidence_id=cites.for_change(c)))
    for a in bundle.alerts:
        if a.status == "firing" and missing("alert_firing", a.starts_at):
            summary = a.annotations.get("summary") or a.annotations.get("description") or ""
            out.append(Event(time=a.starts_at, source="alert", kind="alert_firing", key=f"alert:{a.fingerprint}",
                             text=f"Alert {a.name} fired" + (f": {summary}" if summary else ""), service=a.service,
                             source_file=a.source_file, pointer=f"alert:{a.fingerprint}", evidence_id=cites.for_alert(a)))
    for t in bundle.tickets:
        if t.created_at and missing("page", t.created_at):
            out.append(Event(time=t.created_at, source="ticket", kind="page", text=f"{t.system} incident opened: "
                             f"{t.title}", source_file=t.source_file, pointer=f"{t.source_file}#{t.id}",
                             evidence_id=cites.for_ticket(t)))
    return out


def _shift_events(s: ms.Shift, cites: Citations) -> list[Event]:
    name = s.series.series_id
    before, peak = ms.fmt_value(s.baseline, s.series, s.role), ms.fmt_value(s.peak, s.series, s.role)
    eid = cites.for_series(s.series, s.start, f"{name}: {before} -> {peak} from {s.start:%Y-%m-%d %H:%M} UTC")
    verb = "rose" if s.direction == "up" else "fell"
    out = [Event(time=s.start, source="metric", kind="metric_change", text=f"{s.series.name} {verb} from {before} "
                 f"(baseline) towards {peak}", source_file=s.series.source_file, pointer=f"{name}@{s.start:%H:%M}",
                 attrs={"direction": s.direction, "role": s.role}, evidence_id=eid, importance=0.7)]
    if s.recovered and s.role != "saturation":
        rid = cites.for_series(s.series, s.recovered, f"{name}: back to {before} at {s.recovered:%Y-%m-%d %H:%M} UTC")
        out.append(Event(time=s.recovered, source="metric", kind="metric_change",
                         text=f"{s.series.name} back to baseline ({before})", source_file=s.series.source_file,
                         pointer=f"{name}@{s.recovered:%H:%M}", attrs={"direction": "recovery", "role": s.role},
                         evidence_id=rid, importance=0.7))
    return out


def _sign_off(bundle: Bundle) -> list[SignOff]:
    meta = bundle.meta
    reviewer = meta.reviewers[0] if meta.reviewers else "TBD"
    return [SignOff(role="Author", name=meta.author or "TBD"), SignOff(role="Reviewed", name=reviewer),
            SignOff(role="Approved", name=meta.approver or "TBD")]


def _follow_up(bundle: Bundle, resolved: datetime) -> datetime:
    """incident.yaml's follow_up, else a proposal: 10:00 UTC on the next business day after resolution."""
    if bundle.meta.follow_up:
        return bundle.meta.follow_up
    from agent.render.ics import propose_slot

    return propose_slot(resolved.date())


FILES_NAMED = 3  # files named per (status, reason) in the notes; every file is in the JSON report's "files"


def _notes(bundle: Bundle, pack: EvidencePack, settings: Settings, extra: list[str]) -> list[str]:
    notes = list(bundle.warnings) + _file_notes(bundle)
    if settings.llm == "offline":
        notes.append("Drafted offline from the evidence (no LLM configured).")
    if pack.dropped:
        notes.append(f"{pack.dropped} evidence items were left out to fit the {pack.token_budget}-token budget.")
    if not bundle.meta.distribution:
        notes.append("No distribution list in incident.yaml; defaulted to Engineering, Product and Leadership.")
    if not bundle.meta.follow_up:
        notes.append("Follow-up meeting time is a proposal (next business day after resolution); confirm it.")
    return notes + extra


def _file_notes(bundle: Bundle) -> list[str]:
    """A note per file not parsed, in bundle order; when more than a few share a status and reason (a
    bundle of thousands of pod logs, say), one note for them at the first one's place, naming a few
    (postmortem.json lists every file)."""
    groups: dict[tuple[str, str | None], list[str]] = {}
    for f in bundle.files:
        if f.status != "parsed":
            groups.setdefault((f.status, f.reason), []).append(f.path)
    notes = []
    for f in bundle.files:
        if f.status == "parsed":
            continue
        paths, why = groups[(f.status, f.reason)], f" ({f.reason})" if f.reason else ""
        if len(paths) <= FILES_NAMED + 1:
            notes.append(f"{f.path}: {f.status}{why}")
        elif f.path == paths[0]:
            notes.append(f"{len(paths)} files {f.status}{why}: {', '.join(paths[:FILES_NAMED])} and "
                         f"{len(paths) - FILES_NAMED} more (postmortem.json lists every file)")
    return notes
