"""The request budget of a metrics run: per network at most ``requests`` per ``per_seconds`` (a sliding
window) and ``concurrency`` in flight (each network spec's ``metrics``, or ``--rate``), and the journal of what was already
fetched today, so that a run after a partial failure fetches only the rest."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from socialops.core.files import atomic_write_text
from socialops.errors import UsageError
from socialops.metrics.tables import fmt_number
from socialops.networks import NETWORKS

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


class Limiter:
    """At most ``requests`` starts in any ``per_seconds`` window, at most ``concurrency`` in flight, and a pause
    when the network asked for one (Retry-After, rate-limit headers). Records every start (monotonic seconds)."""

    # The window is kept a little wider than asked: a request's way to the server takes longer on a new
    # connection than on a reused one, so starts spaced exactly one window apart can arrive closer together.
    MARGIN = 0.05

    def __init__(self, limit: Limit, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.clock = clock
        self._window: deque[float] = deque()
        self._sem = asyncio.Semaphore(max(1, limit.concurrency))
        self._lock = asyncio.Lock()
        self.paused_until = 0.0
        self.starts: list[float] = []

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, self.clock() + seconds)

    async def __aenter__(self) -> Limiter:
        await self._sem.acquire()
        try:
            async with self._lock:
                while True:
                    now = self.clock()
                    if now < self.paused_until:
                        await asyncio.sleep(self.paused_until - now)
                        continue
                    window = self.limit.per_seconds + self.MARGIN
                    while self._window and self._window[0] <= now - window:
                        self._window.popleft()
                    if len(self._window) < self.limit.requests:
                        self._window.append(now)
                        self.starts.append(now)
                        return self
                    await asyncio.sleep(self._window[0] + window - now)
        except BaseException:
            self._sem.release()
            raise

    async def __aexit__(self, *exc: object) -> None:
        self._sem.release()


def limit_for(network: str, overrides: Mapping[str, Limit] | None = None) -> Limit:
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
