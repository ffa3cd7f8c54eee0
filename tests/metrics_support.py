"""Builders shared by the metrics and report tests: repositories with published pairs in the ledger, documented
payloads served through httpx.MockTransport, and a real local HTTP server speaking Mastodon's status API."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from socialops.state.publications import Event, Ledger
from tests.helpers import serving, write

FIX = Path(__file__).parent / "fixtures" / "metrics"
UTC = dt.UTC

SCHEDULE = """\
timezone: Europe/Helsinki
pillars:
  menu: {share: 60, goal: "Food"}
  events: {share: 40, goal: "Events"}
cadence: {}
"""

REAL_PROFILES = {
    "cafe-fb": "network: facebook\naccount: Cafe\ntoken_env: FB_TOKEN\npage_id: '104512345678901'\n",
    "cafe-ig": "network: instagram\naccount: cafe\ntoken_env: IG_TOKEN\nig_user_id: '17841400000000000'\n",
    "cafe-li": "network: linkedin\naccount: cafe\ntoken_env: LI_TOKEN\norganization_id: '98765432'\n",
    "cafe-masto": "network: mastodon\naccount: '@aurinko@mastodon.example'\ntoken_env: MASTO_TOKEN\n"
                  "instance: https://mastodon.example\n",
    "cafe-bsky": "network: bluesky\naccount: kahvila.example\ntoken_env: BSKY_PASSWORD\nservice: https://pds.example\n",
}
TOKENS = {"FB_TOKEN": "fb-secret-token-123", "IG_TOKEN": "ig-secret-token-456", "LI_TOKEN": "li-secret-token-789",
          "MASTO_TOKEN": "masto-secret-token", "BSKY_PASSWORD": "bsky-app-password"}


NOW = dt.datetime(2026, 12, 2, 6, 0, tzinfo=UTC)  # the metrics tests' clock
PUBLISHED = dt.datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # when their posts went out
FB_POST = "104512345678901_122100000000000001"


def fixture(name: str) -> Any:
    return json.loads((FIX / name).read_text(encoding="utf-8"))


def repo_with(tmp_path: Path, *ids: str) -> Path:
    """A repository with the real-network profiles ``ids``."""
    return make_repo(tmp_path / "repo", {pid: REAL_PROFILES[pid] for pid in ids})


def by_key(rows, *keys):
    return {tuple(r[k] for k in keys): r for r in rows}


def sandbox_posts(root: Path, env: dict[str, str]) -> None:
    """Publish a few posts to the sandbox for every profile and record them in the ledger."""
    from socialops.repository.profiles import load_profile

    for rel in sorted((root / "profiles").glob("*.yaml")):
        profile = load_profile(root, rel.relative_to(root).as_posix())
        for i, when in enumerate((PUBLISHED - dt.timedelta(days=2), PUBLISHED)):
            publish_to_sandbox(root, profile, env, f"{profile.id}-{i}", when)


def make_repo(root: Path, profiles: dict[str, str], *, schedule: str = SCHEDULE) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "schedule.yaml").write_text(schedule, encoding="utf-8")
    (root / "profiles").mkdir(exist_ok=True)
    (root / "content").mkdir(exist_ok=True)
    for pid, text in profiles.items():
        (root / "profiles" / f"{pid}.yaml").write_text(f"id: {pid}\n{text}", encoding="utf-8")
    return root


def add_post(root: Path, post_id: str, profiles: list[str], *, type: str = "text", pillar: str = "menu",
             at: str = "2026-12-01 09:00") -> None:
    write(root / "content" / "2026" / "12" / f"{post_id}.md", f"""
        ---
        id: {post_id}
        title: {post_id}
        profiles: [{', '.join(profiles)}]
        publish_at: {at}
        type: {type}
        pillar: {pillar}
        ---
        Body of {post_id}.
        """)


def publish(root: Path, post_id: str, profile: str, remote_id: str, *, when: dt.datetime,
            url: str | None = None) -> None:
    Ledger(root).append([Event(time=when, post_id=post_id, profile=profile, event="published", key=f"k-{post_id}",
                               remote_id=remote_id, url=url or f"https://example.net/{remote_id}", detail="posted")])


class Recorder:
    """A MockTransport handler that answers with a function and remembers every request. A Graph batch request
    (``POST https://graph.facebook.com/`` with ``batch=[{"method", "relative_url"}]``, up to 50; the answer a list of
    ``{"code", "headers", "body"}`` with ``body`` a JSON text: developers.facebook.com/docs/graph-api/batch-requests)
    is answered request by request, each recorded in ``requests`` as if sent alone; the batches in ``batches``."""

    def __init__(self, answer):
        self.answer = answer
        self.requests: list[httpx.Request] = []
        self.batches: list[list[dict[str, str]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.host == "graph.facebook.com" and request.url.path == "/":
            return self.graph_batch(request)
        self.requests.append(request)
        return self.answer(request)

    def graph_batch(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[-1] for k, v in parse_qs(request.content.decode()).items()}
        batch = json.loads(form["batch"])
        assert len(batch) <= 50 and form.get("include_headers") == "false"
        self.batches.append(batch)
        answers = []
        for part in batch:
            assert part["method"] == "GET"
            sub = httpx.Request("GET", f"https://graph.facebook.com/{part['relative_url']}",
                                headers={"Authorization": request.headers["Authorization"]})
            self.requests.append(sub)
            response = self.answer(sub)
            answers.append({"code": response.status_code, "body": response.text})
        return httpx.Response(200, json=answers)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def params(self, request: httpx.Request) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(urlsplit(str(request.url)).query).items()}

    def metrics_asked(self) -> set[str]:
        """Every metric asked for: ``metric=`` of an insights request, ``insights.metric(..)`` of a field expansion."""
        out: set[str] = set()
        for request in self.requests:
            params = self.params(request)
            out.update((params.get("metric") or "").split(","))
            out.update(",".join(re.findall(r"insights\.metric\(([^)]*)\)", params.get("fields") or "")).split(","))
        return out - {""}


def graph_answer(removed: frozenset[str] = frozenset(), *, fail: dict[str, int] | None = None):
    """Answers Graph API metrics requests from the documented payloads. A request naming any metric in
    ``removed`` is refused whole with code 100, as Meta refuses a list with one invalid metric."""

    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        assert path.startswith("/v26.0/"), path  # the pinned Graph version
        assert request.headers["Authorization"].startswith("Bearer ")
        assert "access_token" not in str(request.url)
        params = {k: v[-1] for k, v in parse_qs(urlsplit(str(request.url)).query).items()}
        parts = path.split("/")[2:]
        for key, status in (fail or {}).items():
            if key in str(request.url):
                return httpx.Response(status, json=fixture("facebook/error_token.json") if status == 400 else
                                      {"error": {"message": "An unexpected error has occurred.", "code": 2,
                                                 "type": "OAuthException", "is_transient": True}})
        if parts[-1] == "insights":
            metrics = params["metric"].split(",")
            if set(metrics) & removed:
                return httpx.Response(400, json=fixture("facebook/error_invalid_metric.json"))
            owner = parts[0]
            if owner == "104512345678901":
                name = "facebook/page_daily.json" if "page_daily_follows_unique" in metrics else \
                    "facebook/page_audience.json"
            elif owner == "17841400000000000":
                if metrics == ["follower_count"]:
                    name = "instagram/follower_count.json"
                elif metrics == ["online_followers"]:
                    name = "instagram/online_followers.json"
                else:
                    name = f"instagram/demographics_{params['breakdown'].replace(',', '_')}.json"
            elif owner.startswith("1789"):
                name = "instagram/media_insights.json"
            else:
                name = "facebook/post_insights.json"
            body = fixture(name)
            body["data"] = [d for d in body["data"] if d["name"] in metrics]
            return httpx.Response(200, json=body)
        owner = parts[0]
        expanded = re.search(r"insights\.metric\(([^)]*)\)", params.get("fields") or "")
        if expanded:  # field expansion: the object's fields with its insights (an invalid metric refuses it whole)
            metrics = expanded.group(1).split(",")
            if set(metrics) & removed:
                return httpx.Response(400, json=fixture("facebook/error_invalid_metric.json"))
            fields, insights = (("instagram/media_fields.json", "instagram/media_insights.json")
                                if owner.startswith("1789") else
                                ("facebook/post_fields.json", "facebook/post_insights.json"))
            data = [d for d in fixture(insights)["data"] if d["name"] in metrics]
            return httpx.Response(200, json={**fixture(fields), "insights": {"data": data}})
        if owner == "104512345678901":
            return httpx.Response(200, json=fixture("facebook/page.json"))
        if owner == "17841400000000000":
            return httpx.Response(200, json=fixture("instagram/account.json"))
        if owner.startswith("1789"):
            return httpx.Response(200, json=fixture("instagram/media_fields.json"))
        if owner.endswith("gone"):
            return httpx.Response(404, json={"error": {"message": "Unsupported get request.", "code": 100,
                                                       "type": "GraphMethodException"}})
        return httpx.Response(200, json=fixture("facebook/post_fields.json"))

    return answer


def read_csv(path: Path) -> list[dict[str, str]]:
    import csv

    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# --- a real HTTP server: Mastodon's status API, answering each request after a delay --------------------------------


class Budget:
    """Mastodon's rate limiter as rack-attack runs it: at most ``limit`` requests per fixed window of ``window``
    seconds (the first starting at ``origin``), announced in ``X-RateLimit-Limit/Remaining/Reset`` (an ISO time) on
    every answer; a request over the limit is refused with 429."""

    def __init__(self, limit: int, window: float, *, origin: float | None = None):
        self.limit = limit
        self.window = window
        self.origin = time.time() if origin is None else origin  # when the first window starts
        self.counts: dict[int, int] = {}
        self.refused = 0

    def take(self, wall: float) -> tuple[bool, dict[str, str]]:
        slot = int((wall - self.origin) // self.window)
        used = self.counts[slot] = self.counts.get(slot, 0) + 1
        reset_time = self.origin + (slot + 1) * self.window
        reset = dt.datetime.fromtimestamp(reset_time, UTC).isoformat(timespec="microseconds")
        headers = {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(max(0, self.limit - used)),
                   "X-RateLimit-Reset": reset.replace("+00:00", "Z")}
        if used > self.limit:
            self.refused += 1
            return False, headers
        return True, headers


_STATUS = fixture("mastodon/status.json")
_ACCOUNT = fixture("mastodon/account.json")


def status_body(status_id: str) -> dict[str, Any]:
    return dict(_STATUS, id=status_id, favourites_count=int(status_id[-3:]) % 97)


def mastodon_answer(target: str, authorization: str | None, *, multi: bool,
                    failing: set[str] = frozenset()) -> tuple[int, Any]:
    """The documented answer of the status API to ``GET target``: one status, up to 20 of them (Mastodon 4.3+,
    when ``multi``), or the account. A status in ``failing`` makes any request naming it answer 503."""
    parts = urlsplit(target)
    if authorization != "Bearer masto-secret-token":
        return 401, {"error": "The access token is invalid"}
    if parts.path == "/api/v1/accounts/verify_credentials":
        return 200, _ACCOUNT
    if parts.path == "/api/v1/statuses" and multi:
        ids = parse_qs(parts.query).get("id[]", [])
        if len(ids) > 20:
            return 422, {"error": "Too many statuses requested"}
        if failing & set(ids):
            return 503, {"error": "Service Unavailable"}
        return 200, [status_body(i) for i in dict.fromkeys(ids)]
    if parts.path.startswith("/api/v1/statuses/"):
        status_id = parts.path.rsplit("/", 1)[1]
        if status_id in failing:
            return 503, {"error": "Service Unavailable"}
        return 200, status_body(status_id)
    return 404, {"error": "Record not found"}


class MastodonStandIn(http.server.ThreadingHTTPServer):
    """Mastodon's status API on 127.0.0.1 (``multi=False``: a server older than 4.3, without the multiple-status
    endpoint). ``gate``: each request but the first waits until that many are in the server at once (at most 10
    s), so ``max_concurrent`` shows whether the client sent them together, whatever the machine's load. ``budget``: the
    rate limit it announces and enforces."""

    daemon_threads = True
    request_queue_size = 256  # the default backlog of 5 drops concurrent connects (the client retries after 1 s)

    def __init__(self, delay: float = 0.0, failing: set[str] | None = None, *, multi: bool = True, gate: int = 0,
                 budget: Budget | None = None):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.delay = delay
        self.failing = set(failing or ())
        self.multi = multi
        self.budget = budget
        self.arrivals: list[float] = []
        self.paths: list[str] = []
        self.lock = threading.Lock()
        self.inside = 0
        self.max_concurrent = 0
        self.gate = threading.Barrier(gate) if gate > 1 else None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def max_in_window(self, seconds: float = 1.0) -> int:
        return max_in_window(self.arrivals, seconds)

    def asked_ids(self) -> list[list[str]]:
        """The status ids each status request asked for, in the order they came."""
        out = []
        for path in self.paths:
            parts = urlsplit(path)
            if parts.path == "/api/v1/statuses":
                out.append(parse_qs(parts.query).get("id[]", []))
            elif parts.path.startswith("/api/v1/statuses/"):
                out.append([parts.path.rsplit("/", 1)[1]])
        return out


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm the body then waits for the client's delayed
    # ACK (40 ms on Linux). Real servers do not wait like that.
    disable_nagle_algorithm = True

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        server: MastodonStandIn = self.server  # type: ignore[assignment]
        headers: dict[str, str] = {}
        with server.lock:
            server.arrivals.append(time.monotonic())
            server.paths.append(self.path)
            server.inside += 1
            server.max_concurrent = max(server.max_concurrent, server.inside)
            gated = server.gate is not None and len(server.paths) > 1  # the first request goes alone
            allowed = True
            if server.budget is not None:
                allowed, headers = server.budget.take(time.time())
        try:
            if gated:
                try:
                    server.gate.wait(timeout=10)
                except threading.BrokenBarrierError:
                    pass
            if server.delay:
                time.sleep(server.delay)
            if not allowed:
                return self._send(429, {"error": "Too many requests"}, headers)
            status, body = mastodon_answer(self.path, self.headers.get("Authorization"), multi=server.multi,
                                           failing=server.failing)
            return self._send(status, body, headers)
        finally:
            with server.lock:
                server.inside -= 1

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def mastodon_stand_in(delay: float = 0.0, failing: set[str] | None = None, **options: Any) -> Iterator[MastodonStandIn]:
    with serving(MastodonStandIn(delay, failing, **options)) as server:
        yield server


def mastodon_repo(root: Path, server_url: str, n: int, *, start: dt.datetime) -> Path:
    """A repository with one Mastodon profile on ``server_url`` and ``n`` published statuses."""
    make_repo(root, {"cafe-masto": f"network: mastodon\naccount: '@aurinko@x'\ntoken_env: MASTO_TOKEN\n"
                                   f"instance: {server_url}\n"})
    Ledger(root).append([Event(time=start + dt.timedelta(minutes=i), post_id=f"post-{i:05d}", profile="cafe-masto",
                               event="published", key=f"k{i}", remote_id=f"1135{i:08d}",
                               url=f"{server_url}/@aurinko/1135{i:08d}", detail="posted") for i in range(n)])
    return root


# --- the sandbox: publish a post at a given time and record it in the ledger ------------------------------------


def publish_to_sandbox(root: Path, profile: Any, env: dict[str, str], post_id: str, when: dt.datetime, *,
                       type: str = "image", link: str | None = None, pillar: str = "menu") -> str:
    """Write the post file (its type and pillar), publish it through the real SandboxNetwork as if at ``when``
    and append the ``published`` event to the ledger; returns the remote id."""
    add_post(root, post_id, [profile.id], type=type, pillar=pillar, at=when.strftime("%Y-%m-%d %H:%M"))
    from socialops.content.render import Rendered
    from socialops.networks.sandbox.adapter import SandboxNetwork
    from socialops.networks.types import MediaFile, PublishRequest
    from tests.helpers import image

    media = []
    if type in ("image", "carousel", "story"):
        path = image(root / "content" / "media" / "pic.jpg")
        media = [MediaFile(path=path, rel="content/media/pic.jpg", kind="image", alt="A cup")]
    elif type in ("video", "reel"):
        path = root / "content" / "media" / "clip.mp4"
        path.write_bytes(b"\x00\x00\x00\x18ftypmp42")  # the sandbox checks the file is there, not its frames
        media = [MediaFile(path=path, rel="content/media/clip.mp4", kind="video", alt="A pour")]
    rendered = Rendered(profile_id=profile.id, network=profile.rules_network, type=type, text=f"Post {post_id}",
                        length=10, limit=500, link=link)
    with SandboxNetwork(profile, env=env, root=root, clock=lambda: when) as net:
        result = net.publish(PublishRequest(post_id=post_id, profile_id=profile.id, idempotency_key=f"k-{post_id}-"
                                            f"{profile.id}", rendered=rendered, media=media, root=root))
    publish(root, post_id, profile.id, result.remote_id, when=when, url=result.url)
    return result.remote_id


def serve(delay: float, limit: int = 0, window: float = 1.0, multi: bool = True) -> None:
    """``python -m tests.metrics_support DELAY [LIMIT WINDOW [single]]``: the same API in a process of its own, on
    asyncio (no thread per connection), for the benchmark; prints its URL. With a LIMIT it announces and enforces
    LIMIT requests per WINDOW seconds (:class:`Budget`); ``single``: a server older than 4.3. ``GET /__arrivals``
    lists when each request arrived and how many were refused with 429."""
    import asyncio

    arrivals: list[float] = []
    budget = Budget(limit, window) if limit else None

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                _method, path, _version = lines[0].split(" ", 2)
                headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
                extra: dict[str, str] = {}
                if path == "/__arrivals":
                    status, body = 200, {"arrivals": arrivals, "refused": budget.refused if budget else 0}
                else:
                    arrivals.append(time.monotonic())
                    allowed = True
                    if budget is not None:
                        allowed, extra = budget.take(time.time())
                    if delay:
                        await asyncio.sleep(delay)
                    status, body = (mastodon_answer(path, headers.get("authorization"), multi=multi) if allowed
                                    else (429, {"error": "Too many requests"}))
                data = json.dumps(body).encode()
                head_out = "".join(f"{k}: {v}\r\n" for k, v in extra.items())
                writer.write(f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(data)}"
                             f"\r\n{head_out}\r\n".encode() + data)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(connection, "127.0.0.1", 0, backlog=1024)
        print(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


if __name__ == "__main__":
    import sys

    args = sys.argv[1:]
    serve(float(args[0]) if args else 0.0, int(args[1]) if len(args) > 1 else 0,
          float(args[2]) if len(args) > 2 else 1.0, multi="single" not in args[3:])


def max_in_window(times: list[float], seconds: float = 1.0) -> int:
    """The most of `times` (seconds) that fall within any window of `seconds`."""
    times = sorted(times)
    best, start = 0, 0
    for end in range(len(times)):
        while times[end] - times[start] >= seconds:
            start += 1
        best = max(best, end - start + 1)
    return best
