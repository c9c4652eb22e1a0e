"""Stage 5: the incident library (Chroma store, embeddings, similar incidents, patterns, metrics).

Only this package imports chromadb, and only once a library is opened. Every draft asks
``open_library``, so nothing else loads until one is configured.
"""

__all__ = ["Library", "open_library"]


def __getattr__(name: str):
    if name == "open_library":
        from agent.library.opening import open_library

        return open_library
    if name == "Library":
        from agent.library.api import Library

        return Library
    raise AttributeError(name)
