"""The one interface of the issue tracker (GitHub or the local outbox), and what is built only on it."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from socialops.tracker.markers import check_labels


@dataclass
class TrackedIssue:
    key: str | None
    number: int | None
    title: str
    body: str  # without the hidden marker
    labels: list[str]
    state: str  # "open" | "closed"
    url: str | None = None
    created: bool = False  # True when this call opened it
    comments: list[str] = field(default_factory=list)  # filled by the outbox only
    opened_at: dt.datetime | None = None  # when it was opened (None when not known)
    assignees: list[str] = field(default_factory=list)


class Tracker(ABC):
    """Issues and pull request comments. Implementations: GitHubTracker, OutboxTracker.

    Every failure of GitHub (a refusal, a 5xx, a lost connection) is a TrackerError whose message carries no
    token, so a caller that has already done something elsewhere (blocked someone on a network) can catch it,
    record that first, and report it."""

    kind: str = "tracker"
    # profile id -> its brand: an issue labelled profile:<id> gets brand:<brand> too (tracker_from_env sets it)
    brand_of: Mapping[str, str] = {}

    def _with_brands(self, labels: Iterable[str]) -> list[str]:
        """The labels as given, checked, with the brand label of each profile label."""
        labels = list(labels)
        brands = [f"brand:{self.brand_of[name[8:]]}" for name in labels
                  if name.startswith("profile:") and name[8:] in self.brand_of]
        return check_labels([*labels, *brands])

    @abstractmethod
    def open_issue(self, key: str, title: str, body: str, labels: Sequence[str] = (), *,
                   reopen: bool = False, assignees: Sequence[str] = ()) -> TrackedIssue:
        """Open the issue for ``key`` unless one exists (open or closed); return it.

        With ``reopen=True`` a closed issue for the key is opened again (its text is left as is). ``assignees``:
        GitHub logins to assign a new issue to; those GitHub will not assign are mentioned in it instead.
        The ``socialops`` label is always added; labels are created when missing."""

    @abstractmethod
    def find_issue(self, key: str) -> TrackedIssue | None:
        """The issue opened for ``key``, open or closed, or None."""

    @abstractmethod
    def open_issues(self, label: str) -> list[TrackedIssue]:
        """The open issues socialops opened that carry ``label`` (a customer-service issue, say), oldest
        first, with the time each was opened."""

    @abstractmethod
    def update_issue(self, key: str, *, title: str | None = None, body: str | None = None) -> TrackedIssue | None:
        """Replace the title and/or body of the issue for ``key`` (the key's marker is kept); None when there
        is no such issue. For issues that always show the current state (the "Content plan" and "Profile
        drift" issues). Editing is idempotent, so a lost answer is simply retried."""

    @abstractmethod
    def comment(self, key_or_number: str | int, body: str) -> None:
        """Add a comment to the issue of a key (str) or to an issue or pull request number (int)."""

    @abstractmethod
    def close(self, key: str, comment: str | None = None) -> TrackedIssue | None:
        """Close the issue of ``key`` (commenting first if given). None when there is none."""

    @abstractmethod
    def add_labels(self, key_or_number: str | int, labels: Sequence[str]) -> None:
        """Add labels (created with colour and description when missing)."""

    @abstractmethod
    def upsert_pr_comment(self, pr_number: int, marker: str, body: str) -> str:
        """Create or update the one comment called ``marker`` on a pull request.

        Returns "created", "updated" or "unchanged"."""

    @abstractmethod
    def pull_request_is_current(self, pr_number: int, head_sha: str) -> bool:
        """Is pull request ``pr_number`` open with ``head_sha`` as its head commit? (A preview built for an
        older commit, or for a closed pull request, is stale and is not posted.)"""

    @abstractmethod
    def permission(self, login: str) -> str | None:
        """The person's permission on the repository (admin, maintain, write, triage, read, or none when not
        a collaborator); None when it cannot be asked (no GitHub, not a login, GitHub did not answer)."""


def sync_status_issue(tracker: Tracker, key: str, *, needed: bool, title: str, body: str,
                      labels: Sequence[str], close_comment: str,
                      same: Callable[[str, str], bool] | None = None) -> str | None:
    """Keep one issue that shows a current state (gaps in the plan, a profile's drift, a profile still to
    open): opened while ``needed``, edited in place as the state changes (not a new comment each run), and
    closed with ``close_comment`` when no longer needed. ``same(old_body, new_body)`` says when an edit is
    not worth making (default: equal text). Returns opened, reopened, updated, closed, or None."""
    existing = tracker.find_issue(key)
    if not needed:
        if existing is not None and existing.state == "open":
            tracker.close(key, close_comment)
            return "closed"
        return None
    if existing is None:
        tracker.open_issue(key, title, body, labels)
        return "opened"
    if existing.state != "open":
        tracker.open_issue(key, title, body, labels, reopen=True)
        tracker.update_issue(key, title=title, body=body)
        return "reopened"
    unchanged = same(existing.body, body) if same else existing.body.strip() == body.strip()
    if unchanged and existing.title == title:
        return None
    tracker.update_issue(key, title=title, body=body)
    return "updated"
