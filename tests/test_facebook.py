"""Contract tests of the Facebook Page adapter over httpx.MockTransport, with answers shaped as Meta documents them
(tests/fixtures/facebook/). Each test checks what was sent (path, parameters, headers) and what came back."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from socialops.content.render import Rendered
from socialops.errors import AuthError, OutcomeUnknown, PermanentNetworkError, RateLimited
from socialops.networks.facebook.adapter import FacebookNetwork
from socialops.networks.meta.graph import GRAPH_BASE, GRAPH_VERSION, caption_locale, graph_error, usage_wait
from socialops.networks.types import Claim, MediaFile, PublishRequest
from socialops.repository.profiles import Profile
from tests.helpers import RouteFake

FIX = Path(__file__).parent / "fixtures" / "facebook"
NOW = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)
TOKEN = "EAAGm0PX4ZCpsBAKtokenvalue123456"
PAGE = "104567890123456"
ENV = {"FB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "aurinko/social", "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567"}


def fx(name: str):
    return json.loads((FIX / name).read_text())


class Meta(RouteFake):
    """A fake Graph API: routes are paths after the version (rupload's are 'rupload:' + its path)."""

    def key(self, request: httpx.Request) -> str:
        path = request.url.path
        if request.url.host == "graph.facebook.com":
            assert path.startswith(f"/{GRAPH_VERSION}/"), path
            return path[len(GRAPH_VERSION) + 1:]
        if request.url.host == "rupload.facebook.com":
            return "rupload:" + path
        return path

    def sent(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path.endswith(path)]


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def profile(**extra) -> Profile:
    raw = {"id": "aurinko-facebook", "network": "facebook", "token_env": "FB_TOKEN", "page_id": PAGE,
           "timezone": "Europe/Helsinki", **extra}
    return Profile(id="aurinko-facebook", path="profiles/aurinko-facebook.yaml", raw=raw)


def network(meta: Meta, *, recorded=None, sleeps=None, env=None, **prof) -> FacebookNetwork:
    client = httpx.Client(transport=httpx.MockTransport(meta.handler))
    calls = recorded if recorded is not None else []
    return FacebookNetwork(profile(**prof), env=env or ENV, client=client, clock=lambda: NOW,
                           sleep=(sleeps.append if sleeps is not None else (lambda s: None)),
                           progress=lambda item, step, data: calls.append((step, data)))


def media(tmp_path: Path, name: str, kind: str, index: int = 0, alt: str | None = None, captions: str | None = None,
          content: bytes = b"\xff\xd8\xff\xe0jpeg") -> MediaFile:
    path = tmp_path / name
    path.write_bytes(content)
    cap = None
    if captions:
        cap = tmp_path / captions
        cap.write_text("1\n00:00:00,000 --> 00:00:02,000\nHei!\n", encoding="utf-8")
    return MediaFile(path=path, rel=f"content/2026/12/media/{name}", kind=kind, alt=alt, captions=cap,
                     captions_rel=f"content/2026/12/media/{captions}" if captions else None, index=index)


def request(kind: str, text: str = "Joulukalenteri, luukku 1: piparkakkutalo ikkunalaudalla.", *, media=(),
            link=None, first_comment=None, live=None, resume=None) -> PublishRequest:
    rendered = Rendered(profile_id="aurinko-facebook", network="facebook", type=kind, text=text, length=len(text),
                        limit=63206, link=link, first_comment=first_comment)
    return PublishRequest(post_id="joulukalenteri-1", profile_id="aurinko-facebook", idempotency_key="k-1",
                          rendered=rendered, media=list(media), live=live or {}, resume=dict(resume or {}))


RAW = f"https://raw.githubusercontent.com/aurinko/social/{ENV['GITHUB_SHA']}/content/2026/12/media"


# --- publishing every type -----------------------------------------------------------------------------------


def test_text_post_goes_to_feed_with_bearer_token_and_pinned_version():
    meta = Meta().on("POST", f"/{PAGE}/feed", fx("feed_post.json"))
    steps = []
    result = network(meta, recorded=steps).publish(request("text"))
    sent = meta.sent("POST", "/feed")[0]
    assert str(sent.url).startswith(f"{GRAPH_BASE}/{PAGE}/feed")
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in str(sent.url)  # never in a URL that could be logged
    assert form(sent) == {"message": "Joulukalenteri, luukku 1: piparkakkutalo ikkunalaudalla."}
    assert result.remote_id == "104567890123456_122098765432101"
    assert result.url == "https://www.facebook.com/104567890123456_122098765432101"
    assert [s for s, _ in steps] == ["final", "post"]


def test_link_post_sends_link():
    meta = Meta().on("POST", f"/{PAGE}/feed", fx("feed_post.json"))
    network(meta).publish(request("link", link="https://aurinko.example/joulu"))
    assert form(meta.sent("POST", "/feed")[0])["link"] == "https://aurinko.example/joulu"


def test_photo_with_alt_text_uses_public_raw_url(tmp_path):
    meta = Meta().on("POST", f"/{PAGE}/photos", fx("photo_published.json"))
    img = media(tmp_path, "talo 1.jpg", "image", alt="Piparkakkutalo ikkunalaudalla")
    result = network(meta).publish(request("image", media=[img]))
    sent = form(meta.sent("POST", "/photos")[0])
    assert sent["url"] == f"{RAW}/talo%201.jpg"
    assert sent["alt_text_custom"] == "Piparkakkutalo ikkunalaudalla"
    assert sent["caption"].startswith("Joulukalenteri") and sent["published"] == "true"
    assert result.remote_id == "104567890123456_122098765432112"
    assert result.extra["photo_id"] == "122098765432111"


def test_media_base_url_overrides_raw_github(tmp_path):
    meta = Meta().on("POST", f"/{PAGE}/photos", fx("photo_published.json"))
    img = media(tmp_path, "a.jpg", "image")
    network(meta, media_base_url="https://cdn.aurinko.example/repo/").publish(request("image", media=[img]))
    assert form(meta.sent("POST", "/photos")[0])["url"] == "https://cdn.aurinko.example/repo/content/2026/12/media/a.jpg"


def test_carousel_uploads_unpublished_photos_records_each_then_attaches(tmp_path):
    meta = Meta().on("POST", f"/{PAGE}/photos", fx("photo_unpublished_1.json"), fx("photo_unpublished_2.json"))
    meta.on("POST", f"/{PAGE}/feed", fx("feed_post.json"))
    steps = []
    imgs = [media(tmp_path, "a.jpg", "image", 0, alt="A"), media(tmp_path, "b.jpg", "image", 1, alt="B")]
    result = network(meta, recorded=steps).publish(request("carousel", media=imgs))
    photos = [form(r) for r in meta.sent("POST", "/photos")]
    assert [p["published"] for p in photos] == ["false", "false"]
    assert [p["alt_text_custom"] for p in photos] == ["A", "B"]
    feed = form(meta.sent("POST", "/feed")[0])
    assert json.loads(feed["attached_media[0]"]) == {"media_fbid": "122098765432201"}
    assert json.loads(feed["attached_media[1]"]) == {"media_fbid": "122098765432202"}
    assert steps[:2] == [("photo:0", {"id": "122098765432201"}), ("photo:1", {"id": "122098765432202"})]
    assert result.extra["photos"] == 2


def test_carousel_resumes_with_recorded_photo_ids(tmp_path):
    meta = Meta().on("POST", f"/{PAGE}/photos", fx("photo_unpublished_2.json"))
    meta.on("POST", f"/{PAGE}/feed", fx("feed_post.json"))
    imgs = [media(tmp_path, "a.jpg", "image", 0), media(tmp_path, "b.jpg", "image", 1)]
    network(meta).publish(request("carousel", media=imgs, resume={"photo:0": {"id": "122098765432201"}}))
    assert len(meta.sent("POST", "/photos")) == 1  # only the second photo is uploaded again
    feed = form(meta.sent("POST", "/feed")[0])
    assert json.loads(feed["attached_media[0]"])["media_fbid"] == "122098765432201"


def test_video_with_srt_captions(tmp_path):
    meta = Meta().on("POST", f"/{PAGE}/videos", fx("video_create.json"))
    meta.on("GET", "/1234567890123401", fx("video_status_processing.json"), fx("video_status_ready.json"))
    meta.on("POST", "/1234567890123401/captions", fx("captions_success.json"))
    sleeps, steps = [], []
    vid = media(tmp_path, "clip.mp4", "video", captions="clip.fi_FI.srt")
    result = network(meta, sleeps=sleeps, recorded=steps).publish(request("video", media=[vid]))
    created = form(meta.sent("POST", "/videos")[0])
    assert created["file_url"] == f"{RAW}/clip.mp4" and created["description"].startswith("Joulukalenteri")
    cap = meta.sent("POST", "/captions")[0]
    assert cap.headers["content-type"].startswith("multipart/form-data")
    assert b'name="captions_file"; filename="clip.fi_FI.srt"' in cap.content
    assert b'name="default_locale"' in cap.content and b"fi_FI" in cap.content
    assert b"00:00:00,000 --> 00:00:02,000" in cap.content
    assert sleeps == [FacebookNetwork.poll_interval]  # polled twice, slept once between
    assert result.remote_id == "1234567890123401" and result.extra["captions"] == "fi_FI"
    assert [s for s, _ in steps] == ["final", "video", "captions", "post"]


def test_video_processing_error_is_permanent(tmp_path):
    meta = Meta().on("POST", f"/{PAGE}/videos", fx("video_create.json"))
    meta.on("GET", "/1234567890123401", fx("video_status_error.json"))
    vid = media(tmp_path, "clip.mp4", "video", captions="clip.srt")
    with pytest.raises(PermanentNetworkError, match="format that we don't support"):
        network(meta).publish(request("video", media=[vid]))


def test_reel_three_phases_with_binary_rupload(tmp_path):
    meta = Meta().on("POST", f"/{PAGE}/video_reels", fx("reel_start.json"), fx("reel_finish.json"))
    meta.on("POST", f"rupload:/video-upload/{GRAPH_VERSION}/1234567890123402", fx("rupload_success.json"))
    steps = []
    vid = media(tmp_path, "reel.mp4", "video", content=b"0123456789mp4")
    result = network(meta, recorded=steps).publish(request("reel", media=[vid]))
    start, finish = (form(r) for r in meta.sent("POST", "/video_reels"))
    assert start == {"upload_phase": "start"}
    assert finish["upload_phase"] == "finish" and finish["video_id"] == "1234567890123402"
    assert finish["video_state"] == "PUBLISHED" and finish["description"].startswith("Joulukalenteri")
    up = meta.sent("POST", "/1234567890123402")[0]
    assert up.url.host == "rupload.facebook.com"
    assert up.headers["Authorization"] == f"OAuth {TOKEN}"
    assert up.headers["offset"] == "0" and up.headers["file_size"] == "13" and up.content == b"0123456789mp4"
    assert [s for s, _ in steps] == ["reel", "reel_uploaded", "final", "post"]
    assert result.url == "https://www.facebook.com/reel/1234567890123402"


def test_reel_resume_after_crash_does_not_start_or_upload_again(tmp_path):
    meta = Meta().on("POST", f"/{PAGE}/video_reels", fx("reel_finish.json"))
    vid = media(tmp_path, "reel.mp4", "video")
    resume = {"reel": {"video_id": "1234567890123402", "upload_url": "https://rupload.facebook.com/x"},
              "reel_uploaded": {"video_id": "1234567890123402"}}
    network(meta).publish(request("reel", media=[vid], resume=resume))
    assert [form(r)["upload_phase"] for r in meta.sent("POST", "/video_reels")] == ["finish"]
    assert not [r for r in meta.requests if r.url.host == "rupload.facebook.com"]


def test_photo_story(tmp_path):
    meta = Meta().on("POST", f"/{PAGE}/photos", fx("photo_unpublished_1.json"))
    meta.on("POST", f"/{PAGE}/photo_stories", fx("photo_story.json"))
    steps = []
    result = network(meta, recorded=steps).publish(
        request("story", media=[media(tmp_path, "s.jpg", "image")], first_comment="ignored on stories"))
    assert form(meta.sent("POST", "/photos")[0])["published"] == "false"
    assert form(meta.sent("POST", "/photo_stories")[0]) == {"photo_id": "122098765432201"}
    assert result.remote_id == "104567890123456_122098765432301"
    assert not meta.sent("POST", "/comments")
    assert [s for s, _ in steps] == ["story_photo", "final", "post"]


def test_video_story(tmp_path):
    meta = Meta().on("POST", f"/{PAGE}/video_stories", fx("video_story_start.json"), fx("video_story_finish.json"))
    meta.on("POST", f"rupload:/video-upload/{GRAPH_VERSION}/1234567890123403", fx("rupload_success.json"))
    meta.on("GET", "/1234567890123403", fx("video_status_ready.json"))
    result = network(meta).publish(request("story", media=[media(tmp_path, "s.mp4", "video")]))
    phases = [form(r)["upload_phase"] for r in meta.sent("POST", "/video_stories")]
    assert phases == ["START", "FINISH"]  # the SDK's enum of Page.create_video_story (upper case)
    assert result.remote_id == "104567890123456_122098765432302"


def test_live_within_seven_days_is_scheduled_without_recording_the_stream_key():
    meta = Meta().on("POST", f"/{PAGE}/live_videos", fx("live_scheduled.json"))
    steps = []
    start = "2026-12-05T18:00:00+02:00"
    result = network(meta, recorded=steps).publish(request("live", "Live-leivontaa lauantaina!",
                                                           live={"starts_at": start}))
    sent = form(meta.sent("POST", "/live_videos")[0])
    assert sent["status"] == "SCHEDULED_UNPUBLISHED"
    assert json.loads(sent["event_params"]) == {"start_time": int(dt.datetime.fromisoformat(start).timestamp())}
    assert result.extra["live"] == "scheduled"
    assert "rtmps" not in json.dumps(steps) and "rtmps" not in json.dumps(dict(result.extra))


def test_live_naive_start_uses_profile_timezone():
    meta = Meta().on("POST", f"/{PAGE}/live_videos", fx("live_scheduled.json"))
    network(meta).publish(request("live", live={"starts_at": "2026-12-05 18:00"}))
    sent = form(meta.sent("POST", "/live_videos")[0])
    assert json.loads(sent["event_params"])["start_time"] == int(
        dt.datetime(2026, 12, 5, 16, 0, tzinfo=dt.UTC).timestamp())


def test_live_more_than_seven_days_ahead_publishes_the_announcement():
    meta = Meta().on("POST", f"/{PAGE}/feed", fx("feed_post.json"))
    result = network(meta).publish(request("live", live={"starts_at": "2026-12-20T18:00:00+02:00",
                                                         "url": "https://aurinko.example/live"}))
    assert not meta.sent("POST", "/live_videos")
    assert form(meta.sent("POST", "/feed")[0])["link"] == "https://aurinko.example/live"
    assert result.extra["live"] == "announcement" and "7 days" in result.extra["why"]


def test_live_refused_for_permission_falls_back_to_announcement():
    denied = (400, {"error": {"message": "(#200) Requires the Live Video API feature", "type": "OAuthException",
                              "code": 200}})
    meta = Meta().on("POST", f"/{PAGE}/live_videos", denied).on("POST", f"/{PAGE}/feed", fx("feed_post.json"))
    result = network(meta).publish(request("live", live={"starts_at": "2026-12-02T18:00:00+02:00"}))
    assert result.extra["live"] == "announcement" and "Live Video API" in result.extra["live_refused"]


def test_first_comment_on_the_new_post_and_recorded():
    meta = Meta().on("POST", f"/{PAGE}/feed", fx("feed_post.json"))
    meta.on("POST", "/104567890123456_122098765432101/comments", fx("comment.json"))
    steps = []
    result = network(meta, recorded=steps).publish(request("text", first_comment="#joulu #aurinko"))
    assert form(meta.sent("POST", "/comments")[0]) == {"message": "#joulu #aurinko"}
    assert result.extra["first_comment_id"] == "104567890123456_122098765432101_987654321098765"
    assert steps[-1] == ("comment", {"id": "104567890123456_122098765432101_987654321098765"})


def test_failed_first_comment_never_fails_the_published_post():
    meta = Meta().on("POST", f"/{PAGE}/feed", fx("feed_post.json"))
    meta.on("POST", "/104567890123456_122098765432101/comments", (500, fx("error_2.json")))
    result = network(meta).publish(request("text", first_comment="#joulu"))
    assert result.remote_id == "104567890123456_122098765432101"
    assert "first_comment_error" in result.extra


def test_resume_after_post_recorded_only_adds_the_comment():
    meta = Meta().on("POST", "/104567890123456_122098765432101/comments", fx("comment.json"))
    resume = {"post": {"id": "104567890123456_122098765432101", "url": "https://www.facebook.com/x"}}
    network(meta).publish(request("text", first_comment="#joulu", resume=resume))
    assert not meta.sent("POST", "/feed") and len(meta.sent("POST", "/comments")) == 1


# --- errors and rate limits ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["error_4.json", "error_17.json", "error_32.json", "error_613.json"])
def test_throttling_codes_are_rate_limited_with_a_wait(fixture):
    meta = Meta().on("POST", f"/{PAGE}/feed", (400, fx(fixture), fx("usage_headers_throttled.json")))
    with pytest.raises(RateLimited) as info:
        network(meta).publish(request("text"))
    assert info.value.retry_after == 12 * 60  # estimated_time_to_regain_access, minutes
    assert len(meta.sent("POST", "/feed")) == 1  # not hammered: the wait is longer than max_wait


def test_throttling_code_without_usage_header_still_waits():
    meta = Meta().on("POST", f"/{PAGE}/feed", (400, fx("error_4.json")))
    with pytest.raises(RateLimited) as info:
        network(meta).publish(request("text"))
    assert info.value.retry_after and info.value.retry_after >= 60


def test_usage_header_at_100_pauses_the_next_call(tmp_path):
    headers = fx("usage_headers_throttled.json")
    meta = Meta().on("POST", f"/{PAGE}/photos", (200, fx("photo_unpublished_1.json"), headers))
    imgs = [media(tmp_path, "a.jpg", "image", 0), media(tmp_path, "b.jpg", "image", 1)]
    steps = []
    with pytest.raises(RateLimited) as info:
        network(meta, recorded=steps).publish(request("carousel", media=imgs))
    assert info.value.retry_after == 12 * 60
    assert len(meta.sent("POST", "/photos")) == 1  # the second call was not made
    assert steps == [("photo:0", {"id": "122098765432201"})]  # the next run resumes from here


def test_usage_wait_parsing():
    assert usage_wait(fx("usage_headers_ok.json")) is None
    assert usage_wait(fx("usage_headers_throttled.json")) == 720
    assert usage_wait({"X-App-Usage": '{"call_count":100,"total_time":1,"total_cputime":1}'}) > 0
    assert usage_wait({"X-App-Usage": "not json"}) is None


def test_expired_token_190_names_the_secret_and_hides_the_token():
    meta = Meta().on("POST", f"/{PAGE}/feed", (400, fx("error_190.json")))
    with pytest.raises(AuthError) as info:
        network(meta).publish(request("text"))
    assert info.value.secret == "FB_TOKEN" and "FB_TOKEN" in str(info.value)
    assert TOKEN not in str(info.value)


def test_missing_token_names_the_secret():
    meta = Meta()
    with pytest.raises(AuthError, match="FB_TOKEN"):
        network(meta, env={"GITHUB_REPOSITORY": "a/b", "GITHUB_SHA": "0" * 40}).publish(request("text"))
    assert meta.requests == []


def test_invalid_parameter_is_permanent_with_metas_user_message(tmp_path):
    meta = Meta().on("POST", f"/{PAGE}/photos", (400, fx("error_100.json")))
    with pytest.raises(PermanentNetworkError, match="could not be downloaded"):
        network(meta).publish(request("image", media=[media(tmp_path, "a.jpg", "image")]))


def test_5xx_on_create_is_outcome_unknown_not_retried():
    meta = Meta().on("POST", f"/{PAGE}/feed", (500, fx("error_2.json")))
    with pytest.raises(OutcomeUnknown):
        network(meta).publish(request("text"))
    assert len(meta.sent("POST", "/feed")) == 1


def test_5xx_on_safe_intermediate_step_is_retried(tmp_path):
    meta = Meta().on("POST", f"/{PAGE}/photos", (500, fx("error_2.json")), fx("photo_unpublished_1.json"),
                     fx("photo_unpublished_2.json"))
    meta.on("POST", f"/{PAGE}/feed", fx("feed_post.json"))
    sleeps = []
    imgs = [media(tmp_path, "a.jpg", "image", 0), media(tmp_path, "b.jpg", "image", 1)]
    result = network(meta, sleeps=sleeps).publish(request("carousel", media=imgs))
    assert len(meta.sent("POST", "/photos")) == 3 and len(sleeps) == 1
    assert result.remote_id == "104567890123456_122098765432101"


def test_timeout_on_create_is_outcome_unknown():
    meta = Meta().on("POST", f"/{PAGE}/feed", httpx.ReadTimeout("slow"))
    with pytest.raises(OutcomeUnknown):
        network(meta).publish(request("text"))


def test_malformed_json_after_create_is_outcome_unknown():
    meta = Meta().on("POST", f"/{PAGE}/feed", httpx.Response(200, content=b"<html>oops"))
    with pytest.raises(OutcomeUnknown):
        network(meta).publish(request("text"))


def test_graph_error_mapping_table():
    def err(code, sub=None, status=400):
        body = {"error": {"message": "m", "code": code, **({"error_subcode": sub} if sub else {})}}
        return graph_error(status, body, {}, network="facebook", secret="S", what="x")

    assert isinstance(err(190, 463), AuthError)
    assert isinstance(err(200), AuthError) and isinstance(err(10), AuthError)
    assert all(isinstance(err(c), RateLimited) for c in (4, 17, 32, 613))
    assert isinstance(err(9, 2207042), RateLimited)
    assert err(2).transient and not isinstance(err(2), RateLimited)
    assert isinstance(err(100), PermanentNetworkError) and isinstance(err(506), PermanentNetworkError)
    assert graph_error(200, {"id": "1"}, {}, network="facebook", secret="S", what="x") is None


def test_caption_locale_from_file_name():
    assert caption_locale("clip.fi_FI.srt") == "fi_FI"
    assert caption_locale("clip.sv.srt") == "sv_SE"
    assert caption_locale("clip.srt") == "en_US"


# --- reconciliation ------------------------------------------------------------------------------------------


def claim(kind="text", progress=None, text="Joulukalenteri, luukku 1: piparkakkutalo ikkunalaudalla."):
    return Claim(post_id="joulukalenteri-1", profile_id="aurinko-facebook", idempotency_key="k-1",
                 claimed_at=NOW, progress=dict(progress or {}), request=request(kind, text))


def test_lost_answer_after_facebook_accepted_is_found_by_text_and_not_reposted():
    # The feed POST reached Facebook, which created the post, but the answer was lost (HTTP 500).
    meta = Meta().on("POST", f"/{PAGE}/feed", (500, fx("error_2.json")))
    steps = []
    with pytest.raises(OutcomeUnknown):
        network(meta, recorded=steps).publish(request("text"))
    meta.on("GET", f"/{PAGE}/published_posts", fx("published_posts.json"))
    found = network(meta).reconcile(claim(progress=dict(steps)))
    assert found is not None and found.remote_id == "104567890123456_122098765432101"
    listed = meta.sent("GET", "/published_posts")[0]
    assert "message" in listed.url.params["fields"] and int(listed.url.params["since"]) < NOW.timestamp()
    assert len(meta.sent("POST", "/feed")) == 1  # reconcile never posts


def test_reconcile_not_found_means_safe_to_retry():
    meta = Meta().on("GET", f"/{PAGE}/published_posts", fx("published_posts_empty.json"))
    assert network(meta).reconcile(claim(progress={"final": {"sent": 1}})) is None


def test_reconcile_without_final_step_needs_no_call():
    meta = Meta()
    assert network(meta).reconcile(claim(progress={"photo:0": {"id": "1"}})) is None
    assert meta.requests == []


def test_reconcile_recorded_post():
    meta = Meta()
    found = network(meta).reconcile(claim(progress={"post": {"id": "1_2", "url": "https://www.facebook.com/1_2"}}))
    assert found.remote_id == "1_2" and meta.requests == []


def test_story_cannot_be_checked_and_becomes_unconfirmed():
    meta = Meta()
    with pytest.raises(OutcomeUnknown, match="story"):
        network(meta).reconcile(claim("story", progress={"story_photo": {"id": "9"}, "final": {"sent": 1}}))
    assert meta.requests == []


def test_story_whose_final_call_never_went_out_is_safe_to_retry():
    assert network(Meta()).reconcile(claim("story", progress={"story_photo": {"id": "9"}})) is None


def test_reel_reconciled_by_video_status():
    meta = Meta().on("GET", "/1234567890123402", fx("video_status_ready.json"))
    progress = {"reel": {"video_id": "1234567890123402"}, "reel_uploaded": {"video_id": "1234567890123402"},
                "final": {"sent": 1}}
    found = network(meta).reconcile(claim("reel", progress=progress))
    assert found.remote_id == "1234567890123402"
