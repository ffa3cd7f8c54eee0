"""GitHub issues and pull request comments (PyGithub), or a local outbox when there is no token.

One interface, two implementations:

- ``GitHubTracker`` talks to GitHub (or GitHub Enterprise) through PyGithub.
- ``OutboxTracker`` writes ``.socialops/outbox/issues/<key>.json`` files
  (``{title, body, labels, state, comments}``) so a laptop and the demo work offline.

``tracker_from_env(repo_root, env)`` picks one: GitHub when ``GITHUB_TOKEN`` and
``GITHUB_REPOSITORY`` are set, the outbox otherwise.

Idempotency. Every issue opened through ``open_issue(key, ...)`` starts with a hidden marker
``<!-- socialops:key=KEY -->`` and carries the ``socialops`` label. ``find_issue`` lists the
issues with that label (state all; the issue list is read from GitHub's database, unlike the
search API whose index lags) and matches the marker at the very start of the body, so quoted
text further down can never be mistaken for a marker. ``open_issue`` looks before it creates,
and when the answer to a create is lost (connection dropped, timeout, 5xx) it looks again
before it tries once more: the same key never gives two issues.

Retries. Reads and idempotent writes (GET, PATCH, PUT, DELETE) are retried by PyGithub's
``GithubRetry`` (urllib3 ``Retry``): 5xx with backoff, primary and secondary rate limits with
their ``Retry-After`` / ``X-RateLimit-Reset`` waits (capped). POST is left out of that retry on
purpose, because a blind re-POST after a lost answer makes a duplicate; POSTs go through
``_write``, which waits and repeats after a refusal (403/429 rate limit: nothing was done) and
reconciles first after an unknown outcome.

The token is only handed to PyGithub's ``Auth.Token`` (whose debug log masks it). Errors are
re-raised as ``TrackerError`` built from GitHub's message with the token redacted, and without
the chained PyGithub exception.

Untrusted text (network comments, post text) goes into issues only through
``quote_untrusted`` (a fenced block: no mentions, no HTML, no images, no links) or
``escape_untrusted_markdown`` (inline).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from socialops.errors import TrackerError

log = logging.getLogger(__name__)

INDEX_LABEL = "socialops"
DEFAULT_API_URL = "https://api.github.com"
GITHUB_ACTIONS_BOT = "github-actions[bot]"
MAX_KEY_LENGTH = 200
MAX_BODY = 65536  # GitHub's limit for issue and comment bodies

_MARKER_RE = re.compile(r"\A<!-- socialops:key=(?P<key>[^\s<>]+) -->")
_STICKY_RE = re.compile(r"\A<!-- socialops:sticky=(?P<name>[^\s<>]+) -->")

# -- labels -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelSpec:
    color: str  # six hex digits, no '#'
    description: str  # at most 100 characters (GitHub's limit)


LABELS: dict[str, LabelSpec] = {
    INDEX_LABEL: LabelSpec("5319e7", "Opened by socialops automation (keep: the automation finds its issues by it)"),
    "publish-failed": LabelSpec("d73a4a", "A publication failed: the issue says what to fix"),
    "unconfirmed": LabelSpec("fbca04", "Publication outcome unknown: check the network before retrying"),
    "missed": LabelSpec("e99695", "A post passed its late window and was not published"),
    "question": LabelSpec("0075ca", "A comment asks something: answer with /reply"),
    "negative": LabelSpec("f9d0c4", "Negative feedback on a post"),
    "abusive": LabelSpec("b60205", "Abusive comment: /hide, /delete or /block"),
    "spam": LabelSpec("cfd3d7", "Spam comment: /hide or /delete"),
    "hidden": LabelSpec("5a5a5a", "The comment was hidden on the network"),
    "profile-drift": LabelSpec("c5def5", "The live profile differs from its file in profiles/"),
    "plan-gap": LabelSpec("fef2c0", "The content plan has empty slots"),
    "new-post": LabelSpec("0e8a16", "A post proposed with the issue form"),
}
LABEL_PREFIXES: dict[str, LabelSpec] = {
    "profile:": LabelSpec("bfdadc", "Concerns the profile {rest}"),
    "network:": LabelSpec("d4c5f9", "Concerns the {rest} network"),
    "category:": LabelSpec("c2e0c6", "Comment category {rest}"),
}


def label_spec(name: str) -> LabelSpec:
    """Colour and description for a label: the registry, then prefixes, then a stable colour."""
    if name in LABELS:
        return LABELS[name]
    for prefix, spec in LABEL_PREFIXES.items():
        if name.startswith(prefix):
            return LabelSpec(spec.color, spec.description.format(rest=name[len(prefix):])[:100])
    return LabelSpec(hashlib.sha256(name.encode()).hexdigest()[:6], "Added by socialops")


def _check_labels(labels: Iterable[str]) -> list[str]:
    out: list[str] = []
    for name in labels:
        if not isinstance(name, str) or not name.strip() or len(name) > 50:
            raise TrackerError(f"Label {name!r} is not usable on GitHub: it must be 1 to 50 characters.")
        if name not in out:
            out.append(name)
    return out


# -- keys and markers -------------------------------------------------------------------------


def _check_key(key: str) -> str:
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise TrackerError(f"Issue key {key!r} must be a string of 1 to {MAX_KEY_LENGTH} characters.")
    if any(unicodedata.category(ch).startswith("C") for ch in key):
        raise TrackerError(f"Issue key {key!r} contains control characters.")
    return key


def _encode(key: str) -> str:
    # Percent-encode whatever could end the HTML comment or break the marker (spaces, <, >, !).
    return quote(key, safe=":/@+=,;")


def issue_marker(key: str) -> str:
    """The hidden first line of an issue body opened for ``key``."""
    return f"<!-- socialops:key={_encode(_check_key(key))} -->"


def sticky_marker(name: str) -> str:
    """The hidden first line of a sticky pull request comment called ``name``."""
    return f"<!-- socialops:sticky={_encode(_check_key(name))} -->"


def marker_key(body: str | None) -> str | None:
    """The (encoded) key of a body opened by ``open_issue``, or None."""
    m = _MARKER_RE.match(body or "")
    return m.group("key") if m else None


def _fit(text: str) -> str:
    if len(text) > MAX_BODY:
        cut = "\n\n… (truncated: GitHub allows 65536 characters)"
        text = text[: MAX_BODY - len(cut)] + cut
    return text


def _with_marker(marker: str, body: str) -> str:
    return _fit(f"{marker}\n{body}")


def _strip_marker(body: str | None) -> str:
    body = body or ""
    m = _MARKER_RE.match(body) or _STICKY_RE.match(body)
    return body[m.end():].removeprefix("\n") if m else body






# -- the interface ----------------------------------------------------------------------------


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


class Tracker(ABC):
    """Issues and pull request comments. Implementations: GitHubTracker, OutboxTracker."""

    kind: str = "tracker"

    @abstractmethod
    def open_issue(self, key: str, title: str, body: str, labels: Sequence[str] = (), *,
                   reopen: bool = False) -> TrackedIssue:
        """Open the issue for ``key`` unless one exists (open or closed); return it.

        With ``reopen=True`` a closed issue for the key is opened again (its text is left as is).
        The ``socialops`` label is always added; labels are created when missing."""

    @abstractmethod
    def find_issue(self, key: str) -> TrackedIssue | None:
        """The issue opened for ``key``, open or closed, or None."""

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


# -- the local outbox -------------------------------------------------------------------------


def outbox_name(key: str) -> str:
    """A file name for a key: the key itself when it is a safe name, else a slug plus a hash."""
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,150}", key) and not key.endswith("."):
        return key
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", key).strip("._-")[:100] or "key"
    return f"{slug}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


class OutboxTracker(Tracker):
    """Writes what would go to GitHub under ``<repo>/.socialops/outbox/``.

    ``issues/<key>.json``: ``{"key", "number", "title", "body", "labels", "state", "comments"}``
    (comments is a list of Markdown strings); ``pull-comments/<pr>-<marker>.md``: the sticky
    comment's text. Files are replaced atomically."""

    kind = "outbox"

    def __init__(self, root: Path):
        self.root = Path(root) / ".socialops" / "outbox"
        self.issues_dir = self.root / "issues"
        self.pulls_dir = self.root / "pull-comments"

    def _path(self, key: str) -> Path:
        return self.issues_dir / f"{outbox_name(_check_key(key))}.json"

    @staticmethod
    def _write_json(path: Path, data: dict) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, path)

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
                            created=created, comments=list(data.get("comments", [])))

    def open_issue(self, key, title, body, labels=(), *, reopen=False):
        path = self._path(key)
        data = self._load(path)
        if data is not None:
            if reopen and data["state"] != "open":
                data["state"] = "open"
                self._write_json(path, data)
            return self._issue(data)
        number = 1 + max((d.get("number") or 0 for _, d in self._all()), default=0)
        data = {"key": key, "number": number, "title": title, "body": body,
                "labels": _check_labels([INDEX_LABEL, *labels]), "state": "open", "comments": []}
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
        data["labels"] = _check_labels([*data["labels"], *labels])
        self._write_json(path, data)

    def upsert_pr_comment(self, pr_number, marker, body):
        path = self.pulls_dir / f"{int(pr_number)}-{outbox_name(_check_key(marker))}.md"
        text = _with_marker(sticky_marker(marker), body)
        if path.is_file():
            if path.read_text(encoding="utf-8") == text:
                return "unchanged"
            result = "updated"
        else:
            result = "created"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        return result


# -- GitHub -----------------------------------------------------------------------------------

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"})


def make_retry(*, total: int = 5, backoff_factor: float = 1.0, secondary_rate_wait: float = 60.0,
               max_wait: float = 300.0):
    """PyGithub's GithubRetry for reads and idempotent writes (not POST), with waits capped."""
    from github.GithubRetry import GithubRetry

    class _CappedRetry(GithubRetry):
        def get_retry_after(self, response):  # Retry-After beyond the cap waits only the cap
            value = super().get_retry_after(response)
            return None if value is None else min(value, self.max_rate_limit_wait or value)

    return _CappedRetry(total=total, backoff_factor=backoff_factor, secondary_rate_wait=secondary_rate_wait,
                        max_rate_limit_wait=max_wait, status_forcelist=[429, 500, 502, 503, 504],
                        allowed_methods=_IDEMPOTENT_METHODS, raise_on_status=False)


def make_github(token: str, api_url: str = DEFAULT_API_URL, *, retry: Any = None, timeout: int = 15,
                seconds_between_requests: float = 0.25, seconds_between_writes: float = 1.0):
    """A PyGithub client for ``api_url`` (``GITHUB_API_URL``; GitHub Enterprise: https://HOST/api/v3).

    The default pauses (1 s between writes) follow GitHub's advice against secondary rate limits."""
    from github import Auth, Github

    if not token:
        raise TrackerError("GITHUB_TOKEN is empty.")
    return Github(base_url=api_url.rstrip("/"), auth=Auth.Token(token), retry=retry or make_retry(),
                  timeout=timeout, per_page=100, lazy=True, seconds_between_requests=seconds_between_requests,
                  seconds_between_writes=seconds_between_writes)


class _Unknown(Exception):
    """The answer to a write was lost: it may or may not have happened."""


class GitHubTracker(Tracker):
    """Issues and pull request comments on GitHub through PyGithub.

    ``github``: a ``github.Github`` (see ``make_github``); ``repo``: "owner/name".
    ``secrets``: strings to redact from every error message (the token).
    ``bot_login``: whose sticky comments are ours; found with GET /user when not given, and
    ``github-actions[bot]`` when that is refused (the Actions GITHUB_TOKEN)."""

    kind = "github"

    def __init__(self, github: Any, repo: str, *, secrets: Iterable[str] = (), bot_login: str | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time,
                 max_attempts: int = 4, reconcile_delays: Sequence[float] = (0.0, 2.0, 5.0),
                 max_wait: float = 300.0):
        if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repo or ""):
            raise TrackerError(f"GITHUB_REPOSITORY must look like owner/name, not {repo!r}.")
        self._gh = github
        self.repo_name = repo
        self._repo = github.get_repo(repo)
        self._secrets = [s for s in secrets if s]
        self._bot_login = bot_login
        self._sleep = sleep
        self._clock = clock
        self.max_attempts = max_attempts
        self.reconcile_delays = tuple(reconcile_delays)
        self.max_wait = max_wait
        self._by_key: dict[str, Any] | None = None
        self._labels: set[str] | None = None

    # -- errors --

    def _redact(self, text: str) -> str:
        for s in self._secrets:
            text = text.replace(s, "***")
        return text

    def _fail(self, exc: Exception, what: str) -> TrackerError:
        from github import GithubException

        if isinstance(exc, GithubException):
            data = exc.data
            message = data.get("message", "") if isinstance(data, dict) else str(data or "")[:200]
            errors = data.get("errors") if isinstance(data, dict) else None
            status = exc.status
            if status == 401:
                text = ("GitHub refused the token in GITHUB_TOKEN (401 Bad credentials): renew the secret "
                        f"or check the token, then run again. (While trying to {what}.)")
            elif status == 403 and self._rate_limited(exc):
                text = f"GitHub's rate limit stopped us while trying to {what}; run again later. ({message})"
            elif status == 403:
                text = (f"GitHub refused to {what} (403: {message}). The workflow job needs `issues: write` "
                        "(and `pull-requests: write` for pull request comments) in its `permissions:`.")
            elif status == 404:
                text = (f"GitHub found nothing when trying to {what} (404). Check GITHUB_REPOSITORY "
                        f"({self.repo_name}) and that the token may see that repository.")
            elif status == 422:
                detail = "; ".join(json.dumps(e, ensure_ascii=False) for e in errors or [])
                text = f"GitHub rejected the request to {what} (422: {message}{'; ' + detail if detail else ''})."
            else:
                text = f"GitHub answered {status} when trying to {what}: {message or 'no message'}."
        else:
            text = f"Could not reach GitHub to {what}: {type(exc).__name__}."
        return TrackerError(self._redact(text))

    @staticmethod
    def _rate_limited(exc: Any) -> bool:
        if exc.status not in (403, 429):
            return False
        headers = {k.lower(): str(v) for k, v in (exc.headers or {}).items()}
        message = exc.data.get("message", "") if isinstance(exc.data, dict) else ""
        return ("retry-after" in headers or headers.get("x-ratelimit-remaining") == "0"
                or "rate limit" in message.lower())

    def _rate_wait(self, exc: Any, attempt: int) -> float:
        headers = {k.lower(): str(v) for k, v in (exc.headers or {}).items()}
        if str(headers.get("retry-after", "")).isdigit():
            return float(headers["retry-after"])
        if headers.get("x-ratelimit-remaining") == "0" and str(headers.get("x-ratelimit-reset", "")).isdigit():
            return max(1.0, float(headers["x-ratelimit-reset"]) - self._clock() + 1)
        return 60.0 * attempt  # secondary rate limit without a hint: GitHub asks for at least a minute

    # -- calling --

    def _read(self, fn: Callable[[], Any], what: str) -> Any:
        from github import GithubException
        from requests import RequestException

        try:
            return fn()
        except (GithubException, RequestException) as exc:
            raise self._fail(exc, what) from None

    def _write(self, fn: Callable[[], Any], what: str, reconcile: Callable[[], Any] | None = None) -> Any:
        """A POST: repeat after a rate-limit refusal; after a lost answer, reconcile before repeating."""
        from github import GithubException
        from requests import RequestException

        for attempt in range(1, self.max_attempts + 1):
            try:
                return fn()
            except GithubException as exc:
                if self._rate_limited(exc):
                    wait = self._rate_wait(exc, attempt)
                    if attempt == self.max_attempts or wait > self.max_wait:
                        raise self._fail(exc, what) from None
                    log.warning("GitHub rate limit while trying to %s; waiting %.0f s", what, wait)
                    self._sleep(wait)
                    continue
                if exc.status < 500:
                    raise self._fail(exc, what) from None
                last: Exception = exc
            except RequestException as exc:
                last = exc
            # The outcome is unknown: the write may have happened. Look before writing again.
            log.warning("No clear answer from GitHub while trying to %s (%s); checking before retrying",
                        what, self._redact(type(last).__name__))
            if reconcile is not None:
                for delay in self.reconcile_delays:
                    if delay:
                        self._sleep(delay)
                    found = reconcile()
                    if found is not None:
                        return found
            if attempt == self.max_attempts:
                raise self._fail(last, what) from None
            self._sleep(min(2.0 ** attempt, 30.0))
        raise AssertionError("unreachable")

    # -- labels --

    def _ensure_labels(self, labels: Sequence[str]) -> None:
        from github import GithubException

        if self._labels is None:
            self._labels = self._read(lambda: {lab.name.lower() for lab in self._repo.get_labels()},
                                      "list the repository's labels")
        for name in labels:
            if name.lower() in self._labels:
                continue
            spec = label_spec(name)

            def create(name: str = name, spec: LabelSpec = spec) -> bool:
                try:
                    self._repo.create_label(name, spec.color, spec.description)
                except GithubException as exc:
                    if exc.status == 422 and "already_exists" in json.dumps(exc.data):
                        return True
                    raise
                return True

            self._write(create, f"create the label {name!r}", reconcile=lambda name=name: self._label_exists(name))
            self._labels.add(name.lower())
            log.info("created label %s", name)

    def _label_exists(self, name: str) -> bool | None:
        from github import GithubException

        try:
            self._repo.get_label(name)
            return True
        except GithubException as exc:
            if exc.status == 404:
                return None
            raise self._fail(exc, f"look up the label {name!r}") from None

    # -- issues --

    def _index(self, refresh: bool = False) -> dict[str, Any]:
        if self._by_key is None or refresh:
            def load() -> dict[str, Any]:
                by_key: dict[str, Any] = {}
                # oldest first, so that if a person ever copied a marker the original wins
                for issue in self._repo.get_issues(state="all", labels=[INDEX_LABEL], sort="created",
                                                   direction="asc"):
                    if "/pull/" in (issue.html_url or ""):
                        continue
                    key = marker_key(issue.body)
                    if key and key not in by_key:
                        by_key[key] = issue
                return by_key
            self._by_key = self._read(load, "list the issues labelled socialops")
        return self._by_key

    def _lookup(self, key: str, refresh: bool = False) -> Any | None:
        return self._index(refresh).get(_encode(_check_key(key)))

    def _tracked(self, key: str | None, issue: Any, created: bool = False) -> TrackedIssue:
        return TrackedIssue(key=key, number=issue.number, title=issue.title, body=_strip_marker(issue.body),
                            labels=[lab.name for lab in issue.labels], state=issue.state, url=issue.html_url,
                            created=created)

    def find_issue(self, key):
        issue = self._lookup(key)
        return self._tracked(key, issue) if issue is not None else None

    def open_issue(self, key, title, body, labels=(), *, reopen=False):
        labels = _check_labels([INDEX_LABEL, *labels])
        existing = self._lookup(key)
        if existing is not None:
            if reopen and existing.state != "open":
                self._read(lambda: existing.edit(state="open"), f"reopen issue #{existing.number}")
            return self._tracked(key, existing)
        self._ensure_labels(labels)
        text = _with_marker(issue_marker(key), body)
        issue = self._write(lambda: self._repo.create_issue(title=title, body=text, labels=labels),
                            f"open an issue for {key!r}", reconcile=lambda: self._lookup(key, refresh=True))
        self._index()[_encode(key)] = issue
        log.info("opened issue #%s for %s", issue.number, key)
        return self._tracked(key, issue, created=True)

    def _issue(self, key_or_number: str | int) -> Any:
        if isinstance(key_or_number, int):
            return self._repo.get_issue(key_or_number)  # lazy: no request until used
        issue = self._lookup(key_or_number)
        if issue is None:
            raise TrackerError(f"There is no issue for key {key_or_number!r} in {self.repo_name}.")
        return issue

    def _last_comment_is(self, issue: Any, body: str) -> bool | None:
        comments = list(issue.get_comments())
        return True if comments and comments[-1].body == body else None

    def comment(self, key_or_number, body):
        issue = self._issue(key_or_number)
        text = _fit(body)
        self._write(lambda: issue.create_comment(text), f"comment on issue #{issue.number}",
                    reconcile=lambda: self._last_comment_is(issue, text))

    def update_issue(self, key, *, title=None, body=None):
        issue = self._lookup(key)
        if issue is None:
            return None
        changes = {}
        if title is not None:
            changes["title"] = title
        if body is not None:
            changes["body"] = _with_marker(issue_marker(key), body)
        if changes:
            self._read(lambda: issue.edit(**changes), f"update issue #{issue.number}")
        return self._tracked(key, issue)

    def close(self, key, comment=None):
        issue = self._lookup(key)
        if issue is None:
            return None
        if comment:
            self.comment(key, comment)
        if issue.state != "closed":
            self._read(lambda: issue.edit(state="closed", state_reason="completed"), f"close issue #{issue.number}")
        return self._tracked(key, issue)

    def add_labels(self, key_or_number, labels):
        labels = _check_labels(labels)
        if not labels:
            return
        number = key_or_number if isinstance(key_or_number, int) else self._issue(key_or_number).number
        self._ensure_labels(labels)
        # The documented body is {"labels": [...]} (PyGithub's add_to_labels sends a bare array,
        # which GitHub accepts but its OpenAPI description does not list). Adding labels is
        # idempotent, so a lost answer may simply be repeated.
        path = f"/repos/{self.repo_name}/issues/{int(number)}/labels"
        self._write(lambda: self._gh.requester.requestJsonAndCheck("POST", path, input={"labels": labels}),
                    f"label issue #{number}", reconcile=lambda: None)

    # -- sticky pull request comments --

    def bot_login(self) -> str:
        if self._bot_login is None:
            from github import GithubException

            try:
                self._bot_login = self._gh.get_user().login
            except GithubException as exc:
                if exc.status not in (401, 403):
                    raise self._fail(exc, "find out which user the token belongs to") from None
                self._bot_login = GITHUB_ACTIONS_BOT
        return self._bot_login

    def _find_sticky(self, issue: Any, marker: str) -> Any | None:
        mine = self.bot_login()
        head = sticky_marker(marker)
        for c in issue.get_comments():
            # only our own comments: anyone may post a comment that starts with the marker
            if c.user is not None and c.user.login == mine and (c.body or "").startswith(head):
                return c
        return None

    def upsert_pr_comment(self, pr_number, marker, body):
        pr_number = int(pr_number)
        issue = self._repo.get_issue(pr_number)
        text = _with_marker(sticky_marker(marker), body)
        what = f"comment on pull request #{pr_number}"
        existing = self._read(lambda: self._find_sticky(issue, marker), what)
        if existing is not None:
            if existing.body == text:
                return "unchanged"
            self._read(lambda: existing.edit(text), f"update the {marker} comment on pull request #{pr_number}")
            return "updated"
        self._write(lambda: issue.create_comment(text), what,
                    reconcile=lambda: self._find_sticky(issue, marker))
        return "created"


# -- choosing ---------------------------------------------------------------------------------


def tracker_from_env(repo_root: Path, env: Mapping[str, str] | None = None, **github_options: Any) -> Tracker:
    """GitHubTracker when GITHUB_TOKEN and GITHUB_REPOSITORY are set, else the local outbox.

    Honours GITHUB_API_URL (GitHub Enterprise) and SOCIALOPS_BOT_LOGIN (whose sticky comments
    are ours; found out from the token when not set)."""
    env = os.environ if env is None else env
    token = env.get("GITHUB_TOKEN", "")
    repo = env.get("GITHUB_REPOSITORY", "")
    if not token:
        return OutboxTracker(Path(repo_root))
    if not repo:
        raise TrackerError("GITHUB_TOKEN is set but GITHUB_REPOSITORY is not: set it to owner/name "
                           "(GitHub Actions sets it for you).")
    gh = make_github(token, env.get("GITHUB_API_URL") or DEFAULT_API_URL)
    bot = env.get("SOCIALOPS_BOT_LOGIN") or None
    return GitHubTracker(gh, repo, secrets=[token], bot_login=bot, **github_options)


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


# -- issue forms: a proposed post (.github/ISSUE_TEMPLATE/new-post.yml) ----------------------

NO_RESPONSE = "_No response_"


def parse_issue_form(body: str, labels_to_ids: Mapping[str, str]) -> dict[str, str]:
    """The answers of an issue made with an issue form, by field id.

    GitHub renders every field, in the form's order, as ``### <label>`` followed by the answer
    (``_No response_`` when left empty). ``labels_to_ids`` must be in the form's order (as
    ``form_labels`` returns it). The headings are searched from the end: the last field's
    heading is the last line with its label, the one before it the last such line above, and so
    on, so a heading typed into an answer cannot take over a later field or an earlier one
    (only a field whose answer repeats its own label loses the text above that line)."""
    lines = (body or "").replace("\r\n", "\n").split("\n")
    fields: dict[str, str] = {}
    end = len(lines)
    for label, field_id in reversed(list(labels_to_ids.items())):
        heading = f"### {label}"
        at = next((i for i in range(end - 1, -1, -1) if lines[i].rstrip() == heading), None)
        if at is None:
            continue
        text = "\n".join(lines[at + 1:end]).strip()
        fields[field_id] = "" if text == NO_RESPONSE else text
        end = at
    return fields


def form_labels(template: Path) -> dict[str, str]:
    """label -> id of the input fields of an issue form file."""
    import yaml

    data = yaml.safe_load(Path(template).read_text(encoding="utf-8")) or {}
    out = {}
    for item in data.get("body") or []:
        if isinstance(item, dict) and item.get("id") and item.get("type") != "markdown":
            out[str((item.get("attributes") or {}).get("label", ""))] = str(item["id"])
    return out


@dataclass
class ProposedPost:
    path: str  # repository-relative path of the new post file
    title: str
    profiles: list[str]
    unknown_profiles: list[str]


def write_proposed_post(root: Path, fields: Mapping[str, str], *, now: Any, tz: Any) -> ProposedPost:
    """Write a draft post file from the answers of the new-post issue form.

    The text goes in verbatim as the body (the file is reviewed in a pull request before
    anything is published; status is draft). Profiles must exist under profiles/; unknown ones
    are left out and reported. Raises UsageError when nothing usable is left."""
    import yaml

    from socialops.content.new import create_post
    from socialops.errors import UsageError
    from socialops.repository.posts import POST_TYPES
    from socialops.repository.profiles import find_profiles

    title = " ".join((fields.get("title") or "").split())[:120]
    caption = (fields.get("caption") or "").replace("\r\n", "\n").strip()
    if not title or not caption:
        raise UsageError("The form needs a working title and the text of the post.")
    known = {Path(rel).stem for rel in find_profiles(Path(root))}
    wanted = [p for p in re.split(r"[\s,;]+", fields.get("profiles") or "") if p]
    profiles = [p for p in dict.fromkeys(wanted) if p in known]
    unknown = [p for p in dict.fromkeys(wanted) if p not in known]
    if not profiles:
        raise UsageError(f"None of the profiles {wanted!r} exists; use ids from the profiles/ folder: "
                         f"{', '.join(sorted(known)) or '(none)'}.")
    post_type = (fields.get("type") or "").strip().lower() or None
    if post_type not in (None, *POST_TYPES):
        raise UsageError(f"Type {post_type!r} is not one of {', '.join(POST_TYPES)}.")
    when = (fields.get("publish_at") or "").strip() or None
    rel = create_post(Path(root), title, profiles, post_type=post_type, when=when, now=now, tz=tz)
    path = Path(root) / rel
    text = path.read_text(encoding="utf-8")
    _, front, _ = text.split("---\n", 2)
    meta = yaml.safe_load(front)
    link = (fields.get("link") or "").strip()
    if re.fullmatch(r"https?://\S+", link):
        meta["link"] = link
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, default_flow_style=None, width=100)
    path.write_text(f"---\n{front}---\n{caption}\n", encoding="utf-8")
    return ProposedPost(rel, title, profiles, unknown)
