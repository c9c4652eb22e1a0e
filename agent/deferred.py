"""Modules imported on first attribute use, for the modules a big draft loads before its log miners fork.

The loader (agent.sources) imports every format's parser to detect formats, and the metric parsers
use numpy; but only metrics are parsed with numpy, and they are parsed after the miners fork. Importing
numpy when the first metric is parsed, not when the parsers are imported, forks the miners ~40 ms
sooner. A module writes ``from agent.deferred import numpy as np`` (under ``if not TYPE_CHECKING``)
and uses ``np`` as usual; the first ``np.<name>`` imports numpy and copies its namespace into the
stand-in, so later look-ups are plain module attribute reads.
"""

from __future__ import annotations

import importlib
import types


class Deferred(types.ModuleType):
    """A stand-in for module ``name`` that imports it on first attribute access."""

    def __getattr__(self, attr: str):
        real = importlib.import_module(self.__name__)
        self.__dict__.update(vars(real))
        return getattr(real, attr)


numpy = Deferred("numpy")
