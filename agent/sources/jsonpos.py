"""Where things are in a JSON text: 1-based line numbers for array items and string values.

``json.loads`` forgets positions, but evidence pointers are ``file:line``. A token scanner (strings and
brackets only, driven by one C-level regex) recovers the line where each item of an array starts.
"""

from __future__ import annotations

import bisect
import re

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"\s*:|"(?:[^"\\]|\\.)*"|[{}\[\]]')


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
    pending_key: str | None = None
    for m in _TOKEN.finditer(text):
        tok = m.group()
        if tok[0] == '"':
            if tok[-1] == ":":
                pending_key = tok[1:tok.rindex('"')]
            continue
        if tok in "{[":
            if tok == "{" and stack and stack[-1][0] == "[" and _matches(stack, path):
                offsets.append(m.start())
            stack.append((tok, pending_key))
            pending_key = None
        else:
            if stack:
                stack.pop()
            pending_key = None
    return offsets


def _matches(stack: list[tuple[str, str | None]], path: tuple[str, ...]) -> bool:
    keys = [key for _, key in stack[1:]]
    if len(keys) != len(path):
        return False
    return all(p == "*" or p == k for p, k in zip(path, keys))


def array_item_lines(text: str, path: tuple[str, ...], index: LineIndex | None = None) -> list[int]:
    index = index or LineIndex(text)
    return [index.line_at(off) for off in array_item_offsets(text, path)]
