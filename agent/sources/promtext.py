"""Prometheus query_range documents read from their bytes: each series' "values" array stays text.

A large bundle's metrics file is 50 series of 10k ``[time, "value"]`` pairs; parsing it whole builds
a list, a float and a string per point, only for the metrics parser to take the pairs apart again.
``skeleton(data)`` instead cuts every "values" array out of the file's bytes, parses what is left
(the document without its points) and puts a ``Column`` where each array was. A Column checks its
array with numpy, byte by byte, then blanks a copy in place (quotes and the pairs' brackets become
spaces, gap tokens the ``numcolumn.GAP`` number) so that one orjson parse gives the times and the
values: "[[t1, "v1"], [t2, "v2"]]" reads as "[ t1,  v1  ,  t2,  v2  ]".

The result must be what parsing the whole text gives, so the cut is made only when it is exact:

- the document starts as a Prometheus matrix answer and is not an API-recording envelope;
- every array is in the canonical layout (``[[t, "v"], ...]`` with ", " or "," between items, no
  other whitespace, ASCII, no backslash or control character), and each time is one JSON number
  (the blanked array parses to exactly two numbers per pair), so the array is valid JSON;
- each Column stands at the "values" of one item of ``data.result``, one Column per array.

Anything else (and an empty array) gives None, and the caller parses the whole document as before.
No detector reads the points of a matrix (only ``metrics.parse_prom`` does), so every detector's
score on the skeleton equals its score on the whole document. ``Column.pairs()`` parses the array's
own text when the parser needs the pairs themselves (values that are not plain decimal strings).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
else:  # numpy loads on first use, after a big draft's log miners fork (agent/deferred.py)
    from agent.deferred import numpy as np

from agent import rxcache as rx
from agent.sources import jsondoc, numcolumn

_HEAD = rx.compile(rb'\s*\{\s*"status"\s*:\s*"success"\s*,\s*"data"\s*:\s*\{\s*"resultType"\s*:\s*"matrix"\s*,')
_VALUES = rx.compile(rb'"values"\s*:\s*(?=\[)')
_MARK = "\\u0000promtext:"  # a placeholder's JSON text; decoded it starts with a NUL
_QUOTE, _OPEN, _CLOSE, _SPACE = ord('"'), ord("["), ord("]"), ord(" ")
# digits -> "0" (to see digit runs); the other characters of numbers and separators kept; the rest "!"
_CHECK = bytes(ord("0") if chr(i) in "0123456789" else i if chr(i) in "+-.eE, " else ord("!") for i in range(256))
_LONG_INT = b"0" * 19
_GAP = numcolumn.GAP.encode("ascii")  # fits in '"NaN"', the shortest gap token
assert len(_GAP) <= len('"NaN"')


class Column:
    """One series' "values" array, as text, with its times (as JSON gives them, as floats) and its
    values already decoded by ``numcolumn.numbers`` (gaps still ``numcolumn.GAP``; ``metrics`` finishes
    them). ``data[start:stop]`` is the array's text."""

    __slots__ = ("_at", "data", "numbers", "start", "stop", "times")

    def __init__(self, data: bytes, start: int, stop: int, times: np.ndarray, numbers: np.ndarray, at: np.ndarray):
        self.data, self.start, self.stop = data, start, stop
        self.times, self.numbers, self._at = times, numbers, at

    @property
    def text(self) -> str:
        return self.data[self.start:self.stop].decode("ascii")

    @property
    def raw_times(self) -> tuple:
        return tuple(self.times.tolist())

    def raw_at(self, i: int) -> str:
        """Value string ``i``, as the text has it."""
        at = self.start + int(self._at[2 * i])
        return self.data[at + 1:self.start + int(self._at[2 * i + 1])].decode("ascii")

    def pairs(self) -> Any:
        """The array as ``json.loads`` gives it."""
        return jsondoc.loads(self.text)


def skeleton(text: str | bytes) -> Any | None:
    """The document with a ``Column`` for each series' "values", or None (parse it whole)."""
    data = text if isinstance(text, bytes) else _utf8(text)
    if jsondoc.orjson is None or data is None or not _HEAD.match(data):
        return None
    b = np.frombuffer(data, dtype=np.uint8)
    parts, columns, pos, start = [], [], 0, 0
    while (start := _next_array(data, start)) >= 0:
        if data.startswith(b"[]", start):
            continue  # an empty series: left in the document
        end = _array_end(data, start)
        if end < 0:
            return None
        col = _column(data, b, start, end)
        if col is None:
            return None
        parts += [data[pos:start], f'"{_MARK}{len(columns)}"'.encode("ascii")]
        columns.append(col)
        pos = start = end
    if not columns:
        return None
    parts.append(data[pos:])
    try:  # UnicodeDecodeError and JSONDecodeError are ValueErrors: the whole parse reports them
        doc = jsondoc.loads(b"".join(parts).decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    return doc if _placed(doc, columns) else None


def _utf8(text: str) -> bytes | None:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: parse it whole
        return None


def _next_array(data: bytes, pos: int) -> int:
    """Where the next "values" key's array starts (a "values" followed by ":" is always a key), or -1.
    The search starts after the last array cut: a canonical array holds no "values"."""
    at = data.find(b'"values"', pos)
    while at >= 0:
        m = _VALUES.match(data, at)
        if m:
            return m.end()
        at = data.find(b'"values"', at + 8)
    return -1


def _array_end(data: bytes, start: int) -> int:
    """Just past the "]]" that ends a canonical array starting at ``start``, or -1. A canonical array
    holds no brace, so it ends at the last "]]" before the next brace (one memchr, then a short
    search back); a span that overshoots to a later "]]" holds more brackets than pairs, and
    ``_column`` refuses it."""
    brace = min((at for at in (data.find(b"{", start), data.find(b"}", start)) if at >= 0), default=len(data))
    end = data.rfind(b"]]", start, brace)
    return end + 2 if end >= 0 else -1


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


def _column(data: bytes, whole: np.ndarray, start: int, stop: int) -> Column | None:
    """A Column for the array ``data[start:stop]``, or None unless it is in the canonical layout (see
    the module).

    With every quote where the layout puts it (after the ", " in a pair, before its "]") and no other
    bracket, the text with its quotes and inner brackets blanked is "[t1, v1, t2, v2 ...]": one orjson
    parse of a copy, blanked in place (no text is cut or joined)."""
    b = whole[start:stop]
    q = np.flatnonzero(b == _QUOTE)
    n = len(q) // 2
    if n == 0 or len(q) % 2 or b[0] != _OPEN or b[1] != _OPEN:
        return None
    sep = 2 if b[q[0] - 1] == _SPACE else 1
    opens, closes = q[0::2], q[1::2]
    if not _in_layout(b, opens, closes, sep) or int(np.count_nonzero((b == _OPEN) | (b == _CLOSE))) != 2 * n + 2:
        return None  # with the layout's own n + 1 of each, no bracket stands anywhere else
    buf = bytearray(memoryview(data)[start:stop])
    blank = np.frombuffer(buf, dtype=np.uint8)
    blank[q] = _SPACE
    blank[closes + 1] = _SPACE  # each pair's "]"; then each pair's "[" (the array's own two stay)
    blank[closes[:-1] + sep + 2] = _SPACE
    blank[1] = _SPACE
    _blank_gaps(b, blank, opens, closes)
    got = _numbers(buf)
    if got is None or len(got) != 2 * n:
        return None
    pairs = np.fromiter(got, dtype=np.float64, count=len(got))
    return Column(data, start, stop, pairs[0::2].copy(), pairs[1::2].copy(), q)


def _blank_gaps(b: np.ndarray, blank: np.ndarray, opens: np.ndarray, closes: np.ndarray) -> None:
    """Each gap token ("NaN", "+Inf", "-Inf", quotes included) as ``numcolumn.GAP`` in ``blank``."""
    size = closes - opens - 1
    nan = (size == 3) & (b[opens + 1] == ord("N")) & (b[opens + 2] == ord("a")) & (b[opens + 3] == ord("N"))
    inf = (size == 4) & ((b[opens + 1] == ord("+")) | (b[opens + 1] == ord("-"))) & (b[opens + 2] == ord("I"))
    inf &= (b[opens + 3] == ord("n")) & (b[opens + 4] == ord("f"))
    at = opens[nan | inf]
    if len(at):
        blank[at[:, None] + np.arange(len(_GAP))] = np.frombuffer(_GAP, dtype=np.uint8)  # the token's opening quote on: blanks stay after it


def _numbers(text: bytearray) -> list | None:
    """orjson's numbers of "[t1, v1, t2, v2 ...]": every character inside the brackets must be one JSON
    numbers hold, or a separator; no digit run may reach 19 (JSON integers beyond 64 bits)."""
    checked = text.translate(_CHECK)
    if checked.find(b"!", 1, len(checked) - 1) >= 0 or _LONG_INT in checked:
        return None
    try:
        return jsondoc.orjson.loads(text)
    except jsondoc.orjson.JSONDecodeError:
        return None


def _in_layout(b: np.ndarray, opens: np.ndarray, closes: np.ndarray, k: int) -> bool:
    """Each value string opens right after the separator (``k`` characters: "," or ", ") and is closed
    right before "]", then the separator and "[" (or, for the last, "]]" ending the array)."""
    if opens[0] < k + 2 or closes[-1] != len(b) - 3:
        return False
    ok = b[opens - 1] == (_SPACE if k == 2 else ord(","))
    ok &= b[opens - k] == ord(",")
    ok &= b[closes + 1] == _CLOSE
    if not bool(ok.all()):
        return False
    mid = closes[:-1]
    follow = b[mid + 2] == ord(",")
    follow &= b[mid + k + 2] == _OPEN
    if k == 2:
        follow &= b[mid + 3] == _SPACE
    return bool(follow.all()) and b[-1] == _CLOSE
