"""The failure mechanism: which errors are new in the incident window, what they say (saturation,
network, certificate, auth, dependency), and which resource saturated.

Errors whose template was already present well before the onset are baseline noise: they are listed as
distractors and never become the mechanism.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from agent import rxcache as rx
from agent.analysis import series as ms
from agent.analysis.cite import Citations
from agent.models import Evidence, EvidencePack, Finding
from agent.timeline import signature

SIGNALS: dict[str, re.Pattern[str]] = {
    "certificate": rx.compile(r"certificate (?:has )?expired|x509|cert(?:ificate)? (?:is )?(?:not yet valid|expired)"
                              r"|ssl.{0,30}expir|tls.{0,30}(?:expired|bad certificate)|notafter|certificate\b.{0,60}\bexpir", re.I),
    "security": rx.compile(r"unauthori[sz]ed access|intrusion|brute.?force|credential stuffing|malicious|exfiltrat"
                           r"|suspicious (?:login|activity)|\bddos\b|sql injection|privilege escalation", re.I),
    "data_loss": rx.compile(r"drop (?:table|database)|truncate table|rm -rf|\bdeleted? \d+ rows|data loss"
                            r"|no such table|relation \S+ does not exist|table .{0,40}(?:missing|not found)", re.I),
    "saturation": rx.compile(r"pool (?:is )?exhausted|exhaust|too many (?:connections|open files|clients)"
                             r"|out of memory|\boom\b|oomkill|no space left|disk (?:is )?full|queue (?:is )?full"
                             r"|rate.?limit|throttl|max(?:imum)?[ _]connections|saturat|resource(?:s)? exhausted"
                             r"|heap space|cannot allocate|remaining connection slots|unable to create (?:new )?native thread"
                             r"|thread limit|threads-max|fork rejected|resource temporarily unavailable", re.I),
    "dependency": rx.compile(r"upstream|downstream|dependency|bad gateway|\b50[234]\b.{0,40}(?:from|upstream)"
                             r"|circuit.?breaker|service unavailable|failed to call|error calling|discovery unavailable"
                           r"|no (?:healthy )?(?:endpoints|upstreams?|backends?)|(?:vendor|provider|third.party) .{0,30}"
                           r"(?:error|fail|timeout|timed out)", re.I),
    "network": rx.compile(r"timed? ?out|timeout|connection refused|connection reset|econnrefused|econnreset"
                          r"|packet loss|\bbgp\b|\bdns\b|nxdomain|servfail|no route to host|host unreachable"
                          r"|network is unreachable|broken pipe|i/o timeout|no such host|name resolution|could not resolve"
                          r"|temporary failure in name resolution", re.I),
}
_DEP_NAME = rx.compile(r"(?:upstream|dependency|calling|call to|request to|connect to|from)\s+['\"]?"
                       r"([a-z][\w.-]*(?:service|svc|api|db|redis|postgres|mysql|kafka|cache|gateway|auth)[\w.-]*)",
                       re.I)


@dataclass
class Signature:
    text: str
    evidence_ids: list[str]
    count: int
    first: datetime | None
    service: str | None = None
    preexisting: bool = False
    score: float = 0.0
    saturation: bool = False


@dataclass
class Mechanism:
    signatures: list[Signature] = field(default_factory=list)   # new in the window, most frequent first
    noise: list[Signature] = field(default_factory=list)        # pre-existing: distractors
    scores: dict[str, float] = field(default_factory=dict)      # signal -> weight
    signal_ids: dict[str, list[str]] = field(default_factory=dict)
    saturation: ms.Shift | None = None
    saturation_ids: list[str] = field(default_factory=list)
    dependency: str | None = None
    dependency_ids: list[str] = field(default_factory=list)
    baseline: set[str] = field(default_factory=set)             # templates seen well before the onset
    dependency_time: datetime | None = None

    @property
    def top(self) -> Signature | None:
        return self.signatures[0] if self.signatures else None


_ERRORISH = rx.compile(r"\b(error|err|fatal|critical|crit|exception|fail\w*|panic|refused|timeout|timed out"
                       r"|exhausted|5\d\d)\b", re.I)


_WARN = rx.compile(r"\bwarn(?:ing)?\b", re.I)


def _is_error_evidence(e: Evidence) -> bool:
    return e.kind in ("log", "log_template", "trace") and bool(_ERRORISH.search(e.excerpt))


def analyze(pack: EvidencePack, citations: Citations, *, start: datetime | None, end: datetime | None,
            shifts: list[ms.Shift], primary: str | None) -> Mechanism:
    """New error signatures, signal scores, the saturated resource and the failing dependency."""
    mech = Mechanism()
    _signatures(mech, pack, start, end)
    _score_signals(mech, pack, start, end)
    _saturation(mech, shifts, citations)
    _dependency(mech, pack, primary, start)
    return mech


def _in_window(t: datetime | None, start: datetime | None, end: datetime | None) -> bool:
    if t is None or start is None:
        return True
    return start - timedelta(minutes=5) <= t <= (end or start + timedelta(hours=6))


def _signatures(mech: Mechanism, pack: EvidencePack, start: datetime | None, end: datetime | None) -> None:
    """Group error evidence by template; the evidence stage's findings name the groups when they exist."""
    groups: dict[str, Signature] = {}
    counts: Counter[str] = Counter()
    mech.baseline = {signature(e.excerpt) for e in pack.evidence if e.kind in ("log", "log_template") and start
                     and e.time and e.time < start - timedelta(minutes=15)}
    claimed: set[str] = set()
    for f in pack.findings:
        if _merge_finding(groups, counts, f):
            claimed.update(f.evidence_ids)
    for e in pack.evidence:
        if e.id in claimed or not _is_error_evidence(e) or not _in_window(e.time, start, end):
            continue
        sig = signature(e.excerpt)
        g = groups.setdefault(sig, Signature(_clean(e.excerpt), [], 0, e.time))
        g.evidence_ids.append(e.id)
        counts[sig] += 1
    for sig, g in groups.items():
        g.count = max(g.count, counts[sig])
        g.preexisting = g.preexisting or sig in mech.baseline
    ordered = sorted(groups.values(), key=lambda g: (-g.score, -g.count,
                                                     g.first.timestamp() if g.first else float("inf")))
    lo = start - timedelta(minutes=5) if start else None
    mech.signatures = [g for g in ordered if not g.preexisting and (lo is None or (g.first and g.first >= lo))]
    mech.noise = [g for g in ordered if g.preexisting]


def _merge_finding(groups: dict[str, Signature], counts: Counter, f: Finding) -> bool:
    if f.kind not in ("error_signature", "log_template") or not f.evidence_ids:
        return False
    if f.kind == "log_template" and not _ERRORISH.search(f.text) and f.role != "distractor":
        return False
    template = f.attrs.get("template")
    body = template if isinstance(template, str) and template else f.text
    sig = signature(body)
    g = groups.get(sig)
    if g is None:
        g = groups.setdefault(sig, Signature(_clean(body), list(f.evidence_ids), 0, f.time))
    else:
        g.text = _clean(body)
        g.evidence_ids = list(dict.fromkeys(list(f.evidence_ids) + g.evidence_ids))
    n = f.attrs.get("count")
    counts[sig] = max(counts[sig], int(n) if isinstance(n, (int, float)) else len(f.evidence_ids))
    g.score = max(g.score, f.score if f.role == "mechanism" else f.score * 0.5)
    g.saturation = g.saturation or bool(f.attrs.get("saturation"))
    if f.role == "distractor" or f.attrs.get("preexisting") or f.attrs.get("baseline_count") \
            or f.attrs.get("status") == "preexisting":
        g.preexisting = True
    return True


_PREFIX = rx.compile(r"^\W*(?:\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\s*|"
                     r"[A-Z][a-z]{2}\s+\d+\s+\d\d:\d\d:\d\d\s+)?(?:\[?(?:DEBUG|INFO|WARN|WARNING|ERROR|ERR|FATAL|"
                     r"CRITICAL|CRIT)\]?[:\s]+)?")


_MASKS = rx.compile(r"^(?:\[?<\*>\]?\s*)+(?:-\s+)?|(?:\s+\[<\*>\])+$")


def _clean(text: str) -> str:
    """One line, without the leading timestamp and level, at most 140 characters."""
    text = " ".join(text.split())
    text = _PREFIX.sub("", text, count=1) or text
    text = _MASKS.sub("", text).strip() or text  # "[<*>] <*> - pool exhausted [<*>]" -> "pool exhausted"
    return text if len(text) <= 140 else text[:137] + "..."


_TELEMETRY = {"log", "log_template", "trace", "alert", "metric", "changepoint"}


def _score_signals(mech: Mechanism, pack: EvidencePack, start: datetime | None, end: datetime | None) -> None:
    noise = {signature(s.text) for s in mech.noise} | mech.baseline
    for e in pack.evidence:
        # telemetry only: changes, tickets and chat describe responses (e.g. "raise max_connections")
        if e.kind not in _TELEMETRY or signature(e.excerpt) in noise or not _in_window(e.time, start, end):
            continue
        if e.kind in ("log", "log_template") and not _ERRORISH.search(e.excerpt) and not _WARN.search(e.excerpt):
            continue  # an info line ("discovery mode changed to dns") records a response, not a failure
        eid, text = e.id, e.excerpt + " " + e.summary
        for name, pattern in SIGNALS.items():
            if pattern.search(text):
                mech.scores[name] = mech.scores.get(name, 0.0) + 1.0
                mech.signal_ids.setdefault(name, []).append(eid)


def _saturation(mech: Mechanism, shifts: list[ms.Shift], citations: Citations) -> None:
    flagged = [g for g in mech.signatures if g.saturation]
    if flagged:  # the evidence stage recognised saturation wording (pool exhausted, too many clients)
        mech.scores["saturation"] = mech.scores.get("saturation", 0.0) + len(flagged)
        mech.signal_ids.setdefault("saturation", []).extend(i for g in flagged for i in g.evidence_ids[:1])
    sat = [s for s in shifts if s.role == "saturation" and s.direction == "up"]
    if not sat:
        return
    # the resource that saturated first is the cause; later ones (a growing backlog) are its effects
    first = min(x.start for x in sat)
    early = [x for x in sat if x.start - first <= timedelta(minutes=5)]
    s = max(early, key=lambda x: (x.peak - x.baseline) / (abs(x.baseline) or 1.0))
    mech.saturation = s
    excerpt = (f"{s.series.series_id}: {ms.fmt_value(s.baseline, s.series, s.role)} -> "
               f"{ms.fmt_value(s.peak, s.series, s.role)} at {s.peak_time:%Y-%m-%d %H:%M} UTC")
    mech.saturation_ids = [citations.for_series(s.series, s.peak_time, excerpt)]
    mech.scores["saturation"] = mech.scores.get("saturation", 0.0) + 2.0
    mech.signal_ids.setdefault("saturation", []).extend(mech.saturation_ids)


_PEER_LABEL = rx.compile(r"\b(?:peer|upstream|dependency|downstream|remote_service|destination_service|"
                         r"target_service|backend|vendor)=\"?([A-Za-z][\w.-]*)")
# "no endpoints from Traffic Director", "errors from Payments Gateway": a capitalised provider name after a failure
_FAILED_FROM = rx.compile(r"\b(?:no \w+|errors?|failures?|timeouts?|503s?|502s?)\s+from\s+((?:[A-Z][\w-]*\s?){1,3})")
_UNAVAILABLE = rx.compile(r"(?i)\b((?:service )?discovery|dns|registry|identity provider|idp|auth(?:entication)? service|"
                          r"metadata service|config(?:uration)? service|vendor|provider)\s+(?:is\s+)?(?:unavailable|down|unreachable)")
_CLIENT = rx.compile(r"'([A-Z][A-Za-z0-9]+)Client\.|\[([a-z][\w-]*?)-client\]")


def _dependency(mech: Mechanism, pack: EvidencePack, primary: str | None, start: datetime | None) -> None:
    """The dependency the failing service calls that failed first: a peer label on a departing series,
    a failing client span, a ``<name>-client`` logger, or "upstream X" wording in errors."""
    names: Counter[str] = Counter()
    ids: dict[str, list[str]] = {}
    first: dict[str, datetime] = {}

    def vote(name: str, weight: int, eid: str | None, t: datetime | None) -> None:
        name = name.strip(".-").lower()
        name = "service discovery" if name == "discovery" else name
        if not name or (primary and name == primary.lower()):
            return
        names[name] += weight
        if eid:  # the strongest evidence (traces, findings) first: it usually names the dependency best
            ids.setdefault(name, []).insert(0, eid) if weight >= 3 else ids.setdefault(name, []).append(eid)
        if t and (name not in first or t < first[name]):
            first[name] = t

    window = start - timedelta(minutes=30) if start else None
    for e in pack.evidence:
        if window and e.time and e.time < window:
            continue
        for m in _DEP_NAME.finditer(e.excerpt):
            vote(m.group(1), 1, e.id, e.time)
        for m in _CLIENT.finditer(e.excerpt):
            vote(m.group(1) or m.group(2), 2, e.id, e.time)
        for m in list(_FAILED_FROM.finditer(e.excerpt)) + list(_UNAVAILABLE.finditer(e.excerpt)):
            vote(m.group(1).strip(), 2, e.id, e.time)
    for f in pack.findings:
        if f.role not in ("mechanism", "symptom") or (window and f.time and f.time < window):
            continue
        eid = f.evidence_ids[0] if f.evidence_ids else None
        for m in _PEER_LABEL.finditer(f.text):
            vote(m.group(1), 3, eid, f.time)
        for m in _CLIENT.finditer(f.text):
            vote(m.group(1) or m.group(2), 3, eid, f.time)
        for m in list(_FAILED_FROM.finditer(f.text)) + list(_UNAVAILABLE.finditer(f.text)):
            vote(m.group(1).strip(), 3, eid, f.time)
        dep = f.attrs.get("dependency")
        if isinstance(dep, str) and dep:
            vote(dep, 3, eid, f.time)
    if names:
        name, n = sorted(names.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        mech.dependency, mech.dependency_ids = name, list(dict.fromkeys(ids.get(name, [])))[:4]
        mech.dependency_time = first.get(name)
        mech.scores["dependency"] = mech.scores.get("dependency", 0.0) + n
        mech.signal_ids.setdefault("dependency", []).extend(mech.dependency_ids)
