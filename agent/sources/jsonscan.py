"""The array items of a JSON text, found with numpy: what ``jsonpos.array_item_offsets`` finds.

The regex scanner of ``agent.sources.jsonpos`` steps from bracket to bracket in Python, about 1.5 us
a bracket (a chat export of 5k messages: 10k brackets). Here every step is a whole-array operation
on the UTF-8 bytes:

- a quote is a string's bound unless a run of an odd number of backslashes stands right before it;
  the bounds pair up (open, close), and a bracket is structure when no string holds it;
- depth is the running sum of opening (+1) and closing (-1) brackets; a bracket's parent is the
  last opening bracket before it one level up;
- an opening bracket's key is the string before the ":" before it (whitespace aside), as the
  regex captures it (the raw text between the quotes, escapes not decoded).

The scanner needs valid JSON, like the regex one (its callers parsed the text already). Anything
that does not add up (an odd count of quotes, brackets that do not balance) gives None, and the
caller runs the regex scanner.
"""

from __future__ import annotations

import numpy as np

_QUOTE, _BACKSLASH, _COLON = ord('"'), ord("\\"), ord(":")
_OPENS, _OBJECT, _ARRAY = (ord("{"), ord("[")), ord("{"), ord("[")
_BRACKET = np.zeros(256, dtype=bool)
_BRACKET[[ord(c) for c in "{}[]"]] = True
_WHITE = np.zeros(256, dtype=bool)
_WHITE[list(b" \t\r\n")] = True


MAX_CHARS = 64 * 1024 * 1024  # the arrays here take several bytes per byte of text; beyond this, the regex


def item_lines(text: str, path: tuple[str, ...]) -> list[int] | None:
    """1-based line of each item ``jsonpos.array_item_offsets(text, path)`` finds, or None (ask it)."""
    if len(text) > MAX_CHARS:
        return None
    data = text.encode("utf-8", "surrogatepass")
    b = np.frombuffer(data, dtype=np.uint8)
    found = _items(data, b, path)
    if found is None:
        return None
    newlines = np.flatnonzero(b == ord("\n"))
    return (np.searchsorted(newlines, found) + 1).tolist()


def _items(data: bytes, b: np.ndarray, path: tuple[str, ...]) -> np.ndarray | None:
    """Byte offsets of the "{" items of the arrays at ``path`` (see ``jsonpos.array_item_offsets``)."""
    quotes = _string_bounds(b)
    if quotes is None:
        return None
    at = np.flatnonzero(_BRACKET[b])
    at = at[np.searchsorted(quotes, at) % 2 == 0]  # an odd count of bounds before it: inside a string
    kind = b[at]
    opening = (kind == _OBJECT) | (kind == _ARRAY)
    depth = np.cumsum(np.where(opening, 1, -1))
    if len(at) == 0 or int(depth.min()) < 0 or int(depth[-1]) != 0:
        return None
    tree = _Tree(data, quotes, at[opening], kind[opening], depth[opening] - 1)
    return tree.items(path)


def _string_bounds(b: np.ndarray) -> np.ndarray | None:
    """Positions of the quotes that open or close a string (escaped ones dropped), or None."""
    quotes = np.flatnonzero(b == _QUOTE)
    slashes = np.flatnonzero(b == _BACKSLASH)
    if len(slashes):
        breaks = np.flatnonzero(np.diff(slashes) != 1)
        ends = np.append(slashes[breaks], slashes[-1])  # the last backslash of each run
        starts = np.insert(slashes[breaks + 1], 0, slashes[0])
        escaped = ends[(ends - starts) % 2 == 0] + 1  # after an odd run
        if len(escaped) and len(quotes):
            k = np.minimum(np.searchsorted(escaped, quotes), len(escaped) - 1)
            quotes = quotes[escaped[k] != quotes]
    return None if len(quotes) % 2 else quotes


class _Tree:
    """The opening brackets of a text, in order: position, kind and depth (0 at the top)."""

    def __init__(self, data: bytes, quotes: np.ndarray, at: np.ndarray, kind: np.ndarray, depth: np.ndarray):
        self.data, self.quotes, self.at, self.kind, self.depth = data, quotes, at, kind, depth

    def items(self, path: tuple[str, ...]) -> np.ndarray:
        """Offsets of the "{" at depth len(path) + 1 whose parent is "[" and whose ancestors at depths
        1 .. len(path) have the keys of ``path`` ("*": any key, or none)."""
        level = len(path) + 1
        found = np.flatnonzero((self.kind == _OBJECT) & (self.depth == level))
        up = self._parents(found, level)
        keep = self.kind[up] == _ARRAY
        for want in reversed(path):
            level -= 1
            if want != "*":
                keep &= self._keyed(up, want)
            up = self._parents(up, level)
        return self.at[found[keep]]

    def _parents(self, idx: np.ndarray, level: int) -> np.ndarray:
        """The parent of each opening bracket ``idx`` (all at depth ``level``): the last opening
        bracket a level up before it."""
        above = np.flatnonzero(self.depth == level - 1)
        if not len(above):
            return np.full(len(idx), -1)
        return above[np.maximum(np.searchsorted(self.at[above], self.at[idx]) - 1, 0)]

    def _keyed(self, idx: np.ndarray, want: str) -> np.ndarray:
        """Whether the key of each opening bracket ``idx`` is ``want``: the string before the ":"
        before it (whitespace aside), compared as raw text."""
        if not len(self.quotes):
            return np.zeros(len(idx), dtype=bool)
        b = np.frombuffer(self.data, dtype=np.uint8)
        colon = self._before(b, self.at[idx])
        close = self._before(b, colon)
        k = np.minimum(np.searchsorted(self.quotes, close), len(self.quotes) - 1)
        ok = (colon >= 0) & (b[colon] == _COLON) & (close >= 0) & (self.quotes[k] == close) & (k % 2 == 1)
        start = self.quotes[k - 1] + 1
        raw = np.frombuffer(want.encode("utf-8", "surrogatepass"), dtype=np.uint8)
        ok &= close - start == len(raw)
        if len(raw) and ok.any():
            ok[ok] = (b[start[ok, None] + np.arange(len(raw))] == raw).all(axis=1)
        return ok

    @staticmethod
    def _before(b: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """The position of the last non-whitespace byte before each of ``pos`` (-1: none)."""
        pos = pos - 1
        while True:
            space = (pos >= 0) & _WHITE[b[np.maximum(pos, 0)]]
            if not space.any():
                return pos
            pos[space] -= 1
