"""Read the facts the process rules need from ANY markdown postmortem, leniently.

Sections are found by heading text (ATX '#', setext, a line that is all bold, or a short line
ending in ':'), metadata by 'Key: value' anywhere (several may share a line, as in the seed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import yaml

from agent.checks.blameless import lint_text
from agent.checks.rules import (
    Facts,
    evaluate,
    max_gap,
    parse_date,
    parse_severity,
    precision_of,
)
from agent.models import RuleResult

FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
ATX = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
BOLD_LINE = re.compile(r"^\s*\*\*([^*]{2,80})\*\*:?\s*$")
COLON_LINE = re.compile(r"^\s*([A-Z][\w ()/&,'-]{2,60}):\s*$")
DATE_RE = (r"\d{4}-\d{2}-\d{2}|\d{4}/\d{2}/\d{2}|\d{1,2}/\d{1,2}/\d{4}|"
           r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}|"
           r"\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* \d{4}")
TIME_RE = re.compile(r"(?<![\d:])([01]?\d|2[0-3]):([0-5]\d)(?::\d\d)?(?!\d)\s*(am|pm)?|(?<!\d)(1[0-2]|[1-9])\s*(am|pm)\b", re.I)
SECTION_PATTERNS = {
    "timeline": r"timeline|sequence of events|chronolog|time ?line",
    "whys": r"\bwhys?\b|5-?why|five why",
    "actions": r"action items?|remediation|corrective|follow[- ]?up actions|action plan|next steps|todo|to-do",
    "pattern": r"pattern|trend|recurr|similar incidents|related incidents|cross-incident|previous incidents",
    "distribution": r"distribution",
    "signoff": r"sign[- ]?off|approval",
}
STATUS_WORDS = re.compile(
    r"\b(todo|to do|done|in progress|in-progress|open|closed|scheduled|blocked|complete|completed|pending|"
    r"not started|started|wip)\b|[✅🔄📋📅]|\[[ xX]\]", re.I)


SIGN_LINE = re.compile(r"^\s*\||author|approv|review|sign", re.I)


@dataclass
class Section:
    title: str
    body: list[str]


def check_markdown(text: str) -> list[RuleResult]:
    """Pass/fail with a reason for each of the seed's rules, on a markdown postmortem."""
    return evaluate(facts_from_markdown(text))


def sections(lines: list[str]) -> list[Section]:
    out = [Section("", [])]
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        title = _heading(line, nxt)
        if title is not None:
            out.append(Section(title, []))
        elif not re.fullmatch(r"\s*(=+|-{3,})\s*", line) or not out[-1].body == []:
            out[-1].body.append(line)
    return out


def _heading(line: str, nxt: str) -> str | None:
    for pattern in (ATX, BOLD_LINE, COLON_LINE):
        m = pattern.match(line)
        if m:
            return m.group(1).strip("*: ")
    if re.fullmatch(r"[A-Z][\w&/-]*( [\w&/()-]+){0,4}", line.strip()) and nxt.lstrip().startswith("|"):
        return line.strip()
    if line.strip() and re.fullmatch(r"\s*(=+|-+)\s*", nxt) and len(line) < 80 and not line.lstrip().startswith("|"):
        return line.strip()
    return None


def find(secs: list[Section], key: str) -> list[Section]:
    return [s for s in secs if re.search(SECTION_PATTERNS[key], s.title, re.I)]


def meta(text: str, front: dict, *keys: str) -> str | None:
    """The value of 'Key: value' (bold or not, table row or not), or a front-matter key."""
    for key in keys:
        for k, v in front.items():
            if str(k).lower().replace("_", " ") == key and v not in (None, ""):
                return str(v)
        m = re.search(rf"(?im)(?:^[\s>*_|-]*|\*\*){key}\s*(?:\*\*)?\s*[:|]\s*(?:\*\*)?\s*(.+?)\s*(?=\*\*[\w -]+:\*\*|\||$)", text)
        if m:
            return m.group(1).strip(" *_|")
    return None


def first_date(text: str | None) -> date | None:
    if not text:
        return None
    m = re.search(DATE_RE, text, re.I)
    return parse_date(m.group()) if m else None


def facts_from_markdown(text: str) -> Facts:
    front = _front(text)
    lines = text.splitlines()
    secs = sections(lines)
    incident = first_date(meta(text, front, "date", "incident date", "started", "start"))
    facts = Facts(
        severity=parse_severity(meta(text, front, "severity", "sev", "priority", "impact level")),
        incident_date=incident,
        status=meta(text, front, "status", "postmortem status") or "",
        distribution=_distribution(text, front, secs),
        follow_up=_follow_up(text, front, secs),
        pattern=_body(find(secs, "pattern")),
        blame_errors=[f"line {f.line}: {f.text!r} ({f.rule})" for f in lint_text(text) if f.severity == "error"],
    )
    _timeline(facts, find(secs, "timeline"), incident)
    facts.whys = _whys(find(secs, "whys"))
    facts.actions = _actions(find(secs, "actions"))
    facts.completed_on = _completed(text, front, secs)
    return facts


def _front(text: str) -> dict:
    m = FRONT.match(text)
    if not m:
        return {}
    try:
        data = yaml.safe_load(m.group(1))
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def _body(secs: list[Section]) -> str:
    return "\n".join(line for s in secs for line in s.body if line.strip() and not re.fullmatch(r"[\s-]*", line))


def _timeline(facts: Facts, secs: list[Section], incident: date | None) -> None:
    hm, stamps = [], []
    for line in (ln for s in secs for ln in s.body):
        m = TIME_RE.search(line)
        if not m:
            continue
        hour, minute = _hour_minute(m)
        hm.append((hour, minute))
        stamps.append(hour * 60 + minute)
        if re.search(r"resolved|all clear|closed|recovered|incident end", line, re.I):
            facts.resolved = first_date(line) or facts.resolved
    facts.timeline_entries = len(hm)
    facts.timeline_precision = precision_of(hm) if hm else None
    if len(stamps) > 1 and stamps == sorted(stamps):
        base = datetime(2000, 1, 1)
        facts.timeline_max_gap_min = max_gap([base + timedelta(minutes=s) for s in stamps])
    facts.resolved = facts.resolved or incident


def _hour_minute(m: re.Match) -> tuple[int, int]:
    if m.group(1):
        hour, minute, ampm = int(m.group(1)), int(m.group(2)), (m.group(3) or "").lower()
    else:
        hour, minute, ampm = int(m.group(4)), 0, m.group(5).lower()
    if ampm == "pm" and hour < 12:
        hour += 12
    if ampm == "am" and hour == 12:
        hour = 0
    return hour, minute


def _whys(secs: list[Section]) -> int:
    body = [ln for s in secs for ln in s.body]
    questions = [ln for ln in body if re.search(r"\bwhy\b[^?]*\?", ln, re.I)]
    numbered = [ln for ln in body if re.match(r"\s*(\d+[.)]|[-*+])\s+\S", ln)]
    top = [ln for ln in numbered if not re.match(r"\s{2,}", ln)]
    return max(len(questions), len(top) if not questions else 0)


def _actions(secs: list[Section]) -> list[dict[str, str]]:
    body = [ln for s in secs for ln in s.body]
    rows = [ln for ln in body if ln.strip().startswith("|")]
    if len(rows) >= 3:
        return _table_actions(rows)
    items = [ln for ln in body if re.match(r"\s*(\d+[.)]|[-*+])\s+\S", ln)]
    return [_list_action(ln) for ln in items]


def _table_actions(rows: list[str]) -> list[dict[str, str]]:
    cells = [[c.strip() for c in r.strip().strip("|").split("|")] for r in rows]
    header = [c.lower() for c in cells[0]]

    def col(*names: str) -> int | None:
        return next((i for i, h in enumerate(header) if any(n in h for n in names)), None)

    cols = {"owner": col("owner", "assignee", "who", "responsible"),
            "deadline": col("deadline", "due", "date", "eta", "target", "by when"),
            "status": col("status", "state", "done")}
    out = []
    for row in cells[1:]:
        if all(re.fullmatch(r":?-+:?", c) or not c for c in row):
            continue
        out.append({k: (row[i] if i is not None and i < len(row) else "") for k, i in cols.items()})
    return out


def _list_action(line: str) -> dict[str, str]:
    owner = re.search(r"@[\w.-]+|\bowners?\W*[:=]\s*\S+|\bassignee\W*[:=]\s*\S+|\(([A-Z][a-z]+|[a-z]+-team)\)", line)
    deadline = re.search(DATE_RE + r"|\b(due|by|deadline)\b\W*\S+", line, re.I)
    status = STATUS_WORDS.search(line)
    return {"owner": owner.group() if owner else "", "deadline": deadline.group() if deadline else "",
            "status": status.group() if status else ""}


def _distribution(text: str, front: dict, secs: list[Section]) -> str:
    value = meta(text, front, "distribution", "distribution list", "shared with", "audience")
    return " ; ".join(filter(None, [value, _body(find(secs, "distribution"))]))


def _follow_up(text: str, front: dict, secs: list[Section]) -> date | None:
    value = meta(text, front, "follow-up meeting", "follow up meeting", "followup meeting", "review meeting",
                 "follow-up", "postmortem meeting", "retrospective")
    if first_date(value):
        return first_date(value)
    for line in text.splitlines():
        if re.search(r"(review|follow[- ]?up|postmortem|post-mortem|retro)\w*\s+(meeting|review|session)", line, re.I):
            found = first_date(line)
            if found:
                return found
    return None


def _completed(text: str, front: dict, secs: list[Section]) -> date | None:
    value = meta(text, front, "completed", "completed on", "published", "finalized", "finalised")
    dates = [first_date(value)] if first_date(value) else []
    for line in (ln for s in find(secs, "signoff") for ln in s.body if SIGN_LINE.search(ln)):
        dates += [d for d in (parse_date(m.group()) for m in re.finditer(DATE_RE, line, re.I)) if d]
    return max(dates) if dates else None
