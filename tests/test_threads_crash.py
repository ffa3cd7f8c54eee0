"""Crash recovery of Threads through the real publisher and ledger: the process dies between making the container
and publishing it (or right after Threads published it), and the next run reconciles from what the ledger holds,
publishing exactly once. The fake Threads answers with the documented payloads (tests/fixtures/threads)."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
import yaml

from socialops.publish.run import run_publish
from socialops.state.publications import PUBLISHED, Ledger
from tests.publish_support import make_repo, write_post
from tests.test_threads import CONTAINER, POST, TOKEN, USER, fx

NOW = dt.datetime(2026, 12, 1, 7, 5, tzinfo=dt.UTC)  # 09:05 in Helsinki: the 09:00 post is due
ENV = {"THREADS_TOKEN": TOKEN, "GITHUB_REPOSITORY": "aurinko/social", "GITHUB_SHA": "0" * 40}
TEXT = "Joulukalenteri, luukku 1: piparkakkutalo ikkunalaudalla."


class Killed(BaseException):
    """The publishing process dies here (a BaseException: no `except Exception` of the publisher catches it)."""


class FakeThreads:
    """Threads as documented, with a switch that kills the caller at one request."""

    def __init__(self, kill_at: str | None = None, *, published: bool = False):
        self.kill_at, self.published = kill_at, published
        self.requests: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        key = f"{request.method} {request.url.path.removeprefix('/v1.0')}"
        self.requests.append(key)
        if key == self.kill_at and key != f"POST /{USER}/threads_publish":
            raise Killed(key)
        if key == f"POST /{USER}/threads":
            return httpx.Response(200, json=fx("container_text.json"))
        if key == f"GET /{CONTAINER}":
            return httpx.Response(200, json=fx("status_published.json" if self.published else "status_finished.json"))
        if key == f"GET /{USER}/threads_publishing_limit":
            return httpx.Response(200, json=fx("publishing_limit.json"))
        if key == f"POST /{USER}/threads_publish":
            self.published = True
            if key == self.kill_at:  # Threads published it; the answer never reaches the ledger
                raise Killed(key)
            return httpx.Response(200, json=fx("publish.json"))
        if key == f"GET /{POST}":
            return httpx.Response(200, json=fx("media_permalink.json"))
        if key == f"GET /{USER}/threads":
            return httpx.Response(200, json=fx("recent_threads.json"))
        return httpx.Response(404, json={"error": {"message": f"no route {key}", "code": 803}})


def repository(tmp_path):
    root = make_repo(tmp_path / "repo", profiles=())
    profile = {"id": "cafe-threads", "network": "threads", "account": "kahvila.aurinko", "token_env": "THREADS_TOKEN",
               "threads_user_id": USER, "owners": ["@acme/social"]}
    (root / "profiles").mkdir(exist_ok=True)
    (root / "profiles" / "cafe-threads.yaml").write_text(yaml.safe_dump(profile), encoding="utf-8")
    write_post(root, "luukku-1", profiles=("cafe-threads",), body=TEXT + "\n")
    return root


def publish(root, api: FakeThreads):
    return run_publish(root, now=NOW, env=ENV, push=False, sleep=lambda s: None,
                       clients=lambda profile: httpx.Client(transport=httpx.MockTransport(api)))


def steps(root) -> list[str]:
    return [e.detail for e in Ledger(root).events() if e.event == "progress"]


def test_killed_between_the_container_and_publishing_the_next_run_publishes_that_container_once(tmp_path):
    root = repository(tmp_path)
    first = FakeThreads(kill_at=f"GET /{USER}/threads_publishing_limit")
    with pytest.raises(Killed):
        publish(root, first)
    assert steps(root) == ["container"] and f"POST /{USER}/threads_publish" not in first.requests
    assert Ledger(root).state()[("luukku-1", "cafe-threads")].status != PUBLISHED

    second = FakeThreads()
    publish(root, second)
    state = Ledger(root).state()[("luukku-1", "cafe-threads")]
    assert state.status == PUBLISHED and state.remote_id == POST
    assert f"POST /{USER}/threads" not in second.requests  # the recorded container was used, not a new one
    assert second.requests.count(f"POST /{USER}/threads_publish") == 1


def test_killed_after_threads_published_the_next_run_finds_the_post_and_never_publishes_again(tmp_path):
    root = repository(tmp_path)
    first = FakeThreads(kill_at=f"POST /{USER}/threads_publish")
    with pytest.raises(Killed):
        publish(root, first)
    assert steps(root) == ["container", "final"] and first.published

    second = FakeThreads(published=True)
    publish(root, second)
    state = Ledger(root).state()[("luukku-1", "cafe-threads")]
    assert state.status == PUBLISHED and state.remote_id == POST
    assert f"POST /{USER}/threads_publish" not in second.requests and f"GET /{USER}/threads" in second.requests
