"""Issue 18 against a real Bluesky PDS, faults injected by a transport in front of it: a post whose creation
cannot be confirmed while the PDS is unavailable is settled by the record key on a later run (found, or absent
and created once under the same key); a first comment refused four times is created by a later run under its
own record key. Exactly one record each."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
import yaml

from socialops.publish.results import R_DEFERRED, R_PUBLISHED
from socialops.publish.run import run_publish
from socialops.state.publications import PUBLISHED, Ledger
from tests.publish_support import git_init, make_repo, write_post
from tests.test_crash_bluesky import repository_posts

pytestmark = pytest.mark.bluesky

NOW = dt.datetime(2026, 12, 1, 7, 0, 30, tzinfo=dt.UTC)


class Faults(httpx.BaseTransport):
    """Forwards to the PDS; ``rules``: [nsid, when(body) -> bool, effect, count] where effect is "503" (answered
    without reaching the PDS), "lost" (carried out, the answer lost) or "unsent" (lost before reaching it)."""

    def __init__(self):
        self.inner = httpx.HTTPTransport()
        self.rules: list[list] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        nsid = request.url.path.removeprefix("/xrpc/")
        body = request.read()
        for rule in self.rules:
            name, when, effect, left = rule
            if name == nsid and left and when(body):
                rule[3] -= 1
                if effect == "503":
                    return httpx.Response(503, json={"error": "InternalServerError", "message": "busy"},
                                          request=request)
                if effect == "lost":
                    self.inner.handle_request(request).read()
                raise httpx.ReadTimeout("the answer was lost", request=request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def site(tmp_path, pds, account, **post):
    root = make_repo(tmp_path / "repo", profiles=())
    profile = {"id": "cafe-bsky", "network": "bluesky", "account": account["handle"], "service": pds["url"],
               "token_env": "BSKY_APP_PASSWORD", "owners": ["@acme/social"], "language": "fi"}
    (root / "profiles").mkdir(exist_ok=True)
    (root / "profiles" / "cafe-bsky.yaml").write_text(yaml.safe_dump(profile), encoding="utf-8")
    write_post(root, "aamu", profiles=["cafe-bsky"], at="2026-12-01 09:00", body="Hyvää huomenta! ☕\n", **post)
    git_init(root)
    return root


def run(root, account, faults, now=NOW):
    with httpx.Client(transport=faults, timeout=60) as client:
        return run_publish(root, now=now, env={"BSKY_APP_PASSWORD": account["password"]}, push=False,
                           sleep=lambda s: None, clock=lambda: now, clients=lambda profile: client)


def is_post(body: bytes) -> bool:
    return b'"reply"' not in body


@pytest.mark.parametrize("effect", ["lost", "unsent"])
def test_unconfirmable_creation_is_settled_by_the_record_key(bluesky_pds, bluesky_account, tmp_path, effect):
    root = site(tmp_path, bluesky_pds, bluesky_account)
    faults = Faults()
    faults.rules = [["com.atproto.repo.createRecord", is_post, effect, 1],
                    ["com.atproto.repo.getRecord", lambda b: True, "503", 8]]
    first = run(root, bluesky_account, faults)
    assert [p.status for p in first.pairs] == [R_DEFERRED]
    assert len(repository_posts(bluesky_pds, bluesky_account)) == (1 if effect == "lost" else 0)
    second = run(root, bluesky_account, Faults(), NOW + dt.timedelta(minutes=40))
    assert [p.status for p in second.pairs] == [R_PUBLISHED]
    (record,) = repository_posts(bluesky_pds, bluesky_account)
    assert record["text"] == "Hyvää huomenta! ☕"
    assert Ledger(root).state()[("aamu", "cafe-bsky")].status == PUBLISHED
    assert not (root / ".socialops" / "outbox").exists()  # nobody was asked


def test_first_comment_refused_four_times_is_created_later(bluesky_pds, bluesky_account, tmp_path):
    root = site(tmp_path, bluesky_pds, bluesky_account, first_comment="#kahvi")
    faults = Faults()
    faults.rules = [["com.atproto.repo.createRecord", lambda b: b'"reply"' in b, "503", 4]]
    first = run(root, bluesky_account, faults)
    assert [p.status for p in first.pairs] == ["published, first comment pending"]
    assert [r["text"] for r in repository_posts(bluesky_pds, bluesky_account)] == ["Hyvää huomenta! ☕"]
    second = run(root, bluesky_account, Faults(), NOW + dt.timedelta(minutes=10))
    assert [p.status for p in second.pairs] == ["first comment sent"]
    assert run(root, bluesky_account, Faults(), NOW + dt.timedelta(minutes=40)).pairs == []
    records = repository_posts(bluesky_pds, bluesky_account)
    assert sorted(r["text"] for r in records) == ["#kahvi", "Hyvää huomenta! ☕"]
    (reply,) = [r for r in records if "reply" in r]
    (post,) = [r for r in records if "reply" not in r]
    assert reply["reply"]["root"]["uri"].endswith(Ledger(root).state()[("aamu", "cafe-bsky")].remote_id.rsplit("/")[-1])
    assert post["text"] == "Hyvää huomenta! ☕"
