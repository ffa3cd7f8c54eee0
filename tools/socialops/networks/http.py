"""Shared HTTP behaviour for the real network adapters: a thin layer over an injected ``httpx.Client``.

What it does for every call made through :meth:`Http.request`:

* **Timeouts**: the client it creates itself has ``DEFAULT_TIMEOUT``; callers may pass ``timeout=``.
* **Retries** -- the one retry policy of socialops: nothing above this layer retries again (the publisher
  records a failure and the next run tries again) -- with exponential backoff and jitter
  (:func:`backoff_delay`) on transient failures (5xx, 408, 429, timeouts,
  connection errors) -- but only for *safe* requests: GET/HEAD/OPTIONS/PUT/DELETE, or any request the
  adapter marks ``safe=True`` (e.g. a Mastodon POST carrying an Idempotency-Key, or a media upload
  whose duplicate is harmless). An *unsafe* request (a POST that creates content) is retried only
  when it certainly never reached the server (connection refused, 429); a timeout, a dropped
  connection or a 5xx after it was sent raises :class:`~socialops.errors.OutcomeUnknown`, so the
  publisher reconciles instead of posting twice.
* **Retry-After** (seconds or an HTTP date) and the rate-limit reset headers are honoured; a wait
  longer than ``max_wait`` is not slept: :class:`~socialops.errors.RateLimited` is raised with
  ``retry_after`` so the run can go on with other profiles. ``before_request`` and ``on_rate_limited`` let the
  profile's adapter hold every later call until the limit resets (``Network.respect_limits``, ``networks.limits``).
* **Budgets** a server announces in its answers are read by ``networks.limits.announced_budget``.
* **Errors**: 429 -> RateLimited; 401 (and 403, or whatever ``auth_error`` recognises, such as Meta's
  error code 190) -> :class:`~socialops.errors.AuthError` naming the secret to renew (the profile's
  ``token_env``); other 4xx -> PermanentNetworkError.
* **Redaction**: the token and any other registered secret, Authorization header values and
  ``access_token=``-style parameters are scrubbed from every exception message and log line, and
  exceptions never chain the underlying httpx error (whose text may contain a URL with a token).

httpx is imported inside functions only: importing this module stays cheap.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import random
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from socialops.core.times import parse_utc
from socialops.errors import (
    AuthError,
    NetworkError,
    OutcomeUnknown,
    PermanentNetworkError,
    RateLimited,
    TransientNetworkError,
)

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("socialops.http")
T = TypeVar("T")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_CONNECT_TIMEOUT = 10.0
REDACTED = "[REDACTED]"

_SENSITIVE_KEYS = (
    "access_token|accesstoken|token|password|passwd|secret|client_secret|refresh_token|appsecret_proof|"
    "accessJwt|refreshJwt|api_key|apikey|fb_exchange_token|code"
)
_AUTH_HEADER = re.compile(r"(?i)(authorization|proxy-authorization|x-api-key|cookie)(['\"]?\s*[:=]\s*['\"]?)([^'\"\r\n,}]+)")
_BEARER = re.compile(r"(?i)\b(bearer|basic|token|dpop)\s+[A-Za-z0-9._~+/=-]{6,}")
_QUERY = re.compile(rf"(?i)([?&;]|\b)({_SENSITIVE_KEYS})=([^&\s'\"#]+)")
_JSON_FIELD = re.compile(rf"(?i)([\"']({_SENSITIVE_KEYS})[\"']\s*:\s*[\"'])([^\"']+)")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` without secrets: every value in ``secrets`` (and its URL-encoded form), Authorization
    (and Cookie) header values, ``Bearer xxx`` credentials, ``access_token=...``-style parameters and
    JSON fields such as ``"accessJwt": "..."``."""
    from urllib.parse import quote, quote_plus

    out = str(text)
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            out = out.replace(form, REDACTED)
    out = _AUTH_HEADER.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", out)
    out = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", out)
    out = _QUERY.sub(lambda m: f"{m.group(1)}{m.group(2)}={REDACTED}", out)
    out = _JSON_FIELD.sub(lambda m: f"{m.group(1)}{REDACTED}", out)
    return _redact_cut_secret(out, secrets)


MIN_SECRET_PREFIX = 8


def _redact_cut_secret(text: str, secrets: Iterable[str]) -> str:
    """``text`` without a secret's first characters (8 or more) at its very end: what is left of a secret
    when a text holding one was cut before it was redacted (by a server, or by a caller)."""
    for secret in secrets:
        for size in range(min(len(secret or "") - 1, len(text)), MIN_SECRET_PREFIX - 1, -1):
            if text.endswith(secret[:size]):
                return text[:-size] + REDACTED
    return text


def redacted_excerpt(text: str, secrets: Iterable[str] = (), max_chars: int = 300) -> str:
    """The start of ``text`` on one line, redacted before it is cut (a cut never leaves part of a secret)."""
    # bounded before redaction: a secret across this first cut is caught as a cut secret
    bounded = " ".join(str(text)[:100_000].split())
    return redact(bounded, secrets)[:max_chars]


def parse_retry_after(value: str | None, now: dt.datetime) -> float | None:
    """Seconds to wait from a Retry-After value: delta-seconds or an HTTP date. None if unusable."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())


def parse_reset(value: str | None, now: dt.datetime) -> float | None:
    """Seconds until a rate-limit window resets: ISO 8601 time (Mastodon X-RateLimit-Reset), epoch
    seconds (atproto RateLimit-Reset) or delta seconds (the IETF draft)."""
    if not value:
        return None
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        when = parse_utc(value)
        if when is None:
            return parse_retry_after(value, now)
        return max(0.0, (when - now).total_seconds())
    if number > 1_000_000_000:
        return max(0.0, number - now.timestamp())
    return max(0.0, number)


def backoff_delay(attempt: int, *, base: float = 0.5, cap: float = 30.0, rng: random.Random | None = None) -> float:
    """The pause after failed try number ``attempt`` (1, 2, ...): ``base`` doubled per try up to ``cap``, with
    jitter (between half and all of the step) so that clients that failed together do not retry together."""
    step = min(cap, base * (2 ** (attempt - 1)))
    return step * (0.5 + (rng or random).random() / 2)


def retry_delay(attempt: int, asked: float | None, *, max_wait: float, base: float = 0.5, cap: float = 30.0,
                rng: random.Random | None = None) -> float | None:
    """How long to wait before trying again: what the server asked for (``Retry-After``), or the backoff;
    None when the server asked for more than ``max_wait`` seconds (then the caller gives up)."""
    if asked is not None:
        return asked if asked <= max_wait else None
    return backoff_delay(attempt, base=base, cap=cap, rng=rng)


def retry_transient(call: Callable[[], T], *, retries: int = 3, max_wait: float = 120.0,
                    sleep: Callable[[float], None], rng: random.Random | None = None, base: float = 0.5,
                    cap: float = 30.0, on_retry: Callable[[NetworkError, float], None] | None = None) -> T:
    """``call()``, tried again after a transient failure (never after OutcomeUnknown: the call may have
    been carried out) at most ``retries`` more times, waiting :func:`retry_delay` between tries. Used by
    :meth:`Http.request`, and by networks whose calls do not go through HTTP (the sandbox)."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return call()
        except NetworkError as failure:
            if not failure.transient or isinstance(failure, OutcomeUnknown) or attempt > retries:
                raise
            delay = retry_delay(attempt, getattr(failure, "retry_after", None), max_wait=max_wait, base=base,
                                cap=cap, rng=rng)
            if delay is None:  # the server asked for a longer pause than we are willing to take
                raise
            if on_retry is not None:
                on_retry(failure, delay)
            sleep(delay)


class Http:
    """Requests with timeouts, retries, Retry-After, error mapping and redaction.

    ``client``: an injected ``httpx.Client`` (tests: ``httpx.MockTransport`` or a local server), or None
    to create one (closed by :meth:`close`). ``network``: the name used in messages. ``secret_name``:
    the environment variable holding the token (named in AuthError). ``secrets``: values to scrub.
    ``auth_error(response) -> bool``: extra recognition of token errors (Meta answers 400 + code 190).
    """

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        network: str,
        secret_name: str | None = None,
        secrets: Iterable[str] = (),
        retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        max_wait: float = 120.0,
        timeout: float | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        rng: random.Random | None = None,
        auth_error: Callable[[httpx.Response], bool] | None = None,
        headers: dict[str, str] | None = None,
        classify: Callable[[httpx.Response, str, bool], tuple[NetworkError | None, float | None] | None]
        | None = None,
        before_request: Callable[[], None] | None = None,
        on_rate_limited: Callable[[RateLimited], None] | None = None,
    ) -> None:
        import time

        self._own_client = client is None
        self._client = client
        self.network = network
        self.secret_name = secret_name
        self._secrets: set[str] = {s for s in secrets if s}
        self.retries = max(0, retries)
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_wait = max_wait
        self.timeout = timeout
        self._sleep = sleep or time.sleep
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._rng = rng or random.Random()
        self._auth_error = auth_error
        # classify(response, where, safe) -> (error, wait) or None: a network's own error signals (Meta answers
        # HTTP 400 with code 4/17/32/613 when throttling), consulted before the generic mapping below.
        self._custom_classify = classify
        self.headers = dict(headers or {})
        self.waits: list[float] = []  # every pause taken, for tests and diagnostics
        # the profile's remembered rate limit: waited out (or raised) before a request, noted after a 429
        self._before_request = before_request
        self._on_rate_limited = on_rate_limited

    # --- secrets ---------------------------------------------------------------------------------

    def add_secret(self, value: str | None) -> None:
        """Scrub ``value`` too from now on (a session token obtained at run time, e.g. Bluesky's JWT)."""
        if value:
            self._secrets.add(value)

    def redact(self, text: str) -> str:
        return redact(text, self._secrets)

    # --- the client ------------------------------------------------------------------------------

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            import httpx

            self._client = httpx.Client(
                timeout=httpx.Timeout(self.timeout or DEFAULT_TIMEOUT_SECONDS, connect=DEFAULT_CONNECT_TIMEOUT),
                follow_redirects=True,
                headers={"User-Agent": "socialops (+https://github.com/)"},
            )
        return self._client

    def close(self) -> None:
        if self._own_client and self._client is not None:
            self._client.close()
            self._client = None

    # --- requests --------------------------------------------------------------------------------

    def request(self, method: str, url: str, *, safe: bool | None = None, **kwargs: Any) -> httpx.Response:
        """Send a request; return the response when it is a success (2xx/3xx), raise otherwise.

        ``safe``: may this request be sent again after a failure that might have happened after the
        server acted on it? Default: True for GET/HEAD/OPTIONS/PUT/DELETE, False otherwise.
        Other keyword arguments go to ``httpx.Client.request`` (json, data, files, params, headers, ...).
        """
        method = method.upper()
        if safe is None:
            safe = method in SAFE_METHODS
        if self.timeout is not None and "timeout" not in kwargs:
            kwargs["timeout"] = self.timeout
        if self.headers:
            kwargs["headers"] = {**self.headers, **(kwargs.get("headers") or {})}
        where = self._where(method, url)
        tries = 0

        def send_once() -> httpx.Response:
            nonlocal tries
            tries += 1
            log.debug("%s (attempt %d)", where, tries)
            return self._send(method, url, where, safe, kwargs)

        if self._before_request is not None:
            self._before_request()
        try:
            return retry_transient(send_once, retries=self.retries, max_wait=self.max_wait, sleep=self._pause,
                                   rng=self._rng, base=self.backoff, cap=self.max_backoff,
                                   on_retry=lambda failure, delay: log.debug(
                                       "%s: %s; retrying in %.1f s", where, self.redact(str(failure)), delay))
        except RateLimited as limited:
            if self._on_rate_limited is not None:
                self._on_rate_limited(limited)
            raise

    def _send(self, method: str, url: str, where: str, safe: bool, kwargs: dict[str, Any]) -> httpx.Response:
        """One try: the response of a success; otherwise raises the error, carrying the wait the server asked
        for as ``retry_after``. Never chains the httpx error (its text may hold a URL with a token)."""
        import httpx

        failure: NetworkError | None = None
        try:
            response = self.client.request(method, url, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # The request never reached the server: always safe to send again.
            failure = TransientNetworkError(f"{where}: could not connect ({type(exc).__name__})", network=self.network)
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            if safe:
                failure = TransientNetworkError(f"{where}: no answer ({type(exc).__name__})", network=self.network)
            else:
                failure = OutcomeUnknown(
                    f"{where}: the request was sent but no answer came ({type(exc).__name__}); "
                    "it may or may not have been carried out",
                    network=self.network,
                )
        if failure is not None:
            raise failure  # outside the except block: nothing chained
        failure, wait = self._classify(response, where, safe)
        if failure is None:
            return response
        if wait is not None:
            failure.retry_after = wait  # a 503's Retry-After travels like a RateLimited's
        raise failure

    def _pause(self, delay: float) -> None:
        self.waits.append(delay)
        self._sleep(delay)

    def json(self, method: str, url: str, *, safe: bool | None = None, **kwargs: Any) -> Any:
        """``request`` and the JSON body. An unreadable body after an unsafe request raises
        OutcomeUnknown (the server acted but we lost what it said); otherwise TransientNetworkError."""
        response = self.request(method, url, safe=safe, **kwargs)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            pass
        where = self._where(method.upper(), url)
        unsafe = not (safe if safe is not None else method.upper() in SAFE_METHODS)
        cls = OutcomeUnknown if unsafe else TransientNetworkError
        raise cls(f"{where}: the answer was not readable JSON", network=self.network, status=response.status_code)

    # --- internals -------------------------------------------------------------------------------

    def classify(self, response: httpx.Response, *, safe: bool = True) -> tuple[NetworkError | None, float | None]:
        """The error (and the wait the server asked for) of an answer obtained elsewhere -- e.g. by the
        concurrent metrics fetcher's AsyncClient -- mapped exactly as :meth:`request` maps its own answers;
        (None, None) for a success."""
        request = response.request
        return self._classify(response, self._where(request.method, str(request.url)), safe)

    def _where(self, method: str, url: str) -> str:
        # The path only: query strings carry tokens on some networks (Meta's access_token=).
        bare = str(url).split("?", 1)[0]
        return self.redact(f"{self.network}: {method} {bare}")

    def _excerpt(self, response: httpx.Response) -> str:
        try:
            text = response.text
        except Exception:  # noqa: BLE001 - an undecodable body is just not shown
            return ""
        return redacted_excerpt(text, self._secrets)

    def _classify(
        self, response: httpx.Response, where: str, safe: bool
    ) -> tuple[NetworkError | None, float | None]:
        status = response.status_code
        if self._custom_classify is not None:
            custom = self._custom_classify(response, where, safe)
            if custom is not None:
                return custom
        if status < 400:
            return None, None
        excerpt = self._excerpt(response)
        said = f": {excerpt}" if excerpt else ""
        now = self._clock()
        retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
        if status == 429:
            if retry_after is None:
                for header in ("X-RateLimit-Reset", "RateLimit-Reset", "X-Rate-Limit-Reset"):
                    retry_after = parse_reset(response.headers.get(header), now)
                    if retry_after is not None:
                        break
            wait_words = f"; it asked to wait {retry_after:.0f} s" if retry_after is not None else ""
            return (
                RateLimited(
                    f"{where}: rate limited (429){wait_words}", retry_after=retry_after,
                    network=self.network, status=status,
                ),
                retry_after,
            )
        if status == 401 or status == 403 or (self._auth_error is not None and self._auth_error(response)):
            secret = self.secret_name or "the access token"
            if status == 403:
                problem = "was refused (403): the token lacks a permission or the account lost its rights"
            else:
                problem = f"was refused ({status}): the token is missing, invalid or expired"
            return (
                AuthError(
                    f"{where} {problem}{said}. Renew the secret {secret} (GitHub: Settings > Secrets and "
                    "variables > Actions) and run again",
                    secret=self.secret_name, network=self.network, status=status,
                ),
                None,
            )
        if status >= 500 or status == 408:
            if safe or status in (408, 503) and retry_after is not None:
                return (
                    TransientNetworkError(f"{where}: the server failed ({status}){said}", network=self.network,
                                          status=status),
                    retry_after,
                )
            return (
                OutcomeUnknown(
                    f"{where}: the server failed ({status}) after the request was sent; it may or may not "
                    f"have been carried out{said}",
                    network=self.network, status=status,
                ),
                None,
            )
        return (
            PermanentNetworkError(f"{where}: refused ({status}){said}", network=self.network, status=status),
            None,
        )
