"""``/done URL`` and ``/skip`` in a manual task's issue (:mod:`socialops.publish.tasks`), run by ``socialops
moderate`` like the other /commands.

``/done URL``: the address must be a post of the task's profile (its network, and its account where the address
shows it: ``networks.post_urls``); the pair is recorded ``published`` in ``state/publications.csv`` with that
address (``detail`` = ``by hand``), so the plan, the dashboard and the metrics count it, and the issue is closed.
``/skip [why]`` records ``skipped`` and closes the issue. Who may: the profile's editors and admins (``roles``) and
people with write access to the repository; anyone else is answered once per issue and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialops.community.access import WRITE_PERMISSIONS
from socialops.core.safetext import escape_untrusted_markdown
from socialops.errors import SocialOpsError
from socialops.networks.post_urls import check_post_address
from socialops.publish.tasks import task_pair
from socialops.repository import git as repo
from socialops.repository.config import load_config
from socialops.state.publications import PUBLICATIONS, PUBLISHED, SKIPPED, Event, Ledger
from socialops.tracker.interface import Tracker

REFUSED_LABEL = "command-refused"
_COMMAND = re.compile(r"\A\s*/(?P<verb>[a-z]+)[ \t]*(?P<rest>.*)\Z", re.S)
USAGE = ("In this issue write `/done ADDRESS` (the address of the published post) when it is published, or "
         "`/skip` when it will not be.")


@dataclass
class TaskResult:
    status: str  # ignored | refused | usage | done
    message: str
    issue: int | None = None
    committed: bool = False
    pushed: bool = False


def _may(login: str, profile: Any, permission: Callable[[str], str | None] | None) -> bool:
    roles = profile.roles.members
    people = {p.casefold() for p in (*roles["editors"], *roles["admins"])}
    if login.casefold() in people:
        return True
    return (permission(login) if permission is not None else None) in WRITE_PERMISSIONS


def run_task_command(root: Path, event: Mapping[str, Any], key: str, *, now: dt.datetime, tracker: Tracker,
                     permission: Callable[[str], str | None] | None, push: bool = True,
                     run_id: str = "") -> TaskResult:
    """Carry out ``/done URL`` or ``/skip`` written in the issue of the manual task ``key``."""
    comment = event.get("comment") if isinstance(event.get("comment"), dict) else {}
    issue = event.get("issue") if isinstance(event.get("issue"), dict) else {}
    user = comment.get("user") if isinstance(comment.get("user"), dict) else {}
    login, number = str(user.get("login") or ""), issue.get("number") if isinstance(issue.get("number"), int) else None
    pair = task_pair(key)
    m = _COMMAND.match(str(comment.get("body") or "").replace("\r\n", "\n"))
    if pair is None or not login or user.get("type") == "Bot" or login.endswith("[bot]") or not m:
        return TaskResult("ignored", "not a command for a manual task", number)
    post_id, profile_id = pair
    profile = load_config(root).profiles.get(profile_id)
    if profile is None:
        return TaskResult("ignored", f"no profile file for {profile_id}", number)
    verb, rest = m.group("verb"), m.group("rest").strip()
    if verb not in ("done", "skip"):
        tracker.comment(number or key, f"`/{escape_untrusted_markdown(verb, max_chars=20)}` does nothing here. {USAGE}")
        return TaskResult("usage", f"/{verb} in a manual task", number)
    if not _may(login, profile, permission):
        labels = issue.get("labels") if isinstance(issue.get("labels"), list) else []
        if REFUSED_LABEL not in {str(lab.get("name") if isinstance(lab, dict) else lab) for lab in labels}:
            tracker.comment(number or key, f"Thank you, @{login}. Only the editors of `{profile_id}` (`roles.editors` "
                            f"in `{profile.path}`) and people with write access to this repository can close a "
                            "task, so nothing was recorded.")
            tracker.add_labels(number or key, [REFUSED_LABEL])
        return TaskResult("refused", f"{login} may not settle tasks of {profile_id}", number)
    git = repo.is_work_tree(root)
    if git and push:
        repo.sync(root)  # the ledger as it is upstream: another /done may have come first
    ledger = Ledger(root)
    state = ledger.state().get(pair)
    if state is not None and state.status == PUBLISHED:
        tracker.close(key, f"This is already recorded as published ({state.url or 'no address'}); nothing changed.")
        return TaskResult("done", "already published", number)
    if verb == "done":
        found = check_post_address(profile, rest.split()[0] if rest else "")
        if not found.ok:
            tracker.comment(number or key, f"@{login}: {found.problem}, so nothing was recorded. Write `/done "
                            "https://…` with the address of the published post (open it, then Share > Copy link).")
            return TaskResult("usage", "not an address of the profile's posts", number)
        url = rest.split()[0].strip("<>")
        ev = Event(time=now, post_id=post_id, profile=profile_id, event="published", remote_id=found.remote_id,
                   url=url, detail="by hand", data={"by": login, "issue": number or ""}, run=run_id)
        words = f"Recorded as published by hand (for @{login}): {url}. The plan and the metrics count it."
    else:
        if state is not None and state.status == SKIPPED:
            tracker.close(key, "Already recorded as skipped.")
            return TaskResult("done", "already skipped", number)
        ev = Event(time=now, post_id=post_id, profile=profile_id, event="skipped", run=run_id,
                   detail=f"skipped by {login}" + (f": {rest[:200]}" if rest else ""))
        words = f"Recorded as skipped (for @{login}): it will not be published on `{profile_id}`."
    result = _record(root, ledger, ev, f"moderate: /{verb} on task issue #{number} by {login}", git=git, push=push)
    try:
        tracker.close(key, words)
    except SocialOpsError as exc:
        result.message = f"recorded, but the issue could not be closed: {exc}"
    result.issue = number
    return result


def _record(root: Path, ledger: Ledger, ev: Event, message: str, *, git: bool, push: bool) -> TaskResult:
    ledger.append([ev])
    result = TaskResult("done", f"{ev.event} {ev.post_id} on {ev.profile}")
    if git:
        result.committed = repo.commit_paths(root, [PUBLICATIONS], message)
        if result.committed and push:
            result.pushed = repo.push_with_retry(root)
    return result
