"""The report's first screen: the month against the month before, and the three things to do next.

The comparison counts what the report's sections count (publications with figures, their engagement and mean
rate, the followers' change); the things to do come from ``socialops.metrics.advice`` (what ``socialops tune``
proposes as a pull request), topped up with the best hour still to be tried where the estimate is unsure.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Mapping
from typing import Any

from socialops.metrics.advice import advise
from socialops.metrics.tables import num

THINGS_TO_DO = 3


def month_before(start: dt.datetime) -> dt.datetime:
    last = (start - dt.timedelta(days=1)).replace(day=1)
    return last.replace(hour=0, minute=0, second=0, microsecond=0)


def _follower_change(followers: Iterable[Mapping[str, str]], first_day: dt.date, last_day: dt.date) -> float | None:
    """Summed over profiles: the last count in the month minus the last one before it (or the month's first)."""
    series: dict[str, list[tuple[str, float]]] = {}
    for row in followers:
        count = num(row.get("followers"))
        if count is not None and row.get("date", "") <= last_day.isoformat():
            series.setdefault(row["profile"], []).append((row["date"], count))
    total, seen = 0.0, False
    for points in series.values():
        points.sort()
        before = [v for d, v in points if d < first_day.isoformat()]
        inside = [v for d, v in points if d >= first_day.isoformat()]
        if inside:
            total += inside[-1] - (before[-1] if before else inside[0])
            seen = True
    return total if seen else None


def _figures(posts: list[Any], followers: Iterable[Mapping[str, str]], start: dt.datetime,
             end: dt.datetime) -> dict[str, float | None]:
    month = [p for p in posts if start <= p.published < end]
    rates = [p.rate for p in month if p.rate is not None]
    return {"posts": float(len(month)), "engagement": sum(p.engagement or 0 for p in month) if month else None,
            "rate": statistics.fmean(rates) if rates else None,
            "followers": _follower_change(followers, start.date(), (end - dt.timedelta(days=1)).date())}


def _change(now: float | None, before: float | None, percent_points: bool = False) -> str:
    if now is None or before is None:
        return "–"
    if percent_points:
        return f"{(now - before) * 100:+.2f} points"
    return f"{(now - before) / before * 100:+.0f} %" if before else "new"


def comparison(m: Any, fmt_n: Any, fmt_pct: Any) -> list[str]:
    """The table of this month against the month before (``m``: the report's month)."""
    previous = month_before(m.start)
    now = _figures(m.posts, m.followers.values(), m.start, m.end)
    before = _figures(m.posts, m.followers.values(), previous, m.start)
    rows = [("publications with figures", "posts", fmt_n, False), ("engagement", "engagement", fmt_n, False),
            ("mean engagement rate", "rate", lambda v: fmt_pct(v, 2), True),
            ("followers gained (net)", "followers", fmt_n, False)]
    md = [f"| | {m.name} | {previous:%Y-%m} | change |", "|---|---|---|---|"]
    md += [f"| {label} | {fmt(now[key])} | {fmt(before[key])} | {_change(now[key], before[key], points)} |"
           for label, key, fmt, points in rows]
    return md


def things_to_do(m: Any) -> list[str]:
    """Up to ``THINGS_TO_DO`` points, most telling first."""
    advice = advise(m.schedule, m.post_rows.values(), m.audience.values(), now=m.end, networks=m.pooled)
    out = advice.actions()
    for pid, found in sorted(m.best.items(), key=lambda kv: kv[1].confidence):
        if len(out) >= THINGS_TO_DO:
            break
        if found.reason or not found.best_hours:
            continue
        hour, _, tried = next(h for h in found.hours if h[0] == found.best_hours[0])
        source = "when its followers are online" if found.basis == "audience" else "the estimate"
        out.append(f"{pid}: try {hour:02d}:00 more often ({source} puts it first; {tried} posts there so far, "
                   f"{found.level} confidence)")
    return out[:THINGS_TO_DO]


def summary_section(m: Any, fmt_n: Any, fmt_pct: Any) -> list[str]:
    """The report's first section."""
    md = ["## Summary", ""]
    todo = things_to_do(m) if m.profiles else []
    if todo:
        md += ["**Three things to do next**" if len(todo) == THINGS_TO_DO else "**What to do next**", ""]
        md += [f"{n}. {text}" for n, text in enumerate(todo, 1)] + [""]
        md += ["`socialops tune --pull-request` proposes the plan changes among them as a pull request (the "
               "metrics workflow does it on the first of the month).", ""]
    md += comparison(m, fmt_n, fmt_pct) + [""]
    return md
