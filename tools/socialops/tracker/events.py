"""GitHub's issue_comment event for a /command typed on the command line, and the issue key that the local
outbox keeps beside an issue (on GitHub the key is read from the issue body's marker instead)."""

from __future__ import annotations

from typing import Any

from socialops.errors import UsageError
from socialops.tracker.interface import Tracker
from socialops.tracker.outbox import OutboxTracker


def typed_command_event(tracker: Tracker, number: int, login: str, command: str) -> tuple[dict[str, Any], str | None]:
    """The issue_comment event GitHub would send when ``login`` writes ``command`` on issue ``number``, and
    the issue's key when the tracker is the local outbox (where the issue must exist)."""
    body, key = "", None
    if isinstance(tracker, OutboxTracker):
        issue = tracker.issue_by_number(number)
        if issue is None:
            raise UsageError(f"--issue {number}: no such issue in the local outbox (.socialops/outbox/issues)")
        body, key = issue.body, issue.key
    event = {"comment": {"body": command, "user": {"login": login, "type": "User"}, "id": ""},
             "issue": {"number": number, "body": body}}
    return event, key


def event_issue_key(tracker: Tracker, event: dict[str, Any]) -> str | None:
    """The key of the event's issue as the local outbox keeps it; None on GitHub or for an unknown issue."""
    issue = event.get("issue")
    number = issue.get("number") if isinstance(issue, dict) else None
    if not isinstance(tracker, OutboxTracker) or not isinstance(number, int):
        return None
    found = tracker.issue_by_number(number)
    return found.key if found is not None else None
