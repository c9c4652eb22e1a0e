"""The blameless rules as data: load agent/data/blameless_rules.yaml, apply a config, match a sentence."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import yaml

from agent import rxcache as rx
from agent.checks import agentcause, blamemodel, literalcache, subject
from agent.checks.lazyre import LazyPattern, compiled_now
from agent.checks.prefilter import Prefilter
from agent.errors import BundleError

RULES_FILE = subject.DATA_DIR / "blameless_rules.yaml"
SEVERITIES = ("error", "warning", "info")
OPT_IN: frozenset[str] = frozenset()  # rules off unless a config enables them (blame-model is on since round 5)
NOT_A_NAME_BEFORE = {"st", "san", "santa", "saint", "los", "las", "lake", "mount", "port", "fort", "new"}
ROLE_HANDLE = rx.compile(r"team|squad|group|oncall|on-call|engineer|manager|lead|vp|director|eng$|ops|sre|bot", re.I)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    kind: str
    patterns: tuple[re.Pattern, ...]
    message: str
    rewrite: str = ""
    subjects: dict[str, str] = field(default_factory=dict)
    not_followed_by: tuple[re.Pattern, ...] = ()
    not_preceded_by: tuple[re.Pattern, ...] = ()
    unless: tuple[re.Pattern, ...] = ()
    replace: tuple[tuple[re.Pattern, str], ...] = ()
    examples: dict[str, list[str]] = field(default_factory=dict)
    scope: str = "clause"
    agent_ok: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Hit:
    """One rule firing inside one sentence; offsets are relative to the sentence."""

    rule: Rule
    severity: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class LintConfig:
    disabled: frozenset[str] = frozenset()
    severity: dict[str, str] = field(default_factory=dict)
    people: frozenset[str] = frozenset()


def _compile(items: list[str] | None, compiler=rx.compile) -> tuple[re.Pattern, ...]:
    return tuple(compiler(p, re.IGNORECASE) for p in items or ())


def _compiler(path: Path):
    """Compile on first use when the shipped cache vouches that every regex in ``path`` compiles
    (agent/checks/literalcache.py); otherwise now, so a bad regex fails at load."""
    return LazyPattern if literalcache.rules_checked(path) else compiled_now


def _rule(raw: dict, compiler=rx.compile) -> Rule:
    return Rule(
        id=raw["id"], severity=raw.get("severity", "error"), kind=raw.get("kind", "phrase"),
        patterns=_compile(raw.get("patterns"), compiler), message=raw.get("message", ""),
        rewrite=raw.get("rewrite", ""), subjects=dict(raw.get("subjects") or {}),
        not_followed_by=_compile(raw.get("not_followed_by"), compiler),
        not_preceded_by=_compile(raw.get("not_preceded_by"), compiler), unless=_compile(raw.get("unless"), compiler),
        replace=tuple((compiler(a, re.IGNORECASE), b) for a, b in raw.get("replace") or ()),
        examples={k: list(v) for k, v in (raw.get("examples") or {}).items()},
        scope=raw.get("scope", "clause"), agent_ok=frozenset(raw.get("agent_ok") or ()),
    )


# libyaml's loader reads the 100 kB rules file ~15x faster and builds the same document
# (tests/test_ruleset_load.py compares the two); the pure-Python loader is the fallback.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=4)
def _document(path: Path = RULES_FILE) -> dict:
    """The parsed rules file, read once for both the rules and the agent lexicon (treat as read-only):
    the lint cache's copy while the file has the content it was written from, else parsed now."""
    return literalcache.document(path) or parse_rules_file(path)


def parse_rules_file(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # a safe loader: C or pure-Python SafeLoader


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_FILE) -> tuple[Rule, ...]:
    """All rules from the data file, in file order."""
    compiler = _compiler(path)
    return tuple(_rule(r, compiler) for r in _document(path)["rules"])


def _rules_at(path: Path) -> tuple[Rule, ...]:
    """``load_rules(path)``, sharing ``load_rules()``'s cache entry for the default file."""
    return load_rules() if path == RULES_FILE else load_rules(path)


@lru_cache(maxsize=4)
def rule_prefilter(path: Path = RULES_FILE) -> Prefilter:
    """Which phrase/subject patterns can match a sentence: most sentences rule out nearly all of them."""
    return Prefilter([p for r in _rules_at(path) if r.kind not in ("agent", "names") for p in r.patterns])


@lru_cache(maxsize=4)
def _owners(path: Path = RULES_FILE) -> dict[re.Pattern, frozenset[str]]:
    owners: dict[re.Pattern, set[str]] = {}
    for r in _rules_at(path):
        for p in r.patterns:
            owners.setdefault(p, set()).add(r.id)
    return {p: frozenset(ids) for p, ids in owners.items()}


def _live_rules(allowed: frozenset[re.Pattern]) -> set[str]:
    owners = _owners()
    return {rule_id for p in allowed for rule_id in owners[p]}


@lru_cache(maxsize=4)
def load_lexicon(path: Path = RULES_FILE) -> agentcause.Lexicon:
    """Word classes for the ``agent`` rule kind."""
    return agentcause.lexicon(_document(path)["agent_lexicon"], _compiler(path))


def make_config(raw: dict | LintConfig | None) -> LintConfig:
    """Accept a parsed YAML config ({disable: [...], enable: [...], severity: {...}, people: [...]}) or a
    LintConfig. Rules in OPT_IN are off unless enabled."""
    if isinstance(raw, LintConfig):
        return raw
    raw = raw or {}
    known = {r.id for r in load_rules()}
    enabled = set(raw.get("enable") or [])
    disabled = set(raw.get("disable") or raw.get("disabled") or []) | (OPT_IN - enabled)
    severity = dict(raw.get("severity") or {})
    for rule_id in disabled | enabled | set(severity):
        if rule_id not in known:
            raise BundleError(f"unknown lint rule {rule_id!r}; known rules: {', '.join(sorted(known))}")
    for rule_id, sev in severity.items():
        if sev not in SEVERITIES:
            raise BundleError(f"severity for {rule_id!r} must be one of {SEVERITIES}, not {sev!r}")
    people = frozenset(p.lower() for name in raw.get("people") or [] for p in str(name).split())
    return LintConfig(frozenset(disabled), severity, people)


def load_config(path: Path) -> LintConfig:
    if not path.is_file():
        raise BundleError("lint config not found; pass a YAML file with disable:/severity: keys", file=str(path))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise BundleError(f"lint config is not valid YAML: {exc}", file=str(path)) from exc
    if not isinstance(data, dict):
        raise BundleError("lint config must be a mapping with disable:/severity:/people: keys", file=str(path))
    return make_config(data)


@lru_cache(maxsize=1)
def critique_patterns() -> tuple[re.Pattern, ...]:
    data = yaml.load((subject.DATA_DIR / "blame_critique.yaml").read_text(encoding="utf-8"), Loader=_LOADER)
    return _compile(data["patterns"])


def match_sentence(sentence: str, cfg: LintConfig, *, names_ok: bool = False, prefilter: bool = True) -> list[Hit]:
    """Every rule hit in one sentence, honouring the config's disabled rules and severity overrides.

    ``prefilter=False`` tries every pattern even when its literals are absent from the sentence (tests
    use it to prove the prefilter never changes a result)."""
    allowed = rule_prefilter().possible(sentence) if prefilter else None
    if allowed is not None and _quiet(sentence, cfg, names_ok, allowed):
        return []  # most sentences: no rule can fire, so no need to ask whether it critiques blame
    if any(p.search(sentence) for p in critique_patterns()):
        return []  # talk about blame that rejects it (agent/data/blame_critique.yaml)
    if chat := subject.chat_names(sentence):
        cfg = replace(cfg, people=cfg.people | chat)
    hits: list[Hit] = []
    covered = False  # a specific rule blames at error severity, before any config: the back-up stays silent
    live = _live_rules(allowed) if allowed is not None else None
    for rule in load_rules():
        if rule.kind == "model":  # last in the file: a second opinion only where no rule spoke
            if rule.id not in cfg.disabled and not covered and not any(h.severity != "info" for h in hits):
                hits.extend(_override(h, cfg) for h in _model_hits(rule, sentence))
            continue
        if rule.kind == "agent":
            if rule.id not in cfg.disabled and not covered:
                hits.extend(_override(h, cfg) for h in _agent_hits(rule, sentence, cfg, prefilter))
            continue
        if rule.kind != "names" and live is not None and rule.id not in live:
            continue
        if any(u.search(sentence) for u in rule.unless):
            continue
        if rule.kind == "names":
            if rule.id not in cfg.disabled and not names_ok:
                hits.extend(_override(h, cfg) for h in _name_hits(rule, sentence, cfg))
            continue
        found = _pattern_hits(rule, sentence, cfg, allowed)
        covered = covered or any(h.severity == "error" for h in found)
        if rule.id not in cfg.disabled:
            hits.extend(_override(h, cfg) for h in found)
    return hits


@lru_cache(maxsize=4)
def _unfiltered(path: Path = RULES_FILE) -> tuple[Rule, ...]:
    """The rules the literal prefilter does not cover (match_sentence runs them by kind)."""
    return tuple(r for r in _rules_at(path) if r.kind in ("agent", "names", "model"))


def _quiet(sentence: str, cfg: LintConfig, names_ok: bool, allowed: frozenset) -> bool:
    """No rule can fire on ``sentence``: no prefiltered pattern may match, and each other rule is off here
    or, for the agent back-up, lacks a trigger word (the check ``agentcause.find`` starts with)."""
    if allowed:
        return False
    for rule in _unfiltered():
        if rule.id in cfg.disabled or (rule.kind == "names" and names_ok):
            continue
        if rule.kind == "agent" and not load_lexicon().trigger.any_possible(agentcause.mask(sentence)):
            continue
        return False
    return True


def _agent_hits(rule: Rule, sentence: str, cfg: LintConfig, prefilter: bool = True) -> list[Hit]:
    span = agentcause.find(sentence, load_lexicon(), cfg.people, prefilter=prefilter)
    if span is None:
        return []
    return [Hit(rule, rule.severity, span[0], span[1], sentence[span[0]:span[1]])]


def _model_hits(rule: Rule, sentence: str) -> list[Hit]:
    model = blamemodel.load()
    if model is None or model.flags(sentence) is None:
        return []
    text = sentence.strip()
    start = sentence.find(text[:1]) if text else 0
    return [Hit(rule, rule.severity, start, start + len(text), text)]


def _override(hit: Hit, cfg: LintConfig) -> Hit:
    sev = cfg.severity.get(hit.rule.id)
    return Hit(hit.rule, sev, hit.start, hit.end, hit.text) if sev else hit


def _pattern_hits(rule: Rule, sentence: str, cfg: LintConfig, allowed: frozenset | None = None) -> list[Hit]:
    hits = []
    for pattern in rule.patterns:
        if allowed is not None and pattern not in allowed:
            continue
        for m in pattern.finditer(sentence):
            if _excluded(rule, sentence, m) or _agent_ok(rule, sentence, m, cfg):
                continue
            severity = _severity(rule, sentence, m, cfg)
            if severity:
                hits.append(Hit(rule, severity, m.start(), m.end(), m.group()))
    return hits


QUOTES = "'\"‘’“”"


def _mentioned(sentence: str, m: re.Match) -> bool:
    """A term in quotes is mentioned, not used: "words like 'careless' have no place here"."""
    before, after = sentence[max(0, m.start() - 2):m.start()], sentence[m.end():m.end() + 2]
    return any(q in before for q in QUOTES) and any(q in after for q in QUOTES)


MACHINE_QUOTE = rx.compile(r'`[^`]*`|"[^"]*"|“[^”]*”')
AGENT = rx.compile(r"\s+by\s+(?P<who>(the |an? |our |their )?([\w@-]+[ -]){0,3}?[\w@-]+)\b")


def _machine_text(sentence: str, m: re.Match) -> bool:
    """Inside `code`, a quoted log line ("ERROR: operator error: bad config") or a short quoted term
    ("careless mistake"): mentioned, not used. A long quoted sentence is still someone's words."""
    for q in MACHINE_QUOTE.finditer(sentence):
        if q.start() <= m.start() and m.end() <= q.end():
            text = q.group()
            return text.startswith("`") or ":" in text or len(text.split()) <= 4
    return False


def _agent_ok(rule: Rule, sentence: str, m: re.Match, cfg: LintConfig) -> bool:
    """"should have been blocked by the policy check": a passive whose agent is a system, not a person."""
    if not rule.agent_ok:
        return False
    a = AGENT.match(sentence, m.end())
    return bool(a) and subject.group_class(a.group("who"), cfg.people) in rule.agent_ok


def _excluded(rule: Rule, sentence: str, m: re.Match) -> bool:
    after, before = sentence[m.end():], sentence[: m.start()]
    if _mentioned(sentence, m) or _machine_text(sentence, m):
        return True
    if any(p.match(after) for p in rule.not_followed_by):
        return True
    return any(p.search(before[-60:]) for p in rule.not_preceded_by)


def _severity(rule: Rule, sentence: str, m: re.Match, cfg: LintConfig) -> str | None:
    if rule.kind != "subject":
        return rule.severity
    if rule.scope == "sentence":
        cls = subject.sentence_class(sentence, cfg.people)
    elif "who" in m.re.groupindex and m.group("who"):
        cls = subject.group_class(m.group("who"), cfg.people)
    else:
        cls = subject.subject_class(sentence, m.start(), cfg.people)
    return rule.subjects.get(cls)


def _product(toks: list[subject.Token], i: int) -> bool:
    """'Travis CI', 'Lockheed Martin': a name glued to an acronym or to a capitalised non-name."""
    nxt = toks[i + 1].text if i + 1 < len(toks) else ""
    if nxt.isupper() and len(nxt) > 1:
        return True
    return subject._after_proper(toks, i)


def _name_hits(rule: Rule, sentence: str, cfg: LintConfig) -> list[Hit]:
    toks = subject.tokens(sentence)
    hits = []
    for i, tok in enumerate(toks):
        if tok.text.startswith("@"):
            glued = tok.start > 0 and sentence[tok.start - 1].isalnum()
            if not glued and not ROLE_HANDLE.search(tok.text):
                hits.append(Hit(rule, rule.severity, tok.start, tok.end, tok.text))
            continue
        before = toks[i - 1].low.rstrip(".") if i else ""
        if subject.is_name(tok, cfg.people) and before not in NOT_A_NAME_BEFORE and not _product(toks, i):
            hits.append(Hit(rule, rule.severity, tok.start, tok.end, tok.text))
    return hits
