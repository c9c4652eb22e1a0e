"""Pausing Python's cyclic garbage collector around bulk work.

Loading a large bundle allocates millions of small objects (JSON documents, metric points, records)
that all live until the draft is written. The cyclic collector would walk them again and again
without finding garbage: half the load time of a 1M-line bundle. Reference counting still frees
everything acyclic while the collector is paused; it resumes (and catches up on any cycles) as soon
as the block exits, normally or by an exception.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Pause the cyclic collector for the block; a caller's own ``gc.disable()`` is left alone."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
