"""``open_library(settings)``: what the draft pipeline calls on every run.

It returns None when no library is configured: no ``--library``/POSTMORTEM_LIBRARY, no
``--chroma-url``/POSTMORTEM_CHROMA_URL, and no library at the default path (~/.postmortem/library).
The default path is used when it already exists or when a ``postmortem library`` command asks for it
(``create=True``), so a fresh machine's drafts say "no library configured" until someone adds to one.
The library itself (agent.library.api: records, patterns, similar incidents) loads only once one is
opened, so a draft without a library never imports it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from agent.settings import DEFAULT_LIBRARY, Settings

if TYPE_CHECKING:
    from agent.library.api import Library


def open_library(settings: Settings, *, create: bool = False, default_path: Path = DEFAULT_LIBRARY,
                 embedding=None) -> Library | None:
    """The configured library, or None when none is configured (see the module docstring).

    ``embedding`` injects an embedding function (tests, benchmarks); by default settings.embeddings
    names it.
    """
    root = settings.library
    if root is None and not settings.chroma_url and not create and not default_path.exists():
        return None
    # the library, and chromadb with it, loads only when one is used
    from agent.library.api import Library
    from agent.library.embeddings import make_embedding
    from agent.library.store import Store

    emb = embedding or make_embedding(settings.embeddings, base_url=settings.llm_base_url,
                                      api_key=settings.llm_api_key)
    return Library(Store(Path(root or default_path).expanduser(), emb, chroma_url=settings.chroma_url))
