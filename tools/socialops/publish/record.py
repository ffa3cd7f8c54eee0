"""Recording a run's facts: every event in the ledger as it happens (fsynced), commits in batches, and
the rows and issues of the result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialops.core.times import format_utc
from socialops.errors import SocialOpsError
from socialops.networks.http import redact
from socialops.networks.limits import LIMITS
from socialops.publish.issues import Issue, issue_key, pair_issue
from socialops.publish.results import R_COMMENT_PENDING, R_PUBLISHED, PairResult, RunResult
from socialops.publish.select import Candidate
from socialops.repository import git as repo
from socialops.state.publications import FAILED, MISSED, PUBLICATIONS, UNCONFIRMED, Event, Ledger

if TYPE_CHECKING:
    from socialops.networks.types import PublishResult
    from socialops.repository.profiles import Profile

COMMIT_EVERY = 50  # outcomes are in the ledger file at once; on long runs they are committed in batches


class Recorder:
    """The ledger and the result of one run. ``git``: the root is a work tree (commits are made);
    ``push``: commits are pushed (fetch, rebase, retry)."""

    def __init__(self, root: Path, result: RunResult, *, run_id: str, clock: Callable[[], dt.datetime],
                 env: Mapping[str, str], dry_run: bool, git: bool, push: bool, sleep: Callable[[float], None],
                 tz: Any, late_window: dt.timedelta = dt.timedelta(hours=24)) -> None:
        self.root = root
        self.ledger = Ledger(root)
        self.result = result
        self.run_id = run_id
        self.clock = clock
        self.env = env
        self.dry_run = dry_run
        self.git = git
        self.push = push
        self.sleep = sleep
        self.tz = tz
        self.late_window = late_window
        self.issues: list[Issue] = []
        self.resolved: list[str] = []  # issue keys of earlier failures now published
        self.pending_outcomes = 0

    def event(self, c: Candidate, kind: str, **fields: Any) -> Event:
        fields.setdefault("attempt", c.attempt)
        fields.setdefault("run", self.run_id)
        return Event(time=self.clock(), post_id=c.post_id, profile=c.profile, event=kind, **fields)

    def append(self, events: list[Event], *, outcomes: int = 0) -> None:
        if events:
            self.ledger.append(events)
        self.pending_outcomes += outcomes

    def published(self, c: Candidate, key: str, found: PublishResult, *, how: str) -> None:
        data: dict[str, Any] = {}
        now = self.clock()
        if found.published_at and abs((found.published_at - now).total_seconds()) > 2:
            data["published_at"] = format_utc(found.published_at)  # the network's time, when it differs
        for k, v in (found.extra or {}).items():
            if isinstance(v, str | int | float | bool) and k not in data and k != "via":
                data[k] = v
        self.append([Event(time=now, post_id=c.post_id, profile=c.profile, event="published", attempt=c.attempt,
                           key=key, remote_id=str(found.remote_id), url=found.url or "", detail=how, data=data,
                           run=self.run_id)], outcomes=1)
        comment_error = (found.extra or {}).get("first_comment_error")
        detail = how if how != "posted" else ""
        if comment_error:
            detail = f"{detail}; " if detail else ""
            detail += f"the first comment failed: {comment_error} (the next run sends it again)"
        c.result = PairResult(c.post_id, c.profile, R_COMMENT_PENDING if comment_error else R_PUBLISHED, c.at,
                              c.path, remote_id=str(found.remote_id), url=found.url or "", detail=detail,
                              attempt=c.attempt)
        if c.state is not None and c.state.status in (FAILED, MISSED, UNCONFIRMED):
            self.resolved.append(issue_key(c.state.status, c.post_id, c.profile))
        self.maybe_commit()

    def outcome(self, c: Candidate, kind: str, status: str, *, detail: str, key: str | None = None,
                data: dict | None = None, issue: tuple[str, list[str]] | None = None, body: str = "") -> None:
        """Record a failed, unconfirmed or missed outcome (nothing in a dry run), its row and its issue."""
        key = key if key is not None else c.key
        if not self.dry_run:
            self.append([self.event(c, kind, key=key or "", detail=detail, data=data or {})], outcomes=1)
        c.result = PairResult(c.post_id, c.profile, status, c.at, c.path, detail=detail, attempt=c.attempt)
        if issue and not self.dry_run:
            name, labels = issue
            self.issues.append(pair_issue(name, c.result, labels, detail=detail, tz=self.tz, body=body))
        self.maybe_commit()

    def maybe_commit(self) -> None:
        if self.pending_outcomes >= COMMIT_EVERY and not self.dry_run:
            self.commit("publish: record outcomes", push=False)

    def commit(self, message: str, *, push: bool, final: bool = False) -> None:
        """Commit the ledger (and push when asked). Only the final push may fail without stopping the run."""
        self.pending_outcomes = 0
        if not self.git or self.dry_run:
            return
        if repo.commit_paths(self.root, [PUBLICATIONS, LIMITS], message):
            self.result.commits += 1
        if push and self.push:
            try:
                self.result.pushed = repo.push_with_retry(self.root, sleep=self.sleep) or self.result.pushed
            except SocialOpsError as exc:
                if not final:
                    raise
                self.result.warnings.append(f"the ledger was committed but not pushed: {exc}")

    def redact(self, profile: Profile, text: str) -> str:
        """``text`` without the profile's token."""
        name = profile.token_env
        secrets = [self.env.get(name, "")] if name else []
        return redact(text, [s for s in secrets if s])
