"""The plan as an iCalendar feed: planned and published posts, and live sessions.

Every event has a stable UID, so a calendar app that subscribes to the file (or imports it again) updates
the events it has instead of adding copies:

- a post on a profile: ``<post id>.<profile id>@socialops`` (the same from draft to queued to published);
- a live session: ``<post id>.live@socialops``.

Times are written in UTC (every calendar app shows them in the viewer's own timezone), and the output is
the same bytes for the same repository, ledger and `now`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from socialops.core.times import parse_when
from socialops.errors import ContentError
from socialops.plan.queue import Slot, queue_state
from socialops.repository.posts import load_post
from socialops.repository.schedule import Schedule

UID_DOMAIN = "socialops"
POST_MINUTES = 15  # a post is shown as a short event
DEFAULT_LIVE_MINUTES = 60


@dataclass(frozen=True)
class LiveSession:
    post_id: str
    title: str
    starts_at: dt.datetime
    minutes: int
    url: str | None
    profiles: tuple[str, ...]
    status: str


def post_uid(post_id: str, profile: str) -> str:
    return f"{post_id}.{profile}@{UID_DOMAIN}"


def live_uid(post_id: str) -> str:
    return f"{post_id}.live@{UID_DOMAIN}"


def load_lives(root: Path, posts: list, tz) -> dict[str, LiveSession]:
    """The live sessions of the repository's live posts (only those files are read in full)."""
    out: dict[str, LiveSession] = {}
    for summary in sorted(posts, key=lambda p: p.path):
        if summary.type != "live" or not summary.id or summary.id in out:
            continue
        try:
            post = load_post(root, summary.path)
            starts = parse_when(post.live.get("starts_at"), tz)
        except (ContentError, ValueError):
            continue  # validate reports it
        if starts is None:
            continue
        minutes = post.live.get("duration_minutes")
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
            minutes = DEFAULT_LIVE_MINUTES
        url = post.live.get("url")
        out[summary.id] = LiveSession(summary.id, summary.title, starts, minutes,
                                      url if isinstance(url, str) and url.startswith(("https://", "http://")) else None,
                                      tuple(summary.profiles), summary.status)
    return out


def build_calendar(posts: list, profiles: Mapping[str, Any], schedule: Schedule, *, now: dt.datetime,
                   published: Mapping[tuple[str, str], dt.datetime] | None = None,
                   urls: Mapping[tuple[str, str], str] | None = None,
                   lives: Mapping[str, LiveSession] | None = None,
                   until: dt.datetime | None = None, since: dt.datetime | None = None, name: str = "Content plan"):
    """An icalendar.Calendar of timed posts (drafts as tentative), queued posts with their slots, published
    pairs (linking to the live post when the ledger has its address) and live sessions, from `since` (default:
    no limit) to `until` (default: the horizon, as publish sees it; queued posts are placed up to it too)."""
    from icalendar import Event

    feed = _collect(posts, profiles, schedule, now=now, published=published or {}, urls=urls or {}, lives=lives,
                    until=until, since=since)
    cal = _calendar(schedule, name)
    for uid in sorted(feed.events):
        summary, start, minutes, status, description, url, categories = feed.events[uid]
        event = Event()
        event.add("uid", uid)
        event.add("dtstamp", feed.stamp)
        event.add("dtstart", start)
        event.add("duration", dt.timedelta(minutes=minutes))
        event.add("summary", summary)
        event.add("status", status)
        event.add("transp", "TRANSPARENT")  # a post does not make anyone busy
        event.add("description", description)
        if url:
            event.add("url", url)
        if categories:
            event.add("categories", categories)
        cal.add_component(event)
    return cal


def calendar_bytes(*args, **kwargs) -> bytes:
    """build_calendar(...) serialised as an .ics file."""
    return build_calendar(*args, **kwargs).to_ical()


def _calendar(schedule: Schedule, name: str):
    from icalendar import Calendar, vText

    cal = Calendar()
    cal.add("prodid", "-//socialops//content plan//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", schedule.tz.key)
    cal.add("x-published-ttl", vText("PT1H"))
    return cal


def _collect(posts: list, profiles: Mapping[str, Any], schedule: Schedule, *, now: dt.datetime,
             published: Mapping[tuple[str, str], dt.datetime], urls: Mapping[tuple[str, str], str],
             lives: Mapping[str, LiveSession] | None, until: dt.datetime | None, since: dt.datetime | None) -> _Feed:
    """The feed's events by UID (see build_calendar)."""
    state = queue_state(posts, profiles, schedule, now=now, published=published, until=until)
    feed = _Feed(stamp=now.astimezone(dt.UTC).replace(microsecond=0), since=since,
                 last=until if until is not None else now + dt.timedelta(days=schedule.horizon_days))

    by_id: dict[str, Any] = {}
    for post in sorted(posts, key=lambda p: p.path):
        if post.id and not post.error and post.id not in by_id:
            by_id[post.id] = post
    occurrences = {p.id: p for p in state.posts if p.id and p.id not in by_id}  # recurring and evergreen

    def network(pid: str) -> str:
        profile = profiles.get(pid)
        return f" ({profile.network})" if profile is not None and getattr(profile, "network", "") else ""

    for (post_id, pid), slot in state.result.items():
        _add_pair(feed, post_id, pid, slot, by_id.get(post_id) or occurrences.get(post_id), f"Profile: {pid}{network(pid)}", urls, schedule.tz)

    # Published pairs of posts that are no longer in content/ stay in the calendar.
    for (post_id, pid), when in published.items():
        if (post_id, pid) not in state.result:
            url = urls.get((post_id, pid)) or None
            feed.add(post_uid(post_id, pid), f"Published: {post_id} ({pid})", when, POST_MINUTES, "CONFIRMED",
                     [f"Published {when.astimezone(schedule.tz):%Y-%m-%d %H:%M}" + (f": {url}" if url else ""),
                      f"Profile: {pid}{network(pid)}"], url)

    # Timed drafts: shown as tentative so the team sees what is coming.
    for post in by_id.values():
        if post.status == "ready" or post.publish_ts is None:
            continue
        at = dt.datetime.fromtimestamp(post.publish_ts, dt.UTC)
        for pid in dict.fromkeys(post.profiles):
            uid = post_uid(post.id, pid)
            if uid not in feed.events:
                feed.add(uid, f"Draft: {post.title} ({pid})", at, POST_MINUTES, "TENTATIVE",
                         ["Draft: not published until its status is ready", f"Profile: {pid}{network(pid)}",
                          f"Type: {post.type}", f"Pillar: {post.pillar or '-'}", f"File: {post.path}"],
                         None, [post.pillar] if post.pillar else None)

    for live in (lives or {}).values():
        where = ", ".join(live.profiles) or "-"
        summary = live.title if live.title.lower().startswith("live") else f"Live: {live.title}"
        feed.add(live_uid(live.post_id), summary, live.starts_at, live.minutes,
                 "CONFIRMED" if live.status == "ready" else "TENTATIVE",
                 [f"Live session on {where}, {live.minutes} minutes"] + ([f"Watch: {live.url}"] if live.url else []),
                 live.url)

    return feed


@dataclass
class _Feed:
    """The events of the calendar by UID, kept to the range asked for."""

    stamp: dt.datetime
    last: dt.datetime
    since: dt.datetime | None
    events: dict[str, Any] = field(default_factory=dict)

    def add(self, uid: str, summary: str, start: dt.datetime, minutes: int, status: str, description: list[str],
            url: str | None = None, categories: list[str] | None = None) -> None:
        if start > self.last or (self.since is not None and start < self.since):
            return  # keep the feed to the range asked for
        if url and ("\n" in url or "\r" in url):
            url = None  # an address cut in two is none (a line break would end the calendar's line)
        self.events[uid] = (summary, start.astimezone(dt.UTC).replace(microsecond=0), minutes, status,
                            "\n".join(description), url, categories)


def _add_pair(feed: _Feed, post_id: str, pid: str, slot: Slot, post: Any, profile_line: str,
              urls: Mapping[tuple[str, str], str], tz: Any) -> None:
    """The event of one (post, profile) pair with its time: published, queued or timed."""
    title = post.title if post else post_id
    lines = [profile_line]
    if post is not None:
        lines += [f"Type: {post.type}", f"Pillar: {post.pillar or '-'}", f"File: {post.path}"]
    url = None
    if slot.published_at is not None:
        url = urls.get((post_id, pid)) or None
        lines.insert(0, f"Published {slot.published_at.astimezone(tz):%Y-%m-%d %H:%M}" + (f": {url}" if url else ""))
        summary, status, start = f"Published: {title} ({pid})", "CONFIRMED", slot.published_at
    elif slot.source == "queue":
        lines.insert(0, "Queued: takes this slot unless posts before it in the queue change")
        summary, status, start = f"Queued: {title} ({pid})", "TENTATIVE", slot.at
    else:
        summary, status, start = f"{title} ({pid})", "CONFIRMED", slot.at
    feed.add(post_uid(post_id, pid), summary, start, POST_MINUTES, status, lines, url,
             [post.pillar] if post is not None and post.pillar else None)
