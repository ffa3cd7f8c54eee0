"""Comments: fetch new comments on recent publications, classify them, hide per the profiles' rules, and
open an issue for each one that needs a person.

A run (:func:`run_comments`, the ``socialops comments`` command, ``.github/workflows/comments.yml``):

1. takes the lock ``.socialops/comments.lock`` (on GitHub the workflow's concurrency group too) and, when
   the branch has an upstream, fetches and rebases so it sees every comment earlier runs handled;
2. lists the publications of the last ``window`` days (default 30; ``moderation.window_days`` of a profile,
   or ``--days``) from the publication ledger, and asks each profile's network for their comments and
   replies (replies to replies too, where the network has threads);
3. skips comments already in the seen-log ``state/comments.csv`` and the profile's own, and classifies the
   rest (:func:`socialops.community.moderation.classify`, with the profile's watch words, extra abusive words and
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
(``comments:<profile>:<thread hash>``) make opening an issue idempotent even when a run dies between
opening it and writing the seen line. A comment's text is never printed (workflow logs): only counts,
categories and ids.

``state/comments.csv`` columns: ``time, profile, network, post_id, comment_id, event, category,
confidence, issue, reason, data, run``; ``event`` is ``seen``; ``data`` is JSON: the comment's record
without its text (author id, handle, name, time, links, thread, network references), the digest of its
normalised text (repeated-text detection), ``hidden`` (what auto-moderation did) and ``issue_number``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialops.core.safetext import inert_for_log, one_line, safe_link
from socialops.errors import LockError, NetworkError, SocialOpsError
from socialops.state.ledger import append_rows, format_time, parse_time

if TYPE_CHECKING:
    from socialops.community.moderation import Decision, ProfileRules
    from socialops.networks.contract import Network
    from socialops.networks.types import Comment
    from socialops.repository.profiles import Profile
    from socialops.tracker.github import Tracker

COMMENTS_LOG = "state/comments.csv"
MODERATION_LOG = "state/moderation.csv"
LOCK_FILE = ".socialops/comments.lock"
DEFAULT_WINDOW_DAYS = 30
COMMENT_FIELDS = ("time", "profile", "network", "post_id", "comment_id", "event", "category", "confidence",
                  "issue", "reason", "data", "run")
ACTION_FIELDS = ("time", "profile", "network", "comment_id", "issue", "actor", "action", "result", "detail",
                 "data", "run")
SEVERITY = ("abusive", "spam", "negative", "question", "other")
CATEGORY_TITLE = {"abusive": "Abusive comment", "spam": "Spam comment", "negative": "Negative feedback",
                  "question": "Question", "other": "Comment with a watch word"}


# --- append-only CSV logs -----------------------------------------------------------------------------------


class CsvLog:
    """An append-only CSV log under state/ (one event a line, whole lines in one fsynced write)."""

    def __init__(self, root: Path, rel: str, fields: tuple[str, ...]):
        self.root = Path(root)
        self.rel = rel
        self.path = self.root / rel
        self.fields = fields

    def rows(self) -> list[dict[str, str]]:
        """Every complete row; header lines (repeated by a union merge) and torn lines are skipped."""
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return []
        out = []
        for row in csv.reader(io.StringIO(text)):
            if len(row) != len(self.fields) or row[0] == self.fields[0]:
                continue
            try:
                parse_time(row[0])
            except ValueError:
                continue
            out.append(dict(zip(self.fields, row, strict=True)))
        return out

    def append(self, rows: Iterable[Mapping[str, Any]]) -> None:
        append_rows(self.path, ",".join(self.fields),
                    [[_cell(row.get(name, "")) for name in self.fields] for row in rows])


def _cell(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return format_time(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True) if value else ""
    return one_line(str(value)) if value is not None else ""


def comments_log(root: Path) -> CsvLog:
    return CsvLog(root, COMMENTS_LOG, COMMENT_FIELDS)


def moderation_log(root: Path) -> CsvLog:
    return CsvLog(root, MODERATION_LOG, ACTION_FIELDS)


@dataclass
class SeenComment:
    """A comment as the seen-log remembers it (no text)."""

    profile: str
    network: str
    post_id: str
    comment_id: str
    category: str
    confidence: str
    issue: str
    reason: str
    data: dict[str, Any]
    time: dt.datetime

    def comment(self) -> Comment:
        from socialops.networks.types import Comment

        return Comment.from_record(self.data.get("comment") or {})

    @property
    def issue_number(self) -> int | None:
        value = self.data.get("issue_number")
        return int(value) if isinstance(value, int) or (isinstance(value, str) and value.isdigit()) else None


def seen_comments(root: Path) -> dict[tuple[str, str], SeenComment]:
    """(profile, comment id) -> what the seen-log says, first record wins."""
    out: dict[tuple[str, str], SeenComment] = {}
    for row in comments_log(root).rows():
        if row["event"] != "seen":
            continue
        key = (row["profile"], row["comment_id"])
        if key in out:
            continue
        try:
            data = json.loads(row["data"]) if row["data"] else {}
        except ValueError:
            data = {}
        out[key] = SeenComment(row["profile"], row["network"], row["post_id"], row["comment_id"], row["category"],
                               row["confidence"], row["issue"], row["reason"], data if isinstance(data, dict) else {},
                               parse_time(row["time"]))
    return out


def text_digest(text: str) -> str:
    from socialops.community.moderation import normalise

    return hashlib.sha256(" ".join(normalise(text).split()).encode("utf-8")).hexdigest()[:16]


def issue_key(profile_id: str, thread: str) -> str:
    """The tracker key of a thread's issue: stable, short, safe as a file name."""
    return f"comments-{profile_id}-{hashlib.sha256(thread.encode('utf-8')).hexdigest()[:16]}"


# --- safe text for issues and logs -------------------------------------------------------------------------

# --- a run ---------------------------------------------------------------------------------------------------


@dataclass
class Found:
    """One new comment of this run, classified."""

    profile: Profile
    network: str
    post_id: str
    post_title: str
    post_path: str
    post_url: str
    comment: Comment
    decision: Decision
    hidden: str = ""  # what auto-moderation did: "" | "hidden" | "cannot" | "failed: ..."
    hide_rule: str = ""
    issue: str = ""
    issue_number: int | None = None


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
    from filelock import FileLock, Timeout

    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    env = dict(os.environ) if env is None else dict(env)
    root = Path(root)
    lock_path = root / LOCK_FILE
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_path))
    try:
        lock.acquire(timeout=lock_timeout)
    except Timeout:
        raise LockError(f"another comments run holds {LOCK_FILE} (waited {lock_timeout:.0f} s); let it finish and "
                        "run again") from None
    try:
        return _Run(root, now=now, env=env, tracker=tracker, opener=opener, dry_run=dry_run,
                    only=set(profiles) if profiles else None, days=days, push=push,
                    run_id=run_id or env.get("GITHUB_RUN_ID", "")).run()
    finally:
        lock.release()


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
            from socialops.tracker.github import tracker_from_env

            self._tracker = tracker_from_env(self.root, self.env)
        return self._tracker

    def open(self, profile: Profile) -> Network:
        if self.opener is not None:
            return self.opener(profile)
        from socialops.networks.contract import open_network

        return open_network(profile, env=self.env, root=self.root, clock=lambda: self.now)

    def run(self) -> CommentsResult:
        from socialops.repository import git as repo

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
        from socialops.state.ledger import PUBLISHED, Ledger

        out: dict[str, list[tuple[str, str, str, dt.datetime]]] = {}
        for (post_id, profile_id), st in sorted(Ledger(self.root).state().items()):
            if st.status != PUBLISHED or not st.remote_id or st.published_at is None:
                continue
            if self.only is not None and profile_id not in self.only:
                continue
            out.setdefault(profile_id, []).append((post_id, st.remote_id, st.url, st.published_at))
        return out

    def collect(self) -> None:
        from socialops.community.moderation import classify, profile_rules
        from socialops.validate.engine import load_config

        config = load_config(self.root)
        self.tz = config.tz
        titles = self._titles(config.tz)
        seen = seen_comments(self.root)
        handled: set[tuple[str, str]] = set(seen)
        digests: dict[str, Counter[str]] = {}
        for rec in seen.values():
            d = rec.data.get("digest")
            if d:
                digests.setdefault(rec.profile, Counter())[str(d)] += 1
        for profile_id, pubs in self.publications().items():
            profile = config.profiles.get(profile_id)
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
        from socialops.repository.index import load_index

        try:
            return {p.id: (p.title or p.id, p.path) for p in load_index(self.root, tz) if p.id}
        except SocialOpsError:
            return {}

    # --- acting and flagging ---

    def flag(self) -> None:
        from socialops.community.moderation import profile_rules

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
        from socialops.core.safetext import escape_untrusted_markdown

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


# --- issue text ------------------------------------------------------------------------------------------


def issue_labels(items: list[Found]) -> list[str]:
    from socialops.community.moderation import CUSTOMER_SERVICE

    labels: list[str] = []
    for found in items:
        cat = found.decision.category
        labels += [cat] if cat != "other" else ["watch-word"]
        labels.append("customer-service" if cat in CUSTOMER_SERVICE else "moderation" if cat != "other" else "")
        labels += [f"profile:{found.profile.id}", f"network:{found.network}"]
        if found.hidden == "hidden":
            labels.append("hidden")
    return [lab for lab in dict.fromkeys(labels) if lab]


def issue_title(items: list[Found]) -> str:
    cats = [f.decision.category for f in items]
    top = min(cats, key=SEVERITY.index)
    what = CATEGORY_TITLE[top]
    profile = items[0].profile
    thread = f" ({len(items)} in one thread)" if len(items) > 1 else ""
    title = " ".join(items[0].post_title.split())[:60]
    return f"{what} on {profile.id}{thread}: {title}"[:250]


def saved_replies(root: Path) -> list[str]:
    folder = Path(root) / "replies"
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.md") if p.stem.lower() != "readme"
                  and re.fullmatch(r"[A-Za-z0-9_-]+", p.stem))


def _when(moment: dt.datetime | None, tz) -> str:
    if moment is None:
        return "unknown"
    local = moment.astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} ({moment.astimezone(dt.UTC):%H:%M} UTC)"


def render_comments(items: list[Found], *, start: int, tz) -> str:
    from socialops.core.safetext import escape_untrusted_markdown, quote_untrusted

    parts = []
    for n, found in enumerate(items, start):
        c, d = found.comment, found.decision
        name = escape_untrusted_markdown(c.author_name or c.author_handle or "unknown", max_chars=80)
        handle = escape_untrusted_markdown(c.author_handle, max_chars=80) if c.author_handle else ""
        lines = [f"#### Comment {n} · {d.category} ({d.confidence} confidence)", "",
                 f"- **Author:** {name}" + (f" ({handle})" if handle and c.author_handle != c.author_name else ""),
                 f"- **Written:** {_when(c.created_at, tz)}",
                 f"- **Comment:** {safe_link(c.url, 'open on the network')}" + (" · a reply in a thread"
                                                                                  if c.parent_id else ""),
                 f"- **Post:** {escape_untrusted_markdown(found.post_title, max_chars=120)} "
                 f"({safe_link(found.post_url, 'published post')}"
                 + (f", `{found.post_path}`" if found.post_path and "`" not in found.post_path else "") + ")",
                 f"- **Why flagged:** {escape_untrusted_markdown(d.reason, max_chars=600)}"]
        if found.hidden == "hidden":
            lines.append(f"- **Hidden at once** by the profile's hide rule ({escape_untrusted_markdown(found.hide_rule)}):"
                         " write `/unhide` to show it again.")
        elif found.hidden == "cannot":
            lines.append(f"- **Not hidden:** it matches the hide rule ({escape_untrusted_markdown(found.hide_rule)}),"
                         " but this network cannot hide comments through its API (see below).")
        elif found.hidden.startswith("failed"):
            lines.append(f"- **Hiding failed:** {escape_untrusted_markdown(found.hidden, max_chars=200)}; try `/hide`.")
        lines += ["", quote_untrusted(c.text), ""]
        parts.append("\n".join(lines))
    return "\n".join(parts)


def render_issue(items: list[Found], *, start: int, tz, replies: list[str], network: Network) -> str:
    from socialops.community.moderation import CUSTOMER_SERVICE, manual_steps
    from socialops.core.safetext import escape_untrusted_markdown

    profile = items[0].profile
    cats = [f.decision.category for f in items]
    top = min(cats, key=SEVERITY.index)
    kind = "customer service" if top in CUSTOMER_SERVICE else "moderation" if top != "other" else "a watch word"
    label = network.moderation_spec.label
    head = (f"**{CATEGORY_TITLE[top]}** on **{escape_untrusted_markdown(profile.display_name, max_chars=100)}** "
            f"(`{profile.id}`, {label}) — {kind}.")
    if len(items) > 1:
        head += f" {len(items)} flagged comments from one thread."
    saved = ", ".join(f"`@{r}`" for r in replies) or "none yet (add Markdown files to `replies/`)"
    many = len(items) > 1
    target = " 2" if many else ""
    rows = [
        ("/reply Your answer", "answers the comment publicly as the profile"),
        ("/reply @name", f"sends a saved reply from `replies/name.md` (`{{name}}` becomes the commenter's name); "
                         f"saved replies: {saved}"),
        ("/hide", "hides the comment"), ("/unhide", "shows a hidden comment again"),
        ("/delete", "deletes the comment"), ("/block", "blocks the comment's author"),
        ("/dismiss", "nothing to do: closes this issue"),
    ]
    table = ["| command | does |", "|---|---|"]
    for cmd, does in rows:
        verb = cmd.split()[0][1:]
        note = "" if verb in ("reply", "dismiss") or network.can(verb) else f" — **not possible on {label}**"
        number = "" if verb == "dismiss" else target
        table.append(f"| `{cmd.split()[0]}{number}{cmd[len(cmd.split()[0]):]}` | {does}{note} |")
    cannot = [a for a in ("hide", "delete", "block") if not network.can(a)]
    manual = ""
    if cannot:
        manual = "\n\n" + "\n".join(f"- **{a} by hand:** {manual_steps(network.moderation_spec.name, a)}" for a in cannot)
    who = (f"Only people with write access to this repository, or listed under `roles.moderators` in "
           f"`{profile.path}`, may use the commands; the answer comes as a comment here, and the issue is closed "
           "when the comment is handled.")
    thread_note = ("\n\nThis issue collects a thread: put the comment's number after the command "
                   "(`/hide 2`, `/reply 2 Kiitos!`); without a number the command acts on the latest comment."
                   if many else "")
    return "\n".join([
        head, "",
        render_comments(items, start=start, tz=tz),
        "### Commands", "",
        "Answer in a comment of this issue, starting with one of:", "",
        *table,
    ]) + manual + thread_note + "\n\n" + who + "\n"


# --- the local outbox ------------------------------------------------------------------------------------


def outbox_issue(root: Path, number: int) -> dict[str, Any] | None:
    """The outbox issue with this number (the local stand-in for GitHub issues), or None."""
    folder = Path(root) / ".socialops" / "outbox" / "issues"
    if not folder.is_dir():
        return None
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if data.get("number") == number:
            return data
    return None
