"""Profile basics: validation, image comparison, roles, diff/sync over the sandbox and over documented Graph API
payloads (httpx.MockTransport), the "Profile drift" issue, and check's reports per capability.

Payload shapes: platform-api.md 1.5 (POST /{page-id} about, website, phone, emails, products [C]), 2.5 (IG user
node fields [U]), 4.5 (organizations [C]), 5.1/5.5 (Mastodon scopes, update_credentials [V]); debug_token's
``data.scopes`` / ``type`` / ``profile_id`` as in the Graph reference for /debug_token.
"""

from __future__ import annotations

import base64
import io
import json
import urllib.parse
from pathlib import Path

import httpx
import pytest
from PIL import Image

from socialops.networks.contract import open_network
from socialops.networks.facebook.adapter import FacebookNetwork
from socialops.networks.instagram.adapter import InstagramNetwork
from socialops.networks.linkedin.adapter import LinkedInNetwork
from socialops.networks.mastodon.adapter import MastodonNetwork
from socialops.networks.sandbox.adapter import SandboxNetwork
from socialops.networks.types import MISSING, OK, UNKNOWN
from socialops.profiles.basics import desired, same_image
from socialops.profiles.check import check_profile, checklist_body, update_open_issue
from socialops.profiles.sync import (
    DIFFERS,
    SAME,
    diff_profile,
    run_profiles,
    sync_profile,
    update_drift_issue,
)
from socialops.profiles.validation import basics_problems
from socialops.repository.profiles import parse_profile
from socialops.tracker.outbox import OutboxTracker

NOW = __import__("datetime").datetime(2026, 12, 1, 9, 0, tzinfo=__import__("datetime").UTC)


def png(size=(400, 400), colour=(240, 170, 40), fmt="PNG", **save) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, colour)
    for x in range(size[0] // 4):  # some structure, so a different picture really differs
        image.putpixel((x, x * size[1] // max(1, size[0]) // 4 * 4 % size[1]), (20, 20, 20))
    image.save(out, fmt, **save)
    return out.getvalue()


def pattern(size=(400, 400), seed=0, fmt="PNG", **save) -> bytes:
    image = Image.new("RGB", size)
    for y in range(size[1]):
        for x in range(size[0]):
            image.putpixel((x, y), ((x * 3 + seed * 40) % 256, (y * 2 + seed * 90) % 256, ((x + y) + seed * 70) % 256))
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def make_repo(tmp_path: Path, name: str, text: str, files: dict[str, bytes] | None = None):
    (tmp_path / "profiles" / "media").mkdir(parents=True, exist_ok=True)
    for rel, data in (files or {}).items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    (tmp_path / "profiles" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return parse_profile(text, f"profiles/{name}.yaml")


def codes(problems):
    return sorted(p.code for p in problems)


# --------------------------------------------------------------------------- validation


def test_valid_basics_have_no_problems(tmp_path):
    profile = make_repo(tmp_path, "cafe", """id: cafe
network: sandbox
imitates: facebook
bio: Kahvila Kalliossa.
website: https://kahvila.example/
contact:
  email: hei@kahvila.example
  phone: "+358 40 123 4567"
  address: {street: Fleminginkatu 1, postal_code: "00530", city: Helsinki, country: FI}
avatar: media/a.png
services:
  - {name: Kahvila, description: espresso}
  - Lounas arkisin
roles:
  admins: ["@aino"]
  moderators: ["@liisa", "@aino"]
""", {"profiles/media/a.png": png()})
    assert basics_problems(profile, tmp_path) == []


@pytest.mark.parametrize("snippet, code, line", [
    ("website: kahvila.example", "profile-url", 3),
    ("contact:\n  email: hei(at)kahvila.example", "profile-email", 4),
    ("contact:\n  phone: 040 123 4567", "profile-phone", 4),
    ("contact:\n  phone: \"+358 40 123 4567 890 12\"", "profile-phone", 4),
    ("contact:\n  phone: 358401234567", "profile-phone", 4),
    ("contact:\n  fax: 1", "unknown-key", 4),
    ("contact:\n  address: {street: A 1, town: Helsinki}", "unknown-key", 4),
    ("roles:\n  owners: [\"@a\"]", "profile-role", 4),
    ("roles:\n  moderators: [\"@org/team\"]", "profile-role", 4),
    ("roles:\n  moderators: liisa", "wrong-type", 4),
    ("fields: [{name: a}]", "profile-basics", 3),
    ("services: {a: b}", "profile-basics", 3),
    ("bio: [a, b]", "wrong-type", 3),
    ("avatar: ../../etc/passwd.png", "media-outside-repo", 3),
    ("avatar: media/nope.png", "media-missing", 3),
])
def test_basics_problems_name_the_code_and_line(tmp_path, snippet, code, line):
    profile = make_repo(tmp_path, "cafe", f"id: cafe\nnetwork: sandbox\n{snippet}\nimitates: facebook\n")
    found = [p for p in basics_problems(profile, tmp_path) if p.code == code]
    assert found, basics_problems(profile, tmp_path)
    assert found[0].line == line and found[0].path == "profiles/cafe.yaml"


def test_text_limits_are_the_networks(tmp_path):
    # Bluesky counts graphemes: 256 family emoji are 256 graphemes (fine), 257 are too many.
    family = "\U0001F468\u200D\U0001F469\u200D\U0001F467"
    ok = make_repo(tmp_path, "b", f"id: b\nnetwork: sandbox\nimitates: bluesky\nbio: \"{family * 256}\"\n")
    assert basics_problems(ok, tmp_path) == []
    long = make_repo(tmp_path, "b", f"id: b\nnetwork: sandbox\nimitates: bluesky\nbio: \"{family * 257}\"\n")
    problems = basics_problems(long, tmp_path)
    assert codes(problems) == ["profile-text-too-long"] and "257 graphemes" in problems[0].message
    masto = make_repo(tmp_path, "m", "id: m\nnetwork: sandbox\nimitates: mastodon\ndisplay_name: " + "x" * 31 + "\n"
                      "fields: [{name: a, value: b}, {name: a, value: b}, {name: a, value: b}, {name: a, value: b},"
                      " {name: a, value: b}]\n")
    assert codes(basics_problems(masto, tmp_path)) == ["profile-basics", "profile-text-too-long"]


def test_a_basic_the_network_lacks_is_a_warning(tmp_path):
    profile = make_repo(tmp_path, "m", "id: m\nnetwork: sandbox\nimitates: mastodon\nwebsite: https://a.example\n"
                                       "contact:\n  phone: \"+358401234567\"\n")
    problems = basics_problems(profile, tmp_path)
    assert {(p.code, p.severity) for p in problems} == {("profile-basics", "warning")}
    assert "put it in 'fields'" in problems[0].message


def test_images_are_checked_against_each_network(tmp_path):
    import random

    noise = Image.frombytes("RGB", (700, 700), random.Random(1).randbytes(700 * 700 * 3))
    out = io.BytesIO()
    noise.save(out, "PNG")
    heavy = out.getvalue()  # noise does not compress: more than 1,000,000 bytes
    assert len(heavy) > 1_000_000
    files = {"profiles/media/heavy.png": heavy, "profiles/media/wide.png": png((900, 300)),
             "profiles/media/tiny.png": png((100, 100)), "profiles/media/anim.gif": png(fmt="GIF"),
             "profiles/media/text.png": b"not an image"}
    bsky = make_repo(tmp_path, "b", "id: b\nnetwork: sandbox\nimitates: bluesky\navatar: media/heavy.png\n"
                                    "cover: media/wide.png\n", files)
    problems = basics_problems(bsky, tmp_path)
    assert codes(problems) == ["profile-image"] and "1,000,000" in problems[0].message  # 3:1 banner is fine
    bsky2 = make_repo(tmp_path, "b", "id: b\nnetwork: sandbox\nimitates: bluesky\navatar: media/wide.png\n"
                                     "cover: media/anim.gif\n")
    assert sorted((p.code, p.severity, p.line) for p in basics_problems(bsky2, tmp_path)) == [
        ("profile-image", "error", 5), ("profile-image-aspect", "warning", 4), ("profile-image-aspect", "warning", 5)]
    fb = make_repo(tmp_path, "f", "id: f\nnetwork: sandbox\nimitates: facebook\navatar: media/tiny.png\n"
                                  "cover: profiles/media/text.png\n")
    problems = basics_problems(fb, tmp_path)
    assert codes(problems) == ["profile-image", "profile-image"]
    assert any("100x100" in p.message and "180x180" in p.message for p in problems)
    assert any("not a readable image" in p.message for p in problems)


def test_validate_reports_basics_problems(tmp_path):
    from socialops.repository.config import load_config
    from socialops.validate.engine import config_problems

    make_repo(tmp_path, "cafe", "id: cafe\nnetwork: sandbox\nimitates: facebook\ncontact:\n  phone: \"040\"\n")
    problems = config_problems(load_config(tmp_path))
    assert [(p.code, p.line) for p in problems] == [("profile-phone", 5)]


# --------------------------------------------------------------------------- roles


def test_moderators_are_the_moderators_and_admins():
    profile = parse_profile('id: a\nnetwork: sandbox\nroles:\n  admins: ["@Aino"]\n  moderators: ["@liisa", "@aino"]\n'
                            '  editors: ["@mikko"]\n  analysts: ["@olli"]\n', "profiles/a.yaml")
    assert list(profile.roles.moderators) == ["liisa", "aino"]  # logins are case-insensitive: one entry
    admin_only = parse_profile('id: a\nnetwork: sandbox\nroles:\n  admins: ["@Aino"]\n', "profiles/a.yaml")
    assert list(admin_only.roles.moderators) == ["Aino"]
    assert list(parse_profile("id: a\nnetwork: sandbox\n", "profiles/a.yaml").roles.moderators) == []
    assert list(parse_profile("id: a\nnetwork: sandbox\nroles: [x]\n", "profiles/a.yaml").roles.moderators) == []


# --------------------------------------------------------------------------- image comparison


def test_same_image_by_content_not_by_reference():
    original = pattern((400, 400), seed=1)
    assert same_image(original, original)
    # what a network does: re-encode as JPEG and shrink
    image = Image.open(io.BytesIO(original)).convert("RGB").resize((200, 200))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    assert same_image(original, out.getvalue())
    # centre-cropped to 3:1 by the network (a header): still ours
    wide = pattern((900, 450), seed=2)
    cropped = Image.open(io.BytesIO(wide)).crop((0, 75, 900, 375))
    out = io.BytesIO()
    cropped.save(out, "PNG")
    assert same_image(wide, out.getvalue())
    assert not same_image(original, pattern((400, 400), seed=5))
    assert not same_image(original, None)
    assert not same_image(original, b"<svg/>")


# --------------------------------------------------------------------------- the sandbox: diff and sync


SANDBOX_PROFILE = """id: cafe
network: sandbox
imitates: mastodon
account: "@cafe@mastodon.example"
display_name: Kahvila
bio: |
  Kahvila Kalliossa.
  Tervetuloa!
avatar: media/a.png
cover: media/c.png
fields:
  - {name: Verkkosivu, value: "https://kahvila.example"}
"""


def sandbox(tmp_path, profile):
    return SandboxNetwork(profile, root=tmp_path, env={}, path=tmp_path / "sandbox.sqlite", clock=lambda: NOW)


def test_sandbox_sync_then_nothing_changes(tmp_path):
    profile = make_repo(tmp_path, "cafe", SANDBOX_PROFILE, {"profiles/media/a.png": png(),
                                                            "profiles/media/c.png": png((1500, 500))})
    with sandbox(tmp_path, profile) as net:
        diff, _ = diff_profile(profile, tmp_path, net)
        assert {f.basic: f.state for f in diff.fields} == {b: DIFFERS for b in ("display_name", "bio", "avatar",
                                                                              "cover", "fields")}
        dry = sync_profile(profile, tmp_path, net, dry_run=True)
        assert dry.planned == ["display_name", "bio", "avatar", "cover", "fields"] and not dry.written
        assert len(diff_profile(profile, tmp_path, net)[0].drift) == 5  # the dry run wrote nothing
        first = sync_profile(profile, tmp_path, net)
        assert first.written == ["display_name", "bio", "avatar", "cover", "fields"] and first.diff.drift == []
        live = net.read_profile()
        assert live.values["bio"] == "Kahvila Kalliossa.\nTervetuloa!"
        assert live.values["avatar"].data == (tmp_path / "profiles/media/a.png").read_bytes()
        second = sync_profile(profile, tmp_path, net)
        assert second.planned == [] and second.written == []
        assert {f.state for f in second.diff.fields} == {SAME}


def test_a_changed_file_syncs_only_what_changed(tmp_path):
    profile = make_repo(tmp_path, "cafe", SANDBOX_PROFILE, {"profiles/media/a.png": png(),
                                                            "profiles/media/c.png": png((1500, 500))})
    with sandbox(tmp_path, profile) as net:
        sync_profile(profile, tmp_path, net)
        (tmp_path / "profiles/media/a.png").write_bytes(pattern(seed=3))
        changed = parse_profile(SANDBOX_PROFILE.replace("Tervetuloa!", "Tervetuloa kahville!"), profile.path)
        result = sync_profile(changed, tmp_path, net)
        assert result.written == ["bio", "avatar"]
        assert net.read_profile().values["avatar"].data == pattern(seed=3)


# --------------------------------------------------------------------------- Facebook over documented payloads


class FakeGraph:
    """A Page as the Graph API shows it: GET /{page-id}?fields=..., POST /{page-id} (form fields), picture and
    cover sources on a CDN host, /debug_token. Records every request."""

    def __init__(self, *, scopes=("pages_manage_posts", "pages_read_engagement", "read_insights",
                                  "pages_manage_engagement", "pages_read_user_engagement", "pages_manage_metadata"),
                 picture: bytes | None = None, cover: bytes | None = None):
        self.page = {"id": "104512345678901", "name": "Kahvila Aurinko", "username": "kahvilaaurinko",
                     "link": "https://www.facebook.com/kahvilaaurinko", "about": "Vanha teksti",
                     "website": "http://old.example", "phone": "+358 9 000 0000", "emails": ["old@example.com"],
                     "products": "", "single_line_address": "Vanhakatu 2, 00100 Helsinki, Finland"}
        self.images = {"https://scontent.example/picture.jpg": picture or png(colour=(10, 10, 200)),
                       "https://scontent.example/cover.jpg": cover or png((851, 315), colour=(10, 200, 10))}
        self.scopes = list(scopes)
        self.requests: list[httpx.Request] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        url = str(request.url)
        if url in self.images:
            assert "authorization" not in request.headers  # the token never goes to the CDN
            return httpx.Response(200, content=self.images[url], headers={"Content-Type": "image/jpeg"})
        assert request.headers["authorization"] == "Bearer page-token"
        path = request.url.path
        if path.endswith("/debug_token"):
            return httpx.Response(200, json={"data": {"app_id": "1", "type": "PAGE", "application": "socialops",
                                                      "profile_id": self.page["id"], "is_valid": True,
                                                      "scopes": self.scopes}})
        if path.endswith(f"/{self.page['id']}") and request.method == "GET":
            fields = request.url.params.get("fields", "")
            body = {k: v for k, v in self.page.items() if k in fields}
            if "picture" in fields:
                body["picture"] = {"data": {"url": "https://scontent.example/picture.jpg", "is_silhouette": False,
                                            "height": 200, "width": 200}}
            if "cover" in fields:
                body["cover"] = {"id": "99", "source": "https://scontent.example/cover.jpg", "offset_y": 50}
            return httpx.Response(200, json=body)
        if path.endswith(f"/{self.page['id']}") and request.method == "POST":
            form = urllib.parse.parse_qs(request.content.decode(), keep_blank_values=True)
            for key, (value,) in form.items():
                self.page[key] = json.loads(value) if key == "emails" else value
            return httpx.Response(200, json={"success": True})
        return httpx.Response(404, json={"error": {"message": "unknown path", "code": 100}})

    def posts(self):
        return [r for r in self.requests if r.method == "POST"]


FB_PROFILE = """id: cafe-fb
network: facebook
account: Kahvila Aurinko – Helsinki
page_id: "104512345678901"
token_env: FB_TOKEN
display_name: Kahvila Aurinko – Helsinki
bio: Kahvila ja leipomo Kalliossa.
website: https://kahvila-aurinko.example
contact:
  email: hei@kahvila-aurinko.example
  phone: "+358 40 123 4567"
  address: {street: Fleminginkatu 1, postal_code: "00530", city: Helsinki, country: FI}
avatar: media/a.png
cover: media/c.png
services:
  - {name: Kahvila, description: espresso}
  - {name: Lounas, description: arkisin 11–14}
"""


def facebook(profile, graph: FakeGraph) -> FacebookNetwork:
    client = httpx.Client(transport=httpx.MockTransport(graph.handler))
    return FacebookNetwork(profile, env={"FB_TOKEN": "page-token"}, client=client, sleep=lambda s: None)


def test_facebook_sync_sends_the_documented_page_fields_once(tmp_path):
    avatar = pattern(seed=1)
    profile = make_repo(tmp_path, "cafe-fb", FB_PROFILE, {"profiles/media/a.png": avatar,
                                                          "profiles/media/c.png": png((851, 315), colour=(9, 9, 9))})
    graph = FakeGraph(picture=avatar)  # the picture already is ours: only checked, never uploaded
    with facebook(profile, graph) as net:
        result = sync_profile(profile, tmp_path, net)
    posts = graph.posts()
    assert len(posts) == 1 and posts[0].url.path == "/v26.0/104512345678901"
    form = urllib.parse.parse_qs(posts[0].content.decode())
    # Page.api_update in Meta's SDK takes no `products`: services are checked, never written
    assert form == {"about": ["Kahvila ja leipomo Kalliossa."], "website": ["https://kahvila-aurinko.example"],
                    "phone": ["+358401234567"], "emails": ['["hei@kahvila-aurinko.example"]']}
    assert "access_token" not in posts[0].content.decode()  # the token travels in the header only
    assert result.written == ["bio", "website", "contact.email", "contact.phone"]
    states = {f.basic: f.state for f in result.diff.fields}
    assert states["avatar"] == SAME and states["display_name"] == DIFFERS and states["cover"] == DIFFERS
    assert states["contact.address"] == DIFFERS
    assert [f.basic for f in result.diff.manual_drift] == ["display_name", "contact.address", "cover", "services"]
    # a second sync writes nothing
    graph.requests.clear()
    with facebook(profile, graph) as net:
        again = sync_profile(profile, tmp_path, net)
    assert graph.posts() == [] and again.written == []


def test_the_drift_issue_has_the_steps_and_values(tmp_path):
    profile = make_repo(tmp_path, "cafe-fb", FB_PROFILE, {"profiles/media/a.png": pattern(seed=1),
                                                          "profiles/media/c.png": png((851, 315), colour=(9, 9, 9))})
    graph = FakeGraph(picture=pattern(seed=1))
    tracker = OutboxTracker(tmp_path)
    outcomes = run_profiles(tmp_path, [profile], mode="sync", tracker=tracker,
                            open_network=lambda p: facebook(p, graph))
    assert outcomes[0].issue == "opened"
    issue = tracker.find_issue("profile-drift:cafe-fb")
    assert issue.title == "Profile drift: cafe-fb (Facebook Page)"
    assert set(issue.labels) == {"socialops", "profile-drift", "profile:cafe-fb", "network:facebook"}
    body = issue.body
    assert "### 1. Display name" in body and "### 2. Address" in body and "### 3. Cover image" in body
    assert "Facebook > your Page > Settings > Page setup > Name" in body
    assert "```text\nKahvila Aurinko – Helsinki\n```" in body
    assert "```text\nFleminginkatu 1, 00530 Helsinki, FI\n```" in body
    assert "Upload the file `profiles/media/c.png`" in body
    assert "Vanhakatu 2" in body  # what the Page shows now, quoted
    assert ". Bio" not in body  # written by the sync: not a manual step
    assert "### 4. Services" in body and "Facebook > your Page > Settings > Page setup > Products" in body
    assert "### 5." not in body  # the synced fields are not in it
    # unchanged drift: the issue is left alone; fixed by hand: it is closed
    assert update_drift_issue(tracker, sync_profile(profile, tmp_path, facebook(profile, graph)).diff) is None
    graph.page["name"] = "Kahvila Aurinko – Helsinki"
    graph.page["single_line_address"] = "Fleminginkatu 1, 00530 Helsinki, FI"
    graph.page["products"] = "Kahvila: espresso\nLounas: arkisin 11–14"
    graph.images["https://scontent.example/cover.jpg"] = png((851, 315), colour=(9, 9, 9))
    outcomes = run_profiles(tmp_path, [profile], mode="sync", tracker=tracker,
                            open_network=lambda p: facebook(p, graph))
    assert outcomes[0].issue == "closed"
    closed = tracker.find_issue("profile-drift:cafe-fb")
    assert closed.state == "closed" and "matches" in closed.comments[-1]


def test_drift_issue_quotes_live_text_safely_and_updates(tmp_path):
    profile = make_repo(tmp_path, "cafe-ig", """id: cafe-ig
network: instagram
account: "@kahvila.aurinko"
ig_user_id: "17841400000000000"
token_env: IG_TOKEN
bio: "Kahvila ```Kalliossa```"
website: https://kahvila-aurinko.example
contact: {email: hei@kahvila-aurinko.example}
""")
    user = {"id": "17841400000000000", "username": "kahvila.aurinko", "name": "Kahvila",
            "biography": "@everyone <img src=x> click", "website": "https://kahvila-aurinko.example/"}

    def handler(request):
        return httpx.Response(200, json=user)

    def net(p):
        return InstagramNetwork(p, env={"IG_TOKEN": "t"}, client=httpx.Client(transport=httpx.MockTransport(handler)))

    tracker = OutboxTracker(tmp_path)
    out = run_profiles(tmp_path, [profile], mode="sync", tracker=tracker, open_network=net)
    diff = out[0].result.diff
    assert [(f.basic, f.state) for f in diff.fields] == [("bio", DIFFERS), ("website", SAME),
                                                         ("contact.email", "manual")]
    body = tracker.find_issue("profile-drift:cafe-ig").body
    assert "````text\nKahvila ```Kalliossa```\n````" in body  # a longer fence than the text's backticks
    # the live text is untrusted: it is shown inside a fence (no mention pings, no HTML)
    assert "Now shown:\n\n```text\n@everyone <img src=x> click\n```" in body
    assert body.count("@everyone") == 1
    assert "While you are there" in body and "hei@kahvila-aurinko.example" in body
    user["biography"] = "toinen"
    assert run_profiles(tmp_path, [profile], mode="sync", tracker=tracker, open_network=net)[0].issue == "updated"
    assert "toinen" in tracker.find_issue("profile-drift:cafe-ig").body


def test_diff_issue_lists_what_sync_would_fix(tmp_path):
    profile = make_repo(tmp_path, "cafe-fb", "id: cafe-fb\nnetwork: facebook\naccount: Kahvila Aurinko\npage_id: "
                                             "\"104512345678901\"\ntoken_env: FB_TOKEN\nbio: Uusi\n")
    graph = FakeGraph()
    tracker = OutboxTracker(tmp_path)
    out = run_profiles(tmp_path, [profile], mode="diff", tracker=tracker, open_network=lambda p: facebook(p, graph))
    assert graph.posts() == [] and out[0].issue == "opened" and out[0].result.planned == ["bio"]
    body = tracker.find_issue("profile-drift:cafe-fb").body
    assert "socialops can write this one" in body and "```text\nUusi\n```" in body


def test_desired_refuses_a_missing_image(tmp_path):
    from socialops.errors import ConfigError

    profile = make_repo(tmp_path, "a", "id: a\nnetwork: sandbox\navatar: media/none.png\n")
    with pytest.raises(ConfigError, match="profiles/media/none.png does not exist"):
        desired(profile, tmp_path)


# --------------------------------------------------------------------------- check: permissions per capability


def test_facebook_check_reports_missing_permissions(tmp_path):
    profile = make_repo(tmp_path, "cafe-fb", FB_PROFILE.replace("– Helsinki\npage_id", "\npage_id"))
    graph = FakeGraph(scopes=["pages_manage_posts", "pages_read_engagement", "pages_show_list"])
    result = check_profile(profile, lambda p: facebook(p, graph))
    caps = {c.name: c for c in result.report.capabilities}
    assert caps["publishing"].status == OK
    assert caps["metrics"].status == MISSING and "read_insights" in caps["metrics"].detail
    assert caps["moderation"].status == MISSING and "pages_manage_engagement" in caps["moderation"].fix
    assert caps["profile"].status == MISSING and "pages_manage_metadata" in caps["profile"].detail
    assert "FB_TOKEN" in caps["profile"].fix
    assert result.report.token_ok and result.report.account_ok and not result.passed
    debug = [r for r in graph.requests if r.url.path.endswith("/debug_token")][0]
    assert debug.url.params["input_token"] == "page-token"


def test_facebook_check_names_the_wrong_page_and_token_kind(tmp_path):
    profile = make_repo(tmp_path, "cafe-fb", FB_PROFILE.replace("Aurinko – Helsinki\npage_id", "Muu\npage_id"))
    graph = FakeGraph()

    def handler(request):
        if request.url.path.endswith("/debug_token"):
            return httpx.Response(200, json={"data": {"type": "USER", "is_valid": True, "scopes": graph.scopes}})
        return graph.handler(request)

    net = FacebookNetwork(profile, env={"FB_TOKEN": "page-token"}, client=httpx.Client(
        transport=httpx.MockTransport(handler)))
    result = check_profile(profile, lambda p: net)
    assert not result.report.account_ok
    assert any("called 'Kahvila Aurinko'" in p and "'Kahvila Muu'" in p for p in result.report.problems)
    assert any("user token" in p and "Page access token" in p for p in result.report.problems)


def test_facebook_check_with_an_expired_token_fails_without_showing_it(tmp_path):
    profile = make_repo(tmp_path, "cafe-fb", FB_PROFILE)

    def handler(request):
        return httpx.Response(400, json={"error": {"message": "Error validating access token: Session has expired",
                                                   "type": "OAuthException", "code": 190, "error_subcode": 463}})

    result = check_profile(profile, lambda p: FacebookNetwork(p, env={"FB_TOKEN": "secret-page-token"},
                                                               client=httpx.Client(transport=httpx.MockTransport(handler))))
    assert not result.passed and result.token_refused
    assert "FB_TOKEN" in result.error and "secret-page-token" not in result.error


MASTO = "id: m\nnetwork: mastodon\naccount: \"@brand@social.example\"\ninstance: https://social.example\ntoken_env: M\n"


def mastodon_net(profile, *, scopes, username="brand"):
    def handler(request):
        if request.url.path == "/api/v1/accounts/verify_credentials":
            return httpx.Response(200, json={"id": "1", "username": username, "acct": username,
                                             "display_name": "Brand", "note": "", "avatar": "", "header": ""})
        if request.url.path == "/api/v1/apps/verify_credentials":
            if scopes is None:
                return httpx.Response(401, json={"error": "The access token is invalid"})
            return httpx.Response(200, json={"name": "socialops", "website": None, "scopes": scopes})
        return httpx.Response(404, json={"error": "Record not found"})

    return MastodonNetwork(profile, env={"M": "tok"}, client=httpx.Client(transport=httpx.MockTransport(handler)))


def test_mastodon_check_reports_missing_scopes_per_capability():
    profile = parse_profile(MASTO, "profiles/m.yaml")
    result = check_profile(profile, lambda p: mastodon_net(p, scopes=["read", "write:statuses", "write:media"]))
    caps = {c.name: c for c in result.report.capabilities}
    assert caps["publishing"].status == OK and caps["metrics"].status == OK
    assert caps["moderation"].status == MISSING and caps["moderation"].detail == "missing write:blocks"
    assert caps["profile"].status == MISSING and "write:accounts" in caps["profile"].fix
    assert "social.example > Preferences > Development" in caps["profile"].fix and "secret M" in caps["profile"].fix
    assert not result.passed
    # "write" covers every write scope; the old "follow" covers blocks
    full = check_profile(profile, lambda p: mastodon_net(p, scopes=["read", "write"]))
    assert full.passed
    legacy = check_profile(profile, lambda p: mastodon_net(p, scopes=["read", "write:statuses", "write:media",
                                                                      "write:accounts", "follow"]))
    assert legacy.passed


def test_mastodon_check_without_scope_information_and_with_the_wrong_account():
    profile = parse_profile(MASTO, "profiles/m.yaml")
    unknown = check_profile(profile, lambda p: mastodon_net(p, scopes=None))
    assert {c.status for c in unknown.report.capabilities} == {UNKNOWN} and unknown.passed
    wrong = check_profile(profile, lambda p: mastodon_net(p, scopes=["read", "write"], username="other"))
    assert not wrong.passed and "@other@social.example" in wrong.report.problems[0]


def test_linkedin_check_reports_capabilities_from_the_page_role():
    profile = parse_profile("id: l\nnetwork: linkedin\naccount: kahvila-oy\norganization_id: \"98765432\"\n"
                            "token_env: L\n", "profiles/l.yaml")

    def handler(request):
        assert request.headers["linkedin-version"] and request.headers["x-restli-protocol-version"] == "2.0.0"
        if request.url.path == "/rest/organizations/98765432":
            return httpx.Response(200, json={"id": 98765432, "localizedName": "Kahvila Oy", "vanityName": "kahvila-oy"})
        if request.url.path == "/rest/organizationAcls":
            return httpx.Response(200, json={"elements": [
                {"role": "ANALYST", "organization": "urn:li:organization:98765432", "state": "APPROVED"},
                {"role": "ADMINISTRATOR", "organization": "urn:li:organization:1", "state": "APPROVED"}]})
        return httpx.Response(404, json={})

    net = LinkedInNetwork(profile, env={"L": "t"}, client=httpx.Client(transport=httpx.MockTransport(handler)))
    result = check_profile(profile, lambda p: net)
    caps = {c.name: c.status for c in result.report.capabilities}
    assert caps == {"publishing": MISSING, "metrics": OK, "moderation": MISSING, "profile": MISSING}
    assert result.report.account_ok


def test_bluesky_check_refuses_the_main_password():
    from socialops.networks.bluesky.adapter import BlueskyNetwork

    def jwt(scope):
        claims = base64.urlsafe_b64encode(json.dumps({"scope": scope, "sub": "did:plc:abc"}).encode()).decode()
        return f"eyJhbGciOiJIUzI1NiJ9.{claims.rstrip('=')}.sig"

    def net(scope):
        def handler(request):
            if request.url.path.endswith("createSession"):
                return httpx.Response(200, json={"accessJwt": jwt(scope), "refreshJwt": "r" * 20,
                                                 "handle": "cafe.bsky.social", "did": "did:plc:abc"})
            return httpx.Response(200, json={"handle": "cafe.bsky.social", "did": "did:plc:abc", "active": True})

        profile = parse_profile("id: b\nnetwork: bluesky\naccount: cafe.bsky.social\ntoken_env: B\n", "profiles/b.yaml")
        return BlueskyNetwork(profile, env={"B": "pw-1234"}, client=httpx.Client(transport=httpx.MockTransport(handler)))

    main = net("com.atproto.access").check_access()
    assert not main.passed and "main password" in main.problems[0] and "App passwords" in main.problems[0]
    app = net("com.atproto.appPass").check_access()
    assert app.passed and app.notes == ["an app password"]


# --------------------------------------------------------------------------- the "Open this profile" issue


def test_open_this_profile_issue_until_check_passes(tmp_path):
    profile = parse_profile(MASTO, "profiles/m.yaml")
    tracker = OutboxTracker(tmp_path)
    missing_secret = check_profile(profile, lambda p: MastodonNetwork(p, env={}))
    assert missing_secret.secret_missing and not missing_secret.passed
    assert update_open_issue(tracker, profile, missing_secret, now=NOW) == "opened"
    issue = tracker.find_issue("profile-open:m")
    assert issue.title == "Open this profile: m (Mastodon)"
    assert "name `M`" in issue.body and "- [ ] Create the account @brand@social.example on https://social.example" \
        in issue.body
    assert "- [ ] Add the secret" in issue.body and "write:accounts" in issue.body
    assert "socialops profiles check m" in issue.body
    # the secret is there now but lacks a scope: the steps done are ticked, the issue stays open
    partial = check_profile(profile, lambda p: mastodon_net(p, scopes=["read", "write:statuses", "write:media"]))
    assert update_open_issue(tracker, profile, partial, now=NOW) == "updated"
    body = tracker.find_issue("profile-open:m").body
    assert "- [x] Create the token" in body and "- [x] Add the secret" in body
    assert "moderation: MISSING (missing write:blocks)" in body
    assert update_open_issue(tracker, profile, partial, now=NOW.replace(hour=10)) is None  # same result: quiet
    done = check_profile(profile, lambda p: mastodon_net(p, scopes=["read", "write"]))
    assert update_open_issue(tracker, profile, done, now=NOW) == "closed"
    assert tracker.find_issue("profile-open:m").state == "closed"
    assert update_open_issue(tracker, profile, done, now=NOW) is None


def test_checklists_exist_for_every_real_network():
    from socialops.networks import NETWORKS
    from socialops.profiles.check import CheckResult

    checklists = {name: spec.checklist for name, spec in NETWORKS.items() if spec.checklist}
    assert set(checklists) == set(NETWORKS) - {"sandbox"}
    for network, steps in checklists.items():
        assert [key for key, _ in steps] == ["account", "app", "token", "secret"], network
        profile = parse_profile(f"id: x\nnetwork: {network}\naccount: x\ntoken_env: X_TOKEN\n", "profiles/x.yaml")
        body = checklist_body(profile, CheckResult("x", network, network, error="no"), now=NOW)
        assert "`X_TOKEN`" in body and body.count("- [ ]") == 6


def test_adapters_for_every_network_answer_the_profile_methods():
    """Every adapter that declares a basic as sync implements update_profile; check or sync needs read."""
    from socialops.networks import NETWORKS
    from socialops.networks.contract import ProfileBasics
    from socialops.networks.spec import CHECK, SYNC
    from socialops.profiles.basics import support_for

    for name, spec in NETWORKS.items():
        cls = spec.load_adapter()
        modes = set(support_for(name).values())
        assert cls.check_access is not ProfileBasics.check_access, name
        if modes & {SYNC, CHECK}:
            assert cls.read_profile is not ProfileBasics.read_profile, name
        if SYNC in modes:
            assert cls.update_profile is not ProfileBasics.update_profile, name


def test_open_network_gives_the_sandbox_profile_methods(tmp_path):
    profile = parse_profile("id: s\nnetwork: sandbox\nimitates: instagram\naccount: s\n", "profiles/s.yaml")
    with open_network(profile, env={"SOCIALOPS_SANDBOX": str(tmp_path / "s.sqlite")}, root=tmp_path) as net:
        assert net.check_access().passed
        assert net.read_profile().values["avatar"] is None


def test_the_readme_table_is_the_support_table():
    from socialops.networks import NETWORKS

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Profiles as code", 1)[1].split("\n## ", 1)[0]
    rows = {"display name": "display_name", "bio": "bio", "website": "website", "e-mail": "contact.email",
            "phone": "contact.phone", "address": "contact.address", "profile picture": "avatar", "cover": "cover",
            "fields": "fields", "services": "services"}
    columns = ["mastodon", "bluesky", "facebook", "instagram", "linkedin", "threads", "sandbox"]
    seen = 0
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] in rows:
            for network, cell in zip(columns, cells[1:], strict=True):
                word = cell.split()[0]
                assert NETWORKS[network].basics[rows[cells[0]]] == (None if word == "—" else word), (cells[0], network)
            seen += 1
    assert seen == len(rows)


def test_drift_issue_on_the_github_standin_is_edited_in_place(tmp_path):
    """The same issue through PyGithub over HTTP: opened, its body replaced (marker kept), closed."""
    from socialops.tracker.github import GitHubTracker, make_github, make_retry
    from socialops.tracker.markers import issue_marker
    from tests.github_standin import GitHubStandin

    token = "ghp_profilesTestToken0123456789abcdef"
    profile = make_repo(tmp_path, "cafe-fb", "id: cafe-fb\nnetwork: facebook\naccount: Kahvila Aurinko\npage_id: "
                                             "\"104512345678901\"\ntoken_env: FB_TOKEN\ndisplay_name: Uusi nimi\n")
    graph = FakeGraph()
    with GitHubStandin(token=token) as server:
        github = make_github(token, server.base_url, retry=make_retry(backoff_factor=0, max_wait=5),
                             seconds_between_requests=0, seconds_between_writes=0)
        tracker = GitHubTracker(github, server.full_name, secrets=[token], sleep=lambda s: None)
        assert run_profiles(tmp_path, [profile], mode="sync", tracker=tracker,
                            open_network=lambda p: facebook(p, graph))[0].issue == "opened"
        (issue,) = [i for i in server.issues.values() if (i["body"] or "").startswith(issue_marker("profile-drift:cafe-fb"))]
        assert "```text\nUusi nimi\n```" in issue["body"]
        graph.page["name"] = "Joku muu"
        assert run_profiles(tmp_path, [profile], mode="sync", tracker=tracker,
                            open_network=lambda p: facebook(p, graph))[0].issue == "updated"
        assert issue["body"].startswith(issue_marker("profile-drift:cafe-fb")) and "Joku muu" in issue["body"]
        assert len(server.issues) == 1
        graph.page["name"] = "Uusi nimi"
        assert run_profiles(tmp_path, [profile], mode="sync", tracker=tracker,
                            open_network=lambda p: facebook(p, graph))[0].issue == "closed"
        assert issue["state"] == "closed"
