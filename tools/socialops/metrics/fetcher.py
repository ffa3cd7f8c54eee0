"""Sending the metrics calls of every selected profile concurrently: one httpx.AsyncClient per lane of
connections (one TLS context for all), the request budget per host (``socialops.metrics.budget``: what its server
announces in every answer, the built-in budget until the first answer), retries with backoff, the networks'
rate-limit signals honoured (the whole host pauses), a refused token stopping that profile only."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from socialops.errors import (
    AuthError,
    NetworkError,
    RateLimited,
    SocialOpsError,
    TransientNetworkError,
)
from socialops.metrics.budget import MAX_IN_FLIGHT, Limit, Limiter, limit_for
from socialops.networks.http import backoff_delay, redact
from socialops.networks.limits import announced_budget
from socialops.networks.types import Figures, MetricsCall, Publication
from socialops.repository.profiles import Profile

if TYPE_CHECKING:
    import httpx

LANE = 8  # connections per AsyncClient
MAX_LANES = 16


@dataclass
class ProfileRun:
    profile: Profile
    publications: list[Publication]
    network: Any = None
    figures: Figures = field(default_factory=Figures)
    failures: list[str] = field(default_factory=list)
    failed_items: set[str] = field(default_factory=set)
    tried_items: set[str] = field(default_factory=set)
    skipped: str = ""  # why the profile was not fetched at all (no metrics on this network)
    stopped: str = ""  # why the rest of its calls were not made (a refused token)
    calls: int = 0
    requests: int = 0

    @property
    def id(self) -> str:
        return self.profile.id

    @property
    def done_items(self) -> set[str]:
        return self.tried_items - self.failed_items

    def fail(self, call: MetricsCall, message: str) -> None:
        self.failed_items.update(call.items)
        if message not in self.failures:
            self.failures.append(message)



class Fetcher:
    """Sends the calls of every selected profile concurrently (see the module text)."""

    def __init__(self, *, limits: Mapping[str, Limit] | None = None, transport: Any = None, retries: int = 3,
                 backoff: float = 0.5, max_wait: float = 60.0, timeout: float = 30.0,
                 rng: random.Random | None = None):
        self.overrides = dict(limits or {})
        self.transport = transport
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.timeout = timeout
        self.rng = rng or random.Random()
        self.limiters: dict[tuple[str, str], Limiter] = {}
        self.blocked: dict[tuple[str, str], str] = {}  # (network, host) -> why its remaining calls are not sent
        self.lanes: list[Any] = []
        self.in_flight: list[int] = []
        self.refused = 0  # answers 429: the budget was exceeded after all

    def limiter(self, network: str, host: str = "") -> Limiter:
        """The budget of one host of a network (a Mastodon instance, a Bluesky PDS, graph.facebook.com)."""
        key = (network, host)
        if key not in self.limiters:
            self.limiters[key] = Limiter(limit_for(network, self.overrides), fixed=network in self.overrides,
                                         max_wait=self.max_wait, name=network)
        return self.limiters[key]

    async def run(self, jobs: list[tuple[ProfileRun, list[MetricsCall]]]) -> None:
        import httpx

        # httpcore's pool slows down badly (work per request grows with its connections) beyond about 16
        # connections, so the requests in flight are spread over several clients of LANE connections each; they
        # share one TLS context (building one loads the CA bundle: tens of milliseconds each).
        hosts = {(run.profile.network, _host(call.url)) for run, calls in jobs for call in calls}
        wanted = sum(MAX_IN_FLIGHT if network not in self.overrides else self.overrides[network].concurrency
                     for network, _ in hosts)
        count = max(1, min(MAX_LANES, -(-wanted // LANE)))
        kwargs: dict[str, Any] = {"timeout": httpx.Timeout(self.timeout, connect=10.0), "follow_redirects": True,
                                  "headers": {"User-Agent": "socialops metrics"},
                                  "limits": httpx.Limits(max_connections=LANE, max_keepalive_connections=LANE)}
        if self.transport is not None:
            kwargs["transport"] = self.transport
        else:
            kwargs["verify"] = httpx.create_ssl_context()
        self.lanes = [httpx.AsyncClient(**kwargs) for _ in range(count)]
        self.in_flight = [0] * count
        try:
            await asyncio.gather(*(self._call(run, call) for run, calls in jobs for call in calls))
        finally:
            for client in self.lanes:
                await client.aclose()

    async def _call(self, run: ProfileRun, call: MetricsCall) -> None:
        run.tried_items.update(call.items)
        run.calls += 1
        network = run.profile.network
        try:
            figures = await self._send(run, call, network)
        except (NetworkError, SocialOpsError) as exc:
            message = redact_for(run, str(exc))
            if isinstance(exc, AuthError):
                run.stopped = run.stopped or message
                message = f"{run.id}: {message}"
            elif isinstance(exc, RateLimited):  # about the host, not the call: one line for all its calls
                message = f"{run.id}: {message}"
            else:
                message = f"{run.id}: {call.name}: {message}"
            run.fail(call, message)
            return
        follow = figures.calls
        figures.calls = []
        run.figures.merge(figures)
        if follow:
            for extra in follow:
                extra.items = extra.items or call.items
            await asyncio.gather(*(self._call(run, c) for c in follow))

    async def _send(self, run: ProfileRun, call: MetricsCall, network: str) -> Figures:
        if call.local is not None:
            return await asyncio.to_thread(call.local)
        host = _host(call.url)
        attempt = 0
        while True:
            attempt += 1
            if run.stopped:
                raise AuthError(run.stopped, network=network)
            if (network, host) in self.blocked:
                raise RateLimited(self.blocked[network, host], network=network)
            limiter = self.limiter(network, host)
            try:
                response, failure = await self._request(run, call, limiter)
            except RateLimited as exc:  # the budget is spent for longer than this run waits
                self.blocked[network, host] = str(exc)
                raise
            if response is not None:
                body = _json(response)
                if response.status_code < 300:
                    if call.parse is None:
                        return Figures()
                    if body is not None:
                        return call.parse(body)
                    failure = TransientNetworkError("the answer was not readable JSON", network=network,
                                                    status=response.status_code)
                else:
                    handled = call.on_error(response.status_code, body) if call.on_error is not None else None
                    if handled is not None:
                        return handled
                    failure = _failure(run, response, network)
            assert failure is not None
            if isinstance(failure, AuthError) or not failure.transient or attempt > self.retries:
                raise failure
            if isinstance(failure, RateLimited):
                wait = failure.retry_after
                self.refused += 1
                if wait is not None and wait > self.max_wait:
                    self.blocked[network, host] = (f"{network} asked to wait {wait:.0f} s, longer than this run "
                                                   "waits; the next run fetches the rest")
                    raise failure
                limiter.spent(wait if wait is not None else self._delay(attempt))
                continue
            await asyncio.sleep(self._delay(attempt))

    async def _request(self, run: ProfileRun, call: MetricsCall, limiter: Limiter) -> tuple[Any, NetworkError | None]:
        """One request within the host's budget, on the least busy lane; the budget its answer announces is
        learnt before the next request may start."""
        import httpx

        async with limiter:
            run.requests += 1
            lane = min(range(len(self.lanes)), key=self.in_flight.__getitem__)
            self.in_flight[lane] += 1
            try:
                response = await self.lanes[lane].request(call.method, call.url, params=call.params or None,
                                                          headers=call.headers, data=call.form or None)
            except httpx.TransportError as exc:
                return None, TransientNetworkError(f"no answer ({type(exc).__name__})", network=limiter.name)
            finally:
                self.in_flight[lane] -= 1
            limiter.learn(announced_budget(response.headers, dt.datetime.now(dt.UTC)))
            return response, None

    def _delay(self, attempt: int) -> float:
        return backoff_delay(attempt, base=self.backoff, rng=self.rng)


def _host(url: str) -> str:
    return urlsplit(url).netloc


def _failure(run: ProfileRun, response: httpx.Response, network: str) -> NetworkError:
    """The error of a refusal, mapped as for any other call of the network."""
    error = run.network.metrics_error(response) if run.network is not None else None
    if error is None:
        error = NetworkError(f"refused ({response.status_code})", network=network, status=response.status_code)
    return error if isinstance(error, NetworkError) else NetworkError(str(error), network=network)


def _json(response: httpx.Response) -> Any:
    if not response.content:
        return {}
    try:
        return response.json()
    except ValueError:
        return None


def redact_for(run: ProfileRun, text: str) -> str:
    if run.network is not None:
        try:
            return run.network.redact(text)
        except Exception:  # noqa: BLE001 - redaction must never hide the failure itself
            pass
    return redact(text)
