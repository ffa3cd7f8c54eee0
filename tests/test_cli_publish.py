"""`socialops publish` on the command line: the table on stdout (on stderr beside JSON), exit codes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from socialops.cli import main
from socialops.networks.sandbox.store import sandbox_posts
from socialops.state.publications import PUBLICATIONS
from tests.publish_support import git, git_init, make_repo, write_post


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root = make_repo(tmp_path / "repo")
    write_post(root, "one", profiles=["sandbox-a", "sandbox-b"], at="2026-12-01 09:00")
    write_post(root, "two", profiles=["sandbox-a"], at="2026-12-01 10:00")
    git_init(root)
    monkeypatch.setenv("SOCIALOPS_SANDBOX", str(tmp_path / "box.sqlite"))
    monkeypatch.delenv("SOCIALOPS_SANDBOX_FAULTS", raising=False)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    return root


def invoke(root, *args):
    return CliRunner().invoke(main, ["--repo", str(root), "publish", *args], catch_exceptions=False)


def test_table_on_stdout_and_exit_0(repo, tmp_path):
    result = invoke(repo, "--now", "2026-12-01 09:30")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # one stream: `publish | less` shows the table
    assert "POST" in result.stdout and "one" in result.stdout and "published" in result.stdout
    assert "2 published" in result.stdout
    assert len(sandbox_posts(tmp_path / "box.sqlite")) == 2
    assert git(repo, "log", "-1", "--format=%s").startswith("publish: ")


def test_json_output(repo):
    result = invoke(repo, "--now", "2026-12-01 10:05", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["failed"] is False and data["dry_run"] is False
    assert data["counts"] == {"published": 3}
    row = data["pairs"][0]
    assert {"post_id", "profile", "status", "due", "url", "remote_id"} <= set(row)
    assert row["due"].startswith("2026-12-01T09:00:00+02:00")


def test_dry_run_changes_nothing(repo, tmp_path):
    head = git(repo, "rev-parse", "HEAD")
    result = invoke(repo, "--now", "2026-12-01 10:05", "--dry-run", "--format", "json")
    assert result.exit_code == 0
    assert {p["status"] for p in json.loads(result.stdout)["pairs"]} == {"would publish"}
    assert git(repo, "rev-parse", "HEAD") == head and not (repo / PUBLICATIONS).exists()
    assert sandbox_posts(tmp_path / "box.sqlite") == []


def test_profile_option(repo):
    result = invoke(repo, "--now", "2026-12-01 10:05", "--profile", "sandbox-b", "--format", "json")
    assert [(p["post_id"], p["profile"]) for p in json.loads(result.stdout)["pairs"]] == [("one", "sandbox-b")]
    unknown = CliRunner().invoke(main, ["--repo", str(repo), "publish", "--profile", "nope"])
    assert unknown.exit_code == 2 and "nope" in unknown.stderr


def test_failure_exits_1_and_names_the_reason(repo, monkeypatch):
    monkeypatch.setenv("SOCIALOPS_SANDBOX_FAULTS", "permanent@two")
    result = invoke(repo, "--now", "2026-12-01 10:05")
    assert result.exit_code == 1
    assert "failed" in result.stdout and "refused" in result.stdout
    assert (repo / ".socialops/outbox/issues/publish-failed--two--sandbox-a.json").exists()


def test_bad_now_is_a_usage_error(repo):
    result = CliRunner().invoke(main, ["--repo", str(repo), "publish", "--now", "tomorrow"])
    assert result.exit_code == 2 and "--now" in result.stderr


def test_nothing_due(repo):
    result = invoke(repo, "--now", "2026-11-01 09:00")
    assert result.exit_code == 0 and "Nothing due" in result.stdout
