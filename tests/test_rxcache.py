"""The shipped precompiled regexes (agent/rxcache.py, agent/data/regex_cache.bin): every entry is what
this interpreter's re compiler makes of its regex, the file holds every regex the drafts and the lint
data use, and anything else (another interpreter, an unknown regex, a damaged file) compiles the plain
way with the same result."""

import marshal
import os
import re
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from agent import rxcache, rxcollect

ROOT = Path(__file__).resolve().parents[1]
OTHER_PYTHON = (rxcache.FORMAT, "otherpython", 0x30B07F0, 0, 4, 0, 0, "little")


def _needs_this_interpreter():
    written = rxcache.written_for()
    assert written is not None, f"{rxcache.CACHE_FILE} is missing or unreadable; run {rxcache.REGEN}"
    if written != rxcache.interpreter():
        pytest.skip(f"regex_cache.bin was written by {written}; this is {rxcache.interpreter()} "
                    f"(everything compiles the plain way here; regenerate with {rxcache.REGEN})")


def test_every_entry_is_what_re_compiles_from_its_regex_here():
    _needs_this_interpreter()
    table = rxcache.table()
    assert len(table) > 500
    for (pattern, flags), packed in table.items():
        assert marshal.loads(zlib.decompress(packed)) == rxcache.entry_for(pattern, flags), pattern
        made, plain = rxcache._from_table(pattern, flags), re.compile(pattern, flags)
        assert made is not None, pattern
        # Pattern equality compares the pattern, the flags and the compiled code
        assert made == plain and made.flags == plain.flags, pattern
        assert made.groups == plain.groups and made.groupindex == plain.groupindex, pattern


def test_the_file_holds_every_regex_of_the_lint_data():
    _needs_this_interpreter()
    reasons = rxcollect.stale()
    assert not reasons, (f"agent/data/regex_cache.bin is stale ({'; '.join(reasons)}). Everything still works "
                         f"(the missing regexes compile the plain way, slower). Regenerate: {rxcache.REGEN}")


def test_the_file_holds_every_regex_a_fixture_draft_compiles():
    _needs_this_interpreter()
    # a fresh process: module-level regexes compile at import, which this test process did long ago
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "agent.rxcache", "--check"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, (f"agent/data/regex_cache.bin misses regexes the drafts compile (they still "
                                 f"work, slower). Regenerate: {rxcache.REGEN}\n{run.stdout[-3000:]}{run.stderr[-3000:]}")


def test_compile_returns_the_same_pattern_as_re_for_cached_and_unknown_regexes():
    for pattern, flags in [(r"\s+", 0), (r"(?P<who>\w+) did (it)", re.I), (r"\bzorbled\s+(?P<x>quux)\b", re.M),
                           (rb"[0-9a-f]+", 0)]:
        made = rxcache.compile(pattern, flags)
        assert made == re.compile(pattern, flags)
        assert made.groupindex == re.compile(pattern, flags).groupindex
        assert rxcache.compile(pattern, flags) is made  # later calls are one dict lookup


def test_bad_input_fails_as_re_compile_does():
    with pytest.raises(re.error):
        rxcache.compile(r"(unclosed")
    with pytest.raises(TypeError):
        rxcache.compile(["not", "a", "pattern"])
    compiled = re.compile("x")
    assert rxcache.compile(compiled) is compiled


def test_a_file_written_by_another_interpreter_is_ignored(tmp_path, monkeypatch):
    fake = tmp_path / "regex_cache.bin"
    rxcache.write([(r"\bzorbled\b", 0)], str(fake))
    assert set(rxcache.read(str(fake))) == {(r"\bzorbled\b", 0)}
    assert rxcache.read(str(fake), want=OTHER_PYTHON) == {}
    key, entries = marshal.loads(fake.read_bytes())
    fake.write_bytes(marshal.dumps((OTHER_PYTHON, entries)))
    assert rxcache.written_for(str(fake)) == OTHER_PYTHON and rxcache.read(str(fake)) == {}
    monkeypatch.setattr(rxcache, "_entries", rxcache.read(str(fake)))
    monkeypatch.setattr(rxcache, "_built", {})
    assert rxcache.compile(r"\bzorbled\b") == re.compile(r"\bzorbled\b")


def test_a_damaged_file_or_entry_falls_back_to_re(tmp_path, monkeypatch):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00not marshal")
    assert rxcache.read(str(junk)) == {} and rxcache.written_for(str(junk)) is None
    assert rxcache.read(str(tmp_path / "absent.bin")) == {}
    good = rxcache.entry_for(r"a(b)c", 0)
    bad_code = zlib.compress(marshal.dumps((good[0], b"\xff" * len(good[1]), *good[2:]), 2))
    monkeypatch.setattr(rxcache, "_entries", {(r"a(b)c", 0): bad_code, (r"x+y", 0): b"not zlib"})
    monkeypatch.setattr(rxcache, "_built", {})
    assert rxcache.compile(r"a(b)c") == re.compile(r"a(b)c")
    assert rxcache.compile(r"x+y").match("xxy")


def test_a_regen_is_reproducible(tmp_path):
    keys = [(r"\s+", 0), (r"(?P<who>\w+)", 2), (rb"\d+", 0), (r"(bad", 0)]
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    rxcache.write(keys, str(a))
    rxcache.write(list(reversed(keys)), str(b))
    assert a.read_bytes() == b.read_bytes()
    assert set(rxcache.read(str(a))) == {(r"\s+", 0), (r"(?P<who>\w+)", 2), (rb"\d+", 0)}  # the bad one is left out


def test_recording_sees_every_compile_even_memoised_ones():
    rxcache.compile(r"\s+")
    with rxcollect.recording() as seen:
        rxcache.compile(r"\s+")
        rxcache.compile(r"(?i)zorbled", 0)
    assert seen == {(r"\s+", 0), (r"(?i)zorbled", 0)}
    assert rxcache.recording is None
