"""Stage 3b: the Impact table. Duration from the timeline; failed requests, error-rate, latency and
saturation peaks from the metrics where they allow it; users, revenue and complaints from incident.yaml;
an SLA verdict when incident.yaml gives a target.

SLA method: the incident's downtime-equivalent is the time-integral of the error ratio over the impact
window when an error-ratio series exists (a 40% error rate for 10 minutes counts as 4 minutes down),
else the whole impact duration. Availability over the SLA window (``sla_window_days``, default 30) is
``1 - downtime / window``; a breach is availability below ``sla_target``.
"""

from __future__ import annotations

from datetime import datetime

from agent.analysis import series as ms
from agent.analysis.cite import Citations
from agent.models import Impact, ImpactRow, IncidentMeta, MetricSeries, Timeline

_ROLE_ROWS = (("error_rate", "Error Rate"), ("latency", "Latency"), ("saturation", "Saturation"))


def human_duration(minutes: float | None) -> str:
    """'2 hours 15 minutes', '45 minutes', 'unknown'."""
    if minutes is None:
        return "unknown"
    total = int(round(minutes))
    h, m = divmod(total, 60)
    parts = ([f"{h} hour{'s' * (h != 1)}"] if h else []) + ([f"{m} minute{'s' * (m != 1)}"] if m or not h else [])
    return " ".join(parts)


def build(series: list[MetricSeries], timeline: Timeline, *, meta: IncidentMeta | None = None,
          citations: Citations, shifts: list[ms.Shift] | None = None) -> Impact:
    """The Impact section; every computed row cites the evidence it came from."""
    meta = meta or IncidentMeta()
    if shifts is None:
        shifts = [s for s in (ms.find_shift(x, before=timeline.start) for x in series) if s]
    shifts = relevant(shifts, timeline)
    duration = timeline.time_to_resolve_min
    rows = [ImpactRow(metric="Duration", value=human_duration(duration), evidence_ids=_phase_ids(timeline))]
    rows += _meta_row(meta, "users_affected", "Users Affected", citations)
    rows += _failed_requests(series, timeline, meta, citations)
    for role, label in _ROLE_ROWS:
        rows += _peak_row(shifts, role, label, citations)
    rows += _meta_row(meta, "revenue_loss", "Revenue Loss", citations)
    rows += _meta_row(meta, "customer_complaints", "Customer Complaints", citations)
    return _sla(Impact(duration_minutes=duration, rows=rows), series, timeline, meta)


def relevant(shifts: list[ms.Shift], timeline: Timeline) -> list[ms.Shift]:
    """Shifts that begin inside the incident (with an hour's slack before the start)."""
    if not timeline.start:
        return shifts
    lo = timeline.start.timestamp() - 3600
    hi = (timeline.resolved or timeline.start).timestamp() + 600
    return [s for s in shifts if lo <= s.start.timestamp() <= hi]


def _phase_ids(tl: Timeline) -> list[str]:
    ids = [i for e in tl.entries if e.phase in ("start", "resolution") for i in e.evidence_ids]
    return list(dict.fromkeys(ids))


def _meta_row(meta: IncidentMeta, field: str, label: str, citations: Citations) -> list[ImpactRow]:
    value = getattr(meta.impact, field)
    if not value:
        return []
    src = meta.source_file or "incident.yaml"
    eid = citations.add("manual", src, f"{src}#impact.{field}", f"{field}: {value}", summary=f"{label} per {src}")
    return [ImpactRow(metric=label, value=str(value), evidence_ids=[eid])]


def _window(tl: Timeline) -> tuple[datetime, datetime] | None:
    end = tl.mitigated or tl.resolved
    return (tl.start, end) if tl.start and end and end > tl.start else None


def _failed_requests(series: list[MetricSeries], tl: Timeline, meta: IncidentMeta,
                     citations: Citations) -> list[ImpactRow]:
    if meta.impact.requests_failed:
        return _meta_row(meta, "requests_failed", "Requests Failed", citations)
    window = _window(tl)
    if not window:
        return []
    best: tuple[float, MetricSeries] | None = None
    for s in series:
        role = ms.role_of(s)
        per_second = role == "error_rate" and not _is_ratio(s)
        if role != "error_count" and not per_second:
            continue
        n = ms.increase(s, *window)
        if n and (best is None or n > best[0]):
            best = (n, s)
    if not best:
        return []
    n, s = best
    excerpt = f"{s.series_id}: {n:,.0f} failed requests between {window[0]:%H:%M} and {window[1]:%H:%M} UTC"
    eid = citations.for_series(s, window[0], excerpt)
    return [ImpactRow(metric="Requests Failed", value=f"{n:,.0f} (from {s.name})", evidence_ids=[eid])]


def _is_ratio(s: MetricSeries) -> bool:
    pts = [v for _, v in ms.values(s)]
    name = s.name.lower()
    return any(w in name for w in ("ratio", "percent", "pct", "fraction")) or (bool(pts) and max(pts) <= 1.0
                                                                            and "rate" in name)


def _peak_row(shifts: list[ms.Shift], role: str, label: str, citations: Citations) -> list[ImpactRow]:
    mine = [s for s in shifts if s.role == role and s.direction == "up"]
    if not mine:
        return []
    s = max(mine, key=lambda x: (x.peak - x.baseline) / (abs(x.baseline) or 1.0))
    before, after = ms.fmt_value(s.baseline, s.series, role), ms.fmt_value(s.peak, s.series, role)
    value = f"{before} -> {after} (peak {s.peak_time:%H:%M} UTC, {s.series.name})"
    excerpt = f"{s.series.series_id}: baseline {before}, peak {after} at {s.peak_time:%Y-%m-%d %H:%M} UTC"
    return [ImpactRow(metric=label, value=value, evidence_ids=[citations.for_series(s.series, s.peak_time, excerpt)])]


def _sla(impact: Impact, series: list[MetricSeries], tl: Timeline, meta: IncidentMeta) -> Impact:
    if meta.sla_target is None:
        return impact
    if impact.duration_minutes is None:
        impact.sla_note = "An SLA target is set, but the impact duration is unknown, so no verdict."
        impact.rows.append(ImpactRow(metric="SLA Breach", value="Unknown (duration unknown)"))
        return impact
    down, how = _downtime(series, tl, impact.duration_minutes)
    window_min = meta.sla_window_days * 1440
    actual = 100.0 * (1 - down / window_min)
    impact.sla_breach = actual < meta.sla_target
    verdict = "Yes" if impact.sla_breach else "No"
    impact.rows.append(ImpactRow(metric="SLA Breach", value=f"{verdict} ({meta.sla_target:g}% target -> "
                                 f"{actual:.3f}% over {meta.sla_window_days} days)",
                                 evidence_ids=impact.rows[0].evidence_ids))
    impact.sla_note = (f"Availability over a {meta.sla_window_days}-day window assuming no other downtime: "
                       f"{down:.1f} downtime-equivalent minutes ({how}) of {window_min} minutes.")
    return impact


def _downtime(series: list[MetricSeries], tl: Timeline, duration: float) -> tuple[float, str]:
    window = (tl.start, tl.resolved) if tl.start and tl.resolved else None
    ratios = [s for s in series if ms.role_of(s) == "error_rate" and _is_ratio(s)]
    if window and ratios:
        s = ratios[0]
        pct = any(w in s.name.lower() for w in ("percent", "pct"))
        area = ms.increase(s, *window)
        if area is not None:
            return area / 60 / (100.0 if pct else 1.0), f"error ratio of {s.name} integrated over the incident"
    return duration, "the whole impact duration counted as downtime"
