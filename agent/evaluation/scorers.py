"""Deterministic scorers: each takes the draft, the gold answer (and what else it needs) and returns numbers.

Thresholds are module constants and are documented in the README (section `eval`).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from agent.evaluation.gold import Gold, GoldEvent
from agent.evaluation.grounding import grounding
from agent.evaluation.match import coverage, similar, words
from agent.models import Postmortem, TimelineEntry

TIME_TOLERANCE_MIN = 5.0  # a phase time counts as right within this many minutes
DURATION_TOLERANCE = 0.10  # ... and the duration within max(5 min, 10 %)
EVENT_WINDOW = timedelta(minutes=2)  # key events: time within +-2 min
EVENT_THRESHOLD = 0.5  # and text similarity (match.similar) at least this
THEME_THRESHOLD = 0.5  # contributing factors and action-item themes
TRIGGER_COVERAGE = 0.3  # share of the gold trigger's content words found in one cited evidence item
TRIGGER_MIN_SHARED = 2
SEED_SECTIONS = (
    "executive summary", "impact", "timeline", "root cause analysis", "contributing factors", "what went well",
    "what went wrong", "action items", "lessons learned", "pattern analysis", "supporting evidence", "sign-off",
)
HEADER_FIELDS = ("incident id", "date", "severity", "duration", "status", "author", "reviewers")
# Phase cues: a gold event whose text carries one of these words also matches a draft entry of that phase.
PHASE_CUES = {
    "detection": {"alert", "detect", "monitor"}, "acknowledgement": {"ack", "tak"},
    "escalation": {"escal", "war"}, "resolution": {"resolv", "clos"},
    "mitigation": {"recov", "baseline", "mitig", "succeed", "back"},
    "mitigation_attempt": {"attempt", "effect"}, "start": {"start", "begin", "spik"},
}


def minutes_between(a: datetime | None, b: datetime | None) -> float | None:
    return None if a is None or b is None else abs((a - b).total_seconds()) / 60


def time_errors(pm: Postmortem, gold: Gold) -> dict[str, float | None]:
    """Absolute errors in minutes (None when the draft or the gold lacks the time) and the share within tolerance."""
    tl = pm.timeline
    errs = {
        "start_err_min": minutes_between(tl.start, gold.incident_start),
        "detect_err_min": minutes_between(tl.detected, gold.detection),
        "mitigate_err_min": minutes_between(tl.mitigated, gold.mitigation),
        "resolve_err_min": minutes_between(tl.resolved, gold.resolution),
    }
    duration = pm.impact.duration_minutes
    if duration is None and tl.start and tl.resolved:
        duration = (tl.resolved - tl.start).total_seconds() / 60
    dur_err = None if duration is None or gold.duration_minutes is None else abs(duration - gold.duration_minutes)
    errs["duration_err_min"] = dur_err
    checks = [(v, TIME_TOLERANCE_MIN) for k, v in errs.items() if k != "duration_err_min"]
    if gold.duration_minutes is not None:
        checks.append((dur_err, max(TIME_TOLERANCE_MIN, DURATION_TOLERANCE * gold.duration_minutes)))
    gold_has = [gold.incident_start, gold.detection, gold.mitigation, gold.resolution]
    scored = [(v, tol) for (v, tol), has in zip(checks, gold_has + [True]) if has is not None]
    errs["times_within_tol"] = sum(v is not None and v <= tol for v, tol in scored) / len(scored)
    return errs


def event_matches(gold_ev: GoldEvent, entry: TimelineEntry) -> bool:
    """Within +-2 min, and similar text or a phase the gold text names (see PHASE_CUES)."""
    if abs(entry.time - gold_ev.time) > EVENT_WINDOW:
        return False
    if similar(gold_ev.event, entry.text, threshold=EVENT_THRESHOLD):
        return True
    return bool(entry.phase) and bool(PHASE_CUES.get(entry.phase, set()) & words(gold_ev.event))


def _assign(gold_events: list[GoldEvent], entries: list[TimelineEntry]) -> dict[int, int]:
    """Greedy one-to-one matching, gold events in time order, each to the closest unused matching entry."""
    used: dict[int, int] = {}
    for gi, g in enumerate(gold_events):
        options = [(abs((e.time - g.time).total_seconds()), ei) for ei, e in enumerate(entries)
                   if ei not in used.values() and event_matches(g, e)]
        if options:
            used[gi] = min(options)[1]
    return used


def key_events(pm: Postmortem, gold: Gold) -> tuple[dict[str, float], list[str]]:
    """Recall over all timeline entries; precision over the K most important entries (K = gold event count)."""
    gold_events = sorted(gold.key_timeline_events, key=lambda g: g.time)
    entries = pm.timeline.entries
    if not gold_events:
        return {"event_recall": 1.0, "event_precision": 1.0}, []
    hits = _assign(gold_events, entries)
    top = sorted(entries, key=lambda e: (-e.importance, e.time))[: len(gold_events)]
    top_hits = _assign(gold_events, top)
    missed = [f"{g.time:%H:%M} {g.event}" for i, g in enumerate(gold_events) if i not in hits]
    precision = len(top_hits) / len(top) if top else 0.0
    return {"event_recall": len(hits) / len(gold_events), "event_precision": precision}, missed


def category(pm: Postmortem, gold: Gold) -> dict[str, float]:
    got = pm.root_cause.category
    exact = got == gold.root_cause_category
    return {"category_exact": float(exact), "category_ok": float(exact or got in gold.acceptable_alt_categories)}


def trigger_found(pm: Postmortem, gold: Gold, whys: int = 2) -> tuple[float, str]:
    """1.0 when one evidence item cited by the first ``whys`` whys covers >= TRIGGER_COVERAGE of the gold
    trigger's content words (and shares at least TRIGGER_MIN_SHARED of them)."""
    target = words(gold.trigger)
    if not target:
        return 1.0, "no gold trigger"
    cited = [i for w in pm.five_whys.whys[:whys] for i in w.evidence_ids]
    best, best_id = 0.0, ""
    for ev in (_find(pm, i) for i in cited):
        if ev is None:
            continue
        have = words(f"{ev.excerpt} {ev.summary}")
        if len(target & have) >= TRIGGER_MIN_SHARED and coverage(target, have) > best:
            best, best_id = coverage(target, have), ev.id
    return float(best >= TRIGGER_COVERAGE), f"{best_id} covers {best:.0%}" if best_id else "not cited"


def _find(pm: Postmortem, evidence_id: str):
    return next((e for e in pm.evidence if e.id == evidence_id), None)


def theme_coverage(gold_items: list[str], texts: list[str]) -> tuple[float, list[str]]:
    """Share of gold items that some draft text matches (match.similar, THEME_THRESHOLD)."""
    if not gold_items:
        return 1.0, []
    missed = [g for g in gold_items if not any(similar(g, t, threshold=THEME_THRESHOLD) for t in texts)]
    return 1 - len(missed) / len(gold_items), missed


def _ts(value: str) -> str:
    try:
        return f"{float(value):.6f}"
    except ValueError:
        return value


def blameful(pm: Postmortem, gold: Gold) -> dict[str, float]:
    flagged = {_ts(f.ts) for f in pm.chat_flags}
    wanted = {_ts(t) for t in gold.blameful_chat_ts}
    recall = len(flagged & wanted) / len(wanted) if wanted else 1.0
    return {"blameful_recall": recall, "blameful_extra_flags": float(len(flagged - wanted))}


def sections(markdown: str) -> tuple[float, list[str]]:
    """Share of the seed's sections (headings) and header block present in postmortem.md."""
    heads = [re.sub(r"[#*`_]", "", ln).strip().lower() for ln in markdown.splitlines() if ln.lstrip().startswith("#")]
    low = markdown.lower()
    missing = [s for s in SEED_SECTIONS if not any(s in h.replace("signoff", "sign-off") for h in heads)]
    if not all(f"{f}:" in low for f in HEADER_FIELDS) or not any(h.startswith("postmortem") for h in heads):
        missing.append("header block")
    return 1 - len(missing) / (len(SEED_SECTIONS) + 1), missing


def secret_leaks(texts: list[str], gold: Gold) -> list[str]:
    return [s for s in gold.secrets if any(s in t for t in texts)]


def distractor_blamed(pm: Postmortem, gold_extra: list[str]) -> float:
    hypothesis = f"{pm.root_cause.hypothesis} {pm.five_whys.whys[0].answer}".lower()
    return float(any(d.lower() in hypothesis for d in gold_extra))


def score_all(pm: Postmortem, gold: Gold, *, bundle: Path, markdown: str, json_text: str,
              schema_errors: list[str], distractors: list[str]) -> tuple[dict[str, float | None], dict[str, object]]:
    """Every deterministic metric for one draft, plus details for the scorecard."""
    m: dict[str, float | None] = dict(time_errors(pm, gold))
    ev, missed_events = key_events(pm, gold)
    m.update(ev)
    m.update(category(pm, gold))
    m["trigger_found"], trig_note = trigger_found(pm, gold)
    m["trigger_in_any_why"], _ = trigger_found(pm, gold, whys=5)  # informational, not in overall
    m["factor_coverage"], missed_factors = theme_coverage(
        gold.contributing_factors, [f"{c.title} {c.detail}" for c in pm.contributing_factors])
    m["theme_coverage"], missed_themes = theme_coverage(
        gold.expected_action_item_themes, [a.action for a in pm.action_items])
    m.update(blameful(pm, gold))
    m["grounding_rate"], ungrounded = grounding(pm, bundle)
    m["sections_present"], missing_sections = sections(markdown)
    m["schema_valid"] = float(not schema_errors)
    leaks = secret_leaks([markdown, json_text], gold)
    m["secret_leaks"] = float(len(leaks))
    m["distractor_blamed"] = distractor_blamed(pm, distractors)
    m["severity_ok"] = float(_sev(pm.severity) == _sev(gold.severity or pm.severity))
    m["overall"] = overall(m)
    details = {"missed_events": missed_events, "trigger": trig_note, "missed_factors": missed_factors,
               "missed_themes": missed_themes, "ungrounded": ungrounded[:10], "missing_sections": missing_sections,
               "schema_errors": schema_errors[:5], "leaked": [f"{s[:4]}..." for s in leaks],
               "category": f"{pm.root_cause.category} (gold {gold.root_cause_category})"}
    return m, details


def _sev(value: str) -> str:
    digits = re.findall(r"\d", value or "")
    return digits[0] if digits else (value or "").lower()


OVERALL_PARTS = ("times_within_tol", "event_recall", "event_precision", "category_ok", "trigger_found",
                 "factor_coverage", "theme_coverage", "blameful_recall", "grounding_rate")


def overall(m: dict[str, float | None]) -> float:
    """Equal-weight mean of the headline metrics, plus one part for a clean report:
    schema valid, every seed section present and no leaked secret."""
    parts = [m[k] or 0.0 for k in OVERALL_PARTS]
    clean = (m["schema_valid"] or 0) * (1.0 if m["sections_present"] == 1.0 else 0.0) * (m["secret_leaks"] == 0)
    return round(sum(parts + [float(clean)]) / (len(parts) + 1), 4)
