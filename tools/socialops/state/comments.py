"""The comments and moderation logs: ``state/comments.csv`` (each comment seen, once) and
``state/moderation.csv`` (each action on a comment: auto-hide, /commands, refusals).

Both are append-only CSV (``merge=union``, so runs on two branches merge), written whole lines at a time by
:func:`socialops.state.ledger.append_rows`. ``state/comments.csv`` columns: ``time, profile, network,
post_id, comment_id, event, category, confidence, issue, reason, data, run``; ``event`` is ``seen``;
``data`` is JSON: the comment's record without its text (author id, handle, name, time, links, thread,
network references), the digest of its normalised text (repeated-text detection), ``hidden`` (what
auto-moderation did) and ``issue_number``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialops.core.safetext import one_line
from socialops.core.times import format_utc, parse_utc_strict
from socialops.state.log import append_rows

COMMENTS_LOG = "state/comments.csv"
MODERATION_LOG = "state/moderation.csv"
COMMENT_FIELDS = ("time", "profile", "network", "post_id", "comment_id", "event", "category", "confidence",
                  "issue", "reason", "data", "run")
ACTION_FIELDS = ("time", "profile", "network", "comment_id", "issue", "actor", "action", "result", "detail",
                 "data", "run")


class CsvLog:
    """An append-only CSV log under state/ (one event a line, whole lines in one fsynced write)."""

    def __init__(self, root: Path, rel: str, fields: tuple[str, ...]):
        self.root = Path(root)
        self.rel = rel
        self.path = self.root / rel
        self.fields = fields

    def rows(self) -> list[dict[str, str]]:
        """Every complete row; header lines (repeated by a union merge) and torn lines are skipped."""
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return []
        out = []
        for row in csv.reader(io.StringIO(text)):
            if len(row) != len(self.fields) or row[0] == self.fields[0]:
                continue
            try:
                parse_utc_strict(row[0])
            except ValueError:
                continue
            out.append(dict(zip(self.fields, row, strict=True)))
        return out

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
    """A comment as the seen-log remembers it (no text)."""

    profile: str
    network: str
    post_id: str
    comment_id: str
    category: str
    confidence: str
    issue: str
    reason: str
    data: dict[str, Any]
    time: dt.datetime

    @property
    def issue_number(self) -> int | None:
        value = self.data.get("issue_number")
        return int(value) if isinstance(value, int) or (isinstance(value, str) and value.isdigit()) else None


def seen_comments(root: Path) -> dict[tuple[str, str], SeenComment]:
    """(profile, comment id) -> what the seen-log says, first record wins."""
    out: dict[tuple[str, str], SeenComment] = {}
    for row in comments_log(root).rows():
        if row["event"] != "seen":
            continue
        key = (row["profile"], row["comment_id"])
        if key in out:
            continue
        try:
            data = json.loads(row["data"]) if row["data"] else {}
        except ValueError:
            data = {}
        out[key] = SeenComment(row["profile"], row["network"], row["post_id"], row["comment_id"], row["category"],
                               row["confidence"], row["issue"], row["reason"], data if isinstance(data, dict) else {},
                               parse_utc_strict(row["time"]))
    return out
