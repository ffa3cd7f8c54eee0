"""Contract tests of the Instagram adapter (container model) over httpx.MockTransport, with answers shaped as Meta
documents them (tests/fixtures/instagram/)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from socialops.content.render import Rendered
from socialops.errors import (
    AuthError,
    OutcomeUnknown,
    PermanentNetworkError,
    RateLimited,
    TransientNetworkError,
)
from socialops.networks.instagram.adapter import InstagramNetwork
from socialops.networks.meta.graph import GRAPH_VERSION
from socialops.networks.types import Claim, MediaFile, PublishRequest
from socialops.repository.profiles import Profile
from tests.helpers import RouteFake

FIX = Path(__file__).parent / "fixtures" / "instagram"
NOW = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)
TOKEN = "EAAIGtokenvalue987654321"
IG = "17841400008460056"
ENV = {"IG_TOKEN": TOKEN, "GITHUB_REPOSITORY": "aurinko/social", "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567"}
RAW = f"https://raw.githubusercontent.com/aurinko/social/{ENV['GITHUB_SHA']}/content/2026/12/media"
CAPTION = "Joulukalenteri, luukku 1: piparkakkutalo ikkunalaudalla."


def fx(name: str):
    return json.loads((FIX / name).read_text())


class Meta(RouteFake):
    """A fake Graph API: routes are paths after the version."""

    def key(self, request: httpx.Request) -> str:
        assert request.url.host == "graph.facebook.com"
        assert request.url.path.startswith(f"/{GRAPH_VERSION}/")
        return request.url.path[len(GRAPH_VERSION) + 1:]

    def sent(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path.endswith(path)]


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def network(meta: Meta, *, recorded=None, sleeps=None) -> InstagramNetwork:
    prof = Profile(id="aurinko-instagram", path="profiles/aurinko-instagram.yaml",
                   raw={"id": "aurinko-instagram", "network": "instagram", "token_env": "IG_TOKEN", "ig_user_id": IG,
                        "account": "kahvila.aurinko"})
    calls = recorded if recorded is not None else []
    return InstagramNetwork(prof, env=ENV, client=httpx.Client(transport=httpx.MockTransport(meta.handler)),
                            clock=lambda: NOW, sleep=(sleeps.append if sleeps is not None else (lambda s: None)),
                            progress=lambda item, step, data: calls.append((step, data)))


def media(tmp_path: Path, name: str, kind: str, index: int = 0, alt: str | None = None) -> MediaFile:
    path = tmp_path / name
    path.write_bytes(b"data")
    return MediaFile(path=path, rel=f"content/2026/12/media/{name}", kind=kind, alt=alt, index=index)


def request(kind: str, *, media=(), first_comment=None, resume=None, text=CAPTION) -> PublishRequest:
    rendered = Rendered(profile_id="aurinko-instagram", network="instagram", type=kind, text=text,
                        length=len(text), limit=2200, first_comment=first_comment)
    return PublishRequest(post_id="joulukalenteri-1", profile_id="aurinko-instagram", idempotency_key="k-1",
                          rendered=rendered, media=list(media), resume=dict(resume or {}))


def published(meta: Meta, container="17889455560051444") -> Meta:
    meta.on("GET", f"/{IG}/content_publishing_limit", fx("publishing_limit.json"))
    meta.on("POST", f"/{IG}/media_publish", fx("media_publish.json"))
    meta.on("GET", "/17920238422030506", fx("media_fields.json"))
    return meta


def test_image_with_alt_text_container_polled_then_published(tmp_path):
    meta = Meta().on("POST", f"/{IG}/media", fx("container_image.json"))
    meta.on("GET", "/17889455560051444", fx("status_in_progress.json"), fx("status_finished.json"))
    published(meta)
    steps, sleeps = [], []
    result = network(meta, recorded=steps, sleeps=sleeps).publish(
        request("image", media=[media(tmp_path, "talo.jpg", "image", alt="Piparkakkutalo")]))
    created = form(meta.sent("POST", "/media")[0])
    assert created == {"image_url": f"{RAW}/talo.jpg", "alt_text": "Piparkakkutalo", "caption": CAPTION}
    assert meta.sent("POST", "/media")[0].headers["Authorization"] == f"Bearer {TOKEN}"
    status_q = meta.sent("GET", "/17889455560051444")[0].url.params["fields"]
    assert status_q == "status_code,status"
    assert sleeps == [InstagramNetwork.poll_interval]
    limit_q = meta.sent("GET", "/content_publishing_limit")[0].url.params["fields"]
    assert limit_q == "config,quota_usage"
    assert form(meta.sent("POST", "/media_publish")[0]) == {"creation_id": "17889455560051444"}
    assert result.remote_id == "17920238422030506" and result.url == "https://www.instagram.com/p/C9xYzAbCdEf/"
    assert [s for s, _ in steps] == ["container", "final", "post"]
    # the container id was recorded before publishing
    order = [r.url.path for r in meta.requests]
    assert order.index(f"/{GRAPH_VERSION}/{IG}/media_publish") > order.index(f"/{GRAPH_VERSION}/{IG}/media")


def test_carousel_children_then_parent(tmp_path):
    meta = Meta().on("POST", f"/{IG}/media", fx("container_child_1.json"), fx("container_child_2.json"),
                     fx("container_carousel.json"))
    for cid in ("17899506308402767", "17899506308402768", "18000748627392977"):
        meta.on("GET", f"/{cid}", fx("status_finished.json"))
    published(meta)
    steps = []
    imgs = [media(tmp_path, "a.jpg", "image", 0, alt="A"), media(tmp_path, "b.mp4", "video", 1)]
    network(meta, recorded=steps).publish(request("carousel", media=imgs))
    child1, child2, parent = (form(r) for r in meta.sent("POST", "/media"))
    assert child1 == {"is_carousel_item": "true", "image_url": f"{RAW}/a.jpg", "alt_text": "A"}
    assert child2 == {"is_carousel_item": "true", "video_url": f"{RAW}/b.mp4", "media_type": "VIDEO"}
    assert parent == {"media_type": "CAROUSEL", "children": "17899506308402767,17899506308402768", "caption": CAPTION}
    assert [s for s, _ in steps][:3] == ["child:0", "child:1", "container"]


def test_reel_and_video_use_media_type_reels(tmp_path):
    for kind in ("reel", "video"):
        meta = Meta().on("POST", f"/{IG}/media", fx("container_video.json"))
        meta.on("GET", "/17895695668004550", fx("status_in_progress.json"), fx("status_finished.json"))
        published(meta)
        network(meta).publish(request(kind, media=[media(tmp_path, "r.mp4", "video", alt="ignored")]))
        sent = form(meta.sent("POST", "/media")[0])
        assert sent["media_type"] == "REELS" and sent["video_url"] == f"{RAW}/r.mp4"
        assert "alt_text" not in sent  # alt text is for images only


def test_story(tmp_path):
    meta = Meta().on("POST", f"/{IG}/media", fx("container_image.json"))
    meta.on("GET", "/17889455560051444", fx("status_finished.json"))
    published(meta)
    network(meta).publish(request("story", media=[media(tmp_path, "s.jpg", "image", alt="x")], first_comment="no"))
    assert form(meta.sent("POST", "/media")[0]) == {"image_url": f"{RAW}/s.jpg", "media_type": "STORIES"}
    assert not meta.sent("POST", "/comments")


def test_live_publishes_the_announcement_and_says_so(tmp_path):
    meta = Meta().on("POST", f"/{IG}/media", fx("container_image.json"))
    meta.on("GET", "/17889455560051444", fx("status_finished.json"))
    published(meta)
    result = network(meta).publish(request("live", media=[media(tmp_path, "live.jpg", "image")]))
    assert result.extra["live"] == "announcement" and "cannot start or schedule" in result.extra["note"]


def test_text_only_is_refused_before_any_call():
    meta = Meta()
    with pytest.raises(PermanentNetworkError, match="needs an image or a video"):
        network(meta).publish(request("live"))
    assert meta.requests == []


def test_first_comment(tmp_path):
    meta = Meta().on("POST", f"/{IG}/media", fx("container_image.json"))
    meta.on("GET", "/17889455560051444", fx("status_finished.json"))
    published(meta).on("POST", "/17920238422030506/comments", fx("comment.json"))
    result = network(meta).publish(request("image", media=[media(tmp_path, "a.jpg", "image")],
                                           first_comment="#joulu #kahvila"))
    assert form(meta.sent("POST", "/comments")[0]) == {"message": "#joulu #kahvila"}
    assert result.extra["first_comment_id"] == "17870913679156914"


def test_quota_used_up_is_refused_with_a_clear_message_and_container_kept(tmp_path):
    meta = Meta().on("POST", f"/{IG}/media", fx("container_image.json"))
    meta.on("GET", "/17889455560051444", fx("status_finished.json"))
    meta.on("GET", f"/{IG}/content_publishing_limit", fx("publishing_limit_full.json"))
    steps = []
    with pytest.raises(RateLimited, match="100 of 100 posts in the last 24 hours"):
        network(meta, recorded=steps).publish(request("image", media=[media(tmp_path, "a.jpg", "image")]))
    assert not meta.sent("POST", "/media_publish")
    assert steps == [("container", {"id": "17889455560051444"})]


def test_quota_error_from_publish_is_rate_limited(tmp_path):
    meta = Meta().on("POST", f"/{IG}/media", fx("container_image.json"))
    meta.on("GET", "/17889455560051444", fx("status_finished.json"))
    meta.on("GET", f"/{IG}/content_publishing_limit", fx("publishing_limit.json"))
    meta.on("POST", f"/{IG}/media_publish", (400, fx("error_quota.json")))
    with pytest.raises(RateLimited, match="daily publishing limit"):
        network(meta).publish(request("image", media=[media(tmp_path, "a.jpg", "image")]))


def test_container_error_is_permanent(tmp_path):
    meta = Meta().on("POST", f"/{IG}/media", fx("container_video.json"))
    meta.on("GET", "/17895695668004550", fx("status_error.json"))
    with pytest.raises(PermanentNetworkError, match="2207026"):
        network(meta).publish(request("reel", media=[media(tmp_path, "r.mp4", "video")]))
    assert not meta.sent("POST", "/media_publish")


def test_polling_is_bounded_and_keeps_the_container(tmp_path):
    meta = Meta().on("POST", f"/{IG}/media", fx("container_video.json"))
    meta.on("GET", "/17895695668004550", fx("status_in_progress.json"))
    sleeps, steps = [], []
    with pytest.raises(TransientNetworkError, match="still processing"):
        network(meta, sleeps=sleeps, recorded=steps).publish(request("reel", media=[media(tmp_path, "r.mp4", "video")]))
    assert len(meta.sent("GET", "/17895695668004550")) == InstagramNetwork.max_polls
    assert len(sleeps) == InstagramNetwork.max_polls - 1
    assert steps == [("container", {"id": "17895695668004550"})]


def test_resume_after_crash_reuses_the_recorded_container(tmp_path):
    meta = Meta().on("GET", "/17889455560051444", fx("status_finished.json"))
    published(meta)
    result = network(meta).publish(request("image", media=[media(tmp_path, "a.jpg", "image")],
                                           resume={"container": {"id": "17889455560051444"}}))
    assert not meta.sent("POST", "/media")  # not recreated
    assert result.remote_id == "17920238422030506"


def test_resumed_expired_container_is_made_again(tmp_path):
    meta = Meta().on("GET", "/17889455560051444", fx("status_expired.json"), fx("status_finished.json"))
    meta.on("POST", f"/{IG}/media", fx("container_image.json"))
    published(meta)
    network(meta).publish(request("image", media=[media(tmp_path, "a.jpg", "image")],
                                  resume={"container": {"id": "17889455560051444"}}))
    assert len(meta.sent("POST", "/media")) == 1


def test_resumed_container_already_published_is_found_not_republished(tmp_path):
    meta = Meta().on("GET", "/17889455560051444", fx("status_published.json"))
    meta.on("GET", f"/{IG}/media", fx("recent_media.json"))
    result = network(meta).publish(request("image", media=[media(tmp_path, "a.jpg", "image")],
                                           resume={"container": {"id": "17889455560051444"}}))
    assert not meta.sent("POST", "/media_publish")
    assert result.remote_id == "17920238422030506"


def test_expired_token_names_the_secret(tmp_path):
    meta = Meta().on("POST", f"/{IG}/media", (400, fx("error_190.json")))
    with pytest.raises(AuthError, match="IG_TOKEN") as info:
        network(meta).publish(request("image", media=[media(tmp_path, "a.jpg", "image")]))
    assert TOKEN not in str(info.value)


def test_transient_download_timeout_on_container_is_retried(tmp_path):
    meta = Meta().on("POST", f"/{IG}/media", (400, fx("error_download_timeout.json")), fx("container_image.json"))
    meta.on("GET", "/17889455560051444", fx("status_finished.json"))
    published(meta)
    result = network(meta).publish(request("image", media=[media(tmp_path, "a.jpg", "image")]))
    assert len(meta.sent("POST", "/media")) == 2 and result.remote_id == "17920238422030506"


@pytest.mark.parametrize("answer", [(500, {"error": {"message": "x", "code": 1}}), httpx.ReadTimeout("t"),
                                    httpx.Response(200, content=b"not json")])
def test_publish_answer_lost_is_outcome_unknown(tmp_path, answer):
    meta = Meta().on("POST", f"/{IG}/media", fx("container_image.json"))
    meta.on("GET", "/17889455560051444", fx("status_finished.json"))
    meta.on("GET", f"/{IG}/content_publishing_limit", fx("publishing_limit.json"))
    meta.on("POST", f"/{IG}/media_publish", answer)
    with pytest.raises(OutcomeUnknown):
        network(meta).publish(request("image", media=[media(tmp_path, "a.jpg", "image")]))
    assert len(meta.sent("POST", "/media_publish")) == 1


def test_rate_limit_code_4_on_container(tmp_path):
    body = {"error": {"message": "(#4) Application request limit reached", "code": 4, "is_transient": True}}
    meta = Meta().on("POST", f"/{IG}/media", (400, body))
    with pytest.raises(RateLimited):
        network(meta).publish(request("image", media=[media(tmp_path, "a.jpg", "image")]))


# --- reconciliation ------------------------------------------------------------------------------------------


def claim(progress):
    return Claim(post_id="joulukalenteri-1", profile_id="aurinko-instagram", idempotency_key="k-1",
                 claimed_at=NOW, progress=progress, request=request("image"))


def test_lost_publish_answer_reconciled_by_container_status_and_recent_media(tmp_path):
    meta = Meta().on("POST", f"/{IG}/media", fx("container_image.json"))
    meta.on("GET", "/17889455560051444", fx("status_finished.json"))
    meta.on("GET", f"/{IG}/content_publishing_limit", fx("publishing_limit.json"))
    meta.on("POST", f"/{IG}/media_publish", httpx.ReadTimeout("lost"))
    steps = []
    with pytest.raises(OutcomeUnknown):
        network(meta, recorded=steps).publish(request("image", media=[media(tmp_path, "a.jpg", "image")]))
    # Instagram did publish it: the container now says PUBLISHED.
    meta.routes[("GET", "/17889455560051444")] = [fx("status_published.json")]
    meta.on("GET", f"/{IG}/media", fx("recent_media.json"))
    found = network(meta).reconcile(claim(dict(steps)))
    assert found is not None and found.remote_id == "17920238422030506"
    assert found.url == "https://www.instagram.com/p/C9xYzAbCdEf/"
    assert len(meta.sent("POST", "/media_publish")) == 1


def test_reconcile_finished_container_means_not_published():
    meta = Meta().on("GET", "/17889455560051444", fx("status_finished.json"))
    assert network(meta).reconcile(claim({"container": {"id": "17889455560051444"}, "final": {"sent": 1}})) is None


def test_reconcile_published_but_not_found_is_unconfirmed():
    meta = Meta().on("GET", "/17889455560051444", fx("status_published.json"))
    meta.on("GET", f"/{IG}/media", {"data": []})
    with pytest.raises(OutcomeUnknown, match="not found"):
        network(meta).reconcile(claim({"container": {"id": "17889455560051444"}, "final": {"sent": 1}}))


def test_reconcile_without_publish_call_makes_no_request():
    meta = Meta()
    assert network(meta).reconcile(claim({"container": {"id": "17889455560051444"}})) is None
    assert meta.requests == []
