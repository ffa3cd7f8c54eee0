"""Faults the machine settles by itself (issue 18): a post never created is sent again under the same key or
after a listing shows it absent; a first comment that failed is retried by its own key; the run against a
Mastodon instance (``FakeMastodon``: payloads as docs.joinmastodon.org documents them) with faults injected."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx
import pytest
import yaml

from socialops.publish.results import R_DEFERRED, R_PUBLISHED
from socialops.publish.run import run_publish
from socialops.state.publications import CLAIMED, PUBLISHED, Ledger
from tests.publish_support import git_init, make_repo, write_post
from tests.test_mastodon import BASE, TOKEN, FakeMastodon

ENV = {"MASTODON_TOKEN": TOKEN}
NOW = dt.datetime(2026, 12, 1, 7, 0, 30, tzinfo=dt.UTC)  # 09:00:30 in Helsinki


def masto_repo(tmp_path: Path, **post) -> Path:
    root = make_repo(tmp_path / "repo", profiles=())
    profile = {"id": "cafe-masto", "network": "mastodon", "account": "@cafe@mastodon.example", "instance": BASE,
               "token_env": "MASTODON_TOKEN", "owners": ["@acme/social"], "language": "fi", **post.pop("profile", {})}
    (root / "profiles").mkdir(exist_ok=True)
    (root / "profiles" / "cafe-masto.yaml").write_text(yaml.safe_dump(profile), encoding="utf-8")
    write_post(root, "pulla", profiles=["cafe-masto"], at=post.pop("at", "2026-12-01 09:00"),
               body="Tuoreet pullat uunista!\n", **post)
    git_init(root)
    return root


def run(root: Path, server: FakeMastodon, now: dt.datetime = NOW, **kw):
    return run_publish(root, now=now, env=ENV, push=False, sleep=lambda s: None, clock=lambda: now,
                       clients=lambda profile: httpx.Client(transport=httpx.MockTransport(server)), **kw)


def outbox(root: Path) -> dict[str, dict]:
    folder = root / ".socialops" / "outbox" / "issues"
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))} if folder.is_dir() else {}


def statuses(result) -> dict[tuple[str, str], str]:
    return {(p.post_id, p.profile): p.status for p in result.pairs}


def top_level(server: FakeMastodon) -> list[dict]:
    return [s for s in server.statuses if not s["in_reply_to_id"]]


def busy(n: int) -> list[httpx.Response]:
    return [httpx.Response(503, json={"error": "busy"}) for _ in range(n)]


def limited(n: int) -> list[httpx.Response]:
    return [httpx.Response(429, json={"error": "Too many requests"}) for _ in range(n)]


# --- 18.1: a post never created is settled by the machine -------------------------------------------------------

@pytest.mark.parametrize("later", [dt.timedelta(minutes=35), dt.timedelta(hours=3)],
                         ids=["same-key-within-the-hour", "listing-after-the-hour"])
def test_never_created_is_sent_again_exactly_once(tmp_path, later):
    """503 four times, then 429 four times on the status POST: nothing was made, the network could not be asked;
    the claim stays open (deferred, no issue), and the next run settles it: within the hour by sending again
    with the same Idempotency-Key, after it by listing the account (absent) and publishing once."""
    server = FakeMastodon()
    root = masto_repo(tmp_path)
    server.fail("POST", "/api/v1/statuses", *busy(4), *limited(4))
    first = run(root, server)
    assert statuses(first) == {("pulla", "cafe-masto"): R_DEFERRED}
    assert first.failed and server.statuses == []
    st = Ledger(root).state()[("pulla", "cafe-masto")]
    assert st.status == CLAIMED and len(st.open_claims) == 1
    (key,) = st.open_claims
    assert "deferred" in st.progress[key]["reconcile"]
    assert outbox(root) == {}  # nobody is asked: the machine can still answer

    second = run(root, server, NOW + later)
    assert statuses(second) == {("pulla", "cafe-masto"): R_PUBLISHED}
    assert len(top_level(server)) == 1
    posts = server.status_posts()
    assert {p.headers["Idempotency-Key"] for p in posts} == {key}  # one key from the first try to the last
    st = Ledger(root).state()[("pulla", "cafe-masto")]
    assert st.status == PUBLISHED and st.remote_id == server.statuses[0]["id"]
    assert outbox(root) == {}
    assert run(root, server, NOW + later + dt.timedelta(minutes=30)).pairs == []
    assert len(top_level(server)) == 1


def test_created_but_every_answer_lost_is_found_by_the_key(tmp_path):
    """The status was made but every answer was lost, and the re-send's too: deferred; the next run's re-send
    with the key gets the original status back; one status in all."""
    server = FakeMastodon()
    root = masto_repo(tmp_path)
    server.fail("POST", "/api/v1/statuses", *["lose-answer"] * 8)
    assert statuses(run(root, server)) == {("pulla", "cafe-masto"): R_DEFERRED}
    assert len(top_level(server)) == 1
    assert statuses(run(root, server, NOW + dt.timedelta(minutes=31))) == {("pulla", "cafe-masto"): R_PUBLISHED}
    assert len(top_level(server)) == 1
    assert Ledger(root).state()[("pulla", "cafe-masto")].remote_id == server.statuses[0]["id"]
    assert outbox(root) == {}


def test_undecided_past_the_late_window_goes_to_a_person(tmp_path):
    server = FakeMastodon()
    root = masto_repo(tmp_path)
    server.fail("POST", "/api/v1/statuses", *busy(4), *limited(4))
    run(root, server)
    server.fail("GET", "/api/v1/accounts/", *busy(4))
    result = run(root, server, NOW + dt.timedelta(hours=25))
    assert [p.status for p in result.pairs] == ["unconfirmed"]
    assert server.statuses == []
    (issue,) = outbox(root).values()
    assert "unconfirmed" in issue["labels"]


# --- 18.2: a first comment that failed is sent again, exactly once, by its own key ----------------------------------

def replies(server: FakeMastodon) -> list[dict]:
    return [s for s in server.statuses if s["in_reply_to_id"]]


def comment_posts(server: FakeMastodon) -> list[str]:
    return [r.headers["Idempotency-Key"] for r in server.status_posts() if b"in_reply_to_id" in r.content]


def test_first_comment_refused_four_times_is_sent_by_the_next_run(tmp_path):
    server = FakeMastodon()
    root = masto_repo(tmp_path, first_comment="#pulla #leipomo")
    original = server.handle

    def comment_busy(request, left=[4]):  # noqa: B006 - a counter kept between calls
        if request.method == "POST" and request.url.path == "/api/v1/statuses" and b"in_reply_to_id" in request.read():
            if left[0]:
                left[0] -= 1
                return httpx.Response(503, json={"error": "busy"})
        return original(request)

    server.handle = comment_busy
    first = run(root, server)
    assert statuses(first) == {("pulla", "cafe-masto"): "published, first comment pending"}
    assert first.failed and len(top_level(server)) == 1 and replies(server) == []
    summary = Ledger(root).summary()
    (fc, remote_id) = summary.comments[("pulla", "cafe-masto")]
    assert fc.status == "pending" and remote_id == top_level(server)[0]["id"]
    assert outbox(root) == {}
    second = run(root, server, NOW + dt.timedelta(minutes=10))
    assert statuses(second) == {("pulla", "cafe-masto"): "first comment sent"} and not second.failed
    (reply,) = replies(server)
    assert reply["in_reply_to_id"] == remote_id
    assert set(comment_posts(server)) == {fc.key + ":first_comment"}  # its own key, every time
    assert Ledger(root).summary().comments[("pulla", "cafe-masto")][0].status == "sent"
    assert run(root, server, NOW + dt.timedelta(minutes=40)).pairs == []
    assert len(replies(server)) == 1 and len(top_level(server)) == 1


def test_first_comment_held_back_by_the_rate_limit_is_sent_later(tmp_path):
    """After the post, the instance says no calls are left until a reset 10 minutes ahead: the client's own check
    holds the comment back (nothing is sent), and the next run after the reset sends it."""
    server = FakeMastodon()
    root = masto_repo(tmp_path, first_comment="#pulla")
    original = server.handle

    def used_up(request):
        response = original(request)
        if request.method == "POST" and request.url.path == "/api/v1/statuses":
            response.headers["X-RateLimit-Remaining"] = "0"
            response.headers["X-RateLimit-Reset"] = (NOW + dt.timedelta(minutes=10)).isoformat()
        return response

    server.handle = used_up
    first = run(root, server)
    assert statuses(first) == {("pulla", "cafe-masto"): "published, first comment pending"}
    assert "rate limit" in first.pairs[0].detail and comment_posts(server) == []
    server.handle = original
    second = run(root, server, NOW + dt.timedelta(minutes=20))
    assert statuses(second) == {("pulla", "cafe-masto"): "first comment sent"}
    assert len(replies(server)) == 1


def test_first_comment_that_keeps_failing_is_given_up_with_one_issue(tmp_path):
    server = FakeMastodon()
    root = masto_repo(tmp_path, first_comment="#pulla")
    original = server.handle

    def comment_refused(request):
        if request.method == "POST" and request.url.path == "/api/v1/statuses" and b"in_reply_to_id" in request.read():
            return httpx.Response(503, json={"error": "busy"})
        return original(request)

    server.handle = comment_refused
    rows = [statuses(run(root, server, NOW + dt.timedelta(minutes=30 * i))) for i in range(5)]
    assert [r.get(("pulla", "cafe-masto")) for r in rows[:4]] == (
        ["published, first comment pending"] * 3 + ["published, first comment failed"])
    assert rows[4] == {}  # given up: no further tries
    assert replies(server) == [] and len(top_level(server)) == 1
    (issue,) = outbox(root).values()
    assert issue["title"] == "First comment failed: pulla on cafe-masto" and "first-comment" in issue["labels"]
    assert Ledger(root).summary().comments[("pulla", "cafe-masto")][0].status == "failed"
