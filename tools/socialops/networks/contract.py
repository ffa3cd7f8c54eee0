"""The one interface every network implements.

A network adapter combines the capability families it offers -- :class:`Publishing`, :class:`Comments`,
:class:`Metrics`, :class:`ProfileBasics` -- over :class:`Network`, the machinery they share (token, secrets,
redaction, the HTTP layer, clock, progress, limits). The publisher (``socialops.publish.run``) creates one
instance per profile and run, and calls, for each due (post, profile) pair:

* :meth:`Publishing.publish` with a :class:`PublishRequest` (the rendered post, its media as absolute
  files, the idempotency key, and what an earlier crashed attempt already did) and receives a
  :class:`PublishResult`; or
* :meth:`Publishing.reconcile` with a :class:`Claim` whose outcome was never recorded (the run died, or
  the answer was lost): it answers whether that claim reached the network.

The contract, which is what makes "exactly once" possible:

1. **Idempotency key.** ``PublishRequest.idempotency_key`` is stable for one claim. Networks that take
   one (Mastodon's ``Idempotency-Key`` header, the sandbox) must send it; networks with
   client-chosen ids (Bluesky record keys) derive the id from it (see :meth:`Network.derived_id`).
2. **Progress before the next step.** Multi-step publishing (upload media -> create container ->
   publish container; upload blob -> create record) must call ``self.progress(item, step, data)``
   with every intermediate id *as soon as it exists and before the next step*. The publisher
   appends it to the ledger (fsynced) and hands it back in ``PublishRequest.resume`` and
   ``Claim.progress`` after a crash, so the next run reuses the uploaded media instead of uploading
   twice, and reconcile can check the container it made.
3. **Errors.** Raise from ``socialops.errors`` only:

   - :class:`~socialops.errors.TransientNetworkError` / :class:`~socialops.errors.RateLimited`: the
     network certainly did *not* create the post (5xx on a safe request, 429, connection refused).
     The publisher retries with backoff.
   - :class:`~socialops.errors.OutcomeUnknown`: the post may have been created (a timeout or a lost
     answer after the create call was sent). Never retried blindly: the publisher reconciles first.
   - :class:`~socialops.errors.PermanentNetworkError`: refused for good (invalid media, policy). That
     pair fails, an issue is opened, the run goes on.
   - :class:`~socialops.errors.AuthError`: missing/expired token; names the secret (``token_env``).

   :class:`socialops.networks.http.Http` (``self.http()``) maps HTTP answers to these for you.
4. **Reconcile.** :meth:`Publishing.reconcile` returns the :class:`PublishResult` when the claim is on the
   network, ``None`` when it is *certainly not* there (so posting again cannot duplicate), and raises
   :class:`~socialops.errors.OutcomeUnknown` when the network cannot tell (no idempotency, no way to
   list and match): the pair then becomes *unconfirmed* and a person is asked through an issue.
5. **No secrets in output.** Tokens are read with :meth:`Network.token`; every message goes through
   :meth:`Network.redact` (``Http`` does this for its own errors).
6. **No hidden clock.** Use ``self.now()`` and ``self.sleep()``; tests inject both.

The shared types (PublishRequest, Claim, Comment, Figures, LiveProfile, ...) are in ``networks.types``. This
module is imported by the publisher and by tests; it must not import httpx at module level.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from socialops.errors import AuthError, ConfigError, NetworkError, RateLimited
from socialops.networks import NETWORKS
from socialops.networks.http import Http, parse_reset, redact
from socialops.networks.limits import RememberedLimits, limit_key
from socialops.networks.spec import NetworkSpec
from socialops.networks.types import (
    AccessReport,
    Claim,
    Comment,
    LiveProfile,
    MetricsCall,
    Publication,
    PublishRequest,
    PublishResult,
    UnsupportedAction,
)

if TYPE_CHECKING:
    import httpx

    from socialops.repository.profiles import Profile

ProgressCallback = Callable[[PublishRequest, str, Mapping[str, Any]], None]
"""``progress(item, step, data)``: the publisher's ledger writer. Called by :meth:`Network.progress`."""

Clock = Callable[[], dt.datetime]
Sleep = Callable[[float], None]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Network:
    """What every adapter shares, whatever it can do: the profile, its token and secrets, redaction, the HTTP
    layer, the injected clock, progress records and rate limits. Subclasses set ``spec`` and combine the
    capability families below.

    Constructor arguments (keyword-only after ``profile``):

    - ``profile``: the :class:`~socialops.repository.profiles.Profile` (account, token_env, settings).
    - ``env``: the environment mapping to read the token and settings from (tests pass a dict).
    - ``client``: an ``httpx.Client`` to use (tests pass one with ``httpx.MockTransport`` or pointing
      at a local server); None = :meth:`http` creates one and :meth:`close` closes it.
    - ``progress``: the ledger callback ``progress(item, step, data)``; see :meth:`progress`.
    - ``clock`` / ``sleep``: injectable time (aware UTC datetimes; seconds).
    - ``root``: the repository root (for local state such as the sandbox database).
    """

    spec: ClassVar[NetworkSpec]

    def __init__(
        self,
        profile: Profile,
        *,
        env: Mapping[str, str] | None = None,
        client: httpx.Client | None = None,
        progress: ProgressCallback | None = None,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
        root: Path | None = None,
    ) -> None:
        self.profile = profile
        self.env: Mapping[str, str] = env if env is not None else {}
        self.client = client
        self._progress = progress
        self._clock = clock or utc_now
        self._sleep = sleep or time.sleep
        self.root = root
        self._http: Http | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    def now(self) -> dt.datetime:
        return self._clock()

    def sleep(self, seconds: float) -> None:
        self._sleep(seconds)

    def progress(self, item: PublishRequest, step: str, data: Mapping[str, Any]) -> None:
        """Record an intermediate id (e.g. ``progress(item, "media:0", {"id": "123"})``) in the ledger
        before taking the next step. Also stored in ``item.resume`` so the adapter may read it back.
        ``data`` values must be short strings or numbers (they go into a CSV line as JSON)."""
        item.resume[step] = dict(data)
        if self._progress is not None:
            self._progress(item, step, dict(data))

    @staticmethod
    def resumed(item: PublishRequest, step: str) -> dict[str, Any] | None:
        """The data recorded for ``step`` by an earlier attempt of the same claim, if any."""
        return item.resume.get(step)

    # Networks that say in each answer how many calls are left: (remaining header, reset header).
    limit_headers: ClassVar[tuple[str, str] | None] = None
    # How long a 429 that names no reset holds the profile back (Mastodon's window is 5 minutes).
    limit_hold_seconds: ClassVar[float] = 300.0
    _blocked_until: dt.datetime | None = None
    _limits: RememberedLimits | None = None

    def _remembered(self) -> tuple[RememberedLimits, str]:
        """The limits remembered under ``state/`` (networks.limits) and this profile's key among them."""
        if self._limits is None:
            self._limits = RememberedLimits(self.root)
        secrets = self.secrets()
        return self._limits, limit_key(self.name, self.profile.id, secrets[0] if secrets else "")

    def held_until(self) -> dt.datetime | None:
        """When the rate limit this profile's token used up -- in this run or an earlier one -- resets; None when
        it is free."""
        now = self.now()
        if self._limits is None:  # read once: from then on this instance knows what it waited out
            limits, key = self._remembered()
            remembered = limits.held_until(key, now)
            if remembered is not None and (self._blocked_until is None or remembered > self._blocked_until):
                self._blocked_until = remembered
        if self._blocked_until is not None and self._blocked_until <= now:
            self._blocked_until = None
        return self._blocked_until

    def hold_limit(self, wait: float | None, reason: str) -> dt.datetime:
        """The limit is used up for ``wait`` seconds (None: ``limit_hold_seconds``): hold every call of this
        profile until then, in this run and in later ones. Returns when it resets."""
        now = self.now()
        until = now + dt.timedelta(seconds=self.limit_hold_seconds if wait is None else wait)
        if self._blocked_until is None or until > self._blocked_until + dt.timedelta(seconds=1):
            self._blocked_until = until
            limits, key = self._remembered()
            limits.hold(key, until, now=now, network=self.name, profile=self.profile.id, reason=self.redact(reason))
        return self._blocked_until

    def note_limits(self, response: Any) -> None:
        """After an answer: with none left (remaining 0), hold the next call until the reset time."""
        if self.limit_headers is None:
            return
        remaining_header, reset_header = self.limit_headers
        remaining = response.headers.get(remaining_header)
        if remaining is None:
            return
        try:
            left = int(float(remaining))
        except ValueError:
            return
        if left > 0:
            return
        wait = parse_reset(response.headers.get(reset_header), self.now())
        if wait is not None:
            self.hold_limit(wait, f"{remaining_header}: 0")

    def respect_limits(self, max_wait: float) -> None:
        """Before a call: wait out a used-up limit, or raise RateLimited when the wait is longer than
        ``max_wait`` seconds (the limit still holds: the run goes on with other work; a later run retries)."""
        until = self.held_until()
        if until is None:
            return
        wait = (until - self.now()).total_seconds()
        if wait > max_wait:
            raise RateLimited(
                f"{self.name}: the rate limit of profile '{self.profile.id}' is used up until "
                f"{until.strftime('%Y-%m-%d %H:%M:%S')} UTC ({wait:.0f} s)", retry_after=wait, network=self.name,
            )
        self.sleep(wait)
        self._blocked_until = None

    @staticmethod
    def derived_id(key: str, length: int = 13) -> str:
        """A deterministic id from an idempotency key, for networks where the client chooses the id
        (Bluesky record keys): lower-case base32 of its SHA-256, ``length`` characters."""
        digest = hashlib.sha256(key.encode()).digest()
        return base64.b32encode(digest).decode().lower().rstrip("=")[:length]

    def token(self, *, required: bool = True) -> str | None:
        """The access token from the environment variable the profile names in ``token_env``.

        Raises AuthError naming the secret when it is missing or empty (and ``required``)."""
        name = self.profile.token_env
        if not name:
            if not required:
                return None
            raise ConfigError(
                f"profile '{self.profile.id}' has no token_env: add 'token_env: SOME_SECRET_NAME' naming the "
                "environment variable (GitHub secret) that holds the access token",
                path=self.profile.path,
                line=1,
            )
        value = self.env.get(name, "")
        if not value.strip():
            if not required:
                return None
            raise AuthError(
                f"the secret {name} is not set for profile '{self.profile.id}' ({self.name}): add it under "
                "Settings > Secrets and variables > Actions (or export it locally) and run again",
                secret=name,
                network=self.name,
                path=self.profile.path,
            )
        return value.strip()

    def secrets(self) -> list[str]:
        """Values that must never appear in output: the profile's token (if set)."""
        name = self.profile.token_env
        value = self.env.get(name, "") if name else ""
        return [value.strip()] if value and value.strip() else []

    def redact(self, text: str) -> str:
        """``text`` with this profile's token and any Authorization header values scrubbed."""
        return redact(text, self.secrets())

    def http(self, **options: Any) -> Http:
        """The shared HTTP helper (timeouts, retries, Retry-After, error mapping, redaction) bound to
        this profile's token and the injected client. ``options`` go to :class:`~.http.Http` the first
        time."""
        if self._http is None:
            self._http = Http(
                self.client,
                network=self.name,
                secret_name=self.profile.token_env,
                secrets=self.secrets(),
                sleep=self._sleep,
                before_request=self._respect_limits_before_request,
                on_rate_limited=lambda limited: self.hold_limit(limited.retry_after, str(limited)),
                **options,
            )
        return self._http

    def _respect_limits_before_request(self) -> None:
        if self._http is not None:
            self.respect_limits(self._http.max_wait)

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> Network:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Publishing(Network):
    """Publishing exactly once: ``publish`` and ``reconcile`` (see the module's contract)."""

    def publish(self, item: PublishRequest) -> PublishResult:
        """Publish ``item`` (all its media, then the post, then the first comment if any).

        Must send/derive the idempotency key, call :meth:`progress` after each intermediate object is
        created, honour ``item.resume``, and raise only ``socialops.errors`` exceptions.
        """
        raise NotImplementedError

    def reconcile(self, claim: Claim) -> PublishResult | None:
        """Did ``claim`` reach the network? The result if yes; None if certainly not; raise
        :class:`~socialops.errors.OutcomeUnknown` when the network cannot tell."""
        raise NotImplementedError

    def first_comment_step(self, item: PublishRequest, result: PublishResult,
                           post_comment: Callable[[str], str]) -> PublishResult:
        """Add the post's first comment once: ``post_comment(text)`` sends it and returns its id, which is
        recorded (step "comment") so a resumed claim never comments twice. The post is already out, so a
        failed comment is noted on the result (``first_comment_error``), never raised: raising would fail
        the pair and publish the post again."""
        text = item.first_comment
        if not text:
            return result
        done = self.resumed(item, "comment")
        if done:
            comment_id = str(done["id"])
        else:
            try:
                comment_id = post_comment(text)
            except NetworkError as exc:
                if isinstance(exc, AuthError):
                    raise
                return replace(result, extra={**result.extra, "first_comment_error": self.redact(str(exc))[:300]})
            self.progress(item, "comment", {"id": comment_id})
        return replace(result, extra={**result.extra, "first_comment_id": comment_id})


class Comments(Network):
    """Comments and moderation: adapters override what their network's API can do; the rest raises
    :class:`~socialops.networks.types.UnsupportedAction` (a person does it by hand)."""

    @property
    def moderation_spec(self) -> NetworkSpec:
        """Whose moderation abilities apply (the sandbox answers with the network it imitates)."""
        return self.spec

    def can(self, action: str) -> bool:
        """Can this network's API do ``action`` (reply, hide, unhide, delete, block) on others' comments?"""
        spec = self.moderation_spec
        return {"reply": True, "hide": spec.can_hide, "unhide": spec.can_hide,
                "delete": spec.can_delete_comments, "block": spec.can_block}.get(action, False)

    def unsupported(self, action: str) -> UnsupportedAction:
        return UnsupportedAction(f"{self.moderation_spec.label}'s API cannot {action} a comment",
                                 action=action, network=self.name)

    def list_comments(self, remote_id: str, *, since: dt.datetime | None = None) -> list[Comment]:
        """Comments and replies (replies to replies too, where the network has threads) on the publication
        ``remote_id``, oldest first; ``since`` may let the adapter skip older ones."""
        raise self.unsupported("list")

    def reply_to_comment(self, comment: Comment, text: str, *, key: str) -> str:
        """Answer ``comment`` publicly as the profile; returns the reply's id. ``key`` is stable for one
        /reply command: networks with idempotency (Mastodon's key, Bluesky's record key) use it."""
        raise self.unsupported("reply")

    def hide_comment(self, comment: Comment, *, hidden: bool = True) -> None:
        """Hide (``hidden=False``: show again) a comment. Doing it twice does no harm."""
        raise self.unsupported("hide" if hidden else "unhide")

    def delete_comment(self, comment: Comment) -> None:
        raise self.unsupported("delete")

    def block_author(self, comment: Comment) -> None:
        """Block the comment's author from the profile. Doing it twice does no harm."""
        raise self.unsupported("block")


class Metrics(Network):
    """Metrics: the calls that fetch a profile's figures (each network's ``metrics.py`` builds and parses them;
    ``socialops.metrics.fetch`` sends them)."""

    def metrics_prepare(self) -> None:
        """Anything to do (synchronously, with this adapter's own client) before the metrics calls are made:
        Bluesky opens its session here. Raises AuthError when the token is missing or refused."""

    def metrics_calls(self, publications: list[Publication], *, now: dt.datetime) -> list[MetricsCall]:
        """The requests that fetch this profile's metrics: figures of each publication and of the account, as
        :class:`~socialops.networks.types.MetricsCall` objects that ``socialops.metrics.fetch`` sends
        concurrently within the network's rate limit. A network without metrics raises NotImplementedError."""
        raise NotImplementedError(f"{self.spec.label} has no metrics in this version of socialops")

    def metrics_error(self, response: httpx.Response) -> Exception | None:
        """The error for a failed metrics answer, mapped as for any other call of this network (rate limits
        with their wait, token errors naming the secret), or None when it is a success."""
        error, _wait = self.http().classify(response, safe=True)
        return error


class ProfileBasics(Network):
    """Profile basics (``socialops.profiles``): read, write and check the live account."""

    def profile_support(self) -> dict[str, str | None]:
        """basic -> "sync" | "check" | "manual" | None for this adapter (the spec's ``basics``)."""
        return dict(self.spec.basics)

    def read_profile(self) -> LiveProfile:
        """The live account's basics (values in the same normalised forms as ``profiles.basics.desired``;
        images as ``LiveImage`` with their bytes)."""
        raise NotImplementedError

    def update_profile(self, changes: Mapping[str, Any], live: LiveProfile) -> None:
        """Write ``changes`` (basic -> wanted value, only basics whose support is "sync") to the live account.
        ``live`` is the profile just read (for compare-and-swap)."""
        raise NotImplementedError

    def check_access(self) -> AccessReport:
        """The token works, the account is the one named, and what the token may do per capability
        (publishing, metrics, moderation, profile)."""
        raise NotImplementedError


def adapter_class(profile: Profile) -> type[Network]:
    """The adapter class for the profile's network (the sandbox for ``network: sandbox``)."""
    spec = NETWORKS.get(profile.network)
    if spec is None:
        raise ConfigError(
            f"profile '{profile.id}': unknown network '{profile.network}' (known: {', '.join(sorted(NETWORKS))})",
            path=profile.path,
            line=profile.line("network"),
        )
    try:
        return spec.load_adapter()
    except (ImportError, AttributeError):
        raise ConfigError(
            f"profile '{profile.id}': publishing to {spec.label} is not available in this version of socialops",
            path=profile.path,
            line=profile.line("network"),
        ) from None


def open_network(profile: Profile, **kwargs: Any) -> Network:
    """An adapter instance for ``profile``; ``kwargs`` as for :class:`Network`."""
    return adapter_class(profile)(profile, **kwargs)
