"""The Graph API and Rest.li contracts, checked in every test (registered in tests/conftest.py).

Every request sent through an ``httpx.MockTransport`` to ``graph.facebook.com`` at the pinned version (the
Facebook and Instagram adapters, their comments, profile and metrics calls) is recorded with the keys the code
read from its answer; when the test ends, each one is judged by Meta's SDK (tests/contract/graph_sdk.py) and the
test fails with what the SDK does not declare. Every request to LinkedIn's ``api.linkedin.com/rest`` is judged
by LinkedIn's official client the same way (tests/contract/restli.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import httpx
import pytest

from socialops.networks.meta.graph import GRAPH_VERSION

GRAPH_HOST = "graph.facebook.com"
LINKEDIN_HOST = "api.linkedin.com"


@dataclass
class Exchange:
    method: str
    path: list[str]
    params: dict[str, str]
    status: int = 0
    reads: set[tuple[str, ...]] = field(default_factory=set)


class _ReadDict(dict):
    """A JSON object that remembers which keys were read (``[]``, ``get``, ``in``)."""

    def __init__(self, data, reads, prefix):
        super().__init__(data)
        self._reads, self._prefix = reads, prefix

    def _note(self, key):
        self._reads.add((*self._prefix, str(key)))

    def __getitem__(self, key):
        self._note(key)
        return _wrap(super().__getitem__(key), self._reads, (*self._prefix, str(key)))

    def get(self, key, default=None):
        self._note(key)
        return _wrap(super().get(key, default), self._reads, (*self._prefix, str(key)))

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)


class _ReadList(list):
    def __init__(self, data, reads, prefix):
        super().__init__(data)
        self._reads, self._prefix = reads, (*prefix, "[]")

    def __iter__(self):
        return (_wrap(v, self._reads, self._prefix) for v in super().__iter__())

    def __getitem__(self, index):
        value = super().__getitem__(index)
        return [_wrap(v, self._reads, self._prefix) for v in value] if isinstance(index, slice) else \
            _wrap(value, self._reads, self._prefix)


def _wrap(value, reads, prefix):
    if isinstance(value, dict) and not isinstance(value, _ReadDict):
        return _ReadDict(value, reads, prefix)
    if isinstance(value, list) and not isinstance(value, _ReadList):
        return _ReadList(value, reads, prefix)
    return value


def _body_params(request: httpx.Request) -> dict[str, str]:
    kind = request.headers.get("content-type", "")
    body = request.read()  # a multipart body is a stream until read (MockTransport reads it too)
    if kind.startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl(body.decode(), keep_blank_values=True))
    if kind.startswith("multipart/form-data"):
        text = body.decode("latin-1")
        return {name: ("" if filename is not None else value) for name, filename, value in re.findall(
            r'name="([^"]+)"(?:; filename="([^"]*)")?\r\n(?:[^\r\n]+\r\n)*\r\n(.*?)\r\n--', text, re.S)}
    return {}


def _record_linkedin(request: httpx.Request, problems: list[str]) -> None:
    if request.url.host != LINKEDIN_HOST or not request.url.raw_path.startswith(b"/rest/"):
        return
    from tests.contract import restli  # lazy: loads LinkedIn's client only in tests that spoke to LinkedIn

    raw_path, _, raw_query = request.url.raw_path.decode().partition("?")
    problems += [f"{request.method} {raw_path}: {p}" for p in restli.request_problems(
        request.method, raw_path, raw_query, dict(request.headers))]


def _record(request: httpx.Request, exchanges: list[Exchange]) -> Exchange | None:
    segments = request.url.path.strip("/").split("/")
    if request.url.host != GRAPH_HOST or not segments or segments[0] != GRAPH_VERSION:
        return None
    params = dict(request.url.params.multi_items())
    params.update(_body_params(request))
    exchange = Exchange(request.method, segments[1:], params)
    exchanges.append(exchange)
    return exchange


def _answered(exchange: Exchange | None, response: httpx.Response) -> httpx.Response:
    if exchange is not None:
        exchange.status = response.status_code
        parse = response.json
        response.json = lambda **kw: _wrap(parse(**kw), exchange.reads, ())  # type: ignore[method-assign]
    return response


def judge(exchanges: list[Exchange]) -> list[str]:
    """Every problem Meta's SDK finds in the recorded exchanges, one line each (no repeats).

    A node id is not typed in a URL: a first pass learns which ids only Facebook's (or only Instagram's) object
    types can answer, so that the second pass judges every request on such an id by that network's types."""
    from tests.contract import graph_sdk  # lazy: loads the SDK only in tests that spoke to Graph

    realm: dict[str, str] = {}
    for exchange in exchanges:
        realms = graph_sdk.check_request(exchange.method, exchange.path, exchange.params).realms
        if len(realms) == 1:
            realm.setdefault(exchange.path[0], realms.pop())
    problems: list[str] = []
    for exchange in exchanges:
        universe = graph_sdk.REALMS.get(realm.get(exchange.path[0], ""), graph_sdk.UNIVERSE)
        verdict = graph_sdk.check_request(exchange.method, exchange.path, exchange.params, universe)
        where = f"{exchange.method} /{'/'.join(exchange.path)}"
        problems += [f"{where}: {p}" for p in verdict.problems]
        if verdict.edges:
            reads = [graph_sdk.read_problems(e, exchange.reads, exchange.status) for e in verdict.edges]
            problems += [f"{where}: {p}" for p in min(reads, key=len)]
    return list(dict.fromkeys(problems))


@pytest.fixture(autouse=True)
def graph_contract(monkeypatch):
    """Record the Graph requests of the test; fail it when Meta's SDK does not declare one of them."""
    exchanges: list[Exchange] = []
    linkedin: list[str] = []
    handle, handle_async = httpx.MockTransport.handle_request, httpx.MockTransport.handle_async_request

    def recorded(self, request):
        _record_linkedin(request, linkedin)
        exchange = _record(request, exchanges)
        return _answered(exchange, handle(self, request))

    async def recorded_async(self, request):
        _record_linkedin(request, linkedin)
        exchange = _record(request, exchanges)
        return _answered(exchange, await handle_async(self, request))

    monkeypatch.setattr(httpx.MockTransport, "handle_request", recorded)
    monkeypatch.setattr(httpx.MockTransport, "handle_async_request", recorded_async)
    yield exchanges
    problems = judge(exchanges) if exchanges else []
    if problems:
        pytest.fail("Graph API requests that Meta's SDK (facebook-business) does not declare:\n  "
                    + "\n  ".join(problems), pytrace=False)
    if linkedin:
        pytest.fail("LinkedIn requests that LinkedIn's client (linkedin-api-client) writes otherwise:\n  "
                    + "\n  ".join(dict.fromkeys(linkedin)), pytrace=False)
