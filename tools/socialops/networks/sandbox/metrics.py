"""The sandbox's metrics: SIMULATED figures, so that the template's example and ``make demo`` show real reports.

Nothing here is measured. Every figure is a pure function of the profile id, the posts the sandbox stored
(their row id, type, link and time) and the moment asked about, so the same question always gets the same
answer, and figures evolve over time as a real account's would:

* followers: a base size and daily growth drawn from the profile id, a weekly wave, and a bump after each post
  (one percent of the post's reach, arriving as the post spreads);
* a post's eventual reach: the followers when it went out x its type (reels and carousels reach further than
  text) x the local hour and weekday it went out (mornings, lunch and early evening are best; each profile has
  a favourite hour of its own) x a per-post luck factor. Reach grows as ``1 - exp(-hours / 20)``, so a post
  has most of its audience within two days; views, likes, comments, shares, saves, quotes, video views and
  link clicks are fixed fractions of reach (with per-post noise). All of them only grow;
* gained and lost followers for each of the three days before the question;
* the audience by age, gender, age and gender, country, city (and, for a LinkedIn imitation, region,
  industry, seniority, function and company size) as fixed shares of today's followers;
* for an Instagram imitation, when followers are online (``online_hour``, per UTC hour): the same daily rhythm
  that makes posts reach further, peaking at the profile's favourite hour, so ``socialops tune`` finds it.

Only the figures the imitated network offers are reported (its spec's ``metrics``): a sandbox imitating Bluesky
reports no reach and no demographics, as Bluesky would not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import sqlite3
from pathlib import Path
from typing import Any

from socialops.core.times import parse_utc_strict, zone_named
from socialops.networks import NETWORKS
from socialops.networks.types import Figures, Publication

EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
SPREAD_HOURS = 20.0
TYPE_REACH = {"text": 0.45, "link": 0.5, "image": 0.9, "carousel": 1.1, "video": 1.2, "reel": 1.6, "story": 0.6,
              "live": 0.8}
LIKE_RATE = {"text": 0.05, "link": 0.035, "image": 0.07, "carousel": 0.08, "video": 0.06, "reel": 0.09,
             "story": 0.03, "live": 0.05}
HOURS = (0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.45, 0.8, 0.95, 0.9, 0.75, 0.85, 1.0, 0.85, 0.7, 0.7, 0.85, 1.05,
         1.1, 1.0, 0.9, 0.7, 0.45, 0.25)
WEEKDAYS = (1.0, 1.05, 1.0, 1.1, 0.95, 0.8, 0.75)
WORK_WEEKDAYS = (1.05, 1.15, 1.1, 1.15, 0.9, 0.45, 0.4)  # a LinkedIn imitation: weekends are quiet
FAVOURITE_HOURS = (8, 12, 17, 19)

AUDIENCE = {
    "age": {"13-17": 2, "18-24": 16, "25-34": 31, "35-44": 24, "45-54": 14, "55-64": 8, "65+": 5},
    "gender": {"F": 56, "M": 41, "U": 3},
    "country": {"FI": 82, "SE": 5, "EE": 4, "DE": 3, "US": 2, "NO": 2, "ES": 2},
    "city": {"Helsinki": 42, "Espoo": 12, "Vantaa": 8, "Tampere": 7, "Turku": 5, "Oulu": 3, "Tallinn": 2,
             "Stockholm": 2},
    "region": {"Helsinki Metropolitan Area": 60, "Tampere Region": 9, "Turku Region": 7, "Oulu Region": 4,
               "Stockholm Region": 3},
    "industry": {"Food and Beverage Services": 24, "Hospitality": 18, "Retail": 14, "Software Development": 11,
                 "Education": 9, "Marketing Services": 8},
    "seniority": {"Entry": 30, "Senior": 28, "Manager": 17, "Director": 7, "Owner": 9, "Training": 9},
    "function": {"Operations": 22, "Marketing": 18, "Sales": 16, "Engineering": 12, "Human Resources": 8,
                 "Education": 7},
    "company_size": {"1-10": 24, "11-50": 28, "51-200": 19, "201-500": 11, "501-1000": 7, "1001+": 11},
}


def unit(*parts: Any) -> float:
    """A number in [0, 1) fixed by ``parts``."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _tz(profile: Any) -> dt.tzinfo:
    return zone_named(profile.timezone) or dt.UTC


def _days(moment: dt.datetime) -> float:
    return (moment - EPOCH).total_seconds() / 86400


def base_followers(pid: str, moment: dt.datetime) -> float:
    start = 300 + 2700 * unit(pid, "followers")
    growth = 0.8 + 3.2 * unit(pid, "growth")
    days = _days(moment)
    return start + growth * max(days, 0) + 6 * math.sin(2 * math.pi * days / 7 + 6.3 * unit(pid, "phase"))


def spread(hours: float) -> float:
    return 1 - math.exp(-hours / SPREAD_HOURS) if hours > 0 else 0.0


def _created(row: Any) -> dt.datetime:
    return parse_utc_strict(str(row["created_at"]))


def hour_factor(pid: str, hour: int) -> float:
    """How far a post at this local hour reaches: the daily rhythm plus the profile's favourite hour."""
    favourite = FAVOURITE_HOURS[int(unit(pid, "favourite") * len(FAVOURITE_HOURS))]
    return HOURS[hour] + 0.5 * math.exp(-((hour - favourite) ** 2) / 3)


def online(pid: str, total: float, tz: dt.tzinfo, day: dt.date) -> dict[str, float]:
    """Followers online in each UTC hour of ``day``: a share of them following the local hour's factor."""
    out = {}
    for hour in range(24):
        local = dt.datetime.combine(day, dt.time(hour), dt.UTC).astimezone(tz).hour
        out[f"{hour:02d}"] = float(round(total * 0.12 * hour_factor(pid, local) * (0.95 + 0.1 * unit(pid, day, hour))))
    return out


def potential(pid: str, row: Any, tz: dt.tzinfo, network: str) -> float:
    """The reach a post will eventually have."""
    created = _created(row)
    local = created.astimezone(tz)
    hour = hour_factor(pid, local.hour)
    weekdays = WORK_WEEKDAYS if network == "linkedin" else WEEKDAYS
    luck = 0.6 + 0.8 * unit(pid, row["id"], "luck")
    return base_followers(pid, created) * 0.6 * TYPE_REACH.get(row["type"], 0.6) * hour * weekdays[local.weekday()] \
        * luck


def followers(pid: str, moment: dt.datetime, rows: list[Any], tz: dt.tzinfo, network: str) -> float:
    total = base_followers(pid, moment)
    for row in rows:
        hours = (moment - _created(row)).total_seconds() / 3600
        if hours > 0:
            total += 0.01 * potential(pid, row, tz, network) * spread(hours)
    return total


def post_figures(pid: str, row: Any, moment: dt.datetime, tz: dt.tzinfo, network: str) -> dict[str, float]:
    hours = (moment - _created(row)).total_seconds() / 3600
    reach = math.floor(potential(pid, row, tz, network) * spread(hours))
    kind = row["type"]

    def noisy(name: str, low: float = 0.5, width: float = 1.0) -> float:
        return low + width * unit(pid, row["id"], name)

    views = math.floor(reach * noisy("views", 1.25, 0.5))
    figures = {
        "reach": reach, "views": views,
        "likes": math.floor(reach * LIKE_RATE.get(kind, 0.05) * noisy("likes", 0.7, 0.6)),
        "comments": math.floor(reach * 0.006 * noisy("comments")),
        "shares": math.floor(reach * 0.004 * noisy("shares")),
        "saves": math.floor(reach * (0.012 if kind in ("image", "carousel", "reel") else 0.004) * noisy("saves")),
        "quotes": math.floor(reach * 0.001 * noisy("quotes")),
    }
    if kind in ("video", "reel", "live"):
        figures["video_views"] = math.floor(views * 0.65)
    if row["link"]:
        figures["link_clicks"] = math.floor(reach * 0.03 * noisy("clicks"))
    return figures


def audience(pid: str, total: float, dimensions: tuple[str, ...]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for dimension in dimensions:
        if dimension == "age_gender":
            ages, genders = _shares(pid, "age"), _shares(pid, "gender")
            out[dimension] = {f"{g}:{a}": float(round(total * gs * as_)) for g, gs in genders.items()
                              for a, as_ in ages.items()}
        elif dimension in AUDIENCE:
            out[dimension] = {bucket: float(round(total * share)) for bucket, share in _shares(pid, dimension).items()}
    return out


def _shares(pid: str, dimension: str) -> dict[str, float]:
    weights = {b: w * (0.85 + 0.3 * unit(pid, dimension, b)) for b, w in AUDIENCE[dimension].items()}
    whole = sum(weights.values())
    return {b: w / whole for b, w in weights.items()}


def simulate(path: Path, profile: Any, publications: list[Publication], *, now: dt.datetime) -> Figures:
    """The figures the sandbox reports at ``now`` for ``profile`` and its ``publications`` (remote id = the
    sandbox's post row id)."""
    imitated = NETWORKS.get(profile.rules_network)
    network = profile.rules_network if imitated and imitated.metrics else "sandbox"
    caps = NETWORKS[network].metrics
    tz = _tz(profile)
    pid = profile.id
    rows: list[Any] = []
    if Path(path).exists():
        conn = sqlite3.connect(path, timeout=30.0)
        conn.row_factory = sqlite3.Row
        try:
            rows = [r for r in conn.execute(
                "SELECT id, type, link, created_at FROM posts WHERE profile = ? ORDER BY id", (pid,))]
        finally:
            conn.close()
    rows = [r for r in rows if _created(r) <= now]
    by_id = {str(r["id"]): r for r in rows}
    figures = Figures()
    for pub in publications:
        row = by_id.get(pub.remote_id)
        if row is None:
            figures.gone.add(pub.remote_id)
            figures.missing.append(f"post {pub.remote_id} is no longer on the network")
            continue
        for column, value in post_figures(pid, row, now, tz, network).items():
            if column in caps.post:
                figures.post(pub.remote_id, column, value)
    total = followers(pid, now, rows, tz, network)
    account = {"followers": math.floor(total), "follows": 50 + math.floor(150 * unit(pid, "follows") + _days(now) / 10),
               "posts": len(rows)}
    for column, value in account.items():
        if column in caps.profile:
            figures.account(column, value)
    today = now.astimezone(dt.UTC).date()
    for back in (3, 2, 1):
        day = today - dt.timedelta(days=back)
        start = dt.datetime.combine(day, dt.time(), dt.UTC)
        f_start = followers(pid, start, rows, tz, network)
        f_end = followers(pid, start + dt.timedelta(days=1), rows, tz, network)
        lost = math.floor(f_end * 0.0006 * (0.5 + unit(pid, day, "lost")))
        gained = max(0, math.floor(f_end) - math.floor(f_start) + lost)
        if "gained" in caps.daily:
            figures.day(day, "gained", gained)
        if "lost" in caps.daily:
            figures.day(day, "lost", lost)
    figures.audience.update(audience(pid, total, caps.demographics))
    if "online_hour" in caps.demographics:
        figures.audience["online_hour"] = online(pid, total, tz, today)
    return figures
