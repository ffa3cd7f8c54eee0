"""The digest of issue 17 against a real Bluesky PDS + AppView (@atproto/dev-env, started by tests/servers):
replies that are not flagged are listed, numbered, in the profile's digest of the day; a moderator thanks for
praise with ``/reply N`` (a reply record threaded under it), hides one with ``/hide N`` (the post's threadgate)
and opens an issue of its own with ``/flag N`` (the text read again from the AppView). Every result is read
back from the PDS with plain XRPC calls."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import httpx
import pytest

from socialops.community.commands import run_moderate
from socialops.community.digest import digest_comments, digest_key
from socialops.community.fetch import run_comments
from socialops.community.issues import issue_comments
from socialops.networks.bluesky.adapter import BlueskyNetwork
from socialops.repository.profiles import load_profile
from socialops.state.publications import Event, Ledger
from socialops.tracker.outbox import OutboxTracker
from tests.servers.launch import new_bluesky_account
from tests.test_realserver_comments import create_post, get_record, list_records, make_repo, wait_for_replies

pytestmark = pytest.mark.bluesky


def test_praise_in_the_digest_is_answered_hidden_and_flagged_on_the_pds(bluesky_appview, tmp_path):
    server = bluesky_appview
    brand, fan = new_bluesky_account(server, "brand"), new_bluesky_account(server, "fan")
    profile_id = f"brand-{uuid.uuid4().hex[:6]}"
    root = make_repo(tmp_path, server, brand, profile_id)
    env = {"BSKY_APP_PASSWORD": brand["password"]}
    client = httpx.Client(timeout=30)

    def opener(p):
        return BlueskyNetwork(p, env=env, client=client)

    post = create_post(server, brand, f"Uusi joulumenu on täällä! {uuid.uuid4().hex[:8]}")
    ref = {"uri": post["uri"], "cid": post["cid"]}
    praise = create_post(server, fan, "Paras joulumenu ikinä, kiitos! 😍", reply={"root": ref, "parent": ref})
    cheers = create_post(server, fan, "Ihana paikka, nähdään taas", reply={"root": ref, "parent": ref})
    question = create_post(server, fan, "Onko joulumenussa vegaaninen vaihtoehto?", reply={"root": ref, "parent": ref})
    now = dt.datetime.now(dt.UTC)
    Ledger(root).append([Event(time=now - dt.timedelta(hours=1), post_id="joulumenu", profile=profile_id,
                               event="published", remote_id=post["uri"], url="https://bsky.app/x")])
    assert len(wait_for_replies(opener(load_profile(root, f"profiles/{profile_id}.yaml")), post["uri"], 3)) == 3

    outbox = OutboxTracker(root)
    result = run_comments(root, now=now, env=env, tracker=outbox, opener=opener, push=False)
    assert not result.errors, result.errors
    by_id = {f.comment.id: f for f in result.new}
    key = digest_key(profile_id, now.date())
    assert by_id[question["uri"]].issue != key and by_id[question["uri"]].decision.category == "question"
    assert by_id[praise["uri"]].issue == key == by_id[cheers["uri"]].issue  # nothing dropped
    digest = json.loads((root / ".socialops/outbox/issues" / f"{key}.json").read_text())
    numbers = {c.comment.id: c.number for c in digest_comments(digest["body"])}
    assert set(numbers) == {praise["uri"], cheers["uri"]}

    def command(text: str, event_id: int):
        event = {"comment": {"id": event_id, "body": text, "user": {"login": "mod-maija", "type": "User"}},
                 "issue": {"number": digest["number"], "body": ""}}
        return run_moderate(root, event, now=now, env=env, tracker=outbox, permission=lambda u: None,
                            opener=opener, key=key, push=False)

    # /reply N: a thank-you threaded under the praise
    assert command(f"/reply {numbers[praise['uri']]} Kiitos paljon!", 1).status == "done"
    replies = [r for r in list_records(server, brand["did"], "app.bsky.feed.post")
               if r["value"].get("reply", {}).get("parent", {}).get("uri") == praise["uri"]]
    assert [r["value"]["text"] for r in replies] == ["Kiitos paljon!"]
    assert replies[0]["value"]["reply"]["root"]["uri"] == post["uri"]

    # /hide N: the post's threadgate hides that reply
    assert command(f"/hide {numbers[cheers['uri']]}", 2).status == "done"
    gate = get_record(server, brand["did"], "app.bsky.feed.threadgate", post["uri"].rsplit("/", 1)[1])
    assert gate is not None and gate["value"]["hiddenReplies"] == [cheers["uri"]]

    # /flag N: an issue of its own, the text read again from the AppView
    assert command(f"/flag {numbers[praise['uri']]}", 3).status == "done"
    own = [json.loads(p.read_text()) for p in (root / ".socialops/outbox/issues").glob("*.json")]
    flagged = [i for i in own if any(c.comment.id == praise["uri"] for c in issue_comments(i["body"]))]
    assert len(flagged) == 1 and "```text\nParas joulumenu ikinä, kiitos! 😍\n```" in flagged[0]["body"]
    last = json.loads((root / ".socialops/outbox/issues" / f"{key}.json").read_text())["comments"][-1]
    assert f"issue #{flagged[0]['number']}" in last
    client.close()
