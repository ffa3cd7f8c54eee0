"""Bluesky's inbox against the real PDS and AppView (@atproto/dev-env, tests/servers): a fan's mention (with
its mention facet) and quote of the brand, and a reply to a post the brand made in the app, become issues in
one comments run and nothing new in the next; /reply answers the mention in its thread. Chat is not in
dev-env: its payloads are checked in tests/test_inbox.py."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid

import httpx
import pytest

from socialops.community.commands import run_moderate
from socialops.community.fetch import run_comments
from socialops.community.issues import issue_comments
from socialops.networks.bluesky.adapter import BlueskyNetwork
from socialops.repository.profiles import load_profile
from socialops.tracker.outbox import OutboxTracker
from tests.comments_support import outbox
from tests.servers.launch import new_bluesky_account
from tests.test_realserver_comments import create_post, list_records, login, make_repo

pytestmark = pytest.mark.bluesky


def post_record(server, account, record: dict) -> dict:
    record = {"$type": "app.bsky.feed.post", "createdAt": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
              **record}
    r = httpx.post(f"{server['url']}/xrpc/com.atproto.repo.createRecord",
                   headers={"Authorization": f"Bearer {login(server, account)}"},
                   json={"repo": account["did"], "collection": "app.bsky.feed.post", "record": record}, timeout=30)
    r.raise_for_status()
    return r.json()


def mention_facet(text: str, handle: str, did: str) -> dict:
    start = text.encode().index(f"@{handle}".encode())
    return {"index": {"byteStart": start, "byteEnd": start + len(f"@{handle}".encode())},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}]}


def wait_for(net: BlueskyNetwork, want: set[str], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if want <= {c.id for c in net.list_mentions()}:
            return
        time.sleep(0.3)
    raise AssertionError("the AppView did not show the notifications")


def test_mentions_quotes_and_replies_to_posts_made_in_the_app(bluesky_appview, tmp_path):
    server = bluesky_appview
    brand, fan = new_bluesky_account(server, "brand"), new_bluesky_account(server, "fan")
    profile_id = f"brand-{uuid.uuid4().hex[:6]}"
    root = make_repo(tmp_path, server, brand, profile_id)
    env = {"BSKY_APP_PASSWORD": brand["password"]}
    client = httpx.Client(timeout=30)

    def opener(p):
        return BlueskyNetwork(p, env=env, client=client)

    marker = uuid.uuid4().hex[:6]
    own = create_post(server, brand, f"Joulupuuro tänään! {marker}")  # made in the app: not in the ledger
    text = f"Hei @{brand['handle']} onko teillä gluteenitonta? {marker}"
    mention = post_record(server, fan, {"text": text, "facets": [mention_facet(text, brand["handle"], brand["did"])]})
    quote = post_record(server, fan, {"text": f"Kylmää kahvia ja huono palvelu, en suosittele. {marker}",
                                      "embed": {"$type": "app.bsky.embed.record",
                                                "record": {"uri": own["uri"], "cid": own["cid"]}}})
    ref = {"uri": own["uri"], "cid": own["cid"]}
    reply = create_post(server, fan, f"Miksi hinta nousi taas? {marker}", reply={"root": ref, "parent": ref})
    net = opener(load_profile(root, f"profiles/{profile_id}.yaml"))
    wait_for(net, {mention["uri"], quote["uri"]})

    tracker = OutboxTracker(root)
    now = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    first = run_comments(root, now=now, env=env, tracker=tracker, opener=opener, push=False)
    assert first.errors == [], first.errors
    kinds = {f.comment.id: f.comment.ref.get("kind", "comment") for f in first.new}
    assert kinds == {mention["uri"]: "mention", quote["uri"]: "quote", reply["uri"]: "comment"}
    issues = {c.comment.id: i for i in outbox(root) for c in issue_comments(i["body"])}
    assert set(issues) == set(kinds), [(f.comment.id, f.decision.category, f.issue) for f in first.new]
    assert "#### Mention 1" in issues[mention["uri"]]["body"] and "#### Quote 1" in issues[quote["uri"]]["body"]
    assert issues[mention["uri"]]["title"].startswith(f"Question on {profile_id}: Bluesky mention by @{fan['handle']}")

    second = run_comments(root, now=now + dt.timedelta(minutes=30), env=env, tracker=tracker, opener=opener,
                          push=False)
    assert second.new == [] and second.issues_opened == []

    issue = issues[mention["uri"]]
    event = {"comment": {"body": "/reply Kyllä on, joka päivä!", "user": {"login": "mod-maija"}, "id": 7},
             "issue": {"number": issue["number"], "body": issue["body"],
                       "labels": [{"name": n} for n in issue["labels"]]}}
    result = run_moderate(root, event, now=now, env=env, tracker=tracker, opener=opener, key=issue["key"],
                          push=False, permission=lambda login: "read")
    assert result.status == "done", result.message
    answers = [r["value"] for r in list_records(server, brand["did"], "app.bsky.feed.post")
               if r["value"]["text"] == "Kyllä on, joka päivä!"]
    assert len(answers) == 1
    assert answers[0]["reply"]["parent"]["uri"] == mention["uri"] == answers[0]["reply"]["root"]["uri"]
    client.close()
    assert json.dumps(first.warnings).count("direct messages") == 0  # chat is read only when the profile asks
