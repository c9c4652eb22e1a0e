"""The API behind ``postmortem logs``: mine templates over plain log files, optionally writing one
row per input line (line, template id, template) for scoring against ground truth."""

from __future__ import annotations

import csv
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from agent.errors import BundleError, UsageError
from agent.evidence.logs import (
    LogAnalysis,
    RecordReader,
    Window,
    analyze,
    default_reader,
)
from agent.models import LogRecord, LogSource


def source_for(path: Path) -> LogSource:
    """A LogSource for a loose file, its shape (and a syslog year) detected by content as in a bundle."""
    if not path.is_file():
        raise BundleError("no such log file; pass existing files", file=str(path))
    from agent.sources.logs import source_for_file

    return source_for_file(path)


def line_reader(content_regex: str | None) -> RecordReader:
    """Each physical line is one record (no timestamps); ``content_regex``'s group 'content' (or the
    whole line) is the message. For headers no timestamp shape knows, e.g. the Loghub datasets."""
    try:
        rx = re.compile(content_regex) if content_regex else None
    except re.error as exc:
        raise UsageError(f"--content-regex is not a valid regular expression: {exc}") from exc
    if rx is not None and "content" not in rx.groupindex:
        raise UsageError("--content-regex needs a named group (?P<content>...)")

    def read(src: LogSource) -> Iterator[LogRecord]:
        with open(src.abs_path, encoding="utf-8", errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                line = line.rstrip("\r\n")
                m = rx.match(line) if rx else None
                msg = m.group("content") if m else line
                yield LogRecord.model_construct(time=None, level=None, message=msg, service=None,
                                                source_file=src.path, line=n, raw=line)

    return read


def mine(paths: list[Path], *, assign_to: Path | None = None, by_line: bool = False,
         content_regex: str | None = None, progress=None) -> LogAnalysis:
    sources = [source_for(p) for p in paths]
    reader = line_reader(content_regex) if (by_line or content_regex) else default_reader()
    if assign_to is None:
        return analyze(sources, window=Window(), reader=reader, on_progress=progress)
    return _mine_assign(sources, reader, assign_to, progress)


def _mine_assign(sources: list[LogSource], reader: RecordReader, out: Path, progress) -> LogAnalysis:
    """Rows are written as lines stream by (template ids), then rewritten with the final templates."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as tmp:
        w = csv.writer(tmp)

        def assign(rec: LogRecord, tid: int, file: str) -> None:
            for k in range(rec.message.count("\n") + 1):
                w.writerow((file, rec.line + k, tid))

        res = analyze(sources, window=Window(), reader=reader, on_progress=progress, assign=assign)
        names = {t.id: t.template for t in res.templates}
        tmp.seek(0)
        fd, tmp_out = tempfile.mkstemp(dir=out.parent, prefix=".assign-", suffix=".csv")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            cw = csv.writer(fh)
            cw.writerow(("file", "line", "template_id", "template"))
            for file, line, tid in csv.reader(tmp):
                cw.writerow((file, line, f"T{tid}", names.get(int(tid), "")))
        os.replace(tmp_out, out)
    return res
