"""The queue: when each ready (post, profile) pair goes out (resolve_times), and every slot and what fills it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from socialops.core.times import parse_when
from socialops.plan.cadence import (
    Blackout,
    CadenceRule,
    CadenceSlot,
    blackouts,
    cadence_rules,
    generate_slots,
    profile_tz,
    window_of,
)
from socialops.plan.recurring import expand, not_before
from socialops.repository.schedule import Schedule


@dataclass(frozen=True)
class Slot:
    """When a (post, profile) pair goes out. `source`: "timed" (publish_at) or "queue" (a cadence slot).

    For a pair already published, `published_at` is when it went out and `at` the time it was planned for:
    publish_at, or the cadence slot it filled."""

    at: dt.datetime
    source: str
    published_at: dt.datetime | None = None


@dataclass
class Occurrence:
    """A post fixed in time for a profile: timed and ready, or already published."""

    key: tuple[str, str]
    at: dt.datetime
    published: bool
    slot: CadenceSlot | None = None


@dataclass
class QueueState:
    """Everything resolve_times works out; the plan reads it to show slots, gaps and collisions."""

    start: dt.datetime
    end: dt.datetime
    result: dict[tuple[str, str], Slot]
    slots: dict[str, list[CadenceSlot]]
    occurrences: dict[str, list[Occurrence]]
    unplaced: list[tuple[str, str]]  # queued pairs with no free slot until `end` (or no cadence)
    order: list[str]  # queued post ids in queue order
    rules: dict[str, list[CadenceRule]]
    blackouts: list[Blackout]
    posts: list  # the posts with recurring and evergreen posts' occurrences (plan.recurring.expand)


def created_time(value: Any, tz: ZoneInfo) -> dt.datetime | None:
    """The `created` key of a post ('YYYY-MM-DD HH:MM' in the plan's timezone) as an aware time, or None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), tz)
    text = str(value).strip()
    try:
        return parse_when(text, tz)
    except ValueError:
        pass
    try:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), tz)
    except ValueError:
        pass
    try:  # a time in the autumn overlap: the first of the two is as good as any for ordering
        return dt.datetime.fromisoformat(text).replace(tzinfo=tz)
    except ValueError:
        return None


def queue_order_key(post: Any, tz: ZoneInfo) -> tuple:
    """Queued posts take slots in this order: by `created` (oldest first; posts without it after those with
    it), then by id."""
    created = created_time(post.created, tz)
    return (created is None, created.timestamp() if created else 0.0, post.id or "")


def _match(occurrences: list[Occurrence], slots: list[CadenceSlot]) -> None:
    """Fill slots with fixed posts. First a post at exactly a slot's time takes it; then each remaining
    post takes the nearest free slot of its window (its day, or its week for per_week slots), nearest
    pairs first. Posts left over are extras; two at the same minute collide."""
    by_time = {s.at: s for s in slots}
    for occ in sorted(occurrences, key=lambda o: (o.at, o.key)):
        slot = by_time.get(occ.at)
        if slot is not None and slot.occupant is None:
            slot.occupant, slot.how, occ.slot = occ.key, "published" if occ.published else "timed", slot
    rest = [o for o in occurrences if o.slot is None]
    if not rest:
        return
    by_window: dict[tuple, list[CadenceSlot]] = {}
    for s in slots:
        if s.occupant is None:
            by_window.setdefault(s.window, []).append(s)
    candidates = []
    for occ in rest:
        day = occ.at.date()  # occurrences and slots are both in the profile's timezone
        for window in (("day", day), window_of("week", day)):
            for s in by_window.get(window, ()):
                candidates.append((abs((s.at - occ.at).total_seconds()), occ.at, s.at, occ.key, id(occ), occ, s))
    candidates.sort(key=lambda c: c[:4])
    for *_, occ, s in candidates:
        if occ.slot is None and s.occupant is None:
            s.occupant, s.how, occ.slot = occ.key, "published" if occ.published else "timed", s


def queue_state(posts: list, profiles: Mapping[str, Any], schedule: Schedule, *, now: dt.datetime,
                published: Mapping[tuple[str, str], dt.datetime] | None = None, until: dt.datetime | None = None,
                best_hours: Mapping[str, Any] | None = None) -> QueueState:
    """resolve_times with its working: every slot and what fills it. See resolve_times for the rule."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    published = published or {}
    plan_tz = schedule.tz
    start = now - schedule.late_window
    end = until if until is not None else now + dt.timedelta(days=schedule.horizon_days)
    rules = cadence_rules(schedule, best_hours)
    blackout_list = blackouts(schedule)
    tz_of = _timezones(profiles, schedule)

    # Fixed posts matter only near the slots considered: whole weeks around start..end, with a margin of
    # two days for profiles in other timezones. Others get their Slot but are not matched to slots.
    first_week = start.astimezone(plan_tz).date()
    first_week -= dt.timedelta(days=first_week.weekday() + 2)
    near = (dt.datetime.combine(first_week, dt.time(), plan_tz).timestamp(),
            (end + dt.timedelta(days=10)).timestamp())
    # Recurring posts' occurrences and evergreen posts' republications. Occurrences start a late window
    # before the queue: one that late is recorded missed (the missed-post policy), older ones are history
    # (a recurring post added today with a start long past must not report each earlier time missed).
    posts = expand(posts, published, plan_tz, lo=max(start - schedule.late_window,
                                                     dt.datetime.fromtimestamp(near[0], dt.UTC)),
                   hi=dt.datetime.fromtimestamp(near[1], dt.UTC))
    result, occurrences, queued, timed_ts = _fixed_posts(posts, published, tz_of, near)

    # Slots over whole weeks, so that every window (a day or an ISO week) is complete.
    slots: dict[str, list[CadenceSlot]] = {}
    for pid, profile_rules in rules.items():
        tz = tz_of(pid)
        first = start.astimezone(tz).date()
        first -= dt.timedelta(days=first.weekday())
        last = end.astimezone(tz).date()
        last += dt.timedelta(days=6 - last.weekday())
        profile_slots = generate_slots(profile_rules, tz, first, last, blackout_list, plan_tz)
        lo = dt.datetime.combine(first, dt.time(), tz)
        hi = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz)
        _match([o for o in occurrences.get(pid, ()) if lo <= o.at < hi], profile_slots)
        slots[pid] = profile_slots

    _keep_published_slots(result, published, occurrences, timed_ts, tz_of)
    queued.sort(key=lambda item: queue_order_key(item[0], plan_tz))
    unplaced = _take_free_slots(queued, slots, start, end, result)
    return QueueState(start=start, end=end, result=result, slots=slots, occurrences=occurrences,
                      unplaced=unplaced, order=[p.id for p, _ in queued], rules=rules, blackouts=blackout_list,
                      posts=posts)


def _timezones(profiles: Mapping[str, Any], schedule: Schedule) -> Callable[[str], ZoneInfo]:
    """profile id -> its timezone, each looked up once."""
    tzs: dict[str, ZoneInfo] = {}

    def tz_of(pid: str) -> ZoneInfo:
        found = tzs.get(pid)
        if found is None:
            found = tzs[pid] = profile_tz(profiles.get(pid), schedule)
        return found

    return tz_of


def _fixed_posts(posts: list, published: Mapping[tuple[str, str], dt.datetime], tz_of: Callable[[str], ZoneInfo],
                 near: tuple[float, float]):
    """The timed pairs (their Slot), the fixed posts near the slots per profile (timed or published, as
    Occurrences), the queued posts with their pairs still to publish, and every readable post's publish_at."""
    lo_ts, hi_ts = near
    result: dict[tuple[str, str], Slot] = {}
    occurrences: dict[str, list[Occurrence]] = {}
    queued: list[Any] = []
    timed_ts: dict[str, float | None] = {}
    for post in sorted(posts, key=lambda p: p.path):
        if not post.id or post.error or post.id in timed_ts:
            continue  # unreadable, or a duplicate id (validate reports it): the first file wins
        ts = post.publish_ts
        timed_ts[post.id] = ts
        if post.status != "ready":
            continue
        waiting = []
        is_near = ts is not None and lo_ts <= ts < hi_ts
        for pid in dict.fromkeys(post.profiles):
            key = (post.id, pid)
            if key in published:
                continue
            if ts is not None:
                at = dt.datetime.fromtimestamp(ts, tz_of(pid))
                result[key] = Slot(at, "timed")
                if is_near:
                    occurrences.setdefault(pid, []).append(Occurrence(key, at, False))
            else:
                waiting.append(pid)
        if waiting:
            queued.append((post, tuple(waiting)))
    for key, when in sorted(published.items(), key=lambda kv: (kv[1], kv[0])):
        if lo_ts <= when.timestamp() < hi_ts:
            pid = key[1]
            occurrences.setdefault(pid, []).append(Occurrence(key, when.astimezone(tz_of(pid)), True))
    return result, occurrences, queued, timed_ts


def _keep_published_slots(result: dict[tuple[str, str], Slot], published: Mapping[tuple[str, str], dt.datetime],
                          occurrences: Mapping[str, list[Occurrence]], timed_ts: Mapping[str, float | None],
                          tz_of: Callable[[str], ZoneInfo]) -> None:
    """Published pairs keep the slot they filled (or their publish_at)."""
    filled = {occ.key: occ.slot.at for occs in occurrences.values() for occ in occs
              if occ.published and occ.slot is not None}
    for key, when in published.items():
        if key[0] not in timed_ts:
            continue  # the post is gone from content/: it still filled its slot above
        ts = timed_ts[key[0]]
        if ts is not None:
            result[key] = Slot(dt.datetime.fromtimestamp(ts, tz_of(key[1])), "timed", published_at=when)
        else:
            result[key] = Slot(filled.get(key, when.astimezone(tz_of(key[1]))), "queue", published_at=when)


def _take_free_slots(queued: list, slots: Mapping[str, list[CadenceSlot]], start: dt.datetime, end: dt.datetime,
                     result: dict[tuple[str, str], Slot]) -> list[tuple[str, str]]:
    """The queue: in order, each pair takes its profile's next free slot from now - late window to `end`;
    then evergreen republications, each the first free slot from the end of its interval. Returns the pairs
    that found none."""
    free: dict[str, list[CadenceSlot]] = {
        pid: [s for s in profile_slots if s.occupant is None and start <= s.at <= end]
        for pid, profile_slots in slots.items()
    }
    cursor: dict[str, int] = dict.fromkeys(free, 0)
    unplaced: list[tuple[str, str]] = []
    again = []
    for post, pids in queued:
        if getattr(post, "not_before", None):
            again.append((post, pids))
            continue
        for pid in pids:
            key = (post.id, pid)
            options = free.get(pid)
            i = cursor.get(pid, 0)
            if not options or i >= len(options):
                unplaced.append(key)
                continue
            slot = options[i]
            cursor[pid] = i + 1
            slot.occupant, slot.how = key, "queue"
            result[key] = Slot(slot.at, "queue")
    for post, pids in again:
        for pid in pids:
            key, bound = (post.id, pid), not_before(post, pid)
            if bound > end.timestamp():
                continue  # comes back after the span: not a pair without a slot
            # The slots before the cursor were all taken above; later ones may be taken by earlier entries here.
            slot = next((s for s in free.get(pid, [])[cursor.get(pid, 0):]
                         if s.occupant is None and s.at.timestamp() >= bound), None)
            if slot is None:
                unplaced.append(key)
                continue
            slot.occupant, slot.how = key, "queue"
            result[key] = Slot(slot.at, "queue")
    return unplaced


def resolve_times(posts: list, profiles: Mapping[str, Any], schedule: Schedule, *, now: dt.datetime,
                  published: Mapping[tuple[str, str], dt.datetime] | None = None,
                  until: dt.datetime | None = None,
                  best_hours: Mapping[str, Any] | None = None) -> dict[tuple[str, str], Slot]:
    """When each ready (post id, profile) pair goes out: the one function behind plan, preview and publish.

    - A ready post with `publish_at` gets it for each of its profiles (source "timed").
    - A pair already published (`published`, from the ledger) keeps its time and is never queued again;
      `published_at` says when it went out.
    - Timed and published posts fill cadence slots: one at exactly a slot's time takes it, the others the
      nearest free slot of their window (the same day; the same week for per_week slots).
    - Ready posts without `publish_at` are queued by `created` (oldest first; posts without it last), then
      by id. In that order, each (post, profile) pair takes that profile's next free slot from
      `now - late_window` to `until` (default: now + horizon_days). Blackout days have no slots.
      Pairs with no free slot get no entry.
    Starting at now - late_window keeps a queued post on its slot after the slot's time until it is
    published (a late publish run still finds it due), so preview and publish agree.
    Drafts, unreadable posts and duplicate ids (all but the first file) get no entry. Pure: no clock, no files.
    """
    return queue_state(posts, profiles, schedule, now=now, published=published, until=until,
                       best_hours=best_hours).result
