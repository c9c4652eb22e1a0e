"""The detector registry: every format module's DETECTORS, in one place."""

from __future__ import annotations

from agent.sources import (
    alertmanager,
    datadog,
    github,
    jira,
    logs,
    meta,
    metrics,
    opsgenie,
    pagerduty,
    slack,
    traces,
)
from agent.sources.detect import Registry

REGISTRY = Registry()
for _module in (meta, pagerduty, opsgenie, jira, datadog, alertmanager, metrics, traces, slack, github, logs):
    REGISTRY.add(*_module.DETECTORS)
