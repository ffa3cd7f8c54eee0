"""`socialops moderate`: /commands from an issue comment, through the adapter, recorded, confirmed, closed;
refusals for people without rights; what networks cannot do; hostile command text stays out of the log."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest
from click.testing import CliRunner

from socialops.cli import main
from socialops.community.fetch import run_comments
from socialops.community.issues import issue_comments
from socialops.state.comments import moderation_log
from socialops.tracker.outbox import OutboxTracker
from tests.comments_support import outbox, published_repo

MODS = "roles:\n  moderators: ['@liisa-mod']\nmoderation:\n  hide: []\n"


@pytest.fixture(scope="module")
def flagged(tmp_path_factory):
    root, env, now = published_repo(tmp_path_factory.mktemp("moderate"), extra=MODS)
    result = run_comments(root, now=now, env=env, tracker=OutboxTracker(root), push=False)
    assert result.issues_opened
    return root, env, now


@pytest.fixture
def repo(flagged, tmp_path, monkeypatch):
    import shutil

    base, env, now = flagged
    root = tmp_path / "copy"
    shutil.copytree(base, root, symlinks=True)
    monkeypatch.setenv("SOCIALOPS_SANDBOX", str(root / ".socialops" / "sandbox.sqlite"))
    for name in ("GITHUB_TOKEN", "GITHUB_REPOSITORY", "GITHUB_EVENT_PATH"):
        monkeypatch.delenv(name, raising=False)
    return root, now


def moderate(root, *args):
    return CliRunner().invoke(main, ["--repo", str(root), "moderate", *args], catch_exceptions=False)


def issue_for(root, profile: str | None = None, category: str | None = None) -> dict:
    """An issue about one comment (not a thread), of the profile and category when given. Which comments a
    post gets depends on the example content, so the tests ask only for what they need."""
    return next(i for i in outbox(root) if (profile is None or f"profile:{profile}" in i["labels"])
                and (category is None or category in i["labels"]) and "in one thread" not in i["title"])


def reread(root, issue) -> dict:
    return next(i for i in outbox(root) if i["key"] == issue["key"])


def sandbox_row(root, comment_id: str) -> sqlite3.Row:
    conn = sqlite3.connect(root / ".socialops" / "sandbox.sqlite")
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute("SELECT * FROM audience_comments WHERE id = ?", (comment_id,)).fetchone()
    finally:
        conn.close()


def comment_id_of(root, issue, number: int = 1) -> str:
    """The network's id of comment ``number`` of the issue, from the issue's own data line (the seen-log
    keeps only keyed hashes)."""
    return next(c.comment.id for c in issue_comments(reread(root, issue)["body"]) if c.number == number)


def test_someone_without_rights_gets_a_polite_refusal(repo):
    root, now = repo
    issue = issue_for(root, "kahvila-facebook")
    result = moderate(root, "--issue", str(issue["number"]), "--as", "stranger", "--command", "/delete",
                      "--now", now.isoformat(), "--no-push")
    assert result.exit_code == 1
    after = reread(root, issue)
    assert after["state"] == "open" and "nothing was done" in after["comments"][-1]
    assert "@stranger" in after["comments"][-1] and "roles.moderators" in after["comments"][-1]
    assert sandbox_row(root, comment_id_of(root, issue))["deleted"] == 0
    # Issue 15, finding 4: a refusal changes nothing, so it is neither written nor committed (strangers
    # cannot keep main moving); it is said on stderr and, once per issue, in the issue.
    assert moderation_log(root).rows() == [] and "stranger" in result.stderr


def test_a_moderator_hides_and_the_issue_is_closed_with_a_record(repo):
    root, now = repo
    issue = issue_for(root, "kahvila-facebook")
    result = moderate(root, "--issue", str(issue["number"]), "--as", "liisa-mod", "--command", "/hide",
                      "--now", now.isoformat(), "--no-push")
    assert result.exit_code == 0, result.stderr
    assert sandbox_row(root, comment_id_of(root, issue))["hidden"] == 1
    after = reread(root, issue)
    assert after["state"] == "closed" and "hidden" in after["labels"]
    assert "Hidden comment" in after["comments"][-1] and "@liisa-mod" in after["comments"][-1]
    row = moderation_log(root).rows()[-1]
    assert (row["actor"], row["action"], row["result"], row["profile"]) == ("liisa-mod", "hide", "done",
                                                                             "kahvila-facebook")
    assert row["time"].startswith(now.strftime("%Y-%m-%dT%H:%M"))
    # the record is committed in the repository
    from socialops.repository.git import git

    assert "state/moderation.csv" in git(root, "show", "--name-only", "HEAD").stdout


def test_saved_reply_with_the_commenters_name(repo):
    root, now = repo
    issue = issue_for(root, "kahvila-facebook")
    cid = comment_id_of(root, issue)
    name = sandbox_row(root, cid)["author_name"]
    result = moderate(root, "--issue", str(issue["number"]), "--as", "liisa-mod", "--command", "/reply @kiitos",
                      "--now", now.isoformat(), "--no-push")
    assert result.exit_code == 0, result.stderr
    conn = sqlite3.connect(root / ".socialops" / "sandbox.sqlite")
    replies = conn.execute("SELECT text FROM audience_comments WHERE parent_id = ? AND own = 1", (cid,)).fetchall()
    conn.close()
    template = (root / "replies" / "kiitos.md").read_text(encoding="utf-8").strip()
    assert replies == [(template.replace("{name}", name),)]
    after = reread(root, issue)
    assert after["state"] == "closed" and "```text\n" + template.replace("{name}", name) in after["comments"][-1]
    missing = next(i for i in outbox(root) if i["key"] != issue["key"])
    bad = moderate(root, "--issue", str(missing["number"]), "--as", "liisa-mod", "--command", "/reply @nope",
                   "--now", now.isoformat(), "--no-push")
    assert bad.exit_code == 0 and "no saved reply" in reread(root, missing)["comments"][-1]
    assert reread(root, missing)["state"] == "open"


@pytest.mark.parametrize("profile,verb,word", [("kahvila-instagram", "/block", "Instagram"),
                                               ("kahvila-linkedin", "/hide", "LinkedIn"),
                                               ("kahvila-mastodon", "/delete", "Mastodon")])
def test_what_the_network_cannot_do_is_said_with_what_to_do_by_hand(repo, profile, verb, word):
    root, now = repo
    candidates = [i for i in outbox(root) if f"profile:{profile}" in i["labels"]]
    issue = candidates[0]
    result = moderate(root, "--issue", str(issue["number"]), "--as", "liisa-mod", "--command", f"{verb} 1",
                      "--now", now.isoformat(), "--no-push")
    assert result.exit_code == 0
    after = reread(root, issue)
    assert after["state"] == "open"
    assert f"{word}" in after["comments"][-1] and "By hand" in after["comments"][-1]
    assert moderation_log(root).rows()[-1]["result"] == "unsupported"


def test_dismiss_closes(repo):
    root, now = repo
    issue = issue_for(root)
    result = moderate(root, "--issue", str(issue["number"]), "--as", "liisa-mod", "--command", "/dismiss",
                      "--now", now.isoformat(), "--no-push")
    assert result.exit_code == 0 and reread(root, issue)["state"] == "closed"


def test_event_file_with_hostile_text_stays_out_of_the_log(repo, tmp_path):
    root, now = repo
    issue = issue_for(root, "kahvila-facebook")
    hostile = "/reply Kiitos! ::error::pwned\n::add-mask::secret ${{ github.token }} $(rm -rf ~)"
    event = {"action": "created", "issue": {"number": issue["number"], "body": issue["body"]},
             "comment": {"id": 987654, "body": hostile, "user": {"login": "liisa-mod", "type": "User"}}}
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    result = moderate(root, "--event", str(path), "--now", now.isoformat(), "--no-push")
    assert result.exit_code == 0, result.stderr
    assert "::" not in result.stdout + result.stderr and "rm -rf" not in result.stderr
    cid = comment_id_of(root, issue)
    conn = sqlite3.connect(root / ".socialops" / "sandbox.sqlite")
    (text,) = conn.execute("SELECT text FROM audience_comments WHERE parent_id = ? AND own = 1", (cid,)).fetchone()
    conn.close()
    assert text == hostile[len("/reply "):]  # sent as written: it is the moderator's own text
    confirmation = reread(root, issue)["comments"][-1]
    assert "```text\nKiitos! ::error::pwned" in confirmation
    # The same event again (a re-run of the workflow) does nothing twice.
    again = moderate(root, "--event", str(path), "--now", now.isoformat(), "--no-push")
    assert again.exit_code == 0 and "already carried out" in again.stderr
    # Bots and plain comments are ignored.
    for comment in ({"id": 1, "body": "/hide", "user": {"login": "github-actions[bot]", "type": "Bot"}},
                    {"id": 2, "body": "thanks!", "user": {"login": "liisa-mod", "type": "User"}}):
        path.write_text(json.dumps({**event, "comment": comment}), encoding="utf-8")
        ignored = moderate(root, "--event", str(path), "--no-push")
        assert ignored.exit_code == 0 and "ignored" in ignored.stderr


def test_usage_errors(repo):
    root, _ = repo
    assert moderate(root, "--issue", "1").exit_code == 2
    assert moderate(root).exit_code == 2
    assert moderate(root, "--issue", "999", "--as", "x", "--command", "/hide").exit_code == 2


@pytest.mark.parametrize("name", ["moderate.yml", "comments.yml"])
def test_workflows_keep_untrusted_text_out_of_scripts_and_ask_for_little(name):
    import re

    import yaml

    from tests.comments_support import ROOT

    text = (ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8")
    flow = yaml.safe_load(text)
    triggers = flow[True]  # YAML 1.1 reads the key `on` as True
    assert flow["permissions"] == {}
    for job in flow["jobs"].values():
        assert job["permissions"] == {"contents": "write", "issues": "write"}
        for step in job["steps"]:
            assert "${{" not in step.get("run", "")
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
            for value in (step.get("env") or {}).values():
                assert "github.event" not in str(value)  # only secrets and the token go into the environment
    if name == "moderate.yml":
        assert triggers["issue_comment"] == {"types": ["created"]}
        assert "github.event.comment.user.type != 'Bot'" in flow["jobs"]["moderate"]["if"]
    else:
        crons = [c["cron"] for c in triggers["schedule"]]
        minutes = [int(m) for c in crons for m in c.split()[0].split(",")]
        assert len(minutes) == 2 and abs(minutes[1] - minutes[0]) == 30 and 0 not in minutes and 30 not in minutes


def test_a_roles_entry_that_validation_rejects_grants_nothing(repo):
    """`roles: {moderators: [liisa, "@aino"]}`: one parser for validation and authorisation, so `liisa`
    (no @) is reported with its line and may not act, while `@aino` may."""
    from socialops.repository.profiles import load_profile
    from socialops.validate.profiles import profile_problems

    root, now = repo
    path = root / "profiles" / "kahvila-facebook.yaml"
    roles = 'roles: {moderators: [liisa, "@aino"]}'
    text = path.read_text(encoding="utf-8").replace("roles:\n  moderators: ['@liisa-mod']\n", roles + "\n")
    path.write_text(text, encoding="utf-8")
    profile = load_profile(root, "profiles/kahvila-facebook.yaml")
    problems = [p for p in profile_problems(profile, root) if p.code == "profile-role"]
    assert [(p.line, p.message.split(";")[0]) for p in problems] == [
        (text.splitlines().index(roles) + 1, "'liisa' is not a GitHub user")]
    assert profile.roles.moderators == ("aino",)
    issue = issue_for(root, "kahvila-facebook")
    refused = moderate(root, "--issue", str(issue["number"]), "--as", "liisa", "--command", "/hide",
                       "--now", now.isoformat(), "--no-push")
    assert refused.exit_code == 1
    assert sandbox_row(root, comment_id_of(root, issue))["hidden"] == 0
    assert moderation_log(root).rows() == []  # refusals are not recorded (issue 15, finding 4)
    accepted = moderate(root, "--issue", str(issue["number"]), "--as", "aino", "--command", "/hide",
                        "--now", now.isoformat(), "--no-push")
    assert accepted.exit_code == 0, accepted.stderr
    assert sandbox_row(root, comment_id_of(root, issue))["hidden"] == 1
    row = moderation_log(root).rows()[-1]
    assert (row["actor"], row["action"], row["result"], row["detail"]) == ("aino", "hide", "done", "listed moderator")


# --- issue 15: findings 2 (the comment the moderator saw), 3 (names in replies), 4 (refusals) ----------------

ABUSE = "Olette ihan idiootteja koko porukka."
QUESTION = "Onko teillä laktoositonta maitoa kahviin?"


def thread_issue(root, now):
    """An abusive comment opens an issue; a customer's question in the same thread is added to it later.
    Returns the issue (as it is now), its body when it held only the abuse, and the two comment ids."""
    from socialops.tracker.outbox import OutboxTracker
    from tests.comments_support import add_comment

    troll = add_comment(root, "kahvila-facebook", "sec-troll", ABUSE, at=now + dt.timedelta(minutes=1),
                        name="Troll", author_id="u-sec-troll")
    first = run_comments(root, now=now + dt.timedelta(minutes=10), tracker=OutboxTracker(root), push=False)
    (key,) = [f.issue for f in first.new if f.comment.id == troll]
    seen_by_moderator = next(i for i in outbox(root) if i["key"] == key)
    customer = add_comment(root, "kahvila-facebook", "sec-customer", QUESTION, at=now + dt.timedelta(minutes=20),
                           name="Customer", author_id="u-sec-customer", parent=troll)
    second = run_comments(root, now=now + dt.timedelta(minutes=30), tracker=OutboxTracker(root), push=False)
    assert [f.issue for f in second.new if f.comment.id == customer] == [key]
    return reread(root, seen_by_moderator), seen_by_moderator, troll, customer


def blocked(root) -> set[str]:
    conn = sqlite3.connect(root / ".socialops" / "sandbox.sqlite")
    try:
        return {row[0] for row in conn.execute("SELECT author_id FROM audience_blocks")}
    finally:
        conn.close()


def test_block_without_a_number_never_hits_a_comment_added_later(repo):
    """Finding 2: `/block` used to act on the latest flagged comment, so after a customer's question joined
    the abuser's issue, `/block` blocked the customer."""
    root, now = repo
    issue, _, troll, customer = thread_issue(root, now)
    assert [c.comment.id for c in issue_comments(issue["body"])] == [troll, customer]
    assert issue["body"].splitlines()[1].startswith("**Abusive comment**")  # the worst of the thread, still
    for n in (1, 2):  # the issue offers the exact commands, with the number, for each comment
        assert f"`/block {n}`" in issue["body"] and f"#### Comment {n}" in issue["body"]
    later = now + dt.timedelta(hours=1)
    bare = moderate(root, "--issue", str(issue["number"]), "--as", "liisa-mod", "--command", "/block",
                    "--now", later.isoformat(), "--no-push")
    assert bare.exit_code == 0 and "usage" in bare.stderr
    assert blocked(root) == set()  # neither the customer nor anyone else
    assert "holds 2 comments" in reread(root, issue)["comments"][-1]
    missing = moderate(root, "--issue", str(issue["number"]), "--as", "liisa-mod", "--command", "/block 7",
                       "--now", later.isoformat(), "--no-push")
    assert missing.exit_code == 0 and blocked(root) == set()
    assert "There is no comment `7` in this issue" in reread(root, issue)["comments"][-1]
    done = moderate(root, "--issue", str(issue["number"]), "--as", "liisa-mod", "--command", "/block 1",
                    "--now", later.isoformat(), "--no-push")
    assert done.exit_code == 0, done.stderr
    assert blocked(root) == {"u-sec-troll"}
    assert "Blocked the author of comment 1" in reread(root, issue)["comments"][-1]
    by_id = moderate(root, "--issue", str(issue["number"]), "--as", "liisa-mod", "--command", f"/hide {troll}",
                     "--now", later.isoformat(), "--no-push")
    assert by_id.exit_code == 0 and sandbox_row(root, troll)["hidden"] == 1
    assert sandbox_row(root, customer)["hidden"] == 0


def test_a_command_acts_on_the_issue_as_the_moderator_saw_it(repo, tmp_path):
    """The event carries the issue text the moderator read: `/block` written when it held one comment acts on
    that comment, even when the thread grew before the workflow ran."""
    root, now = repo
    _, seen, troll, _ = thread_issue(root, now)
    event = {"issue": {"number": seen["number"], "body": seen["body"], "labels": [{"name": "socialops"}]},
             "comment": {"id": 555, "body": "/block", "user": {"login": "liisa-mod", "type": "User"}}}
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    result = moderate(root, "--event", str(path), "--now", (now + dt.timedelta(hours=1)).isoformat(), "--no-push")
    assert result.exit_code == 0, result.stderr
    assert blocked(root) == {"u-sec-troll"} and sandbox_row(root, troll)["author_id"] == "u-sec-troll"


def test_delete_removes_the_comments_text_from_the_issue(repo):
    """Finding 7: the issue is where a comment's words live; when the comment is deleted, they go."""
    root, now = repo
    issue, _, troll, customer = thread_issue(root, now)
    assert ABUSE in issue["body"] and QUESTION in issue["body"]
    result = moderate(root, "--issue", str(issue["number"]), "--as", "liisa-mod", "--command", "/delete 1",
                      "--now", (now + dt.timedelta(hours=1)).isoformat(), "--no-push")
    assert result.exit_code == 0, result.stderr
    after = reread(root, issue)
    assert sandbox_row(root, troll)["deleted"] == 1 and sandbox_row(root, customer)["deleted"] == 0
    assert ABUSE not in after["body"] and QUESTION in after["body"]
    assert "The text of comment 1 was removed here" in after["body"]
    assert "text was removed from this issue" in after["comments"][-1]
    assert [c.redacted for c in issue_comments(after["body"])] == [True, False]
    # the other comment can still be acted on, and its quote removed in turn
    again = moderate(root, "--issue", str(issue["number"]), "--as", "liisa-mod", "--command", "/delete 2",
                     "--now", (now + dt.timedelta(hours=1)).isoformat(), "--no-push")
    assert again.exit_code == 0 and QUESTION not in reread(root, issue)["body"]
    assert reread(root, issue)["state"] == "closed"


HOSTILE_NAMES = {"Visit http://scam.example now @everyone": "Kiitos Visit now, ",
                 "Visit scam.example now ＠everyone #win": "Kiitos Visit now, ",
                 "[click](https://evil.example) <b>Aino</b>": "Kiitos Aino, ",
                 "scam\u200b.example\u202e": "Kiitos, ", "@@@ ### :// www.x.fi": "Kiitos, "}


@pytest.mark.parametrize("name,start", HOSTILE_NAMES.items())
def test_a_saved_reply_puts_no_link_or_mention_of_the_commenter_in_the_brands_reply(repo, name, start):
    """Finding 3: `{name}` in a saved reply made the brand publish the commenter's link and mention."""
    from socialops.networks.bluesky.facets import build_facets
    from socialops.tracker.outbox import OutboxTracker
    from tests.comments_support import add_comment

    root, now = repo
    cid = add_comment(root, "kahvila-facebook", "sec-name", QUESTION, at=now + dt.timedelta(minutes=1), name=name)
    run_comments(root, now=now + dt.timedelta(minutes=10), tracker=OutboxTracker(root), push=False)
    issue = next(i for i in outbox(root) if any(c.comment.id == cid for c in issue_comments(i["body"])))
    result = moderate(root, "--issue", str(issue["number"]), "--as", "liisa-mod", "--command", "/reply 1 @kiitos",
                      "--now", (now + dt.timedelta(hours=1)).isoformat(), "--no-push")
    assert result.exit_code == 0, result.stderr
    conn = sqlite3.connect(root / ".socialops" / "sandbox.sqlite")
    (text,) = conn.execute("SELECT text FROM audience_comments WHERE parent_id = ? AND own = 1", (cid,)).fetchone()
    conn.close()
    for bad in ("://", "@", "＠", "#", "scam.example", "evil", "www", "<", "[", "\u200b", "\u202e"):
        assert bad not in text, (bad, text)
    assert text.startswith(start) and "ilahduit meidät" in text  # the name as plain words, or left out
    assert build_facets(text, resolve=lambda handle: "did:plc:someone") == []  # no link, mention or tag on Bluesky


def test_a_strangers_commands_write_nothing_and_are_answered_once(repo, tmp_path):
    """Finding 4: a refused command committed a refusal line, so strangers could keep main moving."""
    from socialops.repository.git import git

    root, now = repo
    issue = issue_for(root, "kahvila-facebook")
    head = git(root, "rev-parse", "HEAD").stdout
    for _ in range(3):
        refused = moderate(root, "--issue", str(issue["number"]), "--as", "stranger", "--command", "/delete",
                           "--now", now.isoformat(), "--no-push")
        assert refused.exit_code == 1 and "refused" in refused.stderr
    assert git(root, "rev-parse", "HEAD").stdout == head and not (root / "state" / "moderation.csv").exists()
    after = reread(root, issue)
    assert sum("nothing was done" in c for c in after["comments"]) == 1 and "command-refused" in after["labels"]
    assert sandbox_row(root, comment_id_of(root, issue))["deleted"] == 0
    # an issue without the socialops label is none of moderate's business, whoever writes
    event = {"issue": {"number": issue["number"], "body": issue["body"], "labels": [{"name": "question"}]},
             "comment": {"id": 9, "body": "/delete", "user": {"login": "liisa-mod", "type": "User"}}}
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    ignored = moderate(root, "--event", str(path), "--now", now.isoformat(), "--no-push")
    assert ignored.exit_code == 0 and "no 'socialops' label" in ignored.stderr
    assert sandbox_row(root, comment_id_of(root, issue))["deleted"] == 0
    assert git(root, "rev-parse", "HEAD").stdout == head


def test_an_issue_opened_before_the_change_is_still_moderated_from_the_old_seen_lines(repo):
    """Migration: issues opened by the first format have no data line; their comment's record is in the
    seen-log's old lines, which are still read."""
    from socialops.state.comments import LEGACY_COMMENT_FIELDS, CsvLog

    root, now = repo
    issue = issue_for(root, "kahvila-facebook")
    (named,) = issue_comments(issue["body"])
    path = root / ".socialops" / "outbox" / "issues" / f"{issue['key']}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["body"].startswith("<!-- socialops:comments=")
    data["body"] = data["body"].split("\n", 1)[1]  # as issues were: no data line
    path.write_text(json.dumps(data), encoding="utf-8")
    CsvLog(root, "state/comments.csv", LEGACY_COMMENT_FIELDS).append([{
        "time": now, "profile": "kahvila-facebook", "network": "sandbox", "post_id": "x",
        "comment_id": named.comment.id, "event": "seen", "category": "abusive", "issue": issue["key"],
        "data": {"comment": named.comment.record(), "issue_number": issue["number"]}}])
    result = moderate(root, "--issue", str(issue["number"]), "--as", "liisa-mod", "--command", "/hide",
                      "--now", now.isoformat(), "--no-push")
    assert result.exit_code == 0, result.stderr
    assert sandbox_row(root, named.comment.id)["hidden"] == 1


def test_an_action_done_on_the_network_is_recorded_even_when_github_then_fails(repo, monkeypatch):
    """Issue 15, finding 8: after the network hid the comment, GitHub answers 5xx to the issue update; the
    action is still recorded and committed (it must never be done twice), and the run says it failed."""
    from socialops.errors import TrackerError
    from socialops.repository.git import git

    root, now = repo
    issue = issue_for(root, "kahvila-facebook")

    def github_down(self, *args, **kwargs):
        raise TrackerError("GitHub answered 502 Bad Gateway")

    monkeypatch.setattr(OutboxTracker, "add_labels", github_down)
    result = moderate(root, "--issue", str(issue["number"]), "--as", "liisa-mod", "--command", "/hide",
                      "--now", now.isoformat(), "--no-push")
    assert result.exit_code == 1
    assert "done and recorded" in result.stderr and "502" in result.stderr
    assert sandbox_row(root, comment_id_of(root, issue))["hidden"] == 1
    row = moderation_log(root).rows()[-1]
    assert (row["action"], row["result"]) == ("hide", "done")
    assert "state/moderation.csv" in git(root, "show", "--name-only", "HEAD").stdout
