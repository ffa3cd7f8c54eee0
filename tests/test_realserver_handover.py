"""Issue 18 against mastodon-mock (PyPI; see tests/test_realserver_mastodon.py): a post never created is settled
by the machine, a first comment refused four times is sent by a later run, and a post is handed over to the
instance's scheduling (scheduled_at), listed, moved, cancelled and found published. mastodon-mock schedules on
the real clock (at least 5 minutes ahead) and publishes a due scheduled status when the list is read, so the
passing of time is played by moving the scheduled status into the past through its documented PUT."""

from __future__ import annotations

import datetime as dt
import secrets

import httpx
import pytest
import yaml

from socialops.networks.mastodon.client import html_to_text
from socialops.networks.scheduling import Scheduled
from socialops.publish.results import R_DEFERRED, R_HANDED_OVER, R_PUBLISHED
from socialops.publish.run import run_publish
from socialops.state.publications import PUBLISHED, SCHEDULED, Ledger
from tests.publish_support import git_init, make_repo, write_post
from tests.test_realserver_mastodon import api, fault, make_network, make_request, statuses_with

pytestmark = pytest.mark.mastodon


@pytest.fixture(autouse=True)
def clear_faults(mastodon_server):
    yield
    api(mastodon_server, "DELETE", "/api/v1/_mock/faults")


def repo(tmp_path, server, *, at: str, body: str, **post):
    root = make_repo(tmp_path / "repo", profiles=())
    profile = {"id": "cafe-masto", "network": "mastodon", "account": "brand", "instance": server["url"],
               "token_env": "MASTODON_TOKEN", "owners": ["@acme/social"], "language": "fi"}
    (root / "profiles").mkdir(exist_ok=True)
    (root / "profiles" / "cafe-masto.yaml").write_text(yaml.safe_dump(profile), encoding="utf-8")
    write_post(root, "pulla", profiles=["cafe-masto"], at=at, body=body, **post)
    git_init(root)
    return root


def run(root, server, now, client=None):
    env = {"MASTODON_TOKEN": server["accounts"]["brand"]["token"]}
    return run_publish(root, now=now, env=env, push=False, sleep=lambda s: None, clock=lambda: now,
                       clients=(lambda profile: client) if client else None)


def test_never_created_is_sent_again_with_the_same_key(mastodon_server, tmp_path):
    marker = secrets.token_hex(4)
    root = repo(tmp_path, mastodon_server, at="2026-12-01 09:00", body=f"Pullat {marker}\n")
    now = dt.datetime(2026, 12, 1, 7, 0, 30, tzinfo=dt.UTC)
    fault(mastodon_server, "POST", "/api/v1/statuses", {"type": "status", "status": 503}, count=4)
    fault(mastodon_server, "POST", "/api/v1/statuses", {"type": "ratelimit"}, count=4)
    first = run(root, mastodon_server, now)
    assert [p.status for p in first.pairs] == [R_DEFERRED] and statuses_with(mastodon_server, marker) == []
    api(mastodon_server, "DELETE", "/api/v1/_mock/faults")
    second = run(root, mastodon_server, now + dt.timedelta(minutes=35))
    assert [p.status for p in second.pairs] == [R_PUBLISHED]
    (status,) = statuses_with(mastodon_server, marker)
    assert Ledger(root).state()[("pulla", "cafe-masto")].remote_id == status["id"]


class CommentsRefused(httpx.BaseTransport):
    """The first ``n`` replies (POST /api/v1/statuses with in_reply_to_id) answer 503 before reaching the server."""

    def __init__(self, n: int):
        self.inner = httpx.HTTPTransport()
        self.left = n

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == "/api/v1/statuses" and b"in_reply_to_id" in request.read():
            if self.left:
                self.left -= 1
                return httpx.Response(503, json={"error": "busy"}, request=request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_first_comment_refused_four_times_is_sent_by_the_next_run(mastodon_server, tmp_path):
    marker = secrets.token_hex(4)
    root = repo(tmp_path, mastodon_server, at="2026-12-01 09:00", body=f"Kommentti {marker}\n",
                first_comment=f"#pulla {marker}x")
    now = dt.datetime(2026, 12, 1, 7, 0, 30, tzinfo=dt.UTC)
    with httpx.Client(transport=CommentsRefused(4), timeout=30) as client:
        first = run(root, mastodon_server, now, client)
        assert [p.status for p in first.pairs] == ["published, first comment pending"]
        second = run(root, mastodon_server, now + dt.timedelta(minutes=10), client)
    assert [p.status for p in second.pairs] == ["first comment sent"]
    (status,) = [s for s in statuses_with(mastodon_server, marker) if not s["in_reply_to_id"]]
    (reply,) = [s for s in statuses_with(mastodon_server, f"{marker}x")]
    assert reply["in_reply_to_id"] == status["id"]


def test_scheduled_status_listed_moved_cancelled(mastodon_server):
    marker = secrets.token_hex(4)
    network = make_network(mastodon_server)
    at = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(minutes=30)
    done = network.hand_over(make_request(f"Ajastettu {marker}"), at)
    assert isinstance(done, Scheduled) and done.at == at
    listed = {s["id"]: s for s in api(mastodon_server, "GET", "/api/v1/scheduled_statuses").json()}
    assert done.id in listed and marker in str(listed[done.id]["params"])
    moved = network.reschedule(done, at + dt.timedelta(minutes=15))
    assert moved.at == at + dt.timedelta(minutes=15)
    network.cancel_handover(moved)
    network.cancel_handover(moved)  # gone already: fine
    assert done.id not in {s["id"] for s in api(mastodon_server, "GET", "/api/v1/scheduled_statuses").json()}
    assert statuses_with(mastodon_server, marker) == []


def test_handed_over_by_a_run_and_found_published(mastodon_server, tmp_path):
    marker = secrets.token_hex(4)
    # The shortest lead: the instance then makes the status within its matching window (it publishes on the real
    # clock, not at the scheduled time, when the list is read).
    real_now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    at = real_now + dt.timedelta(minutes=10)
    root = repo(tmp_path, mastodon_server, at=at.isoformat(), body=f"Ajoissa {marker}\n", first_comment="#ajoissa")
    handed = run(root, mastodon_server, real_now)
    assert [p.status for p in handed.pairs] == [R_HANDED_OVER]
    st = Ledger(root).state()[("pulla", "cafe-masto")]
    assert st.status == SCHEDULED and statuses_with(mastodon_server, marker) == []
    # Time passes: the instance's time for it comes (moved into the past; the list publishes it).
    r = api(mastodon_server, "PUT", f"/api/v1/scheduled_statuses/{st.scheduled['id']}",
            json={"scheduled_at": (real_now - dt.timedelta(minutes=1)).isoformat()})
    assert r.status_code == 200, r.text
    later = run(root, mastodon_server, at + dt.timedelta(minutes=25))
    assert [p.status for p in later.pairs] == [R_PUBLISHED]
    (status,) = [s for s in statuses_with(mastodon_server, marker) if not s["in_reply_to_id"]]
    assert html_to_text(status["content"]) == f"Ajoissa {marker}"
    st = Ledger(root).state()[("pulla", "cafe-masto")]
    assert st.status == PUBLISHED and st.remote_id == status["id"]
    context = api(mastodon_server, "GET", f"/api/v1/statuses/{status['id']}/context").json()
    assert [html_to_text(r["content"]) for r in context["descendants"]] == ["#ajoissa"]
    assert run(root, mastodon_server, at + dt.timedelta(hours=1)).pairs == []
