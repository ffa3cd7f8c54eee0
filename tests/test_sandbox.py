"""The sandbox network: SQLite storage, idempotency keys, every post type, imitated rules, faults."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

from socialops.content.render import Rendered
from socialops.errors import (
    AuthError,
    OutcomeUnknown,
    PermanentNetworkError,
    RateLimited,
    TransientNetworkError,
)
from socialops.networks import NETWORKS
from socialops.networks.contract import open_network
from socialops.networks.sandbox.adapter import SandboxNetwork
from socialops.networks.sandbox.store import DEFAULT_PATH, database_path, sandbox_posts
from socialops.networks.spec import ALL_TYPES
from socialops.networks.types import Claim, MediaFile, PublishRequest
from socialops.repository.posts import Media
from socialops.repository.profiles import parse_profile

NOW = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)


def profile(imitates: str | None = None, pid: str = "shop"):
    text = f"id: {pid}\nnetwork: sandbox\naccount: {pid}.example\ntoken_env: SHOP_TOKEN\n"
    if imitates:
        text += f"imitates: {imitates}\n"
    return parse_profile(text, f"profiles/{pid}.yaml")


def request(tmp_path, *, key="key-1", post_id="p1", type="text", text="Hello", media=(), first_comment=None,
            link=None, limit=100_000, live=None):
    files = []
    for i, (name, kind) in enumerate(media):
        path = tmp_path / "content" / "media" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * (10 + i))
        captions = None
        if kind == "video":
            captions = path.with_suffix(".vtt")
            captions.write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nhei\n")
        files.append(MediaFile(path=path, rel=f"content/media/{name}", kind=kind, alt=f"alt {i}", index=i,
                               captions=captions,
                               captions_rel=f"content/media/{captions.name}" if captions else None))
    rendered = Rendered(profile_id="shop", network="sandbox", type=type, text=text, length=len(text), limit=limit,
                        link=link, first_comment=first_comment,
                        media=[Media(path=f.rel, alt=f.alt, index=f.index) for f in files])
    return PublishRequest(post_id=post_id, profile_id="shop", idempotency_key=key, rendered=rendered, media=files,
                          root=tmp_path, live=live or {})


def network(tmp_path, imitates=None, progress=None, **kw):
    return SandboxNetwork(profile(imitates), env={}, root=tmp_path, clock=lambda: NOW, progress=progress, **kw)


def rows(tmp_path):
    return sandbox_posts(tmp_path / DEFAULT_PATH)


def test_publish_stores_the_post_with_the_required_columns(tmp_path):
    with network(tmp_path) as net:
        result = net.publish(request(tmp_path, text="Hyvää huomenta", link="https://acme.example",
                                     first_comment="#kahvi"))
    [row] = rows(tmp_path)
    assert row["account"] == "shop.example"
    assert row["text"] == "Hyvää huomenta"
    assert row["created_at"] == "2026-12-01T07:00:00.000000Z"
    assert row["link"] == "https://acme.example" and row["first_comment"] == "#kahvi"
    assert row["idempotency_key"] == "key-1" and row["post_id"] == "p1"
    assert result.remote_id == str(row["id"]) and result.url == row["url"]
    assert result.published_at == NOW
    conn = sqlite3.connect(tmp_path / DEFAULT_PATH)
    assert conn.execute("SELECT text FROM comments").fetchall() == [("#kahvi",)]
    columns = {r[1] for r in conn.execute("PRAGMA table_info(posts)")}
    assert {"id", "account", "text", "created_at", "type", "media", "link", "first_comment", "idempotency_key",
            "url"} <= columns
    conn.close()


def test_same_key_twice_gives_the_same_post(tmp_path):
    with network(tmp_path) as net:
        first = net.publish(request(tmp_path, key="same"))
        second = net.publish(request(tmp_path, key="same"))
        third = net.publish(request(tmp_path, key="other"))
    assert first.remote_id == second.remote_id != third.remote_id
    assert len(rows(tmp_path)) == 2


def test_reconcile_by_idempotency_key(tmp_path):
    with network(tmp_path) as net:
        done = net.publish(request(tmp_path, key="k-1"))
        found = net.reconcile(Claim("p1", "shop", "k-1", NOW))
        missing = net.reconcile(Claim("p1", "shop", "k-2", NOW))
    assert found is not None and found.remote_id == done.remote_id and found.extra["via"] == "reconciled"
    assert missing is None


MEDIA_FOR = {
    "text": [], "link": [], "live": [],
    "image": [("a.jpg", "image")],
    "carousel": [("a.jpg", "image"), ("b.png", "image"), ("c.jpg", "image")],
    "video": [("v.mp4", "video")], "reel": [("r.mp4", "video")], "story": [("s.jpg", "image")],
}


@pytest.mark.parametrize("post_type", sorted(ALL_TYPES))
def test_every_post_type(tmp_path, post_type):
    media = MEDIA_FOR[post_type]
    live = {"starts_at": "2026-12-12 18:00", "duration_minutes": 60} if post_type == "live" else None
    link = "https://acme.example" if post_type == "link" else None
    with network(tmp_path) as net:
        net.publish(request(tmp_path, type=post_type, media=media, link=link, live=live))
    [row] = rows(tmp_path)
    assert row["type"] == post_type
    stored = json.loads(row["media"])
    assert [m["path"] for m in stored] == [f"content/media/{name}" for name, _ in media]
    if post_type in ("video", "reel"):
        assert stored[0]["captions"].endswith(".vtt")
    if post_type == "live":
        assert json.loads(row["live"])["duration_minutes"] == 60


def test_imitated_network_rules_apply(tmp_path):
    with network(tmp_path, imitates="instagram") as net:
        with pytest.raises(PermanentNetworkError, match="Instagram"):
            net.publish(request(tmp_path, type="text"))
        with pytest.raises(PermanentNetworkError, match="2200"):
            net.publish(request(tmp_path, type="image", media=[("a.jpg", "image")], text="x" * 2300, limit=2200))
        net.publish(request(tmp_path, type="image", media=[("a.jpg", "image")]))
    assert [r["network"] for r in rows(tmp_path)] == ["instagram"]


def test_media_uploads_are_reported_and_resumed(tmp_path):
    calls = []

    def progress(item, step, data):
        # When the progress arrives, the post itself must not exist yet.
        calls.append((step, dict(data), len(rows(tmp_path))))

    item = request(tmp_path, type="carousel", media=MEDIA_FOR["carousel"])
    with network(tmp_path, progress=progress) as net:
        net.publish(item)
    assert [c[0] for c in calls] == ["media:0", "media:1", "media:2"]
    assert all(c[2] == 0 for c in calls)
    ids = [c[1]["id"] for c in calls]
    assert item.resume == {f"media:{i}": {"id": ids[i]} for i in range(3)}

    # A crashed run recorded the first two uploads: the next attempt reuses them.
    again = request(tmp_path, key="key-2", type="carousel", media=MEDIA_FOR["carousel"])
    again.resume = {"media:0": {"id": ids[0]}, "media:1": {"id": ids[1]}}
    calls.clear()
    with network(tmp_path, progress=progress) as net:
        net.publish(again)
    assert [c[0] for c in calls] == ["media:2"]
    conn = sqlite3.connect(tmp_path / DEFAULT_PATH)
    assert conn.execute("SELECT COUNT(*) FROM media").fetchone()[0] == 4
    conn.close()
    stored = json.loads(rows(tmp_path)[-1]["media"])
    assert [m["id"] for m in stored[:2]] == [int(ids[0]), int(ids[1])]


def test_lost_answer_is_stored_and_found_again(tmp_path):
    with network(tmp_path, faults="lose_answer") as net:
        with pytest.raises(OutcomeUnknown):
            net.publish(request(tmp_path, key="lost"))
        found = net.reconcile(Claim("p1", "shop", "lost", NOW))
    assert found is not None
    assert len(rows(tmp_path)) == 1


def test_faults(tmp_path):
    with network(tmp_path, faults="transient=2", retries=0) as net:  # retries=0: each call fails once
        for _ in range(2):
            with pytest.raises(TransientNetworkError):
                net.publish(request(tmp_path))
        net.publish(request(tmp_path))
    with network(tmp_path, faults="rate_limit=30", retries=0) as net, pytest.raises(RateLimited) as info:
        net.publish(request(tmp_path, key="k2"))
    assert info.value.retry_after == 30
    with network(tmp_path, faults="auth") as net, pytest.raises(AuthError) as auth:
        net.publish(request(tmp_path, key="k3"))
    assert auth.value.secret == "SHOP_TOKEN" and "SHOP_TOKEN" in str(auth.value)
    with network(tmp_path, faults="cannot_reconcile") as net, pytest.raises(OutcomeUnknown):
        net.reconcile(Claim("p1", "shop", "key-1", NOW))
    # A fault limited to one post leaves the others alone.
    with network(tmp_path, faults="permanent@p9") as net:
        with pytest.raises(PermanentNetworkError):
            net.publish(request(tmp_path, key="k4", post_id="p9"))
        net.publish(request(tmp_path, key="k5", post_id="p8"))
    assert [r["idempotency_key"] for r in rows(tmp_path)] == ["key-1", "k5"]


def test_transient_faults_are_retried_as_the_http_layer_retries(tmp_path):
    sleeps: list[float] = []
    with network(tmp_path, faults="transient=2", sleep=sleeps.append) as net:
        net.publish(request(tmp_path))  # two simulated 503s, retried with backoff, then stored
    assert len(sleeps) == 2 and len(rows(tmp_path)) == 1
    with network(tmp_path, faults="transient=9", retries=1, sleep=sleeps.append) as net:
        with pytest.raises(TransientNetworkError):
            net.publish(request(tmp_path, key="k2"))
    assert net._calls == 2
    with network(tmp_path, faults="rate_limit=300", sleep=sleeps.append) as net, pytest.raises(RateLimited):
        net.publish(request(tmp_path, key="k3"))  # longer than max_wait: not waited out
    assert len(sleeps) == 3


def test_database_location(tmp_path, monkeypatch):
    assert database_path(tmp_path, {}) == tmp_path / ".socialops" / "sandbox.sqlite"
    elsewhere = tmp_path / "elsewhere" / "box.sqlite"
    assert database_path(tmp_path, {"SOCIALOPS_SANDBOX": str(elsewhere)}) == elsewhere
    net = open_network(profile(), env={"SOCIALOPS_SANDBOX": str(elsewhere), "SOCIALOPS_SANDBOX_FAULTS": "permanent"},
                       root=tmp_path, clock=lambda: NOW)
    assert isinstance(net, SandboxNetwork)
    with net, pytest.raises(PermanentNetworkError):
        net.publish(request(tmp_path))
    with SandboxNetwork(profile(), env={"SOCIALOPS_SANDBOX": str(elsewhere)}, root=tmp_path) as net2:
        net2.publish(request(tmp_path))
    assert len(sandbox_posts(elsewhere)) == 1
    assert not (tmp_path / DEFAULT_PATH).exists()


def test_two_processes_share_the_database(tmp_path):
    import subprocess
    import sys

    script = (
        "import sys, datetime as dt\n"
        "from pathlib import Path\n"
        "from tests.test_sandbox import network, request\n"
        "root = Path(sys.argv[1])\n"
        "with network(root) as net:\n"
        "    for i in range(30):\n"
        "        net.publish(request(root, key=f'{sys.argv[2]}-{i % 20}'))\n"
    )
    from tests.publish_support import REPO

    procs = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path), name], cwd=REPO)
             for name in ("a", "b", "a")]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0]
    keys = [r["idempotency_key"] for r in rows(tmp_path)]
    assert len(keys) == 40 and len(set(keys)) == 40  # 20 keys each for a and b, no duplicates


def test_sandbox_spec_declares_every_type():
    assert NETWORKS["sandbox"].types == ALL_TYPES
    assert NETWORKS["sandbox"].idempotency == "key"
