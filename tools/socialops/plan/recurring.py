"""Recurring and evergreen posts in the plan: each occurrence as a post of its own, for resolve_times.

A recurring post (``repeat:``) is replaced by one timed entry per occurrence, with the id
``<post id>@<UTC minute>``; the post itself is never published under its own id. An evergreen post
(``evergreen:``) is published as any post first; once it went out on a profile, its next republication there
(``<post id>@<n>``) is queued again, to take the profile's first free cadence slot no earlier than its last
publication on that profile plus the interval, so the same text never comes twice within it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from socialops.repository.recurrence import (
    base_id,
    evergreen_id,
    occurrence_id,
    occurrences,
    republication,
)


def comes_back(post) -> bool:
    """Does the post repeat, or come back as evergreen? (Index summaries and other post-like objects.)"""
    return bool(getattr(post, "repeat", None) or getattr(post, "evergreen", None))


def expand(posts: list, published: Mapping[tuple[str, str], dt.datetime], tz: ZoneInfo, *, lo: dt.datetime,
           hi: dt.datetime) -> list:
    """`posts` with each recurring post replaced by its occurrences from `lo` to `hi`, and each evergreen
    post's next republication added per profile where its interval ends by `hi`. Pure."""
    if not any(comes_back(p) for p in posts):
        return posts
    history = _history(posts, published)
    out = []
    for post in posts:
        if post.error or not post.id or not comes_back(post):
            out.append(post)
        elif post.repeat:
            out += [post._replace(id=occurrence_id(post.id, at), publish_ts=at.timestamp(), repeat=None)
                    for at in occurrences(post.repeat, lo, hi)]
        else:
            out.append(post)
            out += _republications(post, history, tz, hi)
    return out


def _history(posts: list, published: Mapping[tuple[str, str], dt.datetime]) -> dict[tuple[str, str], tuple]:
    """(evergreen post id, profile) -> (the highest n published, the time of its last publication)."""
    wanted = {p.id for p in posts if getattr(p, "evergreen", None) and p.id}
    out: dict[tuple[str, str], tuple] = {}
    if not wanted:
        return out
    for (ledger_id, pid), when in published.items():
        post_id = base_id(ledger_id)
        if post_id not in wanted:
            continue
        n = republication(ledger_id)
        if n is None:
            continue
        old = out.get((post_id, pid))
        out[(post_id, pid)] = (max(n, old[0]), max(when, old[1])) if old else (n, when)
    return out


def _republications(post, history: Mapping[tuple[str, str], tuple], tz: ZoneInfo, hi: dt.datetime) -> list:
    """The queued entries of an evergreen post's next republication: one per n, with the profiles at that n
    and, for each, the earliest time (``not_before``, epoch seconds) it may go out: the start of the day the
    interval ends (in days on the calendar: out at 10:05 on the 1st, every 14 days, it may take the 10:00 slot
    of the 15th)."""
    if post.status != "ready":
        return []
    interval = dt.timedelta(days=post.evergreen)
    by_n: dict[int, list[tuple[str, float]]] = {}
    for pid in dict.fromkeys(post.profiles):
        done = history.get((post.id, pid))
        if done is None:
            continue  # not out yet on this profile: the post itself goes first
        n, last = done
        again = dt.datetime.combine((last.astimezone(tz) + interval).date(), dt.time(), tz)
        if again <= hi:
            by_n.setdefault(n + 1, []).append((pid, again.timestamp()))
    return [post._replace(id=evergreen_id(post.id, n), profiles=tuple(pid for pid, _ in items), publish_ts=None,
                          evergreen=None, not_before=tuple(ts for _, ts in items))
            for n, items in sorted(by_n.items())]


def not_before(post, pid: str) -> float | None:
    """The earliest time (epoch seconds) a queued entry may take a slot on `pid`: an evergreen republication's."""
    bounds = getattr(post, "not_before", None)
    return bounds[post.profiles.index(pid)] if bounds else None


def next_times(times: Mapping[tuple[str, str], Any], since: dt.datetime) -> dict[tuple[str, str], tuple[str, Any]]:
    """(post id, profile) -> (ledger id, Slot) of the post's first occurrence or republication from `since`
    (now minus the late window: still due) not yet published there, from resolve_times' answer (for the
    preview and the export of a post that comes back)."""
    out: dict[tuple[str, str], tuple[str, Any]] = {}
    for (ledger_id, pid), slot in times.items():
        if "@" in ledger_id and slot.published_at is None and slot.at >= since:
            key = (base_id(ledger_id), pid)
            if key not in out or slot.at < out[key][1].at:
                out[key] = (ledger_id, slot)
    return out
