"""Publishing due posts exactly once: due selection, claim -> publish -> record, reconciliation.

A run (:func:`run_publish`):

1. takes the file lock ``.socialops/publish.lock`` (on GitHub the workflow's concurrency group also
   keeps runs apart), and brings the branch up to date with its upstream (fetch + rebase);
2. folds the ledger (``state/publications.csv``) and finds the due (post, profile) pairs: ready posts
   whose time (``publish_at``, or the queue slot ``plan.resolve_times`` gives) has come, not yet
   published, failed for good, unconfirmed or missed;
3. reconciles every claim left without an outcome by an earlier run *before anything else*: found on
   the network -> published; certainly not there -> the same claim goes on (resuming its uploads);
   the network cannot tell -> unconfirmed, and an issue asks a person;
4. marks pairs more than the late window past their time as missed (issue), fails posts that do not
   validate (issue), and records a ``claimed`` event with a fresh idempotency key for each pair to
   publish -- then commits and pushes these claims *before any network call*. When the push shows
   another run claimed a pair first, our claim is released;
5. publishes each claimed pair, recording every intermediate id and every outcome in the ledger as
   it comes (fsynced); transient errors are retried with backoff (Retry-After honoured); an answer
   lost after sending is reconciled, never re-sent blindly; a permanent error fails that pair only;
6. commits the outcomes, pushes (fetch, rebase, retry when main moved), and opens one issue per
   failed, unconfirmed or missed pair (``tracker.tracker_from_env``: GitHub, or the local outbox).

Claims are stamped with the run (``<clone id>/<run id>``). Under the lock, an open claim made in this
clone belongs to a dead run; an open claim from another clone younger than ``claim_lease`` may belong
to a run still in progress there, and is left alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialops.core.safetext import one_line
from socialops.errors import (
    AuthError,
    LockError,
    NetworkError,
    OutcomeUnknown,
    PermanentNetworkError,
    SocialOpsError,
    TrackerError,
    TransientNetworkError,
)
from socialops.state.ledger import (
    CLAIMED,
    FAILED,
    MISSED,
    PENDING,
    PUBLICATIONS,
    PUBLISHED,
    UNCONFIRMED,
    Event,
    Ledger,
    PairState,
    Summary,
    fold,
    format_time,
)

if TYPE_CHECKING:
    from socialops.networks.contract import Network
    from socialops.networks.types import PublishRequest, PublishResult
    from socialops.repository.posts import Post
    from socialops.repository.profiles import Profile

LOCK_FILE = ".socialops/publish.lock"
NEXT_DUE_FILE = ".socialops/cache/publish-next-due.json"
# What decides which pairs are due: posts, profiles, the plan, the ledger, and the metrics (`best` hours).
DUE_INPUTS = ("content", "profiles", "schedule.yaml", "state", "metrics")
CLONE_ID_FILE = ".socialops/clone-id"
DEFAULT_CLAIM_LEASE = dt.timedelta(minutes=30)

# Result statuses in the table.
R_PUBLISHED = "published"
R_FAILED = "failed"
R_UNCONFIRMED = "unconfirmed"
R_MISSED = "missed"
R_ELSEWHERE = "in progress elsewhere"
R_DEFERRED = "deferred"
R_WOULD = "would publish"
R_WOULD_RECONCILE = "would reconcile"
R_WOULD_MISS = "would mark missed"
R_WOULD_FAIL = "would fail"
FAILING = frozenset({R_FAILED, R_DEFERRED, R_UNCONFIRMED})


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

    @property
    def failed(self) -> bool:
        return any(p.status in FAILING for p in self.pairs)

    def count(self, status: str) -> int:
        return sum(1 for p in self.pairs if p.status == status)

    def as_dict(self) -> dict[str, Any]:
        statuses: dict[str, int] = {}
        for p in self.pairs:
            statuses[p.status] = statuses.get(p.status, 0) + 1
        return {
            "now": self.now.isoformat(), "dry_run": self.dry_run, "failed": self.failed, "counts": statuses,
            "commits": self.commits, "pushed": self.pushed, "warnings": self.warnings,
            "pairs": [p.as_dict() for p in self.pairs],
        }


def format_table(result: RunResult, tz=None) -> str:
    """The per-pair result table for people."""
    if not result.pairs:
        return f"Nothing due at {_local(result.now, tz)}.\n"
    rows = [("POST", "PROFILE", "DUE", "STATUS", "DETAIL")]
    for p in result.pairs:
        detail = p.url or p.detail
        if p.url and p.detail:
            detail = f"{p.url} ({p.detail})" if p.status == R_PUBLISHED else f"{p.detail} {p.url}"
        if p.issue:
            detail = f"{detail} (issue: {p.issue})" if detail else f"issue: {p.issue}"
        rows.append((p.post_id, p.profile, _local(p.at, tz) if p.at else "-", p.status, detail))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4] for r in rows]
    counts: dict[str, int] = {}
    for p in result.pairs:
        counts[p.status] = counts.get(p.status, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in counts.items())
    return "\n".join(line.rstrip() for line in lines) + f"\n{summary}\n"


def _local(moment: dt.datetime | None, tz) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if tz else moment.strftime("%Y-%m-%d %H:%M %Z")


# --- helpers -------------------------------------------------------------------------------------------


def clone_id(root: Path) -> str:
    """A random id of this clone (kept in .socialops/, never committed)."""
    path = root / CLONE_ID_FILE
    try:
        value = path.read_text().strip()
        if value:
            return value
    except OSError:
        pass
    value = uuid.uuid4().hex[:12]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"clone-id.{os.getpid()}.tmp")
    tmp.write_text(value + "\n")
    os.replace(tmp, path)
    return value


def digest(request: PublishRequest) -> str:
    """What was (to be) sent, in short: a changed post gets another chance after a permanent failure."""
    h = hashlib.sha256()
    h.update(json.dumps([request.type, request.text, request.link, request.first_comment,
                         [(m.rel, m.alt, m.captions_rel) for m in request.media]], ensure_ascii=False).encode())
    for m in request.media:
        try:
            st = m.path.stat()
            h.update(f"{st.st_size}:{st.st_mtime_ns}".encode())
        except OSError:
            pass
    return h.hexdigest()[:16]


def issue_key(kind: str, post_id: str, profile: str) -> str:
    return f"publish-{kind}--{post_id}--{profile}"


@dataclass
class Candidate:
    post_id: str
    profile: str
    path: str
    at: dt.datetime
    state: PairState | None
    post: Post | None = None
    request: PublishRequest | None = None
    key: str = ""
    attempt: int = 0
    resume: dict[str, dict[str, Any]] = field(default_factory=dict)
    result: PairResult | None = None


class Publisher:
    """One publish run. Use :func:`run_publish`."""

    def __init__(
        self,
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
        retries: int = 3,
        max_wait: float = 60.0,
        claim_lease: dt.timedelta = DEFAULT_CLAIM_LEASE,
        lock_timeout: float = 10.0,
        say: Callable[[str], None] | None = None,
    ) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        self.root = Path(root)
        self.now = now
        self.env = dict(os.environ if env is None else env)
        self.dry_run = dry_run
        self.only = set(profiles) if profiles else None
        self.push = push
        self.clients = clients
        self.network_options = dict(network_options or {})
        if clock is None:  # the run's own time: `now`, moving on as the run takes time
            start = time.monotonic()

            def clock() -> dt.datetime:
                return now.astimezone(dt.UTC) + dt.timedelta(seconds=time.monotonic() - start)
        self.clock = clock
        self.sleep = sleep or time.sleep
        self._tracker = tracker
        self.retries = retries
        self.max_wait = max_wait
        self.claim_lease = claim_lease
        self.lock_timeout = lock_timeout
        self.say = say or (lambda text: None)
        self.ledger = Ledger(self.root)
        self.result = RunResult(now=now, dry_run=dry_run)
        self.issues: list[tuple[PairResult, str, str, str, list[str]]] = []
        self.networks: dict[str, Network] = {}
        self.git = False
        self.pending_outcomes = 0
        self._auth_failed: dict[str, str] = {}  # profile id -> why its token was refused this run
        self._resolved: list[str] = []  # issue keys of earlier failures now published

    # --- the run -------------------------------------------------------------------------------

    def run(self) -> RunResult:
        from filelock import FileLock, Timeout

        lock_path = self.root / LOCK_FILE
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(lock_path))
        try:
            lock.acquire(timeout=self.lock_timeout)
        except Timeout:
            raise LockError(
                f"another publish run holds {LOCK_FILE} (waited {self.lock_timeout:.0f} s); let it finish and "
                "run again"
            ) from None
        try:
            return self._run_locked()
        finally:
            for network in self.networks.values():
                try:
                    network.close()
                except Exception:  # noqa: BLE001 - closing must not hide the run's outcome
                    pass
            lock.release()

    def _run_locked(self) -> RunResult:
        from socialops.repository import git as repo

        self.git = repo.is_work_tree(self.root)
        if self.git and not self.dry_run and self.only is None and nothing_due_yet(self.root, self.now):
            return self.result
        self.clone = clone_id(self.root)
        self.run_id = f"{self.clone}/{uuid.uuid4().hex[:8]}"
        if self.git and not self.dry_run:
            repo.settle(self.root)
            # Events an interrupted run wrote but did not commit are committed first.
            if repo.commit_paths(self.root, [PUBLICATIONS], "publish: events recorded by an interrupted run"):
                self.result.commits += 1
            if self.push:
                repo.sync(self.root)

        from socialops.validate.engine import load_config

        config = self.config = load_config(self.root)
        self.schedule = config.schedule
        self.tz = self.schedule.tz
        summary = self.ledger.summary()
        candidates = self._select(summary)
        if not candidates:
            if self.git and not self.dry_run and self.only is None and not self.result.pairs:
                self._remember_next_due(summary)
            return self.result

        # 1. Claims left open by an earlier run: reconcile before anything else.
        stale = [c for c in candidates if c.state is not None and c.state.open_claims]
        fresh = [c for c in candidates if c not in stale]
        for c in stale:
            self._reconcile(c)
        to_claim = [c for c in stale if c.result is None] + fresh

        # 2. Load and validate the posts, the late window, then the claims.
        posts_ok = self._prepare(to_claim)
        claims: list[Candidate] = []
        for c in posts_ok:
            if self._late(c):
                self._outcome(c, "missed", R_MISSED,
                              detail=f"more than {_words(self.schedule.late_window)} late (due "
                                     f"{_local(c.at, self.tz)}); not posted. Publish it again by giving it a "
                                     "new publish_at, or append a 'retry' line to state/publications.csv",
                              issue=("missed", ["missed"]))
                continue
            claims.append(c)
        if self.dry_run:
            for c in claims:
                c.result = PairResult(c.post_id, c.profile, R_WOULD, c.at, c.path,
                                      detail="resumes an earlier claim" if c.key else "")
            self._finish_rows(candidates)
            return self.result

        events = []
        for c in claims:
            if not c.key:
                c.key = uuid.uuid4().hex
            c.attempt = (c.state.attempts if c.state else 0) + 1
            c.request.idempotency_key = c.key
            c.request.attempt = c.attempt
            c.request.resume = c.resume
            events.append(self._event(c, "claimed", key=c.key, attempt=c.attempt, run=self.run_id,
                                      data={"resumed": True} if c.resume else {}))
        if events:
            self.ledger.append(events)
        self._commit(f"publish: claim {len(claims)} post(s)" if claims else "publish: record outcomes",
                     push=bool(claims))
        claims = self._drop_lost_claims(claims)

        # 3. Publish.
        for c in claims:
            self._publish(c)
        self._finish_rows(candidates)
        self._commit(f"publish: {self._summary()}", push=True, final=True)
        self._open_issues()
        return self.result

    # --- selection -----------------------------------------------------------------------------

    def _select(self, summary: Summary) -> list[Candidate]:
        from socialops.repository.index import load_index

        summaries = self._summaries = load_index(self.root, self.tz)
        profiles = self.config.profiles
        slots = self._slots(summaries, profiles, summary)
        by_id: dict[str, Any] = {}
        for s in summaries:
            if s.id is not None and s.error is None and s.id not in by_id:
                by_id[str(s.id)] = s
        now = self.now
        wall = self.clock()
        out: list[Candidate] = []
        for (post_id, profile_id), slot in slots.items():
            if self.only is not None and profile_id not in self.only:
                continue
            if slot.at > now:
                continue
            if summary.is_published((post_id, profile_id)):
                continue
            state = summary.get((post_id, profile_id))
            post = by_id.get(post_id)
            if post is None:
                continue
            if state is not None:
                if state.status == PUBLISHED:
                    continue
                if state.status in (UNCONFIRMED, MISSED):
                    continue
                if state.status == CLAIMED and self._in_flight(state, wall):
                    out_row = PairResult(post_id, profile_id, R_ELSEWHERE, slot.at, post.path,
                                         detail="another run claimed it less than "
                                                f"{_words(self.claim_lease)} ago")
                    self.result.pairs.append(out_row)
                    continue
            out.append(Candidate(post_id, profile_id, post.path, slot.at, state))
        out.sort(key=lambda c: (c.at, c.post_id, c.profile))
        return out

    def _slots(self, summaries, profiles, summary: Summary) -> dict[tuple[str, str], Any]:
        from socialops.plan import schedule as plan

        resolve = getattr(plan, "resolve_times", None)
        if resolve is not None:
            relevant = relevant_posts(summaries, summary.published, now=self.now,
                                      late_window=self.schedule.late_window)
            published = relevant_published(summary.published, relevant, now=self.now,
                                           late_window=self.schedule.late_window)
            from socialops.metrics.report import (
                best_hours,  # cadence slots written as `best` take the hours metrics suggest
            )

            return resolve(relevant, profiles, self.schedule, now=self.now, published=published, until=self.now,
                           best_hours=best_hours(self.root, self.tz))
        # Before the plan could resolve queue slots: timed posts only.
        out = {}
        seen: set[str] = set()
        for s in summaries:
            if s.status != "ready" or s.error or s.id is None or s.publish_ts is None or s.id in seen:
                continue
            seen.add(s.id)
            at = dt.datetime.fromtimestamp(s.publish_ts, dt.UTC)
            for pid in s.profiles:
                out[(str(s.id), pid)] = _TimedSlot(at)
        return out

    def _remember_next_due(self, summary: Summary) -> None:
        """After a run with nothing due: the earliest moment anything can become due, saved with the state
        of the repository, so that runs before that moment with nothing changed stop at once."""
        if any(st.open_claims for st in summary.others.values()):
            return  # a claim left open by another run must be reconciled when its lease ends
        key = due_inputs_key(self.root)
        if key is None:
            return
        nxt = self._next_due(summary)
        save_next_due(self.root, key, nxt)

    def _next_due(self, summary: Summary) -> dt.datetime:
        """A lower bound of when a pending pair falls due: the earliest future publish_at, and for queued posts
        the earliest future cadence slot of their profiles (a slot may be taken: earlier is only slower, never
        wrong). With nothing pending, a day from now."""
        from socialops.metrics.report import best_hours
        from socialops.plan import schedule as plan

        now = self.now
        horizon = now + dt.timedelta(days=1)
        earliest = horizon
        queued: set[str] = set()
        for s in self._summaries:
            if s.status != "ready" or s.error or s.id is None:
                continue
            for pid in s.profiles:
                pair = (str(s.id), pid)
                if summary.is_published(pair):
                    continue
                state = summary.get(pair)
                if state is not None and state.status in (UNCONFIRMED, MISSED):
                    continue
                if s.publish_ts is None:
                    queued.add(pid)
                else:
                    earliest = min(earliest, dt.datetime.fromtimestamp(s.publish_ts, dt.UTC))
        if queued:
            rules = plan.cadence_rules(self.schedule, best_hours(self.root, self.tz))
            gaps = plan.blackouts(self.schedule)
            for pid in queued:
                tz = plan.profile_tz(self.config.profiles.get(pid), self.schedule)
                today = now.astimezone(tz).date()
                future = [slot.at for slot in plan.generate_slots(rules.get(pid, []), tz, today,
                                                                  today + dt.timedelta(days=1), gaps, self.schedule.tz)
                          if slot.at > now]
                if future:
                    earliest = min(earliest, future[0])
        return earliest

    def _in_flight(self, state: PairState, wall: dt.datetime) -> bool:
        """May an open claim belong to a run that is still going (in another clone)?"""
        for claim in state.open_claims.values():
            clone = claim.run.split("/", 1)[0]
            if clone != self.clone and wall - claim.time < self.claim_lease:
                return True
        return False

    def _late(self, c: Candidate) -> bool:
        window = self.schedule.late_window
        base = c.at
        st = c.state
        if st is not None:
            if st.retry_at and st.retry_at > base:
                base = st.retry_at
            if st.status == FAILED and st.permanent and st.outcome_at and st.outcome_at > base:
                base = st.outcome_at  # fixed after a permanent failure: the window counts from the failure
        return self.now - base > window

    # --- preparing requests --------------------------------------------------------------------

    def _prepare(self, candidates: list[Candidate]) -> list[Candidate]:
        """Load each post once, validate it, render it per profile. Returns the candidates that can go."""
        from socialops.core.problems import ERROR
        from socialops.errors import ContentError
        from socialops.repository.posts import load_post
        from socialops.validate.engine import inspect_media, media_paths, post_problems

        loaded: dict[str, tuple[Post | None, list[str]]] = {}
        ok: list[Candidate] = []
        for c in candidates:
            if c.path not in loaded:
                try:
                    post = load_post(self.root, c.path)
                except ContentError as exc:
                    loaded[c.path] = (None, [str(exc)])
                else:
                    stats = {rel: inspect_media(self.root, rel) for rel in media_paths(post)}
                    problems = [p for p in post_problems(post, self.config, stats) if p.severity == ERROR]
                    loaded[c.path] = (post, [f"{p.path}:{p.line}: {p.message}" for p in problems])
            post, errors = loaded[c.path]
            profile = self.config.profiles.get(c.profile)
            if profile is None:
                errors = [*errors, f"{c.path}: the profile '{c.profile}' has no file profiles/{c.profile}.yaml"]
            if errors:
                self._fail_invalid(c, errors)
                continue
            c.post = post
            c.request = self._request(c, post, profile)
            if c.state is not None and c.state.status == FAILED and c.state.permanent and not c.key:
                if c.state.digest and c.state.digest == digest(c.request):
                    continue  # failed for good with this very content: the issue asks a person to fix it
            ok.append(c)
        return ok

    def _fail_invalid(self, c: Candidate, errors: list[str]) -> None:
        reason = "the post does not validate: " + "; ".join(errors[:5])
        st = c.state
        if st is not None and st.status == FAILED and st.permanent and st.reason == one_line(reason) and not c.key:
            return  # already failed for this reason; its issue is open
        if self.dry_run:
            c.result = PairResult(c.post_id, c.profile, R_WOULD_FAIL, c.at, c.path, detail=reason)
            return
        body = "The post cannot be published until these problems are fixed:\n\n" + "\n".join(
            f"- `{e}`" for e in errors) + "\n\nFix the file (run `socialops validate` to check); the next publish " \
            "run tries again."
        self._outcome(c, "failed", R_FAILED, detail=reason, data={"permanent": True, "digest": "invalid"},
                      issue=("failed", ["publish-failed"]), body=body)

    def _request(self, c: Candidate, post: Post, profile: Profile) -> PublishRequest:
        from socialops.content.render import render
        from socialops.networks import NETWORKS
        from socialops.networks.types import MediaFile, PublishRequest
        from socialops.validate.engine import resolve_media_path

        spec = profile.spec or NETWORKS["sandbox"]
        rendered = render(post, profile, spec)
        media = []
        for m in rendered.media:
            rel = resolve_media_path(post.path, m.path) or m.path
            crel = resolve_media_path(post.path, m.captions) if m.captions else None
            media.append(MediaFile(path=(self.root / rel).resolve(), rel=rel, kind=m.kind, alt=m.alt,
                                   captions=(self.root / crel).resolve() if crel else None, captions_rel=crel,
                                   index=m.index))
        return PublishRequest(post_id=c.post_id, profile_id=c.profile, idempotency_key=c.key, rendered=rendered,
                              media=media, root=self.root, live=post.live, scheduled_at=c.at,
                              resume=c.resume)

    # --- reconciliation ------------------------------------------------------------------------

    def _reconcile(self, c: Candidate) -> None:
        from socialops.networks.types import Claim

        st = c.state
        assert st is not None
        if self.dry_run:
            c.result = PairResult(c.post_id, c.profile, R_WOULD_RECONCILE, c.at, c.path,
                                  detail=f"{len(st.open_claims)} claim(s) without outcome")
            return
        profile = self.config.profiles.get(c.profile)
        if profile is None:
            self._outcome(c, "unconfirmed", R_UNCONFIRMED, key=next(iter(st.open_claims)),
                          detail=f"the profile '{c.profile}' is gone, so the claim cannot be checked",
                          issue=("unconfirmed", ["unconfirmed"]))
            return
        request = None
        try:
            from socialops.repository.posts import load_post

            post = load_post(self.root, c.path)
            request = self._request(c, post, profile)
        except SocialOpsError:
            request = None
        claims = sorted(st.open_claims.values(), key=lambda k: k.time)
        not_there: list = []
        for info in claims:
            claim = Claim(post_id=c.post_id, profile_id=c.profile, idempotency_key=info.key, claimed_at=info.time,
                          attempt=info.attempt, progress=dict(info.progress), request=request)
            try:
                network = self._network(profile)
                found = network.reconcile(claim)
            except OutcomeUnknown as exc:
                self._outcome(c, "unconfirmed", R_UNCONFIRMED, key=info.key,
                              detail=f"a claim of {_local(info.time, self.tz)} has no recorded outcome and "
                                     f"{profile.spec.label if profile.spec else profile.network} cannot tell "
                                     f"whether it was published ({self._redact(profile, str(exc))})",
                              issue=("unconfirmed", ["unconfirmed"]))
                return
            except (NetworkError, SocialOpsError) as exc:
                c.result = PairResult(c.post_id, c.profile, R_DEFERRED, c.at, c.path,
                                      detail="could not check an earlier claim: "
                                             f"{self._redact(profile, str(exc))}; the next run tries again")
                return
            if found is not None:
                self._published(c, info.key, found, how="reconciled")
                return
            not_there.append(info)
        # None of the claims reached the network: go on with the latest one (resuming its uploads).
        keep = not_there[-1]
        for info in not_there[:-1]:
            self.ledger.append([self._event(c, "released", key=info.key, detail="reconciled: not on the network")])
        c.key = keep.key
        c.resume = {step: dict(data) for step, data in keep.progress.items()}

    def _drop_lost_claims(self, claims: list[Candidate]) -> list[Candidate]:
        """After pushing the claims: pairs another run claimed (or published) first are released."""
        if not (self.push and self.result.pushed):
            return claims
        summary = self.ledger.summary()
        keep = []
        released = []
        for c in claims:
            done = summary.is_published((c.post_id, c.profile))
            st = summary.get((c.post_id, c.profile))
            rivals = [k for k in (st.open_claims.values() if st else []) if k.key != c.key
                      and k.run.split("/", 1)[0] != self.clone]
            if done or rivals:
                released.append(self._event(c, "released", key=c.key,
                                            detail="another run claimed this pair first"))
                c.result = PairResult(c.post_id, c.profile, R_ELSEWHERE, c.at, c.path,
                                      detail="another run published it" if done else "another run claimed it first")
                continue
            keep.append(c)
        if released:
            self.ledger.append(released)
            self.pending_outcomes += len(released)
        return keep

    # --- publishing ----------------------------------------------------------------------------

    def _network(self, profile: Profile) -> Network:
        network = self.networks.get(profile.id)
        if network is None:
            from socialops.networks.contract import open_network

            client = self.clients(profile) if self.clients else None
            network = open_network(profile, env=self.env, client=client, progress=self._on_progress,
                                   clock=self.clock, sleep=self.sleep, root=self.root,
                                   **self.network_options.get(profile.network, {}))
            self.networks[profile.id] = network
        return network

    def _on_progress(self, item: PublishRequest, step: str, data: Mapping[str, Any]) -> None:
        self.ledger.append([Event(time=self.clock(), post_id=item.post_id, profile=item.profile_id,
                                  event="progress", key=item.idempotency_key, attempt=item.attempt, detail=step,
                                  data=dict(data), run=self.run_id)])

    def _publish(self, c: Candidate) -> None:
        profile = self.config.profiles[c.profile]
        if profile.id in self._auth_failed:
            self.ledger.append([self._event(c, "released", key=c.key,
                                            detail="not tried: the token was refused for an earlier post")])
            c.result = PairResult(c.post_id, c.profile, R_FAILED, c.at, c.path, attempt=c.attempt,
                                  detail=self._auth_failed[profile.id])
            return
        attempt = 0
        while True:
            attempt += 1
            try:
                network = self._network(profile)
                found = network.publish(c.request)
            except OutcomeUnknown as exc:
                settled = self._after_unknown(c, profile, exc)
                if settled:
                    return
                error: NetworkError = exc  # certainly not there: the same key may be sent again
            except AuthError as exc:
                reason = self._redact(profile, str(exc))
                self._auth_failed[profile.id] = reason
                self._outcome(c, "failed", R_FAILED, key=c.key, detail=reason, data={"permanent": False},
                              issue=("failed", ["publish-failed"]))
                return
            except PermanentNetworkError as exc:
                self._outcome(c, "failed", R_FAILED, key=c.key, detail=self._redact(profile, str(exc)),
                              data={"permanent": True, "digest": digest(c.request)},
                              issue=("failed", ["publish-failed"]))
                return
            except TransientNetworkError as exc:
                error = exc
            except SocialOpsError as exc:  # configuration: a missing setting, an adapter not available
                self._outcome(c, "failed", R_FAILED, key=c.key, detail=self._redact(profile, str(exc)),
                              data={"permanent": True, "digest": digest(c.request)},
                              issue=("failed", ["publish-failed"]))
                return
            except Exception as exc:  # noqa: BLE001 - an adapter bug: the outcome is unknown
                settled = self._after_unknown(c, profile, OutcomeUnknown(
                    f"unexpected {type(exc).__name__} in the {profile.network} adapter: {exc}"))
                if settled:
                    return
                error = TransientNetworkError(f"unexpected {type(exc).__name__}: {exc}")
            else:
                self._published(c, c.key, found, how="posted")
                return
            wait = self._backoff(attempt, getattr(error, "retry_after", None))
            if attempt > self.retries or wait is None:
                self._outcome(c, "failed", R_FAILED, key=c.key,
                              detail=f"{self._redact(profile, str(error))} (tried {attempt} times; the next run "
                                     "tries again)",
                              data={"permanent": False}, issue=("failed", ["publish-failed"]))
                return
            self.sleep(wait)

    def _after_unknown(self, c: Candidate, profile: Profile, exc: OutcomeUnknown) -> bool:
        """The answer was lost: ask the network. True when the pair is settled (published/unconfirmed)."""
        from socialops.networks.types import Claim

        claim = Claim(post_id=c.post_id, profile_id=c.profile, idempotency_key=c.key, claimed_at=self.clock(),
                      attempt=c.attempt, progress=dict(c.request.resume), request=c.request)
        try:
            found = self._network(profile).reconcile(claim)
        except (NetworkError, SocialOpsError) as rexc:
            self._outcome(c, "unconfirmed", R_UNCONFIRMED, key=c.key,
                          detail=f"{self._redact(profile, str(exc))}; checking failed too: "
                                 f"{self._redact(profile, str(rexc))}",
                          issue=("unconfirmed", ["unconfirmed"]))
            return True
        if found is not None:
            self._published(c, c.key, found, how="reconciled")
            return True
        return False

    def _backoff(self, attempt: int, retry_after: float | None) -> float | None:
        if retry_after is not None:
            return retry_after if retry_after <= self.max_wait else None
        return min(30.0, 0.5 * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)

    # --- recording -----------------------------------------------------------------------------

    def _event(self, c: Candidate, kind: str, **fields: Any) -> Event:
        fields.setdefault("attempt", c.attempt)
        fields.setdefault("run", self.run_id)
        return Event(time=self.clock(), post_id=c.post_id, profile=c.profile, event=kind, **fields)

    def _published(self, c: Candidate, key: str, found: PublishResult, *, how: str) -> None:
        data: dict[str, Any] = {}
        now = self.clock()
        if found.published_at and abs((found.published_at - now).total_seconds()) > 2:
            data["published_at"] = format_time(found.published_at)  # the network's time, when it differs
        for k, v in (found.extra or {}).items():
            if isinstance(v, str | int | float | bool) and k not in data and k != "via":
                data[k] = v
        self.ledger.append([Event(time=now, post_id=c.post_id, profile=c.profile, event="published", attempt=c.attempt,
                                  key=key, remote_id=str(found.remote_id), url=found.url or "", detail=how, data=data,
                                  run=self.run_id)])
        self.pending_outcomes += 1
        c.result = PairResult(c.post_id, c.profile, R_PUBLISHED, c.at, c.path, remote_id=str(found.remote_id),
                              url=found.url or "", detail=how if how != "posted" else "", attempt=c.attempt)
        if c.state is not None and c.state.status == FAILED:
            self._resolved.append(issue_key("failed", c.post_id, c.profile))
        self._maybe_commit()

    def _outcome(self, c: Candidate, kind: str, status: str, *, detail: str, key: str | None = None,
                 data: dict | None = None, issue: tuple[str, list[str]] | None = None, body: str = "") -> None:
        key = key if key is not None else c.key
        if not self.dry_run:
            self.ledger.append([self._event(c, kind, key=key or "", detail=detail, data=data or {})])
            self.pending_outcomes += 1
        c.result = PairResult(c.post_id, c.profile, status, c.at, c.path, detail=detail, attempt=c.attempt)
        if issue and not self.dry_run:
            name, labels = issue
            self.issues.append((c.result, issue_key(name, c.post_id, c.profile), self._issue_title(name, c),
                                body or self._issue_body(name, c, detail), [*labels, f"profile:{c.profile}"]))
        self._maybe_commit()

    def _maybe_commit(self) -> None:
        # Outcomes are in the ledger file at once (fsynced); commit them in batches on long runs.
        if self.pending_outcomes >= 50 and not self.dry_run:
            self._commit("publish: record outcomes", push=False)

    def _commit(self, message: str, *, push: bool, final: bool = False) -> None:
        from socialops.repository import git as repo

        self.pending_outcomes = 0
        if not self.git or self.dry_run:
            return
        if repo.commit_paths(self.root, [PUBLICATIONS], message):
            self.result.commits += 1
        if push and self.push:
            try:
                self.result.pushed = repo.push_with_retry(self.root, sleep=self.sleep) or self.result.pushed
            except SocialOpsError as exc:
                if not final:
                    raise
                self.result.warnings.append(f"the ledger was committed but not pushed: {exc}")

    def _finish_rows(self, candidates: list[Candidate]) -> None:
        for c in candidates:
            if c.result is not None:
                self.result.pairs.append(c.result)
        self.result.pairs.sort(key=lambda p: (p.at or self.now, p.post_id, p.profile))

    def _summary(self) -> str:
        counts: dict[str, int] = {}
        for p in self.result.pairs:
            counts[p.status] = counts.get(p.status, 0) + 1
        return ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "nothing"

    def _redact(self, profile: Profile, text: str) -> str:
        from socialops.networks.http import redact

        name = profile.token_env
        secrets = [self.env.get(name, "")] if name else []
        return redact(text, [s for s in secrets if s])

    # --- issues --------------------------------------------------------------------------------

    def _issue_title(self, kind: str, c: Candidate) -> str:
        words = {"failed": "Publishing failed", "unconfirmed": "Was it published? Please check",
                 "missed": "Missed its time"}[kind]
        return f"{words}: {c.post_id} on {c.profile}"

    def _issue_body(self, kind: str, c: Candidate, detail: str) -> str:
        from socialops.core.safetext import escape_untrusted_markdown

        lines = [f"**Post:** `{c.path}` (id `{c.post_id}`)", f"**Profile:** `{c.profile}`",
                 f"**Due:** {_local(c.at, self.tz)}", "", escape_untrusted_markdown(detail, max_chars=2000), ""]
        if kind == "unconfirmed":
            lines += [
                "socialops cannot tell whether this post reached the network, so it will not post it again "
                "on its own (that could make a duplicate). Please look at the profile:",
                "",
                f"- **It is there:** append `<time>,{c.post_id},{c.profile},published,,,<id>,<url>,checked by hand,,` "
                "to `state/publications.csv`, or just close this issue.",
                f"- **It is not there:** append `<time>,{c.post_id},{c.profile},retry,,,,,,,` to "
                "`state/publications.csv` (time like 2026-12-01T09:00:00Z); the next run publishes it.",
            ]
        elif kind == "missed":
            lines += ["It was not posted because it is past the late window set in `schedule.yaml` "
                      "(`late_window`). To publish it anyway, give it a new `publish_at`, or append "
                      f"`<time>,{c.post_id},{c.profile},retry,,,,,,,` to `state/publications.csv`."]
        else:
            lines += ["Other posts were published normally. Fix what the message says; the next run tries again "
                      "(a changed post is retried automatically)."]
        return "\n".join(lines)

    def _open_issues(self) -> None:
        if not self.issues and not self._resolved:
            return
        try:
            tracker = self._tracker
            if tracker is None:
                from socialops.tracker.github import tracker_from_env

                tracker = tracker_from_env(self.root, self.env)
            for row, key, title, body, labels in self.issues:
                opened = tracker.open_issue(key, title, body, labels, reopen=True)
                row.issue = opened.url or (f"#{opened.number}" if opened.number else key)
            for key in self._resolved:
                if tracker.find_issue(key) is not None:
                    tracker.close(key, "Published on a later run.")
        except (TrackerError, SocialOpsError) as exc:
            self.result.warnings.append(f"could not open the issues: {exc}")


def relevant_published(published: Mapping[tuple[str, str], float], relevant: list, *, now: dt.datetime,
                       late_window: dt.timedelta) -> dict[tuple[str, str], dt.datetime]:
    """The published pairs resolve_times needs: those of the relevant posts, and those that went out
    near now (they hold cadence slots around it)."""
    lo = (now - late_window - dt.timedelta(days=10)).timestamp()
    hi = (now + dt.timedelta(days=11)).timestamp()
    ids = {p.id for p in relevant}
    return {pair: dt.datetime.fromtimestamp(ts, dt.UTC) for pair, ts in published.items()
            if lo <= ts <= hi or pair[0] in ids}


def relevant_posts(summaries: list, published: Mapping[tuple[str, str], Any], *, now: dt.datetime,
                   late_window: dt.timedelta) -> list:
    """The posts whose presence can change which pairs are due at `now` (for resolve_times with
    until=now): queued posts not fully published, posts timed near now (they take cadence slots around
    it), and older posts with a pair not yet published. Far-future posts and old, fully published ones
    cannot change the answer and are left out, which keeps a run over 100,000 posts fast. Duplicate ids
    are settled first, as resolve_times does (the first file by path wins)."""
    lo = (now - late_window - dt.timedelta(days=10)).timestamp()
    hi = (now + dt.timedelta(days=11)).timestamp()
    seen: set[str] = set()
    out = []
    for post in sorted(summaries, key=lambda p: p.path):
        if not post.id or post.error or post.id in seen:
            continue
        seen.add(post.id)
        ts = post.publish_ts
        if ts is not None and ts > hi:
            continue
        if post.status != "ready":
            continue  # drafts get no slot; duplicates were settled above
        if ts is not None and ts >= lo:
            out.append(post)
        elif any((post.id, pid) not in published for pid in post.profiles):
            out.append(post)
    return out


class _TimedSlot:
    __slots__ = ("at", "source")

    def __init__(self, at: dt.datetime):
        self.at = at
        self.source = "timed"


def _words(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return f"{days} day{'s' if days != 1 else ''}" if days != 1 else "24 h"
    if minutes % 60 == 0:
        return f"{minutes // 60} h"
    return f"{minutes} min"


def due_inputs_key(root: Path) -> list[str] | None:
    """The git tree ids of everything that decides what is due, when none of it has uncommitted changes;
    None otherwise (then only a full run can tell)."""
    from socialops import __version__
    from socialops.repository import git as repo

    status = repo.git(root, "status", "--porcelain", "-z", "--untracked-files=all", "--", *DUE_INPUTS, check=False)
    if status.returncode != 0 or status.stdout:
        return None
    tree = repo.git(root, "ls-tree", "HEAD", "--", *DUE_INPUTS, check=False)
    if tree.returncode != 0:
        return None
    return [__version__, *sorted(tree.stdout.splitlines())]


def save_next_due(root: Path, key: list[str], next_due: dt.datetime) -> None:
    path = root / NEXT_DUE_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"key": key, "next_due": next_due.isoformat()}), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # only costs time


def nothing_due_yet(root: Path, now: dt.datetime) -> bool:
    """True when an earlier run found nothing due until a moment still ahead, and nothing that decides what is
    due has changed since (same committed trees, nothing uncommitted): no need to read a single post."""
    try:
        saved = json.loads((root / NEXT_DUE_FILE).read_text(encoding="utf-8"))
        next_due = dt.datetime.fromisoformat(saved["next_due"])
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if now >= next_due:
        return False
    return saved.get("key") == due_inputs_key(root)


def run_publish(root: Path, *, now: dt.datetime, **options: Any) -> RunResult:
    """One publish run; see :class:`Publisher` for the options. Raises LockError when another run holds
    the lock, GitError when the claims cannot be committed or pushed."""
    return Publisher(root, now=now, **options).run()


def publish_demo(root: Path, *, now: dt.datetime, env: Mapping[str, str] | None = None) -> tuple[RunResult, str]:
    """The demo's publish step: publish the due example posts to the sandbox (no push, outbox issues).
    Returns the result and its table."""
    run_env = {k: v for k, v in (os.environ if env is None else env).items()
               if k not in ("GITHUB_TOKEN", "GITHUB_REPOSITORY")}
    result = run_publish(root, now=now, env=run_env, push=False)
    from socialops.plan.schedule import load_schedule

    return result, format_table(result, load_schedule(root).tz)


def pairs_state(root: Path) -> dict[tuple[str, str], PairState]:
    """The folded ledger of a repository (for other commands: calendar, report)."""
    return fold(Ledger(root).events())


__all__ = ["PENDING", "Publisher", "RunResult", "PairResult", "format_table", "run_publish", "publish_demo",
           "pairs_state"]
