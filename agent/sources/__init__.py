"""Stage 1: load an incident bundle. ``load_bundle(path) -> Bundle``; logs are streamed later with
``agent.sources.logs.iter_records(source)``."""

from agent.sources.bundle import load_bundle

__all__ = ["load_bundle"]
