"""Everything the offline writers need, gathered once: the chosen trigger, mechanism and category, the
phase evidence, and the template values."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from agent import rxcache as rx
from agent.analysis import series as ms
from agent.analysis import text
from agent.analysis.category import Verdict
from agent.analysis.cite import Citations
from agent.analysis.mechanism import SIGNALS, Mechanism
from agent.analysis.triggers import Candidate
from agent.impact import human_duration
from agent.models import Alert, Bundle, EvidencePack, Impact, Timeline

_RESOURCE = rx.compile(r"(connection pool|thread pool|worker pool|file descriptors|memory|heap|disk|queue|"
                       r"connections|cpu)", re.I)


@dataclass
class Context:
    bundle: Bundle
    pack: EvidencePack
    timeline: Timeline
    impact: Impact
    citations: Citations
    severity: str
    services: list[str]
    team: str
    candidates: list[Candidate]
    trigger: Candidate | None
    mech: Mechanism
    verdict: Verdict
    values: dict = field(default_factory=dict)

    @property
    def primary(self) -> str:
        return self.services[0] if self.services else "the service"

    def phase_ids(self, *phases: str) -> list[str]:
        ids = [i for e in self.timeline.entries if e.phase in phases for i in e.evidence_ids]
        return self.citations.valid(ids)

    def row_ids(self, metric: str) -> list[str]:
        return next((r.evidence_ids for r in self.impact.rows if r.metric == metric), [])

    def row(self, metric: str) -> str | None:
        return next((r.value for r in self.impact.rows if r.metric == metric), None)

    def first_alert(self) -> Alert | None:
        firing = sorted((a for a in self.bundle.alerts if a.status == "firing"), key=lambda a: a.starts_at)
        return firing[0] if firing else None

    def any_ids(self) -> list[str]:
        """Strongest available evidence, for a claim that otherwise has nothing to cite."""
        for ids in (self.verdict.evidence_ids, self.mech.top.evidence_ids if self.mech.top else [],
                    self.phase_ids("start", "detection"), [e.id for e in self.pack.evidence[:1]]):
            if ids:
                return self.citations.valid(ids)[:3]
        return []

    def ids(self, *groups: list[str]) -> list[str]:
        """The first non-empty group of valid ids, else ``any_ids``."""
        for g in groups:
            valid = self.citations.valid(g)
            if valid:
                return valid[:4]
        return self.any_ids()


def target(kind: str, severity: str) -> int:
    return int(text.get("targets", kind).get(severity, text.get("targets", kind)["SEV-3"]))


def minutes(value: float | None) -> str:
    return human_duration(value) if value is not None else "an unknown time"


def resource_name(mech: Mechanism) -> str:
    if mech.saturation is not None:
        return mech.saturation.series.name
    for sig in mech.signatures:
        m = _RESOURCE.search(sig.text)
        if m:
            return f"the {m.group(1).lower()}"
    return "a shared resource"


def symptom_phrase(ctx: Context) -> str:
    rate = ctx.row("Error Rate")
    if rate:
        return f"returned errors (error rate {rate.split(' (')[0]})"
    alert = ctx.first_alert()
    if alert:
        return f"triggered the alert {alert.name}"
    if ctx.mech.top:
        return "logged new errors"
    return "was degraded"


def mechanism_phrase(ctx: Context) -> str:
    sat, top = ctx.mech.saturation, ctx.mech.top
    errors = f'errors such as "{top.text[:100]}"' if top else ""
    if sat is not None:
        rise = (f"{sat.series.name} rising from {ms.fmt_value(sat.baseline, sat.series, sat.role)} to "
                f"{ms.fmt_value(sat.peak, sat.series, sat.role)}")
        return f"{rise} and {errors}" if errors else rise
    return errors or "the errors seen in the timeline"


def detection_phrase(ctx: Context) -> str:
    alert = ctx.first_alert()
    if alert:
        return f"the alert {alert.name}"
    if any(e.phase == "detection" for e in ctx.timeline.entries):
        return "the first page"
    return "manual observation"


CATEGORY_SIGNAL = {"certificate/expiry": "certificate", "capacity/resource-exhaustion": "saturation",
                    "dependency-failure": "dependency", "network": "network", "security": "security",
                    "data-loss/operator-action": "data_loss"}


def split_noise(ctx: Context) -> tuple[list, list]:
    """Pre-existing templates: (unrelated noise, early warnings of the very failure mode that followed)."""
    pattern = SIGNALS.get(CATEGORY_SIGNAL.get(ctx.verdict.category, ""))
    warnings = [s for s in ctx.mech.noise if pattern is not None and pattern.search(s.text)]
    return [s for s in ctx.mech.noise if s not in warnings], warnings


def build_values(ctx: Context) -> dict:
    tl = ctx.timeline
    noisy, warnings = split_noise(ctx)
    noise = noisy[0].text[:80] if noisy else ""
    sat = ctx.mech.saturation
    return {
        "service": ctx.primary, "severity": ctx.severity,
        "symptom": symptom_phrase(ctx), "mechanism": mechanism_phrase(ctx),
        "trigger": ctx.trigger.label if ctx.trigger else "no identified change",
        "dependency": ctx.mech.dependency or "a downstream dependency",
        "resource": resource_name(ctx.mech), "detection": detection_phrase(ctx),
        "ttd": minutes(tl.time_to_detect_min), "ttm": minutes(tl.time_to_mitigate_min),
        "ttr": minutes(tl.time_to_resolve_min),
        "target_ttd": target("detect", ctx.severity), "target_ttm": target("mitigate", ctx.severity),
        "noise": noise, "warning": warnings[0].text[:80] if warnings else "", "signature": ctx.mech.top.text[:90] if ctx.mech.top else "the errors in the timeline", "attempts": len(tl.mitigation_attempts),
        "shift_time": f"{sat.start:%H:%M}" if sat else "", "missing": ", ".join(ctx.bundle.missing()),
    }


def fmt_time(t: datetime | None) -> str:
    return f"{t:%H:%M} UTC" if t else "an unknown time"
