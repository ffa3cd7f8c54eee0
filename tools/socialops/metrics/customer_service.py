"""The report's customer-service section: what reached the inbox each week (comments, reviews, mentions,
messages), the reviews' average rating and its trend, the time to the first reply, and what is unanswered.

Everything comes from ``state/``: the seen-log ``state/comments.csv`` (every item once, and whether it got an
issue), ``state/inbox.csv`` (which of them were reviews, mentions or messages, and a review's stars) and
``state/moderation.csv`` (what people did in the issues, when). The three join on the keyed hash of the item,
so no name or text is needed. The seen-log keeps lines for the profile's retention window (90 days by
default): a report of an older month counts what is left.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from socialops.core.times import parse_utc
from socialops.state.comments import comments_log, moderation_log
from socialops.state.inbox import inbox_log

KINDS = ("comment", "review", "mention", "message")
PERSON_ACTIONS = frozenset({"reply", "hide", "delete", "block", "dismiss"})  # what answers a flagged item
AUTO_ACTOR = "socialops (hide rule)"


def _kind(kind: str) -> str:
    return "mention" if kind == "quote" else kind if kind in KINDS else "comment"


def inbox_items(root: Path) -> list[dict[str, Any]]:
    """Every item of the seen-log with its time, kind, stars, whether it was flagged, and the time of its first
    reply and of the first thing a person did about it (None when nothing yet)."""
    kinds = {(r["profile"], r["item"]): r for r in inbox_log(root).rows()}
    replies: dict[tuple[str, str], dt.datetime] = {}
    handled: dict[tuple[str, str], dt.datetime] = {}
    for row in moderation_log(root).rows():
        when = parse_utc(row["time"])
        if when is None or row["result"] != "done" or row["actor"] == AUTO_ACTOR or row["action"] not in PERSON_ACTIONS:
            continue
        key = (row["profile"], row["comment"])
        handled[key] = min(handled.get(key, when), when)
        if row["action"] == "reply":
            replies[key] = min(replies.get(key, when), when)
    items = []
    for row in comments_log(root).rows():
        when = parse_utc(row["time"])
        if when is None:
            continue
        key = (row["profile"], row["comment"])
        extra = kinds.get(key, {})
        stars = extra.get("stars", "")
        items.append({"time": when, "profile": row["profile"], "kind": _kind(extra.get("kind", "")),
                      "stars": int(stars) if stars.isdigit() else None, "flagged": _flagged(row),
                      "replied": replies.get(key), "handled": handled.get(key)})
    return items


def _flagged(row: dict[str, str]) -> bool:
    """Needed a person: an issue of its own, or a digest line of a flagged category (past the issue cap). A digest
    line of praise and chatter ("other") reached a person too, but waits for no answer."""
    return row["action"] == "issue" or (row["action"] == "digest" and row.get("category", "other") != "other")


def _hours(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def customer_service_section(root: Path, start: dt.datetime, end: dt.datetime, tz: Any,
                             table: Callable[[list[str], list[list[str]]], list[str]],
                             profiles: Collection[str] | None = None) -> list[str]:
    """The section's Markdown lines for the month [start, end) (``table`` draws the report's tables);
    ``profiles``: only theirs (a brand's report)."""
    items = [i for i in inbox_items(root) if profiles is None or i["profile"] in profiles]
    month = [i for i in items if start <= i["time"] < end]
    md = ["## Customer service", ""]
    if not month:
        return md + ["Nothing reached the inbox this month (comments, reviews, mentions and messages are read by "
                     "the comments workflow).", ""]
    weeks: dict[str, Counter[str]] = {}
    for item in month:
        year, week, _ = item["time"].astimezone(tz).isocalendar()
        weeks.setdefault(f"{year}-W{week:02d}", Counter()).update([item["kind"]] + (["flagged"] if item["flagged"] else []))
    md += ["What reached the inbox, by ISO week (flagged: became an issue or a digest line):", ""]
    md += table(["week", "comments", "reviews", "mentions", "messages", "flagged"],
                [[w, *(str(c[k]) for k in KINDS), str(c["flagged"])] for w, c in sorted(weeks.items())])
    md += [""] + _reviews(items, month, start) + _replies(month, end)
    return md


def _reviews(items: list[dict[str, Any]], month: list[dict[str, Any]], start: dt.datetime) -> list[str]:
    rated = [i["stars"] for i in month if i["kind"] == "review" and i["stars"]]
    if not rated:
        return []
    before = [i["stars"] for i in items if i["kind"] == "review" and i["stars"]
              and start - dt.timedelta(days=31) <= i["time"] < start]
    average = statistics.fmean(rated)
    line = f"**Reviews:** {len(rated)} rated, average **{average:.1f}** of 5"
    if before:
        change = average - statistics.fmean(before)
        trend = "up" if change > 0.05 else "down" if change < -0.05 else "steady"
        line += f" ({trend}: {statistics.fmean(before):.1f} in the 31 days before, {change:+.1f})"
    low = sum(1 for s in rated if s <= 2)
    return [line + f"; {low} of 1-2 stars." if low else line + ".", ""]


def _replies(month: list[dict[str, Any]], end: dt.datetime) -> list[str]:
    flagged = [i for i in month if i["flagged"]]
    if not flagged:
        return []
    waits = sorted(i["replied"] - i["time"] for i in flagged if i["replied"])
    md = []
    if waits:
        within = sum(1 for w in waits if w <= dt.timedelta(hours=24))
        md.append(f"**Time to first reply** (from when socialops saw it to the `/reply`): median "
                  f"{_hours(statistics.median(waits))}, {within} of {len(waits)} within 24 hours.")
    open_items = [i for i in flagged if not i["handled"] or i["handled"] >= end]
    if open_items:
        by_kind = Counter(i["kind"] for i in open_items)
        oldest = min(i["time"] for i in open_items)
        md.append(f"**Unanswered** at the end of the month: {len(open_items)} of {len(flagged)} flagged ("
                  + ", ".join(f"{n} {k}{'s' if n > 1 else ''}" for k, n in sorted(by_kind.items()))
                  + f"); the oldest waits since {oldest.date().isoformat()}.")
    else:
        md.append(f"**Unanswered:** none; all {len(flagged)} flagged items were handled.")
    return md + [""]
