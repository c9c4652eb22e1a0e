"""Stage 1: load an incident bundle. ``load_bundle(path) -> Bundle``; logs are streamed later with
``iter_records(source)`` (agent.sources.logs)."""

from agent.sources.bundle import load_bundle
from agent.sources.logs import iter_records, source_for_file

__all__ = ["iter_records", "load_bundle", "source_for_file"]
