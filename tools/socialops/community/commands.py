"""The /commands people answer with in a flagged comment's issue (``socialops moderate``,
``.github/workflows/moderate.yml``): parsing (:func:`parse_command`), who may (:mod:`socialops.community.access`),
and carrying them out on the network (:func:`run_moderate`), each recorded in ``state/moderation.csv``.

``/reply N text``, ``/reply N @saved-reply``, ``/hide N``, ``/unhide N``, ``/delete N``, ``/block N``,
``/dismiss``, and in the digest (:mod:`socialops.community.digest`) ``/flag N`` (an issue of its own). N is the comment's number in the issue (or its id): a command acts on the comment it names,
never on "the latest" one, so a comment added to the thread later cannot become the target of a command
written about another. N may be left out only while the issue holds one comment.

Only ``socialops``-labelled issues are looked at. A refusal (someone without rights) changes nothing: it is
not written to ``state/moderation.csv`` nor committed, and it is answered once per issue (the
``command-refused`` label remembers), so strangers cannot keep the branch moving or the issue busy.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from socialops.community.access import Authorization, authorize, refusal
from socialops.community.digest import digest_comments, digest_entries, flag_from_digest
from socialops.community.issues import IssueComment, issue_comments, redact_quote, saved_replies
from socialops.community.manual import manual_steps
from socialops.community.replies import reply_text
from socialops.community.settings import profile_rules
from socialops.community.tasks import run_task_command
from socialops.core.safetext import escape_untrusted_markdown, quote_untrusted
from socialops.errors import NetworkError, SocialOpsError, TrackerError, UsageError
from socialops.networks.contract import Network, open_network
from socialops.networks.types import Comment
from socialops.publish.tasks import task_pair
from socialops.repository import git as repo
from socialops.repository.config import load_config
from socialops.repository.profiles import Profile, find_profiles, load_profile
from socialops.state.comments import CsvLog, keyed_hash, moderation_log, seen_comments, state_keys
from socialops.tracker.interface import Tracker
from socialops.tracker.markers import INDEX_LABEL, marker_key

COMMANDS = ("reply", "hide", "unhide", "delete", "block", "dismiss", "flag", "unreply")
REFUSED_LABEL = "command-refused"
_COMMAND = re.compile(r"\A\s*/(?P<verb>[a-z]+)(?P<rest>[^\n]*)(?P<more>(?:\n.*)?)\Z", re.S)
_SAVED = re.compile(r"\A@(?P<name>[A-Za-z0-9_-]{1,64})\Z")


@dataclass(frozen=True)
class Command:
    verb: str
    text: str = ""  # /reply: the text, or "@name" for a saved reply
    target: int | None = None  # the number of the comment it names
    named: str = ""  # what was written where the comment's number goes, when it names no comment of the issue

    @property
    def saved_reply(self) -> str | None:
        m = _SAVED.match(self.text.strip())
        return m.group("name") if m else None


def parse_command(body: str, *, comments_in_issue: int = 1, ids: Sequence[str] = ()) -> Command | None:
    """The /command at the start of an issue comment, or None when the comment is no command of ours.

    ``/reply text`` takes the rest of the comment (several lines allowed). A number (1 to
    ``comments_in_issue``) or a comment id (``ids``, in the issue's order) right after the verb names the
    comment (``/hide 2``, ``/reply 2 Kiitos!``). Anything else there is kept in ``named`` (and refused),
    except in ``/reply`` to an issue of one comment, where it is the start of the text."""
    m = _COMMAND.match((body or "").replace("\r\n", "\n"))
    if not m or m.group("verb") not in COMMANDS:
        return None
    verb = m.group("verb")
    rest = (m.group("rest") + m.group("more")).strip()
    first, remainder = (rest.split(None, 1) + ["", ""])[:2] if rest else ("", "")
    target, named = None, ""
    if first.isdigit() and 1 <= int(first) <= comments_in_issue:
        target = int(first)
    elif first and first in ids:
        target = list(ids).index(first) + 1
    elif first and verb != "dismiss" and (verb != "reply" or (first.isdigit() and comments_in_issue > 1)):
        named = first
    if target is not None:
        rest = remainder.strip()
    return Command(verb, rest if verb == "reply" else "", target, named)


# --- running a command from an issue comment (socialops moderate, .github/workflows/moderate.yml) ---------

HANDLED_BY_PEOPLE = frozenset({"reply", "hide", "unhide", "delete", "block", "dismiss", "flag"})
AUTO_ACTOR = "socialops (hide rule)"
DONE_WORDS = {"hide": "Hidden", "unhide": "Shown again (unhidden)", "delete": "Deleted", "block": "Blocked the author of",
              "unreply": "Removed the profile's answer to"}


@dataclass
class ModerateResult:
    status: str  # ignored | refused | usage | unsupported | failed | done | done-unconfirmed
    message: str  # for the log: never contains comment text
    issue: int | None = None
    committed: bool = False
    pushed: bool = False

    @property
    def exit_code(self) -> int:
        return 1 if self.status in ("refused", "failed", "done-unconfirmed") else 0


@dataclass(frozen=True)
class _Request:
    """A /command written in the issue of a comment socialops flagged."""

    login: str
    number: int
    key: str
    event_id: str  # the issue comment's id: a command is carried out once
    records: list[IssueComment]  # the comments the issue names, by number
    command: Command
    labels: frozenset[str]
    body: str = ""  # the issue's text (a digest's entries name the post of each comment, for /flag)


def run_moderate(root: Path, event: Mapping[str, Any], *, now: dt.datetime, env: Mapping[str, str],
                 tracker: Tracker, permission: Callable[[str], str | None] | None = None,
                 opener: Callable[[Profile], Network] | None = None, key: str | None = None, push: bool = True,
                 run_id: str = "") -> ModerateResult:
    """Carry out the /command of an ``issue_comment`` event (GitHub's payload: ``comment.body``,
    ``comment.user.login``, ``comment.id``, ``issue.number``, ``issue.body``, ``issue.labels``). ``key``: the
    issue's tracker key when already known (the local outbox); otherwise it is read from the hidden marker of
    the issue body. ``permission(login)``: the person's repository permission (see
    :meth:`socialops.tracker.interface.Tracker.permission`)."""
    root = Path(root)
    issue_body = str(event["issue"].get("body") or "") if isinstance(event.get("issue"), dict) else ""
    task_key = key or _unquote(marker_key(issue_body))
    if task_pair(task_key):  # a manual task's issue: /done URL, /skip
        done = run_task_command(root, event, task_key or "", now=now, tracker=tracker, permission=permission,
                                push=push, run_id=run_id)
        return ModerateResult(done.status, done.message, done.issue, done.committed, done.pushed)
    request = _read_request(root, event, key, tracker)
    if isinstance(request, ModerateResult):
        return request
    profile_id = _profile_of(root, request)
    rel = next((r for r in find_profiles(root) if Path(r).stem == profile_id), None)
    if rel is None:
        return ModerateResult("ignored", f"no profile file for {profile_id}", request.number)
    profile = load_profile(root, rel)
    auth = authorize(request.login, profile_rules(profile.raw), permission)
    if not auth.allowed:  # nothing is written or committed for a refusal, and it is answered once per issue
        if REFUSED_LABEL not in request.labels:
            tracker.comment(request.number, refusal(request.login, profile.id, profile.path))
            tracker.add_labels(request.number, [REFUSED_LABEL])
        return ModerateResult("refused", f"{request.login}: {auth.how}", request.number)
    log = moderation_log(root)
    if request.event_id and any(r["issue"] == request.key and json_get(r["data"], "event") == request.event_id
                                and r["result"] != "failed" for r in log.rows()):
        return ModerateResult("ignored", f"this command (comment {request.event_id}) was already carried out",
                              request.number)
    git = repo.is_work_tree(root)
    if git and push:
        repo.sync(root)
    run = _Moderation(root, request, profile, log, now, tracker, run_id, state_keys(env, profile.id)[0])
    result = run.carry_out(auth, opener or (lambda p: open_network(p, env=env, root=root, clock=lambda: now)))
    if git:
        result.committed = repo.commit_paths(root, ["state/moderation.csv"],
                                             f"moderate: /{request.command.verb} on issue #{request.number} by "
                                             f"{request.login}: {result.status}")
        if result.committed and push:
            result.pushed = repo.push_with_retry(root)
    return result


def _profile_of(root: Path, request: _Request) -> str:
    """The profile of the issue, as its seen lines say, or from its key (comments-<profile>-<hash>)."""
    seen = next((s.profile for s in seen_comments(root).values() if s.issue == request.key), None)
    return seen or request.key.removeprefix("comments-").rsplit("-", 1)[0]


def _label_names(labels: Any) -> frozenset[str]:
    if not isinstance(labels, list):
        return frozenset()
    return frozenset(str(lab.get("name") if isinstance(lab, dict) else lab) for lab in labels)


def _read_request(root: Path, event: Mapping[str, Any], key: str | None,
                  tracker: Tracker) -> _Request | ModerateResult:
    """The command of the event, or why it is none of ours (ignored)."""
    comment = event.get("comment") if isinstance(event.get("comment"), dict) else {}
    issue = event.get("issue") if isinstance(event.get("issue"), dict) else {}
    user = comment.get("user") if isinstance(comment.get("user"), dict) else {}
    login = str(user.get("login") or "")
    number = issue.get("number") if isinstance(issue.get("number"), int) else None
    if issue.get("pull_request"):
        return ModerateResult("ignored", "a pull request comment", number)
    if not login or user.get("type") == "Bot" or login.endswith("[bot]"):
        return ModerateResult("ignored", "a comment by a bot", number)
    body = str(comment.get("body") or "")
    if not body.lstrip().startswith("/"):
        return ModerateResult("ignored", "not a command", number)
    issue_body = str(issue.get("body") or "")
    key = key or _unquote(marker_key(issue_body))
    if not key or number is None:
        return ModerateResult("ignored", "the issue is not about a comment socialops flagged", number)
    labels = _label_names(issue.get("labels"))
    if "labels" not in issue or not issue_body:  # a command typed on the command line: the tracker knows
        found = tracker.find_issue(key)
        labels = frozenset(found.labels) if found else frozenset()
        issue_body = issue_body or (found.body if found else "")
    if INDEX_LABEL not in labels:
        return ModerateResult("ignored", f"the issue has no '{INDEX_LABEL}' label", number)
    records = issue_comments(issue_body) or digest_comments(issue_body) or _legacy_records(root, key, number)
    if not records:
        return ModerateResult("ignored", "the issue is not about a comment socialops flagged", number)
    command = parse_command(body, comments_in_issue=len(records), ids=[r.comment.id for r in records])
    if command is None:
        return ModerateResult("ignored", "not a socialops command", number)
    return _Request(login, number, key, str(comment.get("id") or ""), records, command, labels, issue_body)


def _legacy_records(root: Path, key: str, number: int) -> list[IssueComment]:
    """The comments of an issue opened before issues named their comments: from the first-format lines of
    the seen-log, numbered by time as those issues were."""
    lines = sorted((s for s in seen_comments(root).values() if s.issue == key and s.legacy.get("comment")),
                   key=lambda s: (str(s.legacy["comment"].get("created_at", "")), s.legacy_id))
    recorded = {s.issue_number for s in lines if s.issue_number is not None}
    if recorded and number not in recorded:
        return []
    return [IssueComment(n, Comment.from_record(s.legacy["comment"]), s.network, s.category)
            for n, s in enumerate(lines, 1)]


@dataclass
class _Moderation:
    """Carrying out one authorised request; every outcome is recorded and answered in the issue."""

    root: Path
    request: _Request
    profile: Profile
    log: CsvLog
    now: dt.datetime
    tracker: Tracker
    run_id: str
    state_key: bytes

    def resolve(self) -> tuple[IssueComment | None, str]:
        """(the comment the command names, or why there is none: said in the issue)."""
        command, records = self.request.command, self.request.records
        numbers = ", ".join(str(r.number) for r in records)
        example = f"`/{command.verb} {records[-1].number}`"
        if command.named:
            return None, (f"There is no comment `{escape_untrusted_markdown(command.named, max_chars=40)}` in "
                          f"this issue (it holds comment{'s' if len(records) > 1 else ''} {numbers}), so nothing "
                          f"was done. Write the number shown after **Comment** in the issue text, like {example}.")
        if command.target is None and len(records) > 1:
            return None, (f"This issue holds {len(records)} comments ({numbers}), so nothing was done: say which "
                          f"one, like {example}, with the number shown after **Comment** in the issue text.")
        target = command.target or records[0].number
        return next(r for r in records if r.number == target), ""

    def ref(self, record: IssueComment) -> str:
        return keyed_hash(self.state_key, record.comment.id)

    def record(self, targets: list[IssueComment], action: str, result: str, detail: str, network: str = "") -> None:
        r = self.request
        self.log.append([{"time": self.now, "profile": self.profile.id, "network": network or c.network,
                          "comment": self.ref(c), "issue": r.key, "actor": r.login, "action": action,
                          "result": result, "detail": detail,
                          "data": {"event": r.event_id, "issue_number": r.number}, "run": self.run_id}
                         for c in targets])

    def answer(self, text: str) -> None:
        self.tracker.comment(self.request.number, text)

    def carry_out(self, auth: Authorization, opener: Callable[[Profile], Network]) -> ModerateResult:
        r, verb = self.request, self.request.command.verb
        if verb == "dismiss":
            self.record(r.records, "dismiss", "done", f"dismissed ({auth.how})")
            self.tracker.close(r.key, f"Dismissed by @{r.login}: nothing to do on the network. Closing.")
            return ModerateResult("done", f"/dismiss by {r.login}", r.number)
        target, problem = self.resolve()
        if target is None:
            self.answer(problem)
            return ModerateResult("usage", "the command names no comment of the issue", r.number)
        text = ""
        if verb == "reply":
            text, problem = reply_text(self.root, r.command.text, r.command.saved_reply, target)
            if problem:
                self.answer(problem)
                self.record([target], "reply", "usage", "no usable reply text")
                return ModerateResult("usage", "no usable reply text", r.number)
        try:
            network = opener(self.profile)
        except SocialOpsError as exc:
            self.answer(f"Nothing was done: {escape_untrusted_markdown(str(exc), max_chars=400)}")
            self.record([target], verb, "failed", str(exc))
            return ModerateResult("failed", "the network could not be opened", r.number)
        with network:
            return self.on_network(network, auth, target, text)

    def on_network(self, network: Network, auth: Authorization, target: IssueComment, text: str) -> ModerateResult:
        r, verb = self.request, self.request.command.verb
        label, name = network.moderation_spec.label, network.moderation_spec.name
        if verb == "flag":
            return self.flag(network, target)
        if verb != "reply" and not network.can(verb):
            self.answer(f"{label}'s API cannot {verb} comments, so nothing was done on the network. By hand: "
                        f"{manual_steps(name, verb)}\n\nWhen it is done, write `/dismiss` to close this issue.")
            self.record([target], verb, "unsupported", f"{label} cannot {verb}", network.name)
            return ModerateResult("unsupported", f"{label} cannot {verb}", r.number)
        comment = target.comment
        try:
            reply_id = ""
            if verb == "reply":
                reply_id = network.reply_to_comment(comment, text, key=f"{r.key}:{r.event_id or r.login}:{comment.id}")
            elif verb in ("hide", "unhide"):
                network.hide_comment(comment, hidden=verb == "hide")
            elif verb == "delete":
                network.delete_comment(comment)
            elif verb == "block":
                network.block_author(comment)
            elif verb == "unreply":  # a review's answer (Google): the review itself stays
                network.delete_reply(comment)
        except NetworkError as exc:
            message = network.redact(str(exc))
            self.answer(f"Could not {verb} the comment on {label}: {escape_untrusted_markdown(message, max_chars=400)}"
                        ". Nothing changed; try again later, or do it by hand: " + manual_steps(name, verb))
            self.record([target], verb, "failed", message, network.name)
            return ModerateResult("failed", f"/{verb} failed on {label}", r.number)
        self.record([target], verb, "done", f"{auth.how}" + (f"; reply {reply_id}" if reply_id else ""), network.name)
        try:  # the action is done and recorded: a failing issue update must not keep the record from the commit
            removed = self.remove_quote(target, label) if verb == "delete" else ""
            self.confirm(label, target, text, removed)
        except TrackerError as exc:
            return ModerateResult("done-unconfirmed", f"/{verb} by {r.login} on {label} was done and recorded, but "
                                  f"the issue could not be updated: {exc}", r.number)
        return ModerateResult("done", f"/{verb} by {r.login} on {label}", r.number)

    def flag(self, network: Network, target: IssueComment) -> ModerateResult:
        """``/flag N`` in a digest: the comment gets an issue of its own, and the digest says where."""
        r = self.request
        entry = next((e for e in digest_entries(r.body) if e.get("n") == target.number), None)
        if entry is None:
            self.answer("`/flag` works in a digest of comments only: this issue is the comment's own already.")
            return ModerateResult("usage", "/flag outside a digest", r.number)
        try:
            flagged = flag_from_digest(self.tracker, entry, profile=self.profile, network=network,
                                       state_key=self.state_key, tz=self.timezone(), replies=saved_replies(self.root),
                                       who=f"@{r.login}")
        except NetworkError as exc:
            message = network.redact(str(exc))
            self.answer(f"Could not read comment {target.number} on {network.moderation_spec.label}: "
                        f"{escape_untrusted_markdown(message, max_chars=400)}. Nothing changed; try again later.")
            self.record([target], "flag", "failed", message, network.name)
            return ModerateResult("failed", "/flag could not read the comment", r.number)
        if flagged is None:
            self.answer(f"Comment {target.number} is no longer on {network.moderation_spec.label} (deleted?), so "
                        "there is nothing to flag.")
            self.record([target], "flag", "usage", "the comment is gone", network.name)
            return ModerateResult("usage", "/flag of a comment that is gone", r.number)
        key, number = flagged
        self.record([target], "flag", "done", f"{key}", network.name)
        self.answer(f"Comment {target.number} is flagged: issue #{number} (for @{r.login}).")
        return ModerateResult("done", f"/flag by {r.login}: issue #{number}", r.number)

    def timezone(self):
        try:
            return load_config(self.root).tz
        except SocialOpsError:
            return dt.UTC

    def remove_quote(self, target: IssueComment, label: str) -> str:
        """A deleted comment's text leaves the issue too (the quote becomes a note); what to say about it."""
        issue = self.tracker.find_issue(self.request.key)
        note = (f"*The text of comment {target.number} was removed here: the comment was deleted on {label} "
                f"by @{self.request.login} on {self.now:%Y-%m-%d}.*")
        body = redact_quote(issue.body, target.number, note) if issue is not None else None
        if body is None:
            return (f"\n\nIts text could not be removed from this issue automatically: edit the issue and replace "
                    f"the quote of comment {target.number}.")
        if body != issue.body:  # type: ignore[union-attr]  # body is None when issue is None
            self.tracker.update_issue(self.request.key, body=body)
        return " Its text was removed from this issue."

    def confirm(self, label: str, target: IssueComment, text: str, removed: str = "") -> None:
        """Say in the issue what was done; close it when every comment of it is handled."""
        r, verb = self.request, self.request.command.verb
        who = escape_untrusted_markdown(target.name or "the commenter", max_chars=60)
        if verb == "reply":
            confirmation = (f"Replied on {label} to comment {target.number} by {who} as "
                            f"{escape_untrusted_markdown(self.profile.display_name, max_chars=80)} (for @{r.login}):\n\n"
                            + quote_untrusted(text))
        else:
            confirmation = f"{DONE_WORDS[verb]} comment {target.number} by {who} on {label} (for @{r.login}).{removed}"
        labels = {"hide": ["hidden"], "block": ["blocked"], "delete": ["deleted"], "reply": ["answered"]}.get(verb, [])
        if labels:
            self.tracker.add_labels(r.number, labels)
        if self.handled():
            self.tracker.close(r.key, confirmation + "\n\nEvery comment of this issue is handled: closing.")
        else:
            self.answer(confirmation)

    def handled(self) -> bool:
        """Has a person acted on every comment of the issue (by hash, or by raw id in lines written before)?"""
        done = {row["comment"] for row in self.log.rows() if row["issue"] == self.request.key
                and row["result"] == "done" and row["actor"] != AUTO_ACTOR and row["action"] in HANDLED_BY_PEOPLE}
        return all(self.ref(c) in done or c.comment.id in done for c in self.request.records)


def json_get(text: str, name: str) -> Any:
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return None
    return data.get(name) if isinstance(data, dict) else None


def _unquote(key: str | None) -> str | None:
    return unquote(key) if key else None


def read_event(path: str | Path) -> dict[str, Any]:
    """The event payload GitHub writes to $GITHUB_EVENT_PATH."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read the event file {path}: {type(exc).__name__}") from None
    if not isinstance(data, dict):
        raise UsageError(f"the event file {path} is not a JSON object")
    return data
