"""One exception tree. The CLI turns any SocialOpsError into a clean message and exit code 1."""

from __future__ import annotations


class SocialOpsError(Exception):
    """Base of every error a user can act on. The message says what to fix, and where."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return f"{where}{self.message}"


class ContentError(SocialOpsError):
    """A post file cannot be read or parsed."""


class ConfigError(SocialOpsError):
    """profiles/*.yaml or schedule.yaml is wrong, or the repository is not a socialops repository."""


class UsageError(SocialOpsError):
    """A command was called with arguments that cannot work (exit code 2)."""


class GitError(SocialOpsError):
    """A git operation (commit, fetch, rebase, push) failed."""


class LockError(SocialOpsError):
    """Another run holds the lock."""


class TrackerError(SocialOpsError):
    """The issue tracker (GitHub or the local outbox) failed."""


class NetworkError(SocialOpsError):
    """A social network call failed. `transient` errors may be retried."""

    transient = False

    def __init__(self, message: str, *, network: str | None = None, status: int | None = None, **kw):
        super().__init__(message, **kw)
        self.network = network
        self.status = status


class TransientNetworkError(NetworkError):
    """5xx, timeouts, connection resets: retry with backoff."""

    transient = True


class RateLimited(TransientNetworkError):
    """The network asked us to slow down; `retry_after` is in seconds when it said."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw):
        super().__init__(message, **kw)
        self.retry_after = retry_after


class AuthError(NetworkError):
    """The token is missing, expired or lacks a permission. The message names the secret to renew."""

    def __init__(self, message: str, *, secret: str | None = None, **kw):
        super().__init__(message, **kw)
        self.secret = secret


class PermanentNetworkError(NetworkError):
    """The network refused the post for good (invalid media, policy, unsupported): do not retry."""


class OutcomeUnknown(NetworkError):
    """The request may or may not have reached the network (answer lost). Reconcile before any retry."""

    transient = True
