"""Comments: fetch new comments on recent publications, classify them, hide per the profiles' rules, and
open an issue for each one that needs a person.

A run (:func:`run_comments`, the ``socialops comments`` command, ``.github/workflows/comments.yml``):

1. takes the lock ``.socialops/comments.lock`` (on GitHub the workflow's concurrency group too) and, when
   the branch has an upstream, fetches and rebases so it sees every comment earlier runs handled;
2. lists the publications of the last ``window`` days (default 30; ``moderation.window_days`` of a profile,
   or ``--days``) from the publication ledger, and asks each profile's network for their comments and
   replies (replies to replies too, where the network has threads);
3. skips comments already in the seen-log ``state/comments.csv`` and the profile's own, and classifies the
   rest (:func:`socialops.community.classify.classify`, with the profile's watch words, extra abusive words and
   trusted accounts);
4. hides at once an abusive (or spam) comment that matches one of the profile's hide rules, where the
   network can hide (the action is recorded in ``state/moderation.csv``);
5. opens one issue per flagged comment -- or one per thread when several flagged comments come from one
   thread: later ones are added to the thread's issue with the next numbers, and it is reopened if it was
   closed -- through the tracker (GitHub, or the local outbox without a token), with the comment quoted
   inert; past the profile's ``moderation.issue_cap`` issues in a run, the rest are listed in the digest
   issue, the most severe first getting issues of their own;
   every comment that gets no issue (not flagged, or past the cap) is listed, one line each, in the
   profile's digest issue of the day (:mod:`socialops.community.digest`), where the same /commands work;
6. appends a line per comment to ``state/comments.csv`` right after its issue is written, drops the lines
   past each profile's retention window, and finally commits ``state/`` and pushes (rebase and retry on a
   moved branch).

Each comment is handled once: the seen-log is the memory across runs (``merge=union``, so concurrent runs
on two branches merge; keyed hashes of the comment ids, never names or texts), the lock keeps two local runs
apart, and issue keys (``comments-<profile>-<keyed thread hash>``) make opening an issue idempotent even when a run dies between
opening it and writing the seen line. A comment's text is never printed (workflow logs): only counts,
categories and ids.

The logs are described in :mod:`socialops.state.comments`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from socialops.community.categories import SEVERITY, Decision
from socialops.community.classify import classify
from socialops.community.digest import write_digest
from socialops.community.issues import (
    Found,
    issue_comments,
    issue_key,
    issue_labels,
    issue_title,
    render_issue,
    saved_replies,
)
from socialops.community.lexicons import normalise
from socialops.community.settings import DEFAULT_WINDOW_DAYS, ProfileRules, profile_rules
from socialops.community.sources import collect_inbox, record_inbox
from socialops.core.locks import run_lock
from socialops.core.safetext import inert_for_log
from socialops.errors import NetworkError, SocialOpsError
from socialops.metrics.tables import deleted_pairs, mark_deleted
from socialops.networks.calls import error_says_gone
from socialops.networks.contract import Network, open_network
from socialops.networks.types import Comment
from socialops.repository import git as repo
from socialops.repository.config import load_config
from socialops.repository.index import load_index
from socialops.repository.profiles import Profile
from socialops.repository.recurrence import base_id
from socialops.state.comments import (
    COMMENTS_LOG,
    MODERATION_LOG,
    SeenComment,
    comments_log,
    drop_expired,
    keyed_hash,
    moderation_log,
    seen_comments,
    state_keys,
    was_seen,
)
from socialops.state.inbox import INBOX_LOG
from socialops.state.publications import PUBLISHED, Ledger
from socialops.tracker import tracker_from_env
from socialops.tracker.interface import Tracker

LOCK_FILE = ".socialops/comments.lock"
MAX_COMMENTS_PER_ISSUE = 10  # quotes of up to 4000 characters each, within GitHub's 65536 per body


def _normalised(text: str) -> str:
    return " ".join(normalise(text).split())


def text_digest(key: bytes, text: str) -> str:
    """A keyed hash of the normalised text: the same text again and again is spam, and the log cannot be
    searched for a text without the key."""
    return keyed_hash(key, _normalised(text), 16)


def legacy_digest(text: str) -> str:
    """The unkeyed digest lines of the first format of the seen-log carry."""
    return hashlib.sha256(_normalised(text).encode("utf-8")).hexdigest()[:16]


@dataclass
class CommentsResult:
    checked_posts: int = 0
    fetched: int = 0
    new: list[Found] = field(default_factory=list)
    issues_opened: list[str] = field(default_factory=list)
    issues_updated: list[str] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    committed: bool = False
    pushed: bool = False
    dry_run: bool = False

    @property
    def failed(self) -> bool:
        return bool(self.errors)

    def counts(self) -> dict[str, int]:
        return dict(Counter(f.decision.category for f in self.new))

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run, "checked_posts": self.checked_posts, "fetched": self.fetched,
            "new": [{"profile": f.profile.id, "post_id": f.post_id, "comment_id": f.comment.id,
                     "category": f.decision.category, "confidence": f.decision.confidence,
                     "flagged": f.decision.flagged, "hidden": f.hidden, "issue": f.issue,
                     "reason": f.decision.reason} for f in self.new],
            "issues_opened": self.issues_opened, "issues_updated": self.issues_updated, "digests": self.digests,
            "errors": self.errors, "warnings": self.warnings, "committed": self.committed, "pushed": self.pushed,
        }


Opener = Callable[["Profile"], "Network"]


def run_comments(root: Path, *, now: dt.datetime, env: Mapping[str, str] | None = None,
                 tracker: Tracker | None = None, opener: Opener | None = None, dry_run: bool = False,
                 profiles: Iterable[str] | None = None, days: int | None = None, push: bool = True,
                 run_id: str = "", lock_timeout: float = 30.0) -> CommentsResult:
    """One comments run. ``opener(profile)`` makes the adapter (default: ``open_network`` with ``env``, the
    repository root and a clock fixed at ``now``). ``tracker`` defaults to ``tracker_from_env``."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    env = dict(os.environ) if env is None else dict(env)
    root = Path(root)
    with run_lock(root, LOCK_FILE, what="comments", timeout=lock_timeout):
        run = _Run(root, now=now, env=env, tracker=tracker, opener=opener, dry_run=dry_run,
                   only=set(profiles) if profiles else None, days=days, push=push,
                   run_id=run_id or env.get("GITHUB_RUN_ID", ""))
        try:
            return run.run()
        finally:
            for network in run.networks.values():  # their HTTP clients
                network.close()


class _Run:
    def __init__(self, root: Path, *, now: dt.datetime, env: dict[str, str], tracker: Tracker | None,
                 opener: Opener | None, dry_run: bool, only: set[str] | None, days: int | None, push: bool,
                 run_id: str):
        self.networks: dict[str, Network] = {}
        self.profiles: dict[str, Profile] = {}
        self.seen: dict[tuple[str, str], SeenComment] = {}
        self.handled: set[tuple[str, str]] = set()
        self.text_counts: dict[str, Counter[str]] = {}  # keyed text hashes of each profile: repeats are spam
        self.tz: Any = dt.UTC
        self.root = root
        self.now = now
        self.env = env
        self._tracker = tracker
        self.opener = opener
        self.dry_run = dry_run
        self.only = only
        self.days = days
        self.push = push
        self.run_id = run_id
        self.result = CommentsResult(dry_run=dry_run)
        self.gone: list[dict[str, str]] = []  # publications found deleted on their network

    @property
    def tracker(self) -> Tracker:
        if self._tracker is None:
            self._tracker = tracker_from_env(self.root, self.env)
        return self._tracker

    def open(self, profile: Profile) -> Network:
        if self.opener is not None:
            return self.opener(profile)
        return open_network(profile, env=self.env, root=self.root, clock=lambda: self.now)

    def run(self) -> CommentsResult:
        git = repo.is_work_tree(self.root)
        if git and self.push and not self.dry_run:
            repo.sync(self.root)
        self.collect()
        if not self.dry_run:
            self.flag()
            record_inbox(self)
            self.forget_old()
            marked = mark_deleted(self.root, self.gone, day=self.now.date().isoformat())
            if git:
                paths = [p for p in (COMMENTS_LOG, MODERATION_LOG, INBOX_LOG) if (self.root / p).exists()]
                paths += [p.relative_to(self.root).as_posix() for p in marked]
                if paths:
                    n = len(self.result.new)
                    self.result.committed = repo.commit_paths(
                        self.root, paths, f"comments: {n} new comment{'s' if n != 1 else ''}, "
                                          f"{len(self.result.issues_opened)} issues opened")
                    if self.result.committed and self.push:
                        self.result.pushed = repo.push_with_retry(self.root)
        return self.result

    # --- fetching and classifying ---

    def publications(self) -> dict[str, list[tuple[str, str, str, dt.datetime]]]:
        """profile id -> [(post id, remote id, url, published at)] within each profile's window."""
        out: dict[str, list[tuple[str, str, str, dt.datetime]]] = {}
        deleted = deleted_pairs(self.root)  # gone from the network: no comments to read
        for (post_id, profile_id), st in sorted(Ledger(self.root).state().items()):
            if st.status != PUBLISHED or not st.remote_id or st.published_at is None or \
                    (profile_id, post_id) in deleted:
                continue
            if self.only is not None and profile_id not in self.only:
                continue
            out.setdefault(profile_id, []).append((post_id, st.remote_id, st.url, st.published_at))
        return out

    def collect(self) -> None:
        config = load_config(self.root)
        self.tz = config.tz
        self.profiles = profiles = config.profiles
        titles = self._titles(self.tz)
        self.seen = seen_comments(self.root)
        for rec in self.seen.values():
            digest = rec.text_hash or rec.legacy.get("digest")
            if digest:
                self.text_counts.setdefault(rec.profile, Counter())[str(digest)] += 1
        for profile_id, pubs in self.publications().items():
            profile = profiles.get(profile_id)
            if profile is None or not profile.raw:
                self.result.warnings.append(f"{profile_id}: published posts but no readable profiles/{profile_id}.yaml")
                continue
            rules = profile_rules(profile.raw)
            window = dt.timedelta(days=self.days or rules.window_days or DEFAULT_WINDOW_DAYS)
            recent = [p for p in pubs if p[3] >= self.now - window]
            if not recent:
                continue
            try:
                network = self.open(profile)
            except SocialOpsError as exc:
                self.result.errors.append(f"{profile_id}: {inert_for_log(str(exc))}")
                continue
            self.networks[profile_id] = network
            for post_id, remote_id, url, _published in recent:
                self.result.checked_posts += 1
                try:
                    comments = network.list_comments(remote_id, since=self.now - window)
                except NetworkError as exc:
                    if error_says_gone(exc):
                        # Deleted on the network: marked in metrics/posts.csv and skipped from now on.
                        self.gone.append({"profile": profile_id, "post_id": post_id, "network": profile.network,
                                          "remote_id": remote_id, "url": url or ""})
                        self.result.warnings.append(f"{profile_id}: {post_id} is no longer on the network: marked "
                                                    "deleted")
                        continue
                    if getattr(exc, "action", None) == "list":
                        self.result.warnings.append(f"{profile_id}: {network.moderation_spec.label} comments cannot "
                                                    "be read through its API")
                        break
                    self.result.errors.append(f"{profile_id}: comments of {post_id}: "
                                              f"{inert_for_log(network.redact(str(exc)))}")
                    continue
                self.result.fetched += len(comments)
                title, path = titles.get(post_id) or titles.get(base_id(post_id), (post_id, ""))
                for comment in comments:
                    self.consider(profile, network, comment, (post_id, title, path, url or ""))
        collect_inbox(self)  # reviews, mentions, messages: sources beyond the ledger's publications

    def consider(self, profile: Profile, network: Network, comment: Comment, post: tuple[str, str, str, str],
                 adjust: Callable[[Decision, Comment], Decision] | None = None) -> None:
        """Classify a comment not seen before (``adjust`` may raise the category: a 1-star review) and add it to
        the run's new ones; the profile's own, and ones seen in an earlier run or already in this one, are left."""
        profile_id, keys = profile.id, self.keys(profile.id)
        if (comment.own or (profile_id, comment.id) in self.handled
                or was_seen(self.seen, profile_id, comment.id, keys)):
            return
        self.handled.add((profile_id, comment.id))  # once per run too (a network listing it twice)
        rules = profile_rules(profile.raw)
        if rules.is_trusted(comment.author_handle, comment.author_id):
            decision = classify(comment.text, rules=rules, author=comment.author_handle or comment.author_id)
        else:
            counts = self.text_counts.setdefault(profile_id, Counter())
            digest = text_digest(keys[0], comment.text)
            counts[digest] += 1
            decision = classify(comment.text, rules=rules, author=comment.author_handle,
                                repeats=counts[digest] + counts[legacy_digest(comment.text)])
        if adjust is not None:
            decision = adjust(decision, comment)
        self.result.new.append(Found(profile, network.name, *post, comment, decision))

    def _titles(self, tz) -> dict[str, tuple[str, str]]:
        try:
            return {p.id: (p.title or p.id, p.path) for p in load_index(self.root, tz) if p.id}
        except SocialOpsError:
            return {}

    # --- acting and flagging ---

    def keys(self, profile_id: str) -> tuple[bytes, ...]:
        return state_keys(self.env, profile_id)

    def flag(self) -> None:
        """Issues for the flagged comments, the most urgent threads first; past a profile's cap, its digest."""
        log = comments_log(self.root)
        groups: dict[tuple[str, str], list[Found]] = {}
        overflow: dict[str, list[Found]] = {}  # profile -> its comments without an issue of their own
        for found in self.result.new:
            rules = profile_rules(found.profile.raw)
            if found.decision.flagged and (found.decision.category in rules.flag or found.decision.watch):
                self.auto_hide(found, rules)
                groups.setdefault((found.profile.id, found.comment.thread), []).append(found)
            else:
                overflow.setdefault(found.profile.id, []).append(found)
        written: Counter[str] = Counter()
        for (profile_id, thread), items in sorted(groups.items(), key=lambda kv: self.urgency(kv[1])):
            if written[profile_id] >= profile_rules(items[0].profile.raw).issue_cap:
                overflow.setdefault(profile_id, []).extend(items)
                continue
            key = issue_key(profile_id, thread, self.keys(profile_id)[0])
            try:
                number, shown = self.write_issue(key, items)
            except SocialOpsError as exc:
                self.result.errors.append(f"{profile_id}: could not open the issue {key}: {inert_for_log(str(exc))}")
                continue  # not marked seen: the next run tries again (the key keeps it to one issue)
            written[profile_id] += 1 if shown else 0
            for found in shown:
                found.issue, found.issue_number = key, number
            log.append([self.seen_row(found, "issue") for found in shown])
            overflow.setdefault(profile_id, []).extend(f for f in items if f not in shown)
        for items in overflow.values():
            if items:
                self.digest(items)

    def urgency(self, items: list[Found]) -> tuple[int, dt.datetime]:
        return (min(SEVERITY.index(f.decision.category) for f in items),
                min(f.comment.created_at or self.now for f in items))

    def digest(self, items: list[Found]) -> None:
        profile = items[0].profile
        try:
            key, number = write_digest(self.tracker, items, now=self.now, tz=self.tz,
                                       network=self.networks[profile.id])
        except SocialOpsError as exc:
            self.result.errors.append(f"{profile.id}: could not write the digest issue: {inert_for_log(str(exc))}")
            return
        self.result.digests.append(key)
        for found in items:
            found.issue, found.issue_number = key, number
        comments_log(self.root).append([self.seen_row(found, "digest") for found in items])

    def forget_old(self) -> None:
        """Drop seen lines past each profile's retention window, never within the window of posts looked at
        (a comment forgotten while its post is still read would be handled again)."""
        keep = {}
        for profile_id, profile in self.profiles.items():
            rules = profile_rules(profile.raw)
            keep[profile_id] = max(rules.retention_days, rules.window_days or DEFAULT_WINDOW_DAYS, self.days or 0)
        drop_expired(self.root, self.now, keep)

    def auto_hide(self, found: Found, rules: ProfileRules) -> None:
        if found.decision.category not in ("abusive", "spam") or found.comment.hidden:
            return
        rule = rules.hide_rule(found.decision, found.comment.text)
        if rule is None:
            return
        found.hide_rule = rule.describe()
        network = self.networks[found.profile.id]
        if not network.can("hide"):
            found.hidden = "cannot"
            result, detail = "unsupported", f"{network.moderation_spec.label} cannot hide comments through its API"
        else:
            try:
                network.hide_comment(found.comment)
                found.hidden, result, detail = "hidden", "done", f"hide rule: {found.hide_rule}"
            except NetworkError as exc:
                found.hidden = "failed: " + inert_for_log(network.redact(str(exc)), 150)
                result, detail = "failed", found.hidden
                self.result.errors.append(f"{found.profile.id}: hiding comment {found.comment.id}: {found.hidden}")
        key = self.keys(found.profile.id)[0]
        moderation_log(self.root).append([{
            "time": self.now, "profile": found.profile.id, "network": found.network,
            "comment": keyed_hash(key, found.comment.id), "issue": issue_key(found.profile.id, found.comment.thread, key),
            "actor": "socialops (hide rule)", "action": "hide", "result": result, "detail": detail, "run": self.run_id,
        }])

    def seen_row(self, found: Found, action: str) -> dict[str, Any]:
        """What the seen-log keeps of a comment: no name, no text, no link (see socialops.state.comments)."""
        key = self.keys(found.profile.id)[0]
        return {"time": self.now, "profile": found.profile.id, "comment": keyed_hash(key, found.comment.id),
                "category": found.decision.category, "action": action, "issue": found.issue,
                "issue_number": found.issue_number, "text_hash": text_digest(key, found.comment.text),
                "run": self.run_id}

    def write_issue(self, key: str, items: list[Found]) -> tuple[int | None, list[Found]]:
        """Open the thread's issue, or add ``items`` to it with the next numbers (the body is rewritten, so a
        deleted comment's quote can be removed later; a short comment tells who watches). Returns its number
        and the comments it shows (the rest, past MAX_COMMENTS_PER_ISSUE, go to the digest)."""
        tracker = self.tracker
        items = sorted(items, key=lambda f: (f.comment.created_at or self.now, f.comment.id))
        known = any(s.issue == key for s in self.seen.values())
        existing = tracker.find_issue(key) if known else None
        network = self.networks[items[0].profile.id]
        if existing is None:
            shown = items[:MAX_COMMENTS_PER_ISSUE]
            body, _ = render_issue(shown, tz=self.tz, replies=saved_replies(self.root), network=network)
            labels = issue_labels(shown)
            issue = tracker.open_issue(key, issue_title(shown), body, labels, reopen=True)
            named = {c.comment.id for c in issue_comments(issue.body)}
            if issue.created or all(f.comment.id in named for f in shown):
                (self.result.issues_opened if issue.created else self.result.issues_updated).append(key)
                if not issue.created:  # opened by a run that died before writing its seen lines
                    tracker.add_labels(key, labels)
                return issue.number, shown
            existing = issue  # opened by /flag from the digest: these comments are added to it
        before = len(issue_comments(existing.body))
        shown = items[:max(0, MAX_COMMENTS_PER_ISSUE - before)]
        if not shown:
            return existing.number, []
        body, named = render_issue(shown, tz=self.tz, replies=saved_replies(self.root), network=network,
                                   previous_body=existing.body)
        labels = issue_labels(shown)
        issue = tracker.open_issue(key, existing.title, existing.body, labels, reopen=True)
        tracker.update_issue(key, body=body)
        numbers = ", ".join(str(c.number) for c in named[before:])
        tracker.comment(key, f"**{len(shown)} more comment{'s' if len(shown) > 1 else ''} in this thread**: "
                             f"comment{'s' if len(shown) > 1 else ''} {numbers} in the issue text above.")
        tracker.add_labels(key, labels)
        self.result.issues_updated.append(key)
        return issue.number, shown
