"""``json.loads`` for whole JSON documents, through orjson when it gives the very same result.

A large bundle's metrics file is 14 MB of JSON; orjson (installed with chromadb) decodes it in half
the time of the standard library. It differs from ``json.loads`` in what it refuses (NaN, Infinity,
1e400, lone surrogates, deep nesting: we then ask ``json.loads``, so the value or the error is the
standard one) and in one thing it accepts: an integer beyond 64 bits becomes a float. So a text with
a run of 19 or more digits is left to ``json.loads`` too (one translate and one find, ~2 ms per MB).
"""

from __future__ import annotations

import json
from typing import Any

try:
    import orjson
except ImportError:  # an optional speed-up: without it every document takes json.loads
    orjson = None

_DIGITS = str.maketrans("123456789", "000000000")
_LONG_INT = "0" * 19  # 2**63 has 19 digits: shorter integers fit orjson's 64 bits


def loads(text: str) -> Any:
    """``json.loads(text)``: the same value, or the same ``JSONDecodeError`` / ``RecursionError``."""
    if orjson is not None and _LONG_INT not in text.translate(_DIGITS):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass  # NaN, 1e400, lone surrogates, nesting: the standard decoder's value or error
    return json.loads(text)
