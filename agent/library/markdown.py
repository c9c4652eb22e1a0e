"""Import postmortems written by people: markdown with or without YAML front matter.

Whatever the file has is kept; whatever it lacks stays empty (no invented dates). Front-matter
categories are kept as labels; those that are in models.CATEGORIES become categories, and when none
are, a category is inferred from the text and marked as inferred.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from agent import rxcache as rx
from agent.errors import LibraryError
from agent.library.records import (
    Record,
    _parse_date,
    parse_datetime,
    with_inferred_category,
)
from agent.models import CATEGORIES

_FRONT = rx.compile(r"\A---\s*\n(.*?)\n---\s*\n?", re.S)
_HEADING = rx.compile(r"^#{1,2}\s+(.+?)\s*#*\s*$", re.M)
_SAFE_ID = rx.compile(r"[^A-Za-z0-9._-]+")


def split_front_matter(text: str) -> tuple[dict, str, int]:
    """(front matter, body, line where the body starts). Bad YAML is an error naming the line."""
    m = _FRONT.match(text)
    if not m:
        return {}, text, 1
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", 0) + 2
        raise LibraryError(f"bad YAML front matter at line {line}: {str(exc).splitlines()[0]}") from exc
    if not isinstance(meta, dict):
        meta = {}
    return meta, text[m.end():], m.group(0).count("\n") + 1


def _first(meta: dict, *keys: str):
    return next((meta[k] for k in keys if meta.get(k) not in (None, "", [])), None)


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in re.split(r"[,|]", value) if v.strip()]
    return [str(v).strip() for v in value if str(v).strip()]


def _title(meta: dict, body: str, path: Path) -> tuple[str, str]:
    """The title, and the body with a leading title heading removed."""
    if meta.get("title"):
        return str(meta["title"]).strip(), body
    m = _HEADING.search(body)
    if m and not body[: m.start()].strip():
        return m.group(1).strip(), body[m.end():]
    first = next((ln.strip() for ln in body.splitlines() if ln.strip()), "")
    return (first[:120] if first else path.stem.replace("-", " ").replace("_", " ")), body


def record_from_markdown(path: Path, *, infer: bool = True) -> Record:
    """One markdown postmortem as a Record (kind 'imported')."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
        meta, body, _ = split_front_matter(text)
    except LibraryError as exc:
        raise LibraryError(f"{path}: {exc}") from exc
    except OSError as exc:
        raise LibraryError(f"{path}: cannot read ({exc.strerror})") from exc
    title, body = _title(meta, body, path)
    labels = _as_list(meta.get("categories") or meta.get("category") or meta.get("tags"))
    started = parse_datetime(_first(meta, "start_time", "start", "started", "started_at"))
    rec = Record(
        id=_SAFE_ID.sub("-", str(_first(meta, "id", "uuid", "incident_id") or path.stem)).strip("-"),
        kind="imported", title=title, summary=str(meta.get("summary") or "").strip(), body=body.strip(),
        date=_parse_date(_first(meta, "date", "incident_date")) or (started.date() if started else None),
        severity=str(meta["severity"]) if meta.get("severity") else None,
        services=_as_list(_first(meta, "services", "service", "product")),
        categories=[c for c in labels if c in CATEGORIES], labels=labels,
        link=_first(meta, "url", "link"), started=started,
        detected=parse_datetime(_first(meta, "detected", "detected_at", "detect_time")),
        acknowledged=parse_datetime(_first(meta, "acknowledged", "acknowledged_at", "ack_time")),
        resolved=parse_datetime(_first(meta, "end_time", "resolved", "resolved_at", "end")),
        completed=_parse_date(_first(meta, "completed", "completed_at", "published_at", "source_published_at")),
        source_file=str(path),
    )
    return with_inferred_category(rec) if infer else rec


def iter_markdown(root: Path) -> list[Path]:
    """Markdown files under a directory (or the file itself), sorted for reproducible imports."""
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise LibraryError(f"{root}: no such file or directory")
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in (".md", ".markdown") and p.is_file())
