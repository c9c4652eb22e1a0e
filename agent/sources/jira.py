"""JIRA REST v2/v3: one issue or a search result (``{"issues": [...]}``), with ``changelog.histories``
(status and assignee transitions become events) and comments. v3 rich text (ADF JSON) becomes plain text."""

from __future__ import annotations

from typing import Any

from agent.models import TicketInfo
from agent.sources.context import FileCtx, first, ref_name
from agent.sources.detect import Detector, Sniff, items_of
from agent.sources.scrub import scrub
from agent.sources.tickets import add_ticket, severity_from

_DONE = ("done", "resolved", "closed", "fixed", "complete", "completed", "mitigated")
_ACK = ("in progress", "acknowledged", "investigating", "triaged")


def _is_issue(d: Any) -> bool:
    return isinstance(d, dict) and "key" in d and isinstance(d.get("fields"), dict)


def score_issue(sn: Sniff) -> float:
    return 0.9 if _is_issue(sn.doc) else 0.0


def score_search(sn: Sniff) -> float:
    items = items_of(sn.doc, "issues")
    return 0.9 if items and all(_is_issue(i) for i in items[:5]) else 0.0


def adf_text(node: Any) -> str:
    """Plain text of an Atlassian Document Format node (v3 descriptions and comments); strings pass."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node
    if isinstance(node, list):
        return "".join(adf_text(n) for n in node)
    if not isinstance(node, dict):
        return str(node)
    if node.get("type") == "text":
        return node.get("text", "")
    if node.get("type") in ("mention", "emoji"):
        return (node.get("attrs") or {}).get("text", "")
    if node.get("type") == "hardBreak":
        return "\n"
    inner = adf_text(node.get("content"))
    block = node.get("type") in ("paragraph", "heading", "listItem", "codeBlock", "blockquote", "rule")
    return inner + "\n" if block else inner


def _named_field(issue: dict, names: dict, wanted: str) -> Any:
    fields = issue["fields"]
    if wanted in fields:
        return fields[wanted]
    for fid, name in names.items():
        if str(name).lower() == wanted and fid in fields:
            return fields[fid]
    return None


def _ticket(issue: dict, names: dict, ctx: FileCtx) -> TicketInfo:
    f = issue["fields"]
    components = [ref_name(c) for c in f.get("components") or []]
    sev = _named_field(issue, names, "severity")
    team = _named_field(issue, names, "team")
    base = (issue.get("self") or "").split("/rest/")[0]
    return TicketInfo(
        system="jira", id=str(issue.get("id") or issue["key"]), number=issue["key"],
        title=scrub(first(f.get("summary"), adf_text(f.get("description")).strip()[:120], issue["key"])),
        url=f"{base}/browse/{issue['key']}" if base else None, service=first(*components),
        team=first(ref_name(team), ref_name(f.get("project"))), priority=ref_name(f.get("priority")),
        severity=severity_from(ref_name(sev) or _sev_label(f.get("labels"))), status=ref_name(f.get("status")),
        created_at=ctx.time(f.get("created")), resolved_at=ctx.time(f.get("resolutiondate")),
        assignees=[a for a in [ref_name(f.get("assignee"))] if a], source_file=ctx.rel,
    )


def _sev_label(labels: Any) -> str | None:
    for label in labels or []:
        if str(label).lower().replace("-", "").startswith("sev"):
            return str(label)
    return None


def _issue_events(issue: dict, t: TicketInfo, ctx: FileCtx, line: int | None) -> None:
    key = f"jira:{t.number}"
    ctx.event(t.created_at, "ticket", "page", f"JIRA {t.number} created: {t.title}", line=line, service=t.service,
              actor=ref_name(issue["fields"].get("reporter")), key=f"{key}:page", attrs={"priority": t.priority})
    for hist in (issue.get("changelog") or {}).get("histories") or []:
        at = ctx.time(hist.get("created"))
        hline = ctx.line_of(f'"{hist.get("id")}"') if hist.get("id") else line
        for item in hist.get("items") or []:
            _history_item(item, at, ref_name(hist.get("author")), t, ctx, hline or line)
    for c in ((issue["fields"].get("comment") or {}).get("comments") or []):
        ctx.event(ctx.time(c.get("created")), "ticket", "note", adf_text(c.get("body")).strip(),
                  line=ctx.line_of(f'"{c.get("id")}"') or line, actor=ref_name(c.get("author")),
                  key=f"{key}:comment:{c.get('id')}")
    has_resolve = any(e.kind == "resolve" and e.key and e.key.startswith(key) for e in ctx.out.events)
    if t.resolved_at and not has_resolve:
        ctx.event(t.resolved_at, "ticket", "resolve", f"JIRA {t.number} resolved", line=line, key=f"{key}:resolve")


def _history_item(item: dict, at: Any, author: str | None, t: TicketInfo, ctx: FileCtx, line: int | None) -> None:
    field = str(item.get("field", "")).lower()
    old, new = item.get("fromString"), item.get("toString")
    if field == "status":
        low = str(new or "").lower()
        kind = "resolve" if low in _DONE else "acknowledge" if low in _ACK else "status_update"
        text = f"JIRA {t.number} status {old} -> {new}"
    elif field == "assignee":
        kind, text = "assign", f"JIRA {t.number} assigned to {new}"
    elif field in ("priority", "severity", "resolution"):
        kind, text = "status_update", f"JIRA {t.number} {field} {old} -> {new}"
    else:
        return
    ctx.event(at, "ticket", kind, text, line=line, actor=author,
              key=f"jira:{t.number}:{field}:{new}:{at.isoformat() if at else ''}")


def parse_issue(sn: Sniff, ctx: FileCtx) -> int:
    t = add_ticket(ctx.out, _ticket(sn.doc, sn.doc.get("names") or {}, ctx))
    _issue_events(sn.doc, t, ctx, ctx.line_of(f'"{sn.doc["key"]}"'))
    return 1


def parse_search(sn: Sniff, ctx: FileCtx) -> int:
    issues = items_of(sn.doc, "issues")
    names = sn.doc.get("names") or {}
    for issue, line in zip(issues, ctx.item_lines(("issues",), len(issues))):
        _issue_events(issue, add_ticket(ctx.out, _ticket(issue, names, ctx)), ctx, line)
    return len(issues)


DETECTORS = [
    Detector("jira.issue", score_issue, parse_issue, phase=2, kind="ticket"),
    Detector("jira.search", score_search, parse_search, phase=2, kind="ticket"),
]
