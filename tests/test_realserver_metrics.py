"""Metrics against the real Bluesky network from @atproto/dev-env (tests/servers): a post published through
BlueskyNetwork, liked, reposted and its author followed by a second account, seen in metrics/*.csv through
the PDS, which forwards app.bsky.feed.getPosts and app.bsky.actor.getProfile to the AppView.

Without an AppView (the bare PDS) the same fetch must fail in part, say so, and write nothing false."""

from __future__ import annotations

import datetime as dt
import time

import httpx
import pytest

from socialops.content.render import Rendered
from socialops.metrics import budget
from socialops.metrics import fetch as lib
from socialops.networks.bluesky.adapter import BlueskyNetwork
from socialops.networks.types import PublishRequest
from socialops.repository.profiles import load_profile
from tests.metrics_support import add_post, make_repo, publish, read_csv
from tests.servers import launch

pytestmark = pytest.mark.bluesky


def _repo(tmp_path, server, account):
    root = make_repo(tmp_path / "repo", {"brand-bsky": f"network: bluesky\naccount: {account['handle']}\n"
                                                       f"service: {server['url']}\ntoken_env: BRAND_APP_PASSWORD\n"})
    return root, {"BRAND_APP_PASSWORD": account["password"]}


def _publish(root, env, text: str) -> tuple[str, str, dt.datetime]:
    profile = load_profile(root, "profiles/brand-bsky.yaml")
    rendered = Rendered(profile_id=profile.id, network="bluesky", type="text", text=text, length=len(text),
                        limit=300)
    with httpx.Client(timeout=30) as client, BlueskyNetwork(profile, env=env, client=client) as net:
        result = net.publish(PublishRequest(post_id="hello", profile_id=profile.id,
                                            idempotency_key=f"metrics-{time.time_ns()}", rendered=rendered))
    when = dt.datetime.now(dt.UTC)
    add_post(root, "hello", ["brand-bsky"], type="text", pillar="events", at=when.strftime("%Y-%m-%d %H:%M"))
    publish(root, "hello", "brand-bsky", result.remote_id, when=when, url=result.url)
    return result.remote_id, result.extra["cid"], when


def _xrpc(server, account, nsid: str, body: dict) -> dict:
    with httpx.Client(base_url=server["url"], timeout=30) as client:
        session = client.post("/xrpc/com.atproto.server.createSession",
                              json={"identifier": account["handle"], "password": account["password"]})
        session.raise_for_status()
        jwt = session.json()["accessJwt"]
        response = client.post(f"/xrpc/{nsid}", json=body, headers={"Authorization": f"Bearer {jwt}"})
        response.raise_for_status()
        return response.json()


def _record(server, account, collection: str, record: dict) -> dict:
    return _xrpc(server, account, "com.atproto.repo.createRecord",
                 {"repo": account["did"], "collection": collection,
                  "record": {"$type": collection, "createdAt": dt.datetime.now(dt.UTC).isoformat(), **record}})


def _wait_for(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.3)


def test_likes_reposts_and_followers_reach_the_csvs(bluesky_appview, tmp_path):
    server = bluesky_appview
    brand = launch.new_bluesky_account(server, "brand")
    fan = launch.new_bluesky_account(server, "fan")
    root, env = _repo(tmp_path, server, brand)
    uri, cid, published = _publish(root, env, "Glögikurssi tänään klo 18! ☕")

    def indexed() -> dict | None:
        r = httpx.get(f"{server['appview_url']}/xrpc/app.bsky.feed.getPosts", params={"uris": uri}, timeout=10)
        posts = r.json().get("posts") if r.status_code == 200 else None
        return posts[0] if posts else None

    assert _wait_for(indexed), "the AppView never indexed the post"
    first = lib.fetch_metrics(root, now=published + dt.timedelta(minutes=1), env=env)
    assert not first.failed, first.runs[0].failures
    post = read_csv(root / "metrics/posts.csv")[0]
    assert (post["remote_id"], post["likes"], post["shares"], post["comments"]) == (uri, "0", "0", "0")
    assert (post["views"], post["reach"]) == ("", "")  # Bluesky has no views or reach

    _record(server, fan, "app.bsky.feed.like", {"subject": {"uri": uri, "cid": cid}})
    _record(server, fan, "app.bsky.feed.repost", {"subject": {"uri": uri, "cid": cid}})
    _record(server, fan, "app.bsky.graph.follow", {"subject": brand["did"]})
    seen = _wait_for(lambda: (p := indexed()) and p.get("likeCount") == 1 and p.get("repostCount") == 1)
    assert seen, f"the AppView did not count the like and the repost: {indexed()}"

    later = published + dt.timedelta(days=1)
    second = lib.fetch_metrics(root, now=later, env=env)
    assert not second.failed, second.runs[0].failures
    post = read_csv(root / "metrics/posts.csv")[0]
    assert (post["likes"], post["shares"], post["quotes"], post["engagement"]) == ("1", "1", "0", "2")
    # no rate: Bluesky has no reach or views, and the account had no followers on the day it posted
    assert (post["engagement_rate"], post["rate_base"]) == ("", "")
    assert post["updated"] == later.astimezone(lib_tz()).date().isoformat()
    followers = {r["date"]: r for r in read_csv(root / "metrics/followers.csv") if r["profile"] == "brand-bsky"}
    today = followers[later.astimezone(lib_tz()).date().isoformat()]
    assert (today["followers"], today["follows"], today["posts"]) == ("1", "0", "1")
    assert followers[(published + dt.timedelta(minutes=1)).astimezone(lib_tz()).date().isoformat()]["followers"] == "0"
    assert brand["password"] not in (root / "metrics/posts.csv").read_text()


def test_without_an_appview_the_fetch_fails_in_part_and_writes_nothing_false(bluesky_pds, bluesky_account, tmp_path):
    root, env = _repo(tmp_path, bluesky_pds, bluesky_account)
    _uri, _cid, published = _publish(root, env, "Vain PDS: ei AppView'tä")
    result = lib.fetch_metrics(root, now=published + dt.timedelta(minutes=1), env=env, backoff=0.01)
    assert result.failed
    failures = " ".join(result.runs[0].failures)
    assert "bluesky getPosts" in failures and "bluesky getProfile" in failures
    assert bluesky_account["password"] not in failures
    assert not (root / "metrics" / "posts.csv").exists()
    assert (root / budget.JOURNAL).exists()  # the next run today tries again


def lib_tz():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Helsinki")
