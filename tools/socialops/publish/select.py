"""Which (post, profile) pairs are due now, and which are too late to post (missed).

A pair is due when its post is ready, its time (``publish_at``, or the queue slot ``plan.queue.resolve_times``
gives) has come, and the ledger does not show it published, unconfirmed or missed. A missed pair is due
again, once, when it has been given a new time or its post file has changed since the miss (the ``missed``
line records both). An open claim from another clone younger than the claim lease may belong to a run still
going there: that pair is left alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialops.metrics.best_times import load_best_hours
from socialops.plan import cadence
from socialops.plan.queue import resolve_times
from socialops.plan.recurring import comes_back, expand
from socialops.publish.leads import handover_lead
from socialops.publish.nothing_due import due_inputs_key, save_next_due
from socialops.publish.results import R_ELSEWHERE, PairResult, duration_words
from socialops.publish.tasks import next_reminder
from socialops.repository.recurrence import base_id, republication
from socialops.state.publications import (
    CLAIMED,
    FAILED,
    HANDED,
    MISSED,
    PUBLISHED,
    SCHEDULED,
    SKIPPED,
    UNCONFIRMED,
    PairState,
    Summary,
    task_times,
)

if TYPE_CHECKING:
    from socialops.networks.types import PublishRequest
    from socialops.repository.posts import Post


@dataclass
class Candidate:
    """A due pair on its way through the run: claimed, published, recorded."""

    post_id: str
    profile: str
    path: str
    at: dt.datetime
    state: PairState | None
    post: Post | None = None
    request: PublishRequest | None = None
    key: str = ""
    attempt: int = 0
    resume: dict[str, dict[str, Any]] = field(default_factory=dict)
    result: PairResult | None = None
    again: str = ""  # a missed pair due again: "time" (a new time) or "content" (its file changed)


def due_slots(root: Path, summaries: list, profiles: Mapping[str, Any], schedule: Any, summary: Summary, *,
              now: dt.datetime) -> dict[tuple[str, str], Any]:
    """(post id, profile) -> its slot (``.at``) for every pair whose time has come by ``now``."""
    done = {**summary.published, **tasks_held(summary)}
    relevant = relevant_posts(summaries, done, now=now, late_window=schedule.late_window)
    published = relevant_published(done, relevant, now=now, late_window=schedule.late_window)
    # Cadence slots written as `best` take the hours the metrics suggest.
    return resolve_times(relevant, profiles, schedule, now=now, published=published, until=now,
                         best_hours=load_best_hours(root, schedule.tz, now=now))


def select_due(summaries: list, slots: Mapping[tuple[str, str], Any], summary: Summary, *, now: dt.datetime,
               wall: dt.datetime, only: set[str] | None, clone: str, claim_lease: dt.timedelta,
               root: Path | None = None, late_window: dt.timedelta = dt.timedelta(hours=24),
               ) -> tuple[list[Candidate], list[PairResult]]:
    """The due pairs in time order, and the rows of pairs another run is publishing right now. ``wall``:
    the run's clock (claims are aged by it); ``clone``: this clone's id (its own open claims are dead);
    ``root``: where the post files are (a missed pair whose file changed is due again)."""
    by_id: dict[str, Any] = {}
    for s in summaries:
        if s.id is not None and s.error is None and s.id not in by_id:
            by_id[str(s.id)] = s
    out: list[Candidate] = []
    elsewhere: list[PairResult] = []
    for (post_id, profile_id), slot in slots.items():
        if (only is not None and profile_id not in only) or slot.at > now:
            continue
        if summary.is_published((post_id, profile_id)):
            continue
        state = summary.get((post_id, profile_id))
        post = by_id.get(post_id) or by_id.get(base_id(post_id))  # an occurrence: its post's file
        if post is None:
            continue
        again = ""
        if state is not None:
            if state.status == MISSED:
                if republication(post_id) is None:
                    continue  # a recurring post's missed time stays missed: its next time comes anyway
                again = state.missed_again(slot.at, post_file_hash(root, post.path) if root else None, late_window)
                if not again:
                    continue
            elif state.status in (PUBLISHED, UNCONFIRMED, SCHEDULED, HANDED, SKIPPED) or handover_claims(state):
                continue  # a hand-over (done, or its claim open) is followed by publish.handover; a task by a person
            if state.status == CLAIMED and in_flight(state, wall, clone=clone, claim_lease=claim_lease):
                elsewhere.append(PairResult(post_id, profile_id, R_ELSEWHERE, slot.at, post.path,
                                            detail="another run claimed it less than "
                                                   f"{duration_words(claim_lease)} ago"))
                continue
        out.append(Candidate(post_id, profile_id, post.path, slot.at, state, again=again))
    out.sort(key=lambda c: (c.at, c.post_id, c.profile))
    return out, elsewhere


def tasks_held(summary: Summary) -> dict[tuple[str, str], float]:
    """Manual tasks handed to a person (or skipped) keep the slot they were handed at, as published pairs do."""
    return {pair: at.timestamp() for pair, at in task_times(summary.others).items()}


def handover_claims(state: PairState) -> list:
    """The open claims of a hand-over to the network's scheduling (a ``handover`` progress step)."""
    return [info for info in state.open_claims.values() if "handover" in info.progress]


def post_file_hash(root: Path, rel: str) -> str | None:
    """A short hash of a post file as it is now (None when it cannot be read)."""
    try:
        return hashlib.sha256((root / rel).read_bytes()).hexdigest()[:16]
    except OSError:
        return None


def in_flight(state: PairState, wall: dt.datetime, *, clone: str, claim_lease: dt.timedelta) -> bool:
    """May an open claim belong to a run that is still going (in another clone)?"""
    for claim in state.open_claims.values():
        if claim_clone(claim.run) != clone and wall - claim.time < claim_lease:
            return True
    return False


def claim_clone(run: str) -> str:
    """The clone a claim was made in (runs are named ``<clone id>/<run id>``)."""
    return run.split("/", 1)[0]


def is_late(c: Candidate, *, now: dt.datetime, late_window: dt.timedelta) -> bool:
    """More than the late window past its time (or past a person's retry, or a permanent failure that was
    then fixed): the pair is marked missed, not posted."""
    base = c.at
    st = c.state
    if st is not None:
        if st.retry_at and st.retry_at > base:
            base = st.retry_at
        if st.status == FAILED and st.permanent and st.outcome_at and st.outcome_at > base:
            base = st.outcome_at  # fixed after a permanent failure: the window counts from the failure
        if c.again == "content" and st.outcome_at and st.outcome_at > base:
            base = st.outcome_at  # changed after the miss, same time: the window counts from the miss
    return now - base > late_window


def relevant_published(published: Mapping[tuple[str, str], float], relevant: list, *, now: dt.datetime,
                       late_window: dt.timedelta) -> dict[tuple[str, str], dt.datetime]:
    """The published pairs resolve_times needs: those of the relevant posts, and those that went out
    near now (they hold cadence slots around it)."""
    lo = (now - late_window - dt.timedelta(days=10)).timestamp()
    hi = (now + dt.timedelta(days=11)).timestamp()
    ids = {p.id for p in relevant}
    again = {p.id for p in relevant if comes_back(p)}  # an evergreen post's interval counts from its last time
    return {pair: dt.datetime.fromtimestamp(ts, dt.UTC) for pair, ts in published.items()
            if lo <= ts <= hi or pair[0] in ids or (again and base_id(pair[0]) in again)}


def relevant_posts(summaries: list, published: Mapping[tuple[str, str], Any], *, now: dt.datetime,
                   late_window: dt.timedelta) -> list:
    """The posts whose presence can change which pairs are due at `now` (for resolve_times with
    until=now): queued posts not fully published, posts timed near now (they take cadence slots around
    it), and older posts with a pair not yet published. Far-future posts and old, fully published ones
    cannot change the answer and are left out, which keeps a run over 100,000 posts fast. Duplicate ids
    are settled first, as resolve_times does (the first file by path wins)."""
    lo = (now - late_window - dt.timedelta(days=10)).timestamp()
    hi = (now + dt.timedelta(days=11)).timestamp()
    seen: set[str] = set()
    out = []
    for post in sorted(summaries, key=lambda p: p.path):
        if not post.id or post.error or post.id in seen:
            continue
        seen.add(post.id)
        ts = post.publish_ts
        if ts is not None and ts > hi:
            continue
        if post.status != "ready":
            continue  # drafts get no slot; duplicates were settled above
        if (ts is not None and ts >= lo) or comes_back(post):
            out.append(post)
        elif any((post.id, pid) not in published for pid in post.profiles):
            out.append(post)
    return out


def remember_next_due(root: Path, summaries: list, summary: Summary, config: Any, *, now: dt.datetime,
                      push: bool = False) -> None:
    """After a run with nothing due: the earliest moment anything can become due, saved with the state
    of the repository, so that runs before that moment with nothing changed stop at once."""
    if any(st.open_claims for st in summary.others.values()) or summary.pending_comments():
        return  # a claim left open by another run must be reconciled when its lease ends; a comment retried
    key = due_inputs_key(root)
    if key is None:
        return
    # Recurring and evergreen posts count by their occurrences: the next one, not the post's first time.
    pending = with_occurrences(summaries, summary, config.schedule, now=now, ahead=dt.timedelta(days=2))
    save_next_due(root, key, next_due(root, pending, summary, config, now=now), summaries, config.schedule.zones.key,
                  zone=config.schedule.tz.key, push=push)


def with_occurrences(summaries: list, summary: Summary, schedule: Any, *, now: dt.datetime,
                     ahead: dt.timedelta) -> list:
    """The summaries with recurring posts' occurrences (to `now + ahead`) and evergreen republications, for
    the steps that take summaries as they are (resolve_times expands them itself)."""
    if not any(comes_back(s) for s in summaries):
        return summaries
    published = relevant_published(summary.published, summaries, now=now, late_window=schedule.late_window)
    return expand(summaries, published, schedule.tz, lo=now - 2 * schedule.late_window, hi=now + ahead)


def next_due(root: Path, summaries: list, summary: Summary, config: Any, *, now: dt.datetime) -> dt.datetime:
    """A lower bound of when a pending pair falls due: the earliest future publish_at, and for queued posts
    the earliest future cadence slot of their profiles (a slot may be taken: earlier is only slower, never
    wrong). With nothing pending, a day from now."""
    schedule = config.schedule
    earliest = now + dt.timedelta(days=1)
    reminder = next_reminder(summary, schedule.task_reminder)  # a manual task still waiting is reminded once
    if reminder is not None:
        earliest = min(earliest, reminder)
    queued: set[str] = set()
    leads: dict[str, dt.timedelta | None] = {}
    for s in summaries:
        if s.status != "ready" or s.error or s.id is None:
            continue
        for pid in s.profiles:
            pair = (str(s.id), pid)
            if summary.is_published(pair):
                continue
            state = summary.get(pair)
            if state is not None and state.status in (UNCONFIRMED, HANDED, SKIPPED):
                continue
            if state is not None and state.status == MISSED and (s.publish_ts is None or not state.missed_again(
                    dt.datetime.fromtimestamp(s.publish_ts, dt.UTC), None, schedule.late_window)):
                continue  # stays missed until it gets a new time (a changed file changes the inputs' key)
            if s.publish_ts is None:
                queued.add(pid)
            else:
                at = dt.datetime.fromtimestamp(s.publish_ts, dt.UTC)
                lead = leads.setdefault(pid, handover_lead(config.profiles.get(pid)))
                if lead is not None and (state is None or state.status != SCHEDULED):
                    at -= lead  # handed over to the network this much earlier
                earliest = min(earliest, at)
    if queued:
        rules = cadence.cadence_rules(schedule, load_best_hours(root, schedule.tz, now=now))
        gaps = cadence.blackouts(schedule)
        for pid in queued:
            tz = cadence.profile_tz(config.profiles.get(pid), schedule)
            today = now.astimezone(tz).date()
            future = [slot.at for slot in cadence.generate_slots(rules.get(pid, []), tz, today,
                                                              today + dt.timedelta(days=1), gaps, schedule.tz)
                      if slot.at > now]
            if future:
                earliest = min(earliest, future[0])
    return earliest
