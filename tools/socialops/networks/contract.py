"""The one interface every network implements.

A network adapter is a subclass of :class:`Network`. The publisher (``socialops.publish.run``) creates one
instance per profile and run, and calls, for each due (post, profile) pair:

* :meth:`Network.publish` with a :class:`PublishRequest` (the rendered post, its media as absolute
  files, the idempotency key, and what an earlier crashed attempt already did) and receives a
  :class:`PublishResult`; or
* :meth:`Network.reconcile` with a :class:`Claim` whose outcome was never recorded (the run died, or
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
4. **Reconcile.** :meth:`Network.reconcile` returns the :class:`PublishResult` when the claim is on the
   network, ``None`` when it is *certainly not* there (so posting again cannot duplicate), and raises
   :class:`~socialops.errors.OutcomeUnknown` when the network cannot tell (no idempotency, no way to
   list and match): the pair then becomes *unconfirmed* and a person is asked through an issue.
5. **No secrets in output.** Tokens are read with :meth:`Network.token`; every message goes through
   :meth:`Network.redact` (``Http`` does this for its own errors).
6. **No hidden clock.** Use ``self.now()`` and ``self.sleep()``; tests inject both.

This module is imported by the publisher and by tests; it must not import httpx at module level.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from socialops.errors import AuthError, ConfigError, PermanentNetworkError
from socialops.networks.specs import NETWORKS, NetworkSpec

if TYPE_CHECKING:
    import httpx

    from socialops.content.render import Rendered
    from socialops.networks.http import Http
    from socialops.repository.profiles import Profile

ProgressCallback = Callable[["PublishRequest", str, Mapping[str, Any]], None]
"""``progress(item, step, data)``: the publisher's ledger writer. Called by :meth:`Network.progress`."""

Clock = Callable[[], dt.datetime]
Sleep = Callable[[float], None]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class MediaFile:
    """One media item of a post, resolved on disk.

    ``path`` is the absolute file path (exists: the publisher validated the post), ``rel`` the
    repository-relative path (public URLs are ``media_base_url`` + ``rel``, see media_urls.py),
    ``kind`` "image" | "video" | "other", ``captions`` the absolute path of a subtitle file or None.
    """

    path: Path
    rel: str
    kind: str
    alt: str | None = None
    captions: Path | None = None
    captions_rel: str | None = None
    index: int = 0

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()


@dataclass
class PublishRequest:
    """Everything an adapter needs to publish one post to one profile.

    ``rendered`` is the text the profile receives (``render.render``: overrides applied, Markdown
    reduced, link appended where the network wants it in the text). ``media`` are resolved files in
    post order. ``resume`` maps step name -> data recorded by ``progress`` in earlier attempts of the
    *same* claim (same idempotency key): reuse those ids instead of creating new objects.
    """

    post_id: str
    profile_id: str
    idempotency_key: str
    rendered: Rendered
    media: list[MediaFile] = field(default_factory=list)
    root: Path = field(default_factory=Path.cwd)
    live: Mapping[str, Any] = field(default_factory=dict)
    scheduled_at: dt.datetime | None = None
    attempt: int = 1
    resume: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.rendered.text

    @property
    def type(self) -> str:
        return self.rendered.type

    @property
    def link(self) -> str | None:
        return self.rendered.link

    @property
    def first_comment(self) -> str | None:
        return self.rendered.first_comment

    @property
    def tags(self) -> list[str]:
        return list(self.rendered.tags)


@dataclass(frozen=True)
class PublishResult:
    """What the network answered: its id for the post, the public URL, when it went out, and anything
    else worth keeping in the ledger (``extra``: short strings, e.g. a first-comment id)."""

    remote_id: str
    url: str | None = None
    published_at: dt.datetime | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Claim:
    """A claim whose outcome is not in the ledger: what reconcile must answer about.

    ``progress`` holds the intermediate ids recorded before the crash (step -> data).
    ``request`` is the post rendered again now (None if the post file is gone), so adapters that
    match by listing recent posts can compare the text.
    """

    post_id: str
    profile_id: str
    idempotency_key: str
    claimed_at: dt.datetime
    attempt: int = 1
    progress: dict[str, dict[str, Any]] = field(default_factory=dict)
    request: PublishRequest | None = None

    def resumed_request(self) -> PublishRequest | None:
        """The claim's post rendered again, carrying the *claim's* idempotency key, attempt and progress (the
        publisher renders it before it knows which of the open claims it is asking about)."""
        if self.request is None:
            return None
        return replace(self.request, idempotency_key=self.idempotency_key, attempt=max(self.attempt, 1),
                       resume=dict(self.progress))


# --- comments and moderation ---------------------------------------------------------------------------------

COMMENT_ACTIONS = ("reply", "hide", "unhide", "delete", "block")


class UnsupportedAction(PermanentNetworkError):
    """The network's API cannot do this moderation action (``action``); a person does it by hand."""

    def __init__(self, message: str, *, action: str, **kw: Any):
        super().__init__(message, **kw)
        self.action = action


@dataclass(frozen=True)
class Comment:
    """A comment, or a reply to one, on a publication, as the network shows it.

    ``post_remote_id`` is the publication's id on the network (the ledger's ``remote_id``). ``author_id`` is
    what blocking needs (Facebook user id, Mastodon account id, Bluesky DID); ``author_handle`` the visible
    handle, ``author_name`` the display name (both untrusted text). ``parent_id`` is the comment answered
    (None for a comment on the post itself) and ``thread_id`` the top-level comment of its thread. ``own``:
    written by the profile itself. ``ref``: short strings later actions need (Bluesky ``uri``/``cid``)."""

    id: str
    post_remote_id: str
    text: str
    author_id: str = ""
    author_handle: str = ""
    author_name: str = ""
    created_at: dt.datetime | None = None
    url: str | None = None
    parent_id: str | None = None
    thread_id: str = ""
    hidden: bool = False
    own: bool = False
    ref: Mapping[str, str] = field(default_factory=dict)

    @property
    def thread(self) -> str:
        return self.thread_id or self.id

    def record(self) -> dict[str, Any]:
        """Everything but the text, as JSON-ready values (kept in state/comments.csv for later actions)."""
        return {"id": self.id, "post": self.post_remote_id, "author_id": self.author_id,
                "handle": self.author_handle, "name": self.author_name,
                "created_at": self.created_at.astimezone(dt.UTC).isoformat() if self.created_at else "",
                "url": self.url or "", "parent": self.parent_id or "", "thread": self.thread,
                "ref": dict(self.ref)}

    @classmethod
    def from_record(cls, data: Mapping[str, Any], text: str = "") -> Comment:
        created = str(data.get("created_at") or "")
        when = dt.datetime.fromisoformat(created) if created else None
        ref = data.get("ref") if isinstance(data.get("ref"), dict) else {}
        return cls(id=str(data.get("id", "")), post_remote_id=str(data.get("post", "")), text=text,
                   author_id=str(data.get("author_id", "")), author_handle=str(data.get("handle", "")),
                   author_name=str(data.get("name", "")), created_at=when, url=str(data.get("url") or "") or None,
                   parent_id=str(data.get("parent") or "") or None, thread_id=str(data.get("thread", "")),
                   ref={str(k): str(v) for k, v in ref.items()})


def thread_root(comment_id: str, parent_of: Mapping[str, str], post_id: str = "") -> str:
    """The top-level comment of a comment's thread: its parents followed up while they are comments in
    `parent_of` (comment id -> the id it answers), stopping below the post itself."""
    for _ in range(100):  # a bound, should a network ever report a cycle
        up = parent_of.get(comment_id, "")
        if not up or up == post_id or up not in parent_of:
            return comment_id
        comment_id = up
    return comment_id


class Network:
    """Base class of all network adapters. Subclasses set ``spec`` and implement ``publish`` and
    ``reconcile``.

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

    # --- what adapters implement -----------------------------------------------------------------

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

    # --- profile basics (socialops.profiles.sync / profilecheck) ------------------------------------

    def profile_support(self) -> dict[str, str | None]:
        """basic -> "sync" | "check" | "manual" | None for this adapter (see ``profilebasics.SUPPORT``)."""
        from socialops.profiles.basics import support_for

        return support_for(self.name)

    def read_profile(self) -> Any:
        """The live account's basics as a :class:`~socialops.profiles.basics.LiveProfile` (values in the same
        normalised forms as ``profilebasics.desired``; images as ``LiveImage`` with their bytes)."""
        raise NotImplementedError

    def update_profile(self, changes: Mapping[str, Any], live: Any) -> None:
        """Write ``changes`` (basic -> wanted value, only basics whose support is "sync") to the live account.
        ``live`` is the :class:`~socialops.profiles.basics.LiveProfile` just read (for compare-and-swap)."""
        raise NotImplementedError

    def check_access(self) -> Any:
        """A :class:`~socialops.profiles.basics.AccessReport`: the token works, the account is the one named, and
        what the token may do per capability (publishing, metrics, moderation, profile)."""
        raise NotImplementedError

    # --- metrics (issue 7; see socialops.networks.insights) -----------------------------------------

    def metrics_prepare(self) -> None:
        """Anything to do (synchronously, with this adapter's own client) before the metrics calls are made:
        Bluesky opens its session here. Raises AuthError when the token is missing or refused."""

    def metrics_calls(self, publications: list[Any], *, now: dt.datetime) -> list[Any]:
        """The requests that fetch this profile's metrics: figures of each publication
        (:class:`~socialops.networks.insights.Publication`) and of the account, as
        :class:`~socialops.networks.insights.MetricsCall` objects that ``socialops.metrics.fetch`` sends concurrently
        within the network's rate limit. A network without metrics raises NotImplementedError."""
        raise NotImplementedError(f"{self.spec.label} has no metrics in this version of socialops")

    def metrics_error(self, response: httpx.Response) -> Exception | None:
        """The error for a failed metrics answer, mapped as for any other call of this network (rate limits
        with their wait, token errors naming the secret), or None when it is a success."""
        error, _wait = self.http().classify(response, safe=True)
        return error

    # --- comments and moderation: adapters override what their network's API can do -------------------

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

    # --- helpers for adapters --------------------------------------------------------------------

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
    _blocked_until: dt.datetime | None = None

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
            self._blocked_until = None
            return
        from socialops.networks.http import parse_reset

        wait = parse_reset(response.headers.get(reset_header), self.now())
        if wait is not None:
            self._blocked_until = self.now() + dt.timedelta(seconds=wait)

    def respect_limits(self, max_wait: float) -> None:
        """Before a call: wait out a used-up limit, or raise RateLimited when the wait is longer than
        ``max_wait`` seconds (the run goes on with other work; a later run retries)."""
        if self._blocked_until is None:
            return
        wait = (self._blocked_until - self.now()).total_seconds()
        self._blocked_until = None
        if wait <= 0:
            return
        if wait > max_wait:
            from socialops.errors import RateLimited

            raise RateLimited(
                f"{self.name}: the rate limit of profile '{self.profile.id}' is used up for {wait:.0f} s "
                f"({self.limit_headers[0]}: 0)", retry_after=wait, network=self.name,
            )
        self.sleep(wait)

    def first_comment_step(self, item: PublishRequest, result: PublishResult,
                           post_comment: Callable[[str], str]) -> PublishResult:
        """Add the post's first comment once: ``post_comment(text)`` sends it and returns its id, which is
        recorded (step "comment") so a resumed claim never comments twice. The post is already out, so a
        failed comment is noted on the result (``first_comment_error``), never raised: raising would fail
        the pair and publish the post again."""
        from dataclasses import replace

        from socialops.errors import NetworkError

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

    @staticmethod
    def derived_id(key: str, length: int = 13) -> str:
        """A deterministic id from an idempotency key, for networks where the client chooses the id
        (Bluesky record keys): lower-case base32 of its SHA-256, ``length`` characters."""
        import base64

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
        from socialops.networks.http import redact

        return redact(text, self.secrets())

    def http(self, **options: Any) -> Http:
        """The shared HTTP helper (timeouts, retries, Retry-After, error mapping, redaction) bound to
        this profile's token and the injected client. ``options`` go to :class:`~.http.Http` the first
        time."""
        if self._http is None:
            from socialops.networks.http import Http

            self._http = Http(
                self.client,
                network=self.name,
                secret_name=self.profile.token_env,
                secrets=self.secrets(),
                sleep=self._sleep,
                **options,
            )
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> Network:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
