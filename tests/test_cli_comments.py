"""`socialops comments`: exit codes, what reaches the log (never a comment's text), --dry-run, --format json."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from socialops.cli import main
from tests.comments_support import outbox, published_repo, sample_texts


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root, env, now = published_repo(tmp_path, extra="moderation:\n  hide: [abusive]\n")
    monkeypatch.setenv("SOCIALOPS_SANDBOX", env["SOCIALOPS_SANDBOX"])
    for name in ("GITHUB_TOKEN", "GITHUB_REPOSITORY", "GITHUB_EVENT_PATH"):
        monkeypatch.delenv(name, raising=False)
    return root, now


def run(root, *args):
    return CliRunner().invoke(main, ["--repo", str(root), "comments", *args], catch_exceptions=False)


def test_comments_opens_issues_and_logs_no_comment_text(repo):
    root, now = repo
    result = run(root, "--now", now.isoformat(), "--no-push")
    assert result.exit_code == 0, result.output
    assert "posts checked" in result.stdout and "issues opened" in result.stdout
    assert outbox(root)
    output = result.stdout + result.stderr
    for text in sample_texts():
        assert text not in output
    assert "::" not in output  # no workflow command can reach the log
    assert "Angry Guy" not in output and "everyone" not in output  # nor authors' names
    assert (root / "state" / "comments.csv").is_file()
    again = run(root, "--now", now.isoformat(), "--no-push")
    assert again.exit_code == 0 and "0 new comments" in again.stdout


def test_dry_run_and_json(repo):
    root, now = repo
    result = run(root, "--now", now.isoformat(), "--dry-run", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["dry_run"] and data["new"] and data["issues_opened"] == []
    assert {"profile", "comment_id", "category", "confidence", "reason", "hidden"} <= set(data["new"][0])
    assert "would flag" in result.stderr and "dry run" in result.stderr
    assert not (root / "state" / "comments.csv").exists()
    assert not (root / ".socialops/outbox/issues").exists() or not outbox(root)


def test_only_one_profile_and_unknown_profile(repo):
    root, now = repo
    result = run(root, "--now", now.isoformat(), "--no-push", "--profile", "kahvila-bluesky", "--format", "json")
    assert result.exit_code == 0
    assert {n["profile"] for n in json.loads(result.stdout)["new"]} == {"kahvila-bluesky"}
    bad = run(root, "--profile", "nope")
    assert bad.exit_code == 2 and "no profile file for nope" in bad.stderr


def test_a_failing_network_exits_1(repo, monkeypatch):
    root, now = repo
    (root / "profiles" / "broken.yaml").write_text(
        "id: broken\nnetwork: mastodon\ninstance: http://127.0.0.1:9\ntoken_env: BROKEN_TOKEN\n", encoding="utf-8")
    from socialops.state.publications import Event, Ledger

    Ledger(root).append([Event(time=now, post_id="joulumenu", profile="broken", event="published", remote_id="1")])
    monkeypatch.setenv("BROKEN_TOKEN", "tok-value-123")
    result = run(root, "--now", now.isoformat(), "--no-push")
    assert result.exit_code == 1
    assert "broken:" in result.stderr and "tok-value-123" not in result.stderr
