"""Smoke tests: the real local servers (tests/servers) start and answer over plain HTTP.

They prove the fixtures give working servers: a real Bluesky PDS (createSession, uploadBlob,
createRecord with an images embed and alt text, getRecord, getBlob), the AppView's counts, and
mastodon_mock (verify_credentials, media with a description, a status with it, fetching it back).
"""

from __future__ import annotations

import io
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.servers import fixtures, launch


def _png(color: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (4, 3)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


# --------------------------------------------------------------------------- fixture logic


def test_missing_server_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="node is not on PATH"):
        fixtures.require("node is not on PATH", "the Bluesky PDS")


@pytest.mark.parametrize("value", ["true", "1", "yes"])
def test_missing_server_fails_in_ci(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="must not be skipped"):
        fixtures.require("node is not on PATH", "the Bluesky PDS")


def test_installed_server_neither_skips_nor_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    fixtures.require(None, "the Bluesky PDS")


def test_ci_false_means_not_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "false")
    assert fixtures.in_ci() is False


def test_mastodon_config_seeds_fixed_tokens(tmp_path: Path) -> None:
    text = launch.mastodon_config_toml(4321, tmp_path / "media")
    cfg = tomllib.loads(text)
    assert cfg["server"] == {"host": "127.0.0.1", "port": 4321}
    assert cfg["database"]["path"] == ":memory:"
    assert cfg["media_storage_path"] == str(tmp_path / "media")
    seeded = {a["username"]: a["access_token"] for a in cfg["seed"]["accounts"]}
    assert seeded == {"brand": "socialops-brand-token", "fan": "socialops-fan-token"}


def test_free_port_is_bindable() -> None:
    import socket

    port = launch.free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
    assert 0 < port < 65536


# --------------------------------------------------------------------------- Bluesky PDS


def _bsky_session(client: Any, account: dict[str, str]) -> dict[str, Any]:
    resp = client.post(
        "/xrpc/com.atproto.server.createSession",
        json={"identifier": account["handle"], "password": account["password"]},
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.mark.bluesky
def test_bluesky_pds_post_with_image_and_alt_text(bluesky_pds: dict[str, Any]) -> None:
    import httpx

    brand = bluesky_pds["accounts"]["brand"]
    assert brand["handle"] == "brand.test"
    assert brand["did"].startswith("did:plc:")
    png = _png()
    with httpx.Client(base_url=bluesky_pds["url"], timeout=30) as client:
        session = _bsky_session(client, brand)
        assert session["did"] == brand["did"]
        auth = {"Authorization": f"Bearer {session['accessJwt']}"}

        up = client.post(
            "/xrpc/com.atproto.repo.uploadBlob", content=png, headers={**auth, "Content-Type": "image/png"}
        )
        assert up.status_code == 200, up.text
        blob = up.json()["blob"]
        assert blob["mimeType"] == "image/png"
        assert blob["size"] == len(png)

        record = {
            "$type": "app.bsky.feed.post",
            "text": "Hello from socialops",
            "createdAt": _now(),
            "embed": {
                "$type": "app.bsky.embed.images",
                "images": [{"alt": "A red rectangle", "image": blob, "aspectRatio": {"width": 4, "height": 3}}],
            },
        }
        created = client.post(
            "/xrpc/com.atproto.repo.createRecord",
            headers=auth,
            json={"repo": session["did"], "collection": "app.bsky.feed.post", "record": record},
        )
        assert created.status_code == 200, created.text
        uri = created.json()["uri"]
        assert uri.startswith(f"at://{session['did']}/app.bsky.feed.post/")
        rkey = uri.rsplit("/", 1)[1]

        got = client.get(
            "/xrpc/com.atproto.repo.getRecord",
            params={"repo": session["did"], "collection": "app.bsky.feed.post", "rkey": rkey},
        )
        assert got.status_code == 200, got.text
        value = got.json()["value"]
        assert value["text"] == "Hello from socialops"
        image = value["embed"]["images"][0]
        assert image["alt"] == "A red rectangle"
        cid = image["image"]["ref"]["$link"]
        assert cid == blob["ref"]["$link"]

        fetched = client.get("/xrpc/com.atproto.sync.getBlob", params={"did": session["did"], "cid": cid})
        assert fetched.status_code == 200
        assert fetched.content == png


@pytest.mark.bluesky
def test_bluesky_pds_refuses_invalid_post(bluesky_pds: dict[str, Any]) -> None:
    import httpx

    with httpx.Client(base_url=bluesky_pds["url"], timeout=30) as client:
        session = _bsky_session(client, bluesky_pds["accounts"]["fan"])
        resp = client.post(
            "/xrpc/com.atproto.repo.createRecord",
            headers={"Authorization": f"Bearer {session['accessJwt']}"},
            json={
                "repo": session["did"],
                "collection": "app.bsky.feed.post",
                "record": {"$type": "app.bsky.feed.post", "text": "x" * 3001, "createdAt": _now()},
            },
        )
    assert resp.status_code == 400
    assert resp.json()["error"] == "InvalidRequest"
    assert "text" in resp.json()["message"]


@pytest.mark.bluesky
def test_bluesky_pds_wrong_password_is_refused(bluesky_pds: dict[str, Any]) -> None:
    import httpx

    brand = bluesky_pds["accounts"]["brand"]
    resp = httpx.post(
        f"{bluesky_pds['url']}/xrpc/com.atproto.server.createSession",
        json={"identifier": brand["handle"], "password": brand["password"] + "-wrong"},
        timeout=30,
    )
    assert resp.status_code == 401


@pytest.mark.bluesky
def test_bluesky_account_is_fresh(bluesky_pds: dict[str, Any], bluesky_account: dict[str, str]) -> None:
    import httpx

    assert bluesky_account["handle"].endswith(".test")
    assert bluesky_account["did"] not in {a["did"] for a in bluesky_pds["accounts"].values()}
    resp = httpx.get(
        f"{bluesky_pds['url']}/xrpc/com.atproto.repo.listRecords",
        params={"repo": bluesky_account["did"], "collection": "app.bsky.feed.post"},
        timeout=30,
    )
    assert resp.status_code == 200
    assert resp.json()["records"] == []


@pytest.mark.bluesky
def test_bluesky_appview_counts_likes_replies_and_followers(bluesky_appview: dict[str, Any]) -> None:
    import httpx

    assert bluesky_appview["appview_url"]
    with httpx.Client(base_url=bluesky_appview["url"], timeout=30) as client:
        brand = _bsky_session(client, bluesky_appview["accounts"]["brand"])
        fan = _bsky_session(client, bluesky_appview["accounts"]["fan"])
        as_brand = {"Authorization": f"Bearer {brand['accessJwt']}"}
        as_fan = {"Authorization": f"Bearer {fan['accessJwt']}"}

        def create(auth: dict[str, str], repo: str, collection: str, record: dict[str, Any]) -> dict[str, Any]:
            resp = client.post(
                "/xrpc/com.atproto.repo.createRecord",
                headers=auth,
                json={"repo": repo, "collection": collection, "record": {"$type": collection, **record}},
            )
            assert resp.status_code == 200, resp.text
            return resp.json()

        post = create(as_brand, brand["did"], "app.bsky.feed.post", {"text": "count me", "createdAt": _now()})
        ref = {"uri": post["uri"], "cid": post["cid"]}
        create(as_fan, fan["did"], "app.bsky.feed.like", {"subject": ref, "createdAt": _now()})
        create(as_fan, fan["did"], "app.bsky.feed.post",
               {"text": "nice", "createdAt": _now(), "reply": {"root": ref, "parent": ref}})
        create(as_fan, fan["did"], "app.bsky.graph.follow", {"subject": brand["did"], "createdAt": _now()})

        deadline = time.monotonic() + 20
        while True:
            thread = client.get("/xrpc/app.bsky.feed.getPostThread", headers=as_brand, params={"uri": post["uri"]})
            view = thread.json().get("thread", {}) if thread.status_code == 200 else {}
            if view.get("post", {}).get("likeCount") == 1 and view.get("replies"):
                break
            assert time.monotonic() < deadline, f"AppView did not index in time: {thread.status_code} {thread.text}"
            time.sleep(0.2)
        assert view["post"]["replyCount"] == 1
        assert view["replies"][0]["post"]["record"]["text"] == "nice"
        assert view["replies"][0]["post"]["author"]["handle"] == "fan.test"

        profile = client.get("/xrpc/app.bsky.actor.getProfile", headers=as_brand, params={"actor": brand["did"]})
        assert profile.status_code == 200, profile.text
        assert profile.json()["followersCount"] == 1


# --------------------------------------------------------------------------- Mastodon


@pytest.mark.mastodon
def test_mastodon_verify_credentials(mastodon_server: dict[str, Any]) -> None:
    import httpx

    brand = mastodon_server["accounts"]["brand"]
    with httpx.Client(base_url=mastodon_server["url"], timeout=30) as client:
        ok = client.get("/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {brand['token']}"})
        bad = client.get("/api/v1/accounts/verify_credentials", headers={"Authorization": "Bearer not-a-token"})
    assert ok.status_code == 200
    assert ok.json()["username"] == "brand"
    assert ok.json()["id"] == brand["id"]
    assert bad.status_code == 401


@pytest.mark.mastodon
def test_mastodon_status_with_described_media(mastodon_server: dict[str, Any]) -> None:
    import httpx

    brand = mastodon_server["accounts"]["brand"]
    auth = {"Authorization": f"Bearer {brand['token']}"}
    png = _png((20, 120, 220))
    with httpx.Client(base_url=mastodon_server["url"], timeout=30) as client:
        media = client.post(
            "/api/v2/media",
            headers=auth,
            files={"file": ("square.png", png, "image/png")},
            data={"description": "A blue rectangle"},
        )
        assert media.status_code in (200, 202), media.text
        media_id = media.json()["id"]
        assert media.json()["description"] == "A blue rectangle"

        posted = client.post(
            "/api/v1/statuses",
            headers={**auth, "Idempotency-Key": f"smoke-{media_id}"},
            data={"status": "Hello from socialops", "media_ids[]": [media_id]},
        )
        assert posted.status_code == 200, posted.text
        status_id = posted.json()["id"]

        fetched = client.get(f"/api/v1/statuses/{status_id}", headers=auth)
        assert fetched.status_code == 200
        body = fetched.json()
        assert "Hello from socialops" in body["content"]
        assert body["account"]["id"] == brand["id"]
        [attachment] = body["media_attachments"]
        assert attachment["id"] == media_id
        assert attachment["description"] == "A blue rectangle"
        assert client.get(attachment["url"]).content == png


@pytest.mark.mastodon
def test_mastodon_idempotency_key_and_reply_context(mastodon_server: dict[str, Any]) -> None:
    import httpx

    brand, fan = mastodon_server["accounts"]["brand"], mastodon_server["accounts"]["fan"]
    as_brand = {"Authorization": f"Bearer {brand['token']}"}
    as_fan = {"Authorization": f"Bearer {fan['token']}"}
    with httpx.Client(base_url=mastodon_server["url"], timeout=30) as client:
        key = {"Idempotency-Key": "smoke-idem-1"}
        first = client.post("/api/v1/statuses", headers={**as_brand, **key}, json={"status": "once"})
        again = client.post("/api/v1/statuses", headers={**as_brand, **key}, json={"status": "once"})
        assert first.status_code == again.status_code == 200
        assert first.json()["id"] == again.json()["id"]

        reply = client.post(
            "/api/v1/statuses", headers=as_fan, json={"status": "a reply", "in_reply_to_id": first.json()["id"]}
        )
        assert reply.status_code == 200
        context = client.get(f"/api/v1/statuses/{first.json()['id']}/context", headers=as_brand)
    assert context.status_code == 200
    assert [d["id"] for d in context.json()["descendants"]] == [reply.json()["id"]]
