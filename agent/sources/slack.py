"""Slack: conversations.history (``{"ok": true, "messages": [...]}``) and export folders (a folder per
channel of YYYY-MM-DD.json day files, plus users.json and channels.json at the root).

Messages keep Slack's exact ``ts`` string; user ids become names through users.json; join/leave
messages are skipped. ``line`` is where the message's JSON object starts in its file.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
else:  # numpy loads on first use, after a big draft's log miners fork (agent/deferred.py)
    from agent.deferred import numpy as np

from agent import rxcache as rx
from agent.models import ChatMessage
from agent.sources.context import PARSE_ERRORS, FileCtx, ref_name
from agent.sources.detect import Detector, Sniff, items_of
from agent.sources.scrub import scrub, scrub_all
from agent.sources.timeparse import UTC, from_epoch

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_SKIP_SUBTYPES = {"channel_join", "channel_leave", "group_join", "group_leave", "member_joined_channel",
                  "member_left_channel"}
_MENTION = rx.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]+))?>")
_LINK = rx.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]+))?>")
_CHANNEL_REF = rx.compile(r"<#C[A-Z0-9]+\|([^>]+)>")
_TS = rx.compile(r"^\d{9,11}\.\d{1,6}$")


def _is_message(m: Any) -> bool:
    return isinstance(m, dict) and isinstance(m.get("ts"), str) and bool(_TS.match(m["ts"])) and \
        (m.get("type") == "message" or "text" in m)


def score_history(sn: Sniff) -> float:
    doc = sn.doc
    if isinstance(doc, dict) and isinstance(doc.get("messages"), list) and ("ok" in doc or "has_more" in doc):
        msgs = items_of(doc, "messages")
        return 0.95 if not msgs or all(_is_message(m) for m in msgs[:10]) else 0.0
    return 0.0


def score_day(sn: Sniff) -> float:
    items = items_of(sn.doc) if isinstance(sn.doc, list) else []
    return 0.9 if items and all(_is_message(m) for m in items[:10]) else 0.0


def _user_list(doc: Any) -> list[dict]:
    items = items_of(doc, "members") if isinstance(doc, dict) else items_of(doc) if isinstance(doc, list) else []
    ok = items and all(isinstance(u.get("id"), str) and u["id"][:1] in "UWB" and "name" in u
                       and ("real_name" in u or "profile" in u or "team_id" in u) for u in items[:10])
    return items if ok else []


def score_users(sn: Sniff) -> float:
    return 0.9 if _user_list(sn.doc) else 0.0


def _channel_list(doc: Any) -> list[dict]:
    items = items_of(doc, "channels") if isinstance(doc, dict) else items_of(doc) if isinstance(doc, list) else []
    ok = items and all(isinstance(c.get("id"), str) and c["id"][:1] in "CGD" and "name" in c
                       and bool({"members", "created", "is_channel", "topic", "purpose"} & set(c)) for c in items[:10])
    return items if ok else []


def score_channels(sn: Sniff) -> float:
    return 0.9 if _channel_list(sn.doc) else 0.0


def parse_users(sn: Sniff, ctx: FileCtx) -> int:
    users = _user_list(sn.doc)
    for u in users:
        profile = u.get("profile") or {}
        name = profile.get("display_name") or u.get("name") or profile.get("real_name") or u.get("real_name")
        ctx.out.users[u["id"]] = str(name or u["id"])
    return len(users)


def parse_channels(sn: Sniff, ctx: FileCtx) -> int:
    channels = _channel_list(sn.doc)
    for c in channels:
        ctx.out.channels[c["id"]] = str(c["name"])
    return len(channels)


def clean_text(text: str, users: dict[str, str]) -> str:
    """Slack markup to plain text: <@U1> -> @name, <url|label> -> label (url), <#C1|chan> -> #chan."""
    if type(text) is str and "<" not in text and "&" not in text:
        return text  # no markup, no entity: what the substitutions give (the very same string)
    text = _MENTION.sub(lambda m: "@" + (users.get(m.group(1)) or m.group(2) or m.group(1)), text)
    text = _CHANNEL_REF.sub(lambda m: "#" + m.group(1), text)
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})" if m.group(2) else m.group(1), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(m: dict) -> str:
    text = m.get("text") or ""
    if not text:
        for att in m.get("attachments") or []:
            if isinstance(att, dict):
                text = att.get("fallback") or att.get("text") or att.get("pretext") or ""
                if text:
                    break
    return text


def _messages(ctx: FileCtx, msgs: list[dict], path: tuple[str, ...], channel: str) -> int:
    """Append each message and its chat event. The texts are scrubbed together (``scrub_all``), so
    the messages are read first; a message that breaks that reading makes the one-by-one loop run,
    which appends what comes before it and raises as before."""
    lines = ctx.item_lines(path, len(msgs))
    try:
        kept = [(m, line) for m, line in zip(msgs, lines) if _is_message(m) and m.get("subtype") not in _SKIP_SUBTYPES]
        times = _times([m["ts"] for m, _ in kept])
        names = [_name(ctx, m) for m, _ in kept]
        raws = [clean_text(_text(m), ctx.out.users) for m, _ in kept]
    except PARSE_ERRORS:  # the loader's own list: what it would report
        return _one_by_one(ctx, msgs, lines, channel)
    for (m, line), time, (user, name), raw, text in zip(kept, times, names, raws, scrub_all(raws)):
        _append(ctx, m, line, time, user, name, channel, raw, text)
    return len(kept)


def _one_by_one(ctx: FileCtx, msgs: list[dict], lines: list[int | None], channel: str) -> int:
    count = 0
    for m, line in zip(msgs, lines):
        if not _is_message(m) or m.get("subtype") in _SKIP_SUBTYPES:
            continue
        time = from_epoch(m["ts"])
        if time is None:
            continue
        user, name = _name(ctx, m)
        raw = clean_text(_text(m), ctx.out.users)
        _append(ctx, m, line, time, user, name, channel, raw, scrub(raw))
        count += 1
    return count


def _name(ctx: FileCtx, m: dict) -> tuple[Any, Any]:
    user = m.get("user") or m.get("bot_id")
    return user, ctx.out.users.get(user or "") or m.get("user_name") or m.get("username") or \
        ref_name(m.get("user_profile")) or user


def _append(ctx: FileCtx, m: dict, line: int | None, time: datetime, user: Any, name: Any, channel: str, raw: str,
            text: str) -> None:
    ctx.out.chat.append(ChatMessage(ts=m["ts"], time=time, channel=channel, user=user, user_name=name, text=text,
                                    source_file=ctx.rel, line=line))
    # scrub returns its argument itself when nothing needs redacting: then scrubbing again is a no-op
    ctx.event(time, "chat", "chat", text or "(no text)", line=line, actor=name, scrubbed=text is raw and bool(text),
              key=f"slack:{channel}:{m['ts']}", attrs={"ts": m["ts"], "channel": channel})


def _times(stamps: list[str]) -> list[datetime]:
    """``from_epoch`` of message ts strings (``_TS`` holds for each: whole seconds below 1e11, at most
    six decimals), built at C speed from their epoch microseconds."""
    us = []
    for ts in stamps:
        whole, frac = ts.split(".")
        us.append(int(whole) * 1_000_000 + int(frac[:6].ljust(6, "0")))
    return list(map(_EPOCH.__add__, np.array(us, dtype=np.int64).astype("timedelta64[us]").tolist()))


def parse_history(sn: Sniff, ctx: FileCtx) -> int:
    raw = sn.doc.get("channel")
    channel = ctx.out.channels.get(raw, raw) if isinstance(raw, str) else PurePosixPath(ctx.rel).stem
    return _messages(ctx, items_of(sn.doc, "messages"), ("messages",), channel)


def parse_day(sn: Sniff, ctx: FileCtx) -> int:
    parts = PurePosixPath(ctx.rel).parts
    channel = parts[-2] if len(parts) > 1 else PurePosixPath(ctx.rel).stem
    return _messages(ctx, items_of(sn.doc), (), ctx.out.channels.get(channel, channel))


DETECTORS = [
    Detector("slack.history", score_history, parse_history, kind="chat"),
    Detector("slack.export_day", score_day, parse_day, kind="chat"),
    Detector("slack.users", score_users, parse_users, phase=1, kind="chat"),
    Detector("slack.channels", score_channels, parse_channels, phase=1, kind="chat"),
]
