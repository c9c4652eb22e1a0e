"""Synthetic postmortems for tests and benchmarks: valid ``Postmortem`` objects built from a few fields.

``make_postmortem`` builds one with known timestamps (so metrics have known answers);
``generate`` builds many varied ones, deterministically from a seed.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

from agent.models import (
    ActionItem,
    Claim,
    ContributingFactor,
    FiveWhys,
    Impact,
    Postmortem,
    RootCause,
    SignOff,
    Timeline,
    Why,
)

MECHANISMS = {
    "capacity/resource-exhaustion": "the database connection pool was exhausted and requests queued until timeout",
    "bad-deploy": "a deploy shipped a broken build and the canary did not catch the error spike",
    "config-change": "a configuration change pushed a wrong flag value to every region at once",
    "dependency-failure": "the upstream payment provider timed out and retries amplified the load",
    "network": "a BGP route withdrawal made the load balancer lose connectivity to one zone",
    "data-loss/operator-action": "an operator accidentally ran a cleanup script against the production table",
    "software-bug": "a race condition in the cache invalidation code returned stale sessions",
    "certificate/expiry": "the mTLS certificate on the internal gateway expired and handshakes failed",
    "security": "a leaked credential was used by a malicious client to scrape the API",
}
SERVICES = ["checkout", "payments", "search", "auth", "gateway", "orders", "inventory", "email", "billing", "cdn"]
WORDS = ("latency errors queue retries workers replicas memory disk cpu threads cache session token region zone "
         "cluster node shard index backlog throughput timeout saturation alert pager dashboard rollback").split()


def make_postmortem(incident_id: str, *, category: str = "capacity/resource-exhaustion", day: date = date(2026, 1, 10),
                    service: str = "checkout", title: str | None = None, text: str | None = None,
                    ttd_min: float = 5, tta_min: float = 3, ttr_min: float = 60, status: str = "Draft",
                    completed: date | None = None, actions: list[tuple[str, date]] | None = None,
                    severity: str = "SEV-2") -> Postmortem:
    """One valid postmortem; timestamps derive from ``day`` 10:00 UTC and the given durations."""
    start = datetime.combine(day, time(10, 0), tzinfo=timezone.utc)
    detected, resolved = start + timedelta(minutes=ttd_min), start + timedelta(minutes=ttr_min)
    mech = text or MECHANISMS.get(category, "an unknown failure")
    whys = [Why(question=f"Why {i}?", answer=f"Because {mech} ({i}).") for i in range(1, 6)]
    items = [ActionItem(id=f"AI-{i:03d}", action=f"Fix part {i}", owner="team", deadline=d, status=st,
                        kind="prevent") for i, (st, d) in enumerate(actions or [], start=1)]
    return Postmortem(
        incident_id=incident_id, title=title or f"{service} outage: {mech[:60]}", date=day, severity=severity,
        duration=f"{ttr_min:g} minutes", status=status, author="oncall", owning_team="sre", services=[service],
        executive_summary=Claim(text=f"{service} failed because {mech}."), impact=Impact(duration_minutes=ttr_min),
        timeline=Timeline(start=start, detected=detected, acknowledged=detected + timedelta(minutes=tta_min),
                          resolved=resolved),
        problem_statement=f"{service} was unavailable.", five_whys=FiveWhys(problem_statement=mech, whys=whys),
        root_cause=RootCause(hypothesis=mech, category=category, confidence=0.6),
        trigger_candidates=[Claim(text=mech)],
        contributing_factors=[ContributingFactor(title="Missing alert", detail=f"No alert before {service} failed.")],
        action_items=items, sign_off=[SignOff(role="approver", name="lead", date=completed.isoformat())] if completed else [],
        generated_at=resolved,
    )


def generate(n: int, *, seed: int = 0, start: date = date(2024, 1, 1)) -> list[Postmortem]:
    """``n`` varied postmortems over about two years, deterministic for a seed."""
    rng = random.Random(seed)
    cats = list(MECHANISMS)
    out = []
    for i in range(n):
        cat, svc = rng.choice(cats), rng.choice(SERVICES)
        extra = " ".join(rng.choices(WORDS, k=40))
        text = f"{MECHANISMS[cat]}; {extra}"
        out.append(make_postmortem(f"SYN-{i:05d}", category=cat, service=svc, text=text,
                                   day=start + timedelta(days=rng.randrange(730)),
                                   ttr_min=rng.randrange(10, 600), title=f"{svc} incident {i}: {' '.join(rng.choices(WORDS, k=4))}"))
    return out
