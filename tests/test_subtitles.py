"""Subtitles never silently dropped (issue 14, point 4): burned into the picture for real with the ffmpeg of the
imageio-ffmpeg wheel where a network takes no subtitle file, sent as a file where it does, refused in validation
with `captions: file`; the preview says which; Instagram uploads a burned video (resumable upload, as Meta
documents it: https://developers.facebook.com/documentation/instagram-platform/content-publishing/resumable-uploads)."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import httpx
import pytest

from socialops.content.render import Rendered
from socialops.errors import ContentError
from socialops.networks import NETWORKS
from socialops.networks.captions import srt_bytes
from socialops.networks.types import MediaFile, PublishRequest
from socialops.publish.subtitles import BURNED_DIR, burn_subtitles, ffmpeg_binary, with_subtitles_burned
from socialops.repository.media import inspect_media, mp4_facts
from tests import test_instagram as ig
from tests.helpers import make_repo

SRT = "1\n00:00:00,000 --> 00:00:01,800\nHYVÄÄ HUOMENTA\n"


def make_video(path: Path, *, seconds: float = 2, size: str = "320x240", color: str = "blue") -> Path:
    subprocess.run([ffmpeg_binary(), "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi",
                    "-i", f"color=c={color}:s={size}:d={seconds}", "-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono",
                    "-t", str(seconds), "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                    str(path)], check=True, capture_output=True)
    return path


def frame(video: Path, at: float) -> bytes:
    """One frame as raw RGB bytes."""
    done = subprocess.run([ffmpeg_binary(), "-nostdin", "-loglevel", "error", "-ss", str(at), "-i", str(video),
                           "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], check=True,
                          capture_output=True)
    return done.stdout


def test_burning_draws_the_subtitles_into_the_picture(tmp_path):
    video = make_video(tmp_path / "in.mp4")
    subtitles = tmp_path / "in.srt"
    subtitles.write_text(SRT, encoding="utf-8")
    out = burn_subtitles(video, subtitles, tmp_path / "out" / "burned.mp4")
    assert out.is_file() and out.read_bytes() != video.read_bytes()
    facts = mp4_facts(out)
    assert (facts["width"], facts["height"]) == (320, 240) and abs(facts["seconds"] - 2.0) < 0.1
    shown, plain = frame(out, 0.5), frame(video, 0.5)
    assert len(shown) == len(plain) == 320 * 240 * 3
    changed = sum(1 for a, b in zip(shown, plain, strict=True) if abs(a - b) > 60)
    assert changed > 500  # the letters, white on blue
    after = frame(out, 1.95)  # the cue has ended: the picture is blue again
    assert sum(1 for a, b in zip(after, plain, strict=True) if abs(a - b) > 60) < 50


def test_burning_a_file_that_is_no_video_names_the_files_and_leaves_nothing(tmp_path):
    subtitles = tmp_path / "in.srt"
    subtitles.write_text(SRT, encoding="utf-8")
    (tmp_path / "not-a-video.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    with pytest.raises(ContentError, match="into not-a-video.mp4 failed"):
        burn_subtitles(tmp_path / "not-a-video.mp4", subtitles, tmp_path / "out.mp4")
    assert not (tmp_path / "out.mp4").exists()


def test_video_facts_are_read_from_the_mp4_boxes(tmp_path):
    video = make_video(tmp_path / "story.mp4", seconds=3, size="1080x1920")
    info = inspect_media(tmp_path, "story.mp4")
    assert (info["width"], info["height"]) == (1080, 1920) and abs(info["seconds"] - 3.0) < 0.1
    assert info["size"] == video.stat().st_size


def _request(root: Path, network: str, kind: str, media: list[MediaFile]) -> PublishRequest:
    rendered = Rendered(profile_id="p", network=network, type=kind, text="Huomenta", length=8, limit=2200)
    return PublishRequest(post_id="aamu", profile_id="p", idempotency_key="k", rendered=rendered, media=media,
                          root=root)


@pytest.mark.parametrize(("network", "kind", "burned"), [
    ("instagram", "reel", True), ("instagram", "story", True), ("instagram", "video", True),
    ("facebook", "reel", True), ("facebook", "story", True), ("facebook", "video", False),
    ("mastodon", "video", True), ("bluesky", "video", False), ("linkedin", "video", False),
])
def test_the_request_a_network_receives_has_the_subtitles_burned_where_it_takes_no_file(tmp_path, network, kind,
                                                                                         burned):
    video = make_video(tmp_path / "clip.mp4", seconds=1)
    subtitles = tmp_path / "clip.srt"
    subtitles.write_text(SRT, encoding="utf-8")
    media = [MediaFile(path=video, rel="content/clip.mp4", kind="video", alt="Aamu", captions=subtitles,
                       captions_rel="content/clip.srt")]
    request = _request(tmp_path, network, kind, media)
    sent = with_subtitles_burned(request, NETWORKS[network], "burn")
    [m] = sent.media
    if burned:
        assert m.captions is None and m.burned_from == video and m.path.parent == tmp_path / BURNED_DIR
        assert mp4_facts(m.path)["seconds"] == pytest.approx(1.0, abs=0.1)
        assert request.media[0].captions == subtitles  # the request itself (and its digest) is unchanged
        again = with_subtitles_burned(request, NETWORKS[network], "burn").media[0]
        assert again.path == m.path  # burned once, then reused
    else:
        assert sent is request and m.captions == subtitles


def test_webvtt_is_converted_to_subrip_for_meta_and_linkedin(tmp_path):
    vtt = tmp_path / "clip.fi.vtt"
    vtt.write_text("WEBVTT\n\n00:00.000 --> 00:01.500\nHei\n\n00:02.000 --> 00:03.000\nMoi\n", encoding="utf-8")
    assert srt_bytes(vtt).decode() == ("1\n00:00:00,000 --> 00:00:01,500\nHei\n\n"
                                       "2\n00:00:02,000 --> 00:00:03,000\nMoi\n")
    srt = tmp_path / "clip.srt"
    srt.write_text(SRT, encoding="utf-8")
    assert srt_bytes(srt) == srt.read_bytes()


class MetaUpload(ig.Meta):
    """The Graph API and rupload.facebook.com, where a resumable upload sends the bytes."""

    def key(self, request: httpx.Request) -> str:
        if request.url.host == "rupload.facebook.com":
            return request.url.path
        return super().key(request)


def test_instagram_uploads_a_burned_reel_with_the_resumable_upload(tmp_path):
    burned = tmp_path / "burned.mp4"
    burned.write_bytes(b"\x00\x00\x00\x18ftypmp42burned")
    media = MediaFile(path=burned, rel="content/2026/12/media/r.mp4", kind="video", burned_from=tmp_path / "r.mp4")
    meta = MetaUpload().on("POST", f"/{ig.IG}/media", ig.fx("container_video.json"))
    meta.on("POST", "/ig-api-upload/17895695668004550", {"success": True, "message": "Upload successful."})
    meta.on("GET", "/17895695668004550", ig.fx("status_finished.json"))
    ig.published(meta)
    ig.network(meta).publish(ig.request("reel", media=[media]))
    created = ig.form(meta.sent("POST", "/media")[0])
    assert created["media_type"] == "REELS" and created["upload_type"] == "resumable"
    assert "video_url" not in created  # the burned file has no public address
    [upload] = meta.sent("POST", "/ig-api-upload/17895695668004550")
    assert upload.content == burned.read_bytes()
    assert upload.headers["Authorization"] == f"OAuth {ig.TOKEN}"
    assert upload.headers["offset"] == "0" and upload.headers["file_size"] == str(len(burned.read_bytes()))
    order = [r.url.path for r in meta.requests]
    assert order.index("/ig-api-upload/17895695668004550") < order.index(f"/{ig.GRAPH_VERSION}/{ig.IG}/media_publish")


# --- validation and the preview ---------------------------------------------------------------------------------

PROFILES = {
    "cafe-insta": "id: cafe-insta\nnetwork: instagram\naccount: cafe\ntoken_env: T\nig_user_id: '1'\n"
                  "media_base_url: https://media.example/\n",
    "cafe-bsky": "id: cafe-bsky\nnetwork: bluesky\naccount: cafe.bsky.social\ntoken_env: B\n",
}


def _repo(tmp_path: Path, captions_line: str = "") -> Path:
    post = ("---\nid: aamu\ntype: reel\nprofiles: [cafe-insta, cafe-bsky]\npublish_at: 2026-12-04 09:00\n"
            f"{captions_line}media:\n  - {{path: v.mp4, alt: Aamu, captions: v.srt}}\n---\nHuomenta\n")
    root = make_repo(tmp_path, {"content/aamu.md": post}, profiles=PROFILES)
    make_video(root / "content/v.mp4", seconds=4, size="360x640")
    (root / "content/v.srt").write_text(SRT, encoding="utf-8")
    return root


def _problems(root: Path) -> list:
    from socialops.validate.engine import validate_repository

    return validate_repository(root, ["content/aamu.md"]).problems


def test_a_network_without_subtitle_files_burns_by_default_and_the_preview_says_so(tmp_path):
    from socialops.content import preview

    root = _repo(tmp_path)
    assert not [p for p in _problems(root) if p.code.startswith("captions")]
    now = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)
    [post] = preview.build(root, ["content/aamu.md"], now=now)
    handling = {item.profile_id: item.subtitles for item in post.profiles}
    assert handling["cafe-insta"] == ["v.srt: burned into the video (Instagram takes no subtitle file with a reel)"]
    assert handling["cafe-bsky"] == []  # Bluesky takes no reels at all: refused as a type, not here
    text = preview.format_text([post], now=now, tz=dt.UTC)
    assert "subtitles: v.srt: burned into the video" in text


def test_captions_file_refuses_a_network_that_takes_no_subtitle_file(tmp_path):
    root = _repo(tmp_path, "captions: file\n")
    refused = [p for p in _problems(root) if p.code == "captions-not-taken"]
    assert len(refused) == 1 and refused[0].line == 6 and "Instagram takes no subtitle file" in refused[0].message


def test_an_unknown_captions_mode_is_an_error(tmp_path):
    root = _repo(tmp_path, "captions: open\n")
    [bad] = [p for p in _problems(root) if p.code == "bad-captions"]
    assert "burn or file" in bad.message


VTT = "WEBVTT\n\n00:00.000 --> 00:02.000\nHei!\n"


def test_facebook_receives_a_webvtt_file_as_subrip(tmp_path):
    from tests import test_facebook as fb

    meta = fb.Meta().on("POST", f"/{fb.PAGE}/videos", fb.fx("video_create.json"))
    meta.on("GET", "/1234567890123401", fb.fx("video_status_ready.json"))
    meta.on("POST", "/1234567890123401/captions", fb.fx("captions_success.json"))
    vid = fb.media(tmp_path, "clip.mp4", "video", captions="clip.fi_FI.vtt")
    vid.captions.write_text(VTT, encoding="utf-8")
    fb.network(meta).publish(fb.request("video", media=[vid]))
    # POST /{video-id}/captions captions_file=<name.locale.srt> (SRT) [§1.2]
    cap = meta.sent("POST", "/captions")[0]
    assert b'name="captions_file"; filename="clip.fi_FI.srt"' in cap.content
    assert b"1\n00:00:00,000 --> 00:00:02,000\nHei!" in cap.content and b"WEBVTT" not in cap.content


def test_linkedin_receives_a_webvtt_file_as_subrip(tmp_path):
    from tests import test_linkedin as li

    api = li.video_routes(li.LinkedIn())
    vid = li.media(tmp_path, "clip.mp4", "video", content=b"0123456789ABCDE", captions="clip.fi.vtt")
    vid.captions.write_text(VTT, encoding="utf-8")
    li.network(api).publish(li.request("video", media=[vid]))
    # the captions upload: metadata {"format": "SRT", ...} and the SRT file [§4.2]
    cap = [r for r in api.requests if "/captions/" in r.url.path][0]
    assert b'"format": "SRT"' in cap.content and b'filename="clip.fi.srt"' in cap.content
    assert b"00:00:00,000 --> 00:00:02,000" in cap.content and b"WEBVTT" not in cap.content


def test_publishing_burns_for_a_profile_imitating_instagram_and_sends_the_file_to_one_imitating_bluesky(tmp_path):
    import sqlite3
    from zoneinfo import ZoneInfo

    from socialops.publish.results import R_PUBLISHED
    from socialops.publish.run import run_publish
    from tests.publish_support import git_init, write_post, write_profile
    from tests.publish_support import make_repo as publish_repo

    root = publish_repo(tmp_path / "repo", profiles=())
    write_profile(root, "cafe-insta", imitates="instagram")
    write_profile(root, "cafe-bsky", imitates="bluesky")
    (root / "content/2026/12").mkdir(parents=True)
    video = make_video(root / "content/2026/12/clip.mp4", seconds=4, size="360x640")
    (root / "content/2026/12/clip.fi.srt").write_text(SRT, encoding="utf-8")
    write_post(root, "aamu", profiles=["cafe-insta", "cafe-bsky"], type="video",
               media=[{"path": "clip.mp4", "alt": "Aamu", "captions": "clip.fi.srt"}])
    git_init(root)
    db = tmp_path / "sandbox.sqlite"
    result = run_publish(root, now=dt.datetime(2026, 12, 1, 9, 5, tzinfo=ZoneInfo("Europe/Helsinki")),
                         env={"SOCIALOPS_SANDBOX": str(db)}, sleep=lambda s: None)
    assert sorted(p.status for p in result.pairs) == [R_PUBLISHED, R_PUBLISHED], [p.detail for p in result.pairs]
    with sqlite3.connect(db) as conn:
        rows = dict(conn.execute("SELECT account, captions FROM media").fetchall())
        sizes = dict(conn.execute("SELECT account, size FROM media").fetchall())
    assert rows == {"cafe-insta.example": None, "cafe-bsky.example": "content/2026/12/clip.fi.srt"}
    [burned] = (root / BURNED_DIR).glob("*.mp4")
    assert sizes == {"cafe-insta.example": burned.stat().st_size, "cafe-bsky.example": video.stat().st_size}
