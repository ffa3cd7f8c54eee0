"""Going live against the real Bluesky network from @atproto/dev-env (issue 14, points 4-7): what the PDS stores
is what the preview promised (no `tags`, the real createdAt in a --now run, the subtitles as a caption track),
the lexicon's limits are refused before upload, the PDS's own blob limit is named, and a post deleted on the
network is marked `deleted` in metrics/posts.csv and skipped by metrics and comments."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import httpx
import pytest

from socialops.community.fetch import run_comments
from socialops.content.render import Rendered
from socialops.errors import PermanentNetworkError
from socialops.metrics import fetch as lib
from socialops.networks.bluesky.adapter import BlueskyNetwork
from socialops.networks.types import MediaFile, PublishRequest
from socialops.repository.profiles import load_profile
from socialops.tracker.outbox import OutboxTracker
from tests.metrics_support import add_post, make_repo, publish, read_csv
from tests.servers import launch

pytestmark = pytest.mark.bluesky

SIMULATED = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)  # a run's --now, far from the real time


def _repo(tmp_path, server, account):
    root = make_repo(tmp_path / "repo", {"brand-bsky": f"network: bluesky\naccount: {account['handle']}\n"
                                                       f"service: {server['url']}\ntoken_env: BRAND_APP_PASSWORD\n"})
    return root, {"BRAND_APP_PASSWORD": account["password"]}


def _request(text: str, *, type: str = "text", media=(), tags=()) -> PublishRequest:
    rendered = Rendered(profile_id="brand-bsky", network="bluesky", type=type, text=text, length=len(text),
                        limit=300, tags=list(tags))
    return PublishRequest(post_id="hello", profile_id="brand-bsky", idempotency_key=f"live-{uuid.uuid4().hex}",
                          rendered=rendered, media=list(media))


def _network(root, env, client) -> BlueskyNetwork:
    # the run's clock is the simulated --now; the record's time must not be
    return BlueskyNetwork(load_profile(root, "profiles/brand-bsky.yaml"), env=env, client=client,
                          clock=lambda: SIMULATED)


def _get(server, account, uri: str) -> httpx.Response:
    rkey = uri.rsplit("/", 1)[1]
    return httpx.get(f"{server['url']}/xrpc/com.atproto.repo.getRecord",
                     params={"repo": account["did"], "collection": "app.bsky.feed.post", "rkey": rkey}, timeout=30)


def _mp4(path, seconds: int = 1):
    import subprocess

    from socialops.publish.subtitles import ffmpeg_binary

    subprocess.run([ffmpeg_binary(), "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi",
                    "-i", f"color=c=red:s=160x120:d={seconds}", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path)],
                   check=True, capture_output=True)
    return path


def test_tags_are_not_published_and_created_at_is_the_real_time(bluesky_pds, bluesky_account, tmp_path):
    root, env = _repo(tmp_path, bluesky_pds, bluesky_account)
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    with httpx.Client(timeout=30) as client, _network(root, env, client) as net:
        result = net.publish(_request("Joulutori lauantaina #joulu", tags=["kampanja-q4", "sisainen"]))
    after = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    value = _get(bluesky_pds, bluesky_account, result.remote_id).json()["value"]
    assert "tags" not in value  # the team's own tags stay in the repository
    created = dt.datetime.fromisoformat(value["createdAt"].replace("Z", "+00:00"))
    assert before <= created <= after  # not the simulated 2026-01-05


def test_video_subtitles_reach_the_pds_as_a_caption_track(bluesky_pds, bluesky_account, tmp_path):
    root, env = _repo(tmp_path, bluesky_pds, bluesky_account)
    video = _mp4(tmp_path / "clip.mp4")
    srt = tmp_path / "clip.fi.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:01,000\nHei!\n", encoding="utf-8")
    media = MediaFile(path=video, rel="content/clip.mp4", kind="video", alt="Punainen", captions=srt,
                      captions_rel="content/clip.fi.srt")
    with httpx.Client(timeout=60) as client, _network(root, env, client) as net:
        result = net.publish(_request("Video", type="video", media=[media]))
    embed = _get(bluesky_pds, bluesky_account, result.remote_id).json()["value"]["embed"]
    assert embed["$type"] == "app.bsky.embed.video" and embed["alt"] == "Punainen"
    [track] = embed["captions"]
    assert track["lang"] == "fi" and track["file"]["mimeType"] == "text/vtt"
    blob = httpx.get(f"{bluesky_pds['url']}/xrpc/com.atproto.sync.getBlob",
                     params={"did": bluesky_account["did"], "cid": track["file"]["ref"]["$link"]}, timeout=30)
    assert blob.text.startswith("WEBVTT") and "Hei!" in blob.text


def test_video_alt_over_the_lexicon_limit_is_refused_before_upload(bluesky_pds, bluesky_account, tmp_path):
    root, env = _repo(tmp_path, bluesky_pds, bluesky_account)
    video = _mp4(tmp_path / "clip.mp4")
    media = MediaFile(path=video, rel="content/clip.mp4", kind="video", alt="ä" * 1_300)
    calls: list[str] = []
    with httpx.Client(timeout=60, event_hooks={"request": [lambda r: calls.append(r.url.path)]}) as client, \
            _network(root, env, client) as net, pytest.raises(PermanentNetworkError, match="at most 1,000"):
        net.publish(_request("Video", type="video", media=[media]))
    assert not any("uploadBlob" in path or "createRecord" in path for path in calls)


def test_a_blob_over_the_pds_limit_names_the_limit(bluesky_pds, bluesky_account, tmp_path):
    root, env = _repo(tmp_path, bluesky_pds, bluesky_account)
    video = tmp_path / "big.mp4"
    # an MP4 header and 6 MB: over the dev PDS's 5 MB blob limit, under the lexicon's 100 MB
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 6_000_000)
    media = MediaFile(path=video, rel="content/big.mp4", kind="video", alt="Iso")
    with httpx.Client(timeout=60) as client, _network(root, env, client) as net, \
            pytest.raises(PermanentNetworkError) as refused:
        net.publish(_request("Iso video", type="video", media=[media]))
    assert refused.value.status == 413 and "upload limit" in refused.value.message
    assert bluesky_account["password"] not in refused.value.message


def _published(server, tmp_path, text: str, *, delete: bool = False):
    """A fresh brand account, a repository whose ledger holds a post published there now (deleted again at once
    with ``delete``): (root, env, brand, result, when)."""
    brand = launch.new_bluesky_account(server, "brand")
    root, env = _repo(tmp_path, server, brand)
    with httpx.Client(timeout=30) as client, _network(root, env, client) as net:
        result = net.publish(_request(text))
        if delete:
            net._xrpc("POST", "com.atproto.repo.deleteRecord", safe=True,
                      json={"repo": net.did, "collection": "app.bsky.feed.post",
                            "rkey": result.remote_id.rsplit("/", 1)[1]})
    when = dt.datetime.now(dt.UTC)
    add_post(root, "hello", ["brand-bsky"], at=when.strftime("%Y-%m-%d %H:%M"))
    publish(root, "hello", "brand-bsky", result.remote_id, when=when, url=result.url)
    return root, env, brand, result, when


def test_a_post_deleted_on_the_network_is_marked_and_skipped(bluesky_appview, tmp_path):
    server = bluesky_appview
    root, env, brand, result, when = _published(server, tmp_path, "Tämä poistetaan pian")

    def indexed() -> bool:
        r = httpx.get(f"{server['appview_url']}/xrpc/app.bsky.feed.getPosts", params={"uris": result.remote_id},
                      timeout=10)
        return r.status_code == 200 and bool(r.json().get("posts"))

    deadline = time.monotonic() + 30
    while not indexed() and time.monotonic() < deadline:
        time.sleep(0.3)
    first = lib.fetch_metrics(root, now=when + dt.timedelta(minutes=1), env=env)
    assert not first.failed, first.runs[0].failures
    assert read_csv(root / "metrics/posts.csv")[0]["status"] == "live"

    # Someone deletes the post in the app.
    with httpx.Client(base_url=server["url"], timeout=30) as client:
        jwt = client.post("/xrpc/com.atproto.server.createSession",
                          json={"identifier": brand["handle"], "password": brand["password"]}).json()["accessJwt"]
        client.post("/xrpc/com.atproto.repo.deleteRecord", headers={"Authorization": f"Bearer {jwt}"},
                    json={"repo": brand["did"], "collection": "app.bsky.feed.post",
                          "rkey": result.remote_id.rsplit("/", 1)[1]}).raise_for_status()
    deadline = time.monotonic() + 30
    while indexed() and time.monotonic() < deadline:
        time.sleep(0.3)

    # comments first: getPostThread says NotFound; that is no failure, and the post is marked deleted
    outbox = OutboxTracker(root)
    client = httpx.Client(timeout=30)

    def opener(profile):
        return BlueskyNetwork(profile, env=env, client=client)

    found = run_comments(root, now=when + dt.timedelta(hours=1), env=env, tracker=outbox, push=False, opener=opener)
    assert not found.errors and not found.failed, found.errors
    assert any("no longer on the network" in w for w in found.warnings)
    [row] = read_csv(root / "metrics/posts.csv")
    assert (row["status"], row["remote_id"]) == ("deleted", result.remote_id)

    # the next runs skip it: no call about it, no failure, for the 30 days of the comments window
    again = run_comments(root, now=when + dt.timedelta(days=2), env=env, tracker=outbox, push=False, opener=opener)
    client.close()
    assert not again.failed and again.checked_posts == 0
    later = lib.fetch_metrics(root, now=when + dt.timedelta(days=1), env=env)
    assert not later.failed, later.runs[0].failures
    assert read_csv(root / "metrics/posts.csv")[0]["status"] == "deleted"


def test_metrics_alone_mark_a_post_getposts_leaves_out(bluesky_appview, tmp_path):
    root, env, _brand, result, when = _published(bluesky_appview, tmp_path, "Poistuu ennen mittausta", delete=True)
    fetched = lib.fetch_metrics(root, now=when + dt.timedelta(minutes=1), env=env)
    assert not fetched.failed, fetched.runs[0].failures
    [row] = read_csv(root / "metrics/posts.csv")
    assert (row["status"], row["remote_id"]) == ("deleted", result.remote_id)
