"""Contract tests of the Mastodon adapter: httpx.MockTransport over payloads shaped as docs.joinmastodon.org
documents them (tests/fixtures/mastodon/)."""

from __future__ import annotations

import copy
import datetime as dt
import html
import itertools
import json
from pathlib import Path

import httpx
import pytest
from PIL import Image

from socialops.content.render import Rendered
from socialops.errors import (
    AuthError,
    ConfigError,
    OutcomeUnknown,
    PermanentNetworkError,
    RateLimited,
    TransientNetworkError,
)
from socialops.networks.mastodon.adapter import MastodonNetwork
from socialops.networks.mastodon.client import html_to_text
from socialops.networks.types import Claim, MediaFile, PublishRequest
from socialops.repository.profiles import parse_profile
from tests.helpers import Recorder

FIX = Path(__file__).parent / "fixtures" / "mastodon"
BASE = "https://mastodon.example"
TOKEN = "masto-secret-token-123"
NOW = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)


def fixture(name: str):
    return json.loads((FIX / name).read_text(encoding="utf-8"))


class FakeMastodon:
    """An instance as far as the adapter sees it: documented payloads, statuses and media kept, the
    Idempotency-Key honoured, faults injected per (method, path prefix)."""

    def __init__(self):
        self.ids = itertools.count(110_000_000_000_000_001)
        self.statuses: list[dict] = []
        self.media: dict[str, dict] = {}
        self.keys: dict[str, str] = {}
        self.calls: list[httpx.Request] = []
        self.faults: list[tuple[str, str, object]] = []
        self.processing_polls = 2  # GET /api/v1/media/:id answers 206 this many times for video
        self.headers: dict[str, str] = {}
        self.account = fixture("account.json")

    def fail(self, method: str, path: str, *effects) -> None:
        for effect in effects:
            self.faults.append((method, path, effect))

    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.calls]

    def status_posts(self) -> list[httpx.Request]:
        return [r for r in self.calls if r.method == "POST" and r.url.path == "/api/v1/statuses"]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        for i, (method, path, effect) in enumerate(self.faults):
            if request.method == method and request.url.path.startswith(path):
                del self.faults[i]
                if isinstance(effect, httpx.Response):
                    return effect
                if effect == "lose-answer":
                    self.handle(request)
                    raise httpx.ReadTimeout("timed out", request=request)
                if effect == "garbage":
                    self.handle(request)
                    return httpx.Response(200, content=b"<html>Bad gateway</html>")
                raise effect
        response = self.handle(request)
        response.headers.update(self.headers)
        return response

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return httpx.Response(401, json=fixture("error_401.json"))
        path = request.url.path
        if request.method == "POST" and path == "/api/v2/media":
            body = request.read()
            is_video = b"video/mp4" in body
            media = copy.deepcopy(fixture("media_202.json" if is_video else "media_200.json"))
            media["id"] = str(next(self.ids))
            media["type"] = "video" if is_video else "image"
            marker = b'name="description"\r\n\r\n'
            media["description"] = (body.split(marker, 1)[1].split(b"\r\n--", 1)[0].decode()
                                    if marker in body else None)
            self.media[media["id"]] = {"json": media, "polls": 0, "file": body}
            return httpx.Response(202 if is_video else 200, json=media)
        if request.method == "GET" and path.startswith("/api/v1/media/"):
            entry = self.media.get(path.rsplit("/", 1)[1])
            if entry is None:
                return httpx.Response(404, json=fixture("error_404.json"))
            if entry["json"]["url"] is None:
                entry["polls"] += 1
                if entry["polls"] <= self.processing_polls:
                    return httpx.Response(206, content=b"")
                entry["json"]["url"] = "https://files.mastodon.example/original/video.mp4"
            return httpx.Response(200, json=entry["json"])
        if request.method == "POST" and path == "/api/v1/statuses":
            key = request.headers.get("Idempotency-Key")
            if key and key in self.keys:
                return httpx.Response(200, json=next(s for s in self.statuses if s["id"] == self.keys[key]))
            params = json.loads(request.content)
            if not params.get("status") and not params.get("media_ids"):
                return httpx.Response(422, json=fixture("error_422_status.json"))
            media = [self.media[m]["json"] for m in params.get("media_ids", [])]
            if any(m["url"] is None for m in media):
                return httpx.Response(422, json=fixture("error_422_unprocessed.json"))
            status = copy.deepcopy(fixture("status.json"))
            status["id"] = str(next(self.ids))
            status["url"] = f"{BASE}/@Gargron/{status['id']}"
            status["created_at"] = "2026-12-01T07:00:01.000Z"
            status["content"] = "<p>" + html.escape(params["status"]).replace("\n\n", "</p><p>").replace(
                "\n", "<br />") + "</p>"
            status["media_attachments"] = media
            status["in_reply_to_id"] = params.get("in_reply_to_id")
            status["visibility"] = params.get("visibility", "public")
            status["language"] = params.get("language")
            self.statuses.append(status)
            if key:
                self.keys[key] = status["id"]
            return httpx.Response(200, json=status)
        if request.method == "GET" and path.startswith("/api/v1/statuses/") and path.endswith("/context"):
            sid = path.split("/")[4]
            return httpx.Response(200, json={"ancestors": [],
                                             "descendants": [s for s in self.statuses if s["in_reply_to_id"] == sid]})
        if request.method == "GET" and path == "/api/v1/accounts/verify_credentials":
            return httpx.Response(200, json=self.account)
        if request.method == "GET" and path == f"/api/v1/accounts/{self.account['id']}/statuses":
            newest_first = sorted(self.statuses, key=lambda s: int(s["id"]), reverse=True)
            max_id = request.url.params.get("max_id")
            if max_id:
                newest_first = [s for s in newest_first if int(s["id"]) < int(max_id)]
            limit = int(request.url.params.get("limit", 20))
            page = newest_first[:limit]
            headers = {}
            if len(newest_first) > limit:
                headers["Link"] = (f'<{BASE}{path}?limit={limit}&max_id={page[-1]["id"]}>; rel="next", '
                                   f'<{BASE}{path}?limit={limit}&min_id={page[0]["id"]}>; rel="prev"')
            return httpx.Response(200, json=page, headers=headers)
        return httpx.Response(404, json=fixture("error_404.json"))


PROFILE = f"""\
id: cafe-masto
network: mastodon
account: "@cafe@mastodon.example"
instance: {BASE}
token_env: MASTODON_TOKEN
language: fi
"""


@pytest.fixture
def server():
    return FakeMastodon()


@pytest.fixture
def rec():
    return Recorder()


def network(server, rec, *, profile=PROFILE, token=TOKEN, clock=lambda: NOW) -> MastodonNetwork:
    return MastodonNetwork(
        parse_profile(profile, "profiles/cafe-masto.yaml"), env={"MASTODON_TOKEN": token},
        client=httpx.Client(transport=httpx.MockTransport(server)), progress=rec.progress, clock=clock,
        sleep=rec.sleep,
    )


def request(text="Hei maailma", *, type="text", media=(), link=None, first_comment=None, key="k-1", live=None,
            resume=None, attempt=1) -> PublishRequest:
    rendered = Rendered(profile_id="cafe-masto", network="mastodon", type=type, text=text, length=len(text),
                        limit=500, link=link, first_comment=first_comment)
    return PublishRequest(post_id="post-1", profile_id="cafe-masto", idempotency_key=key, rendered=rendered,
                          media=list(media), live=live or {}, resume=dict(resume or {}), attempt=attempt)


def image(tmp_path: Path, name: str, index=0, alt="Piparkakkutalo") -> MediaFile:
    path = tmp_path / name
    Image.new("RGB", (64, 48), (200, 120, 40)).save(path, "JPEG")
    return MediaFile(path=path, rel=f"content/media/{name}", kind="image", alt=alt, index=index)


def video(tmp_path: Path, index=0) -> MediaFile:
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100)
    return MediaFile(path=path, rel="content/media/clip.mp4", kind="video", alt="Pullat uuniin", index=index)


# --- each type ---------------------------------------------------------------------------------------------------


def test_text_status_request_shape(server, rec):
    result = network(server, rec).publish(request("Tervetuloa! https://aurinko.example #kahvi"))
    (post,) = server.status_posts()
    assert post.headers["Authorization"] == f"Bearer {TOKEN}"
    assert post.headers["Idempotency-Key"] == "k-1"
    assert json.loads(post.content) == {"status": "Tervetuloa! https://aurinko.example #kahvi",
                                        "visibility": "public", "language": "fi"}
    status = server.statuses[0]
    assert result.remote_id == status["id"]
    assert result.url == f"{BASE}/@Gargron/{status['id']}"
    assert result.published_at == dt.datetime(2026, 12, 1, 7, 0, 1, tzinfo=dt.UTC)
    assert rec.steps == [("status", {"id": status["id"], "url": status["url"]})]


def test_image_with_alt_text(server, rec, tmp_path):
    media = image(tmp_path, "a.jpg")
    network(server, rec).publish(request("Kuva", type="image", media=[media]))
    upload = next(r for r in server.calls if r.url.path == "/api/v2/media")
    body = upload.read()
    assert upload.headers["Content-Type"].startswith("multipart/form-data")
    assert b'name="file"; filename="a.jpg"' in body and b"Content-Type: image/jpeg" in body
    assert media.path.read_bytes() in body
    media_id = next(iter(server.media))
    assert server.media[media_id]["json"]["description"] == "Piparkakkutalo"
    (post,) = server.status_posts()
    assert json.loads(post.content)["media_ids"] == [media_id]
    assert [s for s, _ in rec.steps] == ["media:0", "status"]
    assert rec.steps[0][1] == {"id": media_id}


def test_four_images_in_order(server, rec, tmp_path):
    media = [image(tmp_path, f"{i}.jpg", index=i, alt=f"kuva {i}") for i in range(4)]
    network(server, rec).publish(request("Neljä", type="carousel", media=media))
    ids = list(server.media)
    (post,) = server.status_posts()
    assert json.loads(post.content)["media_ids"] == ids
    assert [server.media[i]["json"]["description"] for i in ids] == ["kuva 0", "kuva 1", "kuva 2", "kuva 3"]
    assert [s for s, _ in rec.steps] == ["media:0", "media:1", "media:2", "media:3", "status"]


def test_video_waits_for_async_processing(server, rec, tmp_path):
    network(server, rec).publish(request("Video", type="video", media=[video(tmp_path)]))
    media_id = next(iter(server.media))
    polls = [p for p in server.paths() if p == f"GET /api/v1/media/{media_id}"]
    assert len(polls) == 3  # 206, 206, 200
    assert rec.sleeps == [1.0, 2.0]
    # the status is sent only after processing finished, and the media id was recorded before polling
    assert server.paths().index("POST /api/v1/statuses") > server.paths().index(polls[-1])
    assert [s for s, _ in rec.steps] == ["media:0", "status"]


def test_media_processing_error_is_permanent(server, rec, tmp_path):
    server.fail("GET", "/api/v1/media/", httpx.Response(422, json=fixture("error_422_media.json")))
    with pytest.raises(PermanentNetworkError, match="could not process"):
        network(server, rec).publish(request("Video", type="video", media=[video(tmp_path)]))
    assert server.statuses == []


def test_unprocessed_media_refusal_waits_and_tries_again(server, rec, tmp_path):
    media = image(tmp_path, "a.jpg")
    server.fail("POST", "/api/v1/statuses", httpx.Response(422, json=fixture("error_422_unprocessed.json")))
    network(server, rec).publish(request("Kuva", type="image", media=[media]))
    assert len(server.status_posts()) == 2 and len(server.statuses) == 1


def test_link_is_in_the_text(server, rec):
    network(server, rec).publish(request("Joulu!\n\nhttps://aurinko.example/joulu", type="link",
                                         link="https://aurinko.example/joulu"))
    (post,) = server.status_posts()
    assert json.loads(post.content)["status"].endswith("https://aurinko.example/joulu")


def test_live_announcement_gets_the_stream_address(server, rec):
    network(server, rec).publish(request("Live tänään klo 18!", type="live",
                                         live={"url": "https://live.example/aurinko"}))
    (post,) = server.status_posts()
    assert json.loads(post.content)["status"] == "Live tänään klo 18!\n\nhttps://live.example/aurinko"


def test_first_comment_is_a_self_reply_with_its_own_key(server, rec):
    result = network(server, rec).publish(request("Pää", first_comment="#joulu #kahvila"))
    post, reply = server.status_posts()
    assert reply.headers["Idempotency-Key"] == "k-1:first_comment"
    body = json.loads(reply.content)
    assert body["in_reply_to_id"] == result.remote_id and body["status"] == "#joulu #kahvila"
    assert result.extra["first_comment_id"] == server.statuses[1]["id"]
    assert [s for s, _ in rec.steps] == ["status", "first_comment"]


def test_failed_first_comment_keeps_the_post(server, rec):
    original = server.handle

    def handle(req):
        if req.method == "POST" and req.url.path == "/api/v1/statuses" and "in_reply_to_id" in json.loads(req.content):
            return httpx.Response(422, json={"error": "Validation failed: Text character limit of 500 exceeded"})
        return original(req)

    server.handle = handle
    result = network(server, rec).publish(request("Pää", first_comment="x" * 600))
    assert result.remote_id == server.statuses[0]["id"]
    assert "character limit" in result.extra["first_comment_error"]


def test_unsupported_type_is_refused(server, rec):
    with pytest.raises(PermanentNetworkError, match="reel"):
        network(server, rec).publish(request("x", type="reel"))
    assert server.calls == []


def test_profile_without_instance_is_a_config_error(server, rec):
    with pytest.raises(ConfigError, match="instance"):
        network(server, rec, profile="id: x\nnetwork: mastodon\ntoken_env: MASTODON_TOKEN\n").publish(request())


def test_instance_without_scheme(server, rec):
    net = network(server, rec, profile=PROFILE.replace(BASE, "mastodon.example"))
    net.publish(request())
    assert str(server.calls[0].url).startswith("https://mastodon.example/api/v1/statuses")


# --- errors ---------------------------------------------------------------------------------------------------------


def test_401_names_the_secret_and_hides_the_token(server, rec):
    with pytest.raises(AuthError) as caught:
        network(server, rec, token="wrong-token-456").publish(request())
    assert "MASTODON_TOKEN" in str(caught.value) and "wrong-token-456" not in str(caught.value)


def test_missing_token(server, rec):
    with pytest.raises(AuthError, match="MASTODON_TOKEN"):
        network(server, rec, token="").publish(request())
    assert server.calls == []


def test_422_validation_is_permanent(server, rec):
    with pytest.raises(PermanentNetworkError, match="Text can't be blank"):
        network(server, rec).publish(request(""))


def test_5xx_is_retried_with_the_same_key_and_posts_once(server, rec):
    server.fail("POST", "/api/v1/statuses", httpx.Response(503, json=fixture("error_503.json")))
    network(server, rec).publish(request("Uudestaan"))
    posts = server.status_posts()
    assert len(posts) == 2 and {p.headers["Idempotency-Key"] for p in posts} == {"k-1"}
    assert len(server.statuses) == 1


def test_lost_answer_is_retried_with_the_key_and_gets_the_same_status(server, rec):
    server.fail("POST", "/api/v1/statuses", "lose-answer")
    result = network(server, rec).publish(request("Katosi"))
    assert len(server.status_posts()) == 2 and len(server.statuses) == 1
    assert result.remote_id == server.statuses[0]["id"]


def test_answer_lost_every_time_is_outcome_unknown(server, rec):
    server.fail("POST", "/api/v1/statuses", *["lose-answer"] * 4)
    with pytest.raises(OutcomeUnknown, match="Idempotency-Key"):
        network(server, rec).publish(request("Ei vastausta"))
    assert len(server.statuses) == 1  # made once, whatever happened to the answers
    assert rec.steps == []


def test_malformed_json_after_posting_is_outcome_unknown(server, rec):
    server.fail("POST", "/api/v1/statuses", "garbage")
    with pytest.raises(OutcomeUnknown, match="JSON"):
        network(server, rec).publish(request("Roskaa"))


def test_malformed_json_from_media_upload_is_transient(server, rec, tmp_path):
    server.fail("POST", "/api/v2/media", httpx.Response(200, content=b"{not json"))
    with pytest.raises(TransientNetworkError) as caught:
        network(server, rec).publish(request("Kuva", type="image", media=[image(tmp_path, "a.jpg")]))
    assert not isinstance(caught.value, OutcomeUnknown)


def test_timeout_on_media_upload_is_retried(server, rec, tmp_path):
    server.fail("POST", "/api/v2/media", httpx.ReadTimeout("slow"))
    network(server, rec).publish(request("Kuva", type="image", media=[image(tmp_path, "a.jpg")]))
    assert server.paths().count("POST /api/v2/media") == 2


# --- rate limits ----------------------------------------------------------------------------------------------------


def test_429_far_reset_raises_rate_limited(server, rec):
    reset = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)).isoformat()
    server.fail("POST", "/api/v1/statuses", httpx.Response(
        429, json=fixture("error_429.json"),
        headers={"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}))
    with pytest.raises(RateLimited) as caught:
        network(server, rec).publish(request("Hidasta"))
    assert 1700 < caught.value.retry_after <= 1800
    assert server.statuses == []


def test_429_with_retry_after_waits_and_retries(server, rec):
    server.fail("POST", "/api/v1/statuses", httpx.Response(429, json=fixture("error_429.json"),
                                                            headers={"Retry-After": "3"}))
    network(server, rec).publish(request("Hidasta"))
    assert rec.sleeps == [3.0] and len(server.statuses) == 1


def test_remaining_zero_waits_before_the_next_call(server, rec, tmp_path):
    reset = (NOW + dt.timedelta(seconds=20)).isoformat().replace("+00:00", "Z")
    server.headers = {"X-RateLimit-Limit": "30", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
    network(server, rec).publish(request("Kuva", type="image", media=[image(tmp_path, "a.jpg")]))
    assert rec.sleeps == [20.0]


# --- resume and reconcile -----------------------------------------------------------------------------------------


def test_resume_reuses_uploaded_media(server, rec, tmp_path):
    net = network(server, rec)
    media = image(tmp_path, "a.jpg")
    net.publish(request("Eka", type="image", media=[media], key="first"))
    media_id = rec.steps[0][1]["id"]
    uploads = server.paths().count("POST /api/v2/media")
    net.publish(request("Toka", type="image", media=[media], key="second", resume={"media:0": {"id": media_id}},
                        attempt=2))
    assert server.paths().count("POST /api/v2/media") == uploads  # not uploaded again
    assert json.loads(server.status_posts()[-1].content)["media_ids"] == [media_id]


def test_resume_uploads_again_when_the_media_is_gone(server, rec, tmp_path):
    network(server, rec).publish(request("Kuva", type="image", media=[image(tmp_path, "a.jpg")],
                                         resume={"media:0": {"id": "999"}}, attempt=2))
    assert "GET /api/v1/media/999" in server.paths()
    assert server.paths().count("POST /api/v2/media") == 1


def test_resume_after_the_status_was_made_only_adds_the_comment(server, rec):
    net = network(server, rec)
    first = net.publish(request("Pää", key="k-9"))
    again = net.publish(request("Pää", key="k-9", first_comment="kommentti",
                                resume={"status": {"id": first.remote_id, "url": first.url}}, attempt=2))
    assert again.remote_id == first.remote_id
    assert [json.loads(p.content).get("in_reply_to_id") for p in server.status_posts()] == [None, first.remote_id]


def claim(key="k-1", *, age=dt.timedelta(minutes=5), progress=None, req=None) -> Claim:
    return Claim(post_id="post-1", profile_id="cafe-masto", idempotency_key=key, claimed_at=NOW - age,
                 progress=progress or {}, request=req)


def test_reconcile_within_the_hour_resends_with_the_key(server, rec):
    made = network(server, Recorder()).publish(request("Lähti jo", key="k-5"))
    found = network(server, rec).reconcile(claim("k-5", req=request("Lähti jo", key="k-5")))
    assert found.remote_id == made.remote_id
    assert server.status_posts()[-1].headers["Idempotency-Key"] == "k-5"
    assert len(server.statuses) == 1


def test_reconcile_within_the_hour_of_a_status_never_made_makes_it_once(server, rec):
    found = network(server, rec).reconcile(claim("k-6", req=request("Ei lähtenyt", key="k-6")))
    assert found is not None and len(server.statuses) == 1
    again = network(server, rec).reconcile(claim("k-6", req=request("Ei lähtenyt", key="k-6")))
    assert again.remote_id == found.remote_id and len(server.statuses) == 1


def test_reconcile_after_the_hour_matches_recent_statuses_by_text(server, rec):
    made = network(server, Recorder()).publish(request("Hyvää joulua!\n\nhttps://aurinko.example/joulu", key="old"))
    network(server, Recorder()).publish(request("Jotain muuta", key="other"))
    found = network(server, rec).reconcile(
        claim("old", age=dt.timedelta(hours=3), req=request("Hyvää joulua!\n\nhttps://aurinko.example/joulu")))
    assert found.remote_id == made.remote_id and found.extra["reconciled"] == "matched text"
    assert not any(p.headers.get("Idempotency-Key") == "old" for p in server.status_posts()[2:])
    assert "GET /api/v1/accounts/verify_credentials" in server.paths()


def test_reconcile_after_the_hour_without_a_match_is_none(server, rec):
    network(server, Recorder()).publish(request("Jotain muuta", key="other"))
    assert network(server, rec).reconcile(claim("old", age=dt.timedelta(hours=3), req=request("Ei tätä"))) is None


def test_reconcile_pages_through_the_timeline(server, rec):
    target = network(server, Recorder()).publish(request("Kohde", key="target"))
    for i in range(45):
        network(server, Recorder()).publish(request(f"Täyte {i}", key=f"fill-{i}"))
    found = network(server, rec).reconcile(claim("target", age=dt.timedelta(hours=2), req=request("Kohde")))
    assert found.remote_id == target.remote_id
    assert any("max_id" in str(r.url) for r in server.calls)


def test_reconcile_without_post_file_after_the_hour_is_unknown(server, rec):
    with pytest.raises(OutcomeUnknown, match="post file is gone"):
        network(server, rec).reconcile(claim("gone", age=dt.timedelta(hours=2)))


def test_reconcile_with_media_never_uploaded_is_none(server, rec, tmp_path):
    req = request("Kuva", type="image", media=[image(tmp_path, "a.jpg")])
    assert network(server, rec).reconcile(claim(req=req)) is None
    assert server.calls == []


def test_reconcile_uses_the_recorded_status(server, rec):
    found = network(server, rec).reconcile(claim(progress={"status": {"id": "42", "url": f"{BASE}/@x/42"}}))
    assert found.remote_id == "42" and server.calls == []


def test_html_content_back_to_text():
    content = ('<p>Hyvää joulua! <a href="https://aurinko.example/joulu" rel="nofollow noopener" target="_blank">'
               '<span class="invisible">https://</span><span class="">aurinko.example/joulu</span>'
               '<span class="invisible"></span></a></p><p>Rivi<br />toinen &amp; <a href="https://m.example/tags/kahvi" '
               'class="mention hashtag">#<span>kahvi</span></a></p>')
    assert html_to_text(content) == "Hyvää joulua! https://aurinko.example/joulu\n\nRivi\ntoinen & #kahvi"


def test_reconcile_finishes_the_first_comment_of_a_dead_run(server, rec):
    made = network(server, Recorder()).publish(request("Pää", key="k-7"))  # died before the comment
    req = request("Pää", key="k-7", first_comment="#joulu")
    found = network(server, rec).reconcile(claim("k-7", age=dt.timedelta(hours=3), req=req,
                                                 progress={"status": {"id": made.remote_id, "url": made.url}}))
    reply = server.statuses[-1]
    assert reply["in_reply_to_id"] == made.remote_id and found.extra["first_comment_id"] == reply["id"]
    assert server.status_posts()[-1].headers["Idempotency-Key"] == "k-7:first_comment"
    assert rec.steps == [("first_comment", {"id": reply["id"]})]
    # Reconciling again finds that reply among the status's replies instead of posting another.
    req = request("Pää", key="k-7", first_comment="#joulu")
    again = network(server, Recorder()).reconcile(claim("k-7", age=dt.timedelta(hours=3), req=req,
                                                        progress={"status": {"id": made.remote_id}}))
    assert again.extra["first_comment_id"] == reply["id"] and len(server.statuses) == 2


def test_reconcile_uses_the_claims_key_not_the_requests(server, rec):
    """The publisher renders the post again before it knows which claim it asks about: the claim's key wins."""
    made = network(server, Recorder()).publish(request("Avain", key="claim-key"))
    found = network(server, rec).reconcile(claim("claim-key", req=request("Avain", key="fresh-key")))
    assert found.remote_id == made.remote_id and len(server.statuses) == 1
    assert server.status_posts()[-1].headers["Idempotency-Key"] == "claim-key"
