"""Where things are in a JSON text: 1-based line numbers for array items and string values.

``json.loads`` forgets positions, but evidence pointers are ``file:line``. A bracket scanner (one
C-level regex that steps over strings) recovers the line where each item of an array starts.
``array_item_lines`` asks ``agent.sources.jsonscan`` first, which finds the same items with numpy
(a 5k-message chat export: 16 ms here, under 2 ms there), once numpy is loaded: the files parsed
before a big draft's log miners fork (alerts) would otherwise pay for importing numpy (~45 ms) to
save ~8 ms, and delay the miners by the difference.
"""

from __future__ import annotations

import bisect
import re
import sys

from agent import rxcache as rx

# One match per bracket, never per string: the filler before it swallows text and whole strings in C
# (possessive, so no backtracking), and stops only at a string that is the key of an object or array
# value, which the match then captures. Unrolled string loops; the scanner needs valid JSON, which every
# caller has already parsed.
_STRING = r'"[^"\\]*+(?:\\.[^"\\]*+)*+"'
_BRACKET = rx.compile(r'(?:[^"{}\[\]]++|' + _STRING + r'(?!\s*:\s*[{\[]))*+'
                      r'(?:"([^"\\]*+(?:\\.[^"\\]*+)*+)"\s*:\s*(?=[{\[]))?([{}\[\]])')


class LineIndex:
    """Offset -> 1-based line number, by bisecting the newline offsets."""

    def __init__(self, text: str):
        self.text = text
        self._newlines = [m.start() for m in re.finditer("\n", text)]

    def line_at(self, offset: int) -> int:
        return bisect.bisect_left(self._newlines, offset) + 1

    def find(self, needle: str, start: int = 0) -> int | None:
        """1-based line of the first occurrence of ``needle`` at or after ``start``, else None."""
        pos = self.text.find(needle, start)
        return None if pos < 0 else self.line_at(pos)


def array_item_offsets(text: str, path: tuple[str, ...]) -> list[int]:
    """Offsets of each item of the array found at ``path`` ('*' matches any key; () is the top level).

    Items of arrays nested inside those items are not reported. Scalars inside the array are ignored.
    """
    offsets: list[int] = []
    stack: list[tuple[str, str | None]] = []  # (bracket, key that opened it)
    depth = len(path) + 1  # an item's parents: the top level, then one bracket per path key
    for m in _BRACKET.finditer(text):
        tok = m.group(2)
        if tok == "{" or tok == "[":
            if tok == "{" and len(stack) == depth and stack[-1][0] == "[" and _matches(stack, path):
                offsets.append(m.start(2))
            stack.append((tok, m.group(1)))
        elif stack:
            stack.pop()
    return offsets


def _matches(stack: list[tuple[str, str | None]], path: tuple[str, ...]) -> bool:
    keys = [key for _, key in stack[1:]]
    if len(keys) != len(path):
        return False
    return all(p == "*" or p == k for p, k in zip(path, keys))


def array_item_lines(text: str, path: tuple[str, ...], index: LineIndex | None = None) -> list[int]:
    if "numpy" in sys.modules:
        from agent.sources import jsonscan

        lines = jsonscan.item_lines(text, path)
        if lines is not None:
            return lines
    index = index or LineIndex(text)
    return [index.line_at(off) for off in array_item_offsets(text, path)]
