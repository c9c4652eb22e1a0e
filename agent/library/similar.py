"""Similar past incidents, why they are similar, and the Pattern Analysis section of a draft.

Hybrid scoring: Chroma returns vector neighbours (cosine on the text embedding), then structured
fields add small bonuses: a shared category, a shared service, the same trigger type. The bonuses
only reorder close calls; on the icco leave-one-out test the text alone decides (see the README).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from agent.library.records import Record
from agent.library.text import tokens
from agent.models import PatternAnalysis, SimilarIncident

BONUS = {"category": 0.05, "service": 0.05, "trigger": 0.02}
MIN_SCORE = 0.12  # below this a neighbour is noise, not a similar incident
WINDOW_DAYS = 182
GENERIC = frozenset("""incident incidents service services issue issues users user customers customer time
    system systems team teams error errors minutes hours impact affected caused cause also due began
    started resolved resolution engineers engineering company root problem problems following""".split())
RECOMMENDATIONS: dict[str, str] = {
    "bad-deploy": "Make deploys safer as a system: canary with automatic rollback on error-rate SLOs, and a "
                  "deploy freeze check for the services that keep recurring.",
    "config-change": "Treat configuration as code: review, staged rollout and automated validation for every "
                     "config change, with one-step revert.",
    "capacity/resource-exhaustion": "Add capacity headroom alerts (pools, memory, disk, quotas) at 70-80% "
                                    "and a load test of the saturated resource before the next peak.",
    "dependency-failure": "Map critical dependencies and add timeouts, circuit breakers and a degraded mode "
                          "for each one that has failed before.",
    "network": "Review network redundancy and change procedures (DNS, BGP, load balancers) and add "
               "synthetic checks from outside the affected path.",
    "data-loss/operator-action": "Guard destructive operations: two-person review, dry runs, tested "
                                 "restores and tooling that refuses to act on production by default.",
    "software-bug": "Look for the shared code path or test gap behind these bugs and add a regression test "
                    "suite for it.",
    "certificate/expiry": "Inventory every certificate and expiring credential, automate renewal and alert "
                          "30 days before expiry.",
    "security": "Run a security review of the recurring attack surface and rotate exposed credentials "
                "with automation.",
}


def shared_terms(query_text: str, hit_text: str, limit: int = 5) -> list[str]:
    """Salient words both texts use, most used first."""
    q, h = Counter(tokens(query_text)), Counter(tokens(hit_text))
    both = [t for t in q.keys() & h.keys() if len(t) > 3 and t not in GENERIC and not t.isdigit()]
    return sorted(both, key=lambda t: (-min(q[t], h[t]), t))[:limit]


def signals(query: Record, hit: Record, hit_text: str = "") -> tuple[list[str], float]:
    """Why a hit is similar, and the structured bonus it earns."""
    out, bonus = [], 0.0
    for cat in [c for c in query.categories if c in hit.categories][:1]:
        out.append(f"category: {cat}")
        bonus += BONUS["category"]
    services = sorted(set(query.services) & set(hit.services))
    if services:
        out.append("service: " + ", ".join(services))
        bonus += BONUS["service"]
    if query.trigger and query.trigger == hit.trigger:
        out.append(f"trigger: {query.trigger}")
        bonus += BONUS["trigger"]
    terms = shared_terms(query.query_text(), hit_text or hit.text())
    if terms:
        out.append("terms: " + ", ".join(terms))
    return out, bonus


def rank(query: Record, hits: list[tuple[Record, float, str]], k: int, *,
         until: date | None = None) -> list[SimilarIncident]:
    """Rerank vector hits with structured bonuses, drop the query itself, noise and (with ``until``)
    incidents dated after it; keep k."""
    scored = []
    for rec, sim, text in hits:
        if rec.id == query.id or (until and rec.when and rec.when > until):
            continue
        why, bonus = signals(query, rec, text)
        scored.append((round(sim + bonus, 4), rec, why))
    scored.sort(key=lambda x: (-x[0], -(x[1].when.toordinal() if x[1].when else 0), x[1].id))  # ties: newest first
    return [
        SimilarIncident(id=rec.id, title=rec.title, date=rec.when.isoformat() if rec.when else None,
                        category=rec.categories[0] if rec.categories else None, score=score,
                        shared_signals=why, link=rec.link)
        for score, rec, why in scored[:k] if score >= MIN_SCORE
    ]


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def in_window(records: list[Record], query: Record, day: date, days: int = WINDOW_DAYS) -> list[Record]:
    """Past records (not the query) dated within `days` before `day`, inclusive."""
    start = day - timedelta(days=days)
    return [r for r in records if r.id != query.id and r.when and start <= r.when <= day]


def recurrence(query: Record, records: list[Record]) -> tuple[str | None, list[Record]]:
    """'3rd capacity/resource-exhaustion incident in 6 months' and the earlier incidents it counts."""
    if not query.when or not query.categories:
        return None, []
    cat = query.categories[0]
    window = in_window(records, query, query.when)
    same = [r for r in window if cat in r.categories]
    if not same:
        return None, []
    text = f"{ordinal(len(same) + 1)} {cat} incident in 6 months"
    for svc in query.services:
        n = sum(svc in r.services for r in same)
        if n:
            text += f" ({n + 1} of them on {svc})"
            break
    earlier = ", ".join(f"{r.id} ({r.when.isoformat()})" for r in same[-5:])
    return f"{text}; earlier: {earlier}.", same


def recommendation(query: Record, same: list[Record], as_of: date) -> str | None:
    """A systemic recommendation when the failure mode recurs."""
    if not same:
        return None
    text = RECOMMENDATIONS.get(query.categories[0], "Review these incidents together for a shared cause.")
    open_items = [(r, a) for r in same for a in r.action_items if a.status != "done"]
    overdue = [a for _, a in open_items if a.deadline and a.deadline < as_of]
    if open_items:
        text += (f" {len(open_items)} action item(s) from the earlier incidents are still open"
                 f" ({len(overdue)} overdue); close them before adding new ones.")
    return text


def analyse(query: Record, similar: list[SimilarIncident], records: list[Record], *, past: int,
            where: str) -> PatternAnalysis:
    """The Pattern Analysis section for a draft; ``records`` needs only those in the query's window."""
    rec_text, same = recurrence(query, records)
    note = f"Compared with {past} past incident(s) in the library at {where}."
    if not similar:
        note += " None was similar enough to list."
    return PatternAnalysis(configured=True, note=note, similar=similar, recurrence=rec_text,
                           recommendation=recommendation(query, same, query.when) if same else None)
