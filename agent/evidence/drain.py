"""A streaming log-template miner in the style of Drain (He et al., ICWS 2017), tuned for speed.

Lines are masked (numbers, ids, ips, hex, paths, durations, uuids all become ``<*>``), split on
whitespace and routed through a fixed-depth prefix tree to a short list of candidate templates. A
dictionary keyed by the masked line skips the tree for the lines seen before, which is most of them
in a real log, so the steady-state cost per line is one regex substitution and one dict lookup.

Memory is bounded by the template table: the masked-line cache is capped, and ``max_clusters``
caps the templates (later novel lines then go to the closest template or an overflow bucket).
"""

from __future__ import annotations

from dataclasses import dataclass

from agent import rxcache as rx

WILD = "<*>"
FULL_SCAN = 16  # templates a full leaf still compares a novel line against
MAX_CONTENT = 4096  # characters of one message that take part in mining; the rest is ignored

_SEP = r"\s=,;()\[\]{}<>\"'|"  # characters that end a variable token (keeps 'key=' and brackets)
_TOK = rf"[^{_SEP}]"
_END = rf"(?!{_TOK})"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_MASK_RE = rx.compile(
    rf"(?<!{_TOK})"  # only at the start of a token
    + "(?:"
    + r"(?<=\()(?=\))"  # an empty value in parentheses: '()' is '(<*>)' with nothing in it
    + rf"|(?:{_DAY} +)?{_MONTH} +\d{{1,2}} +\d\d:\d\d:\d\d(?: +\d{{4}})?"  # ctime-style timestamp
    + r"|\(\d+(?:\.\d+)? ?[KMGT]i?B\)|<\d+ ?(?:ms|sec|s|min)\b"  # '(1.5 KB)', '<1 sec'
    + r"|/[^\s\"'/]+(?:/[^\s\"']*)+"  # unix path or url path with its query
    + r"|[A-Za-z]:\\[^\s]*"  # windows path
    + rf"|(?![A-Za-z]{{3,}}\d{_END})[^{_SEP}\d]*+\d{_TOK}*+(?:,[^{_SEP}\d]*+\d{_TOK}*+)*"  # a token holding a digit
    # (or a comma list of them), except words like SOCKS5 or IPv6
    + rf"|(?:[\w-]++\.){{2,}}[\w-]++(?::\d+)?{_END}"  # dotted names: hosts, fqdns, host:port
    + ")"
)

ZERO = _ZERO = bytes.maketrans(b"123456789", b"000000000")  # digits -> 0 (see add)
_PUNCT = ".,:;!?'\""
_KEPT_DIGIT = rx.compile(r"[0-9]")
_RUNS_RE = rx.compile(r"<\*>(?:\s+<\*>)+")  # variable-length lists of variables are one variable


def mining_key(text: str) -> bytes:
    """The key ``TemplateMiner.known`` is indexed by (texts over MAX_CONTENT characters have none)."""
    return text.encode("utf-8", "surrogatepass").translate(_ZERO)


def mask(text: str) -> str:
    """Replace variable tokens by ``<*>``; constant words and punctuation stay."""
    return _MASK_RE.sub(WILD, text)


@dataclass(slots=True, eq=False)
class Cluster:
    """One template: its tokens (``<*>`` for variables) and how many lines it grouped."""

    id: int
    tokens: list[str]
    count: int = 0

    @property
    def template(self) -> str:
        return " ".join(self.tokens)


class TemplateMiner:
    """Drain-style miner. ``add(text)`` returns the Cluster the line joined (ids start at 1)."""

    def __init__(self, *, sim_threshold: float = 0.6, depth: int = 4, max_children: int = 100,
                 max_clusters: int = 50_000, cache_size: int = 200_000, word_penalty: float = 1.0,
                 leaf_max: int = 256):
        self.leaf_max = leaf_max
        self.word_penalty = word_penalty
        self.sim_threshold = sim_threshold
        self.prefix_depth = max(depth - 2, 1)
        self.max_children = max_children
        self.max_clusters = max_clusters
        self.cache_size = cache_size
        self.clusters: list[Cluster] = []
        self._root: dict[int, dict] = {}
        self._cache: dict[str, Cluster] = {}
        self._keys: dict[bytes, Cluster] = {}
        self._skeletons: dict[str, Cluster] = {}
        self._overflows: dict[int, Cluster] = {}
        self.misses = 0  # lines whose masked text had not been seen before
        self.clears = 0  # times the masked-text cache was emptied (answers cached elsewhere are stale)

    @property
    def known(self) -> dict[bytes, Cluster]:
        """``mining_key(text)`` -> Cluster for lines seen before: a hit there is what ``add`` would return
        (then only ``count`` needs adding); callers with a hot loop may look there first."""
        return self._keys

    def add(self, text: str) -> Cluster:
        """Mine one line; returns its Cluster. ``misses`` counts lines whose masked text was new."""
        if len(text) > MAX_CONTENT:
            text = text[:MAX_CONTENT]
        # The mask only ever asks whether a character is a digit, so lines equal after mapping every
        # digit to '0' mask alike (unless a digit is kept, see _add_slow): one cheap translate decides
        # most lines without the regex (on the UTF-8 bytes: bytes.translate is ~10x faster than str's).
        key = text.encode("utf-8", "surrogatepass").translate(_ZERO)
        cluster = self._keys.get(key)
        if cluster is None:
            cluster = self._add_slow(text, key)
        cluster.count += 1
        return cluster

    def _add_slow(self, text: str, key: bytes) -> Cluster:
        masked = _MASK_RE.sub(WILD, text)
        cluster = self._cache.get(masked)
        if cluster is None:
            self.misses += 1
            if len(self._cache) >= self.cache_size:
                # Bounded: start both tables over (hot shapes come back at once). Every cached answer
                # then depends only on the masked texts seen since the last clear, which is what lets
                # the evidence stage's block reader ask once per shape and still agree line for line.
                self._cache.clear()
                self._keys.clear()
                self.clears += 1
            cluster = self._cache[masked] = self._place_new(_RUNS_RE.sub(WILD, masked).split())
        # The key stands for every line equal to this one up to its digits. They all mask alike unless a
        # digit survived masking ('abc2' stays a word): such lines are never answered by key, so the
        # key table only ever repeats what masking would say.
        if _KEPT_DIGIT.search(masked) is None:
            if len(self._keys) >= self.cache_size:
                self._keys.clear()  # bounded; hot shapes come back at once (and get the same answer)
            self._keys[key] = cluster
        return cluster

    # ------------------------------------------------------------------ tree

    def _place_new(self, tokens: list[str]) -> Cluster:
        """Lines whose constant words are the same, in the same order, are one template even when
        optional variables ('(18.4 KB)') make their lengths differ."""
        skeleton = " ".join(t for t in tokens if t != WILD)
        cluster = self._skeletons.get(skeleton)
        if cluster is None:
            cluster = self._place(tokens)
            if len(self._skeletons) < self.cache_size:
                self._skeletons[skeleton] = cluster
        return cluster

    def _place(self, tokens: list[str]) -> Cluster:
        leaf = self._leaf(tokens)
        full = len(leaf) >= self.leaf_max or len(self.clusters) >= self.max_clusters
        # a full leaf (junk, random text) only compares against its oldest templates, so the work per
        # novel line stays bounded instead of growing with every novel line
        best, sim = self._best(leaf[:FULL_SCAN] if full else leaf, tokens)
        if best is not None and sim >= self.sim_threshold:
            _generalise(best, tokens)
            return best
        if full:
            return self._overflow(leaf, len(tokens))
        cluster = Cluster(len(self.clusters) + 1, list(tokens))
        self.clusters.append(cluster)
        leaf.append(cluster)
        return cluster

    def _overflow(self, leaf: list[Cluster], n: int) -> Cluster:
        """The catch-all template (all variables) of a full leaf; once the table is full, one shared
        catch-all, so the table never holds more than ``max_clusters + 1`` templates."""
        table_full = len(self.clusters) >= self.max_clusters
        key, tokens = (0, [WILD]) if table_full else (id(leaf), [WILD] * n)
        cluster = self._overflows.get(key)
        if cluster is None:
            cluster = self._overflows[key] = Cluster(len(self.clusters) + 1, tokens)
            self.clusters.append(cluster)
        return cluster

    def _leaf(self, tokens: list[str]) -> list[Cluster]:
        node = self._root.setdefault(len(tokens), {})
        for tok in tokens[: self.prefix_depth]:
            nxt = node.get(tok)
            if nxt is None:
                if tok != WILD and (len(node) < self.max_children or WILD in node and len(node) < self.max_children + 1):
                    nxt = node[tok] = {}
                else:
                    nxt = node.setdefault(WILD, {})
            node = nxt
        return node.setdefault(None, [])  # type: ignore[call-overload]

    def _best(self, leaf: list[Cluster], tokens: list[str]) -> tuple[Cluster | None, float]:
        """Drain's similarity (equal constant tokens / length), except that two different plain words
        in the same position weigh double: in short messages one changed word is a different event."""
        best, best_key = None, (-1.0, -1)
        n = len(tokens) or 1
        floor = self.sim_threshold * n
        for cluster in leaf:
            if sum(map(str.__eq__, cluster.tokens, tokens)) < floor:
                continue  # even counting every equal token it cannot reach the threshold (C-speed check)
            same = params = words = 0
            for a, b in zip(cluster.tokens, tokens):
                if a == WILD:
                    params += 1
                elif a == b:
                    same += 1
                elif a.strip(_PUNCT).isalpha() and b.strip(_PUNCT).isalpha():
                    words += 1
            key = (same / (n + words * self.word_penalty), params)
            if key > best_key:
                best, best_key = cluster, key
        return best, best_key[0]


def _generalise(cluster: Cluster, tokens: list[str]) -> None:
    toks = cluster.tokens
    for i, (a, b) in enumerate(zip(toks, tokens)):
        if a != b and a != WILD:
            toks[i] = WILD

