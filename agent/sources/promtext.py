"""Prometheus query_range documents read from their text: each series' "values" array stays text.

A large bundle's metrics file is 50 series of 10k ``[time, "value"]`` pairs; parsing it whole builds
a list, a float and a string per point, only for the metrics parser to take the pairs apart again.
``skeleton(text)`` instead cuts every "values" array out of the text, parses what is left (the
document without its points) and puts a ``Column`` where each array was. A Column checks its text
with numpy, byte by byte, and keeps two texts: the times joined with commas, the value strings
joined with commas; ``agent.sources.metrics`` decodes those in one orjson call each.

The result must be what parsing the whole text gives, so the cut is made only when it is exact:

- the document starts as a Prometheus matrix answer and is not an API-recording envelope;
- every array is in the canonical layout (``[[t, "v"], ...]`` with ", " or "," between items, no
  other whitespace, ASCII, no backslash or control character), and each time is one JSON number
  (the times text parses to exactly one number per pair), so the array is valid JSON;
- each Column stands at the "values" of one item of ``data.result``, one Column per array.

Anything else (and an empty array) gives None, and the caller parses the whole document as before.
No detector reads the points of a matrix (only ``metrics.parse_prom`` does), so every detector's
score on the skeleton equals its score on the whole document. ``Column.pairs()`` parses the array's
own text when the parser needs the pairs themselves (values that are not plain decimal strings).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
else:  # numpy loads on first use, after a big draft's log miners fork (agent/deferred.py)
    from agent.deferred import numpy as np

from agent.sources import jsondoc, numcolumn

_HEAD = re.compile(r'\s*\{\s*"status"\s*:\s*"success"\s*,\s*"data"\s*:\s*\{\s*"resultType"\s*:\s*"matrix"\s*,')
_VALUES = re.compile(r'"values"\s*:\s*(?=\[)')
_MARK = "\\u0000promtext:"  # a placeholder's JSON text; decoded it starts with a NUL
_QUOTE, _OPEN, _CLOSE = ord('"'), ord("["), ord("]")
_GAP = numcolumn.GAP.encode("ascii")
# digits -> "0" (to see digit runs); the other characters of numbers and separators kept; the rest "!"
_CHECK = bytes(ord("0") if chr(i) in "0123456789" else i if chr(i) in "+-.eE, " else ord("!") for i in range(256))
_LONG_INT = b"0" * 19


class Column:
    """One series' "values" array, as text, with its times (as JSON gives them) and its values already
    decoded by ``numcolumn.numbers`` (gaps still ``numcolumn.GAP``; ``metrics`` finishes them)."""

    __slots__ = ("_at", "numbers", "raw_times", "text")

    def __init__(self, text: str, raw_times: tuple, numbers: np.ndarray, at: np.ndarray):
        self.text, self.raw_times, self.numbers, self._at = text, raw_times, numbers, at

    def raw_at(self, i: int) -> str:
        """Value string ``i``, as the text has it."""
        return self.text[int(self._at[2 * i]) + 1:int(self._at[2 * i + 1])]

    def pairs(self) -> Any:
        """The array as ``json.loads`` gives it."""
        return jsondoc.loads(self.text)


def skeleton(text: str) -> Any | None:
    """The document with a ``Column`` for each series' "values", or None (parse it whole)."""
    if jsondoc.orjson is None or not _HEAD.match(text):
        return None
    parts, columns, pos = [], [], 0
    for start in _value_arrays(text):
        if text.startswith("[]", start):
            continue  # an empty series: left in the document
        end = text.find("]]", start)
        if end < 0:
            return None
        col = _column(text[start:end + 2])
        if col is None:
            return None
        parts += [text[pos:start], f'"{_MARK}{len(columns)}"']
        columns.append(col)
        pos = end + 2
    if not columns:
        return None
    parts.append(text[pos:])
    try:
        doc = jsondoc.loads("".join(parts))
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError: the whole parse reports it
        return None
    return doc if _placed(doc, columns) else None


def _value_arrays(text: str) -> Iterator[int]:
    """Where each "values" key's array starts (a "values" followed by ":" is always a key)."""
    at = text.find('"values"')
    while at >= 0:
        m = _VALUES.match(text, at)
        if m:
            yield m.end()
        at = text.find('"values"', at + 8)


def _placed(doc: Any, columns: list[Column]) -> bool:
    """Put each Column where its placeholder is: the "values" of one result each, every one used once."""
    data = doc.get("data") if isinstance(doc, dict) else None
    if not (isinstance(data, dict) and doc.get("status") == "success" and data.get("resultType") == "matrix"
            and isinstance(data.get("result"), list)) or ("body" in doc and "request" in doc and len(doc) <= 4):
        return False
    prefix = _MARK.replace("\\u0000", "\x00")
    used: set[int] = set()
    for r in data["result"]:
        mark = r.get("values") if isinstance(r, dict) else None
        if isinstance(mark, str) and mark.startswith(prefix):
            k = mark[len(prefix):]
            if not k.isdigit() or int(k) >= len(columns) or int(k) in used or str(int(k)) != k:
                return False
            used.add(int(k))
            r["values"] = columns[int(k)]
    return len(used) == len(columns)


def _column(span: str) -> Column | None:
    """A Column for one array's text, or None unless it is in the canonical layout (see the module).

    With every quote where the layout puts it (after the ", " in a pair, before its "]") and no other
    bracket, the text without its quotes and brackets is "t1, v1, t2, v2 ...": one orjson parse."""
    if not span.isascii():
        return None
    data = span.encode("ascii")
    b = np.frombuffer(data, dtype=np.uint8)
    q = np.flatnonzero(b == _QUOTE)
    n = len(q) // 2
    if n == 0 or len(q) % 2 or not data.startswith(b"[["):
        return None
    sep = ", " if b[q[0] - 1] == 32 else ","
    opens, closes = q[0::2], q[1::2]
    if not _in_layout(b, opens, closes, sep) or int(np.count_nonzero((b == _OPEN) | (b == _CLOSE))) != 2 * n + 2:
        return None  # with the layout's own n + 1 of each, no bracket stands anywhere else
    got = _numbers(_without_gaps(data, b, opens, closes).translate(None, b'"[]'))
    if got is None or len(got) != 2 * n:
        return None
    return Column(span, tuple(got[0::2]), np.array(got[1::2], dtype=np.float64), q)


def _without_gaps(data: bytes, b: np.ndarray, opens: np.ndarray, closes: np.ndarray) -> bytes:
    """The array's text with each gap token ("NaN", "+Inf", "-Inf", quotes included) as ``_GAP``."""
    size = closes - opens - 1
    nan = (size == 3) & (b[opens + 1] == ord("N")) & (b[opens + 2] == ord("a")) & (b[opens + 3] == ord("N"))
    inf = (size == 4) & ((b[opens + 1] == ord("+")) | (b[opens + 1] == ord("-"))) & (b[opens + 2] == ord("I"))
    inf &= (b[opens + 3] == ord("n")) & (b[opens + 4] == ord("f"))
    at = np.flatnonzero(nan | inf).tolist()
    if not at:
        return data
    pieces, pos = [], 0
    for i in at:
        pieces += [data[pos:int(opens[i])], _GAP]
        pos = int(closes[i]) + 1
    pieces.append(data[pos:])
    return b"".join(pieces)


def _numbers(flat: bytes) -> list | None:
    """``numcolumn.numbers`` for "t1, v1, t2, v2 ...": every character must be one JSON numbers hold,
    or a separator; no digit run may reach 19 (JSON integers beyond 64 bits)."""
    checked = flat.translate(_CHECK)
    if b"!" in checked or _LONG_INT in checked:
        return None
    try:
        return jsondoc.orjson.loads(b"[" + flat + b"]")
    except jsondoc.orjson.JSONDecodeError:
        return None


def _in_layout(b: np.ndarray, opens: np.ndarray, closes: np.ndarray, sep: str) -> bool:
    """Each value string opens right after ``sep`` and is closed right before "]", then ``sep`` + "["
    (or, for the last, "]]" ending the array)."""
    k = len(sep)
    if opens[0] < k + 2 or closes[-1] != len(b) - 3:
        return False
    ok = b[opens - 1] == ord(sep[-1])
    ok &= b[opens - k] == ord(",")
    ok &= b[closes + 1] == _CLOSE
    if not bool(ok.all()):
        return False
    mid = closes[:-1]
    follow = b[mid + 2] == ord(",")
    follow &= b[mid + k + 2] == ord("[")
    if k == 2:
        follow &= b[mid + 3] == 32
    return bool(follow.all()) and b[-1] == _CLOSE
