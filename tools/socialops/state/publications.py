"""The publication ledger: an append-only CSV event log under ``state/`` and the state it folds into.

``state/publications.csv`` has a header row and one event a line::

    time,post_id,profile,event,attempt,key,remote_id,url,detail,data,run

* ``time``: when the event happened, UTC, ``2026-12-01T07:00:03.123456Z``.
* ``event``: one of

  - ``claimed``: a run is about to publish the pair; ``key`` is the idempotency key of this claim,
    ``attempt`` counts the claims of the pair, ``run`` names the run (``<clone id>/<run id>``).
  - ``progress``: an intermediate id of the claim ``key`` (``detail`` = the step, e.g. ``media:0``,
    ``data`` = JSON such as ``{"id": "17895695668004550"}``), recorded before the next step.
  - ``published``: ``remote_id``, ``url``; ``detail`` says how it was learnt (``posted`` or
    ``reconciled``). ``data`` holds ``first_comment_error`` when the post went out but its first comment
    did not: later runs send the comment again (by its own key) until a ``progress`` line of the same key
    records it (step ``first_comment`` or ``comment``), and each retry adds a ``progress`` line
    ``first_comment_retry`` (``data``: ``error``, and ``final`` when a person is asked in an issue).
  - ``failed``: ``detail`` = the reason; ``data`` = ``{"permanent": true|false, "digest": ...}``.
    A transient failure is retried by the next run; a permanent one only after the post changes
    (its rendered ``digest`` differs) or a person appends a ``retry`` line.
  - ``unconfirmed``: the network could not tell whether the claim went out; a person checks.
  - ``missed``: the post was more than the late window past its time; not posted. ``data`` = ``{"due": the
    time it was due, "file": a hash of the post file}``: a new time or a changed file makes it due again.
  - ``released``: the claim ``key`` was withdrawn without reaching the network (another run claimed
    the pair first, or reconciliation proved it never arrived).
  - ``scheduled``: the claim ``key`` was handed over to the network's own scheduling (``remote_id`` = the
    network's id of the scheduled item; ``data`` = ``{"for": the time, "file": a hash of the post file}``);
    the network publishes it then, and a later run records ``published`` when it sees the publication.
  - ``unscheduled``: the scheduled item was withdrawn (the post was edited or withdrawn before its time) or
    left the network's schedule without a publication; the pair is pending again.
  - ``handed``: a post no API can publish (a manual task: ``socialops.publish.tasks``) was handed to a person in
    an issue; ``data`` = ``{"issue": its key, "number": its number, "url": its address, "for": the time}``.
  - ``reminded``: the person was reminded in the handed task's issue (once).
  - ``skipped``: a person said the handed task will not be done (``/skip``); ``detail`` says who.
  - ``retry``: written by a person (any time, the pair, ``event`` = retry): publish the pair again
    although it failed, was unconfirmed or missed; the late window then counts from this line.

The file is written by :mod:`socialops.state.log` (whole lines, ``merge=union``). Folding skips header
lines and malformed or torn lines, orders events by time (stably), and treats every event idempotently,
so any union of two valid logs folds to the same state.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from socialops.core import cache
from socialops.core.safetext import one_line
from socialops.core.times import format_utc, parse_utc, parse_utc_strict
from socialops.state.log import append_rows, json_cell, read_text

PUBLICATIONS = "state/publications.csv"
CACHE_FILE = ".socialops/cache/ledger.pickle"
CACHE_VERSION = 7  # 3: kept by core.cache as (key, value); 4: PairState.missed; 5: first comments; 6: hand-overs;
# 7: manual tasks
FIELDS = ("time", "post_id", "profile", "event", "attempt", "key", "remote_id", "url", "detail", "data", "run")
HEADER = ",".join(FIELDS)
EVENTS = frozenset({"claimed", "progress", "published", "failed", "unconfirmed", "missed", "released", "retry",
                    "scheduled", "unscheduled", "handed", "reminded", "skipped"})

# Pair statuses after folding.
PENDING = "pending"  # nothing recorded, or a person asked for a retry
CLAIMED = "claimed"  # a claim without an outcome
PUBLISHED = "published"
FAILED = "failed"
UNCONFIRMED = "unconfirmed"
MISSED = "missed"
SCHEDULED = "scheduled"  # handed over to the network's scheduling, not yet seen published
HANDED = "handed"  # a manual task in an issue, waiting for a person
SKIPPED = "skipped"  # a manual task a person said will not be done


@dataclass(frozen=True)
class Event:
    time: dt.datetime
    post_id: str
    profile: str
    event: str
    attempt: int = 0
    key: str = ""
    remote_id: str = ""
    url: str = ""
    detail: str = ""
    data: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    run: str = ""

    def row(self) -> list[str]:
        """The event as a line of the file (an attempt of 0 is left empty)."""
        cells = list(_row(self))
        cells[4] = str(cells[4] or "")
        return cells


@dataclass
class ClaimInfo:
    key: str
    time: dt.datetime
    attempt: int
    run: str
    progress: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class FirstComment:
    """The first comment of a published post that failed when the post went out: retried by later runs."""

    key: str  # the claim key of the publication (the comment's own key derives from it)
    error: str
    tries: int = 1
    done: bool = False
    final: bool = False
    progress: dict[str, dict[str, Any]] = field(default_factory=dict)  # the publication's recorded steps

    @property
    def status(self) -> str:
        return "sent" if self.done else "failed" if self.final else "pending"


COMMENT_STEPS = ("first_comment", "comment")  # the steps adapters record a first comment's id under
COMMENT_RETRY = "first_comment_retry"


@dataclass
class PairState:
    """The folded state of one (post id, profile)."""

    post_id: str
    profile: str
    status: str = PENDING
    attempts: int = 0
    open_claims: dict[str, ClaimInfo] = field(default_factory=dict)
    remote_id: str = ""
    url: str = ""
    published_at: dt.datetime | None = None
    reason: str = ""
    permanent: bool = False
    digest: str = ""
    outcome_at: dt.datetime | None = None  # time of the last failed/unconfirmed/missed
    retry_at: dt.datetime | None = None  # time of the last person's retry
    progress: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # key -> step -> data
    closed_keys: set[str] = field(default_factory=set)  # claims with an outcome or released
    missed: dict[str, Any] = field(default_factory=dict)  # the data of the last missed event
    first_comment: FirstComment | None = None  # a published post whose first comment failed
    scheduled: dict[str, Any] = field(default_factory=dict)  # the hand-over: id, key, for, file
    task: dict[str, Any] = field(default_factory=dict)  # a manual task: issue, number, url, for, at, reminded

    def missed_again(self, due: dt.datetime, file_hash: str | None, late_window: dt.timedelta) -> str:
        """Why a missed pair is due again: "time" when it has been given a new time, "content" when its post
        file changed since the miss, "" when neither (it stays missed)."""
        if self.status != MISSED:
            return ""
        recorded = parse_utc(self.missed.get("due"))
        if recorded is not None:
            if due != recorded:
                return "time"
        elif self.outcome_at is not None and self.outcome_at - due <= late_window:
            return "time"  # a line without data: the missed time was more than a late window before it
        old_hash = self.missed.get("file")
        return "content" if old_hash and file_hash and old_hash != file_hash else ""

    @property
    def pair(self) -> tuple[str, str]:
        return (self.post_id, self.profile)


_CANONICAL_LEN = len("2026-12-01T07:00:00.000000Z")
Row = tuple  # (time, post_id, profile, event, attempt, key, remote_id, url, detail, data, run), time canonical


def _canonical(text: str) -> str | None:
    """The canonical UTC form of a ledger time (sortable as text), or None when it is not a time."""
    if len(text) == _CANONICAL_LEN and text[-1] == "Z" and text[10] == "T" and text[19] == ".":
        return text
    try:
        return format_utc(parse_utc_strict(text))
    except (ValueError, TypeError, OverflowError):
        return None


def _rows(text: str) -> Iterator[Row]:
    """Rows in file order, times canonical. Header lines (also repeated ones from a union merge) and
    lines that do not parse (a torn last line, a conflict marker) are skipped. Lines without quotes are
    split directly; the csv module reads the others."""
    for line in text.splitlines():
        if not line or line[0] == "t":
            continue
        if '"' in line:
            try:
                row = next(csv.reader([line]))
            except (csv.Error, StopIteration):
                continue
        else:
            row = line.split(",")
        n = len(row)
        if n < 4 or row[3] not in EVENTS:
            continue
        when = _canonical(row[0])
        if when is None:
            continue
        if n < 11:
            row = row + [""] * (11 - n)
        attempt = row[4]
        if attempt and not attempt.isdigit():
            continue
        data = row[9]
        if data and data[0] != "{":
            continue
        yield (when, row[1], row[2], row[3], int(attempt) if attempt else 0, row[5], row[6], row[7], row[8], data,
               row[10])


def _event(row: Row) -> Event:
    return Event(time=parse_utc_strict(row[0]), post_id=row[1], profile=row[2], event=row[3], attempt=row[4], key=row[5],
                 remote_id=row[6], url=row[7], detail=row[8], data=json_cell(row[9]), run=row[10])


def parse_lines(text: str) -> Iterator[Event]:
    """Events in file order (see _rows for what is skipped)."""
    for row in _rows(text):
        yield _event(row)


def _row(ev: Event) -> Row:
    data = json.dumps(ev.data, ensure_ascii=False, separators=(",", ":"), sort_keys=True) if ev.data else ""
    return (format_utc(ev.time), ev.post_id, ev.profile, ev.event, ev.attempt or 0, ev.key, ev.remote_id, ev.url,
            one_line(ev.detail), data, ev.run)


def fold(events: Iterable[Event]) -> dict[tuple[str, str], PairState]:
    """Fold events into the state of each (post id, profile). Order-independent up to equal times:
    events are sorted by time (stably), and duplicates change nothing."""
    return fold_rows([_row(ev) for ev in events])


# Indexes into the compact per-pair state used while folding.
(_ST, _ATT, _OPEN, _RID, _URL, _PUB, _REASON, _PERM, _DIGEST, _OUT, _RETRY, _PROG, _CLOSED, _MISSED, _FC, _SCHED,
 _TASK) = range(17)


def _fold_compact(rows: list[Row]) -> dict[tuple[str, str], list]:
    rows.sort(key=lambda r: r[0])
    states: dict[tuple[str, str], list] = {}
    outcomes = {"failed": FAILED, "unconfirmed": UNCONFIRMED, "missed": MISSED}
    for row in rows:
        when, post_id, profile, kind, attempt, key = row[0], row[1], row[2], row[3], row[4], row[5]
        if not post_id or not profile:
            continue
        pair = (post_id, profile)
        st = states.get(pair)
        if st is None:
            st = states[pair] = [PENDING, 0, None, "", "", None, "", False, "", None, None, None, None, None, None,
                                 None, None]
        if kind == "claimed":
            st[_ATT] = max(st[_ATT], attempt or st[_ATT] + 1)
            if key and not (st[_CLOSED] and key in st[_CLOSED]):
                if st[_OPEN] is None:
                    st[_OPEN] = {}
                if key not in st[_OPEN]:
                    st[_OPEN][key] = (when, attempt, row[10])
        elif kind == "progress":
            if key:
                if st[_PROG] is None:
                    st[_PROG] = {}
                st[_PROG].setdefault(key, {})[row[8]] = json_cell(row[9])
                if row[8] == COMMENT_RETRY:
                    _note_comment_retry(st, key, st[_PROG][key][row[8]])
        elif kind == "published":
            _close_compact(st, key)
            if st[_ST] != PUBLISHED:
                st[_ST], st[_RID], st[_URL], st[_PUB] = PUBLISHED, row[6], row[7], when
                stamp = _published_at(row[9])
                if stamp:
                    st[_PUB] = stamp
                if "first_comment_error" in row[9]:
                    error = json_cell(row[9]).get("first_comment_error")
                    if error:
                        st[_FC] = FirstComment(key, str(error))
        elif kind in outcomes:
            _close_compact(st, key)
            st[_OUT] = when
            if st[_ST] != PUBLISHED:
                st[_ST], st[_REASON] = outcomes[kind], row[8]
                data = json_cell(row[9]) if kind == "failed" else {}
                st[_PERM] = bool(data.get("permanent"))
                st[_DIGEST] = str(data.get("digest", ""))
                if kind == "missed":
                    st[_MISSED] = row[9]
        elif kind == "released":
            _close_compact(st, key)
        elif kind == "scheduled":
            _close_compact(st, key)
            if st[_ST] != PUBLISHED:
                st[_ST], st[_SCHED] = SCHEDULED, {**json_cell(row[9]), "id": row[6], "key": key}
        elif kind == "unscheduled":
            _close_compact(st, key)
            if st[_ST] == SCHEDULED:
                st[_ST], st[_SCHED] = PENDING, None
        elif kind in _TASK_EVENTS:
            _fold_task(st, kind, when, row)
        elif kind == "retry":
            st[_RETRY] = when
            if st[_ST] != PUBLISHED:
                st[_ST], st[_REASON], st[_PERM], st[_DIGEST], st[_TASK] = PENDING, "", False, "", None
    for st in states.values():
        if st[_ST] != PUBLISHED and st[_OPEN]:
            st[_ST] = CLAIMED
        if st[_FC] is not None:
            _settle_first_comment(st[_FC], st[_PROG] or {})
    return states


_TASK_EVENTS = frozenset({"handed", "reminded", "skipped"})


def _fold_task(st: list, kind: str, when: str, row: Row) -> None:
    """A manual task's events: handed to a person (waiting), reminded once, skipped by a person."""
    if st[_ST] == PUBLISHED:
        return
    if kind == "handed":
        if st[_ST] != HANDED:
            st[_ST], st[_TASK] = HANDED, {**json_cell(row[9]), "at": when}
    elif kind == "reminded":
        if st[_TASK] is not None:
            st[_TASK].setdefault("reminded", when)
    else:
        st[_ST], st[_REASON] = SKIPPED, row[8]


def _settle_first_comment(fc: FirstComment, progress: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Fold the retries of a failed first comment from the progress of its publication's key."""
    steps = progress.get(fc.key, {})
    fc.progress = {step: data for step, data in steps.items() if step != COMMENT_RETRY}
    fc.done = any(steps.get(step, {}).get("id") or steps.get(step, {}).get("uri") for step in COMMENT_STEPS)


def _note_comment_retry(st: list, key: str, data: dict[str, Any]) -> None:
    fc = st[_FC]
    if fc is None or fc.key != key:
        return
    fc.tries += 1
    fc.error = str(data.get("error") or fc.error)
    fc.final = fc.final or bool(data.get("final"))


def _published_at(text: str) -> str | None:
    """The network's own publication time from a published line's data, canonical, if it gave one."""
    if not text or "published_at" not in text:
        return None
    return _canonical(str(json_cell(text).get("published_at", ""))) or None


def _close_compact(st: list, key: str) -> None:
    if key:
        if st[_CLOSED] is None:
            st[_CLOSED] = set()
        st[_CLOSED].add(key)
        if st[_OPEN]:
            st[_OPEN].pop(key, None)


def _time(stamp: str | None) -> dt.datetime | None:
    return parse_utc_strict(stamp) if stamp else None


def _pair_state(pair: tuple[str, str], st: list) -> PairState:
    progress = st[_PROG] or {}
    open_claims = {}
    for key, (when, attempt, run) in (st[_OPEN] or {}).items():
        open_claims[key] = ClaimInfo(key, parse_utc_strict(when), attempt, run, progress.setdefault(key, {}))
    return PairState(
        post_id=pair[0], profile=pair[1], status=st[_ST], attempts=st[_ATT], open_claims=open_claims,
        remote_id=st[_RID], url=st[_URL], published_at=_time(st[_PUB]), reason=st[_REASON], permanent=st[_PERM],
        digest=st[_DIGEST], outcome_at=_time(st[_OUT]), retry_at=_time(st[_RETRY]), progress=progress,
        closed_keys=set(st[_CLOSED] or ()), missed=json_cell(st[_MISSED]) if st[_MISSED] else {},
        first_comment=st[_FC], scheduled=st[_SCHED] or {}, task=st[_TASK] or {},
    )


def fold_rows(rows: list[Row]) -> dict[tuple[str, str], PairState]:
    return {pair: _pair_state(pair, st) for pair, st in _fold_compact(rows).items()}


@dataclass
class Summary:
    """What a publish run needs from the ledger, cheap to keep in a cache: when each published pair went
    out (UTC epoch seconds) and the full state of every other pair."""

    published: dict[tuple[str, str], float]
    others: dict[tuple[str, str], PairState]
    comments: dict[tuple[str, str], tuple[FirstComment, str]] = field(default_factory=dict)  # -> (it, remote id)

    def pending_comments(self) -> dict[tuple[str, str], tuple[FirstComment, str]]:
        """Published pairs whose first comment failed and is still to be sent."""
        return {pair: v for pair, v in self.comments.items() if v[0].status == "pending"}

    def get(self, pair: tuple[str, str]) -> PairState | None:
        return self.others.get(pair)

    def is_published(self, pair: tuple[str, str]) -> bool:
        return pair in self.published


class Ledger:
    """The publications ledger of one repository."""

    def __init__(self, root: Path, rel: str = PUBLICATIONS):
        self.root = Path(root)
        self.rel = rel
        self.path = self.root / rel

    def read_text(self) -> str:
        return read_text(self.path)

    def events(self) -> list[Event]:
        return [_event(row) for row in _rows(self.read_text())]

    def rows(self) -> list[Row]:
        return list(_rows(self.read_text()))

    def state(self) -> dict[tuple[str, str], PairState]:
        """The folded state of every pair."""
        return fold_rows(self.rows())

    def summary(self, *, use_cache: bool = True) -> Summary:
        """Published pairs and the state of the others. Cached under .socialops/cache keyed by the file's
        size, mtime and inode, so a run with nothing new does not read a long history again."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return Summary({}, {})
        key = (CACHE_VERSION, self.rel, st.st_size, st.st_mtime_ns, st.st_ino)
        cache_path = self.root / CACHE_FILE
        if use_cache:
            cached = cache.load(cache_path, key)
            if cached is not None:
                return Summary(*cached)
        published: dict[tuple[str, str], float] = {}
        others: dict[tuple[str, str], PairState] = {}
        comments: dict[tuple[str, str], tuple[FirstComment, str]] = {}
        for pair, compact in _fold_compact(self.rows()).items():
            if compact[_ST] == PUBLISHED:
                published[pair] = parse_utc_strict(compact[_PUB]).timestamp()
                if compact[_FC] is not None:
                    comments[pair] = (compact[_FC], compact[_RID])
            else:
                others[pair] = _pair_state(pair, compact)
        if use_cache:
            cache.save(cache_path, key, (published, others, comments))
        return Summary(published, others, comments)

    def append(self, events: Iterable[Event], *, fsync: bool = True) -> None:
        """Append events as whole lines in one write (creating the file with its header)."""
        append_rows(self.path, HEADER, [ev.row() for ev in events], fsync=fsync)


def published_times(states: dict[tuple[str, str], PairState]) -> dict[tuple[str, str], dt.datetime]:
    """(post id, profile) -> when it was published, for the queue (published pairs keep their slot)."""
    return {pair: st.published_at for pair, st in states.items() if st.status == PUBLISHED and st.published_at}


def task_times(states: dict[tuple[str, str], PairState]) -> dict[tuple[str, str], dt.datetime]:
    """(post id, profile) -> the time a manual task was handed to a person for (waiting or skipped): in the plan
    it keeps that slot, as a published pair does."""
    return {pair: at for pair, st in states.items()
            if st.status in (HANDED, SKIPPED) and (at := parse_utc(st.task.get("for"))) is not None}
