"""Mentions of a LinkedIn page (networks/linkedin/mentions.py) over httpx.MockTransport, with payloads shaped as
LinkedIn documents them (tests/fixtures/linkedin/README.md): the notifications finder, its paging and time
window, the mentioning post's and comment's text, /reply as a comment, and exactly once across two comments
runs. Every request is judged by LinkedIn's official client (tests/contract/restli.py)."""

from __future__ import annotations

import datetime as dt
import json
import re

import httpx
import pytest

from socialops.community.commands import run_moderate
from socialops.community.fetch import run_comments
from socialops.community.issues import issue_comments
from socialops.networks.linkedin import mentions
from socialops.networks.linkedin.adapter import encode_urn
from socialops.networks.linkedin.little import escape_commentary
from socialops.networks.types import UnsupportedAction
from socialops.tracker.outbox import OutboxTracker
from tests.comments_support import outbox
from tests.test_linkedin import NOW, ORG, LinkedIn, fx, network

NOTES = "/rest/organizationalEntityNotifications"
SHARE_1, SHARE_2 = "urn:li:share:7268000000000000001", "urn:li:share:7268000000000000002"
ACTIVITY = "urn:li:activity:7266000000000000009"
COMMENT = f"urn:li:comment:({ACTIVITY},7268000000000000201)"
HOSTILE = "@everyone <img src=x onerror=alert(1)> ::add-mask::x ${{ secrets.X }} [x](https://evil.example)"
POSTS_EMPTY = {"paging": {"start": 0, "count": 50, "total": 0}, "elements": []}


def ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def post(urn: str, author: str, commentary: str, created: int) -> dict:
    return {**fx("post_mentioning.json"), "id": urn, "author": author, "commentary": commentary,
            "createdAt": created, "lastModifiedAt": created}


def posts_route(posts: dict[str, dict], own: dict | None = None):
    """GET /rest/posts: a batch get (``ids=List(...)``, Rest.li's BATCH_GET answer: ``results`` and ``errors``
    by key) or the page's own posts (``q=author``)."""
    from urllib.parse import unquote

    def answer(request: httpx.Request) -> httpx.Response:
        if "ids" not in request.url.params:
            return httpx.Response(200, json=own or POSTS_EMPTY)
        asked = unquote(request.url.params["ids"].removeprefix("List(").removesuffix(")")).split(",")
        return httpx.Response(200, json={
            "results": {u: posts[u] for u in asked if u in posts}, "statuses": {u: 200 for u in asked if u in posts},
            "errors": {u: {"status": 404, "message": "Not Found"} for u in asked if u not in posts}})
    return answer


def api_with_mentions(second_post: dict | None = None, own: dict | None = None) -> LinkedIn:
    posts = {SHARE_1: fx("post_mentioning.json"), **({SHARE_2: second_post} if second_post else {})}
    return (LinkedIn()
            .on("GET", NOTES, fx("notifications_mentions_1.json"), fx("notifications_mentions_2.json"))
            .on("GET", "/rest/posts", posts_route(posts, own))
            .on("GET", f"/rest/socialActions/{encode_urn(ACTIVITY)}/comments/7268000000000000201",
                fx("comment_mentioning.json")))


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(mentions, "PAGE", 2)


def test_mentions_are_read_page_by_page_within_the_window_with_their_text(small_pages):
    api = api_with_mentions()
    since = NOW - dt.timedelta(days=30)
    found = network(api).list_mentions(since=since)
    asked = api.sent("GET", NOTES)
    assert [(r.url.params["start"], r.url.params["count"]) for r in asked] == [("0", "2"), ("2", "2")]
    query = asked[0].url.raw_path.decode().split("?", 1)[1]
    assert "actions=List(SHARE_MENTION,COMMENT_MENTION)" in query.split("&")
    assert f"timeRange=(start:{ms(since)},end:{ms(NOW)})" in query.split("&")
    assert asked[0].url.params["q"] == "criteria" and asked[0].url.params["organizationalEntity"] == ORG
    assert [(c.id, c.ref["on"]) for c in found] == [(SHARE_1, "post"), (COMMENT, "comment")]  # SHARE_2 deleted
    (batch,) = api.sent("GET", "/rest/posts")  # the posts of both pages in one batch get
    assert batch.url.raw_path.decode().endswith(f"/rest/posts?ids=List({encode_urn(SHARE_1)},{encode_urn(SHARE_2)})")
    share, comment = found
    assert share.text == ("Paras joulukahvi on @Kahvila Aurinko! Onko teillä gluteenitonta piparia? #joulu "
                          "(kysyn kaverille)")
    assert (share.author_id, share.post_remote_id, share.ref["kind"]) == ("urn:li:person:AbC1", SHARE_1, "mention")
    assert share.created_at == dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
    assert share.url == f"https://www.linkedin.com/feed/update/{SHARE_1}/"
    assert comment.text == "Kysytään @Kahvila Aurinko: onko huomenna auki?"
    assert (comment.author_id, comment.post_remote_id) == ("urn:li:person:XyZ9", "urn:li:share:7266000000000000009")
    assert comment.url == f"https://www.linkedin.com/feed/update/{ACTIVITY}/"


def test_the_window_reaches_back_at_most_the_60_days_linkedin_keeps_and_own_and_old_posts_are_left_out():
    own = post(SHARE_2, ORG, "Me @[Kahvila Aurinko](urn:li:organization:2414183)", ms(NOW - dt.timedelta(hours=1)))
    api = api_with_mentions(own)
    api.routes[("GET", NOTES)] = [{"elements": [*fx("notifications_mentions_1.json")["elements"][:1],
                                                *fx("notifications_mentions_2.json")["elements"]]}]
    found = network(api).list_mentions(since=NOW - dt.timedelta(days=90))
    window = api.sent("GET", NOTES)[0].url.raw_path.decode()
    assert f"timeRange=(start:{ms(NOW - dt.timedelta(days=60))},end:{ms(NOW)})" in window
    assert [c.id for c in found] == [SHARE_1]  # the page's own post naming itself is not a mention
    assert network(api).list_mentions(since=NOW - dt.timedelta(hours=2)) == []  # SHARE_1 is older


def test_a_token_without_the_admin_right_is_a_warning_that_says_what_to_do():
    api = LinkedIn().on("GET", NOTES, (403, fx("error_403.json")))
    with pytest.raises(UnsupportedAction) as caught:
        network(api).list_mentions(since=NOW - dt.timedelta(days=30))
    assert caught.value.action == "list"
    assert "rw_organization_admin" in str(caught.value) and "ADMINISTRATOR" in str(caught.value)
    assert "LI_TOKEN" in str(caught.value)


def test_when_linkedin_refuses_comment_mentions_the_documented_share_mentions_are_still_read():
    api = api_with_mentions()
    api.routes[("GET", NOTES)] = [lambda r: httpx.Response(400, json={"status": 400, "message": "bad action"})
                                  if "COMMENT_MENTION" in r.url.params["actions"] else
                                  httpx.Response(200, json={"elements": fx("notifications_mentions_1.json")
                                                            ["elements"][:1]})]
    found = network(api).list_mentions(since=NOW - dt.timedelta(days=30))
    assert [r.url.params["actions"] for r in api.sent("GET", NOTES)] == ["List(SHARE_MENTION,COMMENT_MENTION)",
                                                                          "List(SHARE_MENTION)"]
    assert [c.id for c in found] == [SHARE_1]


def test_reply_to_a_post_mention_comments_on_the_post_and_to_a_comment_mention_replies_to_it(small_pages):
    api = api_with_mentions()
    api.on("POST", f"/rest/socialActions/{encode_urn(SHARE_1)}/comments", (201, None, {"x-restli-id": "c-1"}))
    api.on("POST", f"/rest/socialActions/{encode_urn(COMMENT)}/comments", (201, None, {"x-restli-id": "c-2"}))
    net = network(api)
    share, comment = net.list_mentions(since=NOW - dt.timedelta(days=30))
    assert net.reply_to_comment(share, "Kiitos! Gluteenitonta on.", key="k") == "c-1"
    assert net.reply_to_comment(comment, "Huomenna auki 8-16.", key="k") == "c-2"
    on_post, on_comment = (json.loads(r.content) for r in api.requests if r.method == "POST")
    assert on_post == {"actor": ORG, "object": SHARE_1, "message": {"text": "Kiitos! Gluteenitonta on."}}
    assert on_comment == {"actor": ORG, "object": "urn:li:share:7266000000000000009", "parentComment": COMMENT,
                          "message": {"text": "Huomenna auki 8-16."}}


def shop(tmp_path):
    root = tmp_path / "repo"
    (root / "profiles").mkdir(parents=True)
    (root / "schedule.yaml").write_text("timezone: Europe/Helsinki\n", encoding="utf-8")
    (root / "profiles" / "aurinko-linkedin.yaml").write_text(
        "id: aurinko-linkedin\nnetwork: linkedin\ntoken_env: LI_TOKEN\norganization_id: 2414183\n"
        "roles:\n  moderators: ['@liisa-mod']\n", encoding="utf-8")
    return root


def outside_quotes(body: str) -> str:
    return re.sub(r"```text\n.*?\n```", "", body, flags=re.S)


def test_mentions_become_issues_once_across_two_runs_stay_inert_and_reply_comments_on_the_post(tmp_path,
                                                                                             small_pages):
    root = shop(tmp_path)
    hostile = post(SHARE_2, "urn:li:person:Evil7", escape_commentary("Onko teillä gluteenitonta? " + HOSTILE),
                   ms(NOW - dt.timedelta(hours=3)))
    api = api_with_mentions(hostile)
    api.on("POST", f"/rest/socialActions/{encode_urn(SHARE_1)}/comments", (201, None, {"x-restli-id": "c-1"}))
    tracker = OutboxTracker(root)
    first = run_comments(root, now=NOW, env={}, tracker=tracker, push=False, opener=lambda p: network(api))
    assert first.errors == [], first.errors
    assert {f.comment.id: f.comment.ref["kind"] for f in first.new} == {SHARE_1: "mention", COMMENT: "mention",
                                                                         SHARE_2: "mention"}
    issues = {c.comment.id: i for i in outbox(root) for c in issue_comments(i["body"])}
    assert SHARE_1 in issues and SHARE_2 in issues
    assert issues[SHARE_1]["title"] == ("Question on aurinko-linkedin: LinkedIn page mention by "
                                       "@urn:li:person:AbC1")
    assert "#### Mention 1" in issues[SHARE_1]["body"]
    evil = issues[SHARE_2]["body"]
    assert "Onko teillä gluteenitonta? " + HOSTILE in evil  # quoted as written, inside the text fence
    for bad in ("::add-mask::", "<img", "](https://evil", "${{", "@everyone"):
        assert bad not in outside_quotes(evil), bad

    api.routes[("GET", NOTES)] = [fx("notifications_mentions_1.json"), fx("notifications_mentions_2.json")]
    second = run_comments(root, now=NOW + dt.timedelta(minutes=30), env={}, tracker=tracker, push=False,
                          opener=lambda p: network(api))
    assert second.errors == [] and second.new == [] and second.issues_opened == []
    assert len(api.sent("GET", NOTES)) == 4  # both runs asked, two pages each

    issue = issues[SHARE_1]
    event = {"comment": {"body": "/reply Kiitos! Gluteenitonta pipariakin on.", "user": {"login": "liisa-mod"},
                         "id": 1},
             "issue": {"number": issue["number"], "body": issue["body"],
                       "labels": [{"name": n} for n in issue["labels"]]}}
    result = run_moderate(root, event, now=NOW, env={}, tracker=tracker, key=issue["key"], push=False,
                          permission=lambda login: "read", opener=lambda p: network(api))
    assert result.status == "done", result.message
    (sent,) = [r for r in api.requests if r.method == "POST"]
    assert json.loads(sent.content) == {"actor": ORG, "object": SHARE_1,
                                        "message": {"text": "Kiitos! Gluteenitonta pipariakin on."}}


def test_a_comment_on_the_page_s_own_post_that_mentions_the_page_is_one_item(tmp_path, small_pages):
    """The comments of the page's own posts are read first; the same comment's mention notification (its id
    is the comment URN, as the Comments API's ``$URN``) adds nothing."""
    root = shop(tmp_path)
    own = "urn:li:share:7266000000000000009"
    comments = {"paging": {"start": 0, "count": 100, "total": 1}, "elements": [
        {**fx("comment_mentioning.json"), "commentsSummary": {"aggregatedTotalComments": 0,
                                                             "totalFirstLevelComments": 0}}]}
    own_posts = {"paging": {"start": 0, "count": 50}, "elements": [
        {"id": own, "author": ORG, "commentary": "Joulukahvit", "createdAt": ms(NOW - dt.timedelta(days=2))}]}
    api = api_with_mentions(own=own_posts).on("GET", f"/rest/socialActions/{encode_urn(own)}/comments", comments)
    first = run_comments(root, now=NOW, env={}, tracker=OutboxTracker(root), push=False,
                         opener=lambda p: network(api))
    assert first.errors == [], first.errors
    assert [(f.comment.id, f.comment.ref.get("kind", "comment")) for f in first.new] == [
        (COMMENT, "comment"), (SHARE_1, "mention")]
