"""Pydantic types shared by every stage of the pipeline.

Stage 1 (sources) produces a ``Bundle``. Stage 2 (evidence) turns it into an
``EvidencePack``: numbered ``Evidence`` with pointers back to the source, plus
``Event`` objects and ranked ``Finding`` objects. Stages 3-7 build the
``Postmortem`` and the ``PositionCard`` from the pack.

All datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0"

Category = Literal[
    "bad-deploy",
    "config-change",
    "capacity/resource-exhaustion",
    "dependency-failure",
    "network",
    "data-loss/operator-action",
    "software-bug",
    "certificate/expiry",
    "security",
]
CATEGORIES: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]

SourceKind = Literal["ticket", "alert", "log", "metric", "trace", "chat", "change", "manual"]
Level = Literal["debug", "info", "warning", "error", "critical"]
EventKind = Literal[
    "alert_firing",
    "alert_resolved",
    "page",  # a ticket/incident was triggered (PagerDuty trigger, Opsgenie create, JIRA created)
    "acknowledge",
    "escalate",
    "assign",
    "note",
    "status_update",
    "mitigation",
    "resolve",
    "deploy",
    "config_change",
    "rollback",
    "command",  # operator command seen in logs or chat
    "log",
    "metric_change",
    "chat",
    "trace_error",
    "other",
]
EvidenceKind = Literal[
    "log", "log_template", "metric", "changepoint", "alert", "ticket", "chat", "change", "trace", "manual"
]
Phase = Literal[
    "start", "detection", "acknowledgement", "escalation", "mitigation_attempt", "mitigation", "resolution"
]
Severity = Literal["SEV-1", "SEV-2", "SEV-3", "SEV-4", "SEV-5"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- stage 1: sources


class FileStatus(Model):
    """What the loader did with one file of the bundle."""

    path: str = Field(description="path relative to the bundle root")
    format: str | None = Field(default=None, description="detected format id, e.g. 'pagerduty.incident'")
    status: Literal["parsed", "skipped", "error"]
    reason: str = ""
    records: int = 0


class Event(Model):
    """One thing that happened, normalised from any source."""

    time: datetime
    source: SourceKind
    kind: EventKind
    text: str
    actor: str | None = None
    service: str | None = None
    level: Level | None = None
    source_file: str = Field(description="bundle-relative path of the file it came from")
    line: int | None = Field(default=None, description="1-based line in source_file, when the format has lines")
    pointer: str = Field(description="file:line, series@time or alert:<fingerprint>")
    key: str | None = Field(default=None, description="dedupe key: equal keys are the same happening")
    attrs: dict[str, str] = Field(default_factory=dict)
    evidence_id: str | None = None
    importance: float = 0.0


class LogRecord(Model):
    """One (possibly multi-line) log record, streamed; never all held in memory."""

    time: datetime | None
    level: Level | None = None
    message: str
    service: str | None = None
    source_file: str
    line: int
    raw: str = ""


class LogSource(Model):
    """A log file in the bundle. Records are streamed by ``agent.sources.logs.iter_records``."""

    path: str
    abs_path: str
    format: str = Field(description="detected timestamp shape, e.g. 'iso8601', 'rfc3164', 'jsonl'")
    service: str | None = None
    year: int | None = Field(default=None, description="year for shapes that carry none (syslog RFC 3164)")
    timezone: str | None = Field(default=None, description="zone for zoneless timestamps (incident.yaml), else UTC")


class MetricSeries(Model):
    name: str
    labels: dict[str, str] = Field(default_factory=dict)
    points: list[tuple[datetime, float | None]] = Field(description="None marks NaN or a gap")
    source_file: str
    unit: str | None = None

    @property
    def series_id(self) -> str:
        if not self.labels:
            return self.name
        inner = ",".join(f'{k}="{v}"' for k, v in sorted(self.labels.items()) if k != "__name__")
        return f"{self.name}{{{inner}}}"


class Alert(Model):
    """One alert notification (Alertmanager, Prometheus, Opsgenie, PagerDuty alert)."""

    fingerprint: str
    name: str
    status: Literal["firing", "resolved"]
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    starts_at: datetime
    ends_at: datetime | None = None
    severity: str | None = None
    service: str | None = None
    source_file: str
    line: int | None = None


class Span(Model):
    trace_id: str
    span_id: str
    parent_id: str | None = None
    service: str
    name: str
    start: datetime
    duration_ms: float
    error: bool = False
    status_message: str = ""
    attrs: dict[str, str] = Field(default_factory=dict)
    source_file: str


class ChatMessage(Model):
    ts: str = Field(description="Slack ts, e.g. '1612345678.000200'")
    time: datetime
    channel: str
    user: str | None = None
    user_name: str | None = None
    text: str
    source_file: str
    line: int | None = None


class Change(Model):
    time: datetime
    kind: Literal["deploy", "config_change", "rollback", "other"]
    service: str | None = None
    description: str
    actor: str | None = None
    environment: str | None = None
    status: str | None = None
    ref: str | None = None
    source_file: str
    line: int | None = None


class TicketInfo(Model):
    system: Literal["pagerduty", "opsgenie", "jira", "datadog", "other"]
    id: str
    number: str | None = None
    title: str
    url: str | None = None
    service: str | None = None
    team: str | None = None
    priority: str | None = None
    severity: str | None = None
    status: str | None = None
    created_at: datetime | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    assignees: list[str] = Field(default_factory=list)
    source_file: str


class ImpactInput(Model):
    users_affected: str | None = Field(default=None, description="e.g. '100%' or '12,000'")
    requests_failed: str | None = None
    revenue_loss: str | None = None
    customer_complaints: str | None = None


class IncidentMeta(Model):
    """The native incident.yaml: what the telemetry cannot tell. Every field is optional."""

    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    title: str | None = None
    severity: str | None = None
    service: str | None = None
    owning_team: str | None = None
    author: str | None = None
    reviewers: list[str] = Field(default_factory=list)
    approver: str | None = None
    distribution: list[str] = Field(default_factory=list)
    impact: ImpactInput = Field(default_factory=ImpactInput)
    sla_target: float | None = Field(default=None, description="availability target in percent, e.g. 99.9")
    sla_window_days: int = 30
    start: datetime | None = None
    resolved: datetime | None = None
    timezone: str | None = Field(default=None, description="zone for naive timestamps in this bundle")
    follow_up: datetime | None = None
    status_page: str | None = None
    source_file: str | None = None


class Bundle(Model):
    root: str
    files: list[FileStatus] = Field(default_factory=list)
    tickets: list[TicketInfo] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    alerts: list[Alert] = Field(default_factory=list)
    series: list[MetricSeries] = Field(default_factory=list)
    spans: list[Span] = Field(default_factory=list)
    chat: list[ChatMessage] = Field(default_factory=list)
    changes: list[Change] = Field(default_factory=list)
    logs: list[LogSource] = Field(default_factory=list)
    meta: IncidentMeta = Field(default_factory=IncidentMeta)
    warnings: list[str] = Field(default_factory=list)

    def missing(self) -> list[str]:
        """Kinds of data the bundle lacks, for the report's 'what was missing' note."""
        have = {
            "ticket": bool(self.tickets),
            "alerts": bool(self.alerts),
            "logs": bool(self.logs),
            "metrics": bool(self.series),
            "traces": bool(self.spans),
            "chat": bool(self.chat),
            "changes": bool(self.changes),
            "incident.yaml": self.meta.source_file is not None,
        }
        return [k for k, v in have.items() if not v]


# --------------------------------------------------------------------------- stage 2: evidence


class Evidence(Model):
    id: str = Field(pattern=r"^E\d+$", description="stable id such as E12")
    kind: EvidenceKind
    source_file: str
    pointer: str = Field(description="file:line, series@time or alert:<fingerprint>")
    line: int | None = None
    time: datetime | None = None
    excerpt: str = Field(description="the redacted source text or metric excerpt")
    summary: str = ""


class Finding(Model):
    """A ranked fact derived from evidence: a log template burst, a change point, a failing span..."""

    kind: Literal[
        "log_template", "error_signature", "changepoint", "saturation", "alert_group",
        "trace", "change", "command", "ticket", "chat",
    ]
    text: str = Field(description="one plain sentence")
    time: datetime | None = None
    evidence_ids: list[str] = Field(default_factory=list)
    score: float = 0.0
    role: Literal["trigger", "mechanism", "symptom", "detection", "mitigation", "distractor", "context"] = "context"
    attrs: dict[str, str | float | int | bool | None] = Field(default_factory=dict)


class EvidencePack(Model):
    evidence: list[Evidence] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    token_count: int = 0
    token_budget: int = 8000
    dropped: int = Field(default=0, description="evidence items left out to fit the budget")
    notes: list[str] = Field(default_factory=list, description="problems met while deriving evidence, as file:line: what")

    def get(self, evidence_id: str) -> Evidence | None:
        return next((e for e in self.evidence if e.id == evidence_id), None)


# --------------------------------------------------------------------------- stages 3-7: the report


class TimelineEntry(Model):
    time: datetime
    text: str
    phase: Phase | None = None
    source: SourceKind
    importance: float = 0.0
    evidence_ids: list[str] = Field(default_factory=list)


class Timeline(Model):
    entries: list[TimelineEntry] = Field(default_factory=list)
    start: datetime | None = None
    detected: datetime | None = None
    acknowledged: datetime | None = None
    escalated: datetime | None = None
    mitigation_attempts: list[datetime] = Field(default_factory=list)
    mitigated: datetime | None = None
    resolved: datetime | None = None
    granularity: Literal["minute", "5min", "hour"] = "minute"
    time_to_detect_min: float | None = None
    time_to_acknowledge_min: float | None = None
    time_to_mitigate_min: float | None = None
    time_to_resolve_min: float | None = None


class ImpactRow(Model):
    metric: str
    value: str
    evidence_ids: list[str] = Field(default_factory=list)


class Impact(Model):
    duration_minutes: float | None = None
    rows: list[ImpactRow] = Field(default_factory=list)
    sla_breach: bool | None = None
    sla_note: str | None = None


class Claim(Model):
    text: str
    evidence_ids: list[str] = Field(default_factory=list)


class Why(Model):
    question: str
    answer: str
    evidence_ids: list[str] = Field(default_factory=list)


class FiveWhys(Model):
    problem_statement: str
    whys: list[Why] = Field(min_length=5, max_length=5)


class RootCause(Model):
    """A hypothesis, never a verdict."""

    hypothesis: str
    category: Category
    confidence: float = Field(ge=0.0, le=1.0)
    evidence_ids: list[str] = Field(default_factory=list)
    confirm_with: list[str] = Field(default_factory=list, description="evidence that would confirm it")
    alternatives: list[str] = Field(default_factory=list)


class ContributingFactor(Model):
    title: str
    detail: str
    evidence_ids: list[str] = Field(default_factory=list)


class ActionItem(Model):
    id: str = Field(pattern=r"^AI-\d{3}$")
    action: str
    owner: str
    deadline: date
    status: Literal["todo", "in_progress", "done", "scheduled"] = "todo"
    kind: Literal["prevent", "detect", "mitigate", "respond", "process"]
    evidence_ids: list[str] = Field(default_factory=list)


class SimilarIncident(Model):
    id: str
    title: str
    date: str | None = None
    category: str | None = None
    score: float
    shared_signals: list[str] = Field(default_factory=list)
    link: str | None = None


class PatternAnalysis(Model):
    configured: bool = False
    note: str = "No incident library is configured, so no cross-incident analysis was done."
    similar: list[SimilarIncident] = Field(default_factory=list)
    recurrence: str | None = None
    recommendation: str | None = None


class LintFinding(Model):
    rule: str
    severity: Literal["error", "warning", "info"]
    line: int
    column: int
    text: str
    message: str
    suggestion: str = ""
    field: str | None = Field(default=None, description="JSON path of the prose field, e.g. 'five_whys.whys[2].answer'")
    resolution: Literal["reported", "rewritten", "dropped"] = "reported"


class RuleResult(Model):
    """One of the seed's non-negotiable rules, checked by `postmortem check`."""

    id: str
    title: str
    passed: bool
    reason: str


class ChatFlag(Model):
    """A blameful chat remark, listed for the reviewer, never quoted in the report body."""

    ts: str
    time: datetime
    channel: str
    rule: str
    message: str
    evidence_id: str | None = None


class SectionSource(Model):
    section: str
    drafted_by: Literal["evidence", "llm", "fallback"]
    note: str = ""


class SignOff(Model):
    role: str
    name: str
    date: str = ""


class Postmortem(Model):
    schema_version: str = SCHEMA_VERSION
    incident_id: str
    title: str
    date: date
    severity: str
    duration: str
    status: str = "Draft"
    author: str
    reviewers: list[str] = Field(default_factory=list)
    owning_team: str
    services: list[str] = Field(default_factory=list)
    distribution: list[str] = Field(default_factory=list)
    executive_summary: Claim
    impact: Impact
    timeline: Timeline
    problem_statement: str = ""
    five_whys: FiveWhys
    root_cause: RootCause
    trigger_candidates: list[Claim] = Field(default_factory=list)
    contributing_factors: list[ContributingFactor] = Field(default_factory=list)
    went_well: list[Claim] = Field(default_factory=list)
    went_wrong: list[Claim] = Field(default_factory=list)
    action_items: list[ActionItem] = Field(default_factory=list)
    lessons_learned: list[Claim] = Field(default_factory=list)
    pattern_analysis: PatternAnalysis = Field(default_factory=PatternAnalysis)
    evidence: list[Evidence] = Field(default_factory=list)
    sign_off: list[SignOff] = Field(default_factory=list)
    follow_up_meeting: datetime | None = None
    generated_at: datetime = Field(description="taken from the incident, never the wall clock")
    sections: list[SectionSource] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list, description="kinds of data the bundle lacked")
    files: list[FileStatus] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="fallbacks and warnings, shown in the report")
    lint_findings: list[LintFinding] = Field(default_factory=list)
    chat_flags: list[ChatFlag] = Field(default_factory=list)
    llm_usage: dict[str, int | float | str] = Field(default_factory=dict)


class CardPlanItem(Model):
    action: str
    rationale: str


class CardEvidence(Model):
    type: Literal["document", "test", "measurement", "expert_review"]
    pointer: str
    quality: float = Field(ge=0.0, le=1.0)


class CardRisk(Model):
    severity: Literal["critical", "high", "medium", "low"]
    description: str
    mitigation: str
    residual_risk: str


class CardInvariantViolation(Model):
    invariant_id: str
    description: str
    justification: str
    requires_approval: bool


class PositionCard(Model):
    """The seed's card plus the swarm convergence policy's richer superset (see SWARM.md)."""

    agent: str = "postmortem"
    timestamp: datetime
    claims: list[str] = Field(min_length=1)
    plan: list[CardPlanItem] = Field(min_length=1)
    evidence_pointers: list[str] = Field(default_factory=list)
    evidence: list[CardEvidence] = Field(default_factory=list)
    confidence: float = Field(ge=0.0, le=1.0)
    risks: list[CardRisk] = Field(default_factory=list)
    cost: int = 1
    reversibility: float = Field(default=1.0, ge=0.0, le=1.0)
    invariant_violations: list[CardInvariantViolation] = Field(default_factory=list)
    invariants_satisfied: list[str] = Field(default_factory=list, description="configurable ids, e.g. INV-037")
    capabilities: list[str] = Field(default_factory=list, description="configurable skill ids, e.g. C7")
