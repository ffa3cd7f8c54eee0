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
   thread: later ones are added to the thread's issue, which is reopened if it was closed -- through the
   tracker (GitHub, or the local outbox without a token), with the comment quoted inert;
6. appends a ``seen`` line per comment to ``state/comments.csv`` right after its issue is written, and
   finally commits ``state/`` and pushes (rebase and retry on a moved branch).

Each comment is handled once: the seen-log is the memory across runs (``merge=union``, so concurrent runs
on two branches merge), the lock keeps two local runs apart, and issue keys
(``comments-<profile>-<thread hash>``) make opening an issue idempotent even when a run dies between
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

from socialops.community.classify import classify
from socialops.community.issues import (
    Found,
    issue_key,
    issue_labels,
    issue_title,
    render_comments,
    render_issue,
    saved_replies,
)
from socialops.community.lexicons import normalise
from socialops.community.settings import ProfileRules, profile_rules
from socialops.core.locks import run_lock
from socialops.core.safetext import escape_untrusted_markdown, inert_for_log
from socialops.errors import NetworkError, SocialOpsError
from socialops.networks.contract import Network, open_network
from socialops.repository import git as repo
from socialops.repository.config import load_config
from socialops.repository.index import load_index
from socialops.repository.profiles import Profile
from socialops.state.comments import COMMENTS_LOG, MODERATION_LOG, comments_log, moderation_log, seen_comments
from socialops.state.publications import PUBLISHED, Ledger
from socialops.tracker import tracker_from_env
from socialops.tracker.interface import Tracker

LOCK_FILE = ".socialops/comments.lock"
DEFAULT_WINDOW_DAYS = 30


def text_digest(text: str) -> str:
    return hashlib.sha256(" ".join(normalise(text).split()).encode("utf-8")).hexdigest()[:16]


@dataclass
class CommentsResult:
    checked_posts: int = 0
    fetched: int = 0
    new: list[Found] = field(default_factory=list)
    issues_opened: list[str] = field(default_factory=list)
    issues_updated: list[str] = field(default_factory=list)
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
            "issues_opened": self.issues_opened, "issues_updated": self.issues_updated,
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
        return _Run(root, now=now, env=env, tracker=tracker, opener=opener, dry_run=dry_run,
                    only=set(profiles) if profiles else None, days=days, push=push,
                    run_id=run_id or env.get("GITHUB_RUN_ID", "")).run()


class _Run:
    def __init__(self, root: Path, *, now: dt.datetime, env: dict[str, str], tracker: Tracker | None,
                 opener: Opener | None, dry_run: bool, only: set[str] | None, days: int | None, push: bool,
                 run_id: str):
        self.networks: dict[str, Network] = {}
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
            if git:
                paths = [p for p in (COMMENTS_LOG, MODERATION_LOG) if (self.root / p).exists()]
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
        for (post_id, profile_id), st in sorted(Ledger(self.root).state().items()):
            if st.status != PUBLISHED or not st.remote_id or st.published_at is None:
                continue
            if self.only is not None and profile_id not in self.only:
                continue
            out.setdefault(profile_id, []).append((post_id, st.remote_id, st.url, st.published_at))
        return out

    def collect(self) -> None:
        config = load_config(self.root)
        self.tz = config.tz
        profiles = config.profiles
        titles = self._titles(self.tz)
        seen = seen_comments(self.root)
        handled: set[tuple[str, str]] = set(seen)
        digests: dict[str, Counter[str]] = {}
        for rec in seen.values():
            d = rec.data.get("digest")
            if d:
                digests.setdefault(rec.profile, Counter())[str(d)] += 1
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
            counts = digests.setdefault(profile_id, Counter())
            for post_id, remote_id, url, _published in recent:
                self.result.checked_posts += 1
                try:
                    comments = network.list_comments(remote_id, since=self.now - window)
                except NetworkError as exc:
                    if getattr(exc, "action", None) == "list":
                        self.result.warnings.append(f"{profile_id}: {network.moderation_spec.label} comments cannot "
                                                    "be read through its API")
                        break
                    self.result.errors.append(f"{profile_id}: comments of {post_id}: "
                                              f"{inert_for_log(network.redact(str(exc)))}")
                    continue
                self.result.fetched += len(comments)
                title, path = titles.get(post_id, (post_id, ""))
                for comment in comments:
                    if comment.own or (profile_id, comment.id) in handled:
                        continue
                    handled.add((profile_id, comment.id))  # once per run too (a network listing it twice)
                    if rules.is_trusted(comment.author_handle, comment.author_id):
                        decision = classify(comment.text, rules=rules, author=comment.author_handle or
                                            comment.author_id)
                    else:
                        digest = text_digest(comment.text)
                        counts[digest] += 1
                        decision = classify(comment.text, rules=rules, author=comment.author_handle,
                                            repeats=counts[digest])
                    self.result.new.append(Found(profile, network.name, post_id, title, path, url or "", comment,
                                                 decision))

    def _titles(self, tz) -> dict[str, tuple[str, str]]:
        try:
            return {p.id: (p.title or p.id, p.path) for p in load_index(self.root, tz) if p.id}
        except SocialOpsError:
            return {}

    # --- acting and flagging ---

    def flag(self) -> None:
        log = comments_log(self.root)
        groups: dict[tuple[str, str], list[Found]] = {}
        for found in self.result.new:
            rules = profile_rules(found.profile.raw)
            if found.decision.flagged and (found.decision.category in rules.flag or found.decision.watch):
                self.auto_hide(found, rules)
                groups.setdefault((found.profile.id, found.comment.thread), []).append(found)
            else:
                log.append([self.seen_row(found)])
        for (profile_id, thread), items in groups.items():
            key = issue_key(profile_id, thread)
            try:
                number = self.write_issue(key, items)
            except SocialOpsError as exc:
                self.result.errors.append(f"{profile_id}: could not open the issue {key}: {inert_for_log(str(exc))}")
                continue  # not marked seen: the next run tries again (the key keeps it to one issue)
            for found in items:
                found.issue, found.issue_number = key, number
            log.append([self.seen_row(found) for found in items])

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
        moderation_log(self.root).append([{
            "time": self.now, "profile": found.profile.id, "network": found.network, "comment_id": found.comment.id,
            "issue": issue_key(found.profile.id, found.comment.thread), "actor": "socialops (hide rule)",
            "action": "hide", "result": result, "detail": detail, "run": self.run_id,
        }])

    def seen_row(self, found: Found) -> dict[str, Any]:
        d = found.decision
        return {
            "time": self.now, "profile": found.profile.id, "network": found.network, "post_id": found.post_id,
            "comment_id": found.comment.id, "event": "seen", "category": d.category, "confidence": d.confidence,
            "issue": found.issue, "reason": d.reason, "run": self.run_id,
            "data": {"comment": found.comment.record(), "digest": text_digest(found.comment.text),
                     "flagged": bool(found.issue), "hidden": found.hidden, "issue_number": found.issue_number,
                     "watch": list(d.watch), "kinds": list(d.kinds)},
        }

    def write_issue(self, key: str, items: list[Found]) -> int | None:
        tracker = self.tracker
        items = sorted(items, key=lambda f: (f.comment.created_at or self.now, f.comment.id))
        known = [s for s in seen_comments(self.root).values() if s.issue == key]
        existing = tracker.find_issue(key) if known else None
        labels = issue_labels(items)
        if existing is None:
            first = len(known) + 1
            body = render_issue(items, start=first, tz=self.tz, replies=saved_replies(self.root),
                                network=self.networks[items[0].profile.id])
            title = issue_title(items)
            issue = tracker.open_issue(key, title, body, labels, reopen=True)
            (self.result.issues_opened if issue.created else self.result.issues_updated).append(key)
            if not issue.created:  # opened by a run that died before writing its seen lines
                tracker.add_labels(key, labels)
            return issue.number
        issue = tracker.open_issue(key, existing.title, existing.body, labels, reopen=True)
        start = len(known) + 1
        text = (f"**{len(items)} more comment{'s' if len(items) > 1 else ''} in this thread** "
                f"({escape_untrusted_markdown(items[0].profile.id)}):\n\n"
                + render_comments(items, start=start, tz=self.tz))
        tracker.comment(key, text)
        tracker.add_labels(key, labels)
        self.result.issues_updated.append(key)
        return issue.number


