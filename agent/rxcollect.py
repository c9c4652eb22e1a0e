"""Which regexes agent/data/regex_cache.bin must hold, and the regen and staleness check for it.

A regen records every (pattern, flags) that goes through ``agent.rxcache.compile`` while it drafts each
bundled fixture and quality bundle (and the 10k benchmark bundle when it has been generated, plus any
bundle named on the command line), lints each draft, and adds every regex of the lint data files. Start
it in a fresh process (``python -m agent.rxcache``): a module imported before the recording starts has
already compiled its module-level regexes. ``python -m agent.rxcache --check`` drafts the fixtures the
same way and lists what the shipped file misses, without writing.
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from agent import rxcache

ROOT = Path(__file__).resolve().parent.parent


def fixtures() -> list[Path]:
    return sorted(p for p in (ROOT / "fixtures").iterdir() if p.is_dir())


def default_bundles() -> list[Path]:
    found = fixtures()
    quality = ROOT / "tests" / "data" / "quality"
    found += sorted(p for p in quality.iterdir() if p.is_dir()) if quality.is_dir() else []
    bench = ROOT / "benchmarks" / "_data" / "bundle_10000"
    return found + ([bench] if bench.is_dir() else [])


@contextmanager
def recording() -> Iterator[set[tuple]]:
    """Every (pattern, flags) that goes through ``rxcache.compile`` inside the block (nests)."""
    outer, seen = rxcache.recording, set()
    rxcache.recording = seen
    try:
        yield seen
    finally:
        rxcache.recording = outer
        if outer is not None:
            outer |= seen


def collect(bundles: list[Path]) -> set[tuple]:
    """The lint data's regexes and every regex compiled while drafting and linting ``bundles``."""
    with recording() as seen:
        lint_regexes()
        for bundle in bundles:
            _draft(bundle)
    return seen


def _draft(bundle: Path) -> None:
    from agent.api import run_postmortem
    from agent.checks import blameless

    with tempfile.TemporaryDirectory() as out:
        run_postmortem(bundle, out_dir=out)
        for md in sorted(Path(out).glob("*.md")):
            blameless.lint_text(md.read_text(encoding="utf-8"))
        pm_json = Path(out) / "postmortem.json"
        if pm_json.is_file():
            blameless.lint_postmortem_json(pm_json.read_text(encoding="utf-8"))


def lint_regexes() -> set[tuple]:
    """Every regex of the lint rules file (as the rules and the agent lexicon compile them, with the
    prefilters' scan regexes built from them) and of the critique list, compiled now."""
    from agent.checks import literalcache, ruleset

    with recording() as seen:
        for raw in literalcache._all_regexes(ruleset._document(ruleset.RULES_FILE)):
            rxcache.compile(raw, re.IGNORECASE)
        # uncached calls: each builds its prefilter (and so its scan regex) afresh
        ruleset.rule_prefilter.__wrapped__()
        lexicon = ruleset.load_lexicon.__wrapped__()
        for value in vars(lexicon).values():
            if isinstance(getattr(value, "pattern", None), str):
                rxcache.compile(value.pattern, value.flags)
        ruleset.critique_patterns.__wrapped__()
    return seen


def missing(needed: set[tuple]) -> list[tuple]:
    """The regexes in ``needed`` the shipped file lacks (all of them when it is for another interpreter)."""
    have = rxcache.table()
    return sorted((k for k in needed if k not in have), key=repr)


def stale() -> list[str]:
    """Why the shipped file does not serve the lint data files' regexes here ([] when it does)."""
    written = rxcache.written_for()
    if written is None:
        return [f"{rxcache.CACHE_FILE} is missing or unreadable"]
    if written != rxcache.interpreter():
        return [f"it was written by {written}, this interpreter is {rxcache.interpreter()}"]
    gone = missing(lint_regexes())
    return [f"{len(gone)} regexes of the lint data files are not in it, e.g. {gone[0][0][:80]!r}"] if gone else []


def main(argv: list[str]) -> None:
    check = "--check" in argv
    extra = [Path(a) for a in argv if a != "--check"]
    needed = collect(fixtures() if check else default_bundles() + extra)
    if check:
        gone = missing(needed)
        for pattern, flags in gone:
            print(f"missing: {pattern!r} flags={flags}")
        print(f"{len(gone)} of {len(needed)} regexes missing" + (f"; run {rxcache.REGEN}" if gone else ""))
        sys.exit(1 if gone else 0)
    print(f"wrote {rxcache.write(needed)} ({len(needed)} regexes)")
