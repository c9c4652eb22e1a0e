"""The library's normalised view of one past incident, built from a Postmortem or an imported markdown file.

A ``Record`` is what the index stores as metadata and what patterns and metrics read. Drafted
postmortems keep their full ``Postmortem`` JSON as the source of truth; imported markdown keeps its
Record JSON (``kind="imported"``), since a person's free-form write-up is not a full Postmortem.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.errors import LibraryError
from agent.library.categories import infer_categories, infer_trigger
from agent.models import Postmortem

FINAL_STATUSES = frozenset({"final", "complete", "completed", "approved", "published", "reviewed", "closed"})


class ActionRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    status: str
    deadline: date | None = None


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    kind: Literal["postmortem", "imported"]
    title: str
    summary: str = ""
    body: str = Field(default="", description="the text that is embedded besides title and summary")
    date: dt.date | None = None
    severity: str | None = None
    services: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list, description="values of models.CATEGORIES")
    inferred_category: bool = Field(default=False, description="categories came from the text, not the author")
    labels: list[str] = Field(default_factory=list, description="tags as written, e.g. front-matter categories")
    trigger: str | None = None
    link: str | None = None
    started: datetime | None = None
    detected: datetime | None = None
    acknowledged: datetime | None = None
    resolved: datetime | None = None
    completed: dt.date | None = Field(default=None, description="when the postmortem itself was completed")
    action_items: list[ActionRef] = Field(default_factory=list)
    source_file: str | None = None

    def text(self) -> str:
        """What gets embedded."""
        return "\n".join(p for p in (self.title, self.summary, self.body) if p)

    def query_text(self) -> str:
        """What a search for incidents like this one uses: a draft's boilerplate would drown the mechanism."""
        return "\n".join(p for p in (self.title, self.summary) if p) if self.kind == "postmortem" else self.text()

    @property
    def when(self) -> dt.date | None:
        return self.date or (self.started.date() if self.started else None)


def _claims(items) -> list[str]:
    return [c.text for c in items]


def _lead_trigger(pm: Postmortem) -> str:
    """The best-ranked trigger candidate that was not ruled out."""
    return next((c.text for c in pm.trigger_candidates if "ruled out" not in c.text.lower()), "")


def _completed(pm: Postmortem) -> date | None:
    if pm.status.strip().lower() not in FINAL_STATUSES:
        return None
    signed = [d for d in (_parse_date(s.date) for s in pm.sign_off) if d]
    return max(signed) if signed else pm.generated_at.date()


def from_postmortem(pm: Postmortem, *, link: str | None = None) -> Record:
    """The Record of a drafted (or finalised) postmortem."""
    rc = pm.root_cause
    parts = [pm.executive_summary.text, pm.problem_statement, *_claims(pm.trigger_candidates),
             *(f"{c.title}. {c.detail}" for c in pm.contributing_factors),
             *_claims(pm.went_wrong), *_claims(pm.lessons_learned)]
    tl = pm.timeline
    return Record(
        id=pm.incident_id, kind="postmortem", title=pm.title, summary=rc.hypothesis,
        body="\n".join(p for p in parts if p),
        date=pm.date, severity=pm.severity, services=list(pm.services), categories=[rc.category],
        trigger=infer_trigger(_lead_trigger(pm) or rc.hypothesis), link=link,
        started=tl.start, detected=tl.detected, acknowledged=tl.acknowledged, resolved=tl.resolved,
        completed=_completed(pm),
        action_items=[ActionRef(id=a.id, status=a.status, deadline=a.deadline) for a in pm.action_items],
    )


def with_inferred_category(rec: Record) -> Record:
    """Fill categories from the text when the author gave none of the fixed list."""
    if rec.categories:
        return rec
    cats = infer_categories(f"{rec.title}\n{rec.summary}\n{rec.body}")
    return rec.model_copy(update={"categories": cats, "inferred_category": bool(cats)})


def load_file(path: Path) -> Record:
    """Read one source-of-truth file: a Postmortem JSON or an imported Record JSON."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("kind") == "imported":
            return Record.model_validate(data)
        pm = Postmortem.model_validate(data)
    except (OSError, ValueError, ValidationError) as exc:
        first = str(exc).splitlines()[0][:200]
        raise LibraryError(f"{path}: not a postmortem JSON or library record ({first})") from exc
    return from_postmortem(pm, link=str(path))


def load_postmortem(path: Path) -> Postmortem:
    try:
        return Postmortem.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LibraryError(f"{path}: not a postmortem JSON ({str(exc).splitlines()[0][:200]})") from exc


def _parse_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    m = re.match(r"\s*(\d{4}-\d{2}-\d{2})", str(value or ""))
    return date.fromisoformat(m.group(1)) if m else None


def parse_datetime(value) -> datetime | None:
    """A timezone-aware datetime from YAML/ISO input; naive values are taken as UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    else:
        try:
            dt = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
