"""repository/git.py: pushing the workflows' own commits without leaving the token in .git/config."""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path

from socialops.repository.git import commit_paths, push_with_retry, remote_auth_env

TOKEN = "ghs_push_token_0123456789abcdef"
ACTIONS = {"GITHUB_ACTIONS": "true", "GITHUB_TOKEN": TOKEN, "GITHUB_SERVER_URL": "https://github.com"}
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}


def run(cwd: Path, *args: str, env: dict | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV, **(env or {})}).stdout


def clone_with_bare_origin(tmp_path: Path) -> Path:
    origin, repo = tmp_path / "origin.git", tmp_path / "repo"
    run(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    run(tmp_path, "clone", "-q", str(origin), str(repo))
    run(repo, "checkout", "-q", "-b", "main")
    (repo / "state").mkdir()
    (repo / "state/ledger.csv").write_text("a\n")
    run(repo, "add", "-A")
    run(repo, "commit", "-qm", "start")
    run(repo, "push", "-q", "-u", "origin", "main")
    return repo


def test_push_leaves_no_token_in_the_git_config(tmp_path, monkeypatch):
    """Finding 6: a job that publishes checks out without persisted credentials; the push gets the token for
    that one command, so .git/config (which a media symlink once uploaded) never holds it."""
    repo = clone_with_bare_origin(tmp_path)
    for name, value in {**ACTIONS, **GIT_ENV}.items():
        monkeypatch.setenv(name, value)
    (repo / "state/ledger.csv").write_text("a\nb\n")
    assert commit_paths(repo, ["state/ledger.csv"], "publish: record") is True
    assert push_with_retry(repo, sleep=lambda _: None) is True
    assert run(tmp_path / "origin.git", "show", "main:state/ledger.csv") == "a\nb\n"
    basic = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    config = (repo / ".git/config").read_text()
    assert TOKEN not in config and basic not in config and "extraheader" not in config
    assert not list((repo / ".git").rglob("*credential*"))


def test_the_token_is_offered_to_the_github_server_only(tmp_path):
    repo = clone_with_bare_origin(tmp_path)
    env = remote_auth_env(ACTIONS)
    basic = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    header = run(repo, "config", "--get-urlmatch", "http.extraheader", "https://github.com/acme/social", env=env)
    assert header.strip() == f"AUTHORIZATION: basic {basic}"
    other = subprocess.run(["git", "config", "--get-urlmatch", "http.extraheader", "https://evil.example/x"],
                           cwd=repo, capture_output=True, text=True, env={**os.environ, **env})
    assert other.returncode == 1 and other.stdout == ""
    assert TOKEN not in " ".join(env)  # in values only, never a key (or a command line)


def test_no_token_outside_actions_and_settings_passed_the_same_way_are_kept():
    assert remote_auth_env({"GITHUB_TOKEN": TOKEN}) == {}  # a laptop: git's own credentials
    assert remote_auth_env({"GITHUB_ACTIONS": "true"}) == {}
    env = remote_auth_env({**ACTIONS, "GIT_CONFIG_COUNT": "1", "GITHUB_SERVER_URL": "https://ghe.example/"})
    assert env["GIT_CONFIG_COUNT"] == "2" and env["GIT_CONFIG_KEY_1"] == "http.https://ghe.example/.extraheader"
    assert "GIT_CONFIG_KEY_0" not in env
