"""Rate limits remembered beyond one call: a limit a profile's token used up holds until its reset, for the rest of
the run and for later runs.

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
from pathlib import Path

from socialops.core.safetext import one_line
from socialops.core.times import format_utc, parse_utc
from socialops.state.log import append_rows, log_rows

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
