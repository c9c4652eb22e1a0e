"""Person-as-actor of a risky action or of the damage, as general layers rather than phrases (rule kind ``agent``).

1. Person agents: listed names, @handles, role nouns, he/she, teams (``subject.classify``), and names
   found by *shape*: "It was X who ...", "X deciding ...", "for X to ...", "Did X ...", "X's change",
   "because of / traces back to X", "X, as always, ran", "someone in ops drained", or a capitalised word
   followed by a past-tense verb. That last cue also finds companies ("Razorpay experienced"), so such an
   agent is blamed only for its own risky action, never through an outcome elsewhere in the sentence.
2. Word classes in agent/data/blameless_rules.yaml (``agent_lexicon``): blameful *actions* at the
   agent's verb, *destroy* verbs on stores of data, *lapses* anywhere in the agent's own clause ("without a
   rollback plan", "all at once", "to save time"), *outcomes* and *judgements* in the sentence, and the
   *neutral* / *report* verbs of incident response.
3. Fire when an agent's own clause holds an action, a destroy or a lapse (unless it states a mitigating
   purpose, "to restore traffic", or an obligation, "had to bypass"), or when the sentence carries an
   outcome or judgement and the agent's verb is not response, passive or a state. Quoted and code text is
   masked first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent import rxcache as rx
from agent.checks import subject
from agent.checks.prefilter import Prefilter
from agent.checks.subject import Token

CODE = rx.compile(r'`[^`]*`|"[^"]*"|“[^”]*”')
IRREGULAR = {
    "ran", "took", "made", "put", "set", "sent", "cut", "chose", "wrote", "shut", "brought", "gave", "did",
    "broke", "forgot", "left", "let", "hit", "went", "kept", "threw", "began", "tore", "overrode", "blew",
    "knew", "saw", "told", "got", "ignored", "didn't", "never", "had", "was", "is", "has", "just", "thought",
    "overwrote", "rewrote", "drove", "froze", "stole", "rode", "woke", "swore", "beat", "bit", "hid", "slid",
    "struck", "stuck", "swung", "hung", "rang", "sank", "shrank", "spun", "sat", "stood", "drew", "grew", "flew",
    "fed", "led", "sped", "spent", "bent", "built", "rebuilt", "dealt", "felt", "lost", "slept", "swept",
    "caught", "bought", "fought", "sought", "found", "held", "sold", "paid", "laid", "said", "gave", "forgave",
    "mistook", "shook", "overtook", "came", "overran", "redid", "undid", "withheld", "reset", "quit", "split",
}
NOUNISH = rx.compile(r"(ion|ing|ment|ity|ness|ance|ence|age|ure|ics|ism|ncy|ogy|ies|ics|ers|ors|ry)$", re.I)
AGENT_CLASSES = {"person", "team"}
NOT_AGENT = {"who", "whoever", "you", "her", "him", "they", "them", "it", "we", "i", "although", "however",
             "despite", "while", "whilst", "though", "meanwhile", "instead", "consequently", "eventually"}
CAUSED_BY = {"caused", "triggered", "started", "introduced", "broken", "deleted", "pushed", "merged", "done",
             "made", "written", "shipped", "deployed", "dropped", "wiped", "disabled", "approved"}
GERUND_BEFORE = {"was", "is", "of", "about", "by", "with", "from", "like"}
NAME_BEFORE = {"by", "typical", "classic", "when", "because", "if", "did", "didn't", "blame"}
OBJECT_BEFORE = {"to", "for", "with", "from", "at", "of", "on", "in", "into", "reached", "paged", "told", "asked",
                 "called", "pinged", "notified", "alerted", "woke", "contacted", "thanked", "about"}
WORK_NOUN = rx.compile(r"\s+([\w-]+\s+){0,2}?(change|changes|tweak|tweaks|setting|settings|revert|rollback|failover|"
                       r"flag|toggle|upgrade|restart|reboot|experiment|test|backfill|import|cutover|action|move|"
                       r"decision|push|pr|commit|script|edit|mistake|typo|rollout|deploy|deployment|migration|query|"
                       r"fix|hotfix|config|cleanup|merge|call|choice|command|patch|refactor|update|release|plan|idea|"
                       r"shortcut|code|branch|job)\b", re.I)


# The person's own clause ends where another subject starts ("... after the job ran"), but
# "even after", "while X was still" and "because he thought" stay: they describe the person's choice.
OWN_CLAUSE = rx.compile(r";|:(?!\d)|[.?!](?!\w)|,\s*(?:but|which|so|while)\b|,\s*and\s+(?:the|a|an|our|its|their)\b|"
                        r"(?<!even\s)\b(?:after|once|when|because|since|until|as)\s+(?:the|a|an|our|its|their|it|we)\b")
PURPOSE = rx.compile(r"\b(?:in order |so as )?to\s+(?:stop|restore|recover|mitigate|fix|unblock|drain|prevent|"
                     r"contain|reduce|relieve|clear|protect|limit|isolate|halt|shed|unstick|work\s+around)\b", re.I)

DECISION_NOUN = rx.compile(r"\b(change|changes|decision|push|commit|mistake|typo|call|choice|shortcut|plan|idea|"
                           r"rollout|deploy|merge|edit|cleanup|fix|hotfix)$", re.I)

# "was alerted late", "were paged": the person is acted on. "had to bypass": the situation chose.
PASSIVE = rx.compile(r"(?:was|were|is|are|got|been|being|had\s+been|has\s+been)\s+(?:\w+ly\s+)?(?:not\s+)?"
                     r"\w+(?:ed|en|wn)\b", re.I)
COPULA = rx.compile(r"(?:was|were|is|are|been)\s+(?!\w+(?:ed|en|wn)\b)", re.I)  # "was on shift": a state
OBLIGED = rx.compile(r"(?:had|has|have|needed|(?:was|were)\s+(?:forced|asked|told))\s+to\b", re.I)


@dataclass(frozen=True)
class Lexicon:
    action: re.Pattern    # blameful on its own when it is the agent's verb
    outcome: re.Pattern   # ties an agent in the sentence to the damage
    change: re.Pattern    # the agent's verb makes a change that an outcome can be laid at
    judgement: re.Pattern  # "typical X", "thanks to X's", "again, as usual"
    system: frozenset[str]  # capitalised words that are products/systems, never people
    lapse: re.Pattern     # how it was done: "without a rollback plan", "straight to prod", "all at once"
    report: re.Pattern    # "asked why ...", "followed the runbook step that ...": the rest is reported content
    destroy: re.Pattern   # a destructive verb on a store of data: "dropped a column"
    neutral: re.Pattern   # incident response ("rolled back", "paged"): never the cause of an outcome
    trigger: Prefilter    # any word class that can blame: a sentence without one skips the token walk


@dataclass(frozen=True)
class Agent:
    start: int
    end: int
    verb: str  # text after a subject agent (its verb phrase), "" otherwise
    kind: str = "subject"
    known: bool = True  # a listed name, role, pronoun, team or handle; False when found by shape only


def lexicon(raw: dict, compiler=rx.compile) -> Lexicon:
    def rx(*keys: str) -> re.Pattern:
        return compiler("|".join(f"(?:{p})" for key in keys for p in raw[key]), re.I)
    return Lexicon(rx("action"), rx("outcome"), rx("change"), rx("judgement"),
                   frozenset(w.lower() for w in raw.get("system", [])), rx("lapse"), rx("report"), rx("destroy"), rx("neutral"),
                   Prefilter([compiler(p, re.I) for key in ("action", "destroy", "lapse", "outcome", "judgement")
                              for p in raw[key]]))


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
    if i > 0 and (toks[i - 1].low in subject.DETERMINERS or toks[i - 1].text[:1].isupper() and i > 1
                  and toks[i - 1].low not in subject.first_names()):
        return False  # "the Kafka operator", "Workflow Manager"; but "SRE Marco Bellini" is a full name
    if "-" not in text and NOUNISH.search(text) and text.lower() not in subject.first_names():
        return False
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    possessive = tok.low.endswith("'s")
    if i > 0 and (toks[i - 1].low in NAME_BEFORE or _cause_before(toks, i) or _for_to(toks, i)) \
            and (i > 1 or toks[0].low != "to") and not (toks[i - 1].low not in {"did", "didn't"} and _cause_before(toks, i) and _modifier(toks, i)):
        return True
    if rx.compile(r"[^aiouys]s$").search(text) and text.lower() not in subject.first_names():
        return False  # "Messages piled up", "Requests timed out": a plural noun, not a name
    if _who_clause(toks, i) or _gerund_subject(toks, i):
        return True  # "It was Tamsin who merged ...", "the problem was Anouk deciding ..."
    if possessive:
        return bool(WORK_NOUN.match(" " +
                                    " ".join(t.text for t in toks[i + 1:i + 4])))
    return (nxt is not None and (_past(nxt) or _adverb_then_past(toks, i + 1)))


def _generic(toks: list[Token], i: int) -> bool:
    """"no second reviewer was on shift", "any engineer could": nobody in particular."""
    return any(t.low in subject.GENERIC for t in toks[max(0, i - 3):i])


def _modifier(toks: list[Token], i: int) -> bool:
    """"due to Riak write timeouts": the capitalised word modifies the noun after it (a product)."""
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    return nxt is not None and nxt.text.isalpha() and nxt.text.islower() and not toks[i].low.endswith("'s") \
        and not _past(nxt) and not nxt.low.endswith("ing") and nxt.low not in {"and", "or", "who", "for", "to", "on"}


def _object(toks: list[Token], i: int) -> bool:
    """"paged the on-call engineer", "sent to Atlanta": the word is an object, not the agent."""
    if _for_to(toks, i):
        return False  # "for Ana to redeploy": the subject of the infinitive
    j = i - 1
    while j >= 0 and (toks[j].low in subject.DETERMINERS or toks[j].low in {"on-call", "oncall", "primary", "senior",
                                                                             "junior", "new", "database", "release"}):
        j -= 1
    if j >= 1 and toks[j].low == "to" and toks[j - 1].low in {"thanks", "due", "down", "owing", "back"}:
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
        if cls == "person" and subject._software_compound(toks, i):
            cls = "thing"  # "the lock manager", "etcd members": components, not people
        # "who", "for X to" and "X deciding" point at a person; a bare "X experienced" may be a company
        shaped = cls not in AGENT_CLASSES and _shape_name(toks, i, lex)
        if cls not in AGENT_CLASSES and not shaped or _object(toks, i) or _generic(toks, i):
            continue
        known = not shaped or _who_clause(toks, i) or _for_to(toks, i) or _gerund_subject(toks, i)
        k = i + 1 if cls == "person" and _surname(toks, i + 1, lex) else i  # "SRE Tom Wu restarted ..."
        kind = _agent_kind(toks, k)
        if kind:
            out.append(Agent(tok.start, toks[k].end, sentence[_verb_start(toks, k, kind):], kind, known))
    return out


def _surname(toks: list[Token], j: int, lex: Lexicon) -> bool:
    """A capitalised word right after a given name, with more text after it: the family name."""
    if j + 1 >= len(toks) or not subject.is_name(toks[j - 1]):
        return False
    word = toks[j].text.removesuffix("'s").removesuffix("’s")
    return word[:1].isupper() and word[1:].replace("-", "").replace("'", "").islower() and word.lower() not in lex.system


def _agent_kind(toks: list[Token], i: int) -> str | None:
    """subject ("Ana pushed"), possessive ("Ana's change"), cause ("because of Ana"), or None (a modifier)."""
    if toks[i].low.endswith("'s") or toks[i].low.endswith("’s"):
        work = WORK_NOUN.match(" " + " ".join(t.text for t in toks[i + 1:i + 4]))
        if work and _singular_team(toks[i]) and not DECISION_NOUN.search(work.group()):
            return None  # "the data team's nightly job": a team owns systems; a person's job is their change
        return "possessive" if work else None
    if i > 0 and toks[i - 1].low in {"did", "didn't"}:
        return "subject"  # "Did Ana really run it against prod?": the verb follows the name
    if i > 0 and _cause_before(toks, i) and not _object(toks, i):
        return "cause"
    if _who_clause(toks, i) or _gerund_subject(toks, i) or _aside(toks, i) is not None or _habit(toks, i):
        return "subject"
    if _for_to(toks, i) or _qualified(toks, i) is not None:
        return "subject"
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    if nxt is not None and (_past(nxt) or _adverb_then_past(toks, i + 1)):
        return "subject"
    return None


def _verb_start(toks: list[Token], i: int, kind: str) -> int:
    """Where the agent's own verb phrase starts: after "who", after an aside, after "X's change"."""
    if kind == "possessive":
        m = WORK_NOUN.match(" " + " ".join(t.text for t in toks[i + 1:i + 4]))
        words = len(m.group().split()) if m else 0
        return toks[min(i + words, len(toks) - 1)].end
    if kind != "subject":
        return toks[i].end
    if _who_clause(toks, i) or _for_to(toks, i):
        return toks[i + 1].end
    qualified = _qualified(toks, i)
    if qualified is not None:
        return toks[qualified].end
    aside = _aside(toks, i)
    return toks[aside].end if aside is not None else toks[i].end


def _singular_team(tok: Token) -> bool:
    return subject._singular(tok.low.replace("’", "'")) in subject.TEAMS


def _who_clause(toks: list[Token], i: int) -> bool:
    """"It was Ana who approved ...": the name is the subject of the relative clause."""
    return i + 2 < len(toks) and toks[i + 1].low == "who" and (_past(toks[i + 2]) or _adverb_then_past(toks, i + 2))


def _aside(toks: list[Token], i: int) -> int | None:
    """"Our DBA, as always, ran ...": index of the comma closing a short aside that a past verb follows."""
    if i + 1 >= len(toks) or toks[i + 1].text != ",":
        return None
    for j in range(i + 2, min(i + 8, len(toks) - 1)):
        if toks[j].text == ",":
            return j if _past(toks[j + 1]) or _adverb_then_past(toks, j + 1) else None
    return None


def _for_to(toks: list[Token], i: int) -> bool:
    """"Was it really necessary for Ana to redeploy every service?": Ana is the subject of "to redeploy"."""
    return 0 < i < len(toks) - 2 and toks[i - 1].low == "for" and toks[i + 1].low == "to"


def _qualified(toks: list[Token], i: int) -> int | None:
    """"Somebody in ops drained ...", "an engineer on the data team ran ...": index of the token before the verb."""
    if i + 2 >= len(toks) or toks[i + 1].low not in {"in", "on", "from"}:
        return None
    for j in range(i + 2, min(i + 6, len(toks) - 1)):
        if not toks[j].text[:1].isalnum():
            return None
        if _past(toks[j + 1]) and not _past(toks[j]):
            return j
    return None


def _habit(toks: list[Token], i: int) -> bool:
    """"Ana never runs the tests", "Ana always skips ...": a habit, with a present-tense verb."""
    return i + 2 < len(toks) and toks[i + 1].low in {"never", "always", "routinely", "constantly", "keeps"} \
        and toks[i + 2].text.islower() and toks[i + 2].text.isalpha()


def _gerund_subject(toks: list[Token], i: int) -> bool:
    """"The problem was Ana deciding the test was optional": a name as the subject of an -ing verb."""
    if i + 1 >= len(toks) or i == 0 or toks[i - 1].low not in GERUND_BEFORE:
        return False
    nxt = toks[i + 1].text
    return nxt.islower() and nxt.endswith("ing") and len(nxt) > 5 and nxt not in {"during", "something", "nothing"}


def _cause_before(toks: list[Token], i: int) -> bool:
    """"because Ana", "thanks to Ana", "typical Ana", "caused by Ana" -- not "managed by Orchestrator"."""
    prev = toks[i - 1].low
    before = toks[i - 2].low if i > 1 else ""
    if prev == "by":
        return before in CAUSED_BY
    if prev in {"to", "of"}:
        return before in {"thanks", "due", "because", "back", "down"}  # "traces back to Ana", "comes down to Ana"
    return prev in NAME_BEFORE


def _verb_head(agent: Agent) -> str:
    head = rx.compile(r"\s*(?:(?:\w+ly|then|also|just|again|had|has|have|finally|once more),?\s+)*(.{0,60})").match(agent.verb)
    return head.group(1) if head else ""


def _own_action(agent: Agent, lex: Lexicon) -> re.Match | None:
    """The agent's own verb phrase (up to the next clause break) holds a blameful action."""
    if agent.kind == "possessive":  # "Yaw's cleanup job deleted every object"
        own = OWN_CLAUSE.split(agent.verb, maxsplit=1)[0]
        return None if PURPOSE.search(own) else lex.destroy.search(own) or lex.lapse.search(own)
    if agent.kind != "subject" or OBLIGED.match(agent.verb.lstrip()) or PASSIVE.match(agent.verb.lstrip()):
        return None
    clause = rx.compile(r";|:(?!\d)|,\s*(?:and|but|so|which|then)\b|\b(?:after|once|when|before)\b").split(agent.verb, maxsplit=1)[0]
    head = rx.compile(r"\s*(?:\w+ly\s+|just\s+|then\s+|also\s+|again\s+|had\s+|has\s+)*").match(clause)
    at = head.end() if head else 0
    found = lex.action.match(clause, at)
    if found:
        return found
    own = OWN_CLAUSE.split(agent.verb, maxsplit=1)[0]
    if PURPOSE.search(own):
        return None  # "dropped the index to stop the lock storm": a mitigation, not a lapse
    if lex.report.match(clause, at):
        # "answered the page, silenced it and went back to sleep": a later verb of the same person
        rest = rx.compile(r"(?:,|\band\b)\s+(?:then\s+)?(?=\w+ed\b|went\b|left\b|ran\b|kept\b|put\b|set\b)").search(own)
        return lex.lapse.search(own, rest.end()) if rest else None
    return lex.destroy.match(clause, at) or lex.lapse.search(own)


def _tied(agent: Agent, lex: Lexicon) -> bool:
    """The damage can be laid at this agent: its own verb is not incident response ("rolled back",
    "paged"), or the agent is a change ("Ana's push") or a stated cause ("because of Ana")."""
    if agent.kind in ("possessive", "cause"):
        return True
    if not agent.known:
        return False  # "Razorpay experienced an outage": a capitalised word + verb is often a company
    head = _verb_head(agent)
    own = OWN_CLAUSE.split(agent.verb, maxsplit=1)[0]
    if PASSIVE.match(agent.verb.lstrip()) or PURPOSE.search(own) or OBLIGED.match(agent.verb.lstrip()) \
            or COPULA.match(agent.verb.lstrip()):
        return False  # "was alerted late", "took billing offline to prevent charges", "had to bypass"
    return bool(lex.change.match(head)) or not (lex.neutral.match(head) or lex.report.match(head))


def find(sentence: str, lex: Lexicon, people: frozenset[str] = frozenset(), *,
         prefilter: bool = True) -> tuple[int, int] | None:
    """(start, end) of the blamed agent, or None when the sentence does not blame a person or team."""
    text = mask(sentence)
    if prefilter and not lex.trigger.any_possible(text):
        return None  # every path below needs one of these word classes somewhere in the sentence
    found = agents(text, lex, people)
    for agent in found:
        if _own_action(agent, lex):
            return agent.start, agent.end
    if lex.judgement.search(text) or lex.outcome.search(text):
        blamed = [a for a in found if _tied(a, lex)]
        if blamed:
            return blamed[0].start, blamed[0].end
    return None
