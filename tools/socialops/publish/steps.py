"""The steps of one publish run under the lock: select, reconcile, claim, publish, record, report (see
:mod:`socialops.publish.run`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from socialops.publish.comments import retry_first_comments
from socialops.publish.handover import Handovers
from socialops.publish.issues import open_issues
from socialops.publish.publisher import Publisher, clone_id
from socialops.publish.reconcile import reconcile_open_claims
from socialops.publish.record import Recorder
from socialops.publish.results import R_WOULD, R_WOULD_TASK, PairResult, RunResult
from socialops.publish.select import Candidate, due_slots, remember_next_due, select_due, with_occurrences
from socialops.publish.tasks import Tasks
from socialops.repository import git as repo
from socialops.repository import index
from socialops.repository.brands import shard_profiles
from socialops.repository.config import load_config
from socialops.repository.manual import manual_reason
from socialops.state.publications import PUBLICATIONS

HANDOVER_AHEAD = dt.timedelta(days=60)  # recurring posts' occurrences a hand-over may need (leads are shorter)


class PublishRun:
    """The steps of one run under the lock (see the module text)."""

    def __init__(self, root: Path, *, now: dt.datetime, env: dict[str, str], dry_run: bool, only: set[str] | None,
                 push: bool, clock: Callable[[], dt.datetime], sleep: Callable[[float], None], tracker: Any,
                 claim_lease: dt.timedelta, shard: tuple[int, int] | None = None) -> None:
        self.root = root
        self.shard = shard
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

    def run(self, *, git: bool, clients: Any, network_options: Any) -> RunResult:
        full = not self.dry_run and self.only is None  # a run whose "nothing due" may be remembered
        clone = clone_id(self.root)
        if git and not self.dry_run:
            self._settle()
        config = load_config(self.root)
        if self.shard is not None:
            self.only = set(shard_profiles(config.profiles, self.shard, among=self.only))
            if not self.only:
                self.result.warnings.append(f"shard {self.shard[0]}/{self.shard[1]} has no profiles")
                return self.result
        rec = Recorder(self.root, self.result, run_id=f"{clone}/{uuid.uuid4().hex[:8]}", clock=self.clock,
                       env=self.env, dry_run=self.dry_run, git=git, push=self.push, sleep=self.sleep,
                       tz=config.schedule.tz, late_window=config.schedule.late_window)
        summary = rec.ledger.summary()
        summaries = index.load_index(self.root, config.schedule.zones)
        self.result.warnings += unreadable_posts(summaries)
        candidates, elsewhere = self._select(summaries, summary, config, clone)
        if candidates and not index.confirm(self.root, config.schedule.zones, summaries, {c.path for c in candidates}):
            # a shared fact disagrees with its file: this run reads every post itself
            summaries = index.load_index(self.root, config.schedule.zones, shared=False)
            candidates, elsewhere = self._select(summaries, summary, config, clone)
        self.result.pairs.extend(elsewhere)
        pending = {} if self.dry_run else summary.pending_comments()
        handovers = None if self.dry_run else Handovers(
            rec, config, with_occurrences(summaries, summary, config.schedule, now=self.now, ahead=HANDOVER_AHEAD),
            summary, now=self.now, only=self.only, clone=clone, claim_lease=self.claim_lease)
        self.tasks = Tasks(rec, config, summary, now=self.now, only=self.only, tracker=self.tracker, env=self.env)
        reminders = not self.dry_run and bool(self.tasks.reminders_due())
        if not candidates and not pending and not (handovers and handovers.any()) and not reminders:
            if git and not self.dry_run and self.push and repo.unpushed(self.root):
                # An earlier run committed its outcomes and was stopped before its push landed: pushed now, and
                # nothing due is remembered only once it has landed (else the next run would stop before pushing).
                rec.commit("publish: record outcomes", push=True, final=True)
                full = full and self.result.pushed
            if git and full and not self.result.pairs and (
                    self.shard is None or self._nothing_for_anyone(summaries, summary, config, clone, rec)):
                remember_next_due(self.root, summaries, summary, config, now=self.now, push=self.push)
            return self.result
        publisher = Publisher(rec, config, env=self.env, clone=clone, clients=clients,
                              network_options=network_options)
        try:
            self._publish(candidates, publisher, rec)
            if handovers is not None:
                handovers.run(publisher)
            if pending:
                retry_first_comments(rec, config, pending, summary.published,
                                     {str(s.id): s.path for s in summaries if s.id}, publisher.network, only=self.only)
            if not self.dry_run:
                self.result.pairs.extend(self.tasks.remind())
                self._finish_rows([])
                rec.commit(f"publish: {self.result.summary()}", push=True, final=True)
                open_issues(self.root, self.env, self.tracker, rec.issues, rec.resolved, self.result)
        finally:
            publisher.close()
        return self.result

    def _nothing_for_anyone(self, summaries: list, summary: Any, config: Any, clone: str, rec: Recorder) -> bool:
        """A shard with nothing to do remembers "nothing due" (for every run's shortcut and the shared facts)
        only when no profile of any shard has anything to do either: what a run without --shard would find."""
        mine, self.only = self.only, None
        try:
            candidates, elsewhere = self._select(summaries, summary, config, clone)
            handovers = Handovers(rec, config, with_occurrences(summaries, summary, config.schedule, now=self.now,
                                                                ahead=HANDOVER_AHEAD),
                                  summary, now=self.now, only=None, clone=clone, claim_lease=self.claim_lease)
            tasks = Tasks(rec, config, summary, now=self.now, only=None, tracker=self.tracker, env=self.env)
            return not (candidates or elsewhere or handovers.any() or tasks.reminders_due())
        finally:
            self.only = mine

    def _select(self, summaries: list, summary: Any, config: Any, clone: str) -> tuple[list, list]:
        slots = due_slots(self.root, summaries, config.profiles, config.schedule, summary, now=self.now)
        return select_due(summaries, slots, summary, now=self.now, wall=self.clock(), only=self.only, clone=clone,
                          claim_lease=self.claim_lease, root=self.root, late_window=config.schedule.late_window)

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
        ready = publisher.not_missed(publisher.prepare(to_claim))
        # What no API publishes goes to a person (an issue), never to the network.
        reasons = {(c.post_id, c.profile): why for c in ready if not c.key
                   and (why := manual_reason(c.post, publisher.config.profiles[c.profile]))}
        by_hand = [c for c in ready if (c.post_id, c.profile) in reasons]
        claims = publisher.hold_back([c for c in ready if (c.post_id, c.profile) not in reasons])
        if self.dry_run:
            for c in by_hand:
                c.result = PairResult(c.post_id, c.profile, R_WOULD_TASK, c.at, c.path,
                                      detail=reasons[(c.post_id, c.profile)])
            for c in claims:
                c.result = PairResult(c.post_id, c.profile, R_WOULD, c.at, c.path,
                                      detail="resumes an earlier claim" if c.key else "")
            self._finish_rows(candidates)
            return
        self.tasks.hand(by_hand, reasons)
        # 3. Publish.
        for c in publisher.claim(claims):
            publisher.publish(c)
        self._finish_rows(candidates)

    def _finish_rows(self, candidates: list[Candidate]) -> None:
        for c in candidates:
            if c.result is not None:
                self.result.pairs.append(c.result)
        self.result.pairs.sort(key=lambda p: (p.at or self.now, p.post_id, p.profile))


def unreadable_posts(summaries: list) -> list[str]:
    """A warning for each post that cannot be published because its file or its publish_at cannot be read
    (a draft's time is not checked here: it is not due anyway); `validate` says what to fix."""
    return [f"{s.error if s.error.startswith(s.path) else s.path + ': ' + s.error}: not published until fixed "
            "(socialops validate shows how)"
            for s in summaries if s.error and (s.status == "ready" or s.id is None)]
