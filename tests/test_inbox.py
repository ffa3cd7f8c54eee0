"""Mentions, tags and direct messages of the networks without a local server, against payloads shaped as the
platforms document them (cited in each adapter module): Bluesky chat (chat.bsky.convo.*), Facebook tagged
posts and Messenger conversations, Instagram tags and conversations; Mastodon's notification shapes. The
real-server tests are tests/test_inbox_mastodon.py and tests/test_inbox_bluesky.py."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs

import httpx
import pytest

from socialops.community.categories import Decision
from socialops.community.mentions import message_decision
from socialops.networks.bluesky.adapter import BlueskyNetwork
from socialops.networks.mastodon.inbox import mention_comment, next_max_id
from socialops.networks.types import UnsupportedAction
from socialops.repository.profiles import parse_profile
from tests.test_bluesky import fixture as bsky_fixture
from tests.test_facebook import PAGE, Meta
from tests.test_facebook import network as facebook

NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)
HOSTILE = "@everyone <img src=x onerror=alert(1)> ::add-mask::x ${{ secrets.X }}"

# chat.bsky.convo.listConvos / getMessages (lexicons chat.bsky.convo.defs#convoView, #messageView)
CONVOS = {"convos": [{"id": "3kconvo1", "rev": "2", "unreadCount": 1, "muted": False,
                      "members": [{"did": "did:plc:brand", "handle": "brand.test"},
                                  {"did": "did:plc:fan", "handle": "fan.test", "displayName": "Fani"}],
                      "lastMessage": {"$type": "chat.bsky.convo.defs#messageView", "id": "m2", "rev": "2",
                                      "text": HOSTILE, "sender": {"did": "did:plc:fan"},
                                      "sentAt": "2026-12-02T10:00:00.000Z"}}]}
MESSAGES = {"messages": [
    {"$type": "chat.bsky.convo.defs#messageView", "id": "m2", "rev": "2", "text": HOSTILE,
     "sender": {"did": "did:plc:fan"}, "sentAt": "2026-12-02T10:00:00.000Z"},
    {"$type": "chat.bsky.convo.defs#messageView", "id": "m1b", "rev": "1b", "text": "Hei!",
     "sender": {"did": "did:plc:brand"}, "sentAt": "2026-12-02T09:30:00.000Z"},
    {"$type": "chat.bsky.convo.defs#deletedMessageView", "id": "m1a", "rev": "1a", "sender": {"did": "did:plc:fan"},
     "sentAt": "2026-12-02T09:20:00.000Z"},
    {"$type": "chat.bsky.convo.defs#messageView", "id": "m1", "rev": "1", "text": "Onko teillä laktoositonta?",
     "sender": {"did": "did:plc:fan"}, "sentAt": "2026-12-02T09:00:00.000Z"}]}


def bluesky_chat(handler_extra=None, *, messages=True):
    session = {**bsky_fixture("create_session.json"), "did": "did:plc:brand", "handle": "brand.test"}
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        nsid = request.url.path.removeprefix("/xrpc/")
        if nsid == "com.atproto.server.createSession":
            return httpx.Response(200, json=session)
        if nsid.startswith("chat."):
            assert request.headers["atproto-proxy"] == "did:web:api.bsky.chat#bsky_chat"
        if handler_extra is not None:
            answer = handler_extra(nsid, request)
            if answer is not None:
                return answer
        if nsid == "chat.bsky.convo.listConvos":
            return httpx.Response(200, json=CONVOS)
        if nsid == "chat.bsky.convo.getMessages":
            assert request.url.params["convoId"] == "3kconvo1"
            return httpx.Response(200, json=MESSAGES)
        if nsid == "chat.bsky.convo.sendMessage":
            return httpx.Response(200, json={"$type": "chat.bsky.convo.defs#messageView", "id": "m3", "rev": "3",
                                             "text": json.loads(request.content)["message"]["text"],
                                             "sender": {"did": "did:plc:brand"}, "sentAt": "2026-12-02T12:00:00Z"})
        return httpx.Response(404, json={"error": "MethodNotImplemented"})

    profile = ("id: cafe-bsky\nnetwork: bluesky\naccount: brand.test\nservice: https://pds.example\n"
               "token_env: BSKY\n" + ("direct_messages: true\n" if messages else ""))
    net = BlueskyNetwork(parse_profile(profile, "profiles/cafe-bsky.yaml"), env={"BSKY": "app-pass-word"},
                         client=httpx.Client(transport=httpx.MockTransport(handler)), clock=lambda: NOW,
                         sleep=lambda s: None)
    return net, sent


def test_bluesky_chat_messages_of_others_become_messages_of_one_conversation():
    net, sent = bluesky_chat()
    found = net.list_messages(since=NOW - dt.timedelta(days=1))
    assert [(c.id, c.author_handle, c.thread) for c in found] == [
        ("3kconvo1:m1", "fan.test", "3kconvo1"), ("3kconvo1:m2", "fan.test", "3kconvo1")]
    assert found[1].text == HOSTILE and found[0].ref == {"kind": "message", "convo": "3kconvo1"}
    reply = net.reply_to_comment(found[0], "On, joka päivä!", key="k")
    assert reply == "m3"
    assert json.loads(sent[-1].content) == {"convoId": "3kconvo1", "message": {"text": "On, joka päivä!"}}


def test_bluesky_chat_is_read_only_when_the_profile_asks_and_a_refusal_is_a_warning():
    net, sent = bluesky_chat(messages=False)
    assert net.list_messages() == [] and sent == []
    refused = lambda nsid, request: httpx.Response(400, json={  # noqa: E731
        "error": "InvalidToken", "message": "Bad token scope"}) if nsid.startswith("chat.") else None
    net, _ = bluesky_chat(refused)
    with pytest.raises(UnsupportedAction, match="allow direct messages"):
        net.list_messages()


def test_a_direct_message_always_reaches_a_person():
    net, _ = bluesky_chat()
    hello = net.list_messages()[0]
    assert message_decision(Decision("other", "low", ()), hello).category == "question"
    assert message_decision(Decision("spam", "high", ()), hello).category == "spam"


# --- Mastodon notifications (docs.joinmastodon.org/entities/Notification, Status) -------------------------------


def test_mastodon_mention_and_direct_message_shapes():
    status = {"id": "111", "created_at": "2026-12-02T10:00:00.000Z", "visibility": "direct", "in_reply_to_id": None,
              "content": "<p><span class=\"h-card\"><a href=\"https://x/@brand\">@brand</a></span> tilaus?</p>",
              "url": "https://mastodon.example/@fan/111",
              "account": {"id": "9", "acct": "fan@other.example", "display_name": "Fani", "username": "fan"}}
    message = mention_comment({"id": "5", "type": "mention", "created_at": "2026-12-02T10:00:01Z",
                               "account": status["account"], "status": status})
    assert message.ref == {"kind": "message", "visibility": "direct"} and message.text == "@brand tilaus?"
    assert message.author_handle == "fan@other.example"
    public = mention_comment({"id": "6", "type": "mention", "status": {**status, "visibility": "public"}})
    assert public.ref["kind"] == "mention"
    assert mention_comment({"id": "7", "type": "favourite", "status": status}) is None
    assert next_max_id('<https://m.example/api/v1/notifications?max_id=42&limit=40>; rel="next", '
                       '<https://m.example/api/v1/notifications?min_id=50>; rel="prev"') == "42"


# --- Facebook and Instagram (Graph API; Messenger Platform) -----------------------------------------------------

TAGGED = {"data": [{"id": f"{PAGE}_777", "message": "Kiitos @Kahvila Aurinko, paras pulla!",
                    "from": {"id": "5550003", "name": "Pekka P"}, "created_time": "2026-12-01T10:00:00+0000",
                    "permalink_url": "https://www.facebook.com/5550003/posts/777"}]}
CONVERSATIONS = {"data": [{"id": "t_100", "updated_time": "2026-12-02T09:00:00+0000",
                           "participants": {"data": [{"id": "24001", "name": "Anna A"}, {"id": PAGE, "name": "Kahvila"}]},
                           "messages": {"data": [
                               {"id": "m_2", "message": "Kiitos!", "from": {"id": PAGE, "name": "Kahvila"},
                                "created_time": "2026-12-02T09:00:00+0000"},
                               {"id": "m_1", "message": "Onko pöytävarausta?", "from": {"id": "24001", "name": "Anna A"},
                                "created_time": "2026-12-02T08:00:00+0000"}]}},
                          {"id": "t_99", "updated_time": "2026-10-01T09:00:00+0000", "messages": {"data": []}}]}


def test_facebook_tagged_posts_are_mentions_answered_with_a_comment():
    meta = Meta().on("GET", f"/{PAGE}/tagged", TAGGED).on("POST", f"/{PAGE}_777/comments", {"id": f"{PAGE}_777_1"})
    net = facebook(meta)
    (tag,) = net.list_mentions(since=NOW - dt.timedelta(days=30))
    assert (tag.ref["kind"], tag.author_name, tag.url) == ("mention", "Pekka P", TAGGED["data"][0]["permalink_url"])
    assert net.reply_to_comment(tag, "Kiitos Pekka!", key="k") == f"{PAGE}_777_1"


def test_facebook_conversations_become_messages_and_are_answered_within_messenger():
    meta = Meta().on("GET", f"/{PAGE}/conversations", CONVERSATIONS).on(
        "POST", f"/{PAGE}/messages", {"recipient_id": "24001", "message_id": "m_3"})
    assert facebook(meta).list_messages() == []  # not unless the profile asks
    net = facebook(meta, direct_messages=True)
    (message,) = net.list_messages(since=NOW - dt.timedelta(days=30))
    assert (message.id, message.thread, message.author_name) == ("m_1", "t_100", "Anna A")
    listed = meta.sent("GET", "/conversations")[-1]
    assert listed.url.params["platform"] == "messenger" and "messages.limit(25)" in listed.url.params["fields"]
    assert net.reply_to_comment(message, "On, soita 040 123 4567", key="k") == "m_3"
    sent = {k: v[0] for k, v in parse_qs(meta.sent("POST", "/messages")[-1].content.decode()).items()}
    assert json.loads(sent["recipient"]) == {"id": "24001"} and sent["messaging_type"] == "RESPONSE"
    assert json.loads(sent["message"]) == {"text": "On, soita 040 123 4567"}


def test_instagram_tags_and_conversations():
    from tests.test_instagram import IG
    from tests.test_instagram import Meta as IgMeta
    from tests.test_instagram import network as instagram

    tags = {"data": [{"id": "17890001", "caption": "Aamukahvilla @kahvila", "username": "fani",
                      "timestamp": "2026-12-01T08:00:00+0000", "permalink": "https://www.instagram.com/p/abc/"}]}
    meta = IgMeta().on("GET", f"/{IG}/tags", tags).on("POST", f"/{IG}/mentions", {"id": "17890002"})
    net = instagram(meta)
    (tag,) = net.list_mentions(since=NOW - dt.timedelta(days=30))
    assert (tag.author_handle, tag.ref["kind"]) == ("fani", "mention")
    assert net.reply_to_comment(tag, "Kiitos!", key="k") == "17890002"
    sent = {k: v[0] for k, v in parse_qs(meta.requests[-1].content.decode()).items()}
    assert sent == {"media_id": "17890001", "message": "Kiitos!"}


def test_a_hostile_direct_message_is_inert_in_its_issue():
    from zoneinfo import ZoneInfo

    from socialops.community.issues import Found, render_issue
    from socialops.community.mentions import mention_title

    net, _ = bluesky_chat()
    message = net.list_messages()[1]
    message = type(message)(**{**message.__dict__, "author_name": "@everyone <b>Fani</b> [x](https://evil.example)"})
    profile = parse_profile("id: cafe-bsky\nnetwork: bluesky\naccount: brand.test\n", "profiles/cafe-bsky.yaml")
    found = Found(profile, "bluesky", "", mention_title(message, "Bluesky"), "", "", message,
                  message_decision(Decision("other", "low", ()), message))
    body, _ = render_issue([found], tz=ZoneInfo("Europe/Helsinki"), replies=[], network=net)
    assert "#### Direct message 1 · question" in body and "private" in body
    start, end = body.index("```text\n"), body.index("\n```", body.index("```text\n") + 8)
    assert HOSTILE in body[start:end]
    outside = body[:start] + body[end:]
    for bad in ("::add-mask::", "<img", "<b>", "](https://evil", "${{", "@everyone"):
        assert bad not in outside, bad
