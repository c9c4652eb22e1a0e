"""postmortem.md: the seed's template, section by section, with ``[E3, E7]`` citations that resolve to
entries in the Appendix."""

from __future__ import annotations

from collections.abc import Iterable

from agent.analysis.incident import SEV_LABEL
from agent.models import Claim, Evidence, Postmortem, TimelineEntry

PHASE_MARK = {
    "start": "🔴 **INCIDENT START** - ", "detection": "🚨 **DETECTED** - ", "acknowledgement": "👀 **ACKNOWLEDGED** - ",
    "escalation": "⬆️ **ESCALATED** - ", "mitigation_attempt": "🛠️ **MITIGATION ATTEMPT** - ",
    "mitigation": "🟡 **MITIGATED** - ", "resolution": "🟢 **INCIDENT RESOLVED** - ",
}
STATUS_MARK = {"todo": "📋 To Do", "in_progress": "🔄 In Progress", "done": "✅ Done", "scheduled": "📅 Scheduled"}
_GRAN = {"minute": "minute by minute", "5min": "5-minute rows for low-importance events",
         "hour": "hourly rows for low-importance events"}
_APPENDIX = (("Logs (Redacted)", ("log", "log_template")), ("Metrics", ("metric", "changepoint")),
             ("Alerts", ("alert",)), ("Traces", ("trace",)), ("Tickets and Changes", ("ticket", "change")),
             ("Chat", ("chat",)), ("Incident Record", ("manual",)))
RULE = "\n---\n"


def cite(ids: Iterable[str]) -> str:
    ids = list(dict.fromkeys(ids))
    return f" [{', '.join(ids)}]" if ids else ""


def cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def render(pm: Postmortem) -> str:
    """The whole report as Markdown."""
    parts = [header(pm), summary(pm), impact(pm), timeline(pm), rca(pm), factors(pm),
             numbered("What Went Well", pm.went_well), numbered("What Went Wrong", pm.went_wrong),
             actions(pm), numbered("Lessons Learned", pm.lessons_learned), patterns(pm), appendix(pm), sign_off(pm)]
    return RULE.join(parts).rstrip() + "\n"


def header(pm: Postmortem) -> str:
    sev = f"{pm.severity} ({SEV_LABEL[pm.severity]})" if pm.severity in SEV_LABEL else pm.severity
    rows = [("Incident ID", pm.incident_id), ("Date", pm.date.isoformat()), ("Severity", sev),
            ("Duration", pm.duration), ("Status", pm.status), ("Author", pm.author),
            ("Reviewers", ", ".join(pm.reviewers) or "TBD"), ("Owning Team", pm.owning_team),
            ("Services", ", ".join(pm.services) or "unknown")]
    lines = [f"# Postmortem: {pm.title}", ""] + [f"**{k}:** {v}  " for k, v in rows]
    lines += ["", f"> Blameless first draft generated from the incident's own data ({pm.generated_at:%Y-%m-%d %H:%M} "
              "UTC). Every bracketed citation of evidence ids points to an entry in the Appendix. Review before "
              "publishing.", ""]
    return "\n".join(lines)


def summary(pm: Postmortem) -> str:
    return f"## Executive Summary\n\n{pm.executive_summary.text}{cite(pm.executive_summary.evidence_ids)}\n"


def impact(pm: Postmortem) -> str:
    lines = ["## Impact", "", "| Metric | Value |", "|--------|-------|"]
    lines += [f"| **{cell(r.metric)}** | {cell(r.value)}{cite(r.evidence_ids)} |" for r in pm.impact.rows]
    if pm.impact.sla_note:
        lines += ["", f"SLA method: {pm.impact.sla_note}"]
    return "\n".join(lines) + "\n"


def _time(entry: TimelineEntry, multi_day: bool) -> str:
    return entry.time.strftime("%m-%d %H:%M" if multi_day else "%H:%M")


def timeline(pm: Postmortem) -> str:
    tl = pm.timeline
    multi_day = len({e.time.date() for e in tl.entries}) > 1
    lines = ["## Timeline", "", "All times in UTC." + (" Dates are shown as MM-DD." if multi_day else ""), "",
             "| Time | Event |", "|------|-------|"]
    for e in tl.entries:
        mark = PHASE_MARK.get(e.phase or "", "")
        lines.append(f"| **{_time(e, multi_day)}** | {mark}{cell(e.text)}{cite(e.evidence_ids)} |")
    durations = [("Time to detect", tl.time_to_detect_min), ("Time to acknowledge", tl.time_to_acknowledge_min),
                 ("Time to mitigate", tl.time_to_mitigate_min), ("Time to resolve", tl.time_to_resolve_min)]
    known = [f"{k}: {v:g} min" for k, v in durations if v is not None]
    lines += ["", f"Granularity: {_GRAN[tl.granularity]} ({pm.severity})."]
    if known:
        lines.append("Key durations: " + "; ".join(known) + ".")
    return "\n".join(lines) + "\n"


def rca(pm: Postmortem) -> str:
    rc = pm.root_cause
    lines = ["## Root Cause Analysis (5-Whys)", "", "### Problem Statement", "",
             pm.problem_statement or pm.five_whys.problem_statement, "", "### 5-Whys Analysis", ""]
    for n, why in enumerate(pm.five_whys.whys, start=1):
        lines += [f"{n}. **{why.question}**", f"   - {why.answer}{cite(why.evidence_ids)}"]
    lines += ["", "### Root Cause", "", f"**Hypothesis** (confidence {rc.confidence:.2f}, category "
              f"`{rc.category}`): {rc.hypothesis}{cite(rc.evidence_ids)}", "", "**What would confirm it:**", ""]
    lines += [f"- {c}" for c in rc.confirm_with] or ["- Further investigation by the owning team."]
    if rc.alternatives:
        lines += ["", "**Alternatives considered:**", ""] + [f"- {a}" for a in rc.alternatives]
    if pm.trigger_candidates:
        lines += ["", "### Trigger Candidates", ""]
        lines += [f"- {c.text}{cite(c.evidence_ids)}" for c in pm.trigger_candidates]
    return "\n".join(lines) + "\n"


def factors(pm: Postmortem) -> str:
    lines = ["## Contributing Factors", ""]
    lines += [f"{n}. **{f.title}**: {f.detail}{cite(f.evidence_ids)}"
              for n, f in enumerate(pm.contributing_factors, start=1)] or ["None identified from the evidence."]
    return "\n".join(lines) + "\n"


def numbered(title: str, claims: list[Claim]) -> str:
    lines = [f"## {title}", ""]
    lines += [f"{n}. {c.text}{cite(c.evidence_ids)}" for n, c in enumerate(claims, start=1)] or \
        ["Nothing identified from the evidence."]
    return "\n".join(lines) + "\n"


def actions(pm: Postmortem) -> str:
    lines = ["## Action Items (Remediation Plan)", "", "| ID | Action | Owner | Deadline | Status | Kind |",
             "|----|--------|-------|----------|--------|------|"]
    for a in pm.action_items:
        owner = a.owner if a.owner.startswith("@") or a.owner == "unassigned" else f"@{a.owner}"
        lines.append(f"| **{a.id}** | {cell(a.action)}{cite(a.evidence_ids)} | {cell(owner)} | {a.deadline.isoformat()}"
                     f" | {STATUS_MARK.get(a.status, a.status)} | {a.kind} |")
    return "\n".join(lines) + "\n"


def patterns(pm: Postmortem) -> str:
    pa = pm.pattern_analysis
    lines = ["## Pattern Analysis (Cross-Incident Trends)", "", pa.note]
    if pa.similar:
        lines += ["", "| Date | Incident | Category | Similarity | Shared signals |", "|---|---|---|---|---|"]
        lines += [f"| {s.date or ''} | {_linked(s.id, s.link)}: {cell(s.title)} | {s.category or ''} | {s.score:.2f} | "
                  f"{cell(', '.join(s.shared_signals))} |" for s in pa.similar]
    if pa.recurrence:
        lines += ["", pa.recurrence]
    if pa.recommendation:
        lines += ["", f"**Recommendation:** {pa.recommendation}"]
    return "\n".join(lines) + "\n"


def _linked(text: str, link: str | None) -> str:
    """``[text](link)`` when the past incident has a link (its URL or its file in the library)."""
    return f"[{cell(text)}]({link.replace(' ', '%20').replace(')', '%29')})" if link else cell(text)


def cited_ids(pm: Postmortem) -> list[str]:
    """Every evidence id the report cites, in id order."""
    ids: set[str] = set(pm.executive_summary.evidence_ids) | set(pm.root_cause.evidence_ids)
    for group in (pm.impact.rows, pm.timeline.entries, pm.five_whys.whys, pm.trigger_candidates,
                  pm.contributing_factors, pm.went_well, pm.went_wrong, pm.action_items, pm.lessons_learned):
        for item in group:
            ids.update(item.evidence_ids)
    return sorted(ids, key=lambda i: int(i[1:]) if i[1:].isdigit() else 0)


def _evidence_item(e: Evidence) -> list[str]:
    when = f" ({e.time:%Y-%m-%d %H:%M:%S} UTC)" if e.time else ""
    head = f"- **{e.id}** `{e.pointer}`{when}" + (f": {e.summary}" if e.summary else "")
    body = e.excerpt.replace("```", "'''").rstrip()
    return [head, "", "  ```", *[f"  {line}" for line in body.splitlines()[:12]], "  ```", ""]


def appendix(pm: Postmortem) -> str:
    flagged = {f.evidence_id for f in pm.chat_flags if f.evidence_id}  # blameful chat is never quoted
    by_id = {e.id: e for e in pm.evidence if e.id not in flagged}
    cited = [by_id[i] for i in cited_ids(pm) if i in by_id]
    lines = ["## Appendix: Supporting Evidence", ""]
    for title, kinds in _APPENDIX:
        group = [e for e in cited if e.kind in kinds]
        if group:
            lines += [f"### {title}", ""] + [line for e in group for line in _evidence_item(e)]
    uncited = len(pm.evidence) - len(cited)
    if uncited > 0:
        lines += [f"{uncited} further evidence items were collected but not cited; see postmortem.json.", ""]
    return "\n".join(lines + data_sources(pm) + reviewer_notes(pm))


def data_sources(pm: Postmortem) -> list[str]:
    parsed = [f for f in pm.files if f.status == "parsed"]
    lines = ["### Data sources", "", f"- Files parsed: {len(parsed)} of {len(pm.files)}."]
    if pm.missing:
        lines.append(f"- Missing from the bundle: {', '.join(pm.missing)}.")
    lines += [f"- {n}" for n in pm.notes]
    return lines + [""] + provenance(pm)


_DRAFTED = {"evidence": "derived from evidence (offline)", "llm": "drafted by the model, grounded in cited evidence",
            "fallback": "offline draft (the model's answer was not used)"}


def provenance(pm: Postmortem) -> list[str]:
    """Which sections the model drafted and which were derived from the evidence (issue 5)."""
    if not pm.sections:
        return []
    lines = ["### How each section was drafted", "", "| Section | Drafted | Note |", "|---|---|---|"]
    for s in pm.sections:
        lines.append(f"| {s.section.replace('_', ' ')} | {_DRAFTED[s.drafted_by]} | {cell(s.note)} |")
    return lines + [""]


def reviewer_notes(pm: Postmortem) -> list[str]:
    if not pm.chat_flags:
        return []
    lines = ["### Reviewer notes", "", "Chat messages that may read as blameful (not quoted here; review them in "
             "the source):", ""]
    by_ts: dict[str, list] = {}
    for f in sorted(pm.chat_flags, key=lambda f: (f.time, f.ts, f.rule)):
        by_ts.setdefault(f.ts, []).append(f)
    for ts, flags in by_ts.items():
        f = flags[0]
        rules = ", ".join(dict.fromkeys(x.rule for x in flags))
        lines.append(f"- {f.time:%Y-%m-%d %H:%M:%S} UTC in #{f.channel.lstrip('#')} (ts {ts}; {rules})")
    return lines + [""]


def sign_off(pm: Postmortem) -> str:
    lines = ["## Sign-Off", "", "| Role | Name | Date |", "|---|---|---|"]
    lines += [f"| {cell(s.role)} | {cell(s.name)} | {cell(s.date)} |" for s in pm.sign_off]
    follow = f"{pm.follow_up_meeting:%Y-%m-%d %H:%M} UTC" if pm.follow_up_meeting else "to be scheduled"
    lines += ["", f"**Distribution:** {', '.join(pm.distribution) or 'TBD'}", "",
              f"**Postmortem Status:** {pm.status}", "", f"**Follow-Up Meeting:** {follow}"]
    return "\n".join(lines) + "\n"
