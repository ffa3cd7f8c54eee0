"""GitHub issues and pull request comments through PyGithub (GitHub or GitHub Enterprise).

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
the chained PyGithub exception. PyGithub (and requests) load only when a GitHub tracker is made.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from socialops.errors import TrackerError
from socialops.networks.http import redact
from socialops.tracker.interface import TrackedIssue, Tracker
from socialops.tracker.markers import (
    INDEX_LABEL,
    LabelSpec,
    check_key,
    encode_key,
    fit_body,
    issue_marker,
    label_spec,
    marker_key,
    sticky_marker,
    strip_marker,
    with_marker,
)

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.github.com"
GITHUB_ACTIONS_BOT = "github-actions[bot]"
WRITE_LEVELS = ("admin", "maintain", "write")
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
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return redact(text, self._secrets)  # and credentials by their shape, and a token cut elsewhere

    def _fail(self, exc: Exception, what: str) -> TrackerError:
        from github import GithubException

        if isinstance(exc, GithubException):
            data = exc.data
            # the body may echo the token: redacted before it is cut, so no prefix of it is left
            # PyGithub keeps a body that is not JSON (a proxy's error page) under "data"
            message = (data.get("message") or data.get("data") or "") if isinstance(data, dict) else data or ""
            message = " ".join(self._redact(str(message)).split())[:200]
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
                    found = self._read(reconcile, f"check whether GitHub did {what}")
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
            raise

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
        return self._index(refresh).get(encode_key(check_key(key)))

    def _tracked(self, key: str | None, issue: Any, created: bool = False) -> TrackedIssue:
        return TrackedIssue(key=key, number=issue.number, title=issue.title, body=strip_marker(issue.body),
                            labels=[lab.name for lab in issue.labels], state=issue.state, url=issue.html_url,
                            created=created, opened_at=issue.created_at,
                            assignees=[a.login for a in issue.assignees or []])

    def find_issue(self, key):
        issue = self._lookup(key)
        return self._tracked(key, issue) if issue is not None else None

    def open_issues(self, label):
        def load() -> list[Any]:
            return [issue for issue in self._repo.get_issues(state="open", labels=[INDEX_LABEL, label],
                                                             sort="created", direction="asc")
                    if "/pull/" not in (issue.html_url or "")]
        return [self._tracked(None, issue) for issue in self._read(load, f"list the open issues labelled {label}")]

    def open_issue(self, key, title, body, labels=(), *, reopen=False, assignees=()):
        labels = self._with_brands([INDEX_LABEL, *labels])
        existing = self._lookup(key)
        if existing is not None:
            if reopen and existing.state != "open":
                self._read(lambda: existing.edit(state="open"), f"reopen issue #{existing.number}")
            return self._tracked(key, existing)
        self._ensure_labels(labels)
        text = with_marker(issue_marker(key), body)
        what = f"open an issue for {key!r}"
        try:
            issue = self._write(lambda: self._repo.create_issue(title=title, body=text, labels=labels,
                                                                assignees=list(assignees)),
                                what, reconcile=lambda: self._lookup(key, refresh=True))
        except TrackerError as exc:
            if not assignees or "assignees" not in str(exc):
                raise
            # 422: someone GitHub cannot assign (no access to the repository): mentioned instead, so still told
            text = fit_body(text + "\n\n" + " ".join(f"@{login}" for login in assignees) + ": this is for you "
                            "(GitHub could not assign it to you).")
            issue = self._write(lambda: self._repo.create_issue(title=title, body=text, labels=labels),
                                what, reconcile=lambda: self._lookup(key, refresh=True))
        self._index()[encode_key(key)] = issue
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
        text = fit_body(body)
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
            changes["body"] = with_marker(issue_marker(key), body)
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
        labels = self._with_brands(labels)
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

            def login() -> str:
                try:
                    return self._gh.get_user().login
                except GithubException as exc:
                    if exc.status not in (401, 403):
                        raise
                    return GITHUB_ACTIONS_BOT

            self._bot_login = self._read(login, "find out which user the token belongs to")
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
        text = with_marker(sticky_marker(marker), body)
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

    def pull_request_is_current(self, pr_number, head_sha):
        from github import GithubException

        path = f"/repos/{self.repo_name}/pulls/{int(pr_number)}"

        def lookup() -> dict | None:
            try:
                return self._gh.requester.requestJsonAndCheck("GET", path)[1]
            except GithubException as exc:
                if exc.status == 404:
                    return None
                raise

        pull = self._read(lookup, f"look up pull request #{pr_number}")
        if pull is None:
            return False
        return pull.get("state") == "open" and (pull.get("head") or {}).get("sha") == head_sha

    def permission(self, login):
        from github import GithubException
        from requests import RequestException

        if not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?", login or ""):
            return None  # not a login: never sent
        path = f"/repos/{self.repo_name}/collaborators/{login}/permission"
        try:
            _, body = self._gh.requester.requestJsonAndCheck("GET", path)
        except GithubException as exc:
            return "none" if exc.status == 404 else None  # 404: not a collaborator
        except RequestException:
            return None
        body = body if isinstance(body, dict) else {}
        role, level = body.get("role_name"), body.get("permission")
        # a custom role's name says less than the permission behind it, unless it is a write level itself
        for value in (role, level):
            if isinstance(value, str) and value in WRITE_LEVELS:
                return value
        return str(level or role or "none")
