"""Turn a text (plain or markdown) into sentences that keep their offsets in the original.

Markdown syntax, code, front matter and HTML comments are blanked with spaces (never removed), so
every character keeps its line and column. Inline directives are read from the comments:

    <!-- postmortem-lint disable RULE[, RULE] -->            off from this line to the end (or `enable`)
    <!-- postmortem-lint enable RULE[, RULE] -->             back on from this line
    <!-- postmortem-lint disable-next-line RULE[, RULE] -->  off for the next non-blank line only
    <!-- postmortem-lint disable-line RULE[, RULE] -->       off for this line only

Without rule ids a directive applies to every rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent import rxcache as rx

ALL = "*"
DIRECTIVE = rx.compile(r"<!--\s*postmortem-lint\s+(disable-next-line|disable-line|disable|enable)\b([^>]*?)-->", re.I)
FENCE = rx.compile(r"^\s*(```|~~~)")
META_LINE = rx.compile(
    r"^\W*(author|authors|reviewers?|reviewed( by)?|approver|approved( by)?|owners?|assignees?|"
    r"incident commander|commander|ic|on-?call|distribution|cc|attendees|participants|sign-?off|"
    r"responders?|contacts?|prepared by|written by|editor)\W*[:|]", re.I)
NAME_SECTIONS = rx.compile(r"sign-?off|distribution|attendees|participants|contacts|metadata|approv|"
                           r"contributors|credits|acknowledg|thanks|authors", re.I)
NAME_COLUMNS = rx.compile(r"owner|assignee|name|role|author|review|approv|who|responder|contact|lead", re.I)
ABBREV = rx.compile(r"\b(e\.g|i\.e|etc|vs|approx|dr|mr|mrs|ms|no|inc|ltd|st|fig|cf)\.$", re.I)
LIST_MARK = rx.compile(r"^(\s*)([-*+]|\d+[.)])(\s+)")
HEADING = rx.compile(r"^(\s*)(#{1,6})(\s+)")


@dataclass
class Sentence:
    start: int
    end: int
    text: str
    names_ok: bool = False


@dataclass
class Prepared:
    """The masked text plus, per 1-based line, rules disabled there and whether names are allowed."""

    masked: str
    line_starts: list[int]
    disabled: dict[int, set[str]] = field(default_factory=dict)
    names_ok_lines: set[int] = field(default_factory=set)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of an offset."""
        lo, hi = 0, len(self.line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - self.line_starts[lo] + 1


def _blank(s: str) -> str:
    return rx.compile(r"[^\n]").sub(" ", s)


def prepare(text: str) -> Prepared:
    lines = text.split("\n")
    starts, pos = [], 0
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1
    prepared = Prepared("", starts)
    prepared.disabled = _directives(lines)
    masked_lines = _mask_lines(lines, prepared.names_ok_lines)
    prepared.masked = "\n".join(masked_lines)
    return prepared


def _directives(lines: list[str]) -> dict[int, set[str]]:
    off: set[str] = set()
    result: dict[int, set[str]] = {}
    pending: set[str] = set()
    for no, line in enumerate(lines, 1):
        here = set(off)
        if pending and line.strip() and not DIRECTIVE.fullmatch(line.strip()):
            here |= pending
            pending = set()
        for m in DIRECTIVE.finditer(line):
            kind, rules = m.group(1).lower(), {r for r in rx.compile(r"[\s,]+").split(m.group(2).strip()) if r} or {ALL}
            if kind == "disable":
                off |= rules
                here |= rules
            elif kind == "enable":
                off = set() if ALL in rules else off - rules
            elif kind == "disable-line":
                here |= rules
            else:
                pending |= rules
        if here:
            result[no] = here
    return result


def _mask_lines(lines: list[str], names_ok: set[int]) -> list[str]:
    out: list[str] = []
    in_fence = in_comment = in_front = False
    table_names: list[tuple[int, int]] | None = None
    names_section = False
    for no, line in enumerate(lines, 1):
        if no == 1 and line.strip() == "---":
            in_front = True
            out.append(_blank(line))
            continue
        if in_front:
            in_front = line.strip() not in ("---", "...")
            out.append(_blank(line))
            continue
        if FENCE.match(line):
            in_fence = not in_fence
            out.append(_blank(line))
            continue
        if in_fence:
            out.append(_blank(line))
            continue
        line, in_comment = _mask_comments(line, in_comment)
        if HEADING.match(line):
            names_section = bool(NAME_SECTIONS.search(line))
        if names_section or META_LINE.match(line):
            names_ok.add(no)
        line, table_names = _mask_table(line, table_names)
        out.append(_mask_inline(line))
    return out


def _mask_comments(line: str, in_comment: bool) -> tuple[str, bool]:
    result, i = [], 0
    while i < len(line):
        if in_comment:
            end = line.find("-->", i)
            stop = len(line) if end < 0 else end + 3
            result.append(" " * (stop - i))
            in_comment, i = end < 0, stop
        else:
            start = line.find("<!--", i)
            if start < 0:
                result.append(line[i:])
                break
            result.append(line[i:start])
            in_comment, i = True, start
    return "".join(result), in_comment


def _mask_table(line: str, names: list[tuple[int, int]] | None) -> tuple[str, list[tuple[int, int]] | None]:
    """Blank table separators and cells under name-like columns (Owner, Name, Reviewer...)."""
    stripped = line.strip()
    if not stripped.startswith("|"):
        return line, None
    if rx.compile(r"\|?[\s:|-]+\|?").fullmatch(stripped):
        return _blank(line), names
    cells = _cells(line)
    if names is None:  # header row: remember which columns hold names
        header = [i for i, (a, b) in enumerate(cells) if NAME_COLUMNS.search(line[a:b])]
        return line.replace("|", "\u2029"), header
    chars = list(line)
    for idx, (a, b) in enumerate(cells):
        if idx in names:
            chars[a:b] = " " * (b - a)
    return "".join(chars).replace("|", "\u2029"), names


def _cells(line: str) -> list[tuple[int, int]]:
    bars = [i for i, c in enumerate(line) if c == "|"]
    return [(bars[k] + 1, bars[k + 1]) for k in range(len(bars) - 1)]


def _mask_inline(line: str) -> str:
    line = rx.compile(r"`[^`]*`").sub(lambda m: " " * len(m.group()), line)
    line = rx.compile(r"\]\([^)]*\)").sub(lambda m: " " * len(m.group()), line)
    line = rx.compile(r"<https?://[^>]*>|https?://\S+").sub(lambda m: " " * len(m.group()), line)
    line = rx.compile(r"(\*\*|__|~~|\*|\[|\]|^\s*>)").sub(lambda m: " " * len(m.group()), line)
    line = LIST_MARK.sub(lambda m: " " * len(m.group()), line)
    return HEADING.sub(lambda m: " " * len(m.group()), line)


SPLIT = rx.compile(r"(?<=[.!?])[\"”')\]]*\s+|\n\s*\n|\u2029|\n(?=\s*[^\sa-z(])")


def sentences(prepared: Prepared) -> list[Sentence]:
    """Split the masked text into sentences; a newline before a lowercase word continues a sentence."""
    text, out, start = prepared.masked, [], 0
    for m in SPLIT.finditer(text):
        if "\n" not in m.group() and ABBREV.search(text[max(0, m.start() - 8):m.start()]):
            continue
        if _quoted_question(text, m) or _initial(text, m):
            continue
        _add(out, text, start, m.start(), prepared)
        start = m.end()
    _add(out, text, start, len(text), prepared)
    return out


def _quoted_question(text: str, m: re.Match) -> bool:
    """A quoted question inside a sentence: "Asking 'why didn't they see it?' is the wrong question"."""
    return m.group()[:1] in "\"”'" and text[m.start() - 1] in "?!" and text[m.end():m.end() + 1].islower()


def _initial(text: str, m: re.Match) -> bool:
    """A name's initial, not a sentence end: "the on-call engineer, J. Moreno, ..."."""
    before = text[max(0, m.start() - 3):m.start()]
    return m.group() == " " and rx.compile(r"(^|.*[\s(,])[A-HJ-Z]\.").fullmatch(before) is not None \
        and text[m.end():m.end() + 1].isupper()


def _add(out: list[Sentence], text: str, start: int, end: int, prepared: Prepared) -> None:
    chunk = text[start:end]
    lead = len(chunk) - len(chunk.lstrip())
    body = chunk.strip()
    if not body:
        return
    s = start + lead
    first, last = prepared.position(s)[0], prepared.position(s + len(body) - 1)[0]
    names_ok = all(n in prepared.names_ok_lines for n in range(first, last + 1))
    out.append(Sentence(s, s + len(body), body, names_ok))
