"""Regexes compiled ahead of time: compiling the ~350 a draft uses costs ~0.12 s at every start.

CPython's ``re.compile`` parses a pattern and generates the code its C engine runs in pure Python, then
hands the code to ``_sre.compile``. agent/data/regex_cache.bin holds that code for each (pattern, flags)
a draft, ``postmortem lint`` and the lint data files use, with the final flags, group count and group
names, so ``compile`` here goes straight to ``_sre.compile``. The file is used only by the interpreter
that wrote it (implementation, exact version, ``_sre`` MAGIC, CODESIZE, MAXREPEAT and MAXGROUPS, byte
order); another interpreter, a regex the file does not know, or a damaged file falls back to
``re.compile``: correct, just slower. Nothing is written at run time. ``tests/test_rxcache.py`` checks
every entry against a fresh compile and fails when a regex the drafts use is missing. Regenerate with:

    python -m agent.rxcache [EXTRA_BUNDLE ...]

Modules use it as ``from agent import rxcache as rx`` and ``rx.compile(...)`` (the same length as
``re.compile(...)``, so continuation lines keep their alignment). Regexes built from incident data
(names, actors) stay on ``re.compile``: they would never be in the file.
"""

from __future__ import annotations

import _sre
import marshal
import re
import sys
import zlib
from os import path

CACHE_FILE = path.join(path.dirname(path.abspath(__file__)), "data", "regex_cache.bin")
REGEN = "python -m agent.rxcache"
FORMAT = 1
MEMO_MAX = 4096
_CODE_TYPE = "I"  # the code words as stored: native unsigned ints of _sre.CODESIZE (4) bytes

_entries: dict | None = None  # (pattern, flags) -> its entry, marshalled and compressed (see entry_for)
_built: dict = {}  # (pattern, flags) -> the re.Pattern compile returned: later calls cost one dict lookup
recording: set | None = None  # while collecting for a regen: every (pattern, flags) asked for


def interpreter() -> tuple:
    """What the stored code is valid for."""
    return (FORMAT, sys.implementation.name, sys.hexversion, _sre.MAGIC, _sre.CODESIZE, _sre.MAXREPEAT,
            _sre.MAXGROUPS, sys.byteorder)


def compile(pattern, flags=0) -> re.Pattern:  # noqa: A001 - stands in for re.compile
    """``re.compile(pattern, flags)``, from the shipped code when the file has this regex."""
    if recording is not None and isinstance(pattern, (str, bytes)):
        recording.add((pattern, int(flags)))
    key = (pattern, flags)
    try:
        return _built[key]
    except (KeyError, TypeError):  # TypeError: an unhashable pattern, which re.compile rejects below
        pass
    made = _from_table(pattern, flags) or re.compile(pattern, flags)
    # bounded like re's own cache, in case a caller compiles regexes built from data
    if len(_built) < MEMO_MAX and not flags & re.DEBUG:
        _built[key] = made
    return made


def _from_table(pattern, flags) -> re.Pattern | None:
    packed = table().get((pattern, flags)) if isinstance(pattern, (str, bytes)) else None
    if packed is None:
        return None
    try:
        final, code, groups, groupindex, indexgroup = marshal.loads(zlib.decompress(packed))
        return _sre.compile(pattern, final, memoryview(code).cast(_CODE_TYPE).tolist(), groups, groupindex,
                            indexgroup)
    except (RuntimeError, TypeError, ValueError, OverflowError, EOFError, zlib.error):  # damaged: _sre checks code
        return None


def table() -> dict:
    """The shipped entries, read on first use ({} when the file is unusable here)."""
    global _entries
    if _entries is None:
        _entries = read(CACHE_FILE)
    return _entries


def read(file: str, want: tuple | None = None) -> dict:
    """The entries in ``file`` if it was written by this interpreter (or for ``want``), else {}."""
    key, entries = _open(file)
    return entries if key is not None and key == (want or interpreter()) else {}


def written_for(file: str = CACHE_FILE) -> tuple | None:
    """The interpreter ``file`` was written by (None when it is missing or unreadable)."""
    return _open(file)[0]


def _open(file: str) -> tuple:
    try:
        with open(file, "rb") as fh:
            key, entries = marshal.loads(fh.read())
    except (OSError, EOFError, ValueError, TypeError):
        return None, None
    return (key, entries) if isinstance(key, tuple) and isinstance(entries, dict) else (None, None)


def entry_for(pattern, flags: int) -> tuple:
    """What ``re._compiler.compile`` would hand to ``_sre.compile`` for this regex, as stored."""
    from array import array
    from re import _compiler, _parser  # type: ignore[attr-defined]

    parsed = _parser.parse(pattern, flags)
    code = array(_CODE_TYPE, _compiler._code(parsed, flags))
    groupindex = dict(parsed.state.groupdict)
    indexgroup = [None] * parsed.state.groups
    for name, i in groupindex.items():
        indexgroup[i] = name
    return (int(flags | parsed.state.flags), code.tobytes(), parsed.state.groups - 1, groupindex, tuple(indexgroup))


def write(keys, file: str = CACHE_FILE) -> str:
    """Write entries for ``keys`` ((pattern, flags) pairs), sorted so a regen is reproducible."""
    import os
    from array import array

    if array(_CODE_TYPE).itemsize != _sre.CODESIZE:
        raise RuntimeError(f"array {_CODE_TYPE!r} items are not {_sre.CODESIZE} bytes on this platform")
    keys = sorted({(p, int(f)) for p, f in keys if not int(f) & re.DEBUG},
                  key=lambda k: (isinstance(k[0], bytes), k[0], k[1]))
    entries = {}
    for k in keys:
        try:
            # each entry compressed on its own: a run decompresses only the ones it uses
            # (marshal version 2 writes no back-references, so the bytes depend on the values alone)
            entries[k] = zlib.compress(marshal.dumps(entry_for(*k), 2), 9)
        except re.error:  # asked for but invalid: re.compile raised for the caller too
            continue
    blob = marshal.dumps((interpreter(), entries), 2)
    tmp = file + ".tmp"
    with open(tmp, "wb") as fh:
        fh.write(blob)
    os.replace(tmp, file)
    return file


if __name__ == "__main__":
    from agent.rxcollect import main

    main(sys.argv[1:])
