"""What the network receives equals what the preview shows, and the limits a real network sets (issue 14, points
5-7), without a server: invisible characters warned about and shown, the link card and the live session in the
preview, plain http refused but on this machine, a post gone from the network told apart by its answer."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from socialops.content import preview
from socialops.core.safetext import invisible_characters, mark_invisible
from socialops.errors import ConfigError, PermanentNetworkError
from socialops.networks.addresses import cleartext_problem
from socialops.networks.bluesky.adapter import BlueskyNetwork
from socialops.networks.bluesky.metrics import bluesky_posts
from socialops.networks.calls import error_says_gone, post_gone
from socialops.networks.mastodon.adapter import MastodonNetwork
from socialops.networks.types import Figures
from socialops.repository.profiles import parse_profile
from socialops.validate.engine import validate_repository
from tests.helpers import make_repo

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)
UTC = ZoneInfo("UTC")
BSKY = "id: cafe-bsky\nnetwork: bluesky\naccount: cafe.bsky.social\ntoken_env: B\n"
MASTO = "id: cafe-masto\nnetwork: mastodon\naccount: cafe\ntoken_env: M\ninstance: https://mastodon.example\n"


def test_invisible_characters_are_named_and_marked():
    text = "Alennus\u202e%05\u202c ja\u200b tänään 👩\u200d🍳"
    assert invisible_characters(text) == ["U+202E RIGHT-TO-LEFT OVERRIDE", "U+202C POP DIRECTIONAL FORMATTING",
                                          "U+200B ZERO WIDTH SPACE"]  # the joiner inside the emoji is kept
    assert mark_invisible(text) == "Alennus⟦U+202E⟧%05⟦U+202C⟧ ja⟦U+200B⟧ tänään 👩\u200d🍳"


def test_invisible_characters_warn_in_validation_and_show_in_the_preview(tmp_path):
    post = ("---\nid: ale\nprofiles: [cafe-bsky]\npublish_at: 2026-12-01 09:00\n---\n"
            "Kaikki \u202e05%\u202c alennuksella\u200b!\n")
    root = make_repo(tmp_path, {"content/ale.md": post}, profiles={"cafe-bsky": BSKY})
    [warning] = [p for p in validate_repository(root, ["content/ale.md"]).problems if p.code == "invisible-characters"]
    assert warning.severity == "warning" and warning.line == 6
    assert "3 invisible characters" in warning.message and "U+202E RIGHT-TO-LEFT OVERRIDE" in warning.message
    [built] = preview.build(root, ["content/ale.md"], now=NOW)
    text = preview.format_text([built], now=NOW, tz=UTC)
    assert "│ Kaikki ⟦U+202E⟧05%⟦U+202C⟧ alennuksella⟦U+200B⟧!" in text
    assert "invisible character(s), published as they are" in text
    markdown = preview.format_markdown([built], now=NOW, tz=UTC)
    assert "Kaikki ⟦U+202E⟧05%⟦U+202C⟧ alennuksella⟦U+200B⟧!" in markdown


def test_the_preview_shows_the_link_card_and_the_live_session(tmp_path):
    posts = {
        "content/link.md": "---\nid: link\nprofiles: [cafe-bsky, cafe-masto]\npublish_at: 2026-12-01 09:00\n"
                           "link: https://cafe.example/tori\n---\nJoulutori\n",
        "content/live.md": "---\nid: live\ntype: live\nprofiles: [cafe-bsky]\npublish_at: 2026-12-02 09:00\n"
                           "live: {starts_at: 2026-12-03 18:00, duration_minutes: 45, url: https://live.example/x}\n"
                           "---\nLive!\n",
    }
    root = make_repo(tmp_path, posts, profiles={"cafe-bsky": BSKY, "cafe-masto": MASTO})
    built = preview.build(root, ["content/link.md", "content/live.md"], now=NOW)
    text = preview.format_text(built, now=NOW, tz=UTC)
    assert "link: https://cafe.example/tori" in text
    assert "card: socialops builds the card from the page's title, description and image (og: tags)" in text
    assert "card: the instance reads the page's preview card itself" in text
    assert "live: starts Thu 2026-12-03 18:00 UTC, 45 min, at https://live.example/x" in text
    data = preview.to_data(built, now=NOW, tz=UTC)
    link_profiles = data["posts"][0]["profiles"]
    assert link_profiles[0]["card"].startswith("socialops builds the card") and link_profiles[0]["subtitles"] == []
    assert data["posts"][1]["profiles"][0]["live"].endswith("at https://live.example/x")


@pytest.mark.parametrize(("url", "refused"), [
    ("http://pds.example", True), ("http://10.0.0.5:2583", True), ("HTTP://mastodon.example", True),
    ("https://pds.example", False), ("http://localhost:2583", False), ("http://127.0.0.1:3001", False),
    ("http://[::1]:3001", False), ("http://pds.localhost", False),
])
def test_plain_http_is_refused_but_on_this_machine(url, refused):
    assert (cleartext_problem(url, "service") is not None) is refused


def test_adapters_refuse_a_plain_http_server_before_sending_the_token():
    bsky = parse_profile(BSKY + "service: http://pds.example\n", "profiles/cafe-bsky.yaml")
    with pytest.raises(ConfigError, match="travel in clear to pds.example"):
        _ = BlueskyNetwork(bsky, env={"B": "secret"}).service  # read before any call carries the token
    masto = parse_profile(MASTO.replace("https://", "http://"), "profiles/cafe-masto.yaml")
    with pytest.raises(ConfigError, match="plain http"):
        _ = MastodonNetwork(masto, env={"M": "secret"}).base_url
    local = parse_profile(BSKY + "service: http://localhost:2583\n", "profiles/cafe-bsky.yaml")
    assert BlueskyNetwork(local, env={"B": "secret"}).service == "http://localhost:2583"


def test_validate_refuses_a_plain_http_instance(tmp_path):
    root = make_repo(tmp_path, {}, profiles={"cafe-masto": MASTO.replace("https://", "http://")})
    problems = [p for p in validate_repository(root).problems if p.code == "profile-cleartext"]
    assert len(problems) == 1 and problems[0].path == "profiles/cafe-masto.yaml"


def test_getposts_leaving_a_post_out_asks_getrecord_which_tells_a_deleted_post():
    kept, gone = "at://did:plc:brand/app.bsky.feed.post/3kaaa", "at://did:plc:brand/app.bsky.feed.post/3kbbb"
    figures = Figures()
    # app.bsky.feed.getPosts output: posts it has, in any order; a deleted one is simply absent [V lexicon]
    bluesky_posts({"posts": [{"uri": kept, "likeCount": 2}]}, figures, (kept, gone),
                  service="https://pds.example", headers={"Authorization": "Bearer t"})
    assert figures.posts == {kept: {"likes": 2.0}} and not figures.gone
    [follow] = figures.calls
    assert follow.url == "https://pds.example/xrpc/com.atproto.repo.getRecord"
    assert follow.params == [("repo", "did:plc:brand"), ("collection", "app.bsky.feed.post"), ("rkey", "3kbbb")]
    # com.atproto.repo.getRecord: 400 {"error": "RecordNotFound"} for a deleted record (seen on the real PDS)
    said = follow.on_error(400, {"error": "RecordNotFound", "message": "Could not locate record"})
    assert said is not None and said.gone == {gone}
    assert follow.on_error(400, {"error": "InvalidRequest", "message": "x"}) is None
    assert follow.parse({"uri": gone, "cid": "bafy", "value": {}}).gone == set()  # there: not indexed yet


def test_an_answer_that_says_the_post_is_gone():
    assert post_gone(404, None)
    assert post_gone(400, {"error": "NotFound", "message": "Post not found: at://x"})  # getPostThread [V lexicon]
    assert post_gone(400, {"error": {"message": "Object with ID '1_2' does not exist", "code": 100}})  # Graph
    assert not post_gone(400, {"error": "InvalidRequest"}) and not post_gone(500, None)
    thread = PermanentNetworkError('bluesky: GET /xrpc/app.bsky.feed.getPostThread refused (400): '
                                   '{"error":"NotFound","message":"Post not found"}', status=400)
    assert error_says_gone(thread)
    assert error_says_gone(PermanentNetworkError("mastodon: GET /api/v1/statuses/1/context (404)", status=404))
    assert not error_says_gone(PermanentNetworkError('x (400): {"error":"InvalidRequest"}', status=400))


def test_linkedin_statistics_leaving_a_post_out_asks_for_the_post():
    from socialops.networks.linkedin.metrics import ask_missing_posts, linkedin_share_statistics

    kept, gone = "urn:li:share:7001", "urn:li:ugcPost:7002"
    figures = Figures()
    # organizationalEntityShareStatistics: elements[] with share/ugcPost and totalShareStatistics [V/C, §4.3]
    linkedin_share_statistics({"elements": [{"share": kept, "totalShareStatistics": {"likeCount": 3}}]}, figures)
    ask_missing_posts(figures, [kept, gone], base="https://api.linkedin.com/rest", headers={"LinkedIn-Version": "x"})
    [follow] = figures.calls
    assert follow.url == "https://api.linkedin.com/rest/posts/urn%3Ali%3AugcPost%3A7002"
    assert follow.headers == {"LinkedIn-Version": "x"}
    assert follow.on_error(404, {"status": 404, "message": "Not Found"}).gone == {gone}


def _bluesky_thread_not_found(record_exists: bool):
    import httpx

    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        nsid = request.url.path.rsplit("/", 1)[1]
        asked.append(nsid)
        if nsid == "com.atproto.server.createSession":
            return httpx.Response(200, json={"accessJwt": "a", "refreshJwt": "r", "did": "did:plc:brand",
                                             "handle": "cafe.bsky.social"})
        if nsid == "app.bsky.feed.getPostThread":  # the lexicon's error for a post the AppView does not have
            return httpx.Response(400, json={"error": "NotFound", "message": "Post not found: at://x"})
        if record_exists:
            return httpx.Response(200, json={"uri": "at://did:plc:brand/app.bsky.feed.post/3kaaa", "cid": "bafy",
                                             "value": {}})
        return httpx.Response(400, json={"error": "RecordNotFound", "message": "Could not locate record"})

    profile = parse_profile(BSKY, "profiles/cafe-bsky.yaml")
    return BlueskyNetwork(profile, env={"B": "pw"}, client=httpx.Client(transport=httpx.MockTransport(handler)),
                          sleep=lambda s: None), asked


def test_bluesky_tells_a_post_not_indexed_yet_from_a_deleted_one():
    uri = "at://did:plc:brand/app.bsky.feed.post/3kaaa"
    fresh, asked = _bluesky_thread_not_found(record_exists=True)
    assert fresh.list_comments(uri) == []  # in the repository: the AppView has not seen it yet
    assert asked[-1] == "com.atproto.repo.getRecord"
    gone, _ = _bluesky_thread_not_found(record_exists=False)
    with pytest.raises(PermanentNetworkError) as refused:
        gone.list_comments(uri)
    assert error_says_gone(refused.value)


def test_the_pull_request_comment_shows_card_subtitles_and_invisible_characters(tmp_path):
    from socialops.tracker.pulls import preview_comment

    posts = {"content/link.md": "---\nid: link\nprofiles: [cafe-bsky]\npublish_at: 2026-12-01 09:00\n"
                                "link: https://cafe.example/tori\n---\nJoulu\u200btori\n"}
    root = make_repo(tmp_path, posts, profiles={"cafe-bsky": BSKY})
    data = preview.to_data(preview.build(root, ["content/link.md"], now=NOW), now=NOW, tz=UTC)
    comment = preview_comment(data, head_sha="0" * 40, run_url="https://github.com/o/r/actions/runs/1", passed=True)
    assert "- **Card:** socialops builds the card" in comment
    assert "Joulu⟦U+200B⟧tori" in comment
