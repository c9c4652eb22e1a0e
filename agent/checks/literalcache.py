"""The prefilter's literal sets, derived once when the rules change instead of at every start.

agent/data/lint_cache.json holds, for each regex the linter prefilters (the rule patterns and the agent
lexicon's trigger words), the literals ``prefilter.derive_literals`` finds in it, plus two content hashes:
of agent/checks/prefilter.py (the code that derives them) and of agent/data/blameless_rules.yaml (all of
whose regexes compiled when the cache was written). Entries are used only while the code hash matches,
and only for the (pattern, flags) they name; any other regex is parsed at run time: correct, just
slower. Rules compile lazily only while the rules hash matches, so an edited rules file still fails at
load on a bad regex. While it matches, the rules document itself is read from here too (the YAML parse
costs ~20 ms at every start). ``tests/test_lint_cache.py`` fails when the shipped file is stale. Regenerate with:

    python -m agent.checks.literalcache
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from functools import lru_cache
from pathlib import Path

CHECKS_DIR = Path(__file__).resolve().parent
CACHE_FILE = CHECKS_DIR.parent / "data" / "lint_cache.json"
PREFILTER_SOURCE = CHECKS_DIR / "prefilter.py"
REGEN = "python -m agent.checks.literalcache"
MISSING = object()  # lookup(): the cache does not know this regex (None means "no usable literal")


def digest(path: Path) -> str:
    """sha256 of the file with CRLF read as LF (a Windows checkout hashes the same)."""
    try:
        return hashlib.sha256(path.read_bytes().replace(b"\r\n", b"\n")).hexdigest()
    except OSError:
        return ""


@lru_cache(maxsize=1)
def _shipped() -> dict:
    try:
        data = json.loads(CACHE_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@lru_cache(maxsize=1)
def _table() -> dict[tuple[str, int], frozenset[str] | None]:
    data = _shipped()
    if not data or data.get("prefilter_sha256") != digest(PREFILTER_SOURCE):
        return {}
    try:
        return {(p, f): (None if lits is None else frozenset(lits)) for p, f, lits in data.get("literals", ())}
    except (TypeError, ValueError):  # a hand-edited or truncated file: derive everything, as without one
        return {}


def lookup(pattern: str, flags: int):
    """The cached literal set (or None) for this regex, or MISSING."""
    return _table().get((pattern, flags), MISSING)


@lru_cache(maxsize=8)
def rules_checked(path: Path) -> bool:
    """Every regex in the rules file at ``path`` compiled when the cache was written (same content), so
    they may compile lazily."""
    return bool(_shipped()) and _shipped().get("rules_sha256") == digest(path)


def document(path: Path) -> dict | None:
    """The parsed rules file as the cache holds it, when ``path`` has the content the cache was written
    from (reading the cache's JSON is ~30x faster than parsing the YAML); else None. Treat as read-only."""
    doc = _shipped().get("document")
    return doc if isinstance(doc, dict) and rules_checked(path) else None


def build() -> dict:
    """The cache for the rules and code as they are now (derives every literal set afresh)."""
    from agent.checks import prefilter, ruleset

    rows = {}
    for pf in _prefilters(ruleset):
        for p in pf.patterns:
            need = prefilter.derive_literals(p)
            rows[(p.pattern, p.flags)] = None if need is None else sorted(need)
    # a bad regex fails here, never later in a lazy compile: each rule regex, and the lexicon's joined ones
    for raw in _all_regexes(ruleset._document(ruleset.RULES_FILE)):
        re.compile(raw, re.IGNORECASE)
    for value in vars(ruleset.load_lexicon()).values():
        if isinstance(getattr(value, "pattern", None), str):
            re.compile(value.pattern, value.flags)
    return {
        "regen": REGEN,
        "prefilter_sha256": digest(PREFILTER_SOURCE),
        "rules_sha256": digest(ruleset.RULES_FILE),
        "literals": [[p, f, lits] for (p, f), lits in sorted(rows.items())],
        "document": ruleset.parse_rules_file(ruleset.RULES_FILE),
    }


def _prefilters(ruleset) -> list:
    return [ruleset.rule_prefilter(), ruleset.load_lexicon().trigger]


def _all_regexes(doc: dict) -> list[str]:
    out = []
    for rule in doc["rules"]:
        for key in ("patterns", "not_followed_by", "not_preceded_by", "unless"):
            out += rule.get(key) or []
        out += [a for a, _ in rule.get("replace") or ()]
    lex = doc["agent_lexicon"]
    out += [p for key, items in lex.items() if key != "system" for p in items]
    return out


def stale() -> list[str]:
    """Why the shipped cache does not match the rules and code now ([] when it does)."""
    from agent.checks import ruleset

    data = _shipped()
    if not data:
        return [f"{CACHE_FILE.name} is missing or unreadable"]
    reasons = []
    if data.get("prefilter_sha256") != digest(PREFILTER_SOURCE):
        reasons.append("agent/checks/prefilter.py changed since the cache was written")
    if data.get("rules_sha256") != digest(ruleset.RULES_FILE):
        reasons.append("agent/data/blameless_rules.yaml changed since the cache was written")
    cached = {(p, f) for p, f, _ in data.get("literals", ())}
    now = {(p.pattern, p.flags) for pf in _prefilters(ruleset) for p in pf.patterns}
    if cached != now:
        reasons.append(f"{len(now - cached)} prefiltered regexes are not cached, "
                       f"{len(cached - now)} cached ones are gone")
    if data.get("document") != ruleset.parse_rules_file(ruleset.RULES_FILE):
        reasons.append("the cached rules document is not what the rules file parses to")
    return reasons


def write(path: Path = CACHE_FILE) -> Path:
    """Write the cache atomically (a temp file in the same directory, then os.replace)."""
    data = build()
    rows = ",\n".join(json.dumps(row, ensure_ascii=False) for row in data.pop("literals"))
    doc = json.dumps(data.pop("document"), ensure_ascii=False, indent=0)  # one value a line: diffs by rule
    head = json.dumps(data, ensure_ascii=False, sort_keys=True)[:-1]
    text = f'{head}, "literals": [\n{rows}\n],\n"document": {doc}}}\n'  # one regex a line: a regen diffs by rule
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


if __name__ == "__main__":
    print(f"wrote {write()}")
