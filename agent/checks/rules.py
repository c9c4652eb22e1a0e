"""The seed's non-negotiable process rules, checked on a Postmortem or on any markdown postmortem.

Both inputs are reduced to the same ``Facts``; each rule is a small function Facts -> RuleResult.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from agent.checks.blameless import lint_text
from agent.checks.fields import prose_slots
from agent.models import Postmortem, RuleResult

GROUPS = {
    "engineering": r"engineer|eng\b|sre|devops|developer|dev\b|backend|frontend|platform|infra|ops\b|oncall|on-call|tech",
    "product": r"product|\bpm\b|\bpms\b",
    "leadership": r"leader|exec|vp\b|vps\b|cto|ceo|cio|coo|director|management|head of|c-level|staff meeting|leads?\b",
}
DONE = {"completed", "complete", "final", "published", "closed", "done", "approved", "reviewed"}
FOLLOW_UP_DAYS = 3
COMPLETE_DAYS = 5


@dataclass
class Facts:
    """What the rules need to know, whatever the input format."""

    severity: int | None = None
    incident_date: date | None = None
    resolved: date | None = None
    timeline_entries: int = 0
    timeline_precision: str | None = None  # "minute" | "hour" | "day"
    timeline_max_gap_min: float | None = None
    whys: int = 0
    actions: list[dict[str, str]] = field(default_factory=list)
    distribution: str = ""
    follow_up: date | None = None
    pattern: str = ""
    status: str = ""
    completed_on: date | None = None
    blame_errors: list[str] = field(default_factory=list)


def check(pm: Postmortem) -> list[RuleResult]:
    """Pass/fail with a reason for each of the seed's rules, on a Postmortem."""
    return evaluate(facts_from_postmortem(pm))


def evaluate(facts: Facts) -> list[RuleResult]:
    return [rule(facts) for rule in RULES]


def parse_severity(text: str | None) -> int | None:
    """'SEV-1', 'sev 2', 'P1', 'Critical' -> 1..5."""
    if not text:
        return None
    m = re.search(r"\b(?:sev|p|severity|level)[\s_-]*([0-5])\b", text, re.I)
    if m:
        return max(1, int(m.group(1)))
    words = {"critical": 1, "major": 2, "high": 2, "medium": 3, "moderate": 3, "minor": 4, "low": 4}
    return next((v for k, v in words.items() if k in text.lower()), None)


# --------------------------------------------------------------------------- Postmortem -> Facts


def facts_from_postmortem(pm: Postmortem) -> Facts:
    times = sorted(e.time for e in pm.timeline.entries)
    resolved = pm.timeline.resolved or (times[-1] if times else None)
    return Facts(
        severity=parse_severity(pm.severity),
        incident_date=pm.date,
        resolved=resolved.date() if resolved else pm.date,
        timeline_entries=len(times),
        timeline_precision=precision_of([(t.hour, t.minute) for t in times]) if times else None,
        timeline_max_gap_min=max_gap(times),
        whys=sum(1 for w in pm.five_whys.whys if w.question.strip() and w.answer.strip()),
        actions=[{"owner": a.owner, "deadline": a.deadline.isoformat(), "status": a.status} for a in pm.action_items],
        distribution=" ; ".join(pm.distribution),
        follow_up=pm.follow_up_meeting.date() if pm.follow_up_meeting else None,
        pattern=_pattern_text(pm),
        status=pm.status,
        completed_on=_completed_on(pm),
        blame_errors=_blame_errors(pm),
    )


def _pattern_text(pm: Postmortem) -> str:
    pa = pm.pattern_analysis
    if not pa.configured:
        return ""
    parts = [pa.recurrence or "", pa.recommendation or "", *(s.title for s in pa.similar)]
    return " ".join(p for p in parts if p) or pa.note


def _completed_on(pm: Postmortem) -> date | None:
    dates = [d for d in (parse_date(s.date) for s in pm.sign_off) if d]
    if dates:
        return max(dates)
    return pm.generated_at.date() if is_done(pm.status) else None


def _blame_errors(pm: Postmortem) -> list[str]:
    data = pm.model_dump(mode="json")
    return [f"{slot.path}: {f.text!r} ({f.rule})" for slot in prose_slots(data)
            for f in lint_text(slot.text) if f.severity == "error"]


def precision_of(hm: list[tuple[int, int]]) -> str:
    """'minute' when any time has minutes, 'hour' otherwise."""
    return "minute" if any(m for _, m in hm) else "hour"


def max_gap(times: list[datetime]) -> float | None:
    if len(times) < 2:
        return None
    return max((b - a).total_seconds() / 60 for a, b in zip(times, times[1:]))


DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%B %d %Y", "%m/%d/%Y")


def parse_date(text: str | None) -> date | None:
    if not text:
        return None
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.strip())
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


# --------------------------------------------------------------------------- the rules


def is_done(status: str) -> bool:
    words = re.findall(r"[a-z]+", status.lower())
    return any(w in DONE for w in words) and not {"not", "draft", "pending", "progress"} & set(words)


def _result(rule_id: str, title: str, passed: bool, reason: str) -> RuleResult:
    return RuleResult(id=rule_id, title=title, passed=passed, reason=reason)


def rule_blameless(f: Facts) -> RuleResult:
    title = "Blameless always"
    if f.blame_errors:
        shown = "; ".join(f.blame_errors[:3]) + (" ..." if len(f.blame_errors) > 3 else "")
        return _result("blameless", title, False, f"{len(f.blame_errors)} blameful phrase(s): {shown}")
    return _result("blameless", title, True, "no error-severity blameless-language findings")


def rule_timeline(f: Facts) -> RuleResult:
    title = "Timeline: minute-level for SEV-1, at least hourly for SEV-2"
    if f.timeline_entries == 0:
        return _result("timeline", title, False, "no timeline entries with times were found")
    sev = f"SEV-{f.severity}" if f.severity else "unknown severity"
    desc = f"{f.timeline_entries} entries, {f.timeline_precision} precision ({sev})"
    if f.severity == 1 and f.timeline_precision != "minute":
        return _result("timeline", title, False, f"{desc}: SEV-1 needs minute-level times")
    if f.severity == 2:
        if f.timeline_precision not in ("minute", "hour"):
            return _result("timeline", title, False, f"{desc}: SEV-2 needs at least hourly times")
        if f.timeline_max_gap_min and f.timeline_max_gap_min > 60:
            return _result("timeline", title, False,
                           f"{desc}: a gap of {f.timeline_max_gap_min:.0f} min between entries (SEV-2 needs hourly)")
    return _result("timeline", title, True, desc)


def rule_five_whys(f: Facts) -> RuleResult:
    title = "5-Whys with five levels"
    ok = f.whys >= 5
    return _result("five-whys", title, ok, f"{f.whys} why level(s) found" + ("" if ok else "; five are required"))


def rule_actions(f: Facts) -> RuleResult:
    title = "Every action item has an owner, a deadline and a status"
    if not f.actions:
        return _result("action-items", title, False, "no action items were found")
    bad = []
    for i, item in enumerate(f.actions, 1):
        missing = [k for k in ("owner", "deadline", "status") if not _filled(item.get(k, ""))]
        if missing:
            bad.append(f"#{i} lacks {', '.join(missing)}")
    if bad:
        return _result("action-items", title, False, "; ".join(bad[:5]) + (" ..." if len(bad) > 5 else ""))
    return _result("action-items", title, True, f"all {len(f.actions)} action items have owner, deadline and status")


def _filled(value: str) -> bool:
    return bool(value.strip()) and value.strip().lower() not in {"tbd", "tba", "?", "-", "—", "n/a", "none", "unassigned"}


def rule_distribution(f: Facts) -> RuleResult:
    title = "Distribution covers engineering, product and leadership"
    if not f.distribution.strip():
        return _result("distribution", title, False, "no distribution list was found")
    missing = [g for g, pat in GROUPS.items() if not re.search(pat, f.distribution, re.I)]
    if missing:
        return _result("distribution", title, False, f"distribution lacks {', '.join(missing)}")
    return _result("distribution", title, True, "engineering, product and leadership are on the list")


def rule_follow_up(f: Facts) -> RuleResult:
    title = f"Follow-up review meeting within {FOLLOW_UP_DAYS} days of the incident"
    if not f.follow_up:
        return _result("follow-up-meeting", title, False, "no follow-up meeting date was found")
    ref = f.resolved or f.incident_date
    if not ref:
        return _result("follow-up-meeting", title, False, f"meeting on {f.follow_up}, but the incident date is unknown")
    days = (f.follow_up - ref).days
    ok = 0 <= days <= FOLLOW_UP_DAYS
    return _result("follow-up-meeting", title, ok, f"meeting on {f.follow_up}, {days} day(s) after the incident ({ref})")


def rule_pattern(f: Facts) -> RuleResult:
    title = "Pattern analysis (cross-incident trends) is present"
    if f.pattern.strip():
        return _result("pattern-analysis", title, True, "pattern analysis present")
    return _result("pattern-analysis", title, False, "no cross-incident pattern analysis was found")


def rule_completed(f: Facts) -> RuleResult:
    title = f"Completed within {COMPLETE_DAYS} days of resolution"
    ref = f.resolved or f.incident_date
    due = ref + timedelta(days=COMPLETE_DAYS) if ref else None
    status = (f.status or "unknown").strip()
    if not is_done(status):
        when = f"; complete it by {due}" if due else ""
        return _result("completed-in-time", title, False, f"status is {status!r}{when}")
    if not f.completed_on or not due:
        return _result("completed-in-time", title, False, "status is completed but no completion or resolution date was found")
    ok = f.completed_on <= due
    return _result("completed-in-time", title, ok, f"completed {f.completed_on}, due {due}")


RULES = (rule_blameless, rule_timeline, rule_five_whys, rule_actions, rule_distribution, rule_follow_up,
         rule_pattern, rule_completed)
