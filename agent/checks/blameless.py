"""Blameless-language linter: find blameful sentences, explain why, suggest a rewrite.

The rules are data (agent/data/blameless_rules.yaml); this module applies them to plain text,
markdown, the prose fields of a postmortem, and incident chat.
"""

from __future__ import annotations

import json
import re

from agent import rxcache as rx
from agent.checks import prose
from agent.checks.fields import PROSE_PATHS, prose_slots
from agent.checks.ruleset import (
    Hit,
    LintConfig,
    load_rules,
    make_config,
    match_sentence,
)
from agent.checks.subject import first_names
from agent.errors import BundleError
from agent.models import ChatFlag, ChatMessage, LintFinding, Postmortem

PROSE_KEYS = {p.split(".")[0].removesuffix("[]") for p in PROSE_PATHS}
PLACEHOLDER = "[wording removed by the blameless-language check; see lint_findings]"


def lint_text(text: str, *, config: dict | LintConfig | None = None, prefilter: bool = True) -> list[LintFinding]:
    """Findings for ``text`` (plain or markdown); line numbers are 1-based lines of ``text``.

    ``prefilter=False`` tries every rule pattern on every sentence: slower, same findings."""
    cfg = make_config(config)
    prepared = prose.prepare(text)
    findings: list[LintFinding] = []
    for sent in prose.sentences(prepared):
        for hit in match_sentence(sent.text, cfg, names_ok=sent.names_ok, prefilter=prefilter):
            line, col = prepared.position(sent.start + hit.start)
            off = prepared.disabled.get(line, set())
            if prose.ALL in off or hit.rule.id in off:
                continue
            findings.append(_finding(hit, line, col))
    return _dedupe(findings)


def _finding(hit: Hit, line: int, col: int, *, field: str | None = None) -> LintFinding:
    return LintFinding(
        rule=hit.rule.id, severity=hit.severity, line=line, column=col, text=hit.text,
        message=hit.rule.message, suggestion=hit.rule.rewrite, field=field,
    )


def _dedupe(findings: list[LintFinding]) -> list[LintFinding]:
    seen, out = set(), []
    for f in sorted(findings, key=lambda f: (f.field or "", f.line, f.column, f.rule)):
        key = (f.field, f.rule, f.line, f.column)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def lint_postmortem_json(raw: str, *, config: dict | LintConfig | None = None) -> list[LintFinding]:
    """Lint the prose fields of a postmortem.json; each finding carries its field path and file line."""
    data = json.loads(raw)
    if not isinstance(data, dict) or not PROSE_KEYS & set(data):
        raise BundleError("JSON input must be a postmortem.json (an object with executive_summary, five_whys, ...); "
                          "lint other text as markdown or via stdin")
    findings = []
    for slot in prose_slots(data):
        line = _json_line(raw, slot.text)
        for f in lint_text(slot.text, config=config):
            findings.append(f.model_copy(update={"field": slot.path, "line": line + f.line - 1}))
    return _dedupe(findings)


def _json_line(raw: str, value: str) -> int:
    encoded = json.dumps(value, ensure_ascii=False)
    at = raw.find(encoded)
    if at < 0:
        at = raw.find(json.dumps(value))
    return raw.count("\n", 0, at) + 1 if at >= 0 else 1


def has_errors(findings: list[LintFinding]) -> bool:
    return any(f.severity == "error" and f.resolution == "reported" for f in findings)


# --------------------------------------------------------------------------- drafts


def clean_postmortem(pm: Postmortem) -> Postmortem:
    """Rewrite or drop blameful sentences in every prose field; record findings in pm.lint_findings."""
    cfg = make_config({"people": _people(pm), "disable": ["blame-model"]})  # drafts: rules only, reproducible
    data = pm.model_dump(mode="json")
    found: list[LintFinding] = []
    for slot in prose_slots(data):
        cleaned, findings = clean_text(slot.text, cfg, field=slot.path)
        found.extend(findings)
        if cleaned != slot.text:
            slot.set(cleaned or PLACEHOLDER)
    data["lint_findings"] = [f.model_dump(mode="json") for f in _dedupe(found)]
    return Postmortem.model_validate(data)


def warm_clean() -> None:
    """Compile now what ``clean_postmortem`` needs on nearly every draft, instead of on first use: the
    blame-critique patterns (any sentence a rule may fire on is checked against them) and the word
    classes of the agent-cause rule (any sentence naming a person or team). The draft calls this while
    its logs are mined elsewhere; the rule patterns proper stay lazy (which of them a draft reaches
    depends on its words)."""
    from agent.checks.ruleset import critique_patterns, load_lexicon

    critique_patterns()
    for value in vars(load_lexicon()).values():
        compile_now = getattr(value, "compiled", None)  # a lazily compiled regex (agent/checks/lazyre.py)
        if callable(compile_now):
            compile_now()


def _people(pm: Postmortem) -> list[str]:
    names = [pm.author, *pm.reviewers, *(a.owner for a in pm.action_items), *(s.name for s in pm.sign_off)]
    return person_names(names)


def person_names(candidates) -> list[str]:
    """The candidates that look like people: 'Dana Kim', 'dana', 'dana.kim' (a known given name first)."""
    out = []
    for raw in candidates:
        name = (raw or "").strip().lstrip("@")
        first = re.split(r"[\s._-]+", name.lower())[0] if name else ""
        if first and first in first_names() and not re.search(r"team|oncall|on-call|eng|ops|sre", name, re.I):
            out.append(re.sub(r"[._]", " ", name))
    return out


def clean_text(text: str, cfg: LintConfig, *, field: str | None = None) -> tuple[str, list[LintFinding]]:
    """(text with blameful sentences rewritten or dropped, findings with their resolution)."""
    prepared = prose.prepare(text)
    findings: list[LintFinding] = []
    out = text
    for sent in reversed(prose.sentences(prepared)):
        hits = match_sentence(sent.text, cfg, names_ok=sent.names_ok)
        if not hits:
            continue
        original = text[sent.start:sent.end]
        resolution, replacement = "reported", original
        if any(h.severity == "error" for h in hits):
            replacement = _rewrite(original, hits, cfg)
            resolution = "rewritten" if replacement else "dropped"
            out = out[:sent.start] + replacement + out[sent.end:]
        for hit in hits:
            line, col = prepared.position(sent.start + hit.start)
            fixed = resolution if hit.severity == "error" or resolution == "dropped" else "reported"
            findings.append(_finding(hit, line, col, field=field).model_copy(update={"resolution": fixed}))
    return re.sub(r"[ \t]{2,}", " ", out).strip(), findings


def _rewrite(sentence: str, hits: list[Hit], cfg: LintConfig) -> str:
    """Apply the hit rules' automatic replacements; '' when the sentence is still blameful after them."""
    new = sentence
    for rule in {h.rule.id: h.rule for h in hits}.values():
        for pattern, repl in rule.replace:
            new = pattern.sub(repl, new)
    new = re.sub(r"\s{2,}", " ", new).strip()
    if new and new[0].islower():
        new = new[0].upper() + new[1:]
    still = match_sentence(new, cfg)
    return "" if not new or any(h.severity == "error" for h in still) else new


# --------------------------------------------------------------------------- chat


def flag_chat(messages: list[ChatMessage], evidence_ids: dict[str, str] | None = None, *,
              prefilter: bool = True) -> list[ChatFlag]:
    """Blameful chat remarks for the reviewer. ``evidence_ids`` maps Slack ts -> evidence id."""
    people = {n for m in messages for n in (m.user_name, m.user) if n}
    # Only error hits become flags, so the info-level naming rule is not even run on chat.
    cfg = make_config({"people": sorted(person_names(people)), "disable": ["named-individual", "blame-model"]})
    ids = evidence_ids or {}
    flags: list[ChatFlag] = []
    for msg in messages:
        rules = {}
        for sent in chat_sentences(msg.text):
            for hit in match_sentence(sent, cfg, prefilter=prefilter):
                if hit.severity == "error":
                    rules.setdefault(hit.rule.id, hit.rule.message)
        flags.extend(
            ChatFlag(ts=msg.ts, time=msg.time, channel=msg.channel, rule=rule_id, message=message,
                     evidence_id=ids.get(msg.ts))
            for rule_id, message in rules.items()
        )
    return flags


# What markdown masking (agent/checks/prose.py) acts on inside a line, or a second line. Line-start
# markup (#, >, |, -, 1., ```) is ruled out by asking for a letter first.
MARKUP = rx.compile(r"\n|`|\*|\[|\]|__|~~|<!--|://")


def chat_sentences(text: str) -> list[str]:
    """The texts of ``prose.sentences(prose.prepare(text))``. Most chat messages are one line of plain
    words that masking would leave as they are, so they skip it (tests/test_lint_speed_chat.py); most
    are one sentence too, with no break for the splitter to find."""
    if text.lstrip()[:1].isalpha() and not MARKUP.search(text):
        if not prose.SPLIT.search(text):
            body = text.strip()
            return [body] if body else []
        prepared = prose.Prepared(text, [0])
    else:
        prepared = prose.prepare(text)
    return [sent.text for sent in prose.sentences(prepared)]


def rule_ids() -> list[str]:
    return [r.id for r in load_rules()]
