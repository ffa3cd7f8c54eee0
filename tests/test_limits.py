"""Rate limits hold for the rest of the run and for later runs (issue 18, point 3): networks/limits.py, the
adapters' ``respect_limits`` and the publisher's hold, against a real HTTP server on 127.0.0.1 speaking the
documented Mastodon API (docs.joinmastodon.org/methods/statuses/#create, .../api/rate-limits: ``X-RateLimit-Limit/
Remaining/Reset`` on every answer, 429 when used up) with faults injected: 429 with and without Retry-After,
X-RateLimit-Reset only, and X-RateLimit-Remaining: 0 on a success."""

from __future__ import annotations

import datetime as dt
import http.server
import itertools
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from socialops.networks.limits import LIMITS, MAX_HOLD, RememberedLimits, limit_key
from socialops.publish.results import R_HELD, R_PUBLISHED
from socialops.publish.run import run_publish
from socialops.state.publications import Ledger
from tests.helpers import serving
from tests.publish_support import git_init, make_repo, write_post

HEL = ZoneInfo("Europe/Helsinki")
# The runs are in real time: the server's Retry-After and X-RateLimit-Reset are read against the clock. START is
# when each test starts (the posts fall due just before it).
START = dt.datetime.now(HEL)


@pytest.fixture(autouse=True)
def _start_now(monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "START", dt.datetime.now(HEL).replace(second=0, microsecond=0))
TOKEN = "masto-limits-token-0123456789"
ENV = {"MASTODON_TOKEN": TOKEN}
FIX = Path(__file__).parent / "fixtures" / "mastodon"


class FaultyMastodon(http.server.ThreadingHTTPServer):
    """``POST /api/v1/statuses`` (the Idempotency-Key honoured) and the account, with the answers in ``faults``
    (status, headers) given to the next status posts first, and ``headers`` added to every answer."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.ids = itertools.count(110_000_000_000_000_001)
        self.statuses: list[dict[str, Any]] = []
        self.keys: dict[str, dict[str, Any]] = {}
        self.faults: list[tuple[int, dict[str, str]]] = []
        self.headers: dict[str, str] = {}
        self.posts = 0  # status posts that reached the server
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: Any, headers: dict[str, str]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        server: FaultyMastodon = self.server  # type: ignore[assignment]
        if self.path == "/api/v1/accounts/verify_credentials":
            return self._send(200, json.loads((FIX / "account.json").read_text()), server.headers)
        return self._send(404, {"error": "Record not found"}, server.headers)

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        server: FaultyMastodon = self.server  # type: ignore[assignment]
        length = int(self.headers.get("Content-Length") or 0)
        params = json.loads(self.rfile.read(length) or b"{}")
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._send(401, {"error": "The access token is invalid"}, {})
        if self.path != "/api/v1/statuses":
            return self._send(404, {"error": "Record not found"}, server.headers)
        with server.lock:
            server.posts += 1
            if server.faults:
                status, headers = server.faults.pop(0)
                return self._send(status, {"error": "Too many requests"}, {**server.headers, **headers})
            key = self.headers.get("Idempotency-Key")
            if key not in server.keys:
                status_id = str(next(server.ids))
                server.keys[key] = {**json.loads((FIX / "status.json").read_text()), "id": status_id,
                                    "url": f"{server.url}/@cafe/{status_id}", "content": params.get("status")}
                server.statuses.append(server.keys[key])
            return self._send(200, server.keys[key], server.headers)


@contextmanager
def faulty_mastodon() -> Iterator[FaultyMastodon]:
    with serving(FaultyMastodon()) as server:
        yield server


def repo_on(tmp_path: Path, server: FaultyMastodon, posts: int = 4) -> Path:
    root = make_repo(tmp_path / "repo", profiles=())
    (root / "profiles").mkdir(exist_ok=True)
    (root / "profiles" / "cafe-masto.yaml").write_text(yaml.safe_dump({
        "id": "cafe-masto", "network": "mastodon", "account": "@cafe@mastodon.example", "instance": server.url,
        "token_env": "MASTODON_TOKEN", "owners": ["@acme/social"]}))
    for i in range(posts):
        at = START - dt.timedelta(minutes=10 - i)
        write_post(root, f"post-{i}", profiles=["cafe-masto"], at=at.strftime("%Y-%m-%d %H:%M"))
    git_init(root)
    return root


def publish(root: Path, minutes: float = 0, sleeps: list[float] | None = None):
    """A run ``minutes`` after START, its clock moving on from there."""
    return run_publish(root, now=START + dt.timedelta(minutes=minutes), env=ENV, push=False,
                       sleep=(sleeps.append if sleeps is not None else lambda s: None))


def held_until(root: Path) -> dt.datetime | None:
    return RememberedLimits(root).held_until(limit_key("mastodon", "cafe-masto", TOKEN), dt.datetime.now(dt.UTC))


def statuses(result) -> dict[str, str]:
    return {p.post_id: p.status for p in result.pairs}


def far(minutes: float) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def test_a_429_asking_an_hour_holds_every_post_of_the_profile_in_this_run_and_the_next(tmp_path):
    with faulty_mastodon() as server:
        root = repo_on(tmp_path, server)
        server.faults = [(429, {"Retry-After": "3600"})]
        sleeps: list[float] = []
        result = publish(root, sleeps=sleeps)
        assert server.posts == 1  # the first post met the limit; the three others were never sent
        assert set(statuses(result).values()) == {R_HELD} and not result.failed
        assert sleeps == []
        assert len(result.warnings) == 1 and "cafe-masto: its rate limit is used up until" in result.warnings[0]
        assert all(p.issue == "" for p in result.pairs)
        assert not (root / ".socialops" / "outbox").exists()  # no issue for any of them
        assert {st.status for st in Ledger(root).state().values()} == {"pending"}  # still due
        # the limit is committed with the ledger: a fresh clone (the next cron run) knows it
        clone = tmp_path / "clone"
        subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)
        assert (clone / LIMITS).is_file() and TOKEN not in (clone / LIMITS).read_text()
        later = publish(clone, 30)
        assert server.posts == 1 and set(statuses(later).values()) == {R_HELD}


def test_after_the_reset_the_posts_go_out(tmp_path):
    with faulty_mastodon() as server:
        root = repo_on(tmp_path, server, posts=2)
        server.faults = [(429, {"Retry-After": "600"})]
        assert set(statuses(publish(root)).values()) == {R_HELD}
        held = held_until(root)
        assert held is not None and dt.timedelta(minutes=9) < held - dt.datetime.now(dt.UTC) <= dt.timedelta(minutes=10)
        after = held + dt.timedelta(seconds=1)  # a run after the reset
        result = run_publish(root, now=after, env=ENV, push=False, sleep=lambda s: None, clock=lambda: after)
        assert set(statuses(result).values()) == {R_PUBLISHED} and len(server.statuses) == 2


def test_remaining_zero_on_a_success_holds_the_next_posts(tmp_path):
    with faulty_mastodon() as server:
        root = repo_on(tmp_path, server, posts=3)
        server.headers = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": far(20)}
        result = publish(root)
        assert statuses(result) == {"post-0": R_PUBLISHED, "post-1": R_HELD, "post-2": R_HELD}
        assert server.posts == 1 and not result.failed


def test_a_429_with_only_the_reset_header_holds_until_the_reset(tmp_path):
    with faulty_mastodon() as server:
        root = repo_on(tmp_path, server, posts=2)
        server.faults = [(429, {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0",
                                "X-RateLimit-Reset": far(30)})]
        result = publish(root)
        assert set(statuses(result).values()) == {R_HELD} and server.posts == 1
        until = held_until(root)
        assert until is not None
        assert dt.timedelta(minutes=29) < until - dt.datetime.now(dt.UTC) <= dt.timedelta(minutes=30)


def test_a_429_without_retry_after_is_retried_then_holds_for_the_default_window(tmp_path):
    with faulty_mastodon() as server:
        root = repo_on(tmp_path, server, posts=2)
        server.faults = [(429, {})] * 4  # the first try and the HTTP layer's 3 retries
        sleeps: list[float] = []
        result = publish(root, sleeps=sleeps)
        assert server.posts == 4 and len(sleeps) == 3  # backoff between the tries, then given up
        assert set(statuses(result).values()) == {R_HELD}
        until = held_until(root)
        assert until is not None and until - dt.datetime.now(dt.UTC) <= dt.timedelta(seconds=300)


def test_a_short_wait_is_waited_out_and_the_posts_go(tmp_path):
    with faulty_mastodon() as server:
        root = repo_on(tmp_path, server, posts=2)
        server.faults = [(429, {"Retry-After": "5"})]
        sleeps: list[float] = []
        result = publish(root, sleeps=sleeps)
        assert set(statuses(result).values()) == {R_PUBLISHED} and sleeps == [5.0]
        assert not (root / LIMITS).exists()


def test_a_renewed_token_is_not_held_by_the_old_one(tmp_path):
    with faulty_mastodon() as server:
        root = repo_on(tmp_path, server, posts=1)
        limits = RememberedLimits(root)
        now = dt.datetime.now(dt.UTC)
        limits.hold(limit_key("mastodon", "cafe-masto", "the-old-token-123"), now + dt.timedelta(hours=1), now=now,
                    network="mastodon", profile="cafe-masto", reason="429")
        assert set(statuses(publish(root)).values()) == {R_PUBLISHED}


# --- the remembered limits themselves -----------------------------------------------------------------------------


NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def test_the_latest_row_of_a_key_holds_and_the_token_is_never_stored(tmp_path):
    key = limit_key("mastodon", "cafe", "secret-token-value")
    assert "secret-token-value" not in key and len(key) == 20
    limits = RememberedLimits(tmp_path)
    limits.hold(key, NOW + dt.timedelta(minutes=30), now=NOW, network="mastodon", profile="cafe", reason="429")
    assert RememberedLimits(tmp_path).held_until(key, NOW + dt.timedelta(minutes=10)) == NOW + dt.timedelta(minutes=30)
    assert RememberedLimits(tmp_path).held_until(key, NOW + dt.timedelta(minutes=31)) is None
    later = NOW + dt.timedelta(minutes=5)
    limits.hold(key, later, now=later, network="mastodon", profile="cafe", reason="free again")
    assert RememberedLimits(tmp_path).held_until(key, later) is None
    assert "secret-token-value" not in (tmp_path / LIMITS).read_text()


@pytest.mark.parametrize("written, until, expected", [
    (NOW, NOW + dt.timedelta(days=30), NOW + MAX_HOLD),  # never longer than a day from when it was written
    (NOW + dt.timedelta(days=2), NOW + dt.timedelta(days=3), None),  # written in the future: not trusted
])
def test_a_poisoned_row_cannot_hold_a_profile_for_ever(tmp_path, written, until, expected):
    key = limit_key("mastodon", "cafe", "t")
    RememberedLimits(tmp_path).hold(key, until, now=written, network="mastodon", profile="cafe", reason="x")
    assert RememberedLimits(tmp_path).held_until(key, NOW + dt.timedelta(hours=1)) == expected


def test_union_merged_lines_and_a_torn_line_are_read(tmp_path):
    key = limit_key("mastodon", "cafe", "t")
    path = tmp_path / LIMITS
    path.parent.mkdir(parents=True)
    path.write_text("time,network,profile,key,until,reason\n"
                    f"2026-12-01T09:00:00.000000Z,mastodon,cafe,{key},2026-12-01T10:00:00.000000Z,429\n"
                    "time,network,profile,key,until,reason\n"
                    "2026-12-01T09:0")
    assert RememberedLimits(tmp_path).held_until(key, NOW) == dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
