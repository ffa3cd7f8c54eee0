"""`socialops post-figures`: a post's figures on the merged pull request that added it, after 24 hours and after 7
days -- one comment, updated, never duplicated (end to end: a real git repository and the GitHub stand-in)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from click.testing import CliRunner

from socialops.cli import main
from socialops.metrics import tables
from socialops.tracker.markers import sticky_marker
from tests.github_standin import GitHubStandin
from tests.helpers import git_init, make_repo, write

TOKEN = "ghs_post_figures_token_0123456789"
PUBLISHED = "2026-12-10T08:00:00Z"


def post_file(root: Path, post_id: str) -> None:
    write(root / f"content/2026/12/{post_id}.md", f"""
        ---
        id: {post_id}
        profiles: [cafe-masto, cafe-bsky]
        publish_at: 2026-12-10 10:00
        ---
        {post_id}
        """)


def commit(root: Path, message: str) -> str:
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "commit", "-qm", message], cwd=root, check=True)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, check=True, capture_output=True,
                          text=True).stdout.strip()


def figures(root: Path, post_id: str, likes: int, at: str = PUBLISHED) -> None:
    tables.upsert(root, tables.Fragment(posts=[
        {"profile": pid, "post_id": post_id, "network": "sandbox", "type": "text", "published_at": at,
         "status": "live", "reach": "1000", "likes": str(likes), "url": f"https://x.example/{pid}/{post_id}",
         "updated": "2026-12-11"} for pid in ("cafe-masto", "cafe-bsky")]))


def run(root: Path, server: GitHubStandin, now: str):
    env = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": server.full_name, "GITHUB_API_URL": server.base_url}
    done = CliRunner().invoke(main, ["--repo", str(root), "post-figures", "--now", now, "--format", "json"], env=env)
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


def test_one_comment_at_24_hours_updated_at_7_days_never_duplicated(tmp_path):
    root = make_repo(tmp_path / "repo")
    git_init(root)
    post_file(root, "latte")
    sha = commit(root, "Post: latte (#1)")
    post_file(root, "pushed")  # came without a pull request
    commit(root, "a post pushed to main")
    for n, likes in enumerate((10, 20, 30)):  # earlier posts: the profiles' median engagement is 20
        figures(root, f"old{n}", likes, at=f"2026-11-0{n + 1}T08:00:00Z")
    figures(root, "latte", 40)
    figures(root, "pushed", 5)
    with GitHubStandin(token=TOKEN, integration=True) as server:
        pr = server.add_merged_pull_request("Post: latte", sha)
        assert run(root, server, "2026-12-10 20:00") == []  # not 24 hours yet
        first = run(root, server, "2026-12-11 12:00")
        assert first == [{"post_id": "latte", "pull_request": pr["number"], "result": "created"}]
        assert run(root, server, "2026-12-11 18:00")[0]["result"] == "unchanged"
        figures(root, "latte", 60)
        assert run(root, server, "2026-12-17 11:00")[0]["result"] == "updated"  # after 7 days
        mine = [c for c in server.comments.values() if c["_issue"] == pr["number"]]
        assert len(mine) == 1 and mine[0]["body"].startswith(sticky_marker("figures-latte"))
        body = mine[0]["body"]
        assert "after 7 days" in body and "| cafe-masto | 1000 | 60 | +200 % | 6.00 % | +200 % |" in body
        assert run(root, server, "2026-12-19 11:00") == []  # older than 8 days: its comment keeps the 7-day figures
