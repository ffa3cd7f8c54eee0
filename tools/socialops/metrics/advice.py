"""What the metrics say to change in the plan: cadence hours and weekdays, pillar shares, weak post types.

A pure function of ``schedule.yaml`` (parsed), the rows of ``metrics/posts.csv`` and ``metrics/audience.csv``
and now. ``socialops tune`` turns the advice into a pull request against ``schedule.yaml``; the monthly report
puts its first three points at the top. Rates are compared within each profile (a post's rate divided by its
profile's mean), so a large Instagram account does not drown a small Mastodon one.

* slots: a cadence entry's listed hours (``hours: [...]``, ``times: [...]``) move toward the estimated best
  hours, its weekdays (``days: [...]``) toward the best weekdays -- only when the estimate is at least
  ``medium`` confidence and the better slot is estimated ``MIN_GAIN`` better; ``best`` slots follow on their own;
* pillar shares: each moves toward ``share x how its posts engage`` (shrunk toward the average as the timing
  estimate is) by at most ``MAX_SHARE_STEP`` points a month, the total kept; a pillar needs ``MIN_POSTS`` posts in the last ``LOOKBACK_DAYS`` days;
* post types whose posts engage less than ``WEAK_TYPE`` of their profile's average post are named.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from socialops.core.times import parse_utc
from socialops.metrics import timing
from socialops.metrics.best_times import BestTimes, best_times
from socialops.metrics.charts import WEEKDAYS
from socialops.metrics.tables import num

LOOKBACK_DAYS = 90
MIN_POSTS = 3
MIN_GAIN = 1.1  # a slot is moved only to one estimated at least 10 % better
MIN_CONFIDENCE = 0.5  # medium
MIN_EFFECT = 0.1  # a pillar engaging within 10 % of the average keeps its share
MAX_SHARE_STEP = 5
MIN_SHARE_STEP = 2
WEAK_TYPE = 0.75
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class SlotChange:
    profile: str
    index: int  # the entry's position in the profile's cadence list
    field: str  # hours, times or days
    old: tuple
    new: tuple
    why: str


@dataclass(frozen=True)
class ShareChange:
    pillar: str
    old: float
    new: float
    multiplier: float  # how its posts engage against their profile's average
    posts: int


@dataclass(frozen=True)
class TypeNote:
    type: str
    multiplier: float
    posts: int


@dataclass
class Advice:
    best: dict[str, BestTimes] = field(default_factory=dict)
    slots: list[SlotChange] = field(default_factory=list)
    shares: list[ShareChange] = field(default_factory=list)
    types: list[TypeNote] = field(default_factory=list)

    @property
    def changes_plan(self) -> bool:
        return bool(self.slots or self.shares)

    def actions(self) -> list[str]:
        """The points to act on, most telling first (one line each)."""
        out = [f"{c.profile}: {c.why}" for c in self.slots]
        out += [f"Pillar {c.pillar}: its posts engage {c.multiplier:.2f}× the average post ({c.posts} posts), so "
                f"its share {c.old:g} % → {c.new:g} %" for c in sorted(self.shares, key=lambda c: -abs(c.new - c.old))]
        out += [f"Post type {n.type} engages {(1 - n.multiplier) * 100:.0f} % below its profiles' average "
                f"({n.posts} posts): fewer of them, or a different format" for n in self.types]
        return out


def _relative(rows: Iterable[Mapping[str, str]], now: dt.datetime) -> list[tuple[Mapping[str, str], float]]:
    """The live rated posts of the last ``LOOKBACK_DAYS`` days with their rate / their profile's mean rate."""
    oldest = now - dt.timedelta(days=LOOKBACK_DAYS)
    rated = []
    for row in rows:
        at, rate = parse_utc(row.get("published_at")), num(row.get("engagement_rate"))
        if at is not None and rate is not None and row.get("status") != "deleted" and oldest < at <= now:
            rated.append((row, rate))
    means: dict[str, list[float]] = {}
    for row, rate in rated:
        means.setdefault(row.get("profile", ""), []).append(rate)
    mean = {pid: statistics.fmean(v) for pid, v in means.items()}
    return [(row, rate / mean[row.get("profile", "")]) for row, rate in rated if mean[row.get("profile", "")] > 0]


def _by(relative: list[tuple[Mapping[str, str], float]], column: str) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for row, value in relative:
        if row.get(column):
            out.setdefault(row[column], []).append(value)
    return out


def _hours_change(pid: str, index: int, entry: Mapping, found: BestTimes) -> SlotChange | None:
    rate = {h: r for h, r, _ in found.hours}
    if isinstance(entry.get("hours"), list):
        listed = entry["hours"]
        if not listed or any(not isinstance(h, int) or isinstance(h, bool) or not 0 <= h <= 23 for h in listed):
            return None  # `best` follows the metrics by itself; anything else is validate's business
        old, name, fmt = tuple(listed), "hours", lambda h: h
    elif isinstance(entry.get("times"), list) and all(isinstance(t, str) and len(t) == 5 for t in entry["times"]):
        old, name, fmt = tuple(entry["times"]), "times", lambda h: f"{h:02d}:00"
    else:
        return None
    hours = [int(str(h)[:2]) if name == "times" else h for h in old]
    worst = min(hours, key=lambda h: (rate.get(h, 0.0), h))
    better = next((h for h, _, _ in found.hours if h not in hours), None)
    if better is None or rate[better] < MIN_GAIN * rate.get(worst, 0.0) or rate[better] <= 0:
        return None
    new = tuple(sorted((fmt(better), *[t for t, h in zip(old, hours, strict=True) if h != worst]),
                       key=lambda t: str(t).zfill(5)))
    gain = (rate[better] / rate[worst] - 1) * 100 if rate.get(worst) else 100.0
    why = (f"post at {better:02d}:00 instead of {worst:02d}:00 (estimated {gain:+.0f} % engagement; "
           f"{found.level} confidence, from {found.posts} posts" + (" and when followers are online"
                                                                   if found.basis == "audience" else "") + ")")
    return SlotChange(pid, index, name, old, new, why)


def _days_change(pid: str, index: int, entry: Mapping, found: BestTimes) -> SlotChange | None:
    days = entry.get("days")
    if not isinstance(days, list) or not days or found.weekday_confidence < MIN_CONFIDENCE:
        return None
    names = [str(d).strip().lower() for d in days]
    if any(n not in DAY_NAMES for n in names):
        return None
    rate = {d: r for d, r, _ in found.weekdays}
    listed = [DAY_NAMES.index(n) for n in names]
    worst = min(listed, key=lambda d: (rate.get(d, 0.0), d))
    better = next((d for d, _, _ in found.weekdays if d not in listed), None)
    if better is None or rate[better] < MIN_GAIN * rate.get(worst, 0.0):
        return None
    new = tuple(DAY_NAMES[d] for d in sorted([better, *[d for d in listed if d != worst]]))
    why = (f"post on {WEEKDAYS[better]} instead of {WEEKDAYS[worst]} (estimated "
           f"{(rate[better] / rate[worst] - 1) * 100:+.0f} % engagement, {timing.level(found.weekday_confidence)} "
           "confidence)")
    return SlotChange(pid, index, "days", tuple(days), new, why)


def _slot_changes(cadence: Mapping[str, Any], best: Mapping[str, BestTimes]) -> list[SlotChange]:
    out = []
    for pid, entries in sorted(cadence.items()):
        found = best.get(pid)
        if found is None or found.reason or not isinstance(entries, list):
            continue
        for index, entry in enumerate(entries):
            if not isinstance(entry, Mapping):
                continue
            if found.confidence >= MIN_CONFIDENCE:
                change = _hours_change(pid, index, entry, found)
                if change:
                    out.append(change)
            change = _days_change(pid, index, entry, found)
            if change:
                out.append(change)
    return out


def _share_changes(pillars: Mapping[str, Mapping], by_pillar: Mapping[str, list[float]]) -> list[ShareChange]:
    shares = {p: v.get("share") for p, v in pillars.items()}
    shares = {p: float(s) for p, s in shares.items() if isinstance(s, int | float) and not isinstance(s, bool)}
    if len(shares) < 2:
        return []
    # shrunk toward 1 (as engaging as the average post) by PRIOR_POSTS pseudo-posts, as the timing estimate is
    effect = {p: (timing.PRIOR_POSTS + sum(by_pillar[p])) / (timing.PRIOR_POSTS + len(by_pillar[p]))
              if len(by_pillar.get(p, [])) >= MIN_POSTS else 1.0 for p in shares}
    effect = {p: e if abs(e - 1) >= MIN_EFFECT else 1.0 for p, e in effect.items()}
    total = sum(shares.values())
    wanted = {p: shares[p] * effect[p] for p in shares}
    scale = total / sum(wanted.values()) if sum(wanted.values()) else 1.0
    step = {p: max(-MAX_SHARE_STEP, min(MAX_SHARE_STEP, round(wanted[p] * scale - shares[p]))) for p in shares}
    step = {p: s if abs(s) >= MIN_SHARE_STEP else 0 for p, s in step.items()}
    rest = -sum(step.values())  # keep the total: the pillar already moving furthest takes the difference
    if rest and any(step.values()):
        heaviest = max((p for p in step if step[p]), key=lambda p: (abs(step[p]), p))
        step[heaviest] += rest
    return [ShareChange(p, shares[p], shares[p] + step[p], round(effect[p], 2), len(by_pillar.get(p, [])))
            for p in sorted(shares) if step[p] and shares[p] + step[p] >= 0]


def advise(schedule: Any, post_rows: Iterable[Mapping[str, str]], audience_rows: Iterable[Mapping[str, str]], *,
           now: dt.datetime, networks: Mapping[str, str] | None = None) -> Advice:
    """What to change in ``schedule`` (a parsed ``schedule.yaml``) from the metrics up to ``now``
    (``networks``: see ``best_times``)."""
    rows = list(post_rows)
    best = best_times(rows, schedule.tz, now=now, profiles=sorted(schedule.cadence) or None,
                      audience=list(audience_rows), networks=networks)
    relative = _relative(rows, now)
    types = [TypeNote(t, round(statistics.fmean(v), 2), len(v)) for t, v in sorted(_by(relative, "type").items())
             if len(v) >= MIN_POSTS and statistics.fmean(v) < WEAK_TYPE]
    return Advice(best=best, slots=_slot_changes(schedule.cadence, best),
                  shares=_share_changes(schedule.pillars, _by(relative, "pillar")), types=types)
