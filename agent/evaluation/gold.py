"""The gold answer of an eval case (``gold.yaml``). Unknown keys are ignored; times are ISO 8601 UTC."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agent.errors import BundleError
from agent.models import Category

GOLD_FILE = "gold.yaml"


def _as_utc(v: datetime | None) -> datetime | None:
    return v.replace(tzinfo=timezone.utc) if v is not None and v.tzinfo is None else v


class GoldEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    time: datetime
    event: str

    _utc = field_validator("time")(lambda cls, v: _as_utc(v))


class Gold(BaseModel):
    model_config = ConfigDict(extra="ignore")

    incident_start: datetime | None = None
    detection: datetime | None = None
    mitigation: datetime | None = None
    resolution: datetime | None = None
    duration_minutes: float | None = None
    severity: str | None = None
    trigger: str = ""
    root_cause: str = ""
    root_cause_category: Category
    acceptable_alt_categories: list[Category] = Field(default_factory=list)
    key_timeline_events: list[GoldEvent] = Field(default_factory=list)
    contributing_factors: list[str] = Field(default_factory=list)
    expected_action_item_themes: list[str] = Field(default_factory=list)
    blameful_chat_ts: list[str] = Field(default_factory=list)
    secrets: list[str] = Field(default_factory=list, description="strings that must never reach the report")

    @field_validator("blameful_chat_ts", mode="before")
    @classmethod
    def _ts_as_text(cls, v):
        # YAML reads an unquoted 1612345678.000200 as a float and would lose the trailing zeros.
        return [f"{x:.6f}" if isinstance(x, float) else str(x) for x in (v or [])]

    _utc = field_validator("incident_start", "detection", "mitigation", "resolution")(lambda cls, v: _as_utc(v))


def load_gold(path: str | Path) -> Gold:
    """Read and validate a gold file; errors name the file and say what to fix."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise BundleError(f"cannot read gold file: {exc}", file=str(path)) from exc
    if not isinstance(raw, dict):
        raise BundleError("gold file must be a YAML mapping", file=str(path))
    try:
        return Gold.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        got = repr(first.get("input"))[:80]
        raise BundleError(f"gold file field {where}: {first['msg']} (got {got})", file=str(path)) from exc
