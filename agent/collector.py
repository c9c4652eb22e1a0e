"""Pausing Python's cyclic garbage collector around bulk work.

Loading a large bundle allocates millions of small objects (JSON documents, metric points, records)
that all live until the draft is written. The cyclic collector would walk them again and again
without finding garbage: half the load time of a 1M-line bundle. Reference counting still frees
everything acyclic while the collector is paused; it resumes (and catches up on any cycles) as soon
as the block exits, normally or by an exception.

What the block leaves alive (the modules it imported, the rule and tokenizer caches, its result) is
long-lived: it joins the oldest generation on resuming, instead of being walked at once by the young
generation's collection, which the block's allocations would trigger straight away. It is walked,
and any cycles in it collected, by the next full collection, as any long-lived object is.
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
            promote()
            gc.enable()


def promote() -> None:
    """Move every tracked object to the oldest generation without walking any: ``gc.freeze()`` then
    ``gc.unfreeze()``. Skipped while the caller holds objects frozen (unfreezing would free theirs too)."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()
