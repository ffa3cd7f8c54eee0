"""Contract tests of the LinkedIn organization adapter over httpx.MockTransport, with payloads shaped as LinkedIn
documents them (tests/fixtures/linkedin/)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx
import pytest

from socialops.content.render import Rendered
from socialops.errors import AuthError, OutcomeUnknown, PermanentNetworkError, RateLimited
from socialops.networks.linkedin.adapter import (
    LINKEDIN_VERSION,
    LinkedInNetwork,
    escape_commentary,
    unescape_commentary,
)
from socialops.networks.types import Claim, MediaFile, PublishRequest
from socialops.repository.profiles import Profile
from tests.helpers import RouteFake

FIX = Path(__file__).parent / "fixtures" / "linkedin"
NOW = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)
TOKEN = "AQVlinkedintokenvalue123456"
ORG = "urn:li:organization:2414183"
TEXT = "Joulukalenteri, luukku 1: piparkakkutalo (ikkunalaudalla) #joulu"
POST_URN = "urn:li:share:7267000000000000001"


def fx(name: str):
    return json.loads((FIX / name).read_text())


class LinkedIn(RouteFake):
    """A fake LinkedIn API: routes are raw paths (with ?action=…), and 'upload:' + the path for uploads."""

    def key(self, request: httpx.Request) -> str:
        if request.url.host != "api.linkedin.com":
            return "upload:" + request.url.path
        key = request.url.raw_path.decode().split("?")[0]
        action = request.url.params.get("action")
        return f"{key}?action={action}" if action else key

    def sent(self, method: str, key: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and key in r.url.raw_path.decode()]


def network(api: LinkedIn, *, recorded=None, sleeps=None) -> LinkedInNetwork:
    prof = Profile(id="aurinko-linkedin", path="profiles/aurinko-linkedin.yaml",
                   raw={"id": "aurinko-linkedin", "network": "linkedin", "token_env": "LI_TOKEN",
                        "organization_id": 2414183})
    calls = recorded if recorded is not None else []
    return LinkedInNetwork(prof, env={"LI_TOKEN": TOKEN},
                           client=httpx.Client(transport=httpx.MockTransport(api.handler)), clock=lambda: NOW,
                           sleep=(sleeps.append if sleeps is not None else (lambda s: None)),
                           progress=lambda item, step, data: calls.append((step, data)))


def media(tmp_path: Path, name: str, kind: str, index: int = 0, alt=None, content=b"img", captions=None):
    path = tmp_path / name
    path.write_bytes(content)
    cap = None
    if captions:
        cap = tmp_path / captions
        cap.write_text("1\n00:00:00,000 --> 00:00:02,000\nHei!\n", encoding="utf-8")
    return MediaFile(path=path, rel=f"content/2026/12/media/{name}", kind=kind, alt=alt, captions=cap, index=index)


def request(kind: str, *, media=(), link=None, first_comment=None, resume=None, text=TEXT) -> PublishRequest:
    rendered = Rendered(profile_id="aurinko-linkedin", network="linkedin", type=kind, text=text, length=len(text),
                        limit=3000, link=link, first_comment=first_comment)
    return PublishRequest(post_id="joulukalenteri-1", profile_id="aurinko-linkedin", idempotency_key="k-1",
                          rendered=rendered, media=list(media), resume=dict(resume or {}))


CREATED = (201, None, fx("post_created_headers.json"))


def body(request: httpx.Request):
    return json.loads(request.content)


def test_text_post_headers_payload_and_escaping():
    api = LinkedIn().on("POST", "/rest/posts", CREATED)
    steps = []
    result = network(api, recorded=steps).publish(request("text"))
    sent = api.sent("POST", "/rest/posts")[0]
    assert sent.headers["LinkedIn-Version"] == LINKEDIN_VERSION
    assert sent.headers["X-Restli-Protocol-Version"] == "2.0.0"
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert body(sent) == {
        "author": ORG, "commentary": r"Joulukalenteri, luukku 1: piparkakkutalo \(ikkunalaudalla\) \#joulu",
        "visibility": "PUBLIC", "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [],
                                                 "thirdPartyDistributionChannels": []},
        "lifecycleState": "PUBLISHED", "isReshareDisabledByAuthor": False}
    assert result.remote_id == POST_URN
    assert result.url == f"https://www.linkedin.com/feed/update/{POST_URN}/"
    assert [s for s, _ in steps] == ["final", "post"]


def test_every_reserved_character_is_escaped_and_round_trips():
    raw = "\\ | { } @ [ ] ( ) < > # * _ ~ plain."
    escaped = escape_commentary(raw)
    assert escaped == r"\\ \| \{ \} \@ \[ \] \( \) \< \> \# \* \_ \~ plain."
    assert unescape_commentary(escaped) == raw


def test_link_post_is_an_article():
    api = LinkedIn().on("POST", "/rest/posts", CREATED)
    network(api).publish(request("link", link="https://aurinko.example/joulu"))
    content = body(api.sent("POST", "/rest/posts")[0])["content"]
    assert content == {"article": {"source": "https://aurinko.example/joulu", "title": TEXT}}


def test_image_upload_flow_with_alt_text(tmp_path):
    api = LinkedIn().on("POST", "/rest/images?action=initializeUpload", fx("images_initialize_1.json"))
    api.on("PUT", "upload:/dms-uploads/sp/v2/D4E10AQFoyyAjHPMQuQ/uploaded-image/0", (201, None))
    api.on("GET", "/rest/images/urn%3Ali%3Aimage%3AD4E10AQFoyyAjHPMQuQ", fx("image_processing.json"),
           fx("image_available.json"))
    api.on("POST", "/rest/posts", CREATED)
    steps, sleeps = [], []
    network(api, recorded=steps, sleeps=sleeps).publish(
        request("image", media=[media(tmp_path, "a.jpg", "image", alt="Piparkakkutalo", content=b"JPEGDATA")]))
    init = api.sent("POST", "/rest/images")[0]
    assert body(init) == {"initializeUploadRequest": {"owner": ORG}}
    put = [r for r in api.requests if r.method == "PUT"][0]
    assert put.content == b"JPEGDATA" and put.headers["Authorization"] == f"Bearer {TOKEN}"
    assert len(sleeps) == 1  # PROCESSING, then AVAILABLE
    content = body(api.sent("POST", "/rest/posts")[0])["content"]
    assert content == {"media": {"id": "urn:li:image:D4E10AQFoyyAjHPMQuQ", "altText": "Piparkakkutalo"}}
    assert [s for s, _ in steps] == ["image:0", "image:0:uploaded", "final", "post"]
    assert steps[0][1]["upload_url"].startswith("https://www.linkedin.com/dms-uploads/")


def test_multi_image(tmp_path):
    api = LinkedIn().on("POST", "/rest/images?action=initializeUpload", fx("images_initialize_1.json"),
                        fx("images_initialize_2.json"))
    api.on("PUT", "upload:/dms-uploads/sp/v2/D4E10AQFoyyAjHPMQuQ/uploaded-image/0", (201, None))
    api.on("PUT", "upload:/dms-uploads/sp/v2/D4E10AQHsecond22/uploaded-image/0", (201, None))
    api.on("GET", "/rest/images/urn%3Ali%3Aimage%3AD4E10AQFoyyAjHPMQuQ", fx("image_available.json"))
    api.on("GET", "/rest/images/urn%3Ali%3Aimage%3AD4E10AQHsecond22", fx("image_available.json"))
    api.on("POST", "/rest/posts", CREATED)
    imgs = [media(tmp_path, "a.jpg", "image", 0, alt="A"), media(tmp_path, "b.jpg", "image", 1, alt="B")]
    network(api).publish(request("carousel", media=imgs))
    content = body(api.sent("POST", "/rest/posts")[0])["content"]
    assert content == {"multiImage": {"images": [{"id": "urn:li:image:D4E10AQFoyyAjHPMQuQ", "altText": "A"},
                                                 {"id": "urn:li:image:D4E10AQHsecond22", "altText": "B"}]}}


def test_image_resume_does_not_register_or_upload_again(tmp_path):
    api = LinkedIn().on("GET", "/rest/images/urn%3Ali%3Aimage%3AD4E10AQFoyyAjHPMQuQ", fx("image_available.json"))
    api.on("POST", "/rest/posts", CREATED)
    resume = {"image:0": {"urn": "urn:li:image:D4E10AQFoyyAjHPMQuQ", "upload_url": "https://www.linkedin.com/x"},
              "image:0:uploaded": {"urn": "urn:li:image:D4E10AQFoyyAjHPMQuQ"}}
    network(api).publish(request("image", media=[media(tmp_path, "a.jpg", "image")], resume=resume))
    assert not api.sent("POST", "/rest/images") and not [r for r in api.requests if r.method == "PUT"]


def video_routes(api: LinkedIn) -> LinkedIn:
    api.on("POST", "/rest/videos?action=initializeUpload", fx("videos_initialize.json"))
    api.on("PUT", "upload:/dms-uploads/sp/v2/D5F10AQGKQg_6y2a4sQ/uploaded-video/0",
           (200, None, {"ETag": '"etag-part-0"'}))
    api.on("PUT", "upload:/dms-uploads/sp/v2/D5F10AQGKQg_6y2a4sQ/uploaded-video/1",
           (200, None, {"ETag": '"etag-part-1"'}))
    api.on("POST", "/rest/videos?action=finalizeUpload", (200, None))
    api.on("POST", "upload:/dms-uploads/sp/v2/D5F10AQGKQg_6y2a4sQ/captions/0", (201, None))
    api.on("GET", "/rest/videos/urn%3Ali%3Avideo%3AD5F10AQGKQg_6y2a4sQ", fx("video_processing.json"),
           fx("video_available.json"))
    api.on("POST", "/rest/posts", CREATED)
    return api


def test_video_upload_in_parts_finalize_captions_and_post(tmp_path):
    api = video_routes(LinkedIn())
    steps = []
    vid = media(tmp_path, "clip.mp4", "video", content=b"0123456789ABCDE", captions="clip.fi.srt")
    network(api, recorded=steps).publish(request("video", media=[vid]))
    init = body([r for r in api.requests if r.url.params.get("action") == "initializeUpload"][0])
    assert init == {"initializeUploadRequest": {"owner": ORG, "fileSizeBytes": 15, "uploadCaptions": True,
                                                "uploadThumbnail": False}}
    puts = [r for r in api.requests if r.method == "PUT"]
    assert [p.content for p in puts] == [b"0123456789", b"ABCDE"]  # firstByte..lastByte inclusive
    final = body([r for r in api.requests if r.url.params.get("action") == "finalizeUpload"][0])
    assert final == {"finalizeUploadRequest": {"video": "urn:li:video:D5F10AQGKQg_6y2a4sQ", "uploadToken": "",
                                               "uploadedPartIds": ["etag-part-0", "etag-part-1"]}}
    cap = [r for r in api.requests if "/captions/" in r.url.path][0]
    assert b"00:00:00,000 --> 00:00:02,000" in cap.content and b'"format": "SRT"' in cap.content
    assert b'"language": "fi"' in cap.content
    content = body(api.sent("POST", "/rest/posts")[0])["content"]
    assert content["media"]["id"] == "urn:li:video:D5F10AQGKQg_6y2a4sQ"
    assert [s for s, _ in steps] == ["video", "video:part:0", "video:part:1", "video:finalized", "video:captions",
                                     "final", "post"]


def test_video_resume_uploads_only_missing_parts(tmp_path):
    api = video_routes(LinkedIn())
    first = LinkedIn()
    first.routes = {k: list(v) for k, v in api.routes.items()}
    first.routes[("PUT", "upload:/dms-uploads/sp/v2/D5F10AQGKQg_6y2a4sQ/uploaded-video/1")] = [
        httpx.ConnectError("reset")]
    steps = []
    vid = media(tmp_path, "clip.mp4", "video", content=b"0123456789ABCDE")
    with pytest.raises(Exception):  # noqa: B017 - the connection keeps failing; the kind is Http's business
        network(first, recorded=steps).publish(request("video", media=[vid]))
    assert [s for s, _ in steps] == ["video", "video:part:0"]
    network(api).publish(request("video", media=[vid], resume=dict(steps)))
    assert not [r for r in api.requests if r.url.params.get("action") == "initializeUpload"]
    assert [r.url.path.rsplit("/", 1)[1] for r in api.requests if r.method == "PUT"] == ["1"]


def test_video_processing_failed_is_permanent(tmp_path):
    api = video_routes(LinkedIn())
    api.routes[("GET", "/rest/videos/urn%3Ali%3Avideo%3AD5F10AQGKQg_6y2a4sQ")] = [fx("video_failed.json")]
    with pytest.raises(PermanentNetworkError, match="could not be decoded"):
        network(api).publish(request("video", media=[media(tmp_path, "c.mp4", "video", content=b"0123456789ABCDE")]))


def test_live_is_an_announcement():
    api = LinkedIn().on("POST", "/rest/posts", CREATED)
    result = network(api).publish(request("live"))
    assert result.extra["live"] == "announcement" and "approved partners" in result.extra["note"]


def test_first_comment_through_social_actions():
    api = LinkedIn().on("POST", "/rest/posts", CREATED)
    api.on("POST", "/rest/socialActions/urn%3Ali%3Ashare%3A7267000000000000001/comments",
           (201, fx("comment_created.json"), {"x-restli-id": "7267000000000000099"}))
    result = network(api).publish(request("text", first_comment="Lisää: https://aurinko.example/joulu"))
    sent = api.sent("POST", "/comments")[0]
    assert body(sent) == {"actor": ORG, "object": POST_URN, "message": {"text": "Lisää: https://aurinko.example/joulu"}}
    assert sent.headers["LinkedIn-Version"] == LINKEDIN_VERSION
    assert result.extra["first_comment_id"] == "7267000000000000099"


# --- errors ------------------------------------------------------------------------------------------------


def test_bare_429_is_rate_limited_until_midnight_utc():
    api = LinkedIn().on("POST", "/rest/posts", (429, fx("error_429.json")))
    with pytest.raises(RateLimited, match="midnight UTC") as info:
        network(api).publish(request("text"))
    assert info.value.retry_after == 17 * 3600  # 07:00 UTC -> 00:00 UTC
    assert len(api.sent("POST", "/rest/posts")) == 1


def test_401_names_the_secret_without_the_token():
    api = LinkedIn().on("POST", "/rest/posts", (401, fx("error_401.json")))
    with pytest.raises(AuthError, match="LI_TOKEN") as info:
        network(api).publish(request("text"))
    assert TOKEN not in str(info.value)


def test_403_missing_permission_is_auth_error():
    api = LinkedIn().on("POST", "/rest/posts", (403, fx("error_403.json")))
    with pytest.raises(AuthError):
        network(api).publish(request("text"))


def test_422_is_permanent():
    api = LinkedIn().on("POST", "/rest/posts", (422, fx("error_422.json")))
    with pytest.raises(PermanentNetworkError):
        network(api).publish(request("text"))


@pytest.mark.parametrize("answer", [(500, {"message": "Internal"}), (503, None), httpx.ReadTimeout("t"),
                                    (201, None, {})])
def test_create_answer_lost_is_outcome_unknown(answer):
    api = LinkedIn().on("POST", "/rest/posts", answer)
    with pytest.raises(OutcomeUnknown):
        network(api).publish(request("text"))
    assert len(api.sent("POST", "/rest/posts")) == 1


def test_5xx_on_status_poll_is_retried(tmp_path):
    api = LinkedIn().on("GET", "/rest/images/urn%3Ali%3Aimage%3AD4E10AQFoyyAjHPMQuQ", (502, None),
                        fx("image_available.json"))
    api.on("POST", "/rest/posts", CREATED)
    resume = {"image:0": {"urn": "urn:li:image:D4E10AQFoyyAjHPMQuQ"}, "image:0:uploaded": {"urn": "x"}}
    network(api).publish(request("image", media=[media(tmp_path, "a.jpg", "image")], resume=resume))
    assert len(api.sent("GET", "/rest/images/")) == 2


def test_malformed_json_on_registration_is_transient(tmp_path):
    api = LinkedIn().on("POST", "/rest/images?action=initializeUpload", httpx.Response(200, content=b"{broken"))
    with pytest.raises(Exception) as info:  # noqa: B017
        network(api).publish(request("image", media=[media(tmp_path, "a.jpg", "image")]))
    assert info.value.transient and not isinstance(info.value, OutcomeUnknown)


# --- reconciliation ----------------------------------------------------------------------------------------


def claim(progress, text=TEXT):
    return Claim(post_id="joulukalenteri-1", profile_id="aurinko-linkedin", idempotency_key="k-1",
                 claimed_at=NOW, progress=progress, request=request("text", text=text))


def test_lost_answer_after_linkedin_accepted_is_matched_by_commentary():
    api = LinkedIn().on("POST", "/rest/posts", (504, None))
    steps = []
    with pytest.raises(OutcomeUnknown):
        network(api, recorded=steps).publish(request("text"))
    api.on("GET", "/rest/posts", fx("posts_by_author.json"))
    found = network(api).reconcile(claim(dict(steps)))
    assert found is not None and found.remote_id == POST_URN
    listed = api.sent("GET", "/rest/posts")[0]
    assert listed.url.params["q"] == "author" and listed.url.params["author"] == ORG
    assert "author=urn%3Ali%3Aorganization%3A2414183" in str(listed.url)
    assert listed.headers["LinkedIn-Version"] == LINKEDIN_VERSION
    assert len(api.sent("POST", "/rest/posts")) == 1


def test_reconcile_not_found_is_safe_to_retry():
    api = LinkedIn().on("GET", "/rest/posts", fx("posts_by_author_empty.json"))
    assert network(api).reconcile(claim({"final": {"sent": 1}})) is None


def test_reconcile_before_the_create_call_makes_no_request():
    api = LinkedIn()
    assert network(api).reconcile(claim({"image:0": {"urn": "u"}})) is None
    assert api.requests == []
