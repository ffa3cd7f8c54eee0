"""The best times to post: a pure function of the rows of ``metrics/posts.csv``, the plan's timezone and now.

For each profile: the hours and weekdays (in the timezone given) whose posts had the highest mean engagement
rate over the ``WINDOW_DAYS`` days up to now -- or, with too few posts to tell, no suggestion and why. The
plan and publish use the hours (a cadence slot written as ``best`` takes them, best first); the monthly
report shows them.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from socialops.core.times import parse_utc
from socialops.metrics.tables import METRICS_DIR, POSTS, num, read_table

WINDOW_DAYS = 180
MIN_POSTS = 8  # posts with an engagement rate before any suggestion is made
MIN_PER_SLOT = 2  # posts an hour (or weekday) needs before it counts
MIN_SLOTS = 3  # hours (or weekdays) with enough posts to compare
SUGGESTED_HOURS = 3


@dataclass
class BestTimes:
    """What one profile's posts say about when to post."""

    profile: str
    posts: int  # posts with an engagement rate in the window
    hours: list[tuple[int, float, int]] = field(default_factory=list)  # (hour, mean rate, posts), best first
    weekdays: list[tuple[int, float, int]] = field(default_factory=list)  # (weekday 0=Mon, mean rate, posts)
    overall: float | None = None  # mean rate of all its posts in the window
    reason: str = ""  # why there is no suggestion (too little data)

    @property
    def best_hours(self) -> list[int]:
        return [h for h, _, _ in self.hours[:SUGGESTED_HOURS]]


@dataclass(frozen=True)
class _Rated:
    profile: str
    published: dt.datetime
    rate: float


def _rated(rows: Iterable[Mapping[str, str]]) -> list[_Rated]:
    """The live posts with a publication time and an engagement rate."""
    out = []
    for row in rows:
        published = parse_utc(row.get("published_at"))
        rate = num(row.get("engagement_rate"))
        if published is None or rate is None or row.get("status") == "deleted":
            continue
        out.append(_Rated(row.get("profile", ""), published, rate))
    return out


def _ranked(groups: Mapping[int, list[float]]) -> list[tuple[int, float, int]]:
    rows = [(k, statistics.fmean(v), len(v)) for k, v in groups.items() if len(v) >= MIN_PER_SLOT]
    return sorted(rows, key=lambda r: (-r[1], r[0]))


def _for_profile(rated: Iterable[_Rated], profile: str, tz: Any, now: dt.datetime) -> BestTimes:
    oldest = now - dt.timedelta(days=WINDOW_DAYS)
    mine = [p for p in rated if p.profile == profile and oldest < p.published <= now]
    result = BestTimes(profile, len(mine))
    by_hour: dict[int, list[float]] = {}
    by_day: dict[int, list[float]] = {}
    for p in mine:
        local = p.published.astimezone(tz)
        by_hour.setdefault(local.hour, []).append(p.rate)
        by_day.setdefault(local.weekday(), []).append(p.rate)
    hours, days = _ranked(by_hour), _ranked(by_day)
    if len(mine) < MIN_POSTS or len(hours) < MIN_SLOTS:
        result.reason = (f"too little data: {len(mine)} post{'s' if len(mine) != 1 else ''} with figures in the last "
                         f"{WINDOW_DAYS} days, "
                         f"{len(hours)} hour{'s' if len(hours) != 1 else ''} with {MIN_PER_SLOT} or more posts; "
                         f"a suggestion needs {MIN_POSTS} posts over at least {MIN_SLOTS} such hours")
        return result
    result.overall = statistics.fmean(p.rate for p in mine)
    result.hours = hours
    result.weekdays = days if len(days) >= MIN_SLOTS else []
    return result


def best_times(rows: Iterable[Mapping[str, str]], tz: Any, *, now: dt.datetime,
               profiles: Iterable[str] | None = None) -> dict[str, BestTimes]:
    """``{profile id: BestTimes}`` for ``profiles`` (default: every profile in the rows), from the rows of
    ``metrics/posts.csv`` published in the ``WINDOW_DAYS`` days up to ``now``, hours and weekdays in ``tz``.
    Deleted posts and rows without an engagement rate do not count."""
    rated = _rated(rows)
    ids = sorted({p.profile for p in rated} if profiles is None else set(profiles))
    return {pid: _for_profile(rated, pid, tz, now) for pid in ids}


def best_hours(rows: Iterable[Mapping[str, str]], tz: Any, *, now: dt.datetime) -> dict[str, list[int]]:
    """``{profile id: [hours, best first]}``: what a cadence slot written as ``best`` takes. Profiles with too
    little data are left out (``best`` then keeps its fallback)."""
    return {pid: found.best_hours for pid, found in best_times(rows, tz, now=now).items() if found.best_hours}


def load_best_hours(root: Path, tz: Any, *, now: dt.datetime) -> dict[str, list[int]]:
    """:func:`best_hours` of the repository's ``metrics/posts.csv`` (nothing when it cannot be read)."""
    try:
        rows = read_table(Path(root) / METRICS_DIR, POSTS).values()
    except (OSError, ValueError):
        return {}
    return best_hours(rows, tz, now=now)
