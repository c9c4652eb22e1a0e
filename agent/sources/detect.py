"""Format detection by content. Each format module registers ``Detector`` objects; every file is
sniffed once (first bytes, parsed JSON/YAML when it is that) and the highest-scoring detector wins.
File names are only hints: a detector may add a little confidence for a matching extension, never more.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Callable

if TYPE_CHECKING:
    import numpy as np
else:  # numpy loads on first use, after a big draft's log miners fork (agent/deferred.py)
    from agent.deferred import numpy as np
import yaml

from agent import rxcache as rx
from agent.sources import jsondoc, promtext

HEAD_BYTES = 64 * 1024
MAX_JSON_BYTES = 512 * 1024 * 1024
MIN_SCORE = 0.5
GZIP_MAGIC = b"\x1f\x8b"
_NON_TEXT = rx.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\ufffd]")  # not ESC: coloured logs are text
ANSI = rx.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # terminal colour codes (docker/kubectl logs of a TTY)


class SniffError(ValueError):
    """The file is broken in a way worth reporting (status 'error'), e.g. malformed JSON."""


@dataclass
class Sniff:
    rel: str
    path: Path
    size: int
    head: bytes
    text_head: str = ""
    binary: bool = False
    doc: Any = None  # whole-file JSON, unwrapped from API-recording envelopes
    json_error: json.JSONDecodeError | None = None
    jsonl: list[Any] | None = None  # first parsed lines of a JSON-lines file
    yaml_doc: Any = None
    yaml_error: str | None = None
    cache: dict[str, Any] = field(default_factory=dict)  # detectors share expensive looks here

    @property
    def ext(self) -> str:
        name = self.path.name.lower()
        for ext in (".tar.gz", ".json", ".jsonl", ".ndjson", ".yaml", ".yml", ".csv", ".log", ".txt"):
            if name.endswith(ext):
                return ext
        return self.path.suffix.lower()

    @property
    def head_lines(self) -> list[str]:
        text = self.text_head
        return (ANSI.sub("", text) if "\x1b" in text else text).splitlines()[:200]


@dataclass(frozen=True)
class Detector:
    format: str
    score: Callable[[Sniff], float]
    parse: Callable[[Sniff, Any], int]  # (sniff, FileCtx) -> records parsed
    phase: int = 3  # 0 meta, 1 lookups (chat users), 2 tickets, 3 others, 4 logs (need the incident year)
    kind: str = "other"


@dataclass
class Registry:
    detectors: list[Detector] = field(default_factory=list)

    def add(self, *detectors: Detector) -> None:
        self.detectors.extend(detectors)

    def best(self, sniff: Sniff) -> tuple[Detector | None, float]:
        best: tuple[Detector | None, float] = (None, 0.0)
        for det in self.detectors:
            try:
                score = det.score(sniff)
            except (TypeError, AttributeError, KeyError, IndexError, ValueError):
                score = 0.0  # an odd shape for this detector is a "no", never a crash
            if score > best[1]:
                best = (det, score)
        return best if best[1] >= MIN_SCORE else (None, best[1])


_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def open_text_bytes(path: Path) -> BinaryIO:
    """Open a file for reading UTF-8 bytes, transparently decompressing gzip (rotated logs: app.log.1.gz)
    and transcoding UTF-16 with a BOM (Windows event exports, PowerShell's `>` redirection)."""
    fh = path.open("rb")
    magic = fh.read(2)
    if magic == GZIP_MAGIC:
        fh.seek(0)
        gz = _TolerantGzip(fileobj=fh, mode="rb")
        if gz.peek(1) and not gz.broken:
            return gz  # type: ignore[return-value]
        gz.close()  # "\x1f\x8b" at the start of a text file, or an empty/corrupt archive: read it raw
        fh = path.open("rb")
    fh.seek(0)
    if magic in _UTF16_BOMS:
        return codecs.EncodedFile(fh, "utf-8", "utf-16", errors="replace")  # type: ignore[return-value]
    return fh


class _TolerantGzip(gzip.GzipFile):
    """A rotated log cut short (a truncated or corrupt .gz) ends where the damage starts, never raises."""

    broken = False

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:  # in blocks, so a damaged tail keeps what came before it
            return b"".join(iter(lambda: self.read(1 << 20), b""))
        try:
            return super().read(size)
        except (OSError, EOFError, zlib.error):
            self.broken = True
            return b""

    def peek(self, n: int) -> bytes:
        try:
            return super().peek(n)
        except (OSError, EOFError, zlib.error):
            self.broken = True
            return b""

    def close(self) -> None:
        fileobj = self.fileobj
        super().close()
        if fileobj is not None:
            fileobj.close()


def read_text(path: Path) -> str:
    """The whole file as text (gzip and UTF-16 handled as by ``open_text_bytes``), BOM stripped."""
    return as_text(read_bytes(path))


def read_bytes(path: Path) -> bytes:
    """The whole file as UTF-8 bytes (gzip and UTF-16 handled as by ``open_text_bytes``)."""
    with open_text_bytes(path) as fh:
        return fh.read()


def as_text(data: bytes) -> str:
    """``read_text`` of a file ``read_bytes`` gave."""
    return data.decode("utf-8", errors="replace").lstrip("\ufeff")


COUNT_BLOCK = 256 * 1024


def count_lines(path: Path) -> int:
    """Lines in a file as ``open_text_bytes`` reads it (a last line without a newline counts)."""
    with open_text_bytes(path) as fh:
        count, last = _newlines(fh)
    return count + (0 if last == b"\n" else 1)


def _newlines(fh: BinaryIO) -> tuple[int, bytes]:
    """(newlines, last byte or b"\n" when empty). A plain file is read into one reused buffer and
    counted by numpy: a fresh 1 MB bytes per block and ``bytes.count`` took twice as long."""
    count, last = 0, b"\n"
    if type(fh) is not io.BufferedReader:  # gzip, UTF-16: block by block
        while block := fh.read(1 << 20):
            count += block.count(b"\n")
            last = block[-1:]
        return count, last
    buf = bytearray(COUNT_BLOCK)
    arr = np.frombuffer(buf, dtype=np.uint8)
    while n := fh.readinto(buf):
        count += int(np.count_nonzero(arr[:n] == 10))
        last = bytes(buf[n - 1:n])
    return count, last


def sniff(path: Path, rel: str) -> Sniff:
    size = path.stat().st_size
    try:
        with open_text_bytes(path) as fh:
            head = fh.read(HEAD_BYTES)
            gzipped = isinstance(fh, gzip.GzipFile)
    except (OSError, EOFError, zlib.error):  # a corrupt .gz reads as binary
        with path.open("rb") as fh:
            head, gzipped = fh.read(HEAD_BYTES), False
    sn = Sniff(rel=rel, path=path, size=size, head=head)
    if is_binary(head):
        sn.binary = True
        return sn
    sn.text_head = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    stripped = sn.text_head.lstrip()
    if gzipped:
        # the unpacked size is unknown: all of it when the head is short, else "more than the head"
        sn.size = len(head) if len(head) < HEAD_BYTES else size + len(head)
        if stripped[:1] == "{":
            _sniff_jsonl(sn)
        return sn
    if stripped[:1] in ("{", "[") and size <= MAX_JSON_BYTES:
        _sniff_json(sn)
    if sn.doc is None and sn.jsonl is None and _looks_yaml(sn):
        _sniff_yaml(sn)
    return sn


def is_binary(head: bytes) -> bool:
    """Mostly non-text in the first 8 KiB: many NULs, or control bytes and invalid UTF-8 above 30%.
    A few junk lines inside a log are not enough (the log reader drops those lines)."""
    sample = head[:8192]
    if not sample:
        return False
    if sample.count(b"\x00") * 4 > len(sample):
        return True
    text = sample.decode("utf-8", errors="replace")
    return len(_NON_TEXT.findall(text)) * 10 > len(text) * 3


def _sniff_json(sn: Sniff) -> None:
    """JSON lines are recognised from the head alone (a 1 GB JSONL log is never read here); anything
    else that starts like JSON is parsed whole, keeping the decode error for the file's status."""
    if _sniff_jsonl(sn):
        return
    data = read_bytes(sn.path)
    sn.doc = promtext.skeleton(data)  # a Prometheus matrix with its points left as text, when exact
    if sn.doc is not None:
        return
    text = as_text(data)
    del data  # not held through the parse: a big document's parse needs the room
    try:
        sn.doc = unwrap(jsondoc.loads(text))
    except json.JSONDecodeError as exc:
        sn.json_error = exc
    except RecursionError:  # thousands of nested brackets: junk, reported like malformed JSON
        sn.json_error = json.JSONDecodeError("nested too deeply", text, 0)


def _sniff_jsonl(sn: Sniff) -> bool:
    lines = [ln for ln in sn.text_head.splitlines() if ln.strip()]
    if sn.size > len(sn.head):
        lines = lines[:-1]  # the last line of the head may be cut short
    parsed = []
    for ln in lines[:20]:
        try:
            parsed.append(json.loads(ln))
        except (json.JSONDecodeError, RecursionError):
            break
    if len(parsed) >= 2 and all(isinstance(p, dict) for p in parsed):
        sn.jsonl = [unwrap(p) for p in parsed]
        return True
    return False


def unwrap(doc: Any) -> Any:
    """Strip API-recording envelopes ({"request", "status", "body"}), as in Datadog's cassettes."""
    if isinstance(doc, dict) and "body" in doc and "request" in doc and len(doc) <= 4:
        return doc["body"]
    if isinstance(doc, list) and doc and all(isinstance(d, dict) and "body" in d and "request" in d for d in doc):
        return [d["body"] for d in doc]
    return doc


def _looks_yaml(sn: Sniff) -> bool:
    if sn.ext in (".yaml", ".yml"):
        return True
    for ln in sn.head_lines[:20]:
        if ln.strip() and not ln.lstrip().startswith("#"):
            return ln[:1].isalpha() and ":" in ln and ln.split(":", 1)[0].replace("_", "").isalnum()
    return False


def _sniff_yaml(sn: Sniff) -> None:
    if sn.size > 4 * 1024 * 1024:
        return
    try:
        sn.yaml_doc = yaml.safe_load(read_text(sn.path))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        sn.yaml_error = f"{sn.rel}:{line}: invalid YAML: {problem}"


def keys_of(doc: Any) -> set[str]:
    return set(doc) if isinstance(doc, dict) else set()


def items_of(doc: Any, key: str | None = None) -> list[dict]:
    """The dict items of ``doc[key]`` (or of ``doc`` itself when it is a list)."""
    seq = doc.get(key) if (key and isinstance(doc, dict)) else doc
    return [x for x in seq if isinstance(x, dict)] if isinstance(seq, list) else []
