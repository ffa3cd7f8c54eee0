"""The one parser and formatter of times that come from networks, ledgers and CSV files.

Every time socialops keeps or compares is timezone-aware. Text without an offset (a hand-edited ledger
line, an API that leaves it out) is read as UTC; a post's own naive times (and --now) are in the plan's timezone
and are parsed by :func:`parse_when` instead. Light on purpose: `publish` with nothing due parses --now with it
before anything else is loaded.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


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


def zone_named(name: Any) -> ZoneInfo | None:
    """The time zone of an IANA name, or None when it is not one (the name comes from a file anyone who may push
    can write)."""
    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def parse_when(value: Any, tz: ZoneInfo) -> dt.datetime | None:
    """A time from frontmatter as an aware datetime. Naive times are in `tz`.

    Raises ValueError for text that is not a time, and for local times that do not exist (the DST
    gap in spring) or happen twice (the repeated hour in autumn): both must be fixed by a person.
    """
    moment = read_when(value)
    if moment is None or moment.tzinfo is not None:
        return moment
    return localize(moment, tz)


def check_when(value: Any, tz: ZoneInfo) -> None:
    """Raise what :func:`parse_when` raises for `value` (the same message), or nothing: validation asks this of
    every post. The common text ('2026-12-01 09:00', or with an offset) is read without making the aware time:
    a wall time is in the spring gap or the autumn overlap exactly when its two folds have different offsets,
    which is what :func:`localize` asks too; anything else goes through parse_when itself."""
    if value is None:
        return
    if type(value) is str:
        text = value.strip().replace("T", " ", 1)
        if len(text) > 10 and text[-1] != "Z":
            try:
                moment = dt.datetime.fromisoformat(text)
            except ValueError:
                moment = None
            # The second fold made by the constructor: datetime.replace parses its keywords and then builds the
            # time through the constructor again, at twice the cost (half of this whole check).
            if moment is not None and (moment.tzinfo is not None or tz.utcoffset(moment) == tz.utcoffset(
                    dt.datetime(moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second,
                                moment.microsecond, fold=1))):
                return
    parse_when(value, tz)


def read_when(value: Any) -> dt.datetime | None:
    """The time of :func:`parse_when`, naive when it names no offset (then it needs the plan's timezone)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        raise ValueError("a date without a time of day; write it as 'YYYY-MM-DD HH:MM'")
    elif isinstance(value, str):
        text = value.strip().replace("T", " ", 1)
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"'{value}' is not a time; write it as 'YYYY-MM-DD HH:MM'") from None
        if len(text) <= 10:
            raise ValueError(f"'{value}' has no time of day; write it as 'YYYY-MM-DD HH:MM'")
    else:
        raise ValueError(f"'{value}' is not a time; write it as 'YYYY-MM-DD HH:MM'")
    return moment


def _offset(moment: dt.datetime) -> str:
    """+01:00: the UTC offset of an aware time, as written after a time."""
    minutes = int(moment.utcoffset().total_seconds() // 60)
    return f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def localize(naive: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """Attach `tz` to a wall-clock time, refusing times that do not exist or are ambiguous."""
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        # fold=0 and fold=1 disagree: the wall time is in the spring gap or the autumn overlap.
        roundtrip = first.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None)
        if roundtrip != naive:
            raise ValueError(
                f"{naive:%Y-%m-%d %H:%M} does not exist in {tz.key} (the clocks jump forward that night); "
                "pick another time"
            )
        raise ValueError(
            f"{naive:%Y-%m-%d %H:%M} happens twice in {tz.key} (the clocks turn back that night); pick another time "
            f"or add the offset: '{naive:%Y-%m-%d %H:%M}{_offset(first)}' for the first, "
            f"'{naive:%Y-%m-%d %H:%M}{_offset(second)}' for the second"
        )
    return first
