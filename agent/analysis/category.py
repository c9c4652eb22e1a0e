"""Choosing the root-cause category from the evidence, with the rules in order of how specific the
signal is: a certificate, security or destructive-command signal is unambiguous; a change right before
the onset explains more than the symptoms it caused; saturation outranks the timeouts it produces.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from agent.analysis.mechanism import Mechanism
from agent.analysis.triggers import Candidate


@dataclass
class Verdict:
    category: str
    reason: str
    evidence_ids: list[str]
    alternatives: list[str]


def _dependency_first(mech: Mechanism) -> bool:
    """A dependency that failed no later than the saturation started is the cause, the saturation its effect."""
    if mech.dependency is None or mech.scores.get("dependency", 0) < 3 or mech.dependency_time is None:
        return False
    sat_time = mech.saturation.start if mech.saturation is not None else None
    return sat_time is None or mech.dependency_time <= sat_time + timedelta(minutes=1)


def choose(mech: Mechanism, trigger: Candidate | None) -> Verdict:
    """The category (from models.CATEGORIES), why, the evidence, and the runner-up explanations."""
    s = mech.scores
    ids = mech.signal_ids
    rules: list[tuple[bool, str, str, list[str]]] = [
        (s.get("certificate", 0) >= 1, "certificate/expiry", "certificate errors appear in the incident window",
         ids.get("certificate", [])),
        (trigger is not None and trigger.destructive, "data-loss/operator-action",
         "a destructive operator command preceded the onset", trigger.evidence_ids if trigger else []),
        (s.get("security", 0) >= 2, "security", "security signals (unauthorised or malicious access) appear",
         ids.get("security", [])),
        (s.get("data_loss", 0) >= 2, "data-loss/operator-action", "errors show missing or deleted data",
         ids.get("data_loss", [])),
        (trigger is not None and trigger.kind == "capacity", "capacity/resource-exhaustion",
         "a capacity change (servers added or removed) preceded the onset", trigger.evidence_ids if trigger else []),
        (trigger is not None and trigger.kind == "config_change", "config-change",
         "a configuration change preceded the onset", trigger.evidence_ids if trigger else []),
        (trigger is not None and trigger.kind == "deploy", "bad-deploy",
         "a deploy of a failing service preceded the onset", trigger.evidence_ids if trigger else []),
        (trigger is not None and trigger.kind == "command", "data-loss/operator-action",
         "an operator command preceded the onset", trigger.evidence_ids if trigger else []),
        (s.get("saturation", 0) >= 1, "capacity/resource-exhaustion",
         "a resource saturated without a preceding change", ids.get("saturation", [])),
        (s.get("dependency", 0) >= 2 and mech.dependency is not None, "dependency-failure",
         f"calls to {mech.dependency} failed", ids.get("dependency", [])),
        (s.get("network", 0) >= 1, "network", "network-level errors (timeouts, resets, DNS) dominate",
         ids.get("network", [])),
    ]
    if _dependency_first(mech):
        dep = next(r for r in rules if r[1] == "dependency-failure")
        rules.remove(dep)
        rules.insert(rules.index(next(r for r in rules if r[1] == "capacity/resource-exhaustion")), dep)
    hits = [(cat, reason, ev) for ok, cat, reason, ev in rules if ok]
    if not hits:
        sig_ids = mech.top.evidence_ids if mech.top else []
        return Verdict("software-bug", "errors appear without a change, saturation or failing dependency",
                       sig_ids, [])
    cat, reason, ev = hits[0]
    alternatives = [f"{c}: {r}" for c, r, _ in hits[1:] if c != cat]
    return Verdict(cat, reason, list(dict.fromkeys(ev)), list(dict.fromkeys(alternatives))[:3])
