"""The local outbox: what would go to GitHub, written under ``<repo>/.socialops/outbox/`` (a laptop, the demo)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

from socialops.core.files import atomic_write_text
from socialops.core.times import format_utc, parse_utc
from socialops.errors import TrackerError
from socialops.tracker.interface import TrackedIssue, Tracker
from socialops.tracker.markers import INDEX_LABEL, check_key, sticky_marker, with_marker


def outbox_name(key: str) -> str:
    """A file name for a key: the key itself when it is a safe name, else a slug plus a hash."""
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,150}", key) and not key.endswith("."):
        return key
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", key).strip("._-")[:100] or "key"
    return f"{slug}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


class OutboxTracker(Tracker):
    """Writes what would go to GitHub under ``<repo>/.socialops/outbox/``.

    ``issues/<key>.json``: ``{"key", "number", "title", "body", "labels", "state", "comments", "opened_at"}``
    (comments is a list of Markdown strings); ``pull-comments/<pr>-<marker>.md``: the sticky
    comment's text. Files are replaced atomically."""

    kind = "outbox"

    def __init__(self, root: Path, clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)):
        self.clock = clock  # stamps ``opened_at`` on the issues it opens
        self.root = Path(root) / ".socialops" / "outbox"
        self.issues_dir = self.root / "issues"
        self.pulls_dir = self.root / "pull-comments"

    def _path(self, key: str) -> Path:
        return self.issues_dir / f"{outbox_name(check_key(key))}.json"

    @staticmethod
    def _write_json(path: Path, data: dict) -> None:
        atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")

    def _load(self, path: Path) -> dict | None:
        if not path.is_file():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise TrackerError(f"The outbox file cannot be read ({exc}); delete it to start over.",
                               path=str(path)) from None

    def _all(self) -> list[tuple[Path, dict]]:
        if not self.issues_dir.is_dir():
            return []
        out = []
        for p in sorted(self.issues_dir.glob("*.json")):
            data = self._load(p)
            if data is not None:
                out.append((p, data))
        return out

    def _resolve(self, key_or_number: str | int) -> tuple[Path, dict]:
        if isinstance(key_or_number, int):
            for p, data in self._all():
                if data.get("number") == key_or_number:
                    return p, data
            raise TrackerError(f"There is no issue #{key_or_number} in the outbox {self.issues_dir}.")
        p = self._path(key_or_number)
        data = self._load(p)
        if data is None:
            raise TrackerError(f"There is no issue for key {key_or_number!r} in the outbox {self.issues_dir}.")
        return p, data

    @staticmethod
    def _issue(data: dict, created: bool = False) -> TrackedIssue:
        return TrackedIssue(key=data.get("key"), number=data.get("number"), title=data["title"],
                            body=data["body"], labels=list(data["labels"]), state=data["state"], url=None,
                            created=created, comments=list(data.get("comments", [])),
                            opened_at=parse_utc(data.get("opened_at")), assignees=list(data.get("assignees", [])))

    def open_issue(self, key, title, body, labels=(), *, reopen=False, assignees=()):
        path = self._path(key)
        data = self._load(path)
        if data is not None:
            if reopen and data["state"] != "open":
                data["state"] = "open"
                self._write_json(path, data)
            return self._issue(data)
        number = 1 + max((d.get("number") or 0 for _, d in self._all()), default=0)
        data = {"key": key, "number": number, "title": title, "body": body,
                "labels": self._with_brands([INDEX_LABEL, *labels]), "state": "open", "comments": [],
                "opened_at": format_utc(self.clock())}
        if assignees:
            data["assignees"] = list(assignees)
        self._write_json(path, data)
        return self._issue(data, created=True)

    def update_issue(self, key, *, title=None, body=None):
        path = self._path(key)
        data = self._load(path)
        if data is None:
            return None
        if title is not None:
            data["title"] = title
        if body is not None:
            data["body"] = body
        self._write_json(path, data)
        return self._issue(data)

    def open_issues(self, label):
        found = [self._issue(data) for _, data in self._all() if data["state"] == "open" and label in data["labels"]]
        return sorted(found, key=lambda issue: issue.number or 0)

    def find_issue(self, key):
        data = self._load(self._path(key))
        return self._issue(data) if data is not None else None

    def comment(self, key_or_number, body):
        path, data = self._resolve(key_or_number)
        data.setdefault("comments", []).append(body)
        self._write_json(path, data)

    def close(self, key, comment=None):
        data = self._load(self._path(key))
        if data is None:
            return None
        if comment:
            data.setdefault("comments", []).append(comment)
        data["state"] = "closed"
        self._write_json(self._path(key), data)
        return self._issue(data)

    def add_labels(self, key_or_number, labels):
        path, data = self._resolve(key_or_number)
        data["labels"] = self._with_brands([*data["labels"], *labels])
        self._write_json(path, data)

    def upsert_pr_comment(self, pr_number, marker, body):
        path = self.pulls_dir / f"{int(pr_number)}-{outbox_name(check_key(marker))}.md"
        text = with_marker(sticky_marker(marker), body)
        if path.is_file():
            if path.read_text(encoding="utf-8") == text:
                return "unchanged"
            result = "updated"
        else:
            result = "created"
        atomic_write_text(path, text)
        return result

    def issue_by_number(self, number: int) -> TrackedIssue | None:
        """The outbox issue with this number, or None."""
        return next((self._issue(data) for _, data in self._all() if data.get("number") == number), None)

    def pull_request_is_current(self, pr_number, head_sha):
        return True  # the outbox knows no pull requests, so none goes stale

    def permission(self, login):
        return None  # without GitHub nobody's repository permission can be asked
