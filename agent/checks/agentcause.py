"""Person-as-cause, as general layers rather than phrases (rule kind ``agent``).

1. Person agents: names (list or *shape*: a capitalised word followed by a past-tense verb, or "X's" +
   noun), @handles, role nouns, he/she, teams -- via ``subject.classify`` plus the shape cues here.
2. A negative-outcome lexicon and a judgement lexicon (agent/data/blameless_rules.yaml, key ``lexicon``).
3. Fire when an agent is tied to blame: its own verb is blameful ("skipped", "bypassed"), or the sentence
   carries an outcome ("... is why", "caused", "brought down") and the agent's own verb is not a neutral
   response ("rolled back", "paged", "restarted"). Quoted and code text is masked first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.checks import subject
from agent.checks.subject import Token

CODE = re.compile(r'`[^`]*`|"[^"]*"|“[^”]*”')
IRREGULAR = {
    "ran", "took", "made", "put", "set", "sent", "cut", "chose", "wrote", "shut", "brought", "gave", "did",
    "broke", "forgot", "left", "let", "hit", "went", "kept", "threw", "began", "tore", "overrode", "blew",
    "knew", "saw", "told", "got", "ignored", "didn't", "never", "had", "was", "is", "has", "just", "thought",
}
NOUNISH = re.compile(r"(ion|ing|ment|ity|ness|ance|ence|age|ure|ics|ism|ncy|ogy|ies|ics|ers|ors|ry)$", re.I)
AGENT_CLASSES = {"person", "team"}
NOT_AGENT = {"who", "whoever", "you", "her", "him", "they", "them", "it", "we", "i", "although", "however",
             "despite", "while", "whilst", "though", "meanwhile", "instead", "consequently", "eventually"}
CAUSED_BY = {"caused", "triggered", "started", "introduced", "broken", "deleted", "pushed", "merged", "done",
             "made", "written", "shipped", "deployed", "dropped", "wiped", "disabled", "approved"}
NAME_BEFORE = {"by", "typical", "classic", "when", "because", "if", "did", "didn't", "blame"}
OBJECT_BEFORE = {"to", "for", "with", "from", "at", "of", "on", "in", "into", "reached", "paged", "told", "asked",
                 "called", "pinged", "notified", "alerted", "woke", "contacted", "thanked", "about"}
WORK_NOUN = re.compile(r"\s+(\w+\s+){0,2}?(change|changes|decision|push|pr|commit|script|edit|mistake|typo|rollout|deploy|"
                       r"deployment|migration|query|fix|hotfix|config|cleanup|merge|call|choice|command|patch|refactor|"
                       r"update|release|plan|idea|shortcut|code|branch|job)\b", re.I)


@dataclass(frozen=True)
class Lexicon:
    action: re.Pattern    # blameful on its own when it is the agent's verb
    outcome: re.Pattern   # ties an agent in the sentence to the damage
    change: re.Pattern    # the agent's verb makes a change that an outcome can be laid at
    judgement: re.Pattern  # "typical X", "thanks to X's", "again, as usual"
    system: frozenset[str]  # capitalised words that are products/systems, never people


@dataclass(frozen=True)
class Agent:
    start: int
    end: int
    verb: str  # text after a subject agent (its verb phrase), "" otherwise
    kind: str = "subject"


def lexicon(raw: dict) -> Lexicon:
    def rx(key: str) -> re.Pattern:
        return re.compile("|".join(f"(?:{p})" for p in raw[key]), re.I)
    return Lexicon(rx("action"), rx("outcome"), rx("change"), rx("judgement"),
                   frozenset(w.lower() for w in raw.get("system", [])))


def mask(sentence: str) -> str:
    """Blank quoted and code text so a log line is never read as someone's action."""
    return CODE.sub(lambda m: " " * len(m.group()), sentence)


def _past(tok: Token) -> bool:
    low = tok.low
    return tok.text.islower() and (low in IRREGULAR or (low.endswith("ed") and len(low) > 3))


def _shape_name(toks: list[Token], i: int, lex: Lexicon) -> bool:
    """A capitalised word that looks like a given name by what follows it."""
    tok = toks[i]
    text = tok.text.removesuffix("'s").removesuffix("’s")
    if not text[:1].isupper() or text.isupper() or not text.replace("-", "").isalpha() or len(text) < 3 \
            or any(c.isupper() for c in text[1:].replace("-", "")) and "-" not in text:
        return False
    if text.lower() in lex.system or text.lower() in subject.GENERIC | subject.DETERMINERS | subject.SUBORDINATORS:
        return False
    if i > 0 and (toks[i - 1].low in subject.DETERMINERS or toks[i - 1].text[:1].isupper() and i > 1):
        return False  # "the Kafka operator", "Workflow Manager"
    if "-" not in text and NOUNISH.search(text) and text.lower() not in subject.first_names():
        return False
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    possessive = tok.low.endswith("'s")
    if i > 0 and toks[i - 1].low in NAME_BEFORE and (i > 1 or toks[0].low != "to"):
        return True
    if possessive:
        return bool(WORK_NOUN.match(" " +
                                    " ".join(t.text for t in toks[i + 1:i + 4])))
    return (nxt is not None and (_past(nxt) or _adverb_then_past(toks, i + 1)))


def _object(toks: list[Token], i: int) -> bool:
    """"paged the on-call engineer", "sent to Atlanta": the word is an object, not the agent."""
    j = i - 1
    while j >= 0 and (toks[j].low in subject.DETERMINERS or toks[j].low in {"on-call", "oncall", "primary", "senior",
                                                                             "junior", "new", "database", "release"}):
        j -= 1
    if j >= 1 and toks[j].low == "to" and toks[j - 1].low in {"thanks", "due", "down", "owing"}:
        return False  # "thanks to Ilse's cleanup", "due to Omar's change": the cause, not an object
    return j >= 0 and (toks[j].low in OBJECT_BEFORE or (_past(toks[j]) and toks[j].low not in {"had", "was", "is", "has", "never", "did", "didn't", "just"}))


def _adverb_then_past(toks: list[Token], j: int) -> bool:
    while j < len(toks) and (toks[j].low in subject.SKIP or subject._adverb(toks[j])):
        j += 1
    return j < len(toks) and j > 0 and _past(toks[j]) and toks[j - 1].low != toks[j].low


def agents(sentence: str, lex: Lexicon, people: frozenset[str] = frozenset()) -> list[Agent]:
    """Person or team agents: clause subjects with a verb, "X's change", or "because/by/thanks to X"."""
    toks = subject.tokens(sentence)
    out = []
    for i, tok in enumerate(toks):
        if tok.low in NOT_AGENT:
            continue
        cls = subject.classify(tok, people, after_proper=subject._product_word(toks, i))
        if cls == "person" and subject._product_word(toks, i) and subject._singular(tok.low) not in subject.ROLES \
                and not tok.text.startswith("@"):
            cls = "person" if subject.is_name(tok, people) else "thing"
        if cls not in AGENT_CLASSES and not _shape_name(toks, i, lex) or _object(toks, i):
            continue
        kind = _agent_kind(toks, i)
        if kind:
            verb = "" if kind != "subject" else sentence[tok.end:]
            out.append(Agent(tok.start, tok.end, verb, kind))
    return out


def _agent_kind(toks: list[Token], i: int) -> str | None:
    """subject ("Ana pushed"), possessive ("Ana's change"), cause ("because of Ana"), or None (a modifier)."""
    if toks[i].low.endswith("'s") or toks[i].low.endswith("’s"):
        return "possessive" if WORK_NOUN.match(" " + " ".join(t.text for t in toks[i + 1:i + 4])) else None
    if i > 0 and _cause_before(toks, i) and not _object(toks, i):
        return "cause"
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    if nxt is not None and (_past(nxt) or _adverb_then_past(toks, i + 1)):
        return "subject"
    return None


def _cause_before(toks: list[Token], i: int) -> bool:
    """"because Ana", "thanks to Ana", "typical Ana", "caused by Ana" -- not "managed by Orchestrator"."""
    prev = toks[i - 1].low
    before = toks[i - 2].low if i > 1 else ""
    if prev == "by":
        return before in CAUSED_BY
    if prev in {"to", "of"}:
        return before in {"thanks", "due", "because"}
    return prev in NAME_BEFORE


def _verb_head(agent: Agent) -> str:
    head = re.match(r"\s*(?:(?:\w+ly|then|also|just|again|had|has|have|finally|once more),?\s+)*(.{0,60})", agent.verb)
    return head.group(1) if head else ""


def _own_action(agent: Agent, lex: Lexicon) -> re.Match | None:
    """The agent's own verb phrase (up to the next clause break) holds a blameful action."""
    if agent.kind != "subject":
        return None
    clause = re.split(r"[;:]|,\s*(?:and|but|so|which|then)\b|\b(?:after|once|when|before)\b", agent.verb, maxsplit=1)[0]
    head = re.match(r"\s*(?:\w+ly\s+|just\s+|then\s+|also\s+|again\s+|had\s+|has\s+)*", clause)
    return lex.action.match(clause, head.end()) if head else None


def _tied(agent: Agent, lex: Lexicon) -> bool:
    """The damage can be laid at this agent: its own verb is a change ("pushed", "dropped"), or the
    agent is a change ("Ana's push") or a stated cause ("because of Ana")."""
    return agent.kind in ("possessive", "cause") or bool(lex.change.match(_verb_head(agent)))


def find(sentence: str, lex: Lexicon, people: frozenset[str] = frozenset()) -> tuple[int, int] | None:
    """(start, end) of the blamed agent, or None when the sentence does not blame a person or team."""
    text = mask(sentence)
    found = agents(text, lex, people)
    for agent in found:
        if _own_action(agent, lex):
            return agent.start, agent.end
    if lex.judgement.search(text) or lex.outcome.search(text):
        blamed = [a for a in found if _tied(a, lex)]
        if blamed:
            return blamed[0].start, blamed[0].end
    return None
