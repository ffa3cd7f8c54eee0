"""The digest of issue 17, end to end on the sandbox network: every comment a run reads reaches a person --
in an issue of its own, or as a numbered line in the profile's digest of the day, where /reply, /hide and
/flag act on it like in any other issue."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from click.testing import CliRunner

from socialops.cli import main
from socialops.community.digest import digest_comments, digest_entries, digest_key
from socialops.community.fetch import run_comments
from socialops.community.issues import issue_comments
from socialops.state.comments import comments_log, keyed_hash, moderation_log, state_keys
from socialops.tracker.outbox import OutboxTracker
from tests.comments_support import add_comment, outbox, published_repo

MODS = "roles:\n  moderators: ['@liisa-mod']\nmoderation:\n  hide: [spam]\n"
PROFILE = "kahvila-facebook"


@pytest.fixture(scope="module")
def digested(tmp_path_factory):
    root, env, now = published_repo(tmp_path_factory.mktemp("digest"), days=2, extra=MODS)
    add_comment(root, PROFILE, "praise", "Paras kahvila ikinä, kiitos! ☕", at=now - dt.timedelta(hours=1))
    add_comment(root, PROFILE, "cheers", "Kiitos ihanasta illasta 😍", at=now - dt.timedelta(minutes=55))
    add_comment(root, PROFILE, "hours", "Oletteko auki jouluaattona?", at=now - dt.timedelta(minutes=50))
    result = run_comments(root, now=now, env=env, tracker=OutboxTracker(root), push=False)
    assert not result.errors and result.digests
    return root, env, now, result


@pytest.fixture
def repo(digested, tmp_path, monkeypatch):
    import shutil

    base, env, now, result = digested
    root = tmp_path / "copy"
    shutil.copytree(base, root, symlinks=True)
    monkeypatch.setenv("SOCIALOPS_SANDBOX", str(root / ".socialops" / "sandbox.sqlite"))
    for name in ("GITHUB_TOKEN", "GITHUB_REPOSITORY", "GITHUB_EVENT_PATH"):
        monkeypatch.delenv(name, raising=False)
    return root, {**env, "SOCIALOPS_SANDBOX": str(root / ".socialops" / "sandbox.sqlite")}, now, result


def digest_of(root, now) -> dict:
    return next(i for i in outbox(root) if i["key"] == digest_key(PROFILE, now.date()))


def moderate(root, now, number: int, command: str):
    return CliRunner().invoke(main, ["--repo", str(root), "moderate", "--issue", str(number), "--as", "liisa-mod",
                                     "--command", command, "--now", now.isoformat(), "--no-push"],
                              catch_exceptions=False)


def sandbox(root) -> sqlite3.Connection:
    conn = sqlite3.connect(root / ".socialops" / "sandbox.sqlite")
    conn.row_factory = sqlite3.Row
    return conn


def test_every_comment_is_in_an_issue_or_a_numbered_digest_line(digested):
    root, env, now, result = digested
    assert result.new and all(f.issue for f in result.new)  # nothing silently dropped
    unflagged = [f for f in result.new if not f.decision.flagged]
    assert unflagged and {f.issue for f in unflagged} == set(result.digests)
    for key in result.digests:
        digest = next(i for i in outbox(root) if i["key"] == key)
        listed = {c.comment.id: c for c in digest_comments(digest["body"])}
        mine = [f for f in result.new if f.issue == key]
        assert set(listed) == {f.comment.id for f in mine}
        assert sorted(c.number for c in listed.values()) == list(range(1, len(mine) + 1))
        assert not issue_comments(digest["body"])  # never taken for a thread's issue
        for f in mine:  # one line each: category, number, link; no name and no text
            line = next(x for x in digest["body"].splitlines() if f"#comment-{f.comment.id})" in x)
            assert line.startswith(f"- {f.decision.category} (") and f"comment {listed[f.comment.id].number}**" in line
            assert f.comment.text not in digest["body"] and (f.comment.author_name or "§") not in line
        assert "digest" in digest["labels"] and "socialops" in digest["labels"]
        assert "`/flag N`" in digest["body"] and "`/reply N Your answer`" in digest["body"]
    rows = comments_log(root).rows()
    assert {r["issue"] for r in rows if r["action"] == "digest"} == set(result.digests)


def test_praise_is_answered_from_the_digest_and_a_later_run_adds_numbered_lines(repo):
    root, env, now, result = repo
    digest = digest_of(root, now)
    praise = next(c for c in digest_comments(digest["body"]) if c.category == "other")
    done = moderate(root, now, digest["number"], f"/reply {praise.number} Kiitos paljon!")
    assert done.exit_code == 0, done.output
    conn = sandbox(root)
    replies = conn.execute("SELECT text FROM audience_comments WHERE parent_id = ? AND own = 1",
                           (praise.comment.id,)).fetchall()
    conn.close()
    assert [r["text"] for r in replies] == ["Kiitos paljon!"]
    after = digest_of(root, now)
    assert after["state"] == "open" and "Replied" in after["comments"][-1]  # closed once all are handled
    rows = moderation_log(root).rows()
    assert (rows[-1]["action"], rows[-1]["result"], rows[-1]["issue"]) == ("reply", "done", digest["key"])

    # a later run of the same day: new comments that are not flagged get the next numbers in the same digest
    before = len(digest_comments(after["body"]))
    later = now + dt.timedelta(hours=1)
    add_comment(root, PROFILE, "late-praise", "Ihana kahvila, kiitos!", at=later - dt.timedelta(minutes=5))
    again = run_comments(root, now=later, env=env, tracker=OutboxTracker(root), push=False)
    assert [f.issue for f in again.new] == [digest["key"]]
    grown = digest_of(root, now)
    numbers = {c.comment.id: c.number for c in digest_comments(grown["body"])}
    assert numbers["late-praise"] == before + 1 and len(numbers) == before + 1
    assert f"comments {before + 1} to {before + 1}" in grown["comments"][-1]
    # the next day, a new digest
    tomorrow = now + dt.timedelta(days=1)
    add_comment(root, PROFILE, "next-day", "Hyvää huomenta!", at=tomorrow - dt.timedelta(minutes=5))
    third = run_comments(root, now=tomorrow, env=env, tracker=OutboxTracker(root), push=False)
    assert [f.issue for f in third.new] == [digest_key(PROFILE, tomorrow.date())]


def test_hide_and_flag_from_the_digest(repo):
    root, env, now, result = repo
    later = now + dt.timedelta(minutes=30)
    add_comment(root, PROFILE, "meh", "Ihan ok kahvia.", at=later - dt.timedelta(minutes=5))
    run_comments(root, now=later, env=env, tracker=OutboxTracker(root), push=False)
    digest = digest_of(root, now)
    target = next(c for c in digest_comments(digest["body"]) if c.comment.id == "meh")
    hidden = moderate(root, now, digest["number"], f"/hide {target.number}")
    assert hidden.exit_code == 0, hidden.output
    conn = sandbox(root)
    assert conn.execute("SELECT hidden FROM audience_comments WHERE id = 'meh'").fetchone()["hidden"] == 1
    conn.close()

    flagged = moderate(root, now, digest["number"], f"/flag {target.number}")
    assert flagged.exit_code == 0, flagged.output
    key = digest_entries(digest["body"])[target.number - 1]
    assert key["post_id"]
    own = [i for i in outbox(root) if any(c.comment.id == "meh" for c in issue_comments(i["body"]))]
    assert len(own) == 1 and "digest" not in own[0]["labels"]
    assert "```text\nIhan ok kahvia.\n```" in own[0]["body"] and "listed in the digest; flagged by @" in own[0]["body"]
    assert f"issue #{own[0]['number']}" in digest_of(root, now)["comments"][-1]
    rows = [r for r in moderation_log(root).rows() if r["action"] == "flag"]
    assert [(r["result"], r["detail"]) for r in rows] == [("done", own[0]["key"])]
    assert rows[0]["comment"] == keyed_hash(state_keys(env, PROFILE)[0], "meh")
    # the new issue works as any other: /reply there answers the comment
    answered = moderate(root, now, own[0]["number"], "/reply Kiitos palautteesta!")
    assert answered.exit_code == 0, answered.output
    # and a later flagged reply in the same thread joins that issue with the next number
    add_comment(root, PROFILE, "meh-2", "Miksi kahvi on taas kylmää?", parent="meh", at=later + dt.timedelta(minutes=1))
    run_comments(root, now=later + dt.timedelta(minutes=30), env=env, tracker=OutboxTracker(root), push=False)
    thread = next(i for i in outbox(root) if i["key"] == own[0]["key"])
    assert [c.comment.id for c in issue_comments(thread["body"])] == ["meh", "meh-2"]
    # /flag again names the same issue; /flag in a thread's issue is refused
    assert moderate(root, now, digest["number"], f"/flag {target.number}").exit_code == 0
    assert len([i for i in outbox(root) if any(c.comment.id == "meh" for c in issue_comments(i["body"]))]) == 1
    refused = moderate(root, now, own[0]["number"], "/flag 1")
    assert "works in a digest of comments only" in next(i for i in outbox(root)
                                                        if i["key"] == own[0]["key"])["comments"][-1]
    assert refused.exit_code == 0


def test_a_digest_past_one_issue_body_goes_on_in_its_comments(repo):
    """More lines than one issue body holds: the first are numbered in the body, the rest listed (unnumbered)
    in comments of the same issue; none is dropped."""
    root, env, now, result = repo
    later = now + dt.timedelta(hours=2)
    ids = [add_comment(root, PROFILE, f"fan-{i:03d}-" + "x" * 60, f"Ihana paikka {i}",
                       at=later - dt.timedelta(minutes=30, seconds=i)) for i in range(400)]
    run_comments(root, now=later, env=env, tracker=OutboxTracker(root), push=False)
    digest = digest_of(root, now)
    numbered = {c.comment.id for c in digest_comments(digest["body"])}
    rest = "".join(digest["comments"])
    assert len(digest["body"]) <= 65536 and numbered & set(ids)
    assert all((cid in numbered) != (f"#comment-{cid})" in rest) for cid in ids)
    assert "past what the issue text can hold" in rest
