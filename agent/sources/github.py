"""GitHub ``deployment`` and ``deployment_status`` webhook payloads (one, a list, or JSON lines)."""

from __future__ import annotations

import json
from typing import Any

from agent.models import Change
from agent.sources.context import FileCtx, first, ref_name
from agent.sources.detect import Detector, Sniff
from agent.sources.scrub import scrub
from agent.sources.tickets import change_kind


def _is_deployment(d: Any) -> bool:
    dep = d.get("deployment") if isinstance(d, dict) else None
    return isinstance(dep, dict) and "environment" in dep and "created_at" in dep and ("sha" in dep or "ref" in dep)


def _docs(sn: Sniff) -> list[dict]:
    docs = sn.jsonl if sn.jsonl is not None else (sn.doc if isinstance(sn.doc, list) else [sn.doc])
    return [d for d in docs if _is_deployment(d)]


def score_deployment(sn: Sniff) -> float:
    docs = _docs(sn)
    return 0.92 if docs and not any("deployment_status" in d for d in docs) else 0.0


def score_status(sn: Sniff) -> float:
    docs = _docs(sn)
    return 0.93 if docs and any(isinstance(d.get("deployment_status"), dict) for d in docs) else 0.0


def _one(d: dict, ctx: FileCtx) -> bool:
    dep = d["deployment"]
    st = d.get("deployment_status") if isinstance(d.get("deployment_status"), dict) else None
    repo = (d.get("repository") or {}).get("name") or (d.get("repository") or {}).get("full_name")
    payload_desc = dep.get("payload", {}).get("description") if isinstance(dep.get("payload"), dict) else None
    what = f"{dep.get('ref') or ''}@{str(dep.get('sha') or '')[:7]}".strip("@")
    detail = first(st.get("description") if st else None, dep.get("description"), payload_desc, "")
    env = first(st.get("environment") if st else None, dep.get("environment"))
    state = st.get("state") if st else "created"
    text = f"Deployment of {repo or 'repository'} {what} to {env}: {state}" + (f" - {detail}" if detail else "")
    kind = "rollback" if change_kind(f"{dep.get('task', '')} {detail}") == "rollback" else "deploy"
    line = ctx.line_of(f'"{"deployment_status" if st else "deployment"}"')
    time = ctx.time(first(st.get("created_at") if st else None, dep.get("created_at")), line)
    if time is None:
        return False
    actor = ref_name((st or {}).get("creator")) or ref_name(dep.get("creator")) or ref_name(d.get("sender"))
    ctx.out.changes.append(Change(time=time, kind=kind, service=repo, description=scrub(text), actor=actor,
                                  environment=env, status=state, ref=what or None, source_file=ctx.rel, line=line))
    ctx.event(time, "change", kind, text, line=line, actor=actor, service=repo,
              key=f"github:deployment:{dep.get('id')}:{state}", attrs={"environment": env, "sha": dep.get("sha")})
    return True


def parse(sn: Sniff, ctx: FileCtx) -> int:
    docs = _docs(sn) if sn.jsonl is None else [json.loads(x) for x in ctx.text.splitlines() if x.strip()]
    return sum(_one(d, ctx) for d in docs if _is_deployment(d))


DETECTORS = [
    Detector("github.deployment", score_deployment, parse, kind="change"),
    Detector("github.deployment_status", score_status, parse, kind="change"),
]
