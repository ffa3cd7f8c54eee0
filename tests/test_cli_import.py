"""`socialops import`: nothing written while a row is invalid; --dry-run, --skip-invalid; the posts on a new local
branch (no GitHub), or as one pull request against the GitHub stand-in."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from socialops.cli import main
from socialops.repository.posts import parse_post
from socialops.validate.engine import validate_repository
from tests.github_standin import GitHubStandin
from tests.helpers import git_init, image, make_repo

TOKEN = "ghs_import_token_0123456789"
NOW = "2026-11-26 10:00"
GOOD = ("date,time,profiles,text,media,alt,pillar\n"
        "2026-12-03,09:00,cafe-masto,Joulutori avataan!,tori.jpg,Tori,events\n"
        "2026-12-04,09:00,\"cafe-masto, cafe-bsky\",Pullat uunista,,,menu\n")
BAD_ROW = "2026-12-05,25:00,cafe-masto,Hei,,,menu\n"


@pytest.fixture
def repo(tmp_path) -> Path:
    root = make_repo(tmp_path / "repo")
    image(root / "content" / "media" / "tori.jpg")
    git_init(root)
    return root


def run(root: Path, *args: str, env: dict | None = None):
    return CliRunner().invoke(main, ["--repo", str(root), "import", *args, "--now", NOW],
                              env={"GITHUB_TOKEN": "", **(env or {})}, catch_exceptions=False)


def sheet(tmp_path: Path, text: str, name: str = "joulukuu.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def test_one_invalid_row_writes_nothing(tmp_path, repo):
    done = run(repo, sheet(tmp_path, GOOD + BAD_ROW))
    assert done.exit_code == 1
    assert "joulukuu.csv: row 4, column 'time': error: '25:00' is not a time of day" in done.stdout
    assert "1 row of 3 invalid: nothing imported" in done.stderr
    assert "import/joulukuu" not in git(repo, "branch") and not list((repo / "content").glob("2026"))


def test_dry_run_shows_what_would_be_written(tmp_path, repo):
    done = run(repo, sheet(tmp_path, GOOD), "--dry-run")
    assert done.exit_code == 0
    assert done.stdout.splitlines() == ["would write content/2026/12/joulutori-avataan.md (row 2)",
                                        "would write content/2026/12/pullat-uunista.md (row 3)"]
    assert "import/joulukuu" not in git(repo, "branch")


def test_without_github_the_posts_go_on_a_new_local_branch(tmp_path, repo):
    (repo / "notes.txt").write_text("unsaved work\n")  # the work tree is left as it is
    done = run(repo, sheet(tmp_path, GOOD))
    assert done.exit_code == 0, done.output
    assert "committed 2 posts to the new local branch import/joulukuu" in done.stderr
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    assert not (repo / "content" / "2026").exists() and (repo / "notes.txt").exists()
    files = git(repo, "ls-tree", "-r", "--name-only", "import/joulukuu", "content/2026").split()
    assert files == ["content/2026/12/joulutori-avataan.md", "content/2026/12/pullat-uunista.md"]
    assert git(repo, "log", "-1", "--format=%s", "import/joulukuu").strip() == "Import 2 posts from joulukuu.csv"
    git(repo, "switch", "-q", "import/joulukuu")
    assert validate_repository(repo, use_cache=False).errors == 0
    git(repo, "switch", "-q", "main")
    again = run(repo, sheet(tmp_path, GOOD))  # the branch exists: never overwritten
    assert again.exit_code == 2 and "the branch import/joulukuu exists already" in again.stderr
    assert run(repo, sheet(tmp_path, GOOD), "--branch", "import/second").exit_code == 0


def test_skip_invalid_imports_the_valid_rows_and_lists_the_others(tmp_path, repo):
    done = run(repo, sheet(tmp_path, GOOD + BAD_ROW), "--skip-invalid", "--format", "json")
    assert done.exit_code == 0
    out = json.loads(done.stdout)  # only JSON on standard output
    assert out["invalid_rows"] == [4] and [p["row"] for p in out["posts"]] == [2, 3]
    assert out["delivery"]["how"] == "branch" and out["written"] is True
    assert out["problems"][0] == {"row": 4, "column": "time", "severity": "error", "code": "import",
                                  "message": "'25:00' is not a time of day; write it as HH:MM (09:30), 24-hour"}
    body = git(repo, "log", "-1", "--format=%b", "import/joulukuu")
    assert "Left out because they are invalid (`--skip-invalid`): rows 4." in body


def test_outside_git_the_files_are_written(tmp_path):
    root = make_repo(tmp_path / "plain")
    done = run(root, sheet(tmp_path, GOOD.replace("tori.jpg,Tori", ",")))
    assert done.exit_code == 0 and "not a git repository: wrote 2 posts into content/" in done.stderr
    post = parse_post((root / "content/2026/12/pullat-uunista.md").read_text(), "x.md")
    assert post.profiles == ["cafe-masto", "cafe-bsky"] and post.status == "ready"


def test_a_file_that_cannot_be_read_is_one_clean_message(tmp_path, repo):
    path = tmp_path / "cal.csv"
    path.write_bytes(b"date,text\n\x00\x01")
    done = run(repo, str(path))
    assert done.exit_code == 1 and done.stderr.startswith("socialops: cal.csv:2: the file holds NUL bytes")
    assert "Traceback" not in done.output


def test_one_pull_request_against_the_github_stand_in(tmp_path, repo, monkeypatch):
    monkeypatch.setattr("socialops.tracker.proposals.TREE_CHUNK", 2)  # 3 files: two tree requests
    with GitHubStandin(token=TOKEN, integration=True) as server:
        server.add_file("schedule.yaml", (repo / "schedule.yaml").read_text())
        env = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": server.full_name, "GITHUB_API_URL": server.base_url}
        done = run(repo, sheet(tmp_path, GOOD + "2026-12-09,09:00,cafe-masto,=HYPERLINK(\"x\"),,,menu\n"),
                   "--skip-invalid", env=env)
        assert done.exit_code == 0, done.output
        (pull,) = server.pulls()
        assert pull["_head_ref"] == "import/joulukuu" and pull["_base_ref"] == "main"
        assert pull["title"] == "Import 3 posts from joulukuu.csv" and "| 2 | `content/2026/12/joulutori-avataan.md` |" \
            in pull["body"]
        text = server.file("content/2026/12/joulutori-avataan.md", branch="import/joulukuu")
        assert parse_post(text, "x.md").raw["media"] == [{"path": "content/media/tori.jpg", "alt": "Tori"}]
        formula = server.file("content/2026/12/hyperlink-x.md", branch="import/joulukuu")
        assert parse_post(formula, "x.md").body == '=HYPERLINK("x")\n'  # text, as written
        assert server.file("content/2026/12/joulutori-avataan.md") is None  # main changes only with the merge
        assert f"pull request created: {pull['html_url']}" in done.stderr and TOKEN not in done.output
        # one commit for all the files (the Git Data API), not a commit per file
        ops = [r.op_id for r in server.requests()]
        assert ops.count("git/create-tree") == 2 and ops.count("git/create-commit") == 1
        assert "repos/create-or-update-file-contents" not in ops
        again = run(repo, sheet(tmp_path, GOOD), env=env)  # the same file again: the same pull request
        assert again.exit_code == 0 and len(server.pulls()) == 1 and "pull request updated" in again.stderr


def test_an_unknown_brand_is_a_usage_error(tmp_path, repo):
    done = run(repo, sheet(tmp_path, GOOD), "--brand", "acme")
    assert done.exit_code == 2 and "--brand: no brand acme" in done.stderr
