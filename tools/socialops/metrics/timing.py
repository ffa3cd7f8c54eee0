"""When to post: a shrinkage estimate of the engagement rate per hour and per weekday, with how sure it is.

Each profile's posts are measured relative to its own mean rate (a multiplier: 1.5 = half again as engaging
as its average post). For every hour of the day (and every weekday) the estimate is a normal-normal posterior:

    estimate = (k * prior + n * mean of the n posts there) / (k + n),   variance = sigma^2 / (k + n)

with ``k = PRIOR_POSTS`` pseudo-posts of prior. The prior of an hour is

* the audience signal where the network gives one (``metrics/audience.csv``, dimension ``online_hour``: how
  many followers are online in each UTC hour, e.g. Instagram's ``online_followers``), as a multiplier
  ``online(h) / mean online`` damped by ``AUDIENCE_WEIGHT``; else
* the network's general pattern: the multipliers of every profile on the same network in ``posts.csv``,
  themselves shrunk toward ``GENERAL_HOURS`` (quiet nights, busy mornings, lunch and evenings).

The prior is rescaled so that its mean over the slots the profile's posts went out in is 1, as the posts'
own multipliers are: a profile that always posted at a quiet hour learns that other hours should do better.

So with no posts the suggestion is the audience's (or the general) pattern, and as a profile's own results
accumulate they take over. The confidence of the suggestion is how much of it rests on the profile's own results
and how clearly it beats the runner-up: the share of its own posts in the best slot's estimate,
``n / (k + n)``, times the posterior probability that the best slot beats the runner-up,
``Phi((m1 - m2) / sqrt(v1 + v2))``. A suggestion from the audience alone is a hint (low) until posts confirm it.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from socialops.metrics.tables import num

ONLINE = "online_hour"  # the audience dimension: followers online per UTC hour (bucket "00" to "23")
PRIOR_POSTS = 3.0  # how many posts the prior is worth
AUDIENCE_WEIGHT = 0.5  # an audience four times as large online is taken as twice the engagement, not 4x
DEFAULT_SIGMA = 0.5  # spread of one post's multiplier around its slot's, until the posts tell
MIN_SIGMA = 0.15
# the general daily rhythm of social networks (local time), as multipliers of an average post: quiet nights, a
# flat day -- which daytime hour is best is for the audience and the profile's own results to say
GENERAL_HOURS = (0.35, 0.3, 0.25, 0.25, 0.3, 0.4, 0.6, 0.85, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
                 1.0, 1.0, 1.0, 1.0, 0.9, 0.7, 0.5)
GENERAL_WEEKDAYS = (1.0,) * 7
LEVELS = ((0.8, "high"), (0.5, "medium"), (0.0, "low"))


@dataclass(frozen=True)
class Slot:
    """The estimate for one hour (0-23) or weekday (0 = Monday)."""

    slot: int
    rate: float  # estimated engagement rate of a post here
    multiplier: float  # the rate relative to the profile's average post
    posts: int  # the profile's own posts here
    variance: float  # of the multiplier


@dataclass
class Estimate:
    """A profile's estimate: hours and weekdays ranked best first, and how sure the best of each is."""

    profile: str
    posts: int
    overall: float | None
    hours: list[Slot] = field(default_factory=list)
    weekdays: list[Slot] = field(default_factory=list)
    hour_confidence: float = 0.0
    weekday_confidence: float = 0.0
    basis: str = ""  # what the prior came from: "audience", "network" or "general"

    @property
    def evidence(self) -> bool:
        """Is there anything about this profile at all (its posts or its audience)?"""
        return self.posts > 0 or self.basis == "audience"


@dataclass(frozen=True)
class Rated:
    profile: str
    network: str  # whose pattern it shares: "instagram"; a sandbox profile "sandbox:instagram" (or "sandbox")
    published: dt.datetime
    rate: float


def _pool(network: str) -> tuple[str, bool]:
    """The network whose pattern a profile shares, and whether its figures are simulated (the sandbox's)."""
    if network.startswith("sandbox:"):
        return network.split(":", 1)[1], True
    return network, network == "sandbox"


def level(confidence: float) -> str:
    """low, medium or high."""
    return next(name for bound, name in LEVELS if confidence >= bound)


def online_by_hour(audience_rows: Iterable[Mapping[str, str]], tz: Any) -> dict[str, list[float]]:
    """``{profile: [followers online in local hour 0..23]}`` from the latest day of ``online_hour`` rows."""
    latest: dict[str, dt.date] = {}
    rows = []
    for r in audience_rows:
        try:
            day = dt.date.fromisoformat(r.get("date", ""))
        except ValueError:
            continue
        if r.get("dimension") == ONLINE:
            rows.append((day, r))
            latest[r["profile"]] = max(latest.get(r["profile"], day), day)
    out: dict[str, list[float]] = {}
    for day, r in rows:
        value, bucket = num(r.get("value")), r.get("bucket", "")
        if day != latest[r["profile"]] or value is None or not bucket.isdigit() or int(bucket) > 23:
            continue
        local = dt.datetime.combine(day, dt.time(int(bucket)), dt.UTC).astimezone(tz).hour
        out.setdefault(r["profile"], [0.0] * 24)[local] += value
    return {pid: values for pid, values in out.items() if sum(values) > 0}


def _audience_prior(online: list[float]) -> list[float]:
    mean = statistics.fmean(online)
    return [(v / mean) ** AUDIENCE_WEIGHT for v in online]


def _relative(prior: list[float], groups: Mapping[int, list[float]]) -> list[float]:
    """The prior rescaled to mean 1 over the slots the posts went out in (as the posts' multipliers are)."""
    used = [prior[slot] for slot, values in groups.items() for _ in values]
    mean = statistics.fmean(used) if used else 1.0
    return [p / mean for p in prior] if mean > 0 else prior


def _posterior(prior: list[float], groups: Mapping[int, list[float]], sigma: float, scale: float) -> list[Slot]:
    out = []
    for slot, before in enumerate(prior):
        seen = groups.get(slot, [])
        n = len(seen)
        multiplier = (PRIOR_POSTS * before + sum(seen)) / (PRIOR_POSTS + n)
        out.append(Slot(slot, round(multiplier * scale, 6), round(multiplier, 6), n,
                        sigma ** 2 / (PRIOR_POSTS + n)))
    return sorted(out, key=lambda s: (-s.multiplier, -s.posts, s.slot))


def _confidence(ranked: list[Slot]) -> float:
    if len(ranked) < 2:
        return 0.0
    first, second = ranked[0], ranked[1]
    z = (first.multiplier - second.multiplier) / math.sqrt(first.variance + second.variance)
    own = first.posts / (PRIOR_POSTS + first.posts)
    return round(own * 0.5 * (1 + math.erf(z / math.sqrt(2))), 4)


def _multipliers(posts: list[Rated], tz: Any) -> tuple[dict[int, list[float]], dict[int, list[float]]]:
    """Each post's rate relative to its profile's mean, grouped by local hour and by weekday."""
    means: dict[str, float] = {}
    for pid in {p.profile for p in posts}:
        means[pid] = statistics.fmean(p.rate for p in posts if p.profile == pid) or 1.0
    hours: dict[int, list[float]] = {}
    days: dict[int, list[float]] = {}
    for p in posts:
        local = p.published.astimezone(tz)
        hours.setdefault(local.hour, []).append(p.rate / means[p.profile])
        days.setdefault(local.weekday(), []).append(p.rate / means[p.profile])
    return hours, days


def _sigma(groups: Mapping[int, list[float]]) -> float:
    values = [v for vs in groups.values() for v in vs]
    return max(MIN_SIGMA, statistics.stdev(values)) if len(values) >= 3 else DEFAULT_SIGMA


def estimate(posts: list[Rated], online: Mapping[str, list[float]], tz: Any, profile: str,
             network: str = "") -> Estimate:
    """The estimate for ``profile`` from the rated posts of all profiles (its network's pattern is pooled from
    the posts of the same network) and the followers online (local hours). ``network``: the profile's (as in
    ``Rated``; default: its posts'). A sandbox profile that imitates a network pools with that network's
    profiles; a real profile never pools with simulated figures."""
    mine = [p for p in posts if p.profile == profile]
    pool, simulated = _pool(network or (mine[0].network if mine else ""))
    peers = [p for p in posts if pool and p.profile != profile and _pool(p.network)[0] == pool
             and (simulated or not _pool(p.network)[1])]
    overall = statistics.fmean(p.rate for p in mine) if mine else None
    # rates are the multipliers times the profile's mean (its network's before it has posts of its own)
    scale = overall if overall is not None else (statistics.fmean(p.rate for p in peers) if peers else 0.0)
    peer_hours, peer_days = _multipliers(peers, tz)
    general_hours = [s.multiplier for s in sorted(_posterior(list(GENERAL_HOURS), peer_hours, _sigma(peer_hours), 1),
                                                  key=lambda s: s.slot)]
    general_days = [s.multiplier for s in sorted(_posterior(list(GENERAL_WEEKDAYS), peer_days, _sigma(peer_days), 1),
                                                 key=lambda s: s.slot)]
    basis = "network" if peers else "general"
    prior_hours = general_hours
    if online.get(profile):
        prior_hours, basis = _audience_prior(online[profile]), "audience"
    hours, days = _multipliers(mine, tz)
    found = Estimate(profile, len(mine), overall, basis=basis)
    found.hours = _posterior(_relative(prior_hours, hours), hours, _sigma(hours), scale)
    found.weekdays = _posterior(_relative(general_days, days), days, _sigma(days), scale)
    found.hour_confidence = _confidence(found.hours)
    found.weekday_confidence = _confidence(found.weekdays)
    return found
