"""``state/comments.csv``: every comment socialops has handled, so each is handled once.

One line per comment seen (``event`` = ``seen``), written by :mod:`socialops.state.log`; ``data`` keeps what
later actions need (the comment's record without its text, the issue number, the text's digest). The fold
(:func:`seen_comments`) keeps the first line of each (profile, comment id).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialops.core.times import parse_utc_strict
from socialops.state.log import CsvLog, json_cell

COMMENTS_LOG = "state/comments.csv"
COMMENT_FIELDS = ("time", "profile", "network", "post_id", "comment_id", "event", "category", "confidence",
                  "issue", "reason", "data", "run")


def comments_log(root: Path) -> CsvLog:
    return CsvLog(root, COMMENTS_LOG, COMMENT_FIELDS)


@dataclass
class SeenComment:
    """A comment as the seen-log remembers it (no text). ``data["comment"]`` is ``Comment.record()``."""

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
        out[key] = SeenComment(row["profile"], row["network"], row["post_id"], row["comment_id"], row["category"],
                               row["confidence"], row["issue"], row["reason"], json_cell(row["data"]),
                               parse_utc_strict(row["time"]))
    return out
