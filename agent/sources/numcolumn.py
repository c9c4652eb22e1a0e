"""A column of sample values as strings (Prometheus sends "19.8966") -> floats, in one C-level parse.

``float()`` per string is most of the time a 500k-point metrics file takes to parse. Joined with commas,
a column of decimal strings is a JSON array, which orjson decodes at once. The answer must be exactly
``float(s)`` for every string, so the column is used only when orjson can give exactly that:

- Prometheus' non-finite values ("NaN", "+Inf", "-Inf") stand for gaps, as ``to_value`` makes them;
- every other string must hold only characters of JSON numbers and decode to one number (anything
  else - "nan", "1_0", "0x1", "true", "1e400", a "1,2" that decodes to two - fails the character check,
  the JSON parse or the count, and the caller falls back to ``float()``), and no digit run may reach 19
  (JSON integers beyond 64 bits become lossy floats);
- JSON integers give up the sign of zero ("-0"), so zeros are converted again by ``float()``.
Numbers are correctly rounded by both decoders (tests/test_load_speed_sources.py checks random ones).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
else:  # numpy loads on first use, after a big draft's log miners fork (agent/deferred.py)
    from agent.deferred import numpy as np

from agent.sources.jsondoc import orjson

_GAP_TOKENS = ("NaN", "+Inf", "-Inf")
# stands in for a gap token; a real value equal to it is told apart by its string. Its text is five characters
# at most, so agent.sources.promtext writes it over a quoted "NaN" in place.
_SENTINEL = 7e-99
# digits -> '0' (to see digit runs); every other ASCII character JSON numbers never hold -> '!'
_CHECK = str.maketrans({**{c: "0" for c in "123456789"},
                        **{chr(i): "!" for i in range(128) if chr(i) not in "0123456789+-.eE, \t\r\n"}})
_LONG_INT = "0" * 19


def decode(raw: Sequence) -> tuple[list[float | None], np.ndarray, int] | None:
    """(values with None for gaps, the values as an array with NaN for gaps, how many gaps), or None
    when the column is not all plain decimal strings (the caller then converts each with ``float()``)."""
    if orjson is None:
        return None
    try:
        text = f",{','.join(raw)},"
    except TypeError:  # not all strings: not this column
        return None
    return decode_joined(text, len(raw), raw.__getitem__)


def decode_joined(text: str, count: int, raw_at: Callable[[int], str]) -> tuple[list[float | None], np.ndarray,
                                                                                  int] | None:
    """``decode`` of ``count`` strings given joined as ",s1,s2,...,sn," (none holding a comma or a quote);
    ``raw_at(i)`` gives string i itself, asked only where a gap or a zero needs its own string."""
    for token in _GAP_TOKENS:
        if token in text:  # twice: a run of gaps shares its commas, so one pass replaces every other one
            text = text.replace(f",{token},", f",{_SENTINEL!r},").replace(f",{token},", f",{_SENTINEL!r},")
    out = numbers(text[1:-1])
    if out is None or len(out) != count:
        return None
    return finish(np.array(out, dtype=np.float64), raw_at)


GAP = f"{_SENTINEL!r}"  # what a gap token is replaced with before ``numbers``


def numbers(text: str) -> list | None:
    """orjson's numbers of "a,b,c" when every token is a plain JSON number (see the module), else None."""
    if orjson is None:
        return None
    checked = text.translate(_CHECK)
    if not checked.isascii() or "!" in checked or _LONG_INT in checked:
        return None
    try:
        return orjson.loads(f"[{text}]")
    except orjson.JSONDecodeError:
        return None


def finish(v: np.ndarray, raw_at: Callable[[int], str]) -> tuple[list[float | None], np.ndarray, int]:
    """Values decoded by ``numbers`` (gaps as ``GAP``) -> ``decode``'s answer; ``raw_at`` as above."""
    gaps = [i for i in np.flatnonzero(v == _SENTINEL).tolist() if raw_at(i) in _GAP_TOKENS]
    v[gaps] = np.nan
    for i in np.flatnonzero(v == 0).tolist():  # "-0" decodes as the integer 0: float() keeps the sign
        v[i] = float(raw_at(i))
    vals: list[float | None] = v.tolist()
    for i in gaps:
        vals[i] = None
    return vals, v, len(gaps)
