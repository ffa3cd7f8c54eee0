"""The request budget of a metrics run: per host the budget its server announces in every answer (never exceeded),
and until the first answer announces one the built-in budget of at most ``requests`` per ``per_seconds`` (a sliding
window) with ``concurrency`` in flight (each network spec's ``metrics``; a ``--rate`` the user sets holds throughout);
and the journal of what was already fetched today, so that a run after a partial failure fetches only the rest."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import math
import re
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from socialops.core.files import atomic_write_text
from socialops.errors import RateLimited, UsageError
from socialops.metrics.tables import fmt_number
from socialops.networks import NETWORKS
from socialops.networks.limits import Announced

JOURNAL = ".socialops/metrics-journal.json"


@dataclass(frozen=True)
class Limit:
    requests: int
    per_seconds: float
    concurrency: int = 8

    def __str__(self) -> str:
        return f"{self.requests}/{fmt_number(self.per_seconds)}s"


def parse_rate(text: str) -> tuple[str, Limit]:
    """``mastodon=20/s``, ``bluesky=3000/300s``, ``facebook=200/h`` (optionally ``,c=4`` for concurrency)."""
    match = re.fullmatch(r"\s*([a-z]+)\s*=\s*(\d+)\s*/\s*(\d*\.?\d*)\s*(s|m|h|min)?\s*(?:,\s*c\s*=\s*(\d+))?\s*",
                         text or "")
    if not match or int(match.group(2)) < 1:
        raise UsageError(f"--rate {text}: write NETWORK=N/s, e.g. mastodon=20/s, bluesky=3000/300s, or "
                         "linkedin=5/s,c=2 (c = requests in flight at once)")
    name, count, amount, unit, conc = match.groups()
    seconds = float(amount or 1) * {"s": 1, None: 1, "m": 60, "min": 60, "h": 3600}[unit]
    if seconds <= 0:
        raise UsageError(f"--rate {text}: the time must be more than zero")
    return name, Limit(int(count), seconds, int(conc) if conc else 8)


MAX_IN_FLIGHT = 64  # requests in flight to one host at most, however large its budget
MIN_IN_FLIGHT = 2


class Limiter:
    """The budget of one host: a pause when the network asked for one (Retry-After), the budget the server
    announced in its last answers (``X-RateLimit-*``, ``RateLimit-*``, Graph's usage: :meth:`learn`), and the
    built-in ``limit`` (at most ``requests`` starts in any ``per_seconds`` window, ``concurrency`` in flight) until
    the first answer announces one -- or always, when ``fixed`` (a ``--rate`` the user set). Until the first answer
    one request is in flight (it asks what the budget is); then the requests in flight follow the announced budget: as many as it allows in a second, between ``MIN_IN_FLIGHT`` and ``MAX_IN_FLIGHT``.
    A wait longer than ``max_wait`` raises RateLimited instead (the run goes on with other networks). Records
    every start (monotonic seconds)."""

    # The window is kept a little wider than asked: a request's way to the server takes longer on a new
    # connection than on a reused one, so starts spaced exactly one window apart can arrive closer together.
    MARGIN = 0.05

    def __init__(self, limit: Limit, clock: Callable[[], float] = time.monotonic, *, fixed: bool = False,
                 max_wait: float = float("inf"), name: str = ""):
        self.limit = limit
        self.clock = clock
        self.fixed = fixed
        self.max_wait = max_wait
        self.name = name
        self._window: deque[float] = deque()
        self._ready = asyncio.Condition()
        self.in_flight = 0
        self.paused_until = 0.0
        self.starts: list[float] = []
        # the announced budget: starts still allowed before reset_at (None: none announced yet)
        self.allowance: int | None = None
        self.reset_at: float | None = None
        self.announced_limit: int | None = None
        self.window_seconds: float | None = None
        self.window_starts = 0  # starts since the announced window began (as far as this client can tell)
        self.answered = False

    @property
    def concurrency(self) -> int:
        if not self.answered:  # one request asks what the budget is before the others go
            return 1
        if self.allowance is None or self.fixed:
            return max(1, self.limit.concurrency)
        per_second = self.allowance / max(1.0, (self.reset_at or 0.0) - self.clock())
        return max(MIN_IN_FLIGHT, min(MAX_IN_FLIGHT, math.ceil(per_second)))

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, self.clock() + seconds)

    def learn(self, announced: Announced | None) -> None:
        """After an answer: take in the budget it announced, if any (call it before leaving ``async with``: the
        requests still in flight besides this one may not have been counted by the server yet, so they are
        counted here)."""
        self.answered = True
        if announced is None:
            return
        now = self.clock()
        reset_at = now + announced.reset if announced.reset is not None else None
        if reset_at is not None and self.reset_at is not None and reset_at < self.reset_at - self.MARGIN:
            return  # a late answer about a window already over
        new_window = self.reset_at is None or (reset_at is not None and reset_at > self.reset_at + self.MARGIN)
        if new_window and self.reset_at is not None:
            self.window_starts = self.in_flight  # those on their way may count in the new window
        allowance = announced.remaining - self._maybe_uncounted(announced)
        if self.allowance is None or new_window:
            self.allowance, self.reset_at = allowance, reset_at
        else:
            self.allowance = min(self.allowance, allowance)
        self.announced_limit = announced.limit or self.announced_limit
        self.window_seconds = announced.window or self.window_seconds

    def _maybe_uncounted(self, announced: Announced) -> int:
        """How many of the other requests on their way the server may not have counted in ``announced``: all of
        them, unless it names its limit -- then it has counted ``limit - remaining`` requests, and at most the
        rest of this window's starts are not among them. (Answers come back in any order, so the smallest
        allowance seen in a window holds: a late answer's larger ``remaining`` is older, not newer.)"""
        others = max(0, self.in_flight - 1)
        if announced.limit is None:
            return others
        return min(others, max(0, self.window_starts - (announced.limit - announced.remaining)))

    def spent(self, wait: float | None) -> None:
        """A 429: nothing left until ``wait`` seconds from now (or until an answer says otherwise)."""
        self.allowance = 0
        if wait is not None:
            self.reset_at = self.clock() + wait

    def _wait_needed(self, now: float) -> float:
        """Seconds before the next start may go (0: now)."""
        if now < self.paused_until:
            return self.paused_until - now
        if self.allowance is not None and self.reset_at is not None and now >= self.reset_at:
            # a new window: the full budget again, less what is still on its way (no size known: the built-in
            # budget until the next answer says)
            full = self.announced_limit
            self.allowance = None if full is None else full - self.in_flight
            self.reset_at = now + self.window_seconds if full is not None and self.window_seconds else None
            self.window_starts = self.in_flight
        if self.allowance is not None and self.allowance <= 0:
            if self.reset_at is not None:
                return self.reset_at - now + self.MARGIN
            # no reset named: the next answer says; with none on its way, one request asks
            return 1.0 if self.in_flight else 0.0
        if self.allowance is None or self.fixed:
            window = self.limit.per_seconds + self.MARGIN
            while self._window and self._window[0] <= now - window:
                self._window.popleft()
            if len(self._window) >= self.limit.requests:
                return self._window[0] + window - now
        return 0.0

    async def __aenter__(self) -> Limiter:
        async with self._ready:
            while True:
                now = self.clock()
                wait = self._wait_needed(now)
                if wait > self.max_wait:
                    raise RateLimited(f"{self.name or 'the network'}: its request budget is spent for {wait:.0f} "
                                      "s, longer than this run waits; the next run fetches the rest",
                                      retry_after=wait, network=self.name or None)
                if wait <= 0 and self.in_flight < self.concurrency:
                    break
                try:
                    await asyncio.wait_for(self._ready.wait(), timeout=wait if wait > 0 else None)
                except TimeoutError:
                    pass
            self.in_flight += 1
            self.window_starts += 1
            if self.allowance is not None:
                self.allowance -= 1
            self._window.append(now)
            self.starts.append(now)
        return self

    async def __aexit__(self, *exc: object) -> None:
        async with self._ready:
            self.in_flight -= 1
            # all of them: on Python 3.11 a notification to a waiter whose timeout fires at once is lost
            self._ready.notify_all()


def limit_for(network: str, overrides: Mapping[str, Limit] | None = None) -> Limit:
    """The built-in budget of ``network`` (its spec's ``metrics``), or the one the user set (``--rate``)."""
    if overrides and network in overrides:
        return overrides[network]
    spec = NETWORKS.get(network)
    caps = spec.metrics if spec and spec.metrics else NETWORKS["sandbox"].metrics
    return Limit(caps.requests, caps.per_seconds, caps.concurrency)


def load_journal(root: Path, day: dt.date) -> dict[str, set[str]]:
    """What was fetched on ``day`` per profile id (items), or nothing when the journal is of another day."""
    try:
        data = json.loads((root / JOURNAL).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("day") != day.isoformat() or not isinstance(data.get("done"), dict):
        return {}
    return {str(k): {str(i) for i in v} for k, v in data["done"].items() if isinstance(v, list)}


def save_journal(root: Path, day: dt.date, done: Mapping[str, set[str]]) -> None:
    """Remember what was fetched on ``day`` (after a partial failure)."""
    data = {"day": day.isoformat(), "done": {k: sorted(v) for k, v in sorted(done.items()) if v}}
    atomic_write_text(root / JOURNAL, json.dumps(data, indent=1) + "\n")
