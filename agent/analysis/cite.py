"""Finding evidence ids for the things the later stages want to cite, and adding evidence for what
those stages compute themselves (a metric peak, an alert), so that every claim cites an id that exists.
"""

from __future__ import annotations

from datetime import datetime

from agent.models import (
    Alert,
    Change,
    Event,
    Evidence,
    EvidenceKind,
    EvidencePack,
    MetricSeries,
    TicketInfo,
)


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Citations:
    """Look-ups over an ``EvidencePack``; ``add`` appends new evidence with the next free id."""

    def __init__(self, pack: EvidencePack):
        self.pack = pack
        self._by_pointer = {e.pointer: e.id for e in pack.evidence}
        self._ids: set[str] = set()
        self._ids_of: tuple[int, int] = (0, -1)  # (id of the evidence list, its length) when _ids was built

    def exists(self, evidence_id: str) -> bool:
        evidence = self.pack.evidence
        if self._ids_of != (id(evidence), len(evidence)):  # evidence is only ever appended to
            self._ids, self._ids_of = {e.id for e in evidence}, (id(evidence), len(evidence))
        return evidence_id in self._ids

    def valid(self, ids: list[str]) -> list[str]:
        """``ids`` that exist, deduplicated, in order."""
        seen: list[str] = []
        for i in ids:
            if i and i not in seen and self.exists(i):
                seen.append(i)
        return seen

    def next_id(self) -> str:
        nums = [int(e.id[1:]) for e in self.pack.evidence]
        return f"E{max(nums, default=0) + 1}"

    def add(self, kind: EvidenceKind, source_file: str, pointer: str, excerpt: str, *,
            time: datetime | None = None, line: int | None = None, summary: str = "") -> str:
        """The id of the evidence at ``pointer``, adding it if the pack lacks it."""
        if pointer in self._by_pointer:
            return self._by_pointer[pointer]
        ev = Evidence(id=self.next_id(), kind=kind, source_file=source_file, pointer=pointer, line=line,
                      time=time, excerpt=excerpt, summary=summary)
        self.pack.evidence.append(ev)
        self._by_pointer[pointer] = ev.id
        return ev.id

    def for_file_line(self, source_file: str, line: int | None) -> str | None:
        for e in self.pack.evidence:
            if e.source_file == source_file and (line is None or e.line == line):
                return e.id
        return None

    def for_event(self, event: Event) -> str | None:
        """The event's own id, else evidence at its pointer, else evidence at its file and line."""
        if event.evidence_id and self.exists(event.evidence_id):
            return event.evidence_id
        if event.pointer in self._by_pointer:
            return self._by_pointer[event.pointer]
        if event.line is not None:
            return self.for_file_line(event.source_file, event.line)
        return None

    def for_event_or_add(self, event: Event) -> str:
        found = self.for_event(event)
        if found:
            return found
        kind = _EVENT_KIND.get(event.source, "manual")
        return self.add(kind, event.source_file, event.pointer, event.text[:300], time=event.time, line=event.line)

    def for_series(self, series: MetricSeries, t: datetime, excerpt: str) -> str:
        """Evidence for ``series`` near ``t``: an existing metric/changepoint item, or a new one."""
        sid = series.series_id
        near = [e for e in self.pack.evidence if e.kind in ("metric", "changepoint")
                and (e.pointer.startswith(sid + "@") or e.pointer.startswith(series.name + "@"))]
        if near:
            return min(near, key=lambda e: abs((e.time - t).total_seconds()) if e.time else 1e12).id
        return self.add("metric", series.source_file, f"{sid}@{iso(t)}", excerpt, time=t)

    def for_alert(self, alert: Alert) -> str:
        pointer = f"alert:{alert.fingerprint}"
        if pointer in self._by_pointer:
            return self._by_pointer[pointer]
        for e in self.pack.evidence:
            if e.kind == "alert" and alert.fingerprint in e.pointer:
                return e.id
        text = f"{alert.name} {alert.status} since {iso(alert.starts_at)}"
        summary = alert.annotations.get("summary") or alert.annotations.get("description") or ""
        return self.add("alert", alert.source_file, pointer, f"{text}: {summary}".rstrip(": "),
                        time=alert.starts_at, line=alert.line)

    def for_change(self, change: Change) -> str:
        found = self.for_file_line(change.source_file, change.line) if change.line else None
        if found:
            return found
        for e in self.pack.evidence:
            if e.kind == "change" and e.source_file == change.source_file and e.time == change.time:
                return e.id
        pointer = f"{change.source_file}:{change.line}" if change.line else f"{change.source_file}@{iso(change.time)}"
        return self.add("change", change.source_file, pointer, change.description[:300], time=change.time,
                        line=change.line)

    def for_ticket(self, ticket: TicketInfo) -> str:
        for e in self.pack.evidence:
            if e.kind == "ticket" and e.source_file == ticket.source_file:
                return e.id
        return self.add("ticket", ticket.source_file, f"{ticket.source_file}#{ticket.id}",
                        f"{ticket.system} {ticket.number or ticket.id}: {ticket.title}", time=ticket.created_at)


_EVENT_KIND: dict[str, EvidenceKind] = {
    "ticket": "ticket", "alert": "alert", "log": "log", "metric": "metric", "trace": "trace",
    "chat": "chat", "change": "change", "manual": "manual",
}
