"""flag_chat's per-message shortcut: a one-line message without markup skips markdown masking. The
sentences must be exactly those of the full path, or a change to prose.py's masking went unnoticed."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.checks import prose
from agent.checks.blameless import MARKUP, chat_sentences, flag_chat
from agent.models import ChatMessage
from tests.test_lint_prefilter import HELDOUT

ROOT = Path(__file__).resolve().parents[1]


def _full(text: str) -> list[str]:
    return [sent.text for sent in prose.sentences(prose.prepare(text))]


def _plain(text: str) -> bool:
    return text.lstrip()[:1].isalpha() and not MARKUP.search(text)


def _chat_texts() -> list[str]:
    texts = []
    for path in sorted(ROOT.glob("fixtures/*/*slack*.json")) + sorted(ROOT.glob("tests/data/quality/*/slack*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        rows = doc.get("messages", doc) if isinstance(doc, dict) else doc
        texts += [m["text"] for m in rows if isinstance(m, dict) and isinstance(m.get("text"), str)]
    return texts


def test_the_shortcut_gives_the_full_paths_sentences_on_real_text():
    texts = HELDOUT + _chat_texts() + ["ok, rolling back now", "  see the dashboard - p99 is 2.3s!", "Dana: done."]
    taken = [t for t in texts if _plain(t)]
    assert len(taken) > 1000  # the shortcut is the common case, not a corner
    for text in texts:
        assert chat_sentences(text) == _full(text), text


@pytest.mark.parametrize("text", [
    "a `code` b", "a [b c", "a b] c", "a **b** c", "a *b* c", "a [link](http://x) b", "a __b__ c", "a ~~b~~ c",
    "a <!-- x --> b c", "a b<!-- x", "see https://x.io/a b", "a\n# b", "a\n> b", "a\n- b", "a\n\nb", "# heading",
    "> quote", "| a | b |", "- item", "1. item", "---", "```", "~~~ x", "a # b > c | d _e_ ~f~",
    "<!-- postmortem-lint disable -->",
])
def test_the_shortcut_matches_masking_on_each_kind_of_markup(text):
    assert chat_sentences(text) == _full(text)


# Every character prose.py treats specially, and ordinary text around it.
ALPHABET = st.sampled_from(list("abcXY 019.,;:!?()'\"“”-+=/@$%&{}\t\n\u2029<>`~#|[]*_") + [
    "://", "<!--", "-->", "http://x.io", "---", "e.g.", "__", "**", "~~", "```", "~~~", "](", "<https://x>", "# ",
    "> "])
FIRST = st.sampled_from(["a", "Z", " b", "1", "-", "", "#", ">", "|", "* ", "1. ", "---\n"])


@settings(max_examples=400, deadline=None)
@given(st.lists(ALPHABET, max_size=10).map("".join), FIRST)
def test_the_shortcut_matches_masking_on_any_text(body, first):
    text = first + body
    assert chat_sentences(text) == _full(text)


def test_flags_are_the_same_through_either_path():
    texts = [t for t in HELDOUT if _plain(t)][:120]
    msgs = [ChatMessage(ts=f"17703000{i:03d}.000100", time="2026-02-05T14:00:00Z", channel="inc", user="U1",
                        user_name="kim", text=t, source_file="slack.json") for i, t in enumerate(texts)]
    plain_flags = flag_chat(msgs)
    assert plain_flags  # blameful remarks among them: the comparison is not vacuous
    # the same messages with a trailing blank line take the full path; their flags must not change
    padded = [m.model_copy(update={"text": m.text + "\n"}) for m in msgs]
    assert flag_chat(padded) == plain_flags
