"""Per-post figures on the post's pull request: after 24 hours and after 7 days, the merged pull request that
added a post gets one comment (kept up to date, never a second one) with its figures per profile against the
profile's median post of the last ``MEDIAN_DAYS`` days.

The pull request is found from the commit that added the post's file (``git log --diff-filter=A``) and GitHub's
``GET commits/{sha}/pulls``; a post that came without a pull request (pushed to main) gets no comment. Posts
older than ``LAST_UPDATE`` are left alone, so their comment keeps its 7-day figures.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialops.core.times import parse_utc
from socialops.metrics.tables import METRICS_DIR, POSTS, num, read_table
from socialops.repository.git import git
from socialops.repository.index import load_index
from socialops.repository.recurrence import base_id
from socialops.tracker.interface import Tracker
from socialops.tracker.proposals import merged_pull_of_commit

FIRST = dt.timedelta(hours=24)
SECOND = dt.timedelta(days=7)
LAST_UPDATE = dt.timedelta(days=8)
MEDIAN_DAYS = 90


@dataclass(frozen=True)
class Commented:
    post_id: str
    pull_request: int
    result: str  # created, updated or unchanged


def marker(post_id: str) -> str:
    return f"figures-{post_id}"


def _medians(rows: list[Mapping[str, str]], now: dt.datetime) -> dict[str, tuple[float | None, float | None]]:
    oldest = now - dt.timedelta(days=MEDIAN_DAYS)
    values: dict[str, tuple[list[float], list[float]]] = {}
    for row in rows:
        at = parse_utc(row.get("published_at"))
        if at is None or not oldest <= at <= now or row.get("status") == "deleted":
            continue
        engagement, rate = values.setdefault(row["profile"], ([], []))
        for target, value in ((engagement, num(row.get("engagement"))), (rate, num(row.get("engagement_rate")))):
            if value is not None:
                target.append(value)
    return {pid: (statistics.median(e) if e else None, statistics.median(r) if r else None)
            for pid, (e, r) in values.items()}


def _against(value: float | None, median: float | None) -> str:
    if value is None or not median:
        return "–"
    return f"{(value / median - 1) * 100:+.0f} %"


def figures_comment(post_id: str, rows: list[Mapping[str, str]], medians: Mapping[str, tuple], age: str) -> str:
    """The comment's text: one row per profile, engagement and rate against the profile's median post."""
    lines = [f"### How `{post_id}` did after {age}", "",
             "| profile | reach | engagement | vs median | rate | vs median | |", "|---|---|---|---|---|---|---|"]
    for row in sorted(rows, key=lambda r: r["profile"]):
        median_e, median_r = medians.get(row["profile"], (None, None))
        rate = num(row.get("engagement_rate"))
        link = f"[post]({row['url']})" if row.get("url", "").startswith("https://") else ""
        lines.append(f"| {row['profile']} | {row.get('reach') or '–'} | {row.get('engagement') or '–'} | "
                     f"{_against(num(row.get('engagement')), median_e)} | "
                     f"{'–' if rate is None else f'{rate * 100:.2f} %'} | {_against(rate, median_r)} | {link} |")
    lines += ["", f"Against each profile's median post of the last {MEDIAN_DAYS} days (`metrics/posts.csv`). "
              "Updated by the metrics workflow at 24 hours and at 7 days."]
    return "\n".join(lines) + "\n"


def _added_by(root: Path, rel: str) -> str:
    """The commit that added ``rel`` (the oldest one that did), or ""."""
    done = git(root, "log", "--diff-filter=A", "--format=%H", "--", rel, check=False)
    shas = done.stdout.split() if done.returncode == 0 else []
    return shas[-1] if shas else ""


def comment_post_figures(root: Path, tracker: Tracker, *, now: dt.datetime, tz: Any) -> list[Commented]:
    """Create or update the figures comment of every post between 24 hours and 8 days old."""
    root = Path(root)
    rows = list(read_table(root / METRICS_DIR, POSTS).values())
    by_post: dict[str, list[Mapping[str, str]]] = {}
    for row in rows:
        if row.get("status") != "deleted" and parse_utc(row.get("published_at")) is not None:
            by_post.setdefault(row["post_id"], []).append(row)
    due = {}
    for post_id, mine in by_post.items():
        age = now - min(parse_utc(r["published_at"]) for r in mine)
        if FIRST <= age <= LAST_UPDATE:
            due[post_id] = "7 days" if age >= SECOND else "24 hours"
    if not due:
        return []
    bases = {base_id(post_id) for post_id in due}  # an occurrence's figures go to its post's pull request
    paths = {s.id: s.path for s in load_index(root, tz) if s.id in bases}
    medians = _medians(rows, now)
    out = []
    for post_id, age in sorted(due.items()):
        path = paths.get(base_id(post_id))
        number = merged_pull_of_commit(tracker, _added_by(root, path)) if path else None
        if number is not None:
            body = figures_comment(post_id, by_post[post_id], medians, age)
            out.append(Commented(post_id, number, tracker.upsert_pr_comment(number, marker(post_id), body)))
    return out
