"""Fetching, the seen-log, classification, auto-hide and issues: the adapters over documented payloads
(httpx.MockTransport) and whole runs on the sandbox network in real git repositories."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections import Counter
from pathlib import Path

import httpx
import pytest

from socialops.community.fetch import run_comments
from socialops.community.issues import issue_comments, issue_key
from socialops.core.safetext import inert_for_log, safe_link
from socialops.errors import PermanentNetworkError
from socialops.networks.bluesky.adapter import BlueskyNetwork
from socialops.networks.facebook.adapter import FacebookNetwork
from socialops.networks.instagram.adapter import InstagramNetwork
from socialops.networks.linkedin.adapter import LinkedInNetwork
from socialops.networks.mastodon.adapter import MastodonNetwork
from socialops.networks.types import Comment, UnsupportedAction
from socialops.repository.profiles import parse_profile
from socialops.state.comments import (
    COMMENT_FIELDS,
    LEGACY_COMMENT_FIELDS,
    CsvLog,
    comments_log,
    keyed_hash,
    moderation_log,
    seen_comments,
    state_keys,
)
from socialops.state.publications import Event, Ledger
from socialops.tracker.outbox import OutboxTracker
from tests.comments_support import add_comment, published_repo

FIX = Path(__file__).parent / "fixtures" / "comments" / "networks"
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)


def load(name: str) -> dict:
    return json.loads((FIX / name).read_text(encoding="utf-8"))


class Api:
    """A MockTransport handler answering (method, path) from a table and recording every request."""

    def __init__(self, routes: dict[tuple[str, str], object]):
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = (request.method, request.url.path)
        answer = self.routes.get(key)
        if answer is None:
            return httpx.Response(404, json={"error": {"message": f"no route {key}"}})
        if callable(answer):
            return answer(request)
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(200, json=answer)

    def sent(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]


def client(api: Api) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(api))


# --- adapters over documented payloads ---------------------------------------------------------------------


def facebook(api: Api) -> FacebookNetwork:
    profile = parse_profile("id: fb\nnetwork: facebook\naccount: Kahvila\npage_id: '104512345678901'\n"
                            "token_env: FB_TOKEN\n", "profiles/fb.yaml")
    return FacebookNetwork(profile, env={"FB_TOKEN": "EAAB-secret"}, client=client(api), clock=lambda: NOW,
                           sleep=lambda s: None)


def test_facebook_comments_all_levels_and_pages_then_hide_delete_block_reply():
    api = Api({("GET", "/v26.0/1045_122/comments"): lambda r: httpx.Response(
        200, json=load("facebook_comments_2.json" if r.url.params.get("after") else "facebook_comments_1.json")),
        ("POST", "/v26.0/1045_122_902"): {"success": True},
        ("DELETE", "/v26.0/1045_122_902"): {"success": True},
        ("POST", "/v26.0/104512345678901/blocked"): {"5552": True},
        ("POST", "/v26.0/1045_122_902/comments"): {"id": "1045_122_999"}})
    net = facebook(api)
    comments = net.list_comments("1045_122")
    first = api.requests[0]
    assert first.url.params["filter"] == "stream" and "parent{id}" in first.url.params["fields"]
    assert first.headers["Authorization"] == "Bearer EAAB-secret" and "access_token" not in str(first.url)
    assert [c.id for c in comments] == ["1045_122_901", "1045_122_902", "1045_122_903", "1045_122_904"]
    reply = comments[1]
    assert reply.parent_id == "1045_122_901" and reply.thread == "1045_122_901"
    assert reply.author_id == "5552" and reply.created_at == dt.datetime(2026, 12, 1, 8, 40, tzinfo=dt.UTC)
    assert comments[2].own and not comments[1].own
    assert comments[3].hidden and comments[3].author_id == ""
    net.hide_comment(reply)
    net.hide_comment(reply, hidden=False)
    hides = api.sent("POST", "/v26.0/1045_122_902")
    assert [dict(httpx.QueryParams(r.content.decode())) for r in hides] == [{"is_hidden": "true"},
                                                                           {"is_hidden": "false"}]
    net.delete_comment(reply)
    assert api.sent("DELETE", "/v26.0/1045_122_902")
    net.block_author(reply)
    assert dict(httpx.QueryParams(api.sent("POST", "/v26.0/104512345678901/blocked")[0].content.decode())) == {
        "user": "5552"}
    assert net.reply_to_comment(reply, "Kiitos palautteesta", key="k") == "1045_122_999"
    with pytest.raises(PermanentNetworkError, match="Settings"):
        net.block_author(comments[3])  # no 'from': who to block is unknown
    assert all(net.can(a) for a in ("reply", "hide", "unhide", "delete", "block"))


def test_instagram_comments_with_replies_reply_goes_to_the_top_comment_and_no_block():
    api = Api({("GET", "/v26.0/1790/comments"): load("instagram_comments.json"),
               ("POST", "/v26.0/17870913679156914/replies"): {"id": "1787"},
               ("POST", "/v26.0/17870913679156917"): {"success": True},
               ("DELETE", "/v26.0/17870913679156917"): {"success": True}})
    profile = parse_profile("id: ig\nnetwork: instagram\naccount: '@kahvila.aurinko'\nig_user_id: '17841400000000000'\n"
                            "token_env: IG_TOKEN\n", "profiles/ig.yaml")
    net = InstagramNetwork(profile, env={"IG_TOKEN": "t0ken"}, client=client(api), clock=lambda: NOW)
    comments = net.list_comments("1790")
    assert [c.id for c in comments] == ["17870913679156914", "17870913679156915", "17870913679156917",
                                        "17870913679156916"]
    by_id = {c.id: c for c in comments}
    assert by_id["17870913679156915"].parent_id == "17870913679156914"
    assert by_id["17870913679156915"].thread == "17870913679156914"
    assert by_id["17870913679156916"].own
    net.reply_to_comment(by_id["17870913679156915"], "Kyllä on!", key="k")
    sent = dict(httpx.QueryParams(api.sent("POST", "/v26.0/17870913679156914/replies")[0].content.decode()))
    assert sent == {"message": "@matti_m Kyllä on!"}
    net.hide_comment(by_id["17870913679156917"])
    assert dict(httpx.QueryParams(api.sent("POST", "/v26.0/17870913679156917")[0].content.decode())) == {"hide": "true"}
    net.delete_comment(by_id["17870913679156917"])
    assert not net.can("block")
    with pytest.raises(UnsupportedAction) as caught:
        net.block_author(by_id["17870913679156917"])
    assert caught.value.action == "block"


def test_linkedin_comments_and_replies_reply_with_parent_comment_and_nothing_else():
    post = "urn:li:activity:7267000000000000002"
    top = "urn:li:comment:(urn:li:activity:7267000000000000002,7267000000000000101)"
    base = "/rest/socialActions/"
    api = Api({("GET", base + post + "/comments"): load("linkedin_comments.json"),
               ("GET", base + top + "/comments"): load("linkedin_replies.json"),
               ("POST", base + top + "/comments"): httpx.Response(201, headers={"x-restli-id": "7267000000000000200"})})
    profile = parse_profile("id: li\nnetwork: linkedin\norganization_id: '2414183'\ntoken_env: LI_TOKEN\n",
                            "profiles/li.yaml")
    net = LinkedInNetwork(profile, env={"LI_TOKEN": "tok"}, client=client(api), clock=lambda: NOW)
    comments = net.list_comments(post)
    assert [c.id.rsplit(",", 1)[1] for c in comments] == ["7267000000000000101)", "7267000000000000102)",
                                                          "7267000000000000103)"]
    assert comments[2].parent_id == top and comments[2].own and comments[0].author_id == "urn:li:person:AbC1"
    assert api.requests[0].headers["LinkedIn-Version"] and api.requests[0].url.raw_path.startswith(
        b"/rest/socialActions/urn%3Ali%3Aactivity%3A")
    assert net.reply_to_comment(comments[0], "Hakemukset sähköpostilla", key="k") == "7267000000000000200"
    body = json.loads(api.sent("POST", base + top + "/comments")[0].content)
    assert body == {"actor": "urn:li:organization:2414183", "object": post, "parentComment": top,
                    "message": {"text": "Hakemukset sähköpostilla"}}
    for action, call in (("hide", net.hide_comment), ("delete", net.delete_comment), ("block", net.block_author)):
        assert not net.can(action)
        with pytest.raises(UnsupportedAction):
            call(comments[1])


def test_mastodon_context_threads_reply_with_key_and_mention_and_block():
    api = Api({("GET", "/api/v1/statuses/113500000000000001/context"): load("mastodon_context.json"),
               ("GET", "/api/v1/accounts/verify_credentials"): {"id": "1", "username": "aurinko"},
               ("POST", "/api/v1/statuses"): {"id": "113500000000000009"},
               ("POST", "/api/v1/accounts/3/block"): {"id": "3", "blocking": True}})
    profile = parse_profile("id: ma\nnetwork: mastodon\ninstance: https://mastodon.example\ntoken_env: MA_TOKEN\n",
                            "profiles/ma.yaml")
    net = MastodonNetwork(profile, env={"MA_TOKEN": "tok"}, client=client(api), clock=lambda: NOW)
    comments = net.list_comments("113500000000000001")
    assert [c.id for c in comments] == ["113500000000000002", "113500000000000003", "113500000000000004"]
    assert comments[0].text == "@aurinko Onko teillä kauramaitoa?" and comments[0].parent_id is None
    assert comments[1].parent_id == "113500000000000002" and comments[1].thread == "113500000000000002"
    assert comments[1].author_name == "Troll <b>" and comments[2].own
    assert net.reply_to_comment(comments[0], "On!", key="issue:42") == "113500000000000009"
    sent = api.sent("POST", "/api/v1/statuses")[0]
    assert sent.headers["Idempotency-Key"] == "issue:42"
    assert json.loads(sent.content)["status"] == "@aino@other.example On!"
    assert json.loads(sent.content)["in_reply_to_id"] == "113500000000000002"
    net.block_author(comments[1])
    assert api.sent("POST", "/api/v1/accounts/3/block")
    assert not net.can("hide") and not net.can("delete")


def test_bluesky_thread_walk_and_threadgate_update_keeps_other_hidden_replies():
    gate = {"uri": "at://did:plc:brand/app.bsky.feed.threadgate/3lbrandpost22", "cid": "bafygate",
            "value": {"$type": "app.bsky.feed.threadgate", "post": "at://did:plc:brand/app.bsky.feed.post/3lbrandpost22",
                      "allow": [{"$type": "app.bsky.feed.threadgate#followingRule"}],
                      "hiddenReplies": ["at://did:plc:x/app.bsky.feed.post/old"], "createdAt": "2026-11-01T00:00:00Z"}}

    def get_record(request):
        if request.url.params["collection"] == "app.bsky.feed.threadgate":
            return httpx.Response(200, json=gate)
        return httpx.Response(400, json={"error": "RecordNotFound", "message": "Could not locate record"})

    api = Api({("POST", "/xrpc/com.atproto.server.createSession"): {"accessJwt": "jwt", "refreshJwt": "r",
                                                                    "did": "did:plc:brand", "handle": "brand.test"},
               ("GET", "/xrpc/app.bsky.feed.getPostThread"): load("bluesky_thread.json"),
               ("GET", "/xrpc/com.atproto.repo.getRecord"): get_record,
               ("POST", "/xrpc/com.atproto.repo.putRecord"): {"uri": "at://x", "cid": "bafynew"}})
    profile = parse_profile("id: bs\nnetwork: bluesky\naccount: brand.test\nservice: https://pds.example\n"
                            "token_env: BS_PASSWORD\n", "profiles/bs.yaml")
    net = BlueskyNetwork(profile, env={"BS_PASSWORD": "app-pass"}, client=client(api), clock=lambda: NOW)
    root = "at://did:plc:brand/app.bsky.feed.post/3lbrandpost22"
    comments = net.list_comments(root)
    assert [c.author_handle for c in comments] == ["fan.test", "troll.test"]
    troll = comments[1]
    assert troll.parent_id == comments[0].id and troll.thread == comments[0].id
    assert troll.ref == {"uri": troll.id, "cid": "bafytroll", "root_uri": root, "root_cid": "bafyroot"}
    assert troll.url == "https://bsky.app/profile/troll.test/post/3ltrollrepl22"
    net.hide_comment(troll)
    put = json.loads(api.sent("POST", "/xrpc/com.atproto.repo.putRecord")[0].content)
    assert put["collection"] == "app.bsky.feed.threadgate" and put["rkey"] == "3lbrandpost22"
    assert put["swapRecord"] == "bafygate"
    assert put["record"]["hiddenReplies"] == ["at://did:plc:x/app.bsky.feed.post/old", troll.id]
    assert put["record"]["allow"] == gate["value"]["allow"]  # who may reply is left as it was


# --- whole runs on the sandbox network ---------------------------------------------------------------------


def issues(root: Path) -> list[dict]:
    folder = root / ".socialops" / "outbox" / "issues"
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("comments-*.json"))]


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    return published_repo(tmp_path_factory.mktemp("published"), days=4,
                          extra={"kahvila-facebook": "moderation:\n  hide: [abusive, spam]\n",
                                 "kahvila-linkedin": "moderation:\n  hide: [abusive]\n"})


def copy_published(published, tmp_path) -> tuple[Path, dict[str, str], dt.datetime]:
    import shutil

    base, env, now = published
    root = tmp_path / "copy"
    shutil.copytree(base, root, symlinks=True)
    env = {**env, "SOCIALOPS_SANDBOX": str(root / ".socialops" / "sandbox.sqlite")}
    return root, env, now


def test_a_run_flags_hides_and_remembers_and_a_second_run_does_nothing(published, tmp_path):
    root, env, now = copy_published(published, tmp_path)
    result = run_comments(root, now=now, env=env, tracker=OutboxTracker(root), push=False)
    assert not result.errors and result.checked_posts > 5 and result.new
    assert result.committed  # state/ committed in the repository
    flagged = [f for f in result.new if f.decision.flagged]
    assert {f.decision.category for f in flagged} >= {"question", "abusive", "spam"}
    everything = issues(root)
    found = [i for i in everything if "digest" not in i["labels"]]
    assert len(found) == len(result.issues_opened) == len({f.issue for f in flagged})
    # The comments that are not flagged are listed in one digest issue per profile (issue 17): none dropped.
    digests = [i for i in everything if "digest" in i["labels"]]
    unflagged = [f for f in result.new if not f.decision.flagged]
    assert unflagged and {d["key"] for d in digests} == set(result.digests) == {f.issue for f in unflagged}
    assert len(digests) == len({f.profile.id for f in unflagged})
    assert all(f"#comment-{f.comment.id})" in next(d["body"] for d in digests if d["key"] == f.issue)
               for f in unflagged)
    # Every new comment has exactly one seen line, with its issue (its own, or the digest).
    log = comments_log(root).rows()
    assert sorted(r["comment"] for r in log) == sorted(keyed_hash(state_keys(env, f.profile.id)[0], f.comment.id)
                                                      for f in result.new)
    assert all(r["issue"] and (r["action"] == "issue") == (r["category"] != "other") for r in log)
    # Issues are labelled by category, profile and network; the comment is quoted in a fenced block.
    for issue in found:
        assert "socialops" in issue["labels"] and any(lab.startswith("profile:") for lab in issue["labels"])
        assert "```text\n" in issue["body"] and "### Commands" in issue["body"]
    # Facebook's rule hid abusive and spam comments at once; LinkedIn cannot, and says so.
    fb_hidden = [f for f in flagged if f.profile.id == "kahvila-facebook" and f.hidden == "hidden"]
    assert fb_hidden and all(f.decision.category in ("abusive", "spam") for f in fb_hidden)
    conn = sqlite3.connect(env["SOCIALOPS_SANDBOX"])
    hidden_ids = {row[0] for row in conn.execute("SELECT id FROM audience_comments WHERE hidden = 1")}
    conn.close()
    assert hidden_ids == {f.comment.id for f in fb_hidden}
    li = [f for f in flagged if f.profile.id == "kahvila-linkedin" and f.hidden]
    assert all(f.hidden == "cannot" for f in li)
    actions = moderation_log(root).rows()
    assert {(r["action"], r["result"]) for r in actions} <= {("hide", "done"), ("hide", "unsupported")}
    assert len([r for r in actions if r["result"] == "done"]) == len(fb_hidden)
    hidden_issue = next(i for i in found if i["key"] == fb_hidden[0].issue)
    assert "hidden" in hidden_issue["labels"] and "/unhide" in hidden_issue["body"]
    if li:
        li_issue = next(i for i in found if i["key"] == li[0].issue)
        assert "cannot hide comments through its API" in li_issue["body"] and "by hand" in li_issue["body"]

    again = run_comments(root, now=now, env=env, tracker=OutboxTracker(root), push=False)
    assert again.new == [] and again.issues_opened == [] and again.issues_updated == []
    assert len(comments_log(root).rows()) == len(log)
    assert issues(root) == everything


def test_dry_run_records_nothing(published, tmp_path):
    root, env, now = copy_published(published, tmp_path)
    result = run_comments(root, now=now, env=env, tracker=OutboxTracker(root), dry_run=True, push=False)
    assert result.new and not result.issues_opened
    assert not (root / "state" / "comments.csv").exists() and not (root / "state" / "moderation.csv").exists()
    assert not (root / ".socialops" / "outbox" / "issues").exists() or not issues(root)
    conn = sqlite3.connect(env["SOCIALOPS_SANDBOX"])
    assert conn.execute("SELECT COUNT(*) FROM audience_comments WHERE hidden = 1").fetchone()[0] == 0
    conn.close()


def test_hostile_comment_is_inert_in_the_issue(published, tmp_path):
    root, env, now = copy_published(published, tmp_path)
    run_comments(root, now=now, env=env, tracker=OutboxTracker(root), push=False)
    hostile = [i for i in issues(root) if "::add-mask::" in i["body"]]
    assert hostile, "the sample's hostile comment reached an issue"
    for issue in hostile:
        body = issue["body"]
        start = body.index("```text\n")
        end = body.index("\n```", start + 8)
        quoted, outside = body[start:end], body[:start] + body[end:]
        assert "::add-mask::secret" in quoted and "<script>" in quoted
        for bad in ("::add-mask::", "<img", "<script", "](https://evil", "${{", "@everyone"):
            assert bad not in outside, bad
        assert "@\u200deveryone" in outside  # the name is shown, but cannot ping
        assert "&lt;img" in outside


def test_one_issue_per_thread_and_reopened_when_the_thread_goes_on(tmp_path):
    root, env, end = published_repo(tmp_path, days=2)
    tracker = OutboxTracker(root)
    moment = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)
    while moment <= end + dt.timedelta(days=1):  # the workflow's schedule, every 30 minutes
        run_comments(root, now=moment, env=env, tracker=tracker, push=False)
        moment += dt.timedelta(minutes=30)
    records = [s for s in seen_comments(root).values() if s.issue and "-digest-" not in s.issue]
    own = [i for i in issues(root) if "digest" not in i["labels"]]  # the digests list the comments not flagged
    named = {i["key"]: issue_comments(i["body"]) for i in own}
    threads = {(key.removeprefix("comments-").rsplit("-", 1)[0], c.comment.thread)
               for key, comments in named.items() for c in comments}
    assert len(own) == len(threads) == len({s.issue for s in records})  # one issue per thread
    assert all(key == issue_key(profile, thread, state_keys(env, profile)[0])
               for key, comments in named.items() for profile, thread in
               {(key.removeprefix("comments-").rsplit("-", 1)[0], c.comment.thread) for c in comments})
    grown = [i for i in own if i["comments"] and "more comment" in i["comments"][0]]
    in_body = [i for i in own if "#### Comment 2" in i["body"]]
    assert grown or in_body  # the angry thread's second reply joined the first one's issue


def test_trusted_accounts_and_watch_words(tmp_path):
    root, env, now = published_repo(tmp_path, days=4, extra="moderation:\n  trusted: ['@angry_guy_85', kahvivihaaja]\n"
                                                            "  watch_words: [korvapuust*]\n  flag: [abusive, spam]\n")
    result = run_comments(root, now=now, env=env, tracker=OutboxTracker(root), push=False)
    trusted = [f for f in result.new if f.comment.author_handle in ("angry_guy_85", "kahvivihaaja")]
    def in_digest(found) -> bool:  # no issue of its own: a line in the profile's digest of the day
        return found.issue == f"comments-{found.profile.id}-digest-{now:%Y-%m-%d}"

    assert trusted and all(f.decision.trusted and in_digest(f) for f in trusted)
    praise = [f for f in result.new if "korvapuustit" in f.comment.text]
    assert all(f.issue and not in_digest(f) and f.decision.watch for f in praise)
    questions = [f for f in result.new if f.decision.category == "question"]
    assert questions and all(in_digest(f) for f in questions)  # flag: only abusive and spam here


def test_two_runs_at_once_handle_each_comment_once(published, tmp_path):
    root, env, now = copy_published(published, tmp_path)
    results, errors = [], []

    def go():
        try:
            results.append(run_comments(root, now=now, env=env, tracker=OutboxTracker(root), push=False))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(len(r.new) for r in results)[0] == 0  # the second waited for the lock, then found nothing new
    ids = [r["comment"] for r in comments_log(root).rows()]
    assert len(ids) == len(set(ids))


def test_a_broken_network_fails_its_profile_only(published, tmp_path):
    root, env, now = copy_published(published, tmp_path)
    (root / "profiles" / "broken-masto.yaml").write_text(
        "id: broken-masto\nnetwork: mastodon\ninstance: http://127.0.0.1:9\ntoken_env: BROKEN_TOKEN\n",
        encoding="utf-8")
    Ledger(root).append([Event(time=now - dt.timedelta(hours=2), post_id="joulumenu", profile="broken-masto",
                               event="published", remote_id="1135", url="https://mastodon.example/@x/1135")])
    env = {**env, "BROKEN_TOKEN": "s3cret-token-value"}
    result = run_comments(root, now=now, env=env, tracker=OutboxTracker(root), push=False)
    assert result.failed and any(e.startswith("broken-masto:") for e in result.errors)
    assert not any("s3cret" in e for e in result.errors)
    assert any(f.profile.id == "kahvila-facebook" for f in result.new)  # the others went on


def test_log_survives_torn_lines_and_union_merges(tmp_path):
    log = CsvLog(tmp_path, "state/x.csv", COMMENT_FIELDS)
    log.append([{"time": NOW, "profile": "p", "comment": "1", "action": "seen", "category": "a\nb,c \"q\""}])
    with open(log.path, "a", encoding="utf-8") as fh:
        fh.write("2026-12-01T10:00:00.000000Z,p,net,post,2,se")  # torn
    log.append([{"time": NOW, "profile": "p", "comment": "3", "action": "seen"}])
    with open(log.path, "a", encoding="utf-8") as fh:
        fh.write(",".join(COMMENT_FIELDS) + "\n")  # a header from a union merge
    rows = log.rows()
    assert [r["comment"] for r in rows] == ["1", "3"] and rows[0]["category"] == "a b,c \"q\""


def test_safe_text_helpers():
    assert safe_link("https://www.facebook.com/1/posts/2/?comment_id=3", "open") == \
        "[open](https://www.facebook.com/1/posts/2/?comment_id=3)"
    assert "](" not in safe_link("https://evil.example/a)[x](https://b", "open")
    assert safe_link(None) == "(no link)"
    assert inert_for_log("::error::boom\n::add-mask::x") == ": :error: :boom : :add-mask: :x"


def test_comment_record_round_trip():
    c = Comment(id="1", post_remote_id="p", text="secret text", author_id="a", author_handle="h", author_name="n",
                created_at=NOW, url="https://x.example/1", parent_id="0", thread_id="0", ref={"cid": "c"})
    back = Comment.from_record(json.loads(json.dumps(c.record())))
    assert back == Comment(**{**c.__dict__, "text": ""})
    assert "secret text" not in json.dumps(c.record())  # the seen-log never stores comment text


def test_thread_root_follows_parents_up_to_the_top_level_comment():
    from socialops.networks.types import thread_root

    parent_of = {"c1": "post", "r1": "c1", "r2": "r1", "loop-a": "loop-b", "loop-b": "loop-a", "orphan": "gone"}
    assert thread_root("r2", parent_of, "post") == "c1"  # a reply to a reply belongs to c1's thread
    assert thread_root("c1", parent_of, "post") == "c1"
    assert thread_root("orphan", parent_of, "post") == "orphan"  # its parent is not a comment we were given
    assert thread_root("r2", {"r2": "r1", "r1": "c1", "c1": ""}) == "c1"  # no post id: Facebook's top level
    assert thread_root("loop-a", parent_of, "post") in {"loop-a", "loop-b"}  # a cycle ends, it does not hang


# --- issue 15: findings 7 (what the public repository keeps) and 9 (floods) --------------------------------


def test_the_seen_log_keeps_no_commenters_data(published, tmp_path):
    """Finding 7: state/comments.csv kept names, handles, author ids, links and quoted words of commenters."""
    root, env, now = copy_published(published, tmp_path)
    result = run_comments(root, now=now, env=env, tracker=OutboxTracker(root), push=False)
    assert result.new
    text = (root / "state" / "comments.csv").read_text(encoding="utf-8")
    text += (root / "state" / "moderation.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(COMMENT_FIELDS)
    for found in result.new:
        c = found.comment
        for private in (c.id, c.author_id, c.author_handle, c.author_name, c.url, c.text, found.decision.reason):
            assert not private or len(private) < 4 or private not in text, private
        assert c.id in json.dumps([i["body"] for i in issues(root)]) or not found.issue  # the issue has them
    # the same key in another clone (stable), so nothing is handled twice; with a secret key the hashes differ
    secret = {**env, "SOCIALOPS_STATE_KEY": "k" * 32}
    assert state_keys(secret, "p")[1] == state_keys(env, "p")[0] != state_keys(secret, "p")[0]
    again = run_comments(root, now=now, env=secret, tracker=OutboxTracker(root), push=False)
    assert again.new == [] and again.issues_opened == []


def test_seen_lines_of_the_first_format_are_still_understood_and_age_out(published, tmp_path):
    """Migration: a seen-log written before the change (names, ids, records) still means "seen"; new lines are
    written in the new form; lines past the retention window are dropped, old ones included."""
    root, env, now = copy_published(published, tmp_path)
    dry = run_comments(root, now=now, env=env, tracker=OutboxTracker(root), dry_run=True, push=False)
    legacy = CsvLog(root, "state/comments.csv", LEGACY_COMMENT_FIELDS)
    legacy.append([{"time": now, "profile": f.profile.id, "network": f.network, "post_id": f.post_id,
                    "comment_id": f.comment.id, "event": "seen", "category": f.decision.category,
                    "confidence": f.decision.confidence, "issue": "", "reason": f.decision.reason,
                    "data": {"comment": f.comment.record()}} for f in dry.new])
    assert run_comments(root, now=now, env=env, tracker=OutboxTracker(root), push=False).new == []
    later = now + dt.timedelta(days=2)
    add_comment(root, "kahvila-facebook", "new-one", "Onko teillä kauramaitoa?", at=later - dt.timedelta(hours=1))
    fresh = run_comments(root, now=later, env=env, tracker=OutboxTracker(root), push=False)
    assert [f.comment.id for f in fresh.new] == ["new-one"] and fresh.issues_opened
    seen = seen_comments(root)
    assert len([s for s in seen.values() if s.legacy_id]) == len(dry.new)
    assert [s.comment for s in seen.values() if s.comment] == [keyed_hash(state_keys(env, "kahvila-facebook")[0],
                                                                          "new-one")]
    # 95 days on: the old lines are past the default 90; the Facebook profile keeps 120
    path = root / "profiles" / "kahvila-facebook.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "  retention_days: 120\n", encoding="utf-8")
    run_comments(root, now=now + dt.timedelta(days=95), env=env, tracker=OutboxTracker(root), push=False)
    kept = seen_comments(root).values()
    assert {s.profile for s in kept if s.legacy_id} == {"kahvila-facebook"} and any(s.comment for s in kept)
    run_comments(root, now=now + dt.timedelta(days=125), env=env, tracker=OutboxTracker(root), push=False)
    assert seen_comments(root) == {}
    assert (root / "state" / "comments.csv").read_text(encoding="utf-8") == ",".join(COMMENT_FIELDS) + "\n"


def test_a_flood_of_spam_makes_at_most_cap_plus_one_issues_and_drops_nothing(published, tmp_path):
    """Finding 9: 300 spam comments made 300 issues. Past `moderation.issue_cap` they are listed, one line
    each, in one digest issue of the profile."""
    root, env, now = copy_published(published, tmp_path)
    run_comments(root, now=now, env=env, tracker=OutboxTracker(root), push=False)
    path = root / "profiles" / "kahvila-facebook.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("moderation:\n", "moderation:\n  issue_cap: 20\n"),
                    encoding="utf-8")
    later = now + dt.timedelta(hours=2)
    ids = [add_comment(root, "kahvila-facebook", f"flood-{i}", f"Earn $500 a day from home! DM me {i} "
                       "https://growfast.example/join", at=now + dt.timedelta(minutes=1, seconds=i))
           for i in range(300)]
    before = {i["key"] for i in issues(root)}
    result = run_comments(root, now=later, env=env, tracker=OutboxTracker(root), push=False)
    assert not result.errors and len([f for f in result.new if f.comment.id in ids]) == 300
    assert all(f.decision.category == "spam" for f in result.new)
    touched = {*result.issues_opened, *result.issues_updated, *result.digests}
    assert len({k for k in touched if k.startswith("comments-kahvila-facebook-")}) <= 21
    assert len(result.digests) == 1
    assert len({i["key"] for i in issues(root) if "profile:kahvila-facebook" in i["labels"]} - before) <= 21
    digest = next(i for i in issues(root) if i["key"] == result.digests[0])
    digest_text = digest["body"] + "".join(digest["comments"])
    listed = {flood_id for flood_id in ids if f"#comment-{flood_id})" in digest_text}
    shown = {c.comment.id for i in issues(root) for c in issue_comments(i["body"]) if c.comment.id in ids}
    assert len(listed) + len(shown) == 300 and not listed & shown  # each in its own issue or a digest line
    assert digest_text.count("\n- spam (") == len(listed) and len(shown) == 20
    log = comments_log(root).rows()
    key = state_keys(env, "kahvila-facebook")[0]
    flood = {keyed_hash(key, flood_id) for flood_id in ids}
    actions = Counter(r["action"] for r in log if r["comment"] in flood)
    assert actions["digest"] == len(listed) and actions["issue"] == len(shown)
    assert "DM me" not in json.dumps(digest)  # the digest lines quote nothing


def test_a_long_thread_fills_its_issue_and_the_rest_goes_to_the_digest(published, tmp_path):
    """An issue holds at most MAX_COMMENTS_PER_ISSUE comments (GitHub's body limit); the rest of a long
    thread is listed in the digest, not dropped."""
    from socialops.community.fetch import MAX_COMMENTS_PER_ISSUE

    root, env, now = copy_published(published, tmp_path)
    run_comments(root, now=now, env=env, tracker=OutboxTracker(root), push=False)
    top = add_comment(root, "kahvila-facebook", "long-0", "You people are idiots.", at=now + dt.timedelta(minutes=1))
    for i in range(1, 15):
        add_comment(root, "kahvila-facebook", f"long-{i}", f"You people are idiots {i}.", parent=top,
                    at=now + dt.timedelta(minutes=1, seconds=i))
    result = run_comments(root, now=now + dt.timedelta(hours=1), env=env, tracker=OutboxTracker(root), push=False)
    mine = {f.comment.id: f for f in result.new if f.comment.id.startswith("long-")}
    assert len(mine) == 15 and all(f.issue for f in mine.values())
    (thread_key,) = {f.issue for f in mine.values() if "digest" not in f.issue}
    thread = next(i for i in issues(root) if i["key"] == thread_key)
    assert [c.comment.id for c in issue_comments(thread["body"])] == [f"long-{i}" for i in range(10)]
    assert MAX_COMMENTS_PER_ISSUE == 10 and len(result.digests) == 1
    digest = next(i for i in issues(root) if i["key"] == result.digests[0])
    assert all(f"#comment-long-{i})" in digest["body"] for i in range(10, 15))
