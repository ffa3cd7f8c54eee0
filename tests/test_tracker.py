"""tracker.py: PyGithub over real HTTP against the local GitHub stand-in, and the outbox."""

from __future__ import annotations

import datetime
import json
import logging
import re
import time
import traceback
from pathlib import Path

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options
from github import Auth, Github
from github.GithubRetry import GithubRetry

from socialops.content.issue_form import form_labels, parse_issue_form
from socialops.core.safetext import escape_untrusted_markdown, quote_untrusted
from socialops.errors import TrackerError, UsageError
from socialops.tracker import tracker_from_env
from socialops.tracker.events import event_issue_key, typed_command_event
from socialops.tracker.github import GitHubTracker, make_github, make_retry
from socialops.tracker.markers import INDEX_LABEL, LABELS, issue_marker, label_spec, sticky_marker
from socialops.tracker.outbox import OutboxTracker, outbox_name
from tests.github_standin import Fault, GitHubStandin

TOKEN = "ghp_S3cr3tT0kenValue0123456789abcdefXYZ"
ISSUES = r"/repos/acme/social/issues"


@pytest.fixture
def gh():
    with GitHubStandin(token=TOKEN) as server:
        yield server


@pytest.fixture
def bot_gh():
    """Like the Actions GITHUB_TOKEN: GET /user is refused, the actor is github-actions[bot]."""
    with GitHubStandin(token=TOKEN, integration=True) as server:
        yield server


def client(server: GitHubStandin, token: str = TOKEN) -> Github:
    return make_github(token, server.base_url, retry=make_retry(backoff_factor=0, max_wait=5),
                       seconds_between_requests=0, seconds_between_writes=0)


def tracker(server: GitHubStandin, sleeps: list | None = None, **kw) -> GitHubTracker:
    sleeps = [] if sleeps is None else sleeps
    return GitHubTracker(client(server, kw.pop("token", TOKEN)), server.full_name, secrets=[TOKEN],
                         sleep=sleeps.append, **kw)


def marked(server: GitHubStandin, key: str) -> list[dict]:
    return [i for i in server.issues.values() if (i["body"] or "").startswith(issue_marker(key))]


# -- idempotent open ---------------------------------------------------------------------------


def test_open_issue_twice_gives_one_issue(gh):
    t = tracker(gh)
    first = t.open_issue("publish-failed-post1-acme-ig", "Publishing failed", "The token expired.",
                         ["publish-failed"])
    second = t.open_issue("publish-failed-post1-acme-ig", "Publishing failed", "The token expired.")
    # a fresh tracker (a later workflow run) finds it too, by the marker
    third = tracker(gh).open_issue("publish-failed-post1-acme-ig", "other title", "other body")
    assert first.created and not second.created and not third.created
    assert first.number == second.number == third.number
    assert len(gh.issues) == 1
    issue = gh.issues[first.number]
    assert issue["body"].startswith("<!-- socialops:key=publish-failed-post1-acme-ig -->\n")
    assert third.body == "The token expired."
    assert {lab["name"] for lab in issue["labels"]} == {INDEX_LABEL, "publish-failed"}
    assert len(gh.requests("POST", "issues/create")) == 1


def test_keys_are_exact_and_closed_issues_count(gh):
    t = tracker(gh)
    a = t.open_issue("k", "A", "a")
    b = t.open_issue("k2", "B", "b")
    assert a.number != b.number
    t.close("k")
    again = tracker(gh).open_issue("k", "A", "a")
    assert again.number == a.number and again.state == "closed" and not again.created
    reopened = tracker(gh).open_issue("k", "A", "a", reopen=True)
    assert reopened.state == "open" and gh.issues[a.number]["state"] == "open"
    assert len(gh.issues) == 2


def test_keys_with_odd_characters_cannot_break_the_marker(gh):
    t = tracker(gh)
    key = "comment:at://did:plc:abc/app.bsky.feed.post/3k --> <b>x</b>"
    opened = t.open_issue(key, "Question", "body")
    assert tracker(gh).find_issue(key).number == opened.number
    body = gh.issues[opened.number]["body"]
    first_line = body.split("\n", 1)[0]
    assert first_line.startswith("<!-- ") and first_line.endswith(" -->") and first_line.count("-->") == 1
    assert "<b>" not in first_line
    assert tracker(gh).find_issue(key[:-1]) is None


def test_marker_only_counts_at_the_start_and_only_with_the_label(gh):
    # someone quotes a marker inside an issue, and someone files an unlabelled issue with one
    gh.add_issue("quoted", f"Look:\n{issue_marker('k')}", labels=[INDEX_LABEL])
    gh.add_issue("unlabelled", f"{issue_marker('k')}\nhello", labels=[])
    pr = gh.add_pull_request("a PR carrying the marker")
    pr["body"] = f"{issue_marker('k')}\n"
    pr["labels"] = [gh._label(INDEX_LABEL)]
    t = tracker(gh)
    assert t.find_issue("k") is None
    opened = t.open_issue("k", "real", "real")
    assert opened.created and opened.number == 4


def test_find_issue_pages_through_many_issues(gh):
    for i in range(130):
        gh.add_issue(f"old {i}", f"{issue_marker(f'old-{i}')}\nbody", labels=[INDEX_LABEL])
    t = tracker(gh)
    found = t.find_issue("old-3")  # newest first would put it on page 2; we list oldest first
    assert found is not None and found.title == "old 3"
    assert tracker(gh).find_issue("old-129").title == "old 129"
    lists = gh.requests("GET", "issues/list-for-repo")
    assert any(r.query.get("page") == ["2"] for r in lists)
    assert all(r.query.get("labels") == [INDEX_LABEL] and r.query.get("state") == ["all"] for r in lists)


# -- lost answers ------------------------------------------------------------------------------


def test_lost_response_after_creation_does_not_duplicate(gh):
    gh.drop_response("POST", ISSUES)
    sleeps: list[float] = []
    t = tracker(gh, sleeps)
    t.find_issue("warmup")  # the index is loaded before the create, as in a real run
    issue = t.open_issue("missed-post2-acme-fb", "Missed", "Past the late window.")
    assert len(gh.issues) == 1 and len(marked(gh, "missed-post2-acme-fb")) == 1
    assert issue.number == 1 and issue.created
    assert len(gh.requests("POST", "issues/create")) == 1  # found again, not created again
    assert len(gh.requests("GET", "issues/list-for-repo")) == 2  # the warm-up and the reconcile


def test_502_after_creation_does_not_duplicate(gh):
    gh.fail("POST", ISSUES, 502, after=True)
    issue = tracker(gh).open_issue("k502", "t", "b")
    assert len(gh.issues) == 1 and issue.number == 1


def test_502_before_creation_is_retried_after_looking(gh):
    gh.fail("POST", ISSUES, 502, after=False)
    sleeps: list[float] = []
    issue = tracker(gh, sleeps).open_issue("k502b", "t", "b")
    assert len(gh.issues) == 1 and issue.created
    assert len(gh.requests("POST", "issues/create")) == 2
    assert sleeps == [2.0, 5.0, 2.0]  # two more looks (after 0, 2, 5 s), then a backoff before re-creating


def test_answer_lost_every_time_gives_up_without_duplicates(gh):
    gh.fail("POST", ISSUES, 503, after=False, times=10)
    t = tracker(gh, max_attempts=2, reconcile_delays=(0,))
    with pytest.raises(TrackerError, match="503"):
        t.open_issue("k", "t", "b")
    assert gh.issues == {}


def test_default_pygithub_retry_would_have_duplicated(gh):
    """Why POST is kept out of urllib3's retry: PyGithub's default retries POST after a lost answer."""
    gh.drop_response("POST", ISSUES)
    g = Github(base_url=gh.base_url, auth=Auth.Token(TOKEN), retry=GithubRetry(backoff_factor=0),
               seconds_between_requests=0, seconds_between_writes=0, lazy=True)
    g.get_repo(gh.full_name).create_issue("title", body="b")
    assert len(gh.issues) == 2


def test_lost_comment_is_not_posted_twice(gh):
    t = tracker(gh)
    opened = t.open_issue("k", "t", "b")
    gh.drop_response("POST", rf"{ISSUES}/\d+/comments")
    t.comment("k", "Published at https://example.social/1")
    t.comment(opened.number, "second")
    bodies = [c["body"] for c in gh.comments.values()]
    assert bodies == ["Published at https://example.social/1", "second"]


# -- labels ------------------------------------------------------------------------------------


def test_labels_are_created_with_colour_and_description(gh):
    gh._label("question", "000000", "kept as the team made it")
    t = tracker(gh)
    t.open_issue("k", "t", "b", ["question", "profile:acme-instagram", "Custom thing"])
    assert gh.labels[INDEX_LABEL]["color"] == LABELS[INDEX_LABEL].color
    assert gh.labels[INDEX_LABEL]["description"] == LABELS[INDEX_LABEL].description
    assert gh.labels["profile:acme-instagram"]["description"] == "Concerns the profile acme-instagram"
    assert gh.labels["profile:acme-instagram"]["color"] == label_spec("profile:x").color
    assert re.fullmatch(r"[0-9a-f]{6}", gh.labels["custom thing"]["color"])
    assert gh.labels["question"]["color"] == "000000"  # an existing label is left alone
    created = [r.request_body["name"] for r in gh.requests("POST", "issues/create-label")]
    assert sorted(created) == sorted([INDEX_LABEL, "profile:acme-instagram", "Custom thing"])
    for spec in LABELS.values():
        assert re.fullmatch(r"[0-9a-f]{6}", spec.color) and len(spec.description) <= 100


def test_add_labels_to_issue_and_label_race(gh):
    t = tracker(gh)
    opened = t.open_issue("k", "t", "b")
    gh._label("Abusive")  # someone made it after we listed the labels: 422 already_exists is fine
    t.add_labels("k", ["abusive", "hidden"])
    t.add_labels(opened.number, ["hidden"])
    names = [lab["name"] for lab in gh.issues[opened.number]["labels"]]
    assert names == [INDEX_LABEL, "Abusive", "hidden"]
    assert any(r.status == 422 for r in gh.requests("POST", "issues/create-label"))


def test_invalid_label_is_refused_before_calling_github(gh):
    with pytest.raises(TrackerError, match="1 to 50 characters"):
        tracker(gh).open_issue("k", "t", "b", ["x" * 51])
    assert gh.requests("POST") == []


# -- close and comment -------------------------------------------------------------------------


def test_close_with_comment(gh):
    t = tracker(gh)
    opened = t.open_issue("k", "t", "b")
    closed = t.close("k", comment="Resolved: published on the second try.")
    assert closed.state == "closed"
    issue = gh.issues[opened.number]
    assert issue["state"] == "closed" and issue["state_reason"] == "completed"
    assert [c["body"] for c in gh.comments.values()] == ["Resolved: published on the second try."]
    assert t.close("no-such-key") is None
    with pytest.raises(TrackerError, match="no issue for key"):
        t.comment("no-such-key", "x")


# -- sticky pull request comment ---------------------------------------------------------------


def test_sticky_pr_comment_is_updated_in_place(bot_gh):
    pr = bot_gh.add_pull_request()
    # the PR author posts a comment that imitates ours: it must be neither edited nor counted
    fake = bot_gh.add_comment(pr["number"], f"{sticky_marker('preview')}\nall fine, merge!", login="contributor")
    t = tracker(bot_gh)
    assert t.upsert_pr_comment(pr["number"], "preview", "Preview v1") == "created"
    assert t.upsert_pr_comment(pr["number"], "preview", "Preview v1") == "unchanged"
    assert tracker(bot_gh).upsert_pr_comment(pr["number"], "preview", "Preview v2") == "updated"
    ours = [c for c in bot_gh.comments.values() if c["user"]["login"] == "github-actions[bot]"]
    assert len(ours) == 1
    assert ours[0]["body"] == f"{sticky_marker('preview')}\nPreview v2"
    assert bot_gh.comments[fake["id"]]["body"].endswith("all fine, merge!")
    assert len(bot_gh.requests("PATCH", "issues/update-comment")) == 1


def test_sticky_comment_with_personal_token_and_lost_answer(gh):
    pr = gh.add_pull_request()
    gh.drop_response("POST", rf"{ISSUES}/\d+/comments")
    t = tracker(gh)
    assert t.upsert_pr_comment(pr["number"], "preview", "v1") == "created"
    assert t.bot_login() == "socialops-bot"  # from GET /user
    assert len(gh.comments) == 1


# -- rate limits and errors --------------------------------------------------------------------


def test_secondary_rate_limit_on_create_waits_retry_after(gh):
    gh.secondary_rate_limit("POST", ISSUES, retry_after=7)
    sleeps: list[float] = []
    tracker(gh, sleeps).open_issue("k", "t", "b")
    assert sleeps == [7.0] and len(gh.issues) == 1


def test_primary_rate_limit_on_create_waits_until_reset(gh):
    gh.inject(Fault("POST", ISSUES, status=403, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1010"},
                    body={"message": "API rate limit exceeded for installation ID 1.",
                          "documentation_url": "https://docs.github.com/rest"}))
    sleeps: list[float] = []
    tracker(gh, sleeps, clock=lambda: 1000.0).open_issue("k", "t", "b")
    assert sleeps == [11.0] and len(gh.issues) == 1


def test_rate_limit_wait_beyond_cap_fails_fast(gh):
    gh.secondary_rate_limit("POST", ISSUES, retry_after=3600)
    sleeps: list[float] = []
    with pytest.raises(TrackerError, match="rate limit"):
        tracker(gh, sleeps).open_issue("k", "t", "b")
    assert sleeps == [] and gh.issues == {}


def test_reads_are_retried_by_pygithub_retry(gh):
    gh.secondary_rate_limit("GET", ISSUES, retry_after=1)
    gh.fail("GET", r"/repos/acme/social/labels", 502)
    started = time.monotonic()
    t = tracker(gh)
    assert t.open_issue("k", "t", "b").created
    assert time.monotonic() - started >= 1.0  # Retry-After was honoured by urllib3
    assert [r.status for r in gh.requests("GET", "issues/list-for-repo")] == [403, 200]
    assert [r.status for r in gh.requests("GET", "issues/list-labels-for-repo")] == [502, 200]


def test_token_never_appears_in_errors_or_logs(gh, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = TOKEN[:-3] + "nop"
    with pytest.raises(TrackerError) as bad:
        GitHubTracker(client(gh, wrong), gh.full_name, secrets=[wrong]).open_issue("k", "t", "b")
    assert "401" in str(bad.value) and "GITHUB_TOKEN" in str(bad.value)
    # a permission error, a validation error and an unreachable server, with the right token
    t = tracker(gh)
    gh.inject(Fault(
        "POST", ISSUES, status=403, body={"message": f"Resource not accessible by integration {TOKEN}",
                                          "documentation_url": "x"}))
    with pytest.raises(TrackerError) as forbidden:
        t.open_issue("k", "t", "b")
    assert "issues: write" in str(forbidden.value) and "***" in str(forbidden.value)
    with pytest.raises(TrackerError) as invalid:
        t.open_issue("k2", "", "b")
    assert "422" in str(invalid.value)
    gh.stop()
    with pytest.raises(TrackerError) as unreachable:
        tracker(_dead(gh)).find_issue("k")
    for exc in (bad.value, forbidden.value, invalid.value, unreachable.value):
        assert TOKEN not in str(exc) and TOKEN not in repr(exc)
        assert exc.__cause__ is None and exc.__suppress_context__
        assert wrong not in str(exc)
    assert caplog.records, "debug logging was on"
    assert TOKEN not in caplog.text and wrong not in caplog.text


def _dead(gh: GitHubStandin) -> GitHubStandin:
    class Dead:
        base_url = "http://127.0.0.1:9/api"  # nothing listens on the discard port
        full_name = gh.full_name
    return Dead()  # type: ignore[return-value]


# -- environment -------------------------------------------------------------------------------


def test_tracker_from_env_uses_github_api_url_for_enterprise(tmp_path):
    with GitHubStandin(token=TOKEN, prefix="/api/v3") as ghe:
        env = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "acme/social", "GITHUB_API_URL": ghe.base_url}
        t = tracker_from_env(tmp_path, env)
        assert isinstance(t, GitHubTracker)
        t.open_issue("k", "t", "b")
        assert len(ghe.issues) == 1
        assert all(r.path.startswith("/repos/") and r.op_id for r in ghe.log)
    assert not (tmp_path / ".socialops").exists()


def test_tracker_from_env_without_token_is_the_outbox(tmp_path):
    t = tracker_from_env(tmp_path, {"GITHUB_REPOSITORY": "acme/social"})
    assert isinstance(t, OutboxTracker)
    with pytest.raises(TrackerError, match="GITHUB_REPOSITORY"):
        tracker_from_env(tmp_path, {"GITHUB_TOKEN": TOKEN})
    with pytest.raises(TrackerError, match="owner/name") as exc:
        tracker_from_env(tmp_path, {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "not a repo"})
    assert TOKEN not in str(exc.value)


# -- outbox ------------------------------------------------------------------------------------


def test_outbox_open_is_idempotent_and_complete(tmp_path):
    t = OutboxTracker(tmp_path, clock=lambda: datetime.datetime(2026, 12, 1, 8, 0, tzinfo=datetime.UTC))
    first = t.open_issue("publish-failed-p1-ig", "Failed", "Token expired", ["publish-failed"])
    second = t.open_issue("publish-failed-p1-ig", "Failed again", "other")
    assert first.created and not second.created and first.number == second.number == 1
    path = tmp_path / ".socialops/outbox/issues/publish-failed-p1-ig.json"
    data = json.loads(path.read_text())
    assert data == {"key": "publish-failed-p1-ig", "number": 1, "title": "Failed", "body": "Token expired",
                    "labels": [INDEX_LABEL, "publish-failed"], "state": "open", "comments": [],
                    "opened_at": "2026-12-01T08:00:00.000000Z"}
    t.comment("publish-failed-p1-ig", "first note")
    t.comment(1, "by number")
    t.add_labels(1, ["hidden", "publish-failed"])
    assert t.find_issue("nope") is None
    closed = t.close("publish-failed-p1-ig", comment="done")
    data = json.loads(path.read_text())
    assert data["state"] == "closed" == closed.state
    assert data["comments"] == ["first note", "by number", "done"]
    assert data["labels"] == [INDEX_LABEL, "publish-failed", "hidden"]
    assert t.open_issue("publish-failed-p1-ig", "x", "y").state == "closed"
    assert t.open_issue("publish-failed-p1-ig", "x", "y", reopen=True).state == "open"
    assert t.open_issue("other", "x", "y").number == 2
    with pytest.raises(TrackerError, match="#9"):
        t.comment(9, "x")


def test_outbox_file_names_are_safe(tmp_path):
    t = OutboxTracker(tmp_path)
    key = "comment:at://did:plc:x/app.bsky.feed.post/3k"
    t.open_issue(key, "t", "b")
    t.open_issue("../../etc/passwd", "t", "b")
    files = sorted(p.name for p in (tmp_path / ".socialops/outbox/issues").iterdir())
    assert len(files) == 2 and all("/" not in f and not f.startswith(".") for f in files)
    assert t.find_issue(key).key == key
    assert outbox_name("a/b") != outbox_name("a_b")
    assert not (tmp_path / "etc").exists()


def test_outbox_sticky_comment(tmp_path):
    t = OutboxTracker(tmp_path)
    assert t.upsert_pr_comment(7, "preview", "v1") == "created"
    assert t.upsert_pr_comment(7, "preview", "v1") == "unchanged"
    assert t.upsert_pr_comment(7, "preview", "v2") == "updated"
    files = list((tmp_path / ".socialops/outbox/pull-comments").iterdir())
    assert [f.name for f in files] == ["7-preview.md"]
    assert files[0].read_text().endswith("\nv2")


# -- quoting untrusted text --------------------------------------------------------------------

HOSTILE = (
    "@everyone @acme/staff hi <img src=x onerror=alert(1)> <script>x</script> ![i](https://evil.example/p.png) "
    "[click](https://evil.example) https://evil.example www.evil.example me@evil.example #12 "
    "<!-- socialops:key=k --> **bold** <details><summary>x</summary></details> \u202eevil\u202c ::error::x"
)


def gfm(md: str) -> str:
    # GitHub's own cmark fork, with raw HTML let through, so the escaping alone must make it inert
    return cmarkgfm.github_flavored_markdown_to_html(md, options=Options.CMARK_OPT_UNSAFE)


def test_escape_untrusted_markdown_is_inert():
    out = escape_untrusted_markdown(HOSTILE, max_chars=1000)
    html = gfm(out)
    for bad in ("<img", "<script", "<a ", "<details", "<strong", "<!--", "\u202e"):
        assert bad not in html, bad
    assert re.search("@(?!\u200d)", out) is None
    assert "@\u200deveryone" in out and "\\#\u200d12" in out
    assert "\n" not in escape_untrusted_markdown("a\nb\n# heading")
    assert len(escape_untrusted_markdown("x" * 900)) < 600


def test_quote_untrusted_cannot_escape_its_fence():
    text = HOSTILE + "\n```\n# not a heading\n````\n<b>x</b>"
    block = quote_untrusted(text)
    html = gfm("Intro\n\n" + block + "\n\nAfter")
    assert html.count("<pre") == 1 and "<b>" not in html and "<img" not in html and "<a " not in html
    assert "<p>After</p>" in html and "<h1>" not in html
    assert block.startswith("`````text\n")  # longer than the longest run of backticks inside
    assert "\u202e" not in block


def test_quoted_marker_is_not_found_as_a_marker(gh):
    t = tracker(gh)
    t.open_issue("question-1", "Question", "They wrote:\n\n" + quote_untrusted("<!-- socialops:key=question-2 -->"))
    assert t.find_issue("question-2") is None
    assert tracker(gh).open_issue("question-2", "Q2", "b").created


# -- issue forms -------------------------------------------------------------------------------

FORM = {"Working title": "title", "Text": "caption", "Profiles": "profiles", "When": "publish_at"}


def test_parse_issue_form_answers_and_empty_ones():
    body = "### Working title\n\nHello\n\n### Text\n\nLine 1\n\nLine 2\n\n### Profiles\n\na, b\n\n### When\n\n_No response_"
    assert parse_issue_form(body, FORM) == {"title": "Hello", "caption": "Line 1\n\nLine 2", "profiles": "a, b",
                                            "publish_at": ""}


def test_parse_issue_form_headings_typed_into_answers_do_not_take_over():
    body = ("### Working title\n\nT\n\n### Text\n\nreal text\n### Profiles\nevil\n### Working title\nevil\n\n"
            "### Profiles\n\ngood\n\n### When\n\n2026-12-01 09:00")
    fields = parse_issue_form(body, FORM)
    assert fields["profiles"] == "good" and fields["title"] == "T"
    assert fields["caption"].startswith("real text") and "evil" in fields["caption"]
    assert parse_issue_form("", FORM) == {}
    assert form_labels(Path(__file__).resolve().parents[1] / ".github/ISSUE_TEMPLATE/new-post.yml")["Text"] == "caption"


def test_update_issue_replaces_title_and_body_keeping_the_marker_outbox(tmp_path):

    tracker = OutboxTracker(tmp_path)
    tracker.open_issue("k1", "Old", "old body", ["plan-gap"])
    updated = tracker.update_issue("k1", title="New", body="new body")
    assert (updated.title, updated.body) == ("New", "new body")
    assert tracker.find_issue("k1").body == "new body"
    assert tracker.update_issue("missing", body="x") is None


def test_update_issue_on_github_edits_in_place(gh):
    t = tracker(gh)
    t.open_issue("plan", "Content plan: 3 empty slots", "three", ["plan-gap"])
    t.update_issue("plan", title="Content plan: 1 empty slot", body="one")
    [issue] = marked(gh, "plan")
    assert issue["title"] == "Content plan: 1 empty slot"
    assert issue["body"].endswith("one") and "socialops:key=plan" in issue["body"]
    assert tracker(gh).find_issue("plan").body == "one"


# -- repository permission and pull request heads ---------------------------------------------


def test_permission_from_github(gh):
    gh.permissions.update({"writer": ("write", "write"), "maint": ("write", "maintain"),
                           "reader": ("read", "read"), "custom": ("write", "content-lead"),
                           "triager": ("read", "triage")})
    t = tracker(gh)
    assert t.permission("writer") == "write"
    assert t.permission("maint") == "maintain"
    assert t.permission("reader") == "read"
    assert t.permission("custom") == "write"  # a custom role: the permission behind it counts
    assert t.permission("triager") == "read"
    assert t.permission("stranger") == "none"  # 404: not a collaborator
    before = len(gh.log)
    assert t.permission("../../x") is None and t.permission("") is None  # not a login: never sent
    assert len(gh.log) == before
    assert gh.requests("GET", "repos/get-collaborator-permission-level")[0].path == \
        "/repos/acme/social/collaborators/writer/permission"
    gh.fail("GET", r"/repos/acme/social/collaborators/writer/permission", 401)
    assert tracker(gh).permission("writer") is None  # GitHub did not answer: cannot tell


def test_permission_in_the_outbox_cannot_be_asked(tmp_path):
    assert OutboxTracker(tmp_path).permission("writer") is None


def test_pull_request_is_current(gh):
    t = tracker(gh)
    pr = gh.add_pull_request(head_sha="c" * 40)
    assert t.pull_request_is_current(pr["number"], "c" * 40)
    assert not t.pull_request_is_current(pr["number"], "d" * 40)
    pr["state"] = "closed"
    assert not t.pull_request_is_current(pr["number"], "c" * 40)
    assert not t.pull_request_is_current(gh.add_issue("an issue")["number"], "c" * 40)
    assert not t.pull_request_is_current(999, "c" * 40)
    assert OutboxTracker(Path("/nonexistent")).pull_request_is_current(1, "c" * 40)


def test_typed_command_event_from_the_outbox_and_for_github(tmp_path, gh):
    outbox = OutboxTracker(tmp_path)
    opened = outbox.open_issue("comment:abc", "Question", "the quoted comment")
    event, key = typed_command_event(outbox, opened.number, "liisa", "/hide")
    assert key == "comment:abc" and event["issue"] == {"number": opened.number, "body": "the quoted comment"}
    assert event["comment"]["user"] == {"login": "liisa", "type": "User"} and event["comment"]["body"] == "/hide"
    assert event_issue_key(outbox, event) == "comment:abc"
    assert event_issue_key(outbox, {"issue": {"number": 99}}) is None
    assert event_issue_key(outbox, {"issue": "not an object"}) is None
    with pytest.raises(UsageError, match="no such issue in the local outbox"):
        typed_command_event(outbox, 99, "liisa", "/hide")
    # on GitHub the key comes from the issue's marker, read by moderation: the event carries only the number
    event, key = typed_command_event(tracker(gh), 5, "liisa", "/hide")
    assert key is None and event["issue"] == {"number": 5, "body": ""}
    assert event_issue_key(tracker(gh), event) is None


# -- errors never carry the token (issue 15, finding 8) -------------------------------------------


def _echoing_502(method: str, path: str, times: int = 1) -> Fault:
    # a proxy's error page that echoes the request, Authorization header included
    body = "<html><body><h1>502 Bad Gateway</h1>" + "x" * 150 + f"<pre>Authorization: token {TOKEN}</pre>"
    return Fault(method, path, status=502, body=body, times=times)


def test_a_5xx_during_the_check_after_a_lost_answer_raises_a_redacted_tracker_error(gh):
    t = tracker(gh, reconcile_delays=(0,))
    opened = t.open_issue("k", "t", "b")
    gh.inject(_echoing_502("POST", rf"{ISSUES}/{opened.number}/comments"))
    # the look that follows (GET the comments) fails too, through every retry of urllib3
    gh.inject(_echoing_502("GET", rf"{ISSUES}/{opened.number}/comments", times=20))
    with pytest.raises(TrackerError) as info:
        t.comment("k", "Published at https://example.social/1")
    shown = "".join(traceback.format_exception(info.value))
    assert "502" in str(info.value) and "check whether GitHub did comment on issue" in str(info.value)
    assert TOKEN[:8] not in shown and info.value.__cause__ is None
    assert gh.comments == {}


@pytest.mark.parametrize("status", [500, 502])
def test_a_5xx_body_echoing_the_token_across_the_cut_is_redacted(gh, status):
    body = "y" * 190 + TOKEN  # the token starts before the message is cut to 200 characters
    gh.inject(Fault("GET", r"/repos/acme/social/pulls/\d+", status=status, body=body, times=20))
    with pytest.raises(TrackerError) as info:
        tracker(gh).pull_request_is_current(7, "abc")
    assert TOKEN[:8] not in str(info.value) and "y" * 50 in str(info.value)


def test_every_failure_of_the_bot_login_lookup_is_a_tracker_error(gh):
    gh.inject(_echoing_502("GET", r"/user$", times=20))
    with pytest.raises(TrackerError) as info:
        tracker(gh).bot_login()
    assert TOKEN[:8] not in str(info.value)
