"""What a publish run reports: one row per (post, profile) pair, and the table people read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

# Result statuses in the table.
R_PUBLISHED = "published"
R_FAILED = "failed"
R_UNCONFIRMED = "unconfirmed"
R_MISSED = "missed"
R_ELSEWHERE = "in progress elsewhere"
R_DEFERRED = "deferred"
R_HELD = "held back"  # a used-up rate limit holds the pair back; it stays due (networks.limits)
R_WOULD = "would publish"
R_WOULD_RECONCILE = "would reconcile"
R_WOULD_FAIL = "would fail"
R_HANDED_OVER = "handed over"  # to the network's own scheduling: it publishes the post at its time
R_HANDOVER_MOVED = "hand-over moved"  # the post's time changed: so did the network's
R_HANDOVER_CANCELLED = "hand-over cancelled"  # withdrawn or edited before its time
R_HANDOVER_WAITING = "scheduled on the network"  # its time has come; the network has not published it yet
R_NOT_HANDED_OVER = "not handed over"  # the network refused the hand-over: published at its time the usual way
R_COMMENT_PENDING = "published, first comment pending"  # the next run sends the first comment again
R_COMMENT_FAILED = "published, first comment failed"  # given up: an issue asks a person
R_COMMENT_SENT = "first comment sent"  # a later run sent the first comment that had failed
R_TASK = "handed to a person"  # a manual task: an issue asks a person to publish it by hand
R_WOULD_TASK = "would hand to a person"
R_REMINDED = "person reminded"  # a manual task still waiting: its issue got a reminder
# A run with any of these exits 1.
FAILING = frozenset({R_FAILED, R_DEFERRED, R_UNCONFIRMED, R_MISSED, R_COMMENT_PENDING, R_COMMENT_FAILED})


@dataclass
class PairResult:
    """One row of the result table."""

    post_id: str
    profile: str
    status: str
    at: dt.datetime | None = None  # when the pair was due
    path: str = ""
    remote_id: str = ""
    url: str = ""
    detail: str = ""
    attempt: int = 0
    issue: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "post_id": self.post_id, "profile": self.profile, "status": self.status,
            "due": self.at.isoformat() if self.at else None, "path": self.path, "remote_id": self.remote_id or None,
            "url": self.url or None, "detail": self.detail or None, "attempt": self.attempt or None,
            "issue": self.issue or None,
        }


@dataclass
class RunResult:
    now: dt.datetime
    dry_run: bool
    pairs: list[PairResult] = field(default_factory=list)
    commits: int = 0
    pushed: bool = False
    warnings: list[str] = field(default_factory=list)
    zone: str | None = None  # the plan's time zone, when a run that read no plan knows it (nothing due)

    @property
    def failed(self) -> bool:
        return any(p.status in FAILING for p in self.pairs)

    def counts(self) -> dict[str, int]:
        """How many pairs got each status, in the order statuses first appear."""
        statuses: dict[str, int] = {}
        for p in self.pairs:
            statuses[p.status] = statuses.get(p.status, 0) + 1
        return statuses

    def count(self, status: str) -> int:
        return sum(1 for p in self.pairs if p.status == status)

    def summary(self) -> str:
        """The counts in words, for the commit message."""
        return ", ".join(f"{n} {s}" for s, n in sorted(self.counts().items())) or "nothing"

    def as_dict(self) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(), "dry_run": self.dry_run, "failed": self.failed, "counts": self.counts(),
            "commits": self.commits, "pushed": self.pushed, "warnings": self.warnings,
            "pairs": [p.as_dict() for p in self.pairs],
        }


def format_table(result: RunResult, tz=None) -> str:
    """The per-pair result table for people."""
    if not result.pairs:
        return f"Nothing due at {local_time(result.now, tz)}.\n"
    rows = [("POST", "PROFILE", "DUE", "STATUS", "DETAIL")]
    for p in result.pairs:
        detail = p.url or p.detail
        if p.url and p.detail:
            detail = f"{p.url} ({p.detail})" if p.status == R_PUBLISHED else f"{p.detail} {p.url}"
        if p.issue:
            detail = f"{detail} (issue: {p.issue})" if detail else f"issue: {p.issue}"
        rows.append((p.post_id, p.profile, local_time(p.at, tz) if p.at else "-", p.status, detail))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4] for r in rows]
    summary = ", ".join(f"{n} {s}" for s, n in result.counts().items())
    return "\n".join(line.rstrip() for line in lines) + f"\n{summary}\n"


def local_time(moment: dt.datetime | None, tz) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if tz else moment.strftime("%Y-%m-%d %H:%M %Z")


def duration_words(delta: dt.timedelta) -> str:
    """A late window or lease for people: 24 h, 2 days, 90 min."""
    minutes = int(delta.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return f"{days} day{'s' if days != 1 else ''}" if days != 1 else "24 h"
    if minutes % 60 == 0:
        return f"{minutes // 60} h"
    return f"{minutes} min"
