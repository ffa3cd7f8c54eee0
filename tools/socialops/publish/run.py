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
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialops.core.locks import run_lock
from socialops.publish.nothing_due import nothing_due_yet
from socialops.publish.results import RunResult
from socialops.repository import git as repo

if TYPE_CHECKING:
    from socialops.repository.profiles import Profile

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
    shard: tuple[int, int] | None = None,
) -> RunResult:
    """One publish run. ``profiles``: only these; ``shard`` (i, n): only (those of) the profiles of shard i of n
    (``repository.brands.shard_profiles``: a brand's profiles together), one job of a matrix; ``push``: fetch, rebase and push (else commit only);
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
    root = Path(root)
    # Nothing due for any profile is nothing due for some, and a dry run would only show the same nothing. No
    # lock needed: this only reads (what a run writes meanwhile is uncommitted, and that rules the shortcut out).
    # Outside git it finds no record.
    held = nothing_due_yet(root, now)
    if held is not None:
        return RunResult(now=now, dry_run=dry_run, zone=held.get("zone"))
    git = repo.is_work_tree(root)
    with run_lock(root, LOCK_FILE, what="publish", timeout=lock_timeout):
        # Loaded only when something may be due: the run of nearly every cron tick (nothing due) stays
        # fast without them (benchmarks/bench_publish.py).
        from socialops.publish.steps import PublishRun  # lazy: see above

        run = PublishRun(root, now=now, env=dict(os.environ if env is None else env), dry_run=dry_run,
                         only=set(profiles) if profiles else None, push=push, clock=clock,
                         sleep=sleep or time.sleep, tracker=tracker, claim_lease=claim_lease,
                         shard=shard if shard and shard[1] > 1 else None)
        return run.run(git=git, clients=clients, network_options=network_options)

