"""The /commands people answer with in a flagged comment's issue (``socialops moderate``,
``.github/workflows/moderate.yml``): parsing (:func:`parse_command`), who may (:mod:`socialops.community.access`),
and carrying them out on the network (:func:`run_moderate`), each recorded in ``state/moderation.csv``.

``/reply text``, ``/reply @saved-reply``, ``/hide``, ``/unhide``, ``/delete``, ``/block``, ``/dismiss``; in an
issue that collects a thread, a number after the verb picks the comment (``/hide 2``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from socialops.community.access import Authorization, authorize, refusal
from socialops.community.manual import manual_steps
from socialops.community.settings import profile_rules
from socialops.core.safetext import escape_untrusted_markdown, quote_untrusted
from socialops.errors import NetworkError, SocialOpsError, UsageError
from socialops.networks.contract import Network, open_network
from socialops.networks.types import Comment
from socialops.repository import git as repo
from socialops.repository.profiles import Profile, find_profiles, load_profile
from socialops.state.comments import CsvLog, SeenComment, moderation_log, seen_comments
from socialops.tracker.interface import Tracker
from socialops.tracker.markers import marker_key

COMMANDS = ("reply", "hide", "unhide", "delete", "block", "dismiss")
_COMMAND = re.compile(r"\A\s*/(?P<verb>[a-z]+)(?P<rest>[^\n]*)(?P<more>(?:\n.*)?)\Z", re.S)
_SAVED = re.compile(r"\A@(?P<name>[A-Za-z0-9_-]{1,64})\Z")


@dataclass(frozen=True)
class Command:
    verb: str
    text: str = ""  # /reply: the text, or "@name" for a saved reply
    target: int | None = None  # the comment's number in a thread issue

    @property
    def saved_reply(self) -> str | None:
        m = _SAVED.match(self.text.strip())
        return m.group("name") if m else None


def parse_command(body: str, *, comments_in_issue: int = 1) -> Command | None:
    """The /command at the start of an issue comment, or None when the comment is no command of ours.

    ``/reply text`` takes the rest of the comment (several lines allowed). In an issue with several comments
    a number right after the verb picks one (``/hide 2``, ``/reply 2 Kiitos!``)."""
    m = _COMMAND.match((body or "").replace("\r\n", "\n"))
    if not m or m.group("verb") not in COMMANDS:
        return None
    verb = m.group("verb")
    rest = (m.group("rest") + m.group("more")).strip()
    target = None
    if comments_in_issue > 1:
        first, _, remainder = rest.partition(" ")
        first = first.strip()
        if first.isdigit() and 1 <= int(first) <= comments_in_issue:
            target, rest = int(first), remainder.strip()
    if verb != "reply":
        rest = ""
    return Command(verb, rest, target)


def fill_reply(template: str, name: str) -> str:
    """A saved reply with ``{name}`` replaced by the commenter's name (other braces are left alone)."""
    clean = " ".join(str(name or "").split())[:60] or "and thank you"
    return template.replace("{name}", clean).strip()

# --- running a command from an issue comment (socialops moderate, .github/workflows/moderate.yml) ---------

HANDLED_BY_PEOPLE = frozenset({"reply", "hide", "unhide", "delete", "block", "dismiss"})
AUTO_ACTOR = "socialops (hide rule)"
DONE_WORDS = {"hide": "Hidden", "unhide": "Shown again (unhidden)", "delete": "Deleted", "block": "Blocked the author of"}


@dataclass
class ModerateResult:
    status: str  # ignored | refused | usage | unsupported | failed | done
    message: str  # for the log: never contains comment text
    issue: int | None = None
    committed: bool = False
    pushed: bool = False

    @property
    def exit_code(self) -> int:
        return 1 if self.status in ("refused", "failed") else 0




@dataclass(frozen=True)
class _Request:
    """A /command written in the issue of a comment socialops flagged."""

    login: str
    number: int
    key: str
    event_id: str  # the issue comment's id: a command is carried out once
    records: list[SeenComment]  # the issue's comments, oldest first
    command: Command


def run_moderate(root: Path, event: Mapping[str, Any], *, now: dt.datetime, env: Mapping[str, str],
                 tracker: Tracker, permission: Callable[[str], str | None] | None = None,
                 opener: Callable[[Profile], Network] | None = None, key: str | None = None, push: bool = True,
                 run_id: str = "") -> ModerateResult:
    """Carry out the /command of an ``issue_comment`` event (GitHub's payload: ``comment.body``,
    ``comment.user.login``, ``comment.id``, ``issue.number``, ``issue.body``). ``key``: the issue's tracker key
    when already known (the local outbox); otherwise it is read from the hidden marker of the issue body.
    ``permission(login)``: the person's repository permission (see
    :meth:`socialops.tracker.interface.Tracker.permission`)."""
    root = Path(root)
    request = _read_request(root, event, key)
    if isinstance(request, ModerateResult):
        return request
    profile_id = request.records[0].profile
    rel = next((r for r in find_profiles(root) if Path(r).stem == profile_id), None)
    if rel is None:
        tracker.comment(request.number, f"`profiles/{profile_id}.yaml` no longer exists, so nothing can be done "
                                        "here.")
        return ModerateResult("failed", f"no profile file for {profile_id}", request.number)
    profile = load_profile(root, rel)
    log = moderation_log(root)
    if request.event_id and any(r["issue"] == request.key and json_get(r["data"], "event") == request.event_id
                                and r["result"] != "failed" for r in log.rows()):
        return ModerateResult("ignored", f"this command (comment {request.event_id}) was already carried out",
                              request.number)
    git = repo.is_work_tree(root)
    if git and push:
        repo.sync(root)
    run = _Moderation(root, request, profile, log, now, tracker, run_id)
    result = run.carry_out(authorize(request.login, profile_rules(profile.raw), permission),
                           opener or (lambda p: open_network(p, env=env, root=root, clock=lambda: now)))
    if git:
        result.committed = repo.commit_paths(root, ["state/moderation.csv"],
                                             f"moderate: /{request.command.verb} on issue #{request.number} by "
                                             f"{request.login}: {result.status}")
        if result.committed and push:
            result.pushed = repo.push_with_retry(root)
    return result


def _read_request(root: Path, event: Mapping[str, Any], key: str | None) -> _Request | ModerateResult:
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
    key = key or _unquote(marker_key(str(issue.get("body") or "")))
    records = sorted((s for s in seen_comments(root).values() if key and s.issue == key),
                     key=lambda s: (s.data.get("comment", {}).get("created_at", ""), s.comment_id))
    if not records or not key:
        return ModerateResult("ignored", "the issue is not about a comment socialops flagged", number)
    recorded = {s.issue_number for s in records if s.issue_number is not None}
    if number is None or (recorded and number not in recorded):
        return ModerateResult("ignored", "the issue number does not match the flagged comment's issue", number)
    command = parse_command(body, comments_in_issue=len(records))
    if command is None:
        return ModerateResult("ignored", "not a socialops command", number)
    return _Request(login, number, key, str(comment.get("id") or ""), records, command)


@dataclass
class _Moderation:
    """Carrying out one authorised-or-not request; every outcome is recorded and answered in the issue."""

    root: Path
    request: _Request
    profile: Profile
    log: CsvLog
    now: dt.datetime
    tracker: Tracker
    run_id: str

    @property
    def target(self) -> SeenComment:
        """The comment the command acts on: the numbered one, or the latest."""
        command, records = self.request.command, self.request.records
        return records[command.target - 1] if command.target else records[-1]

    def record(self, target_ids: list[str], action: str, result: str, detail: str, network: str = "") -> None:
        r = self.request
        self.log.append([{"time": self.now, "profile": self.profile.id, "network": network or r.records[0].network,
                          "comment_id": cid, "issue": r.key, "actor": r.login, "action": action, "result": result,
                          "detail": detail, "data": {"event": r.event_id, "issue_number": r.number}, "run": self.run_id}
                         for cid in target_ids])

    def answer(self, text: str) -> None:
        self.tracker.comment(self.request.number, text)

    def carry_out(self, auth: Authorization, opener: Callable[[Profile], Network]) -> ModerateResult:
        r, verb, target = self.request, self.request.command.verb, self.target
        if not auth.allowed:
            self.answer(refusal(r.login, self.profile.id, self.profile.path))
            self.record([r.records[-1].comment_id], verb, "refused", auth.how)
            return ModerateResult("refused", f"{r.login}: {auth.how}", r.number)
        if verb == "dismiss":
            self.record([s.comment_id for s in r.records], "dismiss", "done", f"dismissed ({auth.how})")
            self.tracker.close(r.key, f"Dismissed by @{r.login}: nothing to do on the network. Closing.")
            return ModerateResult("done", f"/dismiss by {r.login}", r.number)
        text = ""
        if verb == "reply":
            text, problem = _reply_text(self.root, r.command, target)
            if problem:
                self.answer(problem)
                self.record([target.comment_id], "reply", "usage", "no usable reply text")
                return ModerateResult("usage", "no usable reply text", r.number)
        try:
            network = opener(self.profile)
        except SocialOpsError as exc:
            self.answer(f"Nothing was done: {escape_untrusted_markdown(str(exc), max_chars=400)}")
            self.record([target.comment_id], verb, "failed", str(exc))
            return ModerateResult("failed", "the network could not be opened", r.number)
        with network:
            return self.on_network(network, auth, text)

    def on_network(self, network: Network, auth: Authorization, text: str) -> ModerateResult:
        r, verb, target = self.request, self.request.command.verb, self.target
        label, name = network.moderation_spec.label, network.moderation_spec.name
        if verb != "reply" and not network.can(verb):
            self.answer(f"{label}'s API cannot {verb} comments, so nothing was done on the network. By hand: "
                        f"{manual_steps(name, verb)}\n\nWhen it is done, write `/dismiss` to close this issue.")
            self.record([target.comment_id], verb, "unsupported", f"{label} cannot {verb}", network.name)
            return ModerateResult("unsupported", f"{label} cannot {verb}", r.number)
        comment = Comment.from_record(target.data.get("comment") or {})
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
        except NetworkError as exc:
            message = network.redact(str(exc))
            self.answer(f"Could not {verb} the comment on {label}: {escape_untrusted_markdown(message, max_chars=400)}"
                        ". Nothing changed; try again later, or do it by hand: " + manual_steps(name, verb))
            self.record([target.comment_id], verb, "failed", message, network.name)
            return ModerateResult("failed", f"/{verb} failed on {label}", r.number)
        self.record([target.comment_id], verb, "done", f"{auth.how}" + (f"; reply {reply_id}" if reply_id else ""),
                    network.name)
        self.confirm(label, text)
        return ModerateResult("done", f"/{verb} by {r.login} on {label}", r.number)

    def confirm(self, label: str, text: str) -> None:
        """Say in the issue what was done; close it when every comment of it is handled."""
        r, verb, target = self.request, self.request.command.verb, self.target
        who = escape_untrusted_markdown(target.data.get("comment", {}).get("name") or "the commenter", max_chars=60)
        n = f" {r.records.index(target) + 1}" if len(r.records) > 1 else ""
        if verb == "reply":
            confirmation = (f"Replied on {label} to comment{n} by {who} as "
                            f"{escape_untrusted_markdown(self.profile.display_name, max_chars=80)} (for @{r.login}):\n\n"
                            + quote_untrusted(text))
        else:
            confirmation = f"{DONE_WORDS[verb]} comment{n} by {who} on {label} (for @{r.login})."
        handled = _handled(self.log.rows(), r.key, {s.comment_id for s in r.records})
        labels = {"hide": ["hidden"], "block": ["blocked"], "delete": ["deleted"], "reply": ["answered"]}.get(verb, [])
        if labels:
            self.tracker.add_labels(r.number, labels)
        if handled:
            self.tracker.close(r.key, confirmation + "\n\nEvery comment of this issue is handled: closing.")
        else:
            self.answer(confirmation)

def _handled(rows: list[dict[str, str]], key: str, ids: set[str]) -> bool:
    done = {r["comment_id"] for r in rows if r["issue"] == key and r["result"] == "done"
            and r["actor"] != AUTO_ACTOR and r["action"] in HANDLED_BY_PEOPLE}
    return ids <= done


def _reply_text(root: Path, command: Command, target: SeenComment) -> tuple[str, str]:
    """(text, problem): the reply to send, or why there is none (shown in the issue)."""
    folder = root / "replies"
    available = sorted(p.stem for p in folder.glob("*.md") if p.stem.lower() != "readme") if folder.is_dir() else []
    listing = ", ".join(f"`@{n}`" for n in available) or "none (add Markdown files to `replies/`)"
    if not command.text.strip():
        return "", f"`/reply` needs the answer after it, like `/reply Kiitos!`, or a saved reply: {listing}."
    name = command.saved_reply
    if name is None:
        return command.text.strip(), ""
    path = folder / f"{name}.md"
    if name not in available or not path.is_file():
        return "", (f"There is no saved reply `@{escape_untrusted_markdown(name, max_chars=64)}` in `replies/`. "
                    f"Saved replies: {listing}.")
    data = target.data.get("comment", {})
    commenter = data.get("name") or data.get("handle") or ""
    return fill_reply(path.read_text(encoding="utf-8"), commenter), ""


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
