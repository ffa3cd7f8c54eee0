"""Comments and moderation against a real Bluesky PDS + AppView (@atproto/dev-env, started by tests/servers).

The brand account publishes a post; the second account (``fan``) replies abusively. ``socialops comments``
(the library run) finds the reply through getPostThread, classifies it, hides it at once through the post's
threadgate (``hiddenReplies``) because the profile's hide rule says so, and opens an issue in the outbox.
A listed moderator then answers in the issue: ``/block`` writes an ``app.bsky.graph.block`` record,
``/reply`` a reply record, ``/delete`` gets the polite "Bluesky cannot" answer. Every result is read back
from the PDS with plain XRPC calls.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from pathlib import Path

import httpx
import pytest

from socialops.community.commands import run_moderate
from socialops.community.fetch import run_comments
from socialops.networks.bluesky.adapter import BlueskyNetwork
from socialops.networks.bluesky.client import tid_for
from socialops.repository.profiles import load_profile
from socialops.state.comments import comments_log, moderation_log
from socialops.state.publications import Event, Ledger
from socialops.tracker.outbox import OutboxTracker
from tests.servers.launch import new_bluesky_account

pytestmark = pytest.mark.bluesky


def login(server: dict, account: dict) -> str:
    r = httpx.post(f"{server['url']}/xrpc/com.atproto.server.createSession",
                   json={"identifier": account["handle"], "password": account["password"]}, timeout=30)
    r.raise_for_status()
    return r.json()["accessJwt"]


def create_post(server: dict, account: dict, text: str, reply: dict | None = None) -> dict:
    record = {"$type": "app.bsky.feed.post", "text": text,
              "createdAt": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")}
    if reply:
        record["reply"] = reply
    r = httpx.post(f"{server['url']}/xrpc/com.atproto.repo.createRecord",
                   headers={"Authorization": f"Bearer {login(server, account)}"},
                   json={"repo": account["did"], "collection": "app.bsky.feed.post", "record": record}, timeout=30)
    r.raise_for_status()
    return r.json()


def get_record(server: dict, did: str, collection: str, rkey: str) -> dict | None:
    r = httpx.get(f"{server['url']}/xrpc/com.atproto.repo.getRecord",
                  params={"repo": did, "collection": collection, "rkey": rkey}, timeout=30)
    return r.json() if r.status_code == 200 else None


def list_records(server: dict, did: str, collection: str) -> list[dict]:
    r = httpx.get(f"{server['url']}/xrpc/com.atproto.repo.listRecords",
                  params={"repo": did, "collection": collection, "limit": 100}, timeout=30)
    r.raise_for_status()
    return r.json()["records"]


def make_repo(tmp_path: Path, server: dict, account: dict, profile_id: str) -> Path:
    root = tmp_path / "repo"
    (root / "profiles").mkdir(parents=True)
    (root / "replies").mkdir()
    (root / "schedule.yaml").write_text("timezone: Europe/Helsinki\n", encoding="utf-8")
    (root / "replies" / "sorry.md").write_text("Sorry {name}, we will do better.\n", encoding="utf-8")
    (root / "profiles" / f"{profile_id}.yaml").write_text(
        f"id: {profile_id}\nnetwork: bluesky\naccount: {account['handle']}\nservice: {server['url']}\n"
        "token_env: BSKY_APP_PASSWORD\n"
        "moderation:\n  hide:\n    - {category: abusive}\n"
        "roles:\n  moderators: ['@mod-maija']\n", encoding="utf-8")
    return root


def wait_for_replies(net: BlueskyNetwork, uri: str, want: int, timeout: float = 30.0) -> list:
    deadline = time.monotonic() + timeout
    while True:
        found = net.list_comments(uri)
        if len(found) >= want or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def test_abusive_reply_is_hidden_by_threadgate_flagged_and_its_author_blocked(bluesky_appview, tmp_path):
    server = bluesky_appview
    # Fresh accounts: the block made here must not touch the session's shared brand and fan accounts.
    brand, fan = new_bluesky_account(server, "brand"), new_bluesky_account(server, "fan")
    profile_id = f"brand-{uuid.uuid4().hex[:6]}"
    root = make_repo(tmp_path, server, brand, profile_id)
    env = {"BSKY_APP_PASSWORD": brand["password"]}
    client = httpx.Client(timeout=30)
    profile = load_profile(root, f"profiles/{profile_id}.yaml")

    def opener(p):
        return BlueskyNetwork(p, env=env, client=client)

    marker = uuid.uuid4().hex[:8]
    post = create_post(server, brand, f"Uusi joulumenu on täällä! {marker}")
    ref = {"uri": post["uri"], "cid": post["cid"]}
    question = create_post(server, fan, "Onko joulumenussa vegaaninen vaihtoehto?", reply={"root": ref, "parent": ref})
    abuse = create_post(server, fan, "You people are idiots.", reply={"root": ref, "parent": ref})
    now = dt.datetime.now(dt.UTC)
    Ledger(root).append([Event(time=now - dt.timedelta(hours=1), post_id="joulumenu", profile=profile_id,
                               event="published", remote_id=post["uri"], url="https://bsky.app/x")])

    net = opener(profile)
    comments = wait_for_replies(net, post["uri"], 2)
    assert {c.id for c in comments} == {question["uri"], abuse["uri"]}
    assert all(c.author_id == fan["did"] and c.author_handle == fan["handle"] for c in comments)

    outbox = OutboxTracker(root)
    result = run_comments(root, now=now, env=env, tracker=outbox, opener=opener, push=False)
    assert not result.errors, result.errors
    by_id = {f.comment.id: f for f in result.new}
    assert by_id[abuse["uri"]].decision.category == "abusive"
    assert by_id[abuse["uri"]].hidden == "hidden"
    assert by_id[question["uri"]].decision.category == "question"
    assert by_id[question["uri"]].hidden == ""

    # The threadgate (same record key as the post) hides exactly the abusive reply.
    gate = get_record(server, brand["did"], "app.bsky.feed.threadgate", post["uri"].rsplit("/", 1)[1])
    assert gate is not None
    assert gate["value"]["post"] == post["uri"]
    assert gate["value"]["hiddenReplies"] == [abuse["uri"]]
    assert "allow" not in gate["value"]  # replies stay open to everyone

    # Two issues, one per comment (different threads), the abusive one says it was hidden.
    issues = {json.loads(p.read_text())["title"]: json.loads(p.read_text())
              for p in (root / ".socialops/outbox/issues").glob("*.json")}
    abusive = next(i for t, i in issues.items() if t.startswith("Abusive comment"))
    assert "hidden" in abusive["labels"] and "abusive" in abusive["labels"]
    assert "Hidden at once" in abusive["body"] and "/unhide" in abusive["body"]
    assert "```text\nYou people are idiots.\n```" in abusive["body"]
    rows = moderation_log(root).rows()
    assert [(r["action"], r["result"], r["actor"]) for r in rows] == [("hide", "done", "socialops (hide rule)")]

    # A second run finds nothing new: each comment is handled once.
    again = run_comments(root, now=now, env=env, tracker=outbox, opener=opener, push=False)
    assert again.new == [] and again.issues_opened == []
    assert len(comments_log(root).rows()) == 2

    # A listed moderator blocks the author from the issue.
    event = {"comment": {"id": 101, "body": "/block", "user": {"login": "mod-maija", "type": "User"}},
             "issue": {"number": abusive["number"], "body": ""}}
    done = run_moderate(root, event, now=now, env=env, tracker=outbox, permission=lambda u: None, opener=opener,
                        key=abusive["key"], push=False)
    assert done.status == "done", done.message
    blocks = [r for r in list_records(server, brand["did"], "app.bsky.graph.block")
              if r["value"]["subject"] == fan["did"]]
    assert len(blocks) == 1
    assert blocks[0]["uri"].endswith("/" + tid_for(f"block:{fan['did']}"))
    closed = json.loads((root / ".socialops/outbox/issues" / f"{abusive['key']}.json").read_text())
    assert closed["state"] == "closed" and "Blocked the author" in closed["comments"][-1]

    # /block again (say, a re-run of the workflow with a new comment) keeps one block record.
    event2 = {**event, "comment": {**event["comment"], "id": 102}}
    assert run_moderate(root, event2, now=now, env=env, tracker=outbox, permission=lambda u: None, opener=opener,
                        key=abusive["key"], push=False).status == "done"
    assert len([r for r in list_records(server, brand["did"], "app.bsky.graph.block")
                if r["value"]["subject"] == fan["did"]]) == 1

    # /unhide takes the reply out of hiddenReplies again.
    event3 = {**event, "comment": {**event["comment"], "id": 103, "body": "/unhide"}}
    assert run_moderate(root, event3, now=now, env=env, tracker=outbox, permission=lambda u: None, opener=opener,
                        key=abusive["key"], push=False).status == "done"
    gate = get_record(server, brand["did"], "app.bsky.feed.threadgate", post["uri"].rsplit("/", 1)[1])
    assert gate["value"]["hiddenReplies"] == []

    # The question gets a saved reply, threaded under the fan's reply; /delete is refused by the network.
    q_issue = next(i for t, i in issues.items() if t.startswith("Question"))
    reply_event = {"comment": {"id": 201, "body": "/reply @sorry", "user": {"login": "mod-maija", "type": "User"}},
                   "issue": {"number": q_issue["number"], "body": ""}}
    assert run_moderate(root, reply_event, now=now, env=env, tracker=outbox, permission=lambda u: None,
                        opener=opener, key=q_issue["key"], push=False).status == "done"
    replies = [r for r in list_records(server, brand["did"], "app.bsky.feed.post")
               if r["value"].get("reply", {}).get("parent", {}).get("uri") == question["uri"]]
    assert len(replies) == 1
    # No display name set, and the handle is a domain: as a word of the reply it would become a link facet
    # (issue 15, finding 3), so the name is left out.
    assert replies[0]["value"]["text"] == "Sorry, we will do better."
    assert fan["handle"] not in replies[0]["value"]["text"] and not replies[0]["value"].get("facets")
    assert replies[0]["value"]["reply"]["root"]["uri"] == post["uri"]

    delete_event = {"comment": {"id": 301, "body": "/delete", "user": {"login": "mod-maija", "type": "User"}},
                    "issue": {"number": abusive["number"], "body": ""}}
    refused = run_moderate(root, delete_event, now=now, env=env, tracker=outbox, permission=lambda u: None,
                           opener=opener, key=abusive["key"], push=False)
    assert refused.status == "unsupported"
    last = json.loads((root / ".socialops/outbox/issues" / f"{abusive['key']}.json").read_text())["comments"][-1]
    assert "Bluesky's API cannot delete" in last and "By hand" in last
    assert get_record(server, fan["did"], "app.bsky.feed.post", abuse["uri"].rsplit("/", 1)[1]) is not None
    client.close()


def test_hide_and_block_on_the_pds_alone(bluesky_pds, tmp_path):
    """Without an AppView (only a PDS) hiding and blocking still work: both are records in our repository."""
    from socialops.networks.types import Comment
    from socialops.repository.profiles import parse_profile

    server = bluesky_pds
    brand, fan = new_bluesky_account(server, "brand"), new_bluesky_account(server, "fan")
    post = create_post(server, brand, f"Post {uuid.uuid4().hex[:6]}")
    ref = {"uri": post["uri"], "cid": post["cid"]}
    reply = create_post(server, fan, "Fuck you", reply={"root": ref, "parent": ref})
    profile = parse_profile(f"id: b\nnetwork: bluesky\naccount: {brand['handle']}\nservice: {server['url']}\n"
                            "token_env: BSKY_APP_PASSWORD\n", "profiles/b.yaml")
    with httpx.Client(timeout=30) as client:
        net = BlueskyNetwork(profile, env={"BSKY_APP_PASSWORD": brand["password"]}, client=client)
        comment = Comment(id=reply["uri"], post_remote_id=post["uri"], text="Fuck you", author_id=fan["did"],
                          ref={"uri": reply["uri"], "cid": reply["cid"], "root_uri": post["uri"],
                               "root_cid": post["cid"]})
        other = create_post(server, fan, "second", reply={"root": ref, "parent": ref})
        net.hide_comment(comment)
        net.hide_comment(comment)  # twice: no change
        net.hide_comment(Comment(id=other["uri"], post_remote_id=post["uri"], text="", ref={"uri": other["uri"]}))
        gate = get_record(server, brand["did"], "app.bsky.feed.threadgate", post["uri"].rsplit("/", 1)[1])
        assert gate["value"]["hiddenReplies"] == [reply["uri"], other["uri"]]
        net.block_author(comment)
        net.block_author(comment)
        assert net.is_blocking(fan["did"])
        assert len([r for r in list_records(server, brand["did"], "app.bsky.graph.block")
                    if r["value"]["subject"] == fan["did"]]) == 1
        assert not net.can("delete") and net.can("hide") and net.can("block")
