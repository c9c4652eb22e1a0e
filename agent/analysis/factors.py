"""Specific contributing factors and the action items that answer them, read off the evidence.

Each rule names a condition the evidence shows (a resource that saturated, a dependency the service
could not do without, a command that acted on every machine, a certificate that expired in service)
and the gap that let it hurt users. The words come from agent/data/offline_text.yaml (``factors`` and
``actions``); this module only decides which apply and what they cite.
"""

from __future__ import annotations

from agent import rxcache as rx
from agent.analysis.context import Context
from agent.models import Evidence

_RESOURCES = (  # (pattern over the saturation evidence, the resource a reader would name)
    (rx.compile(r"(?i)connection pool|pool (?:is )?exhausted|too many (?:connections|clients)|max_connections|"
                r"connection slots|pg_stat_activity|db_pool|pool_in_use"), "connection pool"),
    (rx.compile(r"(?i)native thread|thread limit|threads-max|fork rejected|pids controller|thread pool|"
                r"thread count"), "thread count"),
    (rx.compile(r"(?i)no space left|disk (?:is )?full|filesystem|disk_used|inode|volume"), "disk space"),
    (rx.compile(r"(?i)out of memory|\boom|heap|memory|cannot allocate|rss"), "memory"),
    (rx.compile(r"(?i)too many open files|file descriptor|\bfds?\b"), "file descriptors"),
    (rx.compile(r"(?i)queue (?:is )?full|queue depth|backlog"), "queue depth"),
    (rx.compile(r"(?i)\bcpu\b|throttl"), "CPU"),
)
_TIMEOUT = rx.compile(r"(?i)timed? ?out|timeout|deadline exceeded")
_RETRY = rx.compile(r"(?i)\bretr(?:y|ies|ying)\b")
_TOOL = rx.compile(r"\b([a-z][a-z0-9]*(?:-[a-z0-9]+)*)\[\d+\]|\$\s*([a-z][\w-]+)")
_DETAIL = rx.compile(r"\((.*)\) at \d\d:\d\d UTC$")
_CONFIG_NOUN = rx.compile(r"(?i)\b(route|routing|flag|feature[- ]flag|dns|firewall|polic(?:y|ies)|rule|limit|"
                          r"setting|parameter)s?\b")


def values(ctx: Context) -> dict[str, str]:
    """Extra template values: the resource, the changed thing, the tool, the configuration subject."""
    label = ctx.trigger.label if ctx.trigger else ""
    detail = _DETAIL.search(label)
    config = _CONFIG_NOUN.search(label)
    noun = resource_noun(ctx)
    resource = ctx.values.get("resource", "")
    return {"resource_noun": noun or "the saturated resource",
            "resource": f"the {noun}" if noun else resource,  # "the connection pool", not a series id
            "change_detail": (detail.group(1) if detail else label) or "the change",
            "tool": _tool(ctx) or "the operator tooling",
            "config_subject": f"{config.group(1).lower()} " if config else ""}


def resource_noun(ctx: Context) -> str | None:
    """What ran out, in a reader's words, from the saturation evidence and the saturated series."""
    texts = [ev.excerpt for ev in _evidence(ctx, ctx.mech.signal_ids.get("saturation", []))]
    if ctx.mech.saturation is not None:
        texts.insert(0, ctx.mech.saturation.series.series_id)
    texts += [s.text for s in ctx.mech.signatures[:5]]
    for text in texts:
        for pattern, noun in _RESOURCES:
            if pattern.search(text):
                return noun
    return None


def _tool(ctx: Context) -> str | None:
    if ctx.trigger is None or ctx.trigger.kind != "command":
        return None
    for ev in _evidence(ctx, ctx.trigger.evidence_ids):
        m = _TOOL.search(ev.excerpt)
        if m:
            return m.group(1) or m.group(2)
    return None


def _evidence(ctx: Context, ids: list[str]) -> list[Evidence]:
    return [e for e in (ctx.pack.get(i) for i in ids) if e is not None]


_LOG_PATH = rx.compile(r"(?i)/log\b|/logs\b|/var/log|\blog (?:volume|partition|disk)|\.log\b")


def _holds_logs(ctx: Context, ids: list[str]) -> bool:
    """The full volume is a log volume: its series or the out-of-space errors name a log path."""
    texts = [e.excerpt for e in _evidence(ctx, ids)]
    if ctx.mech.saturation is not None:
        texts.append(ctx.mech.saturation.series.series_id)
    return any(_LOG_PATH.search(t) for t in texts)


def saturated(ctx: Context) -> bool:
    return ctx.mech.saturation is not None or ctx.mech.scores.get("saturation", 0) >= 1


_ROLLBACK = rx.compile(r"(?i)roll(?:ed|ing)? ?back|revert|downgrad|\bdisabl|turned off|switched off|flag off")
# the change went to everyone in one step: "100% of users", "all regions", "globally", "entire fleet"
_ALL_AT_ONCE = rx.compile(r"(?i)\b100 ?%|\ball (?:users|regions|zones|clusters|hosts|servers|nodes|sites|pops)\b|"
                          r"\bglobal(?:ly)?\b|\bentire (?:fleet|cluster)\b|\beverywhere\b|\bevery region\b")


def _rolled_back(ctx: Context) -> bool:
    """Recovery came from undoing the change: a rollback row or note after the onset."""
    start = ctx.timeline.start
    return any(_ROLLBACK.search(e.text) and (start is None or e.time >= start) for e in ctx.timeline.entries) or \
        any(c.kind == "rollback" and (start is None or c.time >= start) for c in ctx.bundle.changes)


def _dependency_timeouts(ctx: Context) -> bool:
    return any(_TIMEOUT.search(e.excerpt) for e in _evidence(ctx, ctx.mech.dependency_ids)) or \
        ctx.mech.scores.get("network", 0) >= 1


def _retry_ids(ctx: Context) -> list[str]:
    start = ctx.timeline.start
    return [e.id for e in ctx.pack.evidence if e.kind in ("log", "log_template", "trace") and
            _RETRY.search(e.excerpt) and (start is None or (e.time and e.time >= start))][:3]


def applicable(ctx: Context) -> list[tuple[str, list[str]]]:
    """(factor key, evidence ids) for every specific factor the evidence supports, most causal first."""
    cat, mech, trig = ctx.verdict.category, ctx.mech, ctx.trigger
    trig_ids = trig.evidence_ids if trig else []
    sat_ids = mech.saturation_ids + mech.signal_ids.get("saturation", [])
    out: list[tuple[str, list[str]]] = []
    if cat == "data-loss/operator-action" and trig is not None and trig.kind == "command":
        out.append(("tool_unvalidated", trig_ids))
    if cat == "config-change" and trig is not None:
        out += [("config_unreviewed", trig_ids), ("config_no_rollback", trig_ids)]
    if cat == "certificate/expiry":
        out += [("manual_renewal", ctx.verdict.evidence_ids), ("no_expiry_alert", ctx.verdict.evidence_ids)]
    if mech.dependency and cat in ("dependency-failure", "network"):
        dep_ids = mech.dependency_ids or ctx.verdict.evidence_ids
        out.append(("single_dependency", dep_ids))
        out.append(("long_timeout" if _dependency_timeouts(ctx) else "no_fallback", dep_ids))
        out.append(("no_breaker", dep_ids))
    if saturated(ctx) and resource_noun(ctx):
        out.append(("resource_no_alert", sat_ids))
        if resource_noun(ctx) == "disk space" and _holds_logs(ctx, sat_ids):
            out.append(("log_retention", sat_ids))
        if trig is not None and trig.kind == "capacity":  # more servers made each server run out
            out.append(("grows_with_fleet", sat_ids + trig_ids))
        elif trig is not None and cat in ("bad-deploy", "capacity/resource-exhaustion"):
            out.append(("load_test_gap", sat_ids + trig_ids))
    if trig is not None and cat in ("bad-deploy", "config-change") and _ALL_AT_ONCE.search(trig.label):
        out.append(("all_at_once", trig_ids))
    if trig is not None and cat in ("bad-deploy", "config-change") and not _rolled_back(ctx):
        out.append(("no_tested_rollback", trig_ids))
    retries = _retry_ids(ctx)
    if len(retries) >= 2:
        out.append(("retries_amplified", retries))
    return out


_ACTIONS_FOR = {
    "tool_unvalidated": "operator_tooling", "config_unreviewed": "config_review", "manual_renewal": "cert_inventory",
    "resource_no_alert": "resource_alert", "load_test_gap": "load_test", "grows_with_fleet": "per_server_resource",
    "log_retention": "log_retention", "all_at_once": "staged_rollout", "single_dependency": "dependency_fallback",
    "long_timeout": "dependency_alert", "no_fallback": "dependency_alert", "no_tested_rollback": "rollback_test",
    "retries_amplified": "retry_budget",
}


def action_keys(ctx: Context) -> list[str]:
    """Keys under ``actions`` in offline_text.yaml that answer the applicable factors."""
    return list(dict.fromkeys(_ACTIONS_FOR[k] for k, _ in applicable(ctx) if k in _ACTIONS_FOR))
