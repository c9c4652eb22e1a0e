"""Who is the grammatical subject of a verb phrase? A small heuristic, no parser.

The linter only blames a sentence when a *person* (or a team) does the blameful thing:
"the generator failed to start" is fine, "Bob failed to check" is not. We walk left from
the verb over adverbs and auxiliaries to the head of the noun phrase and classify it:

- ``person``  he/she/you/someone, role nouns (engineer, operator, on-call, DBA...), @handles, names
- ``self``    I / we: self-blame, reported more softly
- ``they``    ambiguous: servers or people
- ``team``    "the database team", "@sre-team"
- ``generic`` "any engineer", "anyone": the blameless generalisation, never flagged
- ``thing``   everything else (systems, processes, events)
- ``none``    no subject in the clause (imperative, fragment)
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from agent import rxcache as rx

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
WINDOW = 40  # tokens of left context a subject is searched in
TOKEN = rx.compile(r"@[\w.\-]+|[A-Za-z0-9_][\w'’\-]*|[,;:()\"“”—–]")

PERSON_PRONOUNS = {"he", "she", "him", "her", "you", "someone", "somebody", "whoever", "who"}
GENERIC = {"anyone", "anybody", "everyone", "everybody", "nobody", "any", "every", "no", "each"}
SELF = {"i", "we", "us"}
ROLES = {
    "engineer", "developer", "dev", "programmer", "coder", "operator", "admin", "administrator",
    "sysadmin", "oncall", "on-call", "on-caller", "oncaller", "responder", "intern", "sre", "dba",
    "employee", "staffer", "contractor", "person", "colleague", "coworker", "co-worker",
    "teammate", "reviewer", "approver", "committer", "manager", "technician", "commander", "individual",
    "guy", "folk", "folks", "newbie", "newcomer", "hire", "people", "staff", "ops", "devops", "member",
    "analyst", "consultant", "tester", "architect", "lead", "owner", "author", "maintainer", "trainee",
    "junior", "senior", "vendor-engineer", "captain", "gal", "boss", "cto", "cio", "ciso", "ceo", "vp",
    "clerk", "supervisor", "foreman", "electrician", "subcontractor", "deployer", "releaser", "assignee", "nurse", "trader", "lineman", "linemen",
    "doctor", "cashier", "teller",
}
TEAMS = {"team", "squad", "department", "dept", "management", "leadership", "qa", "infra", "crew"}
TEAM_HANDLE = rx.compile(r"team|squad|group|eng$|ops|sre|oncall|on-call|platform|infra", re.I)
SKIP = {
    "had", "has", "have", "was", "were", "is", "are", "did", "does", "do", "not", "never", "also",
    "then", "just", "only", "still", "already", "again", "even", "simply", "all", "both", "apparently",
    "subsequently", "unfortunately", "later", "eventually", "allegedly", "probably", "once",
    "been", "being", "be", "will", "would", "should", "could", "may", "might", "must", "n't", "themselves",
    "himself", "herself", "myself", "ourselves", "yourself", "instead", "first", "initially", "ultimately",
    "keep", "keeps", "kept", "continue", "continued", "continues", "tried", "decided", "chose", "went", "seem",
    "seemed", "appear", "appeared",
}
# Role words that also name software: "the Kubernetes operator", "Workflow Manager", "Django admin".
SOFTWARE_ROLES = {"operator", "manager", "admin", "administrator", "reviewer", "committer", "responder",
                  "commander", "approver", "controller", "deployer", "releaser"}
# Heads that name software alone ("the worker crashed", "the SSM agent") but a person after a trade or
# desk word: "a support agent", "an IT worker", "the night-shift controller", "the IT manager".
COMPOUND_HEADS = {"agent", "worker", "controller", "rep", "manager", "operator", "admin"}
# Software words that make an ambiguous role head a component: "the lock manager", "the cluster operator",
# "three etcd members", "the consumer-group members" (but "the database administrator" is a person).
SOFTWARE_HEADS = SOFTWARE_ROLES | {"member"}
TECH_MODIFIERS = {"lock", "package", "connection", "cluster", "resource", "session", "lease", "secrets", "certificate",
                  "cert", "transaction", "window", "process", "task", "state", "workflow", "etcd", "raft", "quorum",
                  "zookeeper", "consul", "replica-set", "consumer-group", "node", "pool", "memory", "kubernetes",
                  "k8s", "dependency", "entitlement", "leader", "election", "partition", "shard", "ring"}
HUMAN_TRADES = {"support", "it", "helpdesk", "help-desk", "service", "customer-service", "call-center",
                "call-centre", "maintenance", "field", "night-shift", "day-shift", "shift", "desk", "ticketing",
                "booking", "sales", "travel", "gate", "dock", "warehouse", "traffic", "floor", "bank", "care"}
PASSIVE = {"be", "been", "being", "is", "are", "was", "were", "get", "gets", "got"}
AUX_START = rx.compile(r"(was|were|is|are|has|have|had|been|be|did|didn't|never|failed|forgot|should|could|would)\b", re.I)
SUBORDINATORS = {"that", "which", "because", "when", "while", "if", "as", "since", "after", "before", "until"}
CONJUNCTIONS = {"and", "but", "or", "yet", "nor", "so"}
PREPOSITIONS = {"on", "in", "at", "of", "for", "with", "from", "during", "behind", "responsible"}
DETERMINERS = {"the", "a", "an", "this", "that", "these", "those", "our", "their", "his", "her", "its", "my", "your"}
BOUNDARY = {",", ";", ":", "(", ")", "—", "–", '"', "“", "”"}
POST_MODIFIERS = {"involved", "concerned", "responsible"}


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int

    @property
    def low(self) -> str:
        return self.text.lower().replace("’", "'")


def tokens(text: str) -> list[Token]:
    return [Token(m.group(), m.start(), m.end()) for m in TOKEN.finditer(text)]


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    raw = (DATA_DIR / "first_names.txt").read_text(encoding="utf-8")
    words = (w for line in raw.splitlines() if not line.startswith("#") for w in line.split())
    return frozenset(words)


# Given names that are also software, abbreviations or places in lowercase technical text (found by
# scanning the labelled sets, the icco postmortems and loghub logs), left out when a line is read as chat.
LOWERCASE_SKIP = frozenset({"ada", "maya", "hugo", "travis", "edu", "len", "cyrus", "ide", "sid", "hinet", "vif",
                            "rand", "ami", "conn", "asia", "london", "america", "india", "sydney", "atlanta",
                            "york", "versa", "ver", "uni", "mac", "tui", "jan", "karkur"})


def chat_names(text: str) -> frozenset[str]:
    """Given names in an all-lowercase line ("ok so aisha nuked the db"): chat drops capitals, so the
    name list alone has to tell a person; empty for any text with a capital letter."""
    if any(c.isupper() for c in text):
        return frozenset()
    words = {_ascii(m.group().removesuffix("'s")) for m in TOKEN.finditer(text)}
    return frozenset(w for w in words if w in first_names() and w not in LOWERCASE_SKIP and len(w) > 2)


def _singular(word: str) -> str:
    word = word.removesuffix("'s").removesuffix("'")
    if word.endswith("s") and word[:-1] in ROLES | TEAMS:
        return word[:-1]
    return word


@lru_cache(maxsize=1)
def subject_names() -> frozenset[str]:
    """Given names that are also ordinary words (Mark, Bill, Grant): a person only as a subject's head."""
    raw = (DATA_DIR / "first_names.txt").read_text(encoding="utf-8")
    for line in raw.splitlines():
        if line.startswith("#subject-only:"):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


def classify(tok: Token, people: frozenset[str] = frozenset(), *, after_proper: bool = False) -> str:
    """Class of a single head token (see module docstring)."""
    low = tok.low.removesuffix("'s")
    if tok.text.startswith("@"):
        return "team" if TEAM_HANDLE.search(tok.text[1:]) and not _role_handle(tok.text) else "person"
    if low in SELF:
        return "self"
    if low == "they" or low == "them":
        return "they"
    if low in GENERIC:
        return "generic"
    if low in PERSON_PRONOUNS:
        return "person"
    base = _singular(low)
    if base in TEAMS:
        return "team"
    if base in ROLES:
        return "thing" if base in SOFTWARE_ROLES and after_proper else "person"
    return "person" if is_name(tok, people) else "thing"


def is_name(tok: Token, people: frozenset[str] = frozenset()) -> bool:
    """A capitalised given name, or any word of a configured person's name."""
    low = _ascii(tok.low.removesuffix("'s"))
    if not tok.text[:1].isupper() or tok.text.isupper():
        return low in people and len(low) > 1
    if low in people or low in first_names():
        return True
    parts = low.split("-")  # "Dong-hyun", "Jean-Luc", "Anne-Marie": a hyphenated given name
    return len(parts) == 2 and min(map(len, parts)) > 1 and tok.text.replace("-", "").isalpha() \
        and (parts[0] in first_names() or parts[1] in first_names())


def _ascii(word: str) -> str:
    """"tomás" -> "tomas": the name list is plain ASCII."""
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def _role_handle(handle: str) -> bool:
    return bool(re.search(r"engineer|manager|lead|oncall-engineer|vp|director", handle, re.I))


@lru_cache(maxsize=64)
def _sentence_tokens(text: str) -> tuple[list[Token], list[int]]:
    toks = tokens(text)
    return toks, [t.end for t in toks]


def subject_class(text: str, pos: int, people: frozenset[str] = frozenset()) -> str:
    """Class of the subject of the verb phrase that starts at ``pos`` in sentence ``text``.

    Only the WINDOW tokens before ``pos`` are looked at, so a huge run-on "sentence" stays linear."""
    all_toks, ends = _sentence_tokens(text)
    n = bisect.bisect_right(ends, pos)
    toks = all_toks[max(0, n - WINDOW):n]
    if toks and toks[-1].low in PASSIVE:
        return "passive"  # "requests to be ignored": no agent, nobody to blame
    i = _skip_back(toks, len(toks) - 1)
    if i < 0:
        return "none"
    tok = toks[i]
    if tok.low in CONJUNCTIONS or tok.low in {"then", "to"}:
        return _clause_subject(toks, i, people)
    if tok.text == ",":
        return _appositive(toks, i, people)
    if tok.low in {"that", "which"}:
        j = _skip_back(toks, i - 1)
        return _head_class(toks, j, people) if j >= 0 else "none"
    if tok.text in BOUNDARY:
        return "none"
    cls = _head_class(toks, i, people)
    if cls == "thing" and AUX_START.match(text[pos:]):
        cls = _relative_antecedent(toks, i, people)
    if cls == "thing" and _headless_relative(toks, i):
        return "person"
    return cls


def _headless_relative(toks: list[Token], i: int) -> bool:
    """"Whoever wrote this job never tested it": the clause opens with whoever / the person who."""
    j = i
    while j > 0 and toks[j - 1].text not in BOUNDARY and toks[j - 1].low not in CONJUNCTIONS:
        j -= 1
    head = [t.low for t in toks[j:j + 3]]
    return bool(head) and (head[0] in {"whoever", "whomever"} or head[1:3] == ["person", "who"]
                           or head[1:3] == ["one", "who"])


def _relative_antecedent(toks: list[Token], i: int, people: frozenset[str]) -> str:
    """"The engineer who ran the script was fired": the subject is the noun before "who"."""
    j = i
    while j > 0 and toks[j].text not in BOUNDARY and toks[j].low not in CONJUNCTIONS | SUBORDINATORS:
        if toks[j].low == "who":
            k = _skip_back(toks, j - 1)
            return _head_class(toks, k, people) if k >= 0 else "thing"
        j -= 1
    return "thing"


def _product_word(toks: list[Token], i: int) -> bool:
    """Token ``i`` is part of a product name: capitalised mid-sentence, or after a capitalised non-name."""
    if i >= 1 and toks[i].text[:1].isupper() and toks[i - 1].text not in BOUNDARY:
        return True
    return _after_proper(toks, i)


def _after_proper(toks: list[Token], i: int) -> bool:
    """The token before ``i`` is a capitalised non-name word inside the sentence ("Lockheed Martin")."""
    if i < 2:
        return False
    prev = toks[i - 1]
    return prev.text[:1].isupper() and not is_name(prev) and prev.low not in DETERMINERS


def _skip_back(toks: list[Token], i: int) -> int:
    while i >= 0 and (toks[i].low in SKIP or _adverb(toks[i])):
        i -= 1
    return i


def _adverb(tok: Token) -> bool:
    return tok.text.islower() and tok.text.endswith("ly") and len(tok.text) > 4


def _head_class(toks: list[Token], i: int, people: frozenset[str]) -> str:
    """Classify the noun phrase ending at ``i``; follow "engineer on call" back over a preposition."""
    if i > 0 and toks[i].low in POST_MODIFIERS:
        i -= 1  # "the technician involved has been suspended": the head is the noun before
    for _hop in range(3):
        cls = classify(toks[i], people, after_proper=_product_word(toks, i))
        start = _np_start(toks, i)
        if cls == "thing" and _hop == 0 and _bare_subject_name(toks, i):
            return "person"
        if start > 0 and toks[start - 1].low in GENERIC:
            return "generic"
        if any(t.low in GENERIC for t in toks[start:i]):
            return "generic"
        if cls == "person" and _software_compound(toks, i):
            return "thing"
        if cls != "thing":
            return cls
        if _human_compound(toks, i):
            return "person"
        inner = [classify(t, people) for t in toks[start:i] if not t.low.endswith("'s")]
        if "person" in inner:
            return "team" if toks[i].low in {"team", "teams"} else "person"
        if start >= 2 and toks[start - 1].low in PREPOSITIONS:
            i = start - 2
            continue
        return cls
    return "thing"


def _software_compound(toks: list[Token], i: int) -> bool:
    """"The lock manager", "etcd members": an ambiguous role head made software by the word before it."""
    return i > 0 and _singular(toks[i].low) in SOFTWARE_HEADS and toks[i - 1].low in TECH_MODIFIERS


def _human_compound(toks: list[Token], i: int) -> bool:
    """"A support agent", "an IT worker": an ambiguous head made human by the word before it."""
    return i > 0 and _singular(toks[i].low).removesuffix("s") in COMPOUND_HEADS and toks[i - 1].low in HUMAN_TRADES


def _bare_subject_name(toks: list[Token], i: int) -> bool:
    """"Mark brought it down": an ambiguous given name standing alone at the head of a clause."""
    tok = toks[i]
    if not tok.text[:1].isupper() or tok.text.isupper() or tok.low.removesuffix("'s") not in subject_names():
        return False
    return i == 0 or toks[i - 1].text in BOUNDARY or toks[i - 1].low in CONJUNCTIONS | SUBORDINATORS


def _clause_edge(tok: Token) -> bool:
    """A relative pronoun or a past-tense verb cannot sit inside the noun phrase we are scanning."""
    return tok.low in {"who", "whom", "whose", "which"} or (tok.text.islower() and tok.low.endswith("ed") and len(tok.low) > 4)


def _np_start(toks: list[Token], i: int) -> int:
    j = i
    while j > 0 and toks[j - 1].text not in BOUNDARY and toks[j - 1].low not in CONJUNCTIONS:
        if _clause_edge(toks[j - 1]):
            return j
        if toks[j - 1].low in DETERMINERS or toks[j - 1].low in PREPOSITIONS or toks[j - 1].low in GENERIC:
            return j - 1 if toks[j - 1].low in DETERMINERS else j
        if j < i - 3:
            break
        j -= 1
    return j


def _clause_subject(toks: list[Token], i: int, people: frozenset[str]) -> str:
    """Elided subject ("... but forgot to"): the first noun phrase of the clause that holds ``i``."""
    start = i
    while start > 0 and toks[start - 1].text not in {";", ":", ","}:
        start -= 1
    window = [t for t in toks[start:i] if t.low not in DETERMINERS][:4]
    classes = [classify(t, people) for t in window]
    for cls in ("generic", "person", "team", "self", "they"):
        if cls in classes:
            return cls
    return "thing" if window else "none"


def _appositive(toks: list[Token], i: int, people: frozenset[str]) -> str:
    """"Bob, the on-call engineer, forgot": look inside the commas, then before them."""
    j = i - 1
    while j >= 0 and toks[j].text != "," and i - j < 10:
        j -= 1
    if j < 0 or toks[j].text != ",":
        return "none"
    inner = [classify(t, people) for t in toks[j + 1:i]]
    if "person" in inner:
        return "person"
    k = _skip_back(toks, j - 1)
    return _head_class(toks, k, people) if k >= 0 else "none"


def group_class(text: str, people: frozenset[str] = frozenset()) -> str:
    """Class of a captured phrase such as "the database team" or "Bob": its most blameable member."""
    toks = [t for t in tokens(text) if t.low not in {"who", "whom", "that", "which"}]
    classes = ["person" if _human_compound(toks, i) else classify(t, people, after_proper=_product_word(toks, i))
               for i, t in enumerate(toks)]
    for cls in ("generic", "team", "person", "self", "they"):
        if cls in classes:
            if cls == "person" and classes and classes[-1] == "team":
                return "team"
            return cls
    return "thing"


def sentence_class(text: str, people: frozenset[str] = frozenset()) -> str:
    """Most blameable subject of any clause in ``text``: team or person beats everything else."""
    toks = tokens(text)
    classes = set()
    for i, t in enumerate(toks):
        cls = classify(t, people, after_proper=_product_word(toks, i))
        if cls == "thing" and _bare_subject_name(toks, i):
            cls = "person"
        classes.add(cls)
    for cls in ("team", "person", "they", "self", "generic"):
        if cls in classes:
            return cls
    return "thing"
