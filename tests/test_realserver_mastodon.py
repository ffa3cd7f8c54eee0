"""The Mastodon adapter against mastodon-mock (PyPI), a third-party FastAPI + SQLite implementation of
the Mastodon REST API started by tests/servers. It is not a real Mastodon: it processes every upload
synchronously (200, never the 202 + polling of video), keeps Idempotency-Keys without expiry, and sends
no X-RateLimit-* headers unless its opt-in rate limiter is on. Its fault-injection control plane
(POST /api/v1/_mock/faults) is used for 5xx, 429 and malformed answers.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

import httpx
import pytest
from PIL import Image

from socialops.content.render import Rendered
from socialops.errors import AuthError, OutcomeUnknown, RateLimited
from socialops.networks.mastodon.adapter import MastodonNetwork
from socialops.networks.mastodon.client import html_to_text
from socialops.networks.types import Claim, MediaFile, PublishRequest
from socialops.repository.profiles import parse_profile
from tests.helpers import Recorder, track_client

pytestmark = pytest.mark.mastodon


def make_network(server, *, token=None, client=None, progress=None, clock=None) -> MastodonNetwork:
    profile = parse_profile(
        f"id: cafe-masto\nnetwork: mastodon\naccount: brand\ninstance: {server['url']}\n"
        "token_env: MASTODON_TOKEN\nlanguage: fi\n",
        "profiles/cafe-masto.yaml",
    )
    return MastodonNetwork(profile, env={"MASTODON_TOKEN": token or server["accounts"]["brand"]["token"]},
                           client=track_client(client or httpx.Client(timeout=30)), progress=progress, clock=clock,
                           sleep=lambda s: None)


def make_request(text: str, *, key: str | None = None, type="text", media=(), first_comment=None) -> PublishRequest:
    rendered = Rendered(profile_id="cafe-masto", network="mastodon", type=type, text=text, length=len(text),
                        limit=500, first_comment=first_comment)
    return PublishRequest(post_id="p", profile_id="cafe-masto", idempotency_key=key or secrets.token_hex(8),
                          rendered=rendered, media=list(media))


def api(server, method: str, path: str, **kwargs) -> httpx.Response:
    headers = {"Authorization": f"Bearer {server['accounts']['brand']['token']}"}
    return httpx.request(method, f"{server['url']}{path}", headers=headers, timeout=30, **kwargs)


def statuses_with(server, marker: str) -> list[dict]:
    """The brand account's statuses whose text contains ``marker``."""
    account = server["accounts"]["brand"]["id"]
    found, params = [], {"limit": 40}
    while True:
        page = api(server, "GET", f"/api/v1/accounts/{account}/statuses", params=params).json()
        found += [s for s in page if marker in html_to_text(s["content"])]
        if len(page) < 40:
            return found
        params = {"limit": 40, "max_id": page[-1]["id"]}


def fault(server, method: str, path: str, effect: dict, count: int = 1) -> None:
    r = api(server, "POST", "/api/v1/_mock/faults",
            json={"match": {"methods": [method], "path": path}, "effect": effect, "count": count})
    assert r.status_code == 200, r.text


@pytest.fixture(autouse=True)
def clear_faults(mastodon_server):
    yield
    api(mastodon_server, "DELETE", "/api/v1/_mock/faults")


def test_text_status(mastodon_server):
    marker = secrets.token_hex(4)
    steps = Recorder()
    result = make_network(mastodon_server, progress=steps).publish(make_request(f"Hyvää huomenta {marker} ☕"))
    status = api(mastodon_server, "GET", f"/api/v1/statuses/{result.remote_id}").json()
    assert html_to_text(status["content"]) == f"Hyvää huomenta {marker} ☕"
    assert status["language"] == "fi" and status["visibility"] == "public"
    assert result.url == status["url"]
    assert steps.names() == ["status"]


def test_images_with_alt_text(mastodon_server, tmp_path: Path):
    media = []
    for i in range(2):
        path = tmp_path / f"{i}.jpg"
        Image.new("RGB", (64 + i, 48), (i * 100, 50, 50)).save(path, "JPEG")
        media.append(MediaFile(path=path, rel=f"content/media/{i}.jpg", kind="image", alt=f"Kuvaus {i}", index=i))
    steps = Recorder()
    result = make_network(mastodon_server, progress=steps).publish(
        make_request("Kaksi kuvaa", type="carousel", media=media))
    status = api(mastodon_server, "GET", f"/api/v1/statuses/{result.remote_id}").json()
    attachments = status["media_attachments"]
    assert [a["description"] for a in attachments] == ["Kuvaus 0", "Kuvaus 1"]
    assert [a["type"] for a in attachments] == ["image", "image"]
    assert [a["id"] for a in attachments] == [steps.steps[0][1]["id"], steps.steps[1][1]["id"]]
    assert steps.names() == ["media:0", "media:1", "status"]
    served = httpx.get(attachments[0]["url"], timeout=30)
    assert served.status_code == 200 and served.content == media[0].path.read_bytes()


def test_first_comment_is_a_reply_in_the_thread(mastodon_server):
    result = make_network(mastodon_server).publish(make_request("Pääpostaus", first_comment="#joulu #kahvila"))
    context = api(mastodon_server, "GET", f"/api/v1/statuses/{result.remote_id}/context").json()
    (reply,) = context["descendants"]
    assert reply["id"] == result.extra["first_comment_id"]
    assert reply["in_reply_to_id"] == result.remote_id
    assert html_to_text(reply["content"]) == "#joulu #kahvila"


def test_idempotency_key_returns_the_first_status(mastodon_server):
    """mastodon-mock honours Idempotency-Key: the same key gives back the status already made."""
    marker = secrets.token_hex(4)
    key = f"claim-{marker}"
    first = make_network(mastodon_server).publish(make_request(f"Kerran {marker}", key=key))
    second = make_network(mastodon_server).publish(make_request(f"Kerran {marker}", key=key))
    assert second.remote_id == first.remote_id
    assert len(statuses_with(mastodon_server, marker)) == 1


class DropAnswer(httpx.BaseTransport):
    """The server carries out the first POST /api/v1/statuses; its answer is then lost."""

    def __init__(self):
        self.inner = httpx.HTTPTransport()
        self.dropped = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == "POST" and request.url.path == "/api/v1/statuses" and not self.dropped:
            response.read()
            self.dropped += 1
            raise httpx.ReadTimeout("answer lost", request=request)
        return response

    def close(self) -> None:
        self.inner.close()


def test_lost_answer_is_settled_by_the_idempotency_key(mastodon_server):
    marker = secrets.token_hex(4)
    transport = DropAnswer()
    result = make_network(mastodon_server, client=httpx.Client(transport=transport)).publish(
        make_request(f"Katosi {marker}"))
    assert transport.dropped == 1
    (status,) = statuses_with(mastodon_server, marker)
    assert status["id"] == result.remote_id


def test_5xx_then_success_posts_once(mastodon_server):
    marker = secrets.token_hex(4)
    fault(mastodon_server, "POST", "/api/v1/statuses", {"type": "status", "status": 503})
    make_network(mastodon_server).publish(make_request(f"Palvelin kaatui {marker}"))
    assert len(statuses_with(mastodon_server, marker)) == 1


def test_malformed_answer_then_reconcile_posts_exactly_once(mastodon_server):
    marker = secrets.token_hex(4)
    key = f"claim-{marker}"
    fault(mastodon_server, "POST", "/api/v1/statuses", {"type": "malformed"})
    with pytest.raises(OutcomeUnknown):
        make_network(mastodon_server).publish(make_request(f"Roskaa {marker}", key=key))
    claim = Claim(post_id="p", profile_id="cafe-masto", idempotency_key=key, claimed_at=dt.datetime.now(dt.UTC),
                  request=make_request(f"Roskaa {marker}", key=key))
    found = make_network(mastodon_server).reconcile(claim)
    again = make_network(mastodon_server).reconcile(claim)
    assert found is not None and again.remote_id == found.remote_id
    assert len(statuses_with(mastodon_server, marker)) == 1


def test_reconcile_after_the_key_expired_matches_text(mastodon_server):
    marker = secrets.token_hex(4)
    made = make_network(mastodon_server).publish(make_request(f"Vanha claim {marker}\n\nhttps://aurinko.example/x"))
    claimed = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    later = claimed + dt.timedelta(hours=2)
    claim = Claim(post_id="p", profile_id="cafe-masto", idempotency_key="expired-key", claimed_at=claimed,
                  request=make_request(f"Vanha claim {marker}\n\nhttps://aurinko.example/x", key="expired-key"))
    found = make_network(mastodon_server, clock=lambda: later).reconcile(claim)
    assert found is not None and found.remote_id == made.remote_id
    missing = Claim(post_id="p", profile_id="cafe-masto", idempotency_key="other", claimed_at=claimed,
                    request=make_request(f"Ei koskaan {marker}", key="other"))
    assert make_network(mastodon_server, clock=lambda: later).reconcile(missing) is None
    assert len(statuses_with(mastodon_server, marker)) == 1


def test_rate_limited_by_the_server(mastodon_server):
    fault(mastodon_server, "POST", "/api/v1/statuses", {"type": "ratelimit"})
    with pytest.raises(RateLimited) as caught:
        make_network(mastodon_server).publish(make_request("Liian nopeasti"))
    assert caught.value.retry_after == 300


def test_wrong_token(mastodon_server):
    with pytest.raises(AuthError) as caught:
        make_network(mastodon_server, token="not-the-token-1").publish(make_request("x"))
    assert "MASTODON_TOKEN" in str(caught.value) and "not-the-token-1" not in str(caught.value)


def test_resume_reuses_uploaded_media(mastodon_server, tmp_path: Path):
    path = tmp_path / "a.jpg"
    Image.new("RGB", (64, 48), (10, 200, 10)).save(path, "JPEG")
    media = MediaFile(path=path, rel="content/media/a.jpg", kind="image", alt="Vihreä", index=0)
    steps = Recorder()
    fault(mastodon_server, "POST", "/api/v1/statuses", {"type": "malformed"})
    with pytest.raises(OutcomeUnknown):  # the upload went through, then the status answer was garbage
        make_network(mastodon_server, progress=steps).publish(make_request("Jatkuu", type="image", media=[media]))
    assert steps.names() == ["media:0"]
    item = make_request("Jatkuu", type="image", media=[media])
    item.resume = {"media:0": steps.steps[0][1]}
    item.attempt = 2
    uploads_before = steps.names().count("media:0")
    result = make_network(mastodon_server, progress=steps).publish(item)
    assert steps.names().count("media:0") == uploads_before  # no new upload
    status = api(mastodon_server, "GET", f"/api/v1/statuses/{result.remote_id}").json()
    assert [a["id"] for a in status["media_attachments"]] == [steps.steps[0][1]["id"]]


def test_publish_run_end_to_end(mastodon_server, tmp_path: Path):
    """`socialops publish` (the library call) for a Mastodon profile: render, upload, post, first comment,
    ledger; the second run posts nothing."""
    import yaml

    from socialops.publish.results import R_PUBLISHED
    from socialops.publish.run import run_publish
    from socialops.state.publications import PUBLISHED, Ledger
    from tests.publish_support import git_init, make_repo, write_image, write_post

    marker = secrets.token_hex(4)
    root = make_repo(tmp_path / "repo", profiles=())
    profile = {"id": "cafe-masto", "network": "mastodon", "account": "brand", "instance": mastodon_server["url"],
               "token_env": "MASTODON_TOKEN", "owners": ["@acme/social"], "language": "fi"}
    (root / "profiles").mkdir(exist_ok=True)
    (root / "profiles" / "cafe-masto.yaml").write_text(yaml.safe_dump(profile), encoding="utf-8")
    image = write_image(root)
    write_post(root, "linkki", profiles=["cafe-masto"], at="2026-12-01 08:00", link="https://aurinko.example/joulu",
               first_comment="#joulu", body=f"**Joulu** tulee {marker}!\n")
    write_post(root, "kuva", profiles=["cafe-masto"], at="2026-12-01 08:30", body=f"Pulla {marker}\n",
               media=[{"path": image, "alt": "Pieni kuva"}])
    git_init(root)
    env = {"MASTODON_TOKEN": mastodon_server["accounts"]["brand"]["token"]}
    now = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)  # 09:00 in Helsinki
    result = run_publish(root, now=now, env=env, push=False, sleep=lambda s: None)
    assert {(p.post_id, p.status) for p in result.pairs} == {("linkki", R_PUBLISHED), ("kuva", R_PUBLISHED)}
    posted = {html_to_text(s["content"]): s for s in statuses_with(mastodon_server, marker)}
    assert set(posted) == {f"Joulu tulee {marker}!\n\nhttps://aurinko.example/joulu", f"Pulla {marker}"}
    assert posted[f"Pulla {marker}"]["media_attachments"][0]["description"] == "Pieni kuva"
    link_id = posted[f"Joulu tulee {marker}!\n\nhttps://aurinko.example/joulu"]["id"]
    (reply,) = api(mastodon_server, "GET", f"/api/v1/statuses/{link_id}/context").json()["descendants"]
    assert html_to_text(reply["content"]) == "#joulu"
    states = Ledger(root).state()
    assert {pair: st.status for pair, st in states.items()} == {("linkki", "cafe-masto"): PUBLISHED,
                                                                ("kuva", "cafe-masto"): PUBLISHED}
    again = run_publish(root, now=now + dt.timedelta(minutes=30), env=env, push=False, sleep=lambda s: None)
    assert again.pairs == [] and len(statuses_with(mastodon_server, marker)) == 2
