"""Contract tests of the Threads adapter (two-step container flow) over httpx.MockTransport, with answers shaped as
Meta documents them (tests/fixtures/threads/README.md names each file's source): every type, status polling, the
publishing limit read before publishing, the first comment as a reply, crash recovery, metrics, replies and the
profile."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from socialops.content.render import Rendered
from socialops.errors import AuthError, ConfigError, OutcomeUnknown, PermanentNetworkError, RateLimited
from socialops.networks.threads.account import THREADS_BASE
from socialops.networks.threads.adapter import LIVE_NOTE, ThreadsNetwork
from socialops.networks.types import Claim, Comment, MediaFile, PublishRequest, UnsupportedAction
from socialops.repository.profiles import Profile
from tests.helpers import Recorder, RouteFake

FIX = Path(__file__).parent / "fixtures" / "threads"
NOW = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)
TOKEN = "THAAtokenvalue123456789"
USER = "1234567890123456"
ENV = {"THREADS_TOKEN": TOKEN, "GITHUB_REPOSITORY": "aurinko/social",
       "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567"}
RAW = f"https://raw.githubusercontent.com/aurinko/social/{ENV['GITHUB_SHA']}/content/2026/12/media"
TEXT = "Joulukalenteri, luukku 1: piparkakkutalo ikkunalaudalla."
POST = "18051234567890123"
CONTAINER = "17889615691921648"


def fx(name: str):
    return json.loads((FIX / name).read_text(encoding="utf-8"))


class Threads(RouteFake):
    """A fake Threads API: routes are the paths after graph.threads.net/v1.0."""

    def key(self, request: httpx.Request) -> str:
        assert request.url.host == "graph.threads.net" and request.url.path.startswith("/v1.0/")
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        # the token travels in the header only (debug_token names the token it inspects)
        assert TOKEN not in str(request.url) or request.url.path == "/v1.0/debug_token"
        return request.url.path[len("/v1.0"):]

    def sent(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path.endswith(path)]

    def order(self) -> list[str]:
        return [f"{r.method} {self.key(r)}" for r in self.requests]


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def profile(**settings) -> Profile:
    raw = {"id": "aurinko-threads", "network": "threads", "token_env": "THREADS_TOKEN", "threads_user_id": USER,
           "account": "kahvila.aurinko", **settings}
    return Profile(id="aurinko-threads", path="profiles/aurinko-threads.yaml", raw=raw)


def network(api: Threads, recorder: Recorder | None = None, **settings) -> ThreadsNetwork:
    recorder = recorder or Recorder()
    return ThreadsNetwork(profile(**settings), env=ENV, client=httpx.Client(transport=httpx.MockTransport(api.handler)),
                          clock=lambda: NOW, sleep=recorder.sleep, progress=recorder)


def media(tmp_path: Path, name: str, kind: str, index: int = 0, alt: str | None = None) -> MediaFile:
    path = tmp_path / name
    path.write_bytes(b"data")
    return MediaFile(path=path, rel=f"content/2026/12/media/{name}", kind=kind, alt=alt, index=index)


def request(kind: str, *, media=(), text=TEXT, link=None, first_comment=None, quote=None, resume=None):
    rendered = Rendered(profile_id="aurinko-threads", network="threads", type=kind, text=text, length=len(text),
                        limit=500, link=link, first_comment=first_comment, quote_post_id=quote)
    return PublishRequest(post_id="joulukalenteri-1", profile_id="aurinko-threads", idempotency_key="k-1",
                          rendered=rendered, media=list(media), resume=dict(resume or {}))


def published(api: Threads, limit: str = "publishing_limit.json") -> Threads:
    api.on("GET", f"/{USER}/threads_publishing_limit", fx(limit))
    api.on("POST", f"/{USER}/threads_publish", fx("publish.json"))
    api.on("GET", f"/{POST}", fx("media_permalink.json"))
    return api


def test_text_post_is_created_polled_checked_against_the_limit_then_published():
    api = Threads().on("POST", f"/{USER}/threads", fx("container_text.json"))
    api.on("GET", f"/{CONTAINER}", fx("status_in_progress.json"), fx("status_finished.json"))
    published(api)
    rec = Recorder()
    result = network(api, rec, reply_control="accounts_you_follow").publish(request("text"))
    assert form(api.sent("POST", "/threads")[0]) == {"media_type": "TEXT", "text": TEXT,
                                                     "reply_control": "accounts_you_follow"}
    assert api.sent("GET", f"/{CONTAINER}")[0].url.params["fields"] == "status,error_message"
    assert rec.sleeps == [60.0]  # once a minute, as the troubleshooting page recommends
    limit = api.sent("GET", "/threads_publishing_limit")[0].url.params["fields"]
    assert limit == "quota_usage,config,reply_quota_usage,reply_config"
    assert form(api.sent("POST", "/threads_publish")[0]) == {"creation_id": CONTAINER}
    assert api.order() == [f"POST /{USER}/threads", f"GET /{CONTAINER}", f"GET /{CONTAINER}",
                           f"GET /{USER}/threads_publishing_limit", f"POST /{USER}/threads_publish", f"GET /{POST}"]
    assert rec.names() == ["container", "final", "post"]
    assert result.remote_id == POST and result.url == "https://www.threads.com/@kahvila.aurinko/post/DCkkKl_OGb1"


def test_link_post_attaches_the_link_and_a_quote_names_the_quoted_post():
    api = published(Threads().on("POST", f"/{USER}/threads", fx("container_text.json")))
    api.on("GET", f"/{CONTAINER}", fx("status_finished.json"))
    network(api).publish(request("link", link="https://kahvila-aurinko.example/joulu", quote="18050000000000001"))
    assert form(api.sent("POST", "/threads")[0]) == {
        "media_type": "TEXT", "text": TEXT, "link_attachment": "https://kahvila-aurinko.example/joulu",
        "quote_post_id": "18050000000000001"}


def test_image_and_video_carry_their_url_and_alt_text(tmp_path):
    for kind, name, fixture, container, sent in (
            ("image", "talo.jpg", "container_image.json", "17889615691921649",
             {"media_type": "IMAGE", "image_url": f"{RAW}/talo.jpg", "alt_text": "Piparkakkutalo", "text": TEXT}),
            ("video", "leivonta.mp4", "container_video.json", "17889615691921650",
             {"media_type": "VIDEO", "video_url": f"{RAW}/leivonta.mp4", "alt_text": "Piparkakkutalo",
              "text": TEXT})):
        api = published(Threads().on("POST", f"/{USER}/threads", fx(fixture)))
        api.on("GET", f"/{container}", fx("status_finished.json"))
        network(api).publish(request(kind, media=[media(tmp_path, name, kind, alt="Piparkakkutalo")]))
        assert form(api.sent("POST", "/threads")[0]) == sent
        assert form(api.sent("POST", "/threads_publish")[0]) == {"creation_id": container}


def test_carousel_items_are_recorded_one_by_one_then_the_parent(tmp_path):
    api = Threads().on("POST", f"/{USER}/threads", fx("container_item_1.json"), fx("container_item_2.json"),
                       fx("container_carousel.json"))
    for cid in ("17899506308402767", "17899506308402768", "18000748627392977"):
        api.on("GET", f"/{cid}", fx("status_finished.json"))
    published(api)
    rec = Recorder()
    items = [media(tmp_path, "a.jpg", "image", 0, alt="A"), media(tmp_path, "b.mp4", "video", 1)]
    network(api, rec).publish(request("carousel", media=items))
    first, second, parent = (form(r) for r in api.sent("POST", "/threads"))
    assert first == {"media_type": "IMAGE", "image_url": f"{RAW}/a.jpg", "alt_text": "A", "is_carousel_item": "true"}
    assert second == {"media_type": "VIDEO", "video_url": f"{RAW}/b.mp4", "is_carousel_item": "true"}
    assert parent == {"media_type": "CAROUSEL", "children": "17899506308402767,17899506308402768", "text": TEXT}
    assert rec.names() == ["child:0", "child:1", "container", "final", "post"]


def test_a_carousel_takes_two_to_twenty_items(tmp_path):
    ids = [{"id": str(17899506308402700 + i)} for i in range(21)]
    api = published(Threads().on("POST", f"/{USER}/threads", *ids))
    for i in range(21):
        api.on("GET", f"/{17899506308402700 + i}", fx("status_finished.json"))
    twenty = [media(tmp_path, f"{i}.jpg", "image", i) for i in range(20)]
    network(api).publish(request("carousel", media=twenty))
    parent = form(api.sent("POST", "/threads")[-1])
    assert len(parent["children"].split(",")) == 20 and parent["media_type"] == "CAROUSEL"
    for wrong in ([*twenty, media(tmp_path, "20.jpg", "image", 20)], twenty[:1]):
        with pytest.raises(PermanentNetworkError, match="2 to 20"):
            network(Threads()).publish(request("carousel", media=wrong))


def test_live_publishes_the_announcement_and_says_so():
    api = published(Threads().on("POST", f"/{USER}/threads", fx("container_text.json")))
    api.on("GET", f"/{CONTAINER}", fx("status_finished.json"))
    result = network(api).publish(request("live"))
    assert result.extra["note"] == LIVE_NOTE and form(api.sent("POST", "/threads")[0])["media_type"] == "TEXT"


def test_a_used_up_limit_keeps_the_container_for_the_next_run():
    api = Threads().on("POST", f"/{USER}/threads", fx("container_text.json"))
    api.on("GET", f"/{CONTAINER}", fx("status_finished.json"))
    api.on("GET", f"/{USER}/threads_publishing_limit", fx("publishing_limit_full.json"))
    rec = Recorder()
    with pytest.raises(RateLimited, match="250 of 250"):
        network(api, rec).publish(request("text"))
    assert not api.sent("POST", "/threads_publish") and rec.names() == ["container"]
    # the next run takes the same container: no second one is made
    again = published(Threads().on("GET", f"/{CONTAINER}", fx("status_finished.json")))
    network(again).publish(request("text", resume=dict(rec.steps)))
    assert not again.sent("POST", f"/{USER}/threads") and form(again.sent("POST", "/threads_publish")[0]) == {
        "creation_id": CONTAINER}


def test_a_container_in_error_is_refused_with_threads_reason(tmp_path):
    api = Threads().on("POST", f"/{USER}/threads", fx("container_video.json"))
    api.on("GET", "/17889615691921650", fx("status_error.json"))
    with pytest.raises(PermanentNetworkError, match="FAILED_DOWNLOADING_VIDEO"):
        network(api).publish(request("video", media=[media(tmp_path, "v.mp4", "video")]))
    assert not api.sent("POST", "/threads_publish")


def test_the_first_comment_is_a_reply_published_the_same_way():
    api = Threads().on("POST", f"/{USER}/threads", fx("container_text.json"), fx("container_reply.json"))
    api.on("GET", f"/{CONTAINER}", fx("status_finished.json"))
    api.on("GET", "/17889615691921700", fx("status_finished.json"))
    api.on("GET", f"/{USER}/threads_publishing_limit", fx("publishing_limit.json"))
    api.on("POST", f"/{USER}/threads_publish", fx("publish.json"), fx("publish_reply.json"))
    api.on("GET", f"/{POST}", fx("media_permalink.json"))
    rec = Recorder()
    result = network(api, rec).publish(request("text", first_comment="#joulu #kahvila"))
    reply = form(api.sent("POST", "/threads")[1])
    assert reply == {"media_type": "TEXT", "text": "#joulu #kahvila", "reply_to_id": POST}
    assert [form(r) for r in api.sent("POST", "/threads_publish")] == [{"creation_id": CONTAINER},
                                                                       {"creation_id": "17889615691921700"}]
    assert result.extra["first_comment_id"] == "18051234567890200" and rec.names()[-1] == "comment"


def test_an_expired_token_names_the_secret():
    api = Threads().on("POST", f"/{USER}/threads", (400, fx("error_190.json")))
    with pytest.raises(AuthError, match="THREADS_TOKEN") as caught:
        network(api).publish(request("text"))
    assert TOKEN not in str(caught.value)


def test_an_unknown_reply_control_is_a_configuration_error():
    with pytest.raises(ConfigError, match="reply_control: anyone"):
        network(Threads(), reply_control="anyone").publish(request("text"))


# --- crash recovery ------------------------------------------------------------------------------------------


class Killed(BaseException):
    """The process dies here: nothing after this point runs (not even except Exception blocks)."""


def killed_at(step: str, api: Threads) -> dict:
    """Publish until the ledger is asked to record ``step``, die there; the steps recorded before."""
    recorded: dict = {}

    def progress(item, name, data):
        if name == step:
            raise Killed(step)
        recorded[name] = dict(data)

    net = ThreadsNetwork(profile(), env=ENV, client=httpx.Client(transport=httpx.MockTransport(api.handler)),
                         clock=lambda: NOW, sleep=lambda s: None, progress=progress)
    with pytest.raises(Killed):
        net.publish(request("text"))
    return recorded


def claim(progress: dict) -> Claim:
    return Claim(post_id="joulukalenteri-1", profile_id="aurinko-threads", idempotency_key="k-1",
                 claimed_at=NOW - dt.timedelta(minutes=1), progress=progress, request=request("text"))


def test_killed_between_container_and_publish_reconcile_says_not_published_and_the_retry_reuses_it():
    api = Threads().on("POST", f"/{USER}/threads", fx("container_text.json"))
    api.on("GET", f"/{CONTAINER}", fx("status_finished.json"))
    api.on("GET", f"/{USER}/threads_publishing_limit", fx("publishing_limit.json"))
    progress = killed_at("final", api)
    assert progress == {"container": {"id": CONTAINER}} and not api.sent("POST", "/threads_publish")
    assert network(Threads()).reconcile(claim(progress)) is None  # threads_publish was never sent
    retry = published(Threads().on("GET", f"/{CONTAINER}", fx("status_finished.json")))
    result = network(retry).publish(request("text", resume=progress))
    assert result.remote_id == POST and not retry.sent("POST", f"/{USER}/threads")


def test_killed_after_publishing_reconcile_finds_the_post_by_its_container():
    api = published(Threads().on("POST", f"/{USER}/threads", fx("container_text.json")))
    api.on("GET", f"/{CONTAINER}", fx("status_finished.json"))
    progress = killed_at("post", api)  # threads_publish answered, the ledger never heard of it
    assert set(progress) == {"container", "final"} and len(api.sent("POST", "/threads_publish")) == 1
    after = Threads().on("GET", f"/{CONTAINER}", fx("status_published.json"))
    after.on("GET", f"/{USER}/threads", fx("recent_threads.json"))
    found = network(after).reconcile(claim(progress))
    assert found.remote_id == POST and found.url.endswith("/DCkkKl_OGb1")
    listing = after.sent("GET", f"/{USER}/threads")[0].url.params
    assert listing["fields"] == "id,text,timestamp,permalink" and int(listing["since"]) < NOW.timestamp()


def test_killed_with_the_publish_call_unanswered_and_the_container_still_finished_is_not_published():
    progress = {"container": {"id": CONTAINER}, "final": {"sent": 1, "container": CONTAINER}}
    assert network(Threads().on("GET", f"/{CONTAINER}", fx("status_finished.json"))).reconcile(claim(progress)) is None


def test_a_published_container_whose_post_is_not_listed_is_unconfirmed():
    progress = {"container": {"id": CONTAINER}, "final": {"sent": 1, "container": CONTAINER}}
    api = Threads().on("GET", f"/{CONTAINER}", fx("status_published.json"))
    api.on("GET", f"/{USER}/threads", {"data": []})
    with pytest.raises(OutcomeUnknown, match="not found"):
        network(api).reconcile(claim(progress))


# --- replies, profile, metrics ---------------------------------------------------------------------------------


def test_replies_at_every_depth_with_threads_hidden_and_own_ones():
    api = Threads().on("GET", f"/{POST}/conversation", fx("conversation.json"))
    replies = network(api).list_comments(POST)
    query = api.sent("GET", "/conversation")[0].url.params
    assert query["reverse"] == "false" and "hide_status" in query["fields"] and "replied_to" in query["fields"]
    question, answer, spam = replies
    assert (question.parent_id, question.thread_id, question.own, question.hidden) == (
        None, "18060000000000001", False, False)
    assert (answer.parent_id, answer.thread_id, answer.own) == ("18060000000000001", "18060000000000001", True)
    assert spam.hidden and spam.author_handle == "spam.bot"


def reply(comment_id="18060000000000001", parent=None) -> Comment:
    return Comment(id=comment_id, post_remote_id=POST, text="x", author_id="maija.k", author_handle="maija.k",
                   parent_id=parent)


def test_hide_unhide_a_top_level_reply_answer_it_and_no_delete():
    api = Threads().on("POST", "/18060000000000001/manage_reply", fx("manage_reply.json"))
    net = network(api)
    net.hide_comment(reply())
    net.hide_comment(reply(), hidden=False)
    assert [form(r) for r in api.sent("POST", "/manage_reply")] == [{"hide": "true"}, {"hide": "false"}]
    with pytest.raises(UnsupportedAction, match="top-level"):
        net.hide_comment(reply("18060000000000002", parent="18060000000000001"))
    with pytest.raises(UnsupportedAction):
        net.delete_comment(reply())
    answering = Threads().on("GET", f"/{USER}/threads_publishing_limit", fx("publishing_limit.json"))
    answering.on("POST", f"/{USER}/threads", fx("container_reply.json"))
    answering.on("GET", "/17889615691921700", fx("status_finished.json"))
    answering.on("POST", f"/{USER}/threads_publish", fx("publish_reply.json"))
    assert network(answering).reply_to_comment(reply(), "Kiitos!", key="k") == "18051234567890200"
    assert form(answering.sent("POST", "/threads")[0]) == {"media_type": "TEXT", "text": "Kiitos!",
                                                           "reply_to_id": "18060000000000001"}


def test_profile_basics_are_read_for_the_check():
    api = Threads().on("GET", f"/{USER}", fx("profile.json"))
    api.on("GET", "/debug_token", {"data": {"is_valid": True, "scopes": ["threads_basic", "threads_content_publish"]}})
    net = network(api)
    net.client = httpx.Client(transport=httpx.MockTransport(lambda r: api.handler(r) if r.url.host ==
                                                            "graph.threads.net" else httpx.Response(404)))
    live = net.read_profile()
    assert live.account == "kahvila.aurinko" and live.values["display_name"] == "Kahvila Aurinko"
    assert live.values["bio"] == "Kahvila ja leipomo Kalliossa." and live.url == "https://www.threads.com/@kahvila.aurinko"
    assert api.sent("GET", f"/{USER}")[0].url.params["fields"] == (
        "id,username,name,threads_profile_picture_url,threads_biography")
    report = net.check_access()
    assert report.token_ok and report.account_ok


def test_metrics_calls_ask_the_documented_metrics_and_read_the_documented_answers():
    from socialops.networks.types import Publication

    calls = network(Threads()).metrics_calls([Publication("joulukalenteri-1", "aurinko-threads", POST)], now=NOW)
    by_name = {c.name: c for c in calls}
    post = by_name[f"threads post {POST} insights"]
    assert post.url == f"{THREADS_BASE}/{POST}/insights"
    assert dict(post.params) == {"metric": "views,likes,replies,reposts,quotes,shares"}
    figures = post.parse(fx("post_insights.json"))
    assert figures.posts[POST] == {"views": 1520, "likes": 48, "comments": 6, "quotes": 2, "shares": 7}
    followers = by_name["threads followers_count"].parse(fx("followers_count.json"))
    assert followers.profile == {"followers": 1234}
    for dimension in ("country", "city", "age", "gender"):
        call = by_name[f"threads follower_demographics by {dimension}"]
        assert dict(call.params) == {"metric": "follower_demographics", "breakdown": dimension}
        assert call.parse(fx(f"demographics_{dimension}.json")).audience[dimension]
    assert by_name["threads follower_demographics by gender"].parse(
        fx("demographics_gender.json")).audience["gender"] == {"F": 640, "M": 380, "U": 12}
