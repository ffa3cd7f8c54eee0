"""The comments and moderation logs: ``state/comments.csv`` (each comment seen, once) and
``state/moderation.csv`` (each action on a comment: auto-hide, /commands).

Both are append-only CSV (``merge=union``, so runs on two branches merge), written whole lines at a time by
:func:`socialops.state.log.append_rows`. The repository may be public, so the logs keep only what handling
each comment exactly once needs, and nothing that names or quotes a commenter:

``state/comments.csv``: ``time, profile, comment, category, action, issue, issue_number, text_hash, run``.
``comment`` is a keyed hash (HMAC-SHA256) of the network's comment id; ``action`` is ``seen`` (not flagged),
``issue`` (in its thread's issue) or ``digest`` (listed in the profile's digest issue during a flood);
``text_hash`` is a keyed hash of the normalised text (the same text again and again is spam).
Names, handles, texts and links live in the issue only (see :mod:`socialops.community.issues`).

The key is ``SOCIALOPS_STATE_KEY`` (a secret) when set; without it, a key made from the profile id, which is
public: the hash then hides an id from a casual reader but anyone who has a comment's id can confirm it is in
the log. Lookups try both keys, so setting the secret later handles nothing twice; changing the secret
afterwards would. Lines older than the profile's retention window (``moderation.retention_days``, default 90,
never shorter than the window of posts looked at) are dropped by later runs.

Lines of the first format (12 columns, with the commenter's record in ``data``) are still read: their
comments count as seen, and moderation commands in issues opened before the change find their comment there,
until the retention window drops them.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from socialops.core.files import atomic_write_text
from socialops.core.safetext import one_line
from socialops.core.times import format_utc, parse_utc_strict
from socialops.state.log import append_rows, json_cell, log_rows

COMMENTS_LOG = "state/comments.csv"
MODERATION_LOG = "state/moderation.csv"
COMMENT_FIELDS = ("time", "profile", "comment", "category", "action", "issue", "issue_number", "text_hash", "run")
LEGACY_COMMENT_FIELDS = ("time", "profile", "network", "post_id", "comment_id", "event", "category", "confidence",
                         "issue", "reason", "data", "run")
ACTION_FIELDS = ("time", "profile", "network", "comment", "issue", "actor", "action", "result", "detail",
                 "data", "run")
STATE_KEY_ENV = "SOCIALOPS_STATE_KEY"
DEFAULT_RETENTION_DAYS = 90


def state_keys(env: Mapping[str, str], profile_id: str) -> tuple[bytes, ...]:
    """The keys of the hashes in the logs, the one new lines use first (see the module's text)."""
    fallback = f"socialops-state:{profile_id}".encode()
    secret = env.get(STATE_KEY_ENV, "").strip()
    return (secret.encode(), fallback) if secret else (fallback,)


def keyed_hash(key: bytes, value: str, length: int = 32) -> str:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:length]


class CsvLog:
    """An append-only CSV log under state/ (one event a line, whole lines in one fsynced write)."""

    def __init__(self, root: Path, rel: str, fields: tuple[str, ...]):
        self.root = Path(root)
        self.rel = rel
        self.path = self.root / rel
        self.fields = fields

    def rows(self) -> list[dict[str, str]]:
        return [dict(zip(self.fields, row, strict=True))
                for row in log_rows(self.path, len(self.fields))]

    def append(self, rows: Iterable[Mapping[str, Any]]) -> None:
        append_rows(self.path, ",".join(self.fields),
                    [[_cell(row.get(name, "")) for name in self.fields] for row in rows])


def _cell(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return format_utc(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True) if value else ""
    return one_line(str(value)) if value is not None else ""


def comments_log(root: Path) -> CsvLog:
    return CsvLog(root, COMMENTS_LOG, COMMENT_FIELDS)


def moderation_log(root: Path) -> CsvLog:
    return CsvLog(root, MODERATION_LOG, ACTION_FIELDS)


@dataclass
class SeenComment:
    """A comment as the seen-log remembers it. ``comment`` is the keyed hash of its id; a line of the first
    format has the raw id in ``legacy_id`` and the commenter's record in ``legacy`` instead."""

    profile: str
    comment: str
    category: str
    action: str
    issue: str
    issue_number: int | None
    time: dt.datetime
    text_hash: str = ""
    network: str = ""  # first format only
    legacy_id: str = ""
    legacy: dict[str, Any] = field(default_factory=dict)


def _number(value: Any) -> int | None:
    return int(value) if isinstance(value, int) or (isinstance(value, str) and value.isdigit()) else None


def _seen(row: list[str]) -> SeenComment | None:
    when = parse_utc_strict(row[0])
    if len(row) == len(COMMENT_FIELDS):
        r = dict(zip(COMMENT_FIELDS, row, strict=True))
        return SeenComment(r["profile"], r["comment"], r["category"], r["action"], r["issue"],
                           _number(r["issue_number"]), when, r["text_hash"])
    r = dict(zip(LEGACY_COMMENT_FIELDS, row, strict=True))
    if r["event"] != "seen":
        return None
    data = json_cell(r["data"])
    return SeenComment(r["profile"], "", r["category"], "issue" if r["issue"] else "seen", r["issue"],
                       _number(data.get("issue_number")), when, network=r["network"], legacy_id=r["comment_id"], legacy=data)


def seen_comments(root: Path) -> dict[tuple[str, str], SeenComment]:
    """(profile, comment hash, or the raw id of a first-format line) -> what the seen-log says; first wins."""
    out: dict[tuple[str, str], SeenComment] = {}
    for row in log_rows(Path(root) / COMMENTS_LOG, len(COMMENT_FIELDS), len(LEGACY_COMMENT_FIELDS)):
        seen = _seen(row)
        if seen is not None:
            out.setdefault((seen.profile, seen.comment or seen.legacy_id), seen)
    return out


def was_seen(seen: Mapping[tuple[str, str], SeenComment], profile_id: str, comment_id: str,
             keys: Iterable[bytes]) -> bool:
    """Has the seen-log a line for this comment, under any of the keys or (first format) its raw id?"""
    return (profile_id, comment_id) in seen or any((profile_id, keyed_hash(k, comment_id)) in seen for k in keys)


def drop_expired(root: Path, now: dt.datetime, keep_days: Mapping[str, int]) -> int:
    """Rewrite the seen-log without the lines older than their profile's window (``keep_days``, default
    :data:`DEFAULT_RETENTION_DAYS`); the number of lines dropped. The header is the current one."""
    path = Path(root) / COMMENTS_LOG
    rows = list(log_rows(path, len(COMMENT_FIELDS), len(LEGACY_COMMENT_FIELDS)))
    kept = [row for row in rows
            if parse_utc_strict(row[0]) >= now - dt.timedelta(days=keep_days.get(row[1], DEFAULT_RETENTION_DAYS))]
    if len(kept) == len(rows):
        return 0
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([list(COMMENT_FIELDS), *kept])
    atomic_write_text(path, buf.getvalue())
    return len(rows) - len(kept)
