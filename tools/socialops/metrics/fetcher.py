"""Sending the metrics calls of every selected profile concurrently: one httpx.AsyncClient per lane of
connections, the request budget per network (``socialops.metrics.budget``), retries with backoff, the
networks' rate-limit signals honoured (the whole network pauses), a refused token stopping that profile only."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from socialops.errors import (
    AuthError,
    NetworkError,
    RateLimited,
    SocialOpsError,
    TransientNetworkError,
)
from socialops.metrics.budget import Limit, Limiter, limit_for
from socialops.networks.http import backoff_delay, redact
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
        self.limiters: dict[str, Limiter] = {}
        self.blocked: dict[str, str] = {}  # network -> why its remaining calls are not sent
        self.lanes: list[Any] = []
        self.in_flight: list[int] = []

    def limiter(self, network: str) -> Limiter:
        if network not in self.limiters:
            self.limiters[network] = Limiter(limit_for(network, self.overrides))
        return self.limiters[network]

    async def run(self, jobs: list[tuple[ProfileRun, list[MetricsCall]]]) -> None:
        import httpx

        # httpcore's pool slows down badly (work per request grows with its connections) beyond about 16
        # connections, so the requests in flight are spread over several clients of LANE connections each.
        networks = {run.profile.network for run, _ in jobs}
        wanted = sum(limit_for(n, self.overrides).concurrency for n in networks)
        count = max(1, min(MAX_LANES, -(-wanted // LANE)))
        kwargs: dict[str, Any] = {"timeout": httpx.Timeout(self.timeout, connect=10.0), "follow_redirects": True,
                                  "headers": {"User-Agent": "socialops metrics"},
                                  "limits": httpx.Limits(max_connections=LANE, max_keepalive_connections=LANE)}
        if self.transport is not None:
            kwargs["transport"] = self.transport
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
        import httpx

        if call.local is not None:
            return await asyncio.to_thread(call.local)
        attempt = 0
        while True:
            attempt += 1
            if run.stopped:
                raise AuthError(run.stopped, network=network)
            if network in self.blocked:
                raise RateLimited(self.blocked[network], network=network)
            limiter = self.limiter(network)
            response = None
            failure: NetworkError | None = None
            wait: float | None = None
            async with limiter:
                run.requests += 1
                lane = min(range(len(self.lanes)), key=self.in_flight.__getitem__)
                self.in_flight[lane] += 1
                try:
                    response = await self.lanes[lane].request(call.method, call.url, params=call.params or None,
                                                              headers=call.headers)
                except httpx.TransportError as exc:
                    failure = TransientNetworkError(f"no answer ({type(exc).__name__})", network=network)
                finally:
                    self.in_flight[lane] -= 1
            if response is not None:
                body = _json(response)
                if response.status_code < 300:
                    if call.parse is None:
                        return Figures()
                    if body is None:
                        failure = TransientNetworkError("the answer was not readable JSON", network=network,
                                                        status=response.status_code)
                    else:
                        return call.parse(body)
                else:
                    if call.on_error is not None:
                        handled = call.on_error(response.status_code, body)
                        if handled is not None:
                            return handled
                    error = run.network.metrics_error(response) if run.network is not None else None
                    if error is None:
                        error = NetworkError(f"refused ({response.status_code})", network=network,
                                             status=response.status_code)
                    failure = error if isinstance(error, NetworkError) else NetworkError(str(error), network=network)
                    if isinstance(failure, RateLimited):
                        wait = failure.retry_after
            assert failure is not None
            if isinstance(failure, AuthError) or not failure.transient or attempt > self.retries:
                raise failure
            if isinstance(failure, RateLimited):
                if wait is not None and wait > self.max_wait:
                    self.blocked[network] = (f"{network} asked to wait {wait:.0f} s, longer than this run waits; "
                                             "the next run fetches the rest")
                    raise failure
                limiter.pause(wait if wait is not None else self._delay(attempt))
                continue
            await asyncio.sleep(self._delay(attempt))

    def _delay(self, attempt: int) -> float:
        return backoff_delay(attempt, base=self.backoff, rng=self.rng)


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
