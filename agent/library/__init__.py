"""Stage 5: the incident library (Chroma store, embeddings, similar incidents, patterns, metrics).

Only this package imports chromadb, and only once a library is opened.
"""

from agent.library.api import Library, open_library

__all__ = ["Library", "open_library"]
