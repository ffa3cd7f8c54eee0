"""The one parser and formatter of times that come from networks, ledgers and CSV files.

Every time socialops keeps or compares is timezone-aware. Text without an offset (a hand-edited ledger
line, an API that leaves it out) is read as UTC; a post's own naive times are the plan's timezone and are
parsed by ``repository.posts.parse_when`` instead.
"""

from __future__ import annotations

import datetime as dt
from typing import Any


def parse_utc(value: Any) -> dt.datetime | None:
    """An ISO 8601 time as networks send it, or None when it is missing or unreadable.

    Takes ``Z`` (Mastodon, Bluesky, GitHub), ``+0000`` without a colon (Meta's Graph API), fractions of a
    second, and no offset at all (read as UTC)."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    elif len(text) >= 5 and text[-5] in "+-" and text[-4:].isdigit() and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"  # Meta: 2026-12-02T08:00:00+0000
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def parse_utc_strict(text: str) -> dt.datetime:
    """Like :func:`parse_utc`, for text that must be a time (a ledger's own column): raises ValueError."""
    moment = parse_utc(text)
    if moment is None:
        raise ValueError(f"not a time: {text!r}")
    return moment


def format_utc(moment: dt.datetime) -> str:
    """The ledgers' form: UTC with microseconds and Z, so that text order is time order."""
    if moment.tzinfo is None:
        raise ValueError("ledger times must be timezone-aware")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
