"""What the site shows, gathered once from the repository: the posts as each profile receives them, where
each (post, profile) pair stands in the ledger, empty slots, blackouts and live sessions.

Drafts and posts marked `internal: true` stay out of a public site; `site.private: true` in schedule.yaml
(a Pages site only the organisation can see) lets them in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from socialops.content.preview import PostPreview
from socialops.content.preview import build as build_previews
from socialops.core.times import parse_utc
from socialops.core.workers import in_this_process
from socialops.plan.cadence import Blackout, blackouts
from socialops.plan.calendar import LiveSession, load_lives
from socialops.plan.published import load_plan_config, weeks_to_cover_horizon
from socialops.plan.view import build_plan
from socialops.repository.index import load_index
from socialops.repository.posts import read_once
from socialops.repository.recurrence import base_id
from socialops.repository.schedule import SiteSettings
from socialops.state.publications import (
    FAILED,
    HANDED,
    MISSED,
    PUBLISHED,
    SKIPPED,
    UNCONFIRMED,
    Ledger,
    published_times,
    task_times,
)

# Where a pair stands, as the calendar colours it.
PLANNED, DONE, LATE, DRAFT, EMPTY, LIVE = "planned", "published", "missed", "draft", "empty", "live"
TASK = "by-hand"  # a manual task handed to a person, waiting for /done


@dataclass(frozen=True)
class Entry:
    """One thing on the calendar, at a time in the plan's timezone."""

    at: dt.datetime
    kind: str  # PLANNED, DONE, LATE, DRAFT, EMPTY, LIVE or TASK
    profile: str
    post_id: str | None = None
    title: str = ""
    thumb: str | None = None  # the post's first image, site-relative
    url: str | None = None  # the live post on the network


@dataclass
class SiteData:
    brand: str
    tz: Any
    now: dt.datetime
    settings: SiteSettings
    profiles: dict[str, Any]  # id -> Profile
    posts: list[PostPreview]
    entries: list[Entry]
    blackouts: list[Blackout]
    lives: dict[str, LiveSession]
    plan: dict[str, Any]
    schedule: Any  # repository.schedule.Schedule
    summaries: list  # the index, as repository.index loaded it
    states: dict  # the ledger's state of each (post id, profile) pair (Ledger.state())
    tags: dict[str, list[str]] = field(default_factory=dict)  # post id -> tags
    left_out: int = 0  # drafts and internal posts not shown


def gather(root: Path, *, now: dt.datetime, brand: str, private_repository: bool) -> SiteData:
    # Each post is read once for the index, validate and the preview: the index reads them in this process
    # (a forked worker's reading would be lost to the next steps); validate's workers inherit them.
    with read_once():
        return _gather(root, now, brand, private_repository)


def _gather(root: Path, now: dt.datetime, brand: str, private_repository: bool) -> SiteData:
    config = load_plan_config(root)
    settings = config.schedule.site
    if settings.media is None:
        settings = SiteSettings(settings.private, media=not private_repository)
    tz = config.tz
    with in_this_process():
        summaries = load_index(root, config.schedule.zones)
    states = Ledger(root).state()  # read once: the previews, the calendar and the feed use it
    previews = build_previews(root, sorted(s.path for s in summaries if s.id and not s.error), now=now,
                              summaries=summaries, states=states)
    shown = [p for p in previews if settings.private or (p.status != "draft" and not p.internal)]
    tasks = {pair: "waiting" if st.status == HANDED else "skipped" for pair, st in states.items()
             if st.status in (HANDED, SKIPPED)}
    held = {**published_times(states), **task_times(states)}  # manual tasks keep the slot they were handed at
    plan = build_plan(summaries, config.profiles, config.schedule, now=now,
                      weeks=weeks_to_cover_horizon(now, config), published=held, tasks=tasks)
    drafts_at = {s.id: dt.datetime.fromtimestamp(s.publish_ts, tz) for s in summaries
                 if s.status == "draft" and s.publish_ts is not None}
    entries = _post_entries(shown, tz, drafts_at) + _empty_slots(plan, tz)
    shown_ids, known_ids = {p.post_id for p in shown}, {p.post_id for p in previews}
    entries += _occurrences(plan, {p.post_id: p for p in shown}, {(e.profile, e.at) for e in entries}, tz)
    first_shown: dict[str | None, PostPreview] = {}  # by id (a duplicate id: the first file, as validate says)
    for p in shown:
        first_shown.setdefault(p.post_id, p)
    for (post_id, pid), state in states.items():  # published posts whose files are gone stay on the calendar
        if post_id not in known_ids and state.status == PUBLISHED and state.published_at:
            # a recurring post's occurrences (<id>@<time>) are its own; looked up, not searched for: a weekly
            # post has 50 a year, each searched through all posts
            post = first_shown.get(base_id(post_id)) if "@" in post_id else None
            entries.append(Entry(state.published_at.astimezone(tz), DONE, pid, post.post_id if post else None,
                                 post.title if post else post_id, url=state.url or None))
    lives = {k: v for k, v in load_lives(root, summaries, tz).items() if k in shown_ids}
    entries += [Entry(live.starts_at.astimezone(tz), LIVE, pid, live.post_id, live.title, url=live.url)
                for live in lives.values() for pid in live.profiles]
    entries.sort(key=lambda e: (e.at, e.profile, e.kind))
    tags = {p.post_id: sorted({t for item in p.profiles if item.rendered for t in item.rendered.tags})
            for p in shown if p.post_id}
    return SiteData(brand, tz, now, settings, dict(config.profiles), shown, entries, blackouts(config.schedule),
                    lives, plan, config.schedule, summaries, states, tags, len(previews) - len(shown))


def _post_entries(previews: list[PostPreview], tz, drafts_at: dict[str, dt.datetime]) -> list[Entry]:
    """Each pair where the ledger or the plan puts it; a timed draft at its publish_at (the plan skips drafts)."""
    out = []
    for post in previews:
        for item in post.profiles:
            state, slot = item.state, item.slot
            if state is not None and state.status == PUBLISHED:
                at, kind = state.published_at or (slot.at if slot else None), DONE
            elif state is not None and state.status in (MISSED, FAILED, UNCONFIRMED):
                at, kind = (slot.at if slot else state.outcome_at), LATE
            elif state is not None and state.status in (HANDED, SKIPPED):
                if state.status == SKIPPED:
                    continue  # a person said it will not be done
                at, kind = parse_utc(state.task.get("for")) or (slot.at if slot else None), TASK
            else:
                at = slot.at if slot else drafts_at.get(post.post_id or "")
                kind = DRAFT if post.status == "draft" else PLANNED
            if at is not None:
                out.append(Entry(at.astimezone(tz), kind, item.profile_id, post.post_id, post.title,
                                 url=(state.url or None) if state is not None else None))
    return out


def _occurrences(plan: dict[str, Any], shown: dict[str | None, PostPreview], taken: set, tz) -> list[Entry]:
    """The coming times of recurring and evergreen posts beyond their next one (which the preview gives)."""
    out = []
    for view in plan["profiles"]:
        for week in view["weeks"]:
            for e in week["entries"]:
                post = shown.get(base_id(e.get("post") or "")) if "@" in (e.get("post") or "") else None
                at = dt.datetime.fromisoformat(e["at"]).astimezone(tz)
                if post is not None and e.get("source") in ("timed", "queue") and (view["id"], at) not in taken:
                    out.append(Entry(at, PLANNED, view["id"], post.post_id, post.title))
    return out


def _empty_slots(plan: dict[str, Any], tz) -> list[Entry]:
    return [Entry(dt.datetime.fromisoformat(gap["at"]).astimezone(tz), EMPTY, gap["profile"],
                  title="empty slot") for gap in plan["gaps"]]
