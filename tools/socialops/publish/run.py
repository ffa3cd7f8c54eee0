"""Publishing due posts exactly once: one run, from the lock to the issues.

A run (:func:`run_publish`):

1. takes the file lock ``.socialops/publish.lock`` (on GitHub the workflow's concurrency group also
   keeps runs apart), and brings the branch up to date with its upstream (fetch + rebase);
2. folds the ledger (``state/publications.csv``) and finds the due (post, profile) pairs
   (:mod:`~socialops.publish.select`): ready posts whose time (``publish_at``, or the queue slot
   ``plan.resolve_times`` gives) has come, not yet published, failed for good, unconfirmed or missed;
3. reconciles every claim left without an outcome by an earlier run *before anything else*
   (:mod:`~socialops.publish.reconcile`): found on the network -> published; certainly not there -> the
   same claim goes on (resuming its uploads); the network cannot tell -> unconfirmed, and an issue asks;
4. marks pairs more than the late window past their time as missed (issue), fails posts that do not
   validate (issue), and records a ``claimed`` event with a fresh idempotency key for each pair to
   publish -- then commits and pushes these claims *before any network call*. When the push shows
   another run claimed a pair first, our claim is released;
5. publishes each claimed pair once (:mod:`~socialops.publish.publisher`), recording every intermediate
   id and every outcome in the ledger as it comes (fsynced). Transient errors were already retried with
   backoff by the HTTP layer (Retry-After honoured); what still fails is recorded, and the next run tries
   again; an answer lost after sending is reconciled, never re-sent blindly; a permanent error fails that
   pair only;
6. commits the outcomes, pushes (fetch, rebase, retry when main moved), and opens one issue per
   failed, unconfirmed or missed pair (``tracker.tracker_from_env``: GitHub, or the local outbox).

Claims are stamped with the run (``<clone id>/<run id>``). Under the lock, an open claim made in this
clone belongs to a dead run; an open claim from another clone younger than ``claim_lease`` may belong
to a run still in progress there, and is left alone. With nothing due, the run remembers when something
next can be (:mod:`~socialops.publish.nothing_due`).
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from socialops.errors import LockError
from socialops.publish.issues import open_issues
from socialops.publish.nothing_due import nothing_due_yet, remember_next_due
from socialops.publish.publisher import Publisher, clone_id
from socialops.publish.reconcile import reconcile_open_claims
from socialops.publish.record import Recorder
from socialops.publish.results import R_WOULD, PairResult, RunResult
from socialops.publish.select import Candidate, due_slots, select_due
from socialops.repository import git as repo
from socialops.repository import index
from socialops.repository.profiles import Profile
from socialops.state.publications import PUBLICATIONS
from socialops.validate.engine import load_config

LOCK_FILE = ".socialops/publish.lock"
DEFAULT_CLAIM_LEASE = dt.timedelta(minutes=30)


def run_publish(
    root: Path,
    *,
    now: dt.datetime,
    env: Mapping[str, str] | None = None,
    dry_run: bool = False,
    profiles: list[str] | None = None,
    push: bool = True,
    clients: Callable[[Profile], Any] | None = None,
    network_options: Mapping[str, Any] | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    sleep: Callable[[float], None] | None = None,
    tracker: Any = None,
    claim_lease: dt.timedelta = DEFAULT_CLAIM_LEASE,
    lock_timeout: float = 10.0,
) -> RunResult:
    """One publish run. ``profiles``: only these; ``push``: fetch, rebase and push (else commit only);
    ``clients``/``network_options``: the httpx.Client and adapter options per profile (tests);
    ``clock``: the run's time (default: ``now`` moving on as the run takes time); ``tracker``: where issues
    go (default: GitHub or the local outbox). Raises LockError when another run holds the lock, GitError
    when the claims cannot be committed or pushed."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if clock is None:
        start = time.monotonic()

        def clock() -> dt.datetime:
            return now.astimezone(dt.UTC) + dt.timedelta(seconds=time.monotonic() - start)
    run = PublishRun(Path(root), now=now, env=dict(os.environ if env is None else env), dry_run=dry_run,
                     only=set(profiles) if profiles else None, push=push, clock=clock, sleep=sleep or time.sleep,
                     tracker=tracker, claim_lease=claim_lease)
    lock_path = run.root / LOCK_FILE
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_path))
    try:
        lock.acquire(timeout=lock_timeout)
    except Timeout:
        raise LockError(
            f"another publish run holds {LOCK_FILE} (waited {lock_timeout:.0f} s); let it finish and run again"
        ) from None
    try:
        return run.run(clients=clients, network_options=network_options)
    finally:
        lock.release()


class PublishRun:
    """The steps of one run under the lock (see the module text)."""

    def __init__(self, root: Path, *, now: dt.datetime, env: dict[str, str], dry_run: bool, only: set[str] | None,
                 push: bool, clock: Callable[[], dt.datetime], sleep: Callable[[float], None], tracker: Any,
                 claim_lease: dt.timedelta) -> None:
        self.root = root
        self.now = now
        self.env = env
        self.dry_run = dry_run
        self.only = only
        self.push = push
        self.clock = clock
        self.sleep = sleep
        self.tracker = tracker
        self.claim_lease = claim_lease
        self.result = RunResult(now=now, dry_run=dry_run)

    def run(self, *, clients: Any, network_options: Any) -> RunResult:
        git = repo.is_work_tree(self.root)
        full = not self.dry_run and self.only is None  # a run whose "nothing due" may be remembered
        if git and full and nothing_due_yet(self.root, self.now):
            return self.result
        clone = clone_id(self.root)
        if git and not self.dry_run:
            self._settle()
        config = load_config(self.root)
        rec = Recorder(self.root, self.result, run_id=f"{clone}/{uuid.uuid4().hex[:8]}", clock=self.clock,
                       env=self.env, dry_run=self.dry_run, git=git, push=self.push, sleep=self.sleep,
                       tz=config.schedule.tz)
        summary = rec.ledger.summary()
        summaries = index.load_index(self.root, config.schedule.tz)
        slots = due_slots(self.root, summaries, config.profiles, config.schedule, summary, now=self.now)
        candidates, elsewhere = select_due(summaries, slots, summary, now=self.now, wall=self.clock(),
                                           only=self.only, clone=clone, claim_lease=self.claim_lease)
        self.result.pairs.extend(elsewhere)
        if not candidates:
            if git and full and not self.result.pairs:
                remember_next_due(self.root, summaries, summary, config, now=self.now)
            return self.result
        publisher = Publisher(rec, config, env=self.env, clone=clone, clients=clients,
                              network_options=network_options)
        try:
            self._publish(candidates, publisher, rec)
        finally:
            publisher.close()
        return self.result

    def _settle(self) -> None:
        """Up to date with upstream, and the events an interrupted run wrote but did not commit committed."""
        repo.settle(self.root)
        if repo.commit_paths(self.root, [PUBLICATIONS], "publish: events recorded by an interrupted run"):
            self.result.commits += 1
        if self.push:
            repo.sync(self.root)

    def _publish(self, candidates: list[Candidate], publisher: Publisher, rec: Recorder) -> None:
        # 1. Claims left open by an earlier run: reconcile before anything else.
        stale = [c for c in candidates if c.state is not None and c.state.open_claims]
        for c in stale:
            reconcile_open_claims(c, rec, publisher.config.profiles.get(c.profile), publisher.network)
        to_claim = [c for c in stale if c.result is None] + [c for c in candidates if c not in stale]
        # 2. Load and validate the posts, the late window, then the claims.
        claims = publisher.not_missed(publisher.prepare(to_claim))
        if self.dry_run:
            for c in claims:
                c.result = PairResult(c.post_id, c.profile, R_WOULD, c.at, c.path,
                                      detail="resumes an earlier claim" if c.key else "")
            self._finish_rows(candidates)
            return
        # 3. Publish.
        for c in publisher.claim(claims):
            publisher.publish(c)
        self._finish_rows(candidates)
        rec.commit(f"publish: {self.result.summary()}", push=True, final=True)
        open_issues(self.root, self.env, self.tracker, rec.issues, rec.resolved, self.result)

    def _finish_rows(self, candidates: list[Candidate]) -> None:
        for c in candidates:
            if c.result is not None:
                self.result.pairs.append(c.result)
        self.result.pairs.sort(key=lambda p: (p.at or self.now, p.post_id, p.profile))

