"""Contract tests of the Bluesky adapter: httpx.MockTransport over XRPC payloads shaped as the real PDS
answers them (tests/fixtures/bluesky/, recorded from @atproto/dev-env; lexicon shapes)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import time
from pathlib import Path

import httpx
import pytest
from PIL import Image

from socialops.content.render import Rendered
from socialops.errors import (
    AuthError,
    OutcomeUnknown,
    PermanentNetworkError,
    RateLimited,
    TransientNetworkError,
)
from socialops.networks.bluesky.adapter import BlueskyNetwork
from socialops.networks.bluesky.client import is_tid, tid_for
from socialops.networks.bluesky.media import caption_lang
from socialops.networks.types import Claim, MediaFile, PublishRequest
from socialops.repository.profiles import parse_profile
from tests.helpers import Recorder

FIX = Path(__file__).parent / "fixtures" / "bluesky"
SERVICE = "https://pds.example"
PASSWORD = "abcd-efgh-ijkl-mnop"
NOW = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)
WALL = dt.datetime(2026, 12, 3, 8, 30, 15, 250000, tzinfo=dt.UTC)  # the real time, when a run's --now is NOW


def fixture(name: str) -> dict:
    return json.loads((FIX / name).read_text(encoding="utf-8"))


class FakePDS:
    """A PDS as far as the adapter sees it: answers with the recorded fixture shapes, keeps records and blobs,
    and lets a test inject a failure for the next call of an XRPC method."""

    def __init__(self):
        self.session = fixture("create_session.json")
        self.did = self.session["did"]
        self.records: dict[str, dict] = {}
        self.blobs: dict[str, tuple[bytes, str]] = {}
        self.calls: list[tuple[str, httpx.Request]] = []
        self.faults: dict[str, list] = {}
        self.handles = {"fan.test": fixture("resolve_handle.json")["did"]}
        self.access = {self.session["accessJwt"]}
        self.expired: set[str] = set()
        self.pages: dict[str, httpx.Response] = {}
        self.headers: dict[str, str] = {}

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def bodies(self, name: str) -> list[dict]:
        return [json.loads(req.content) for n, req in self.calls if n == name]

    def fail(self, nsid: str, *effects) -> None:
        self.faults.setdefault(nsid, []).extend(effects)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if not str(request.url).startswith(SERVICE):
            page = self.pages.get(str(request.url))
            if isinstance(page, Exception):
                raise page
            return page or httpx.Response(404, text="not found")
        nsid = request.url.path.removeprefix("/xrpc/")
        self.calls.append((nsid, request))
        effects = self.faults.get(nsid)
        if effects:
            effect = effects.pop(0)
            if isinstance(effect, httpx.Response):
                return effect
            if effect == "lose-answer":  # carry the call out, then lose the answer
                self.handle(nsid, request)
                raise httpx.ReadTimeout("timed out", request=request)
            if effect == "garbage":
                self.handle(nsid, request)
                return httpx.Response(200, content=b"<html>502 proxy</html>")
            raise effect
        response = self.handle(nsid, request)
        response.headers.update(self.headers)
        return response

    def _auth(self, request: httpx.Request) -> httpx.Response | None:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token in self.expired:
            return httpx.Response(400, json=fixture("error_expired_token.json"))
        if token not in self.access:
            return httpx.Response(400, json=fixture("error_invalid_token.json"))
        return None

    def handle(self, nsid: str, request: httpx.Request) -> httpx.Response:
        if nsid == "com.atproto.server.createSession":
            body = json.loads(request.content)
            if body != {"identifier": "brand.test", "password": PASSWORD}:
                return httpx.Response(401, json=fixture("error_bad_password.json"))
            return httpx.Response(200, json=self.session)
        if nsid == "com.atproto.server.refreshSession":
            if request.headers.get("Authorization") != f"Bearer {self.session['refreshJwt']}":
                return httpx.Response(400, json=fixture("error_expired_token.json"))
            fresh = fixture("refresh_session.json")
            self.access.add(fresh["accessJwt"])
            return httpx.Response(200, json=fresh)
        denied = self._auth(request)
        if denied is not None:
            return denied
        if nsid == "com.atproto.identity.resolveHandle":
            did = self.handles.get(request.url.params["handle"])
            if did is None:
                return httpx.Response(400, json=fixture("error_resolve_handle.json"))
            return httpx.Response(200, json={"did": did})
        if nsid == "com.atproto.repo.uploadBlob":
            data = request.content
            cid = "bafkrei" + format(abs(hash(data)) % (1 << 60), "x").rjust(16, "a")
            mime = request.headers["Content-Type"]
            self.blobs[cid] = (data, mime)
            blob = fixture("upload_blob.json")
            blob["blob"].update({"ref": {"$link": cid}, "mimeType": mime, "size": len(data)})
            return httpx.Response(200, json=blob)
        if nsid == "com.atproto.repo.createRecord":
            body = json.loads(request.content)
            assert body["repo"] == self.did and body["collection"] == "app.bsky.feed.post"
            rkey = body["rkey"]
            assert is_tid(rkey)
            if rkey in self.records:
                return httpx.Response(500, json=fixture("error_duplicate_rkey_500.json"))
            for blob in _blobs_in(body["record"]):
                if blob["ref"]["$link"] not in self.blobs:
                    return httpx.Response(400, json=fixture("error_blob_not_found.json"))
            answer = copy.deepcopy(fixture("create_record.json"))
            answer["uri"] = f"at://{self.did}/app.bsky.feed.post/{rkey}"
            answer["cid"] = "bafyrei" + rkey
            self.records[rkey] = {"uri": answer["uri"], "cid": answer["cid"], "value": body["record"]}
            return httpx.Response(200, json=answer)
        if nsid == "com.atproto.repo.getRecord":
            rkey = request.url.params["rkey"]
            if rkey not in self.records:
                return httpx.Response(400, json=fixture("error_record_not_found.json"))
            return httpx.Response(200, json=self.records[rkey])
        return httpx.Response(501, json={"error": "MethodNotImplemented", "message": nsid})


def _blobs_in(value):
    if isinstance(value, dict):
        if value.get("$type") == "blob":
            yield value
        for v in value.values():
            yield from _blobs_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from _blobs_in(v)


PROFILE = """\
id: cafe-bsky
network: bluesky
account: brand.test
service: https://pds.example
token_env: BSKY_APP_PASSWORD
language: [fi, en]
"""


@pytest.fixture
def pds():
    return FakePDS()


@pytest.fixture
def rec():
    return Recorder()


def network(pds, rec, profile: str = PROFILE, password: str = PASSWORD, wall_clock=lambda: WALL) -> BlueskyNetwork:
    client = httpx.Client(transport=httpx.MockTransport(pds))
    return BlueskyNetwork(
        parse_profile(profile, "profiles/cafe-bsky.yaml"), env={"BSKY_APP_PASSWORD": password}, client=client,
        progress=rec.progress, clock=lambda: NOW, sleep=rec.sleep, wall_clock=wall_clock,
    )


def request(text="Hei maailma", *, type="text", media=(), link=None, first_comment=None, tags=(), key="k-1",
            live=None, resume=None, attempt=1) -> PublishRequest:
    rendered = Rendered(profile_id="cafe-bsky", network="bluesky", type=type, text=text, length=len(text), limit=300,
                        link=link, first_comment=first_comment, tags=list(tags))
    return PublishRequest(post_id="post-1", profile_id="cafe-bsky", idempotency_key=key, rendered=rendered,
                          media=list(media), live=live or {}, resume=dict(resume or {}), attempt=attempt)


def image(tmp_path: Path, name: str, size=(1200, 800), index=0, alt="Piparkakkutalo") -> MediaFile:
    path = tmp_path / name
    Image.new("RGB", size, (200, 120, 40)).save(path, "JPEG")
    return MediaFile(path=path, rel=f"content/media/{name}", kind="image", alt=alt, index=index)


# --- record keys ---------------------------------------------------------------------------------------------


def test_record_key_is_a_valid_tid_derived_from_the_key():
    assert tid_for("claim-1") == tid_for("claim-1")
    assert tid_for("claim-1") != tid_for("claim-2")
    assert tid_for("claim-1") != tid_for("claim-1:first_comment")
    for key in ("a", "joulukalenteri-1/cafe-bsky/1", "ä" * 100):
        rkey = tid_for(key)
        assert len(rkey) == 13 and is_tid(rkey), rkey


# --- publishing each type ------------------------------------------------------------------------------------


def test_text_post_request_shape(pds, rec):
    net = network(pds, rec)
    text = "Tervetuloa! ☕ #kahvi https://aurinko.example/menu ja @fan.test"
    result = net.publish(request(text, tags=["#joulu", "kahvila"]))

    assert pds.names() == [
        "com.atproto.server.createSession",
        "com.atproto.identity.resolveHandle",
        "com.atproto.repo.createRecord",
    ]
    (body,) = pds.bodies("com.atproto.repo.createRecord")
    rkey = tid_for("k-1")
    assert body["rkey"] == rkey and body["repo"] == pds.did and body["collection"] == "app.bsky.feed.post"
    record = body["record"]
    assert record["$type"] == "app.bsky.feed.post"
    assert record["text"] == text
    assert record["createdAt"] == "2026-12-03T08:30:15.250Z"  # the real time, not the run's NOW
    assert record["langs"] == ["fi", "en"]
    assert "tags" not in record  # the post's tags are the team's own: never published
    features = {f["features"][0]["$type"].split("#")[1]: f for f in record["facets"]}
    raw = text.encode()
    link = features["link"]
    assert raw[link["index"]["byteStart"]:link["index"]["byteEnd"]] == b"https://aurinko.example/menu"
    assert features["tag"]["features"][0]["tag"] == "kahvi"
    assert features["mention"]["features"][0]["did"] == pds.handles["fan.test"]
    assert "embed" not in record

    assert result.remote_id == f"at://{pds.did}/app.bsky.feed.post/{rkey}"
    assert result.url == f"https://bsky.app/profile/brand.test/post/{rkey}"
    assert result.extra["cid"] == "bafyrei" + rkey
    assert rec.steps == [("post", {"uri": result.remote_id, "cid": "bafyrei" + rkey})]
    auth = [req.headers.get("Authorization") for n, req in pds.calls if n != "com.atproto.server.createSession"]
    assert auth == [f"Bearer {pds.session['accessJwt']}"] * 2


def test_image_with_alt_uploads_blob_then_records_it_before_the_post(pds, rec, tmp_path):
    net = network(pds, rec)
    media = image(tmp_path, "a.jpg", size=(1200, 800))
    net.publish(request("Kuva", type="image", media=[media]))

    upload = next(req for n, req in pds.calls if n == "com.atproto.repo.uploadBlob")
    assert upload.headers["Content-Type"] == "image/jpeg"
    assert upload.content == media.path.read_bytes()  # raw bytes, not multipart
    (body,) = pds.bodies("com.atproto.repo.createRecord")
    embed = body["record"]["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    (entry,) = embed["images"]
    assert entry["alt"] == "Piparkakkutalo"
    assert entry["aspectRatio"] == {"width": 1200, "height": 800}
    assert entry["image"]["$type"] == "blob" and entry["image"]["mimeType"] == "image/jpeg"
    assert [s for s, _ in rec.steps] == ["blob:0", "post"]
    assert rec.steps[0][1]["cid"] == entry["image"]["ref"]["$link"]


def test_four_images_keep_order_and_empty_alt_is_sent(pds, rec, tmp_path):
    net = network(pds, rec)
    media = [image(tmp_path, f"{i}.jpg", size=(100 + i, 100), index=i, alt=None if i == 3 else f"kuva {i}")
             for i in range(4)]
    net.publish(request("Neljä kuvaa", type="carousel", media=media))
    (body,) = pds.bodies("com.atproto.repo.createRecord")
    images = body["record"]["embed"]["images"]
    assert [i["alt"] for i in images] == ["kuva 0", "kuva 1", "kuva 2", ""]
    assert [i["aspectRatio"]["width"] for i in images] == [100, 101, 102, 103]
    assert [s for s, _ in rec.steps] == ["blob:0", "blob:1", "blob:2", "blob:3", "post"]


def test_five_images_or_video_with_images_are_refused_before_upload(pds, rec, tmp_path):
    five = [image(tmp_path, f"{i}.jpg", index=i) for i in range(5)]
    with pytest.raises(PermanentNetworkError, match="at most 4 images"):
        network(pds, rec).publish(request("Viisi", type="carousel", media=five))
    clip = tmp_path / "c.mp4"
    clip.write_bytes(b"\x00" * 10)
    mixed = [five[0], MediaFile(path=clip, rel="content/media/c.mp4", kind="video", index=1)]
    with pytest.raises(PermanentNetworkError, match="one video, or up to four images"):
        network(pds, rec).publish(request("Sekaisin", type="video", media=mixed))
    assert pds.calls == []


def test_image_over_two_megabytes_is_refused_before_upload(pds, rec, tmp_path):
    path = tmp_path / "big.png"
    path.write_bytes(b"\x89PNG" + b"0" * 2_000_001)
    media = MediaFile(path=path, rel="content/media/big.png", kind="image", alt="x")
    with pytest.raises(PermanentNetworkError, match="2,000,000"):
        network(pds, rec).publish(request("Iso", type="image", media=[media]))
    assert "com.atproto.repo.uploadBlob" not in pds.names()


def test_video_with_srt_captions_converted_to_webvtt(pds, rec, tmp_path):
    video = tmp_path / "leipomo.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 500)
    srt = tmp_path / "leipomo.fi.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:02,000\nUuni on lämmin.\n", encoding="utf-8")
    media = MediaFile(path=video, rel="content/media/leipomo.mp4", kind="video", alt="Pulla uuniin",
                      captions=srt, captions_rel="content/media/leipomo.fi.srt")
    network(pds, rec).publish(request("Aamu leipomossa", type="video", media=[media]))

    uploads = [req for n, req in pds.calls if n == "com.atproto.repo.uploadBlob"]
    assert [u.headers["Content-Type"] for u in uploads] == ["video/mp4", "text/vtt"]
    vtt = uploads[1].content.decode()
    assert vtt.startswith("WEBVTT") and "00:00:00.000 --> 00:00:02.000" in vtt and "Uuni on lämmin." in vtt
    (body,) = pds.bodies("com.atproto.repo.createRecord")
    embed = body["record"]["embed"]
    assert embed["$type"] == "app.bsky.embed.video"
    assert embed["alt"] == "Pulla uuniin"
    assert embed["video"]["mimeType"] == "video/mp4"
    (track,) = embed["captions"]
    assert track["lang"] == "fi" and track["file"]["mimeType"] == "text/vtt"
    assert [s for s, _ in rec.steps] == ["blob:0", "captions:0", "post"]


def test_caption_language_from_file_name_or_profile():
    assert caption_lang("clip.fi.vtt", ["en"]) == "fi"
    assert caption_lang("clip.pt-BR.vtt", []) == "pt-BR"
    assert caption_lang("clip.vtt", ["sv"]) == "sv"
    assert caption_lang("clip.vtt", []) == "und"


def _jpeg(size=(600, 315)) -> bytes:
    import io

    out = io.BytesIO()
    Image.new("RGB", size, (10, 90, 200)).save(out, "JPEG")
    return out.getvalue()


def test_link_card_built_from_open_graph_with_thumb(pds, rec):
    page = (FIX / "card_page.html").read_bytes()
    pds.pages["https://aurinko.example/joulu"] = httpx.Response(200, content=page,
                                                                 headers={"Content-Type": "text/html; charset=utf-8"})
    thumb = _jpeg()
    pds.pages["https://aurinko.example/img/joulu.jpg"] = httpx.Response(200, content=thumb,
                                                                         headers={"Content-Type": "image/jpeg"})
    result = network(pds, rec).publish(request("Joulu tulee!", type="link", link="https://aurinko.example/joulu"))

    (body,) = pds.bodies("com.atproto.repo.createRecord")
    embed = body["record"]["embed"]
    assert embed["$type"] == "app.bsky.embed.external"
    external = embed["external"]
    assert external["uri"] == "https://aurinko.example/joulu"
    assert external["title"] == "Joulu Kahvila Auringossa"
    assert external["description"] == "Piparit, glögi ja joulutori lauantaina 5.12."
    assert external["thumb"]["mimeType"] == "image/jpeg"
    upload = next(req for n, req in pds.calls if n == "com.atproto.repo.uploadBlob")
    assert upload.content == thumb
    assert [s for s, _ in rec.steps] == ["thumb", "post"]
    assert result.remote_id.endswith(tid_for("k-1"))


@pytest.mark.parametrize("failure", [httpx.Response(500, text="oops"), httpx.ConnectError("refused")])
def test_link_card_degrades_to_the_address_when_the_page_fails(pds, rec, failure):
    pds.pages["https://aurinko.example/joulu"] = failure
    network(pds, rec).publish(request("Joulu!", type="link", link="https://aurinko.example/joulu"))
    (body,) = pds.bodies("com.atproto.repo.createRecord")
    assert body["record"]["embed"]["external"] == {
        "uri": "https://aurinko.example/joulu", "title": "https://aurinko.example/joulu", "description": "",
    }


def test_large_card_image_is_scaled_under_one_megabyte(pds, rec):
    import os

    noise = Image.frombytes("RGB", (1500, 1500), os.urandom(1500 * 1500 * 3))
    import io

    out = io.BytesIO()
    noise.save(out, "PNG")
    assert out.tell() > 1_000_000
    pds.pages["https://aurinko.example/x"] = httpx.Response(
        200, text='<meta property="og:title" content="X"><meta property="og:image" content="https://aurinko.example/big.png">',
        headers={"Content-Type": "text/html"})
    pds.pages["https://aurinko.example/big.png"] = httpx.Response(200, content=out.getvalue(),
                                                                   headers={"Content-Type": "image/png"})
    network(pds, rec).publish(request("Iso kuva", type="link", link="https://aurinko.example/x"))
    upload = next(req for n, req in pds.calls if n == "com.atproto.repo.uploadBlob")
    assert upload.headers["Content-Type"] == "image/jpeg" and len(upload.content) <= 1_000_000


def test_image_post_with_link_puts_the_link_in_the_text(pds, rec, tmp_path):
    network(pds, rec).publish(request("Kuva", type="image", media=[image(tmp_path, "a.jpg")],
                                      link="https://aurinko.example/joulu"))
    (body,) = pds.bodies("com.atproto.repo.createRecord")
    record = body["record"]
    assert record["text"] == "Kuva\n\nhttps://aurinko.example/joulu"
    assert record["facets"][0]["features"][0] == {"$type": "app.bsky.richtext.facet#link",
                                                   "uri": "https://aurinko.example/joulu"}


def test_live_is_an_announcement_with_a_card_for_the_stream(pds, rec):
    pds.pages["https://live.example/aurinko"] = httpx.Response(404)
    network(pds, rec).publish(request("Live klo 18!", type="live",
                                      live={"starts_at": "2026-12-01 18:00", "url": "https://live.example/aurinko"}))
    (body,) = pds.bodies("com.atproto.repo.createRecord")
    assert body["record"]["embed"]["external"]["uri"] == "https://live.example/aurinko"


def test_first_comment_is_a_reply_to_the_post(pds, rec):
    result = network(pds, rec).publish(request("Pääpostaus", first_comment="#joulu #kahvila"))
    post, reply = pds.bodies("com.atproto.repo.createRecord")
    assert reply["rkey"] == tid_for("k-1:first_comment")
    ref = {"uri": result.remote_id, "cid": result.extra["cid"]}
    assert reply["record"]["reply"] == {"root": ref, "parent": ref}
    assert reply["record"]["text"] == "#joulu #kahvila"
    assert [f["features"][0]["tag"] for f in reply["record"]["facets"]] == ["joulu", "kahvila"]
    assert result.extra["first_comment_uri"] == f"at://{pds.did}/app.bsky.feed.post/{tid_for('k-1:first_comment')}"
    assert [s for s, _ in rec.steps] == ["post", "first_comment"]


def test_failed_first_comment_does_not_fail_the_post(pds, rec):
    net = network(pds, rec)
    original = pds.handle

    def handle(nsid, req):
        if nsid == "com.atproto.repo.createRecord" and "reply" in json.loads(req.content)["record"]:
            return httpx.Response(400, json={"error": "InvalidRequest", "message": "Invalid reply"})
        return original(nsid, req)

    pds.handle = handle
    result = net.publish(request("Pää", first_comment="kommentti"))
    assert result.remote_id.endswith(tid_for("k-1"))
    assert "Invalid reply" in result.extra["first_comment_error"]
    assert len(pds.records) == 1


def test_unsupported_type_is_refused(pds, rec):
    with pytest.raises(PermanentNetworkError, match="story"):
        network(pds, rec).publish(request("x", type="story"))
    assert pds.calls == []


def test_text_over_300_graphemes_is_refused_before_posting(pds, rec):
    with pytest.raises(PermanentNetworkError, match="301"):
        network(pds, rec).publish(request("👨‍👩‍👧" * 301))
    assert "com.atproto.repo.createRecord" not in pds.names()


def test_unresolvable_mention_stays_text(pds, rec):
    network(pds, rec).publish(request("Hei @ghost.test"))
    (body,) = pds.bodies("com.atproto.repo.createRecord")
    assert "facets" not in body["record"]


# --- resume, lost answers, reconcile --------------------------------------------------------------------------


def test_resume_reuses_uploaded_blobs(pds, rec, tmp_path):
    net = network(pds, rec)
    media = image(tmp_path, "a.jpg")
    first = net.upload_blob(media.path.read_bytes(), "image/jpeg")
    calls_before = len(pds.calls)
    resume = {"blob:0": {"cid": first["ref"]["$link"], "mime": "image/jpeg", "size": first["size"]}}
    net.publish(request("Kuva", type="image", media=[media], resume=resume, attempt=2))
    names = pds.names()[calls_before:]
    assert "com.atproto.repo.uploadBlob" not in names
    assert names == ["com.atproto.repo.getRecord", "com.atproto.repo.createRecord"]
    (body,) = pds.bodies("com.atproto.repo.createRecord")
    assert body["record"]["embed"]["images"][0]["image"]["ref"]["$link"] == first["ref"]["$link"]


def test_resume_uploads_again_when_the_pds_collected_the_blob(pds, rec, tmp_path):
    media = image(tmp_path, "a.jpg")
    resume = {"blob:0": {"cid": "bafkreigone", "mime": "image/jpeg", "size": 10}}
    result = network(pds, rec).publish(request("Kuva", type="image", media=[media], resume=resume, attempt=2))
    assert pds.names().count("com.atproto.repo.createRecord") == 2  # BlobNotFound, then with the new blob
    assert pds.names().count("com.atproto.repo.uploadBlob") == 1
    assert result.remote_id.endswith(tid_for("k-1")) and len(pds.records) == 1


def test_resume_after_the_post_was_made_does_not_post_again(pds, rec):
    net = network(pds, rec)
    first = net.publish(request("Kerran vain", first_comment="kommentti"))
    again = network(pds, Recorder()).publish(request("Kerran vain", first_comment="kommentti", attempt=2))
    assert again.remote_id == first.remote_id
    assert again.extra["first_comment_uri"] == first.extra["first_comment_uri"]
    assert len(pds.records) == 2  # the post and its comment, once each


def test_answer_lost_after_the_pds_created_the_post(pds, rec):
    pds.fail("com.atproto.repo.createRecord", "lose-answer")
    result = network(pds, rec).publish(request("Vastaus katosi"))
    assert pds.names()[-2:] == ["com.atproto.repo.createRecord", "com.atproto.repo.getRecord"]
    assert result.remote_id.endswith(tid_for("k-1"))
    assert len(pds.records) == 1
    assert rec.steps == [("post", {"uri": result.remote_id, "cid": "bafyrei" + tid_for("k-1")})]


def test_unreadable_answer_after_the_post_was_made_is_settled_by_get_record(pds, rec):
    pds.fail("com.atproto.repo.createRecord", "garbage")
    result = network(pds, rec).publish(request("Roskaa"))
    assert result.remote_id.endswith(tid_for("k-1")) and len(pds.records) == 1


def test_5xx_before_anything_was_made_is_transient_and_the_retry_posts_once(pds, rec):
    pds.fail("com.atproto.repo.createRecord", httpx.Response(502, text="Bad Gateway"))
    with pytest.raises(TransientNetworkError, match="does not exist") as caught:
        network(pds, rec).publish(request("Yritä uudelleen"))
    assert not isinstance(caught.value, OutcomeUnknown)
    assert pds.records == {}
    result = network(pds, rec).publish(request("Yritä uudelleen", attempt=2))
    assert len(pds.records) == 1 and result.remote_id.endswith(tid_for("k-1"))


def test_record_made_by_a_killed_run_is_not_made_twice(pds, rec):
    network(pds, Recorder()).publish(request("Tapettu ajo"))  # the answer never reached the ledger
    result = network(pds, rec).publish(request("Tapettu ajo"))  # attempt 1 again, nothing in resume
    # createRecord with the same record key: the PDS refuses with 500, getRecord then finds the post
    assert pds.names()[-2:] == ["com.atproto.repo.createRecord", "com.atproto.repo.getRecord"]
    assert len(pds.records) == 1 and result.remote_id.endswith(tid_for("k-1"))


def test_timeout_on_blob_upload_is_retried(pds, rec, tmp_path):
    pds.fail("com.atproto.repo.uploadBlob", httpx.ReadTimeout("slow"))
    network(pds, rec).publish(request("Kuva", type="image", media=[image(tmp_path, "a.jpg")]))
    assert pds.names().count("com.atproto.repo.uploadBlob") == 2
    assert len(rec.sleeps) == 1


def test_malformed_json_from_upload_blob_is_transient(pds, rec, tmp_path):
    pds.fail("com.atproto.repo.uploadBlob", httpx.Response(200, content=b"{not json"))
    with pytest.raises(TransientNetworkError, match="JSON"):
        network(pds, rec).publish(request("Kuva", type="image", media=[image(tmp_path, "a.jpg")]))
    assert pds.records == {}


def test_reconcile_finds_the_post_by_its_record_key(pds, rec):
    network(pds, Recorder()).publish(request("Löytyy", key="claim-9", first_comment="kommentti"))
    claim = Claim(post_id="post-1", profile_id="cafe-bsky", idempotency_key="claim-9", claimed_at=NOW,
                  request=request("Löytyy", key="claim-9", first_comment="kommentti"))
    found = network(pds, rec).reconcile(claim)
    assert found is not None and found.remote_id.endswith(tid_for("claim-9"))
    assert found.extra["first_comment_uri"].endswith(tid_for("claim-9:first_comment"))
    assert "com.atproto.repo.createRecord" not in pds.names()[-3:]


def test_reconcile_says_none_when_the_record_key_is_free(pds, rec):
    claim = Claim(post_id="post-1", profile_id="cafe-bsky", idempotency_key="never-sent", claimed_at=NOW)
    assert network(pds, rec).reconcile(claim) is None
    assert pds.names()[-1] == "com.atproto.repo.getRecord"


def test_reconcile_uses_the_recorded_post_without_asking(pds, rec):
    claim = Claim(post_id="p", profile_id="cafe-bsky", idempotency_key="k", claimed_at=NOW,
                  progress={"post": {"uri": "at://did:plc:x/app.bsky.feed.post/3aaaaaaaaaa22", "cid": "bafyx"}})
    found = network(pds, rec).reconcile(claim)
    assert found.remote_id == "at://did:plc:x/app.bsky.feed.post/3aaaaaaaaaa22"
    assert pds.calls == []


def test_reconcile_finishes_a_first_comment_the_dead_run_never_made(pds, rec):
    network(pds, Recorder()).publish(request("Ilman kommenttia", key="c-2"))  # died before the comment
    claim = Claim(post_id="p", profile_id="cafe-bsky", idempotency_key="c-2", claimed_at=NOW,
                  request=request("Ilman kommenttia", key="c-2", first_comment="jäi tekemättä"))
    found = network(pds, rec).reconcile(claim)
    reply_key = tid_for("c-2:first_comment")
    assert found.extra["first_comment_uri"].endswith(reply_key)
    assert pds.records[reply_key]["value"]["reply"]["root"]["uri"] == found.remote_id
    assert [s for s, _ in rec.steps] == ["first_comment"]
    claim = Claim(post_id="p", profile_id="cafe-bsky", idempotency_key="c-2", claimed_at=NOW,
                  request=request("Ilman kommenttia", key="c-2", first_comment="jäi tekemättä"))
    again = network(pds, Recorder()).reconcile(claim)  # and a second reconcile makes nothing more
    assert again.extra["first_comment_uri"] == found.extra["first_comment_uri"] and len(pds.records) == 2


def test_reconcile_uses_the_claims_key_not_the_requests(pds, rec):
    network(pds, Recorder()).publish(request("Avain", key="claim-key", first_comment="kommentti"))
    claim = Claim(post_id="p", profile_id="cafe-bsky", idempotency_key="claim-key", claimed_at=NOW,
                  request=request("Avain", key="fresh-key", first_comment="kommentti"))
    found = network(pds, rec).reconcile(claim)
    assert found.remote_id.endswith(tid_for("claim-key"))
    assert found.extra["first_comment_uri"].endswith(tid_for("claim-key:first_comment"))
    assert len(pds.records) == 2


# --- sessions, auth ---------------------------------------------------------------------------------------------


def test_expired_access_token_is_refreshed_and_the_call_repeated(pds, rec):
    pds.expired.add(pds.session["accessJwt"])
    result = network(pds, rec).publish(request("Vanhentunut"))
    assert pds.names() == ["com.atproto.server.createSession", "com.atproto.repo.createRecord",
                           "com.atproto.server.refreshSession", "com.atproto.repo.createRecord"]
    last = [req for n, req in pds.calls if n == "com.atproto.repo.createRecord"][-1]
    assert last.headers["Authorization"] == f"Bearer {fixture('refresh_session.json')['accessJwt']}"
    assert len(pds.records) == 1 and result.remote_id


def test_failed_refresh_falls_back_to_a_new_session(pds, rec):
    pds.expired.add(pds.session["accessJwt"])
    pds.fail("com.atproto.server.refreshSession", httpx.Response(400, json=fixture("error_expired_token.json")))
    fresh = fixture("refresh_session.json")["accessJwt"]
    original = pds.handle

    def handle(nsid, req):  # the second createSession hands out a fresh token
        if nsid == "com.atproto.server.createSession" and pds.names().count(nsid) > 1:
            return httpx.Response(200, json={**pds.session, "accessJwt": fresh})
        return original(nsid, req)

    pds.handle = handle
    pds.access.add(fresh)
    network(pds, rec).publish(request("Uusi istunto"))
    assert pds.names().count("com.atproto.server.createSession") == 2
    assert len(pds.records) == 1


def test_wrong_app_password_names_the_secret_and_never_shows_it(pds, rec):
    with pytest.raises(AuthError) as caught:
        network(pds, rec, password="wrong-pass-word").publish(request("x"))
    message = str(caught.value)
    assert "BSKY_APP_PASSWORD" in message and caught.value.secret == "BSKY_APP_PASSWORD"
    assert "wrong-pass-word" not in message


def test_missing_password_names_the_secret(pds, rec):
    with pytest.raises(AuthError, match="BSKY_APP_PASSWORD"):
        network(pds, rec, password="").publish(request("x"))
    assert pds.calls == []


def test_session_tokens_are_redacted_from_errors(pds, rec):
    body = {"error": "InternalServerError", "message": f"token {pds.session['accessJwt']} broke"}
    pds.fail("com.atproto.repo.getRecord", *[httpx.Response(500, json=body)] * 4)
    claim = Claim(post_id="p", profile_id="cafe-bsky", idempotency_key="k", claimed_at=NOW)
    with pytest.raises(TransientNetworkError) as caught:
        network(pds, rec).reconcile(claim)
    assert pds.session["accessJwt"] not in str(caught.value)


# --- rate limits ------------------------------------------------------------------------------------------------


def test_429_with_a_near_reset_waits_and_retries(pds, rec):
    reset = str(int(time.time()) + 5)
    pds.fail("com.atproto.repo.createRecord", httpx.Response(
        429, json=fixture("error_rate_limit.json"),
        headers={"RateLimit-Limit": "5000", "RateLimit-Remaining": "0", "RateLimit-Reset": reset,
                 "RateLimit-Policy": "5000;w=3600"}))
    network(pds, rec).publish(request("Hidasta"))
    assert len(pds.records) == 1
    assert len(rec.sleeps) == 1 and 0 < rec.sleeps[0] <= 6


def test_429_with_a_far_reset_gives_up_with_retry_after(pds, rec):
    reset = str(int(time.time()) + 3600)
    pds.fail("com.atproto.repo.createRecord", httpx.Response(
        429, json=fixture("error_rate_limit.json"), headers={"RateLimit-Remaining": "0", "RateLimit-Reset": reset}))
    with pytest.raises(RateLimited) as caught:
        network(pds, rec).publish(request("Hidasta"))
    assert 3500 < caught.value.retry_after <= 3600
    assert pds.records == {}


def test_remaining_zero_makes_the_next_call_wait_for_the_reset(pds, rec):
    pds.headers = {"RateLimit-Limit": "30", "RateLimit-Remaining": "0",
                   "RateLimit-Reset": str(int(NOW.timestamp()) + 42)}
    network(pds, rec).publish(request("Viimeinen"))
    assert rec.sleeps == [42.0]  # before createRecord, after createSession used up the window
