"""Metrics: each adapter's requests and parsing over documented payloads (removed metrics included), the
concurrent fetch (limits, retries, partial failure, resume, tokens), shards and merging. The CSV files:
test_metrics_tables.py."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
import time

import httpx
import pytest

from socialops.core.shards import parse_shard
from socialops.errors import UsageError
from socialops.metrics import budget, tables
from socialops.metrics import fetch as lib
from socialops.metrics.fetcher import Fetcher, ProfileRun
from socialops.networks.bluesky.metrics import bluesky_calls
from socialops.networks.instagram.metrics import instagram_calls
from socialops.networks.limits import Announced, announced_budget
from socialops.networks.mastodon.metrics import mastodon_statuses
from socialops.networks.types import Figures, MetricsCall, Publication, as_number
from socialops.repository.profiles import load_profile
from tests.metrics_support import (
    FB_POST,
    NOW,
    PUBLISHED,
    TOKENS,
    Budget,
    Recorder,
    add_post,
    by_key,
    fixture,
    graph_answer,
    mastodon_repo,
    mastodon_stand_in,
    max_in_window,
    publish,
    read_csv,
    repo_with,
    sandbox_posts,
)

IG_MEDIA = "17895695668004550"
LI_SHARE = "urn:li:share:7200000000000000001"
LI_UGC = "urn:li:ugcPost:7200000000000000002"
BSKY_URI = "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3l6oveex3ii2l"
REMOVED_META = {"impressions", "plays", "video_views", "engagement", "clips_replays_count",
                "ig_reels_aggregated_all_plays_count", "post_impressions", "post_impressions_unique",
                "post_impressions_paid_unique", "post_impressions_organic_unique", "page_impressions",
                "page_impressions_unique", "page_fans", "page_fans_country", "page_fans_city", "page_fan_adds",
                "page_engaged_users", "page_fans_gender_age", "page_video_views"}


# --- Facebook ------------------------------------------------------------------------------------------------------


def test_facebook_post_and_page_figures_from_documented_payloads(tmp_path):
    root = repo_with(tmp_path, "cafe-fb")
    add_post(root, "joulutori", ["cafe-fb"], type="video", pillar="events")
    publish(root, "joulutori", "cafe-fb", FB_POST, when=PUBLISHED)
    rec = Recorder(graph_answer())
    result = lib.fetch_metrics(root, now=NOW, env=TOKENS, transport=rec.transport())
    assert not result.failed, result.runs[0].failures
    post = read_csv(root / "metrics/posts.csv")[0]
    assert (post["profile"], post["post_id"], post["network"], post["type"], post["pillar"]) == \
        ("cafe-fb", "joulutori", "facebook", "video", "events")
    assert post["published_at"] == "2026-12-01T07:00:00Z"
    # reach = post_total_media_view_unique, views = post_media_view, likes = reactions (insights 75, fields 75),
    # link clicks from post_clicks_by_type, shares and comments from the post's fields
    assert (post["reach"], post["views"], post["likes"], post["comments"], post["shares"]) == \
        ("1520", "2210", "75", "14", "9")
    assert (post["link_clicks"], post["video_views"], post["saves"], post["quotes"]) == ("17", "640", "", "")
    assert post["engagement"] == "98" and post["rate_base"] == "reach"
    assert post["engagement_rate"] == str(round(98 / 1520, 4))
    followers = by_key(read_csv(root / "metrics/followers.csv"), "date", "profile")
    assert followers[("2026-12-02", "cafe-fb")]["followers"] == "4311"
    assert (followers[("2026-11-29", "cafe-fb")]["gained"], followers[("2026-11-29", "cafe-fb")]["lost"]) == ("12", "2")
    assert followers[("2026-11-30", "cafe-fb")]["gained"] == "7"
    audience = {(r["dimension"], r["bucket"]): r["value"] for r in read_csv(root / "metrics/audience.csv")}
    assert audience[("country", "FI")] == "3650" and audience[("city", "Espoo, Uusimaa, Finland")] == "540"
    asked = rec.metrics_asked()
    assert not asked & REMOVED_META, asked & REMOVED_META
    assert "post_video_views" in asked  # asked for a video post only


def test_facebook_removed_metric_costs_only_that_metric(tmp_path):
    root = repo_with(tmp_path, "cafe-fb")
    publish(root, "p1", "cafe-fb", FB_POST, when=PUBLISHED)
    # Meta retires post_media_view and page_follows_city: every list naming them is refused with code 100
    rec = Recorder(graph_answer(frozenset({"post_media_view", "page_follows_city"})))
    result = lib.fetch_metrics(root, now=NOW, env=TOKENS, transport=rec.transport())
    assert not result.failed
    post = read_csv(root / "metrics/posts.csv")[0]
    assert post["views"] == "" and post["reach"] == "1520" and post["likes"] == "75"
    missing = result.runs[0].figures.missing
    assert any("post_media_view not available" in m and "valid insights metric" in m for m in missing)
    audience = {(r["dimension"], r["bucket"]) for r in read_csv(root / "metrics/audience.csv")}
    assert ("country", "FI") in audience and not any(d == "city" for d, _ in audience)
    # the list was split into one request per metric after the refusal
    single = [r for r in rec.requests if rec.params(r).get("metric") == "post_total_media_view_unique"]
    assert len(single) == 1


def test_facebook_token_refusal_names_the_secret_and_stops_that_profile(tmp_path):
    root = repo_with(tmp_path, "cafe-fb", "cafe-masto")
    publish(root, "p1", "cafe-fb", FB_POST, when=PUBLISHED)
    rec = Recorder(graph_answer(fail={"104512345678901": 400, FB_POST: 400}))
    result = lib.fetch_metrics(root, now=NOW, env=TOKENS, transport=rec.transport(), profiles=["cafe-fb"])
    assert result.failed
    failures = result.runs[0].failures
    assert len(failures) == 1 and "FB_TOKEN" in failures[0]
    assert TOKENS["FB_TOKEN"] not in " ".join(failures)


def test_missing_token_is_a_failure_of_that_profile_only(tmp_path):
    root = repo_with(tmp_path, "cafe-fb", "cafe-ig")
    publish(root, "p1", "cafe-fb", FB_POST, when=PUBLISHED)
    publish(root, "p1", "cafe-ig", IG_MEDIA, when=PUBLISHED)
    env = {k: v for k, v in TOKENS.items() if k != "FB_TOKEN"}
    result = lib.fetch_metrics(root, now=NOW, env=env, transport=Recorder(graph_answer()).transport())
    assert result.failed
    runs = {r.id: r for r in result.runs}
    assert "FB_TOKEN" in runs["cafe-fb"].failures[0] and not runs["cafe-ig"].failures
    assert [r["profile"] for r in read_csv(root / "metrics/posts.csv")] == ["cafe-ig"]


# --- Instagram -----------------------------------------------------------------------------------------------------


def test_instagram_media_account_and_demographics(tmp_path):
    root = repo_with(tmp_path, "cafe-ig")
    add_post(root, "latte", ["cafe-ig"], type="reel", pillar="menu")
    publish(root, "latte", "cafe-ig", IG_MEDIA, when=PUBLISHED)
    rec = Recorder(graph_answer())
    result = lib.fetch_metrics(root, now=NOW, env=TOKENS, transport=rec.transport())
    assert not result.failed, result.runs[0].failures
    post = read_csv(root / "metrics/posts.csv")[0]
    assert (post["views"], post["reach"], post["likes"], post["comments"], post["shares"], post["saves"]) == \
        ("3890", "2410", "302", "22", "15", "48")  # likes: like_count 302 beats the insight's 301 (larger kept)
    assert post["video_views"] == "3890" and post["link_clicks"] == ""
    followers = by_key(read_csv(root / "metrics/followers.csv"), "date", "profile")
    today = followers[("2026-12-02", "cafe-ig")]
    assert (today["followers"], today["follows"], today["posts"]) == ("5120", "310", "415")
    assert followers[("2026-11-30", "cafe-ig")]["gained"] == "23"
    audience = {(r["dimension"], r["bucket"]): r["value"] for r in read_csv(root / "metrics/audience.csv")}
    assert audience[("age", "25-34")] == "1820" and audience[("gender", "U")] == "120"
    assert audience[("age_gender", "F:25-34")] == "1100" and audience[("age_gender", "M:25-34")] == "690"
    assert audience[("country", "SE")] == "320" and audience[("city", "Helsinki, Uusimaa")] == "2400"
    # online_followers (the documented shape: values[].value = {"0": n, ..., "23": n}) as online_hour buckets
    assert audience[("online_hour", "18")] == "1460" and audience[("online_hour", "03")] == "120"
    assert sum(1 for dimension, _ in audience if dimension == "online_hour") == 24
    online = [r for r in rec.requests if rec.params(r).get("metric") == "online_followers"]
    assert len(online) == 1 and rec.params(online[0])["period"] == "lifetime"
    asked = rec.metrics_asked()
    assert not asked & REMOVED_META
    breakdowns = {rec.params(r).get("breakdown") for r in rec.requests} - {None}
    assert breakdowns == {"age", "gender", "age,gender", "country", "city"}


def test_instagram_not_enough_viewers_and_removed_impressions_are_tolerated():
    calls = instagram_calls([Publication("s", "cafe-ig", "1789", type="story")], base="https://g/v26.0",
                                     user_id="1784", headers={}, now=NOW)
    expanded = calls[0]  # the media's fields and insights in one request
    assert expanded.params[0] == ("fields", "like_count,comments_count,insights.metric(views,reach,replies,shares)")
    instead = expanded.on_error(400, fixture("instagram/error_not_enough_viewers.json"))
    assert instead is not None and [c.name for c in instead.calls] == ["instagram media 1789 insights",
                                                                       "instagram media 1789 fields"]
    assert expanded.on_error(400, {"error": {"code": 4, "message": "(#4) Application request limit reached"}}) is None
    story = instead.calls[0]
    assert story.params[0] == ("metric", "views,reach,replies,shares")
    handled = story.on_error(400, fixture("instagram/error_not_enough_viewers.json"))
    assert handled is not None and len(handled.calls) == 4  # split per metric first
    single = handled.calls[0].on_error(400, fixture("instagram/error_not_enough_viewers.json"))
    assert single.missing == ["instagram media 1789 insights [views]: views not available (not enough viewers yet)"]
    removed = handled.calls[1].on_error(400, fixture("instagram/error_impressions_removed.json"))
    assert "no longer supported" in removed.missing[0]
    # a throttling or token error is not a metric refusal: the network's error mapping decides
    assert story.on_error(400, {"error": {"code": 4, "message": "(#4) Application request limit reached"}}) is None
    assert story.on_error(400, fixture("facebook/error_token.json")) is None


# --- LinkedIn ------------------------------------------------------------------------------------------------------


def test_linkedin_statistics_followers_and_demographics(tmp_path):
    root = repo_with(tmp_path, "cafe-li")
    publish(root, "a", "cafe-li", LI_SHARE, when=PUBLISHED)
    publish(root, "b", "cafe-li", LI_UGC, when=PUBLISHED)

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers["LinkedIn-Version"] == "202606"
        assert request.headers["X-Restli-Protocol-Version"] == "2.0.0"
        path, query = request.url.path, request.url.query.decode()
        if path.endswith("/organizationalEntityShareStatistics"):
            assert "shares=List(urn%3Ali%3Ashare%3A7200000000000000001)" in query
            assert "ugcPosts=List(urn%3Ali%3AugcPost%3A7200000000000000002)" in query
            return httpx.Response(200, json=fixture("linkedin/share_statistics.json"))
        if path.startswith("/rest/networkSizes/urn%3Ali%3Aorganization%3A98765432") or \
                path.startswith("/rest/networkSizes/urn:li:organization:98765432"):
            return httpx.Response(200, json=fixture("linkedin/network_size.json"))
        if path.endswith("/organizationalEntityFollowerStatistics"):
            if "timeIntervals=(timeRange:(start:" in query:
                return httpx.Response(200, json=fixture("linkedin/follower_gains.json"))
            return httpx.Response(200, json=fixture("linkedin/follower_demographics.json"))
        return httpx.Response(404, json={"status": 404, "message": "Not Found"})

    result = lib.fetch_metrics(root, now=NOW, env=TOKENS, transport=httpx.MockTransport(answer))
    assert not result.failed, result.runs[0].failures
    posts = by_key(read_csv(root / "metrics/posts.csv"), "post_id")
    a = posts[("a",)]
    assert (a["views"], a["reach"], a["likes"], a["comments"], a["shares"], a["link_clicks"]) == \
        ("1302", "812", "41", "6", "3", "64")
    assert posts[("b",)]["reach"] == "455"
    followers = by_key(read_csv(root / "metrics/followers.csv"), "date", "profile")
    assert followers[("2026-12-02", "cafe-li")]["followers"] == "1870"
    assert followers[("2026-11-30", "cafe-li")]["gained"] == "6"
    audience = {(r["dimension"], r["bucket"]): r["value"] for r in read_csv(root / "metrics/audience.csv")}
    assert audience[("country", "urn:li:geo:100456013")] == "1520"
    assert audience[("company_size", "SIZE_11_TO_50")] == "520"
    assert {d for d, _ in audience} == {"country", "region", "industry", "seniority", "function", "company_size"}


# --- Mastodon and Bluesky ----------------------------------------------------------------------------------------


def test_mastodon_counts_followers_and_a_deleted_status(tmp_path):
    root = repo_with(tmp_path, "cafe-masto")
    publish(root, "a", "cafe-masto", "113500000000000001", when=PUBLISHED)
    publish(root, "b", "cafe-masto", "113500000000000002", when=PUBLISHED)

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer masto-secret-token"
        if request.url.path == "/api/v1/statuses/113500000000000001":
            return httpx.Response(200, json=fixture("mastodon/status.json"))
        if request.url.path == "/api/v1/accounts/verify_credentials":
            return httpx.Response(200, json=fixture("mastodon/account.json"))
        return httpx.Response(404, json=fixture("mastodon/error_not_found.json"))

    result = lib.fetch_metrics(root, now=NOW, env=TOKENS, transport=httpx.MockTransport(answer))
    assert not result.failed
    posts = by_key(read_csv(root / "metrics/posts.csv"), "post_id")
    a = posts[("a",)]
    assert (a["likes"], a["comments"], a["shares"], a["quotes"], a["status"]) == ("37", "4", "11", "2", "live")
    assert (a["views"], a["reach"], a["saves"]) == ("", "", "")  # Mastodon has none of these
    assert posts[("b",)]["status"] == "deleted"
    today = by_key(read_csv(root / "metrics/followers.csv"), "date", "profile")[("2026-12-02", "cafe-masto")]
    assert (today["followers"], today["follows"], today["posts"], today["gained"]) == ("812", "96", "233", "")
    # engagement 54 over the followers on the day of publication (no reach on Mastodon)
    assert a["engagement"] == "54" and a["rate_base"] == "followers"
    assert a["engagement_rate"] == str(round(54 / 812, 4))
    assert not (root / "metrics/audience.csv").exists()


def test_bluesky_session_then_posts_and_profile(tmp_path):
    root = repo_with(tmp_path, "cafe-bsky")
    publish(root, "a", "cafe-bsky", BSKY_URI, when=PUBLISHED)
    session = {"accessJwt": "jwt-access-abcdef", "refreshJwt": "jwt-refresh-abcdef",
               "did": "did:plc:ewvi7nxzyoun6zhxrhs64oiz", "handle": "kahvila.example"}
    sync = httpx.Client(transport=httpx.MockTransport(
        lambda r: httpx.Response(200, json=session) if r.url.path.endswith("createSession") else
        httpx.Response(404)))

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer jwt-access-abcdef"
        if request.url.path == "/xrpc/app.bsky.feed.getPosts":
            assert request.url.params.get_list("uris") == [BSKY_URI]
            return httpx.Response(200, json=fixture("bluesky/get_posts.json"))
        if request.url.path == "/xrpc/app.bsky.actor.getProfile":
            assert request.url.params["actor"] == session["did"]
            return httpx.Response(200, json=fixture("bluesky/get_profile.json"))
        return httpx.Response(400, json={"error": "InvalidRequest", "message": "no"})

    try:
        result = lib.fetch_metrics(root, now=NOW, env=TOKENS, transport=httpx.MockTransport(answer), sync_client=sync)
    finally:
        sync.close()
    assert not result.failed, result.runs[0].failures
    post = read_csv(root / "metrics/posts.csv")[0]
    assert (post["likes"], post["comments"], post["shares"], post["quotes"], post["saves"]) == ("52", "3", "8", "1", "4")
    today = by_key(read_csv(root / "metrics/followers.csv"), "date", "profile")[("2026-12-02", "cafe-bsky")]
    assert (today["followers"], today["follows"], today["posts"]) == ("640", "120", "88")


def test_bluesky_asks_25_posts_a_call():
    pubs = [Publication(f"p{i}", "x", f"at://did:plc:x/app.bsky.feed.post/{i:03d}") for i in range(60)]
    calls = bluesky_calls(pubs, service="https://pds", actor="did:plc:x", headers={})
    assert [len(c.params) for c in calls] == [25, 25, 10, 1]


def test_figures_merge_is_the_same_in_any_order():
    a = Figures()
    a.post("1", "likes", 5)
    a.audience["age"] = {"18-24": 3}
    b = Figures()
    b.post("1", "likes", 7)
    b.post("1", "shares", {"organic": 2, "paid": 1})
    one = Figures().merge(a).merge(b)
    two = Figures().merge(b).merge(a)
    assert one.posts == two.posts == {"1": {"likes": 7, "shares": 3}}
    assert as_number(True) is None and as_number("12") == 12 and as_number("x") is None


# --- the fetch: concurrency, limits, failures, resume -----------------------------------------------------------


def test_requests_are_concurrent_and_the_rate_limit_holds(tmp_path):
    # 60 statuses: three calls of 20 (GET /api/v1/statuses?id[]=, Mastodon 4.3+) and the account. The first call
    # goes alone (it learns the budget); the stand-in then holds each request until three are inside at once, so
    # a client sending them one after another shows max_concurrent 1, whatever the machine's load.
    with mastodon_stand_in(delay=0.05, gate=3) as server:
        root = mastodon_repo(tmp_path / "repo", server.url, 60, start=PUBLISHED - dt.timedelta(days=3))
        result = lib.fetch_metrics(root, now=NOW, env=TOKENS,
                                   limits={"mastodon": budget.Limit(10_000, 1.0, concurrency=20)})
        assert not result.failed and result.requests == 4
        assert server.max_concurrent == 3
        asked = server.asked_ids()
        assert sorted(len(ids) for ids in asked) == [20, 20, 20]
        assert sorted(i for ids in asked for i in ids) == [f"1135{i:08d}" for i in range(60)]
    # 400 statuses under a configured 10 a second: 21 requests, never more than 10 starts within a second (the
    # starts the limiter stamped when it let each request go: what it decides on, so no thread's delay blurs it)
    with mastodon_stand_in(delay=0.01) as server:
        root = mastodon_repo(tmp_path / "repo2", server.url, 400, start=PUBLISHED - dt.timedelta(days=3))
        result = lib.fetch_metrics(root, now=NOW, env=TOKENS, limits={"mastodon": budget.Limit(10, 1.0, 20)})
        assert not result.failed
        (starts,) = result.starts.values()
        assert len(starts) == len(server.paths) == result.requests == 21
        assert max_in_window(starts, 1.0) <= 10
        assert len(read_csv(root / "metrics/posts.csv")) == 400


def test_an_announced_budget_is_never_exceeded_and_the_rest_waits_for_the_next_run(tmp_path):
    # The server allows 5 requests in a window that resets in an hour; the built-in budget (300 per 5 min)
    # would send all 11. The client learns the budget from the first answer and stops at 5: nothing refused.
    with mastodon_stand_in(budget=Budget(5, 3600.0)) as server:
        root = mastodon_repo(tmp_path / "repo", server.url, 200, start=PUBLISHED - dt.timedelta(days=3))
        result = lib.fetch_metrics(root, now=NOW, env=TOKENS)
        assert server.budget.refused == 0 and result.refused == 0
        assert len(server.paths) == result.requests == 5
        assert result.failed
        assert any("budget is spent" in m and "the next run fetches the rest" in m for m in result.runs[0].failures)
        assert (root / budget.JOURNAL).exists()


def test_a_budget_announced_per_second_holds_over_many_windows(tmp_path):
    with mastodon_stand_in(delay=0.01, budget=Budget(4, 1.0)) as server:
        root = mastodon_repo(tmp_path / "repo", server.url, 200, start=PUBLISHED - dt.timedelta(days=3))
        result = lib.fetch_metrics(root, now=NOW, env=TOKENS)
        assert not result.failed, result.runs[0].failures
        assert server.budget.refused == 0 and result.refused == 0
        assert len(server.paths) == result.requests == 11
        assert len(read_csv(root / "metrics/posts.csv")) == 200


def test_partial_failure_keeps_what_was_fetched_and_a_rerun_fetches_only_the_rest(tmp_path):
    ids = [f"1135{i:08d}" for i in range(25)]
    with mastodon_stand_in(failing={"113500000003"}) as server:  # the call asking for it fails: 20 of 25
        root = mastodon_repo(tmp_path / "repo", server.url, 25, start=PUBLISHED)
        first = lib.fetch_metrics(root, now=NOW, env=TOKENS, backoff=0.01)
        assert first.failed
        assert any("statuses (20)" in m and "503" in m for m in first.runs[0].failures)
        rows = by_key(read_csv(root / "metrics/posts.csv"), "post_id")
        assert sorted(rows) == [(f"post-{i:05d}",) for i in range(20, 25)]
        assert (root / budget.JOURNAL).exists()
        server.failing.clear()
        server.paths.clear()
        second = lib.fetch_metrics(root, now=NOW + dt.timedelta(hours=1), env=TOKENS)
        assert not second.failed
        assert server.asked_ids() == [ids[:20]] and len(server.paths) == 1  # only what failed (not the account)
        assert len(read_csv(root / "metrics/posts.csv")) == 25
        assert not (root / budget.JOURNAL).exists()  # nothing left to resume: the next run fetches everything
        server.paths.clear()
        lib.fetch_metrics(root, now=NOW + dt.timedelta(hours=2), env=TOKENS)
        assert len(server.paths) == 3


def test_a_server_older_than_4_3_is_asked_status_by_status(tmp_path):
    with mastodon_stand_in(failing={"113500000003"}, multi=False) as server:
        root = mastodon_repo(tmp_path / "repo", server.url, 6, start=PUBLISHED)
        first = lib.fetch_metrics(root, now=NOW, env=TOKENS, backoff=0.01)
        assert first.failed
        assert any("113500000003" in m and "503" in m for m in first.runs[0].failures)
        assert server.paths[0].startswith("/api/v1/statuses?id%5B%5D=")  # 404 there: one by one
        rows = by_key(read_csv(root / "metrics/posts.csv"), "post_id")
        assert sorted(rows) == [(f"post-{i:05d}",) for i in (0, 1, 2, 4, 5)]
        server.failing.clear()
        server.paths.clear()
        second = lib.fetch_metrics(root, now=NOW + dt.timedelta(hours=1), env=TOKENS)
        assert not second.failed
        assert server.paths == ["/api/v1/statuses/113500000003"]  # only what failed (the account was fetched)
        assert len(read_csv(root / "metrics/posts.csv")) == 6


def test_a_status_missing_from_the_batch_answer_is_gone():
    figures = Figures()
    mastodon_statuses(["1", "2"], [fixture("mastodon/status.json") | {"id": "1"}], figures)
    assert set(figures.posts) == {"1"} and figures.gone == {"2"}


def test_retry_after_pauses_the_network_then_succeeds(tmp_path):
    root = repo_with(tmp_path, "cafe-masto")
    publish(root, "a", "cafe-masto", "113500000000000001", when=PUBLISHED)
    seen: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(time.monotonic())
        if len(seen) == 1:
            return httpx.Response(429, headers={"Retry-After": "0.3"}, json={"error": "Too many requests"})
        if request.url.path.endswith("verify_credentials"):
            return httpx.Response(200, json=fixture("mastodon/account.json"))
        return httpx.Response(200, json=fixture("mastodon/status.json"))

    result = lib.fetch_metrics(root, now=NOW, env=TOKENS, transport=httpx.MockTransport(answer),
                               limits={"mastodon": budget.Limit(100, 1.0, concurrency=1)})
    assert not result.failed
    assert seen[1] - seen[0] >= 0.3


def test_a_long_rate_limit_wait_fails_the_rest_of_that_network_quickly(tmp_path):
    root = repo_with(tmp_path, "cafe-masto")
    for i in range(5):
        publish(root, f"p{i}", "cafe-masto", f"11350000000000000{i}", when=PUBLISHED)
    calls = []

    def answer(request):
        calls.append(request)
        return httpx.Response(429, headers={"Retry-After": "3600"}, json={"error": "Too many requests"})

    started = time.monotonic()
    result = lib.fetch_metrics(root, now=NOW, env=TOKENS, transport=httpx.MockTransport(answer), max_wait=5,
                               limits={"mastodon": budget.Limit(100, 1.0, concurrency=1)})
    assert time.monotonic() - started < 3
    assert result.failed and len(calls) == 1
    assert any("3600" in m for m in result.runs[0].failures)


def test_limiter_window_counts_starts():
    async def run() -> list[float]:
        limiter = budget.Limiter(budget.Limit(5, 0.5, concurrency=50))
        async def one():
            async with limiter:
                await asyncio.sleep(0)
        await asyncio.gather(*(one() for _ in range(12)))
        return limiter.starts

    starts = asyncio.run(run())
    assert len(starts) == 12
    for i in range(len(starts) - 5):
        assert starts[i + 5] - starts[i] >= 0.5


def test_limiter_allowance_from_answers_that_come_back_out_of_order():
    # A limit of 5 per hour: the first answer says 4 left; two requests go, then a third. The answer counting all
    # four (1 left) comes back before an older one (2 left) while that older request is still on its way: the
    # server named its limit, so it has counted 4 = every start; 1 is left, and the late, larger figure is old.
    clock = [0.0]
    limiter = budget.Limiter(budget.Limit(300, 300.0), clock=lambda: clock[0])
    limiter.in_flight = 1
    limiter.window_starts = 1
    limiter.learn(Announced(4, 3600.0, 5))
    assert limiter.allowance == 4
    limiter.in_flight, limiter.window_starts, limiter.allowance = 2, 4, 1  # three more went out
    limiter.learn(Announced(1, 3600.0, 5))
    assert limiter.allowance == 1
    limiter.in_flight = 1
    limiter.learn(Announced(2, 3600.0, 5))
    assert limiter.allowance == 1
    # No limit named: every other request on its way may be uncounted.
    unnamed = budget.Limiter(budget.Limit(300, 300.0), clock=lambda: clock[0])
    unnamed.in_flight, unnamed.window_starts = 3, 3
    unnamed.learn(Announced(4, 3600.0))
    assert unnamed.allowance == 2


@pytest.mark.parametrize("text, expected", [
    ("mastodon=20/s", ("mastodon", budget.Limit(20, 1.0, 8))),
    ("bluesky=3000/300s", ("bluesky", budget.Limit(3000, 300.0, 8))),
    ("linkedin=5/s,c=2", ("linkedin", budget.Limit(5, 1.0, 2))),
    ("facebook=200/h", ("facebook", budget.Limit(200, 3600.0, 8))),
])
def test_parse_rate(text, expected):
    assert budget.parse_rate(text) == expected


@pytest.mark.parametrize("text", ["", "mastodon", "mastodon=0/s", "mastodon=5/0s", "=5/s"])
def test_parse_rate_refuses(text):
    with pytest.raises(UsageError):
        budget.parse_rate(text)


# --- shards --------------------------------------------------------------------------------------------------------


def test_shards_split_profiles_and_merged_parts_equal_one_run(tmp_path):
    from tests.helpers import PROFILES
    from tests.helpers import make_repo as sandbox_repo

    src = sandbox_repo(tmp_path / "src", profiles=PROFILES)
    sandbox_db = tmp_path / "sandbox.sqlite"
    env = {"SOCIALOPS_SANDBOX": str(sandbox_db)}
    sandbox_posts(src, env)
    profiles = {pid: object() for pid in PROFILES}
    shards = [[p for p in lib.select_profiles(profiles, None, (i, 3))] for i in (1, 2, 3)]
    assert sorted(x for s in shards for x in map(id, s)) == sorted(map(id, profiles.values()))
    assert all(len(s) in (1, 2) for s in shards)

    whole = tmp_path / "whole"
    shutil.copytree(src, whole)
    lib.fetch_metrics(whole, now=NOW + dt.timedelta(days=2), env=env)
    sharded = tmp_path / "sharded"
    shutil.copytree(src, sharded)
    parts = []
    for i in (1, 2, 3):
        part = tmp_path / f"part{i}"
        result = lib.fetch_metrics(sharded, now=NOW + dt.timedelta(days=2), env=env, shard=(i, 3), out=part)
        assert not result.changed and not (sharded / "metrics").exists()
        parts.append(part)
    tables.merge_fragments(sharded, parts)
    for name in ("posts.csv", "followers.csv", "audience.csv"):
        assert (sharded / "metrics" / name).read_text() == (whole / "metrics" / name).read_text()


@pytest.mark.parametrize("text", ["0/3", "4/3", "x", "1/0", "1-2"])
def test_parse_shard_refuses(text):
    with pytest.raises(UsageError):
        parse_shard(text)


def test_publications_come_from_the_ledger_within_the_window(tmp_path):
    root = repo_with(tmp_path, "cafe-masto")
    add_post(root, "new", ["cafe-masto"], type="image", pillar="events")
    publish(root, "new", "cafe-masto", "1", when=PUBLISHED)
    publish(root, "old", "cafe-masto", "2", when=PUBLISHED - dt.timedelta(days=200))
    publish(root, "future", "cafe-masto", "3", when=NOW + dt.timedelta(days=1))
    from socialops.repository.config import load_config

    config = load_config(root)
    pubs = lib.publications(root, config.profiles.values(), config.tz, now=NOW)["cafe-masto"]
    assert [(p.post_id, p.type, p.pillar) for p in pubs] == [("new", "image", "events")]
    everything = lib.publications(root, config.profiles.values(), config.tz, now=NOW, since_days=None)
    assert [p.post_id for p in everything["cafe-masto"]] == ["new", "old"]


def test_unknown_profile_is_a_usage_error(tmp_path):
    root = repo_with(tmp_path, "cafe-masto")
    with pytest.raises(UsageError, match="nobody"):
        lib.fetch_metrics(root, now=NOW, env=TOKENS, profiles=["nobody"])


# --- as few requests as each API allows; the budget announced in every answer -------------------------------------


def test_graph_calls_go_fifty_to_a_batch_request(tmp_path):
    root = repo_with(tmp_path, "cafe-fb")
    posts = [f"104512345678901_1221000000000000{i:02d}" for i in range(60)]
    for i, remote_id in enumerate(posts):
        publish(root, f"p{i}", "cafe-fb", remote_id, when=PUBLISHED)
    rec = Recorder(graph_answer())
    result = lib.fetch_metrics(root, now=NOW, env=TOKENS, transport=rec.transport())
    assert not result.failed, result.runs[0].failures
    # one request per post (its fields and insights by field expansion) and 3 for the page: 63 in 2
    assert [len(b) for b in rec.batches] == [50, 13]
    assert result.requests == 2
    rows = read_csv(root / "metrics/posts.csv")
    assert len(rows) == 60 and {r["reach"] for r in rows} == {"1520"} and {r["shares"] for r in rows} == {"9"}


def test_a_request_graph_did_not_complete_in_a_batch_goes_again_alone(tmp_path):
    root = repo_with(tmp_path, "cafe-fb")
    publish(root, "p1", "cafe-fb", FB_POST, when=PUBLISHED)
    answer = graph_answer()
    refused: list[str] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(FB_POST) and not refused:
            refused.append(str(request.url))  # throttled once inside the batch (code 4: app request limit)
            return httpx.Response(400, json={"error": {"message": "(#4) Application request limit reached",
                                                       "type": "OAuthException", "code": 4}})
        return answer(request)

    rec = Recorder(flaky)
    result = lib.fetch_metrics(root, now=NOW, env=TOKENS, transport=rec.transport(), backoff=0.01)
    assert not result.failed, result.runs[0].failures
    assert len(rec.batches) == 1 and result.requests == 2  # the batch, then the refused one on its own
    assert read_csv(root / "metrics/posts.csv")[0]["reach"] == "1520"


def test_graph_usage_near_the_ceiling_stops_the_rest_of_the_calls(tmp_path):
    root = repo_with(tmp_path, "cafe-fb")
    publish(root, "p1", "cafe-fb", FB_POST, when=PUBLISHED)
    usage = json.dumps({"104512345678901": [{"type": "pages", "call_count": 96, "total_cputime": 10,
                                             "total_time": 12, "estimated_time_to_regain_access": 30}]})
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"id": "x"}, headers={"X-Business-Use-Case-Usage": usage})

    calls = [MetricsCall(name=f"c{i}", url=f"https://graph.facebook.com/v26.0/{i}") for i in range(3)]
    fetcher = Fetcher(transport=httpx.MockTransport(answer))
    run = ProfileRun(profile=load_profile(root, "profiles/cafe-fb.yaml"), publications=[])
    asyncio.run(fetcher.run([(run, calls)]))
    assert len(sent) == 1  # the first answer said 96 % of the budget is used, for 30 minutes
    assert len(run.failures) == 1 and "budget is spent for 1800 s" in run.failures[0]


@pytest.mark.parametrize("headers, expected", [
    ({"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "299", "X-RateLimit-Reset": "2026-12-02T06:05:00.000000Z"},
     Announced(299, 300.0, 300)),
    ({"RateLimit-Limit": "3000", "RateLimit-Remaining": "2999", "RateLimit-Reset": str(int(NOW.timestamp()) + 60),
      "RateLimit-Policy": "3000;w=300"}, Announced(2999, 60.0, 3000, 300.0)),
    ({"X-App-Usage": '{"call_count": 40, "total_cputime": 5, "total_time": 8}'}, None),
    ({"X-App-Usage": '{"call_count": 92, "total_cputime": 5, "total_time": 8}'}, Announced(0, 3600.0)),
    ({"X-Business-Use-Case-Usage": '{"1": [{"type": "pages", "call_count": 100, "total_cputime": 1, '
                                   '"total_time": 1, "estimated_time_to_regain_access": 12}]}'}, Announced(0, 720.0)),
    ({"Content-Type": "application/json"}, None),
])
def test_the_budget_announced_in_an_answer(headers, expected):
    assert announced_budget(httpx.Headers(headers), NOW) == expected
