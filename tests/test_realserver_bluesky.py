"""The Bluesky adapter against a real PDS (@atproto/dev-env, started by tests/servers).

Every test works in a fresh account of its own, publishes through BlueskyNetwork, and then reads the
repository back with plain XRPC calls (getRecord, listRecords, sync.getBlob) to see what really landed.
"""

from __future__ import annotations

import datetime as dt
import http.server
import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from socialops.content.render import Rendered
from socialops.errors import AuthError
from socialops.networks.bluesky.adapter import BlueskyNetwork
from socialops.networks.bluesky.client import tid_for
from socialops.networks.types import Claim, MediaFile, PublishRequest
from socialops.repository.profiles import parse_profile
from tests.helpers import Recorder, track_client

pytestmark = pytest.mark.bluesky

FIX = Path(__file__).parent / "fixtures" / "bluesky"


def make_network(pds, account, *, client: httpx.Client | None = None, progress=None,
                 password: str | None = None) -> BlueskyNetwork:
    profile = parse_profile(
        f"id: cafe-bsky\nnetwork: bluesky\naccount: {account['handle']}\nservice: {pds['url']}\n"
        "token_env: BSKY_APP_PASSWORD\nlanguage: fi\n",
        "profiles/cafe-bsky.yaml",
    )
    return BlueskyNetwork(profile, env={"BSKY_APP_PASSWORD": password or account["password"]},
                          client=track_client(client or httpx.Client(timeout=30)), progress=progress)


def make_request(text: str, *, key: str, type: str = "text", media=(), link=None, first_comment=None,
                 attempt: int = 1) -> PublishRequest:
    rendered = Rendered(profile_id="cafe-bsky", network="bluesky", type=type, text=text, length=len(text),
                        limit=300, link=link, first_comment=first_comment)
    return PublishRequest(post_id="p", profile_id="cafe-bsky", idempotency_key=key, rendered=rendered,
                          media=list(media), attempt=attempt)


def get_record(pds, account, rkey: str) -> dict | None:
    r = httpx.get(f"{pds['url']}/xrpc/com.atproto.repo.getRecord",
                  params={"repo": account["did"], "collection": "app.bsky.feed.post", "rkey": rkey}, timeout=30)
    return r.json() if r.status_code == 200 else None


def list_posts(pds, account) -> list[dict]:
    r = httpx.get(f"{pds['url']}/xrpc/com.atproto.repo.listRecords",
                  params={"repo": account["did"], "collection": "app.bsky.feed.post", "limit": 100}, timeout=30)
    r.raise_for_status()
    return r.json()["records"]


def get_blob(pds, account, cid: str) -> bytes:
    r = httpx.get(f"{pds['url']}/xrpc/com.atproto.sync.getBlob", params={"did": account["did"], "cid": cid},
                  timeout=30)
    r.raise_for_status()
    return r.content


def jpeg(path: Path, size=(800, 600), color=(200, 120, 40)) -> Path:
    Image.new("RGB", size, color).save(path, "JPEG")
    return path


def test_text_post_with_facets(bluesky_pds, bluesky_account):
    steps = Recorder()
    net = make_network(bluesky_pds, bluesky_account, progress=steps)
    text = "Hyvää huomenta! ☕ #kahvi https://aurinko.example/menu"
    result = net.publish(make_request(text, key="rs-text"))
    rkey = tid_for("rs-text")
    assert result.remote_id == f"at://{bluesky_account['did']}/app.bsky.feed.post/{rkey}"
    record = get_record(bluesky_pds, bluesky_account, rkey)
    assert record["cid"] == result.extra["cid"]
    value = record["value"]
    assert value["text"] == text and value["langs"] == ["fi"]
    spans = {f["features"][0]["$type"]: text.encode()[f["index"]["byteStart"]:f["index"]["byteEnd"]].decode()
             for f in value["facets"]}
    assert spans == {"app.bsky.richtext.facet#tag": "#kahvi",
                     "app.bsky.richtext.facet#link": "https://aurinko.example/menu"}
    assert steps.names() == ["post"]


def test_snippets_and_link_tags_land_with_their_facets(bluesky_pds, bluesky_account, tmp_path):
    """The text as rendered from a post (a snippet expanded, the brand's link tagged): the PDS takes its facets,
    whose byte offsets cover the tagged link and the snippet's hashtag."""
    from socialops.content.render import render
    from socialops.repository.config import load_config
    from socialops.repository.posts import load_post
    from tests.helpers import SCHEDULE, make_repo, write

    root = make_repo(tmp_path / "repo", {"content/a.md": "---\nid: a\nprofiles: [b]\n---\nHyvää huomenta ☕ "
                                                            "{{snippet: end}}\n"},
                     profiles={"b": "network: sandbox\nimitates: bluesky\naccount: b.example\n"},
                     schedule=SCHEDULE.replace("cafe-masto", "b") + "utm: {domains: [aurinko.example]}\n")
    write(root / "snippets/end.md", "Lue https://aurinko.example/ä?x=1 #kahvi")
    config = load_config(root)
    text = render(load_post(root, "content/a.md"), config.profiles["b"], config.profiles["b"].spec,
                  kit=config.kit).text
    link = "https://aurinko.example/ä?x=1&utm_source=bluesky&utm_medium=social"
    assert text == f"Hyvää huomenta ☕ Lue {link} #kahvi"
    net = make_network(bluesky_pds, bluesky_account)
    net.publish(make_request(text, key="rs-snippet-utm"))
    value = get_record(bluesky_pds, bluesky_account, tid_for("rs-snippet-utm"))["value"]
    assert value["text"] == text
    spans = {f["features"][0]["$type"]: text.encode()[f["index"]["byteStart"]:f["index"]["byteEnd"]].decode()
             for f in value["facets"]}
    assert spans == {"app.bsky.richtext.facet#tag": "#kahvi", "app.bsky.richtext.facet#link": link}


def test_mention_is_resolved_to_the_did_by_the_pds(bluesky_pds, bluesky_account):
    fan = bluesky_pds["accounts"]["fan"]
    net = make_network(bluesky_pds, bluesky_account)
    net.publish(make_request(f"Kiitos @{fan['handle']}!", key="rs-mention"))
    value = get_record(bluesky_pds, bluesky_account, tid_for("rs-mention"))["value"]
    (facet,) = value["facets"]
    assert facet["features"][0] == {"$type": "app.bsky.richtext.facet#mention", "did": fan["did"]}


def test_images_with_alt_text(bluesky_pds, bluesky_account, tmp_path):
    steps = Recorder()
    media = [MediaFile(path=jpeg(tmp_path / f"{i}.jpg", size=(600 + i * 100, 400), color=(i * 60, 100, 50)),
                       rel=f"content/media/{i}.jpg", kind="image", alt=f"Kuva numero {i}", index=i)
             for i in range(3)]
    net = make_network(bluesky_pds, bluesky_account, progress=steps)
    net.publish(make_request("Kolme kuvaa", key="rs-images", type="carousel", media=media))
    value = get_record(bluesky_pds, bluesky_account, tid_for("rs-images"))["value"]
    images = value["embed"]["images"]
    assert [i["alt"] for i in images] == ["Kuva numero 0", "Kuva numero 1", "Kuva numero 2"]
    assert [i["aspectRatio"] for i in images] == [{"width": 600 + i * 100, "height": 400} for i in range(3)]
    for entry, item in zip(images, media, strict=True):
        assert get_blob(bluesky_pds, bluesky_account, entry["image"]["ref"]["$link"]) == item.path.read_bytes()
    assert steps.names() == ["blob:0", "blob:1", "blob:2", "post"]


def test_video_with_captions_validates(bluesky_pds, bluesky_account, tmp_path):
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 2000)
    srt = tmp_path / "clip.fi.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:02,000\nUuni on lämmin.\n", encoding="utf-8")
    media = MediaFile(path=video, rel="content/media/clip.mp4", kind="video", alt="Pullat uuniin", captions=srt)
    make_network(bluesky_pds, bluesky_account).publish(make_request("Video", key="rs-video", type="video",
                                                                    media=[media]))
    value = get_record(bluesky_pds, bluesky_account, tid_for("rs-video"))["value"]
    embed = value["embed"]
    assert embed["$type"] == "app.bsky.embed.video" and embed["alt"] == "Pullat uuniin"
    (track,) = embed["captions"]
    assert track["lang"] == "fi"
    vtt = get_blob(bluesky_pds, bluesky_account, track["file"]["ref"]["$link"]).decode()
    assert vtt.startswith("WEBVTT") and "Uuni on lämmin." in vtt


@pytest.fixture
def og_site() -> Iterator[str]:
    """A small web site on 127.0.0.1 with an OpenGraph page and its image."""
    page = (FIX / "card_page.html").read_bytes()
    image = io.BytesIO()
    Image.new("RGB", (600, 315), (30, 90, 200)).save(image, "JPEG")
    files = {"/joulu": (page, "text/html; charset=utf-8"), "/img/joulu.jpg": (image.getvalue(), "image/jpeg")}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            body, kind = files.get(self.path, (b"not found", "text/plain"))
            self.send_response(200 if self.path in files else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_link_card_from_a_local_page(bluesky_pds, bluesky_account, og_site):
    link = f"{og_site}/joulu"
    steps = Recorder()
    make_network(bluesky_pds, bluesky_account, progress=steps).publish(
        make_request("Joulu tulee!", key="rs-link", type="link", link=link))
    value = get_record(bluesky_pds, bluesky_account, tid_for("rs-link"))["value"]
    external = value["embed"]["external"]
    assert external["uri"] == link
    assert external["title"] == "Joulu Kahvila Auringossa"
    assert external["description"] == "Piparit, glögi ja joulutori lauantaina 5.12."
    thumb = get_blob(bluesky_pds, bluesky_account, external["thumb"]["ref"]["$link"])
    assert thumb.startswith(b"\xff\xd8") and Image.open(io.BytesIO(thumb)).size == (600, 315)
    assert steps.names() == ["thumb", "post"]


def test_link_card_when_the_page_is_gone(bluesky_pds, bluesky_account, og_site):
    link = f"{og_site}/missing"
    make_network(bluesky_pds, bluesky_account).publish(make_request("Linkki", key="rs-link404", type="link",
                                                                    link=link))
    external = get_record(bluesky_pds, bluesky_account, tid_for("rs-link404"))["value"]["embed"]["external"]
    assert external == {"uri": link, "title": link, "description": ""}


def test_first_comment_is_a_reply(bluesky_pds, bluesky_account):
    net = make_network(bluesky_pds, bluesky_account)
    result = net.publish(make_request("Pääpostaus", key="rs-reply", first_comment="#joulu #kahvila"))
    reply = get_record(bluesky_pds, bluesky_account, tid_for("rs-reply:first_comment"))
    ref = {"uri": result.remote_id, "cid": result.extra["cid"]}
    assert reply["value"]["reply"] == {"root": ref, "parent": ref}
    assert reply["value"]["text"] == "#joulu #kahvila"
    assert result.extra["first_comment_uri"] == reply["uri"]


class DropAnswer(httpx.BaseTransport):
    """Sends every request to the real server; for the first createRecord, the server carries it out
    and then the process 'dies' (KilledRun) before the answer is read -- nothing is recorded."""

    def __init__(self, exc: BaseException):
        self.inner = httpx.HTTPTransport()
        self.exc = exc
        self.dropped = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path.endswith("/com.atproto.repo.createRecord") and not self.dropped:
            response.read()
            assert response.status_code == 200, response.text
            self.dropped += 1
            raise self.exc
        return response

    def close(self) -> None:
        self.inner.close()


class KilledRun(BaseException):
    """Stands for the process being killed: not an Exception, so nothing in the adapter catches it."""


def test_reconcile_a_killed_run(bluesky_pds, bluesky_account):
    steps = Recorder()
    transport = DropAnswer(KilledRun())
    killed = make_network(bluesky_pds, bluesky_account, client=httpx.Client(transport=transport), progress=steps)
    item = make_request("Ajo kuoli kesken", key="rs-killed")
    with pytest.raises(KilledRun):
        killed.publish(item)
    assert steps.names() == []  # the claim has no outcome and no progress
    assert transport.dropped == 1
    assert len(list_posts(bluesky_pds, bluesky_account)) == 1  # ...but the PDS made the post

    claim = Claim(post_id="p", profile_id="cafe-bsky", idempotency_key="rs-killed",
                  claimed_at=dt.datetime.now(dt.UTC), request=make_request("Ajo kuoli kesken", key="rs-killed"))
    found = make_network(bluesky_pds, bluesky_account).reconcile(claim)
    assert found is not None
    assert found.remote_id == f"at://{bluesky_account['did']}/app.bsky.feed.post/{tid_for('rs-killed')}"

    # Even a blind second publish of the same claim cannot make a second post.
    again = make_network(bluesky_pds, bluesky_account).publish(make_request("Ajo kuoli kesken", key="rs-killed"))
    assert again.remote_id == found.remote_id
    assert len(list_posts(bluesky_pds, bluesky_account)) == 1


def test_lost_answer_is_settled_within_the_call(bluesky_pds, bluesky_account):
    transport = DropAnswer(httpx.ReadTimeout("answer lost"))
    steps = Recorder()
    net = make_network(bluesky_pds, bluesky_account, client=httpx.Client(transport=transport), progress=steps)
    result = net.publish(make_request("Vastaus katosi", key="rs-lost"))
    assert transport.dropped == 1
    assert result.remote_id.endswith(tid_for("rs-lost"))
    assert steps.names() == ["post"]
    assert len(list_posts(bluesky_pds, bluesky_account)) == 1


def test_reconcile_of_a_claim_that_never_reached_the_pds(bluesky_pds, bluesky_account):
    claim = Claim(post_id="p", profile_id="cafe-bsky", idempotency_key="rs-never",
                  claimed_at=dt.datetime.now(dt.UTC))
    assert make_network(bluesky_pds, bluesky_account).reconcile(claim) is None


def test_bad_access_token_is_renewed(bluesky_pds, bluesky_account):
    net = make_network(bluesky_pds, bluesky_account)
    net.did  # noqa: B018 - opens the session
    net._session["accessJwt"] = "not-a-valid-token"  # the PDS answers 400 InvalidToken
    net.publish(make_request("Uusi istunto", key="rs-renew"))
    assert get_record(bluesky_pds, bluesky_account, tid_for("rs-renew")) is not None


def test_wrong_app_password(bluesky_pds, bluesky_account):
    with pytest.raises(AuthError) as caught:
        make_network(bluesky_pds, bluesky_account, password="wrong-password-1").publish(
            make_request("x", key="rs-auth"))
    assert "BSKY_APP_PASSWORD" in str(caught.value) and "wrong-password-1" not in str(caught.value)
    assert list_posts(bluesky_pds, bluesky_account) == []


class Counting(httpx.BaseTransport):
    def __init__(self):
        self.inner = httpx.HTTPTransport()
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path.removeprefix("/xrpc/"))
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_resume_reuses_the_uploaded_blob(bluesky_pds, bluesky_account, tmp_path):
    media = MediaFile(path=jpeg(tmp_path / "a.jpg"), rel="content/media/a.jpg", kind="image", alt="Pulla")
    first = make_network(bluesky_pds, bluesky_account).upload_blob(media.path.read_bytes(), "image/jpeg")
    counting = Counting()
    item = make_request("Jatkuu", key="rs-resume", type="image", media=[media], attempt=2)
    item.resume = {"blob:0": {"cid": first["ref"]["$link"], "mime": "image/jpeg", "size": first["size"]}}
    make_network(bluesky_pds, bluesky_account, client=httpx.Client(transport=counting)).publish(item)
    assert "com.atproto.repo.uploadBlob" not in counting.paths
    value = get_record(bluesky_pds, bluesky_account, tid_for("rs-resume"))["value"]
    assert value["embed"]["images"][0]["image"]["ref"]["$link"] == first["ref"]["$link"]


def test_resume_with_a_blob_the_pds_does_not_have_uploads_again(bluesky_pds, bluesky_account, tmp_path):
    media = MediaFile(path=jpeg(tmp_path / "a.jpg"), rel="content/media/a.jpg", kind="image", alt="Pulla")
    counting = Counting()
    item = make_request("Kadonnut blob", key="rs-gone", type="image", media=[media], attempt=2)
    gone = "bafkreib7ekborwhvnqwq3ugs7c7vjcw5c7gpe2so64d2tvxmzpqasfcxaa"  # never uploaded here: BlobNotFound
    item.resume = {"blob:0": {"cid": gone, "mime": "image/jpeg", "size": 104}}
    make_network(bluesky_pds, bluesky_account, client=httpx.Client(transport=counting)).publish(item)
    assert counting.paths.count("com.atproto.repo.uploadBlob") == 1
    assert counting.paths.count("com.atproto.repo.createRecord") == 2
    value = get_record(bluesky_pds, bluesky_account, tid_for("rs-gone"))["value"]
    blob = value["embed"]["images"][0]["image"]["ref"]["$link"]
    assert blob != gone and get_blob(bluesky_pds, bluesky_account, blob) == media.path.read_bytes()


def _thread(appview: dict, uri: str, *, want_replies: int, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        r = httpx.get(f"{appview['appview_url']}/xrpc/app.bsky.feed.getPostThread", params={"uri": uri, "depth": 2},
                      timeout=30)
        if r.status_code == 200 and len(r.json()["thread"].get("replies", [])) >= want_replies:
            return r.json()["thread"]
        if time.monotonic() > deadline:
            raise AssertionError(f"the AppView did not show {uri}: {r.status_code} {r.text[:300]}")
        time.sleep(0.2)


def test_appview_shows_what_was_published(bluesky_appview, tmp_path, og_site):
    """What a Bluesky app shows: the AppView indexes the posts and renders images, the card and the thread."""
    account = bluesky_appview["accounts"]["brand"]
    media = [MediaFile(path=jpeg(tmp_path / f"{i}.jpg", size=(400, 300)), rel=f"content/media/{i}.jpg",
                       kind="image", alt=f"Alt {i}", index=i) for i in range(2)]
    net = make_network(bluesky_appview, account)
    key = f"av-{time.time_ns()}"
    images = net.publish(make_request("Kuvat #kahvi", key=key + "-img", type="carousel", media=media,
                                      first_comment="Ensimmäinen kommentti"))
    card = net.publish(make_request("Kortti", key=key + "-card", type="link", link=f"{og_site}/joulu"))

    thread = _thread(bluesky_appview, images.remote_id, want_replies=1)
    view = thread["post"]
    assert view["record"]["text"] == "Kuvat #kahvi"
    assert view["embed"]["$type"] == "app.bsky.embed.images#view"
    assert [i["alt"] for i in view["embed"]["images"]] == ["Alt 0", "Alt 1"]
    assert view["embed"]["images"][0]["aspectRatio"] == {"width": 400, "height": 300}
    (reply,) = thread["replies"]
    assert reply["post"]["uri"] == images.extra["first_comment_uri"]
    assert reply["post"]["record"]["text"] == "Ensimmäinen kommentti"

    external = _thread(bluesky_appview, card.remote_id, want_replies=0)["post"]["embed"]
    assert external["$type"] == "app.bsky.embed.external#view"
    assert external["external"]["title"] == "Joulu Kahvila Auringossa"
    assert external["external"]["thumb"].startswith("http")
