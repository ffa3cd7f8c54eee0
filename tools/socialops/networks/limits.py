"""Rate limits: the budget a server announces in an answer (:func:`announced_budget`), and limits remembered beyond
one call -- a limit a profile's token used up holds until its reset, for the rest of the run and for later runs.

Kept in ``state/rate-limits.csv``, an append-only log committed with the ledger: every cron run is a fresh clone,
so a limit remembered in the git-ignored ``.socialops/`` would be forgotten by the next run, which would send its
posts into the same 429s. The log is ``merge=union`` (``.gitattributes``, like every ``state/*.csv``), so two runs
that both note a limit never conflict. A row names the network, the profile, a hash of the network, profile and
token (never the token: a renewed token starts afresh) and the time the limit resets; the latest row of a key
holds. A row trusted blindly could hold a profile back for ever, so a hold is never longer than ``MAX_HOLD`` from
when it was written, and a row written in the future is ignored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialops.core.safetext import one_line
from socialops.core.times import format_utc, parse_utc
from socialops.networks.http import parse_reset
from socialops.state.log import append_rows, log_rows


@dataclass(frozen=True)
class Announced:
    """The budget a server announced in an answer: ``remaining`` requests until ``reset`` seconds from now, of
    ``limit`` per window (``window`` seconds when the server names it). ``remaining`` 0 with a ``reset``: wait."""

    remaining: int
    reset: float | None
    limit: int | None = None
    window: float | None = None


# Meta throttles at 100 % of any usage counter; stop a little before it.
GRAPH_USAGE_CEILING = 90.0


def announced_budget(headers: Mapping[str, str], now: dt.datetime) -> Announced | None:
    """The budget announced in an answer's headers, or None when it names none: Mastodon's ``X-RateLimit-Limit/
    Remaining/Reset`` (ISO time), the atproto ``RateLimit-Limit/Remaining/Reset`` (epoch seconds) with
    ``RateLimit-Policy: <limit>;w=<seconds>``, and Graph's ``X-App-Usage`` / ``X-Business-Use-Case-Usage``
    (percentages used: at :data:`GRAPH_USAGE_CEILING` or more the budget is spent until
    ``estimated_time_to_regain_access`` minutes; below it they give no count, so nothing is announced)."""
    for prefix in ("X-RateLimit-", "RateLimit-"):
        remaining = _integer(headers.get(prefix + "Remaining"))
        if remaining is None:
            continue
        window = None
        policy = headers.get(prefix + "Policy") or ""
        match = re.search(r"\bw\s*=\s*(\d+(?:\.\d+)?)", policy)
        if match:
            window = float(match.group(1))
        return Announced(max(0, remaining), parse_reset(headers.get(prefix + "Reset"), now),
                         _integer(headers.get(prefix + "Limit")), window)
    return _graph_usage(headers)


def _integer(value: str | None) -> int | None:
    try:
        return int(float(value)) if value is not None and value.strip() else None
    except ValueError:
        return None


def _graph_usage(headers: Mapping[str, str]) -> Announced | None:
    """Meta's usage headers: the highest percentage used, and the minutes until access returns."""
    used: list[float] = []
    regain: list[float] = []

    def collect(entry: Any) -> None:
        if not isinstance(entry, Mapping):
            return
        for key in ("call_count", "total_cputime", "total_time"):
            value = entry.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                used.append(float(value))
        minutes = entry.get("estimated_time_to_regain_access")
        if isinstance(minutes, int | float) and not isinstance(minutes, bool):
            regain.append(float(minutes) * 60)

    for name in ("X-App-Usage", "X-Business-Use-Case-Usage", "X-Ad-Account-Usage"):
        raw = headers.get(name)
        if not raw:
            continue
        try:
            body = json.loads(raw)
        except ValueError:
            continue
        if name == "X-Business-Use-Case-Usage" and isinstance(body, Mapping):
            for entries in body.values():
                for entry in entries if isinstance(entries, list) else []:
                    collect(entry)
        else:
            collect(body)
    if not used or max(used) < GRAPH_USAGE_CEILING:
        return None
    # Spent: Meta's usage is a rolling hour when it names no time to regain access.
    return Announced(0, max(regain) if regain and max(regain) > 0 else 3600.0)


LIMITS = "state/rate-limits.csv"
HEADER = "time,network,profile,key,until,reason"
MAX_HOLD = dt.timedelta(days=1)  # LinkedIn's daily limits reset at midnight UTC; nothing announces longer
CLOCK_SKEW = dt.timedelta(minutes=5)


def limit_key(network: str, profile: str, token: str) -> str:
    """Who a limit belongs to: the network, the profile and its token, hashed (the token is never stored)."""
    return hashlib.sha256(f"{network}\0{profile}\0{token}".encode()).hexdigest()[:20]


class RememberedLimits:
    """The limits of ``root``'s ``state/rate-limits.csv`` (in memory only when ``root`` is None)."""

    def __init__(self, root: Path | None):
        self.path = Path(root) / LIMITS if root is not None else None
        self._rows: dict[str, tuple[dt.datetime, dt.datetime]] | None = None  # key -> (written, until)

    def _latest(self) -> dict[str, tuple[dt.datetime, dt.datetime]]:
        if self._rows is None:
            self._rows = {}
            for row in log_rows(self.path, 6) if self.path is not None else ():
                written, until = parse_utc(row[0]), parse_utc(row[4])
                if written is None or until is None:
                    continue
                if row[3] not in self._rows or written >= self._rows[row[3]][0]:
                    self._rows[row[3]] = (written, until)
        return self._rows

    def held_until(self, key: str, now: dt.datetime) -> dt.datetime | None:
        """When the limit of ``key`` resets, if it has not yet; None when it is free."""
        written, until = self._latest().get(key, (now, now))
        if written > now + CLOCK_SKEW:
            return None
        until = min(until, written + MAX_HOLD)
        return until if until > now else None

    def hold(self, key: str, until: dt.datetime, *, now: dt.datetime, network: str, profile: str,
             reason: str) -> None:
        """Remember that the limit of ``key`` holds until ``until`` (``until`` = ``now``: it is free again)."""
        if self.path is not None:
            append_rows(self.path, HEADER, [[format_utc(now), network, profile, key, format_utc(until),
                                            one_line(reason)[:200]]])
        self._latest()[key] = (now, until)
