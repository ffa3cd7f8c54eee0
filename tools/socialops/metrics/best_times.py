"""The best times to post: a pure function of the rows of ``metrics/posts.csv`` (and of ``metrics/audience.csv``:
when followers are online), the plan's timezone and now.

For each profile: every hour and weekday (in the timezone given) ranked by the estimated engagement rate of a
post there, with how sure the best one is (``socialops.metrics.timing``: a shrinkage estimate that starts from
the audience signal or the network's general pattern and moves to the profile's own results over the
``WINDOW_DAYS`` days up to now). The plan and publish use the hours (a cadence slot written as ``best`` takes
them, best first); the monthly report and ``socialops tune`` show them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from socialops.core.times import parse_utc
from socialops.metrics import timing
from socialops.metrics.tables import AUDIENCE, METRICS_DIR, POSTS, num, read_table
from socialops.repository.profiles import find_profiles, load_profile

WINDOW_DAYS = 180
SUGGESTED_HOURS = 3


@dataclass
class BestTimes:
    """What one profile's posts and audience say about when to post."""

    profile: str
    posts: int  # posts with an engagement rate in the window
    hours: list[tuple[int, float, int]] = field(default_factory=list)  # (hour, estimated rate, posts), best first
    weekdays: list[tuple[int, float, int]] = field(default_factory=list)  # (weekday 0=Mon, estimated rate, posts)
    overall: float | None = None  # mean rate of all its posts in the window
    reason: str = ""  # why there is no suggestion (nothing known about the profile)
    confidence: float = 0.0  # the probability that the best hour beats the runner-up
    weekday_confidence: float = 0.0
    basis: str = ""  # the prior's source: audience (followers online), network (its other profiles) or general
    estimate: timing.Estimate | None = None

    @property
    def best_hours(self) -> list[int]:
        return [h for h, _, _ in self.hours[:SUGGESTED_HOURS]]

    @property
    def level(self) -> str:
        return timing.level(self.confidence)


def _rated(rows: Iterable[Mapping[str, str]], oldest: dt.datetime, now: dt.datetime,
           networks: Mapping[str, str] | None = None) -> list[timing.Rated]:
    """The live posts published in (oldest, now] with an engagement rate."""
    networks = networks or {}
    out = []
    for row in rows:
        published = parse_utc(row.get("published_at"))
        rate = num(row.get("engagement_rate"))
        if published is None or rate is None or row.get("status") == "deleted" or not oldest < published <= now:
            continue
        pid = row.get("profile", "")
        out.append(timing.Rated(pid, networks.get(pid) or row.get("network", ""), published, rate))
    return out


def _for_profile(found: timing.Estimate) -> BestTimes:
    result = BestTimes(found.profile, found.posts, overall=found.overall, confidence=found.hour_confidence,
                       weekday_confidence=found.weekday_confidence, basis=found.basis, estimate=found)
    if not found.evidence:
        result.reason = (f"nothing to go on yet: no post with figures in the last {WINDOW_DAYS} days and no "
                         "audience signal (when followers are online)")
        return result
    result.hours = [(s.slot, s.rate, s.posts) for s in found.hours]
    result.weekdays = [(s.slot, s.rate, s.posts) for s in found.weekdays]
    return result


def best_times(rows: Iterable[Mapping[str, str]], tz: Any, *, now: dt.datetime,
               profiles: Iterable[str] | None = None,
               audience: Iterable[Mapping[str, str]] = (),
               networks: Mapping[str, str] | None = None) -> dict[str, BestTimes]:
    """``{profile id: BestTimes}`` for ``profiles`` (default: every profile in the rows), from the rows of
    ``metrics/posts.csv`` published in the ``WINDOW_DAYS`` days up to ``now`` and the ``online_hour`` rows of
    ``metrics/audience.csv`` measured up to ``now``; hours and weekdays in ``tz``. Deleted posts and rows
    without an engagement rate do not count. ``networks`` (``pooled_networks``): profile id -> the network whose
    pattern it shares, so that a sandbox profile pools with the network it imitates."""
    rows = list(rows)
    networks = networks or {}
    rated = _rated(rows, now - dt.timedelta(days=WINDOW_DAYS), now, networks)
    day = now.date().isoformat()
    online = timing.online_by_hour([r for r in audience if r.get("date", "") <= day], tz)
    everyone = {p.profile for p in _rated(rows, dt.datetime.min.replace(tzinfo=dt.UTC), dt.datetime.max.replace(
        tzinfo=dt.UTC))} | set(online)
    ids = sorted(everyone if profiles is None else set(profiles))
    return {pid: _for_profile(timing.estimate(rated, online, tz, pid, networks.get(pid, ""))) for pid in ids}


def pooled_networks(root: Path) -> dict[str, str]:
    """Profile id -> the network whose pattern its timing shares: its own, or for a sandbox profile
    ``sandbox:<the network it imitates>`` (its simulated audience pools with that network's profiles)."""
    out = {}
    for rel in find_profiles(Path(root)):
        try:
            profile = load_profile(Path(root), rel)
        except Exception:  # noqa: BLE001 - a broken profile file is validate's business: it pools by its rows
            continue
        out[profile.id] = f"sandbox:{profile.rules_network}" if profile.network == "sandbox" else profile.network
    return out


def best_hours(rows: Iterable[Mapping[str, str]], tz: Any, *, now: dt.datetime,
               audience: Iterable[Mapping[str, str]] = (),
               networks: Mapping[str, str] | None = None) -> dict[str, list[int]]:
    """``{profile id: [hours, best first]}``: what a cadence slot written as ``best`` takes. Profiles nothing is
    known about are left out (``best`` then keeps its fallback)."""
    found = best_times(rows, tz, now=now, audience=audience, networks=networks)
    return {pid: s.best_hours for pid, s in found.items() if s.best_hours}


def load_best_hours(root: Path, tz: Any, *, now: dt.datetime) -> dict[str, list[int]]:
    """:func:`best_hours` of the repository's ``metrics/posts.csv`` and ``metrics/audience.csv`` (nothing when
    they cannot be read)."""
    try:
        rows = read_table(Path(root) / METRICS_DIR, POSTS).values()
        audience = read_table(Path(root) / METRICS_DIR, AUDIENCE).values()
    except (OSError, ValueError):
        return {}
    return best_hours(rows, tz, now=now, audience=audience, networks=pooled_networks(root))
