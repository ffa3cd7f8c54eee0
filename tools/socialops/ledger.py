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
    ``reconciled``).
  - ``failed``: ``detail`` = the reason; ``data`` = ``{"permanent": true|false, "digest": ...}``.
    A transient failure is retried by the next run; a permanent one only after the post changes
    (its rendered ``digest`` differs) or a person appends a ``retry`` line.
  - ``unconfirmed``: the network could not tell whether the claim went out; a person checks.
  - ``missed``: the post was more than the late window past its time; not posted.
  - ``released``: the claim ``key`` was withdrawn without reaching the network (another run claimed
    the pair first, or reconciliation proved it never arrived).
  - ``retry``: written by a person (any time, the pair, ``event`` = retry): publish the pair again
    although it failed, was unconfirmed or missed; the late window then counts from this line.

The file is marked ``merge=union`` in ``.gitattributes``: when two branches append, git keeps the lines
of both, possibly interleaved and with the header twice. Folding therefore skips header lines and
malformed or torn lines, orders events by time (stably), and treats every event idempotently, so any
union of two valid logs folds to the same state.

Appends are single ``write`` calls on an ``O_APPEND`` descriptor, fsynced, so a process killed at any
moment leaves at most a torn last line, which the next append moves onto a line of its own.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import pickle
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PUBLICATIONS = "state/publications.csv"
CACHE_FILE = ".socialops/cache/ledger.pickle"
CACHE_VERSION = 1
FIELDS = ("time", "post_id", "profile", "event", "attempt", "key", "remote_id", "url", "detail", "data", "run")
HEADER = ",".join(FIELDS)
EVENTS = frozenset({"claimed", "progress", "published", "failed", "unconfirmed", "missed", "released", "retry"})

# Pair statuses after folding.
PENDING = "pending"  # nothing recorded, or a person asked for a retry
CLAIMED = "claimed"  # a claim without an outcome
PUBLISHED = "published"
FAILED = "failed"
UNCONFIRMED = "unconfirmed"
MISSED = "missed"


def format_time(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("ledger times must be timezone-aware")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> dt.datetime:
    """A ledger time; naive text (written by hand) is read as UTC."""
    moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


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
        data = json.dumps(self.data, ensure_ascii=False, separators=(",", ":"), sort_keys=True) if self.data else ""
        return [format_time(self.time), self.post_id, self.profile, self.event, str(self.attempt or ""),
                self.key, self.remote_id, self.url, one_line(self.detail), data, self.run]


def one_line(text: str) -> str:
    return " ".join(str(text).split())[:500]


@dataclass
class ClaimInfo:
    key: str
    time: dt.datetime
    attempt: int
    run: str
    progress: dict[str, dict[str, Any]] = field(default_factory=dict)


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

    @property
    def pair(self) -> tuple[str, str]:
        return (self.post_id, self.profile)


def parse_lines(text: str) -> Iterator[Event]:
    """Events in file order; header lines (also repeated ones from a union merge) and lines that do
    not parse (a torn last line, a conflict marker) are skipped."""
    for row in csv.reader(io.StringIO(text)):
        if len(row) < 4 or row[0] == "time":
            continue
        event = row[3]
        if event not in EVENTS:
            continue
        try:
            moment = parse_time(row[0])
            attempt = int(row[4]) if len(row) > 4 and row[4] else 0
            data = json.loads(row[9]) if len(row) > 9 and row[9] else {}
        except (ValueError, TypeError):
            continue
        if not isinstance(data, dict):
            data = {}
        get = row.__getitem__
        n = len(row)
        yield Event(
            time=moment, post_id=row[1], profile=row[2], event=event, attempt=attempt,
            key=get(5) if n > 5 else "", remote_id=get(6) if n > 6 else "", url=get(7) if n > 7 else "",
            detail=get(8) if n > 8 else "", data=data, run=get(10) if n > 10 else "",
        )


def fold(events: Iterable[Event]) -> dict[tuple[str, str], PairState]:
    """Fold events into the state of each (post id, profile). Order-independent up to equal times:
    events are sorted by time (stable), and duplicates change nothing."""
    states: dict[tuple[str, str], PairState] = {}
    for ev in sorted(events, key=lambda e: e.time):
        if not ev.post_id or not ev.profile:
            continue
        st = states.get((ev.post_id, ev.profile))
        if st is None:
            st = states[(ev.post_id, ev.profile)] = PairState(ev.post_id, ev.profile)
        kind = ev.event
        if kind == "claimed":
            st.attempts = max(st.attempts, ev.attempt or st.attempts + 1)
            if ev.key and ev.key not in st.closed_keys and ev.key not in st.open_claims:
                st.open_claims[ev.key] = ClaimInfo(ev.key, ev.time, ev.attempt, ev.run,
                                                   st.progress.setdefault(ev.key, {}))
        elif kind == "progress":
            if ev.key:
                st.progress.setdefault(ev.key, {})[ev.detail] = dict(ev.data)
                claim = st.open_claims.get(ev.key)
                if claim is not None:
                    claim.progress = st.progress[ev.key]
        elif kind == "published":
            _close(st, ev.key)
            if st.status != PUBLISHED:
                st.status = PUBLISHED
                st.remote_id, st.url, st.published_at = ev.remote_id, ev.url, ev.time
                if ev.data.get("published_at"):
                    try:
                        st.published_at = parse_time(str(ev.data["published_at"]))
                    except ValueError:
                        pass
        elif kind in ("failed", "unconfirmed", "missed"):
            _close(st, ev.key)
            st.outcome_at = ev.time
            if st.status != PUBLISHED:
                st.status = {"failed": FAILED, "unconfirmed": UNCONFIRMED, "missed": MISSED}[kind]
                st.reason = ev.detail
                st.permanent = bool(ev.data.get("permanent")) if kind == "failed" else False
                st.digest = str(ev.data.get("digest", "")) if kind == "failed" else ""
        elif kind == "released":
            _close(st, ev.key)
        elif kind == "retry":
            st.retry_at = ev.time
            if st.status != PUBLISHED:
                st.status = PENDING
                st.reason, st.permanent, st.digest = "", False, ""
    for st in states.values():
        if st.status != PUBLISHED and st.open_claims:
            st.status = CLAIMED
    return states


def _close(st: PairState, key: str) -> None:
    if key:
        st.closed_keys.add(key)
        st.open_claims.pop(key, None)


class Ledger:
    """The publications ledger of one repository."""

    def __init__(self, root: Path, rel: str = PUBLICATIONS):
        self.root = Path(root)
        self.rel = rel
        self.path = self.root / rel

    def read_text(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def events(self) -> list[Event]:
        return list(parse_lines(self.read_text()))

    def state(self, *, use_cache: bool = True) -> dict[tuple[str, str], PairState]:
        """The folded state of every pair. Cached under .socialops/cache keyed by the file's size, mtime
        and inode, so a run with nothing new does not parse a long history again."""
        if not use_cache:
            return fold(self.events())
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return {}
        key = (CACHE_VERSION, self.rel, st.st_size, st.st_mtime_ns, st.st_ino)
        cache = self.root / CACHE_FILE
        try:
            with open(cache, "rb") as fh:
                cached_key, states = pickle.load(fh)
            if cached_key == key:
                return states
        except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            pass
        states = fold(self.events())
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
            with open(tmp, "wb") as fh:
                pickle.dump((key, states), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, cache)
        except OSError:
            pass  # a cache that cannot be written only costs time
        return states

    def append(self, events: Iterable[Event], *, fsync: bool = True) -> None:
        """Append events as whole lines in one write (creating the file with its header)."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        for ev in events:
            writer.writerow(ev.row())
        payload = buf.getvalue()
        if not payload:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(fd).st_size
            prefix = ""
            if size == 0:
                prefix = HEADER + "\n"
            else:
                with open(self.path, "rb") as fh:
                    fh.seek(size - 1)
                    if fh.read(1) != b"\n":
                        prefix = "\n"  # a torn last line stays on its own line (and is skipped)
            data = (prefix + payload).encode("utf-8")
            written = 0
            while written < len(data):
                written += os.write(fd, data[written:])
            if fsync:
                os.fsync(fd)
        finally:
            os.close(fd)


def published_times(states: dict[tuple[str, str], PairState]) -> dict[tuple[str, str], dt.datetime]:
    """(post id, profile) -> when it was published, for the queue (published pairs keep their slot)."""
    return {pair: st.published_at for pair, st in states.items() if st.status == PUBLISHED and st.published_at}
