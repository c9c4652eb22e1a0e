"""Infer a failure category (models.CATEGORIES) and a trigger type from free text.

Used when an imported postmortem has no category of the fixed list, and to name the trigger type of a
drafted one. Keyword weights are data, not prose: a phrase that names the mechanism outright counts
double. Ties go to the category listed first in models.CATEGORIES.
"""

from __future__ import annotations

import re

from agent.models import CATEGORIES

KEYWORDS: dict[str, dict[str, int]] = {
    "bad-deploy": {"deploy": 2, "deployment": 2, "deployed": 2, "rollout": 2, "release": 1, "rolled back": 2,
                   "rollback": 2, "canary": 2, "new version": 1, "upgrade": 1, "build": 1},
    "config-change": {"configuration": 2, "config": 2, "misconfiguration": 2, "misconfigured": 2,
                      "feature flag": 2, "setting": 1, "parameter": 1, "change to": 1},
    "capacity/resource-exhaustion": {"capacity": 2, "exhaust": 2, "exhausted": 2, "exhaustion": 2,
                                     "out of memory": 2, "oom": 2, "memory": 1, "disk full": 2, "disk space": 2,
                                     "connection pool": 2, "saturat": 2, "overload": 2, "overloaded": 2,
                                     "throttl": 1, "quota": 1, "load": 1, "traffic spike": 2},
    "dependency-failure": {"upstream": 2, "third-party": 2, "third party": 2, "provider": 1, "dependency": 2,
                           "vendor": 2, "downstream": 1, "cascading": 1},
    "network": {"network": 2, "dns": 2, "bgp": 2, "packet": 2, "routing": 2, "partition": 1,
                "connectivity": 2, "load balancer": 1, "fiber": 2, "router": 2},
    "data-loss/operator-action": {"deleted": 2, "data loss": 2, "human error": 2, "operator": 1, "manually": 1,
                                  "accidentally": 2, "typo": 2, "rm -rf": 2, "dropped": 1, "corrupt": 1},
    "software-bug": {"bug": 2, "race condition": 2, "regression": 1, "null pointer": 2, "exception": 1,
                     "crash": 1, "leak": 1, "defect": 2, "overflow": 2, "deadlock": 2},
    "certificate/expiry": {"certificate": 2, "expired": 2, "expiry": 2, "expiration": 2, "tls": 1, "ssl": 1,
                           "leap second": 2},
    "security": {"security": 2, "breach": 2, "attack": 2, "ddos": 2, "credential": 2, "vulnerability": 2,
                 "unauthorized": 2, "compromised": 2, "malicious": 2, "token": 1},
}
TRIGGERS: dict[str, tuple[str, ...]] = {
    "deploy": ("deploy", "rollout", "release", "canary"),
    "config_change": ("config", "feature flag", "setting"),
    "rollback": ("rollback", "rolled back"),
    "operator_action": ("manual", "operator", "command", "ran "),
    "traffic": ("traffic", "load", "spike"),
    "dependency": ("upstream", "provider", "third-party", "vendor"),
}


def _hits(text: str, phrase: str) -> int:
    # Stems like "saturat" match any ending; whole words otherwise must start at a word boundary.
    return len(re.findall(r"(?<![a-z0-9])" + re.escape(phrase), text))


def category_scores(text: str) -> dict[str, int]:
    low = text.lower()
    return {cat: sum(w * _hits(low, p) for p, w in KEYWORDS[cat].items()) for cat in CATEGORIES}


def infer_categories(text: str, *, limit: int = 2) -> list[str]:
    """The best-scoring categories (at least half the top score), best first; [] when nothing matches."""
    scores = category_scores(text)
    top = max(scores.values())
    if top < 2:
        return []
    ranked = sorted((c for c in CATEGORIES if scores[c] * 2 >= top), key=lambda c: -scores[c])
    return ranked[:limit]


def infer_trigger(text: str) -> str | None:
    """A coarse trigger type (deploy, config_change, ...) from a trigger description."""
    low = text.lower()
    for trigger, phrases in TRIGGERS.items():
        if any(p in low for p in phrases):
            return trigger
    return None
