"""`socialops pr-comment` and `socialops issue-post`: what review-comment.yml and new-post.yml run."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import cmarkgfm
import pytest
from click.testing import CliRunner
from cmarkgfm.cmark import Options

from socialops.cli import main
from socialops.content.issue_form import error_comment
from socialops.repository.posts import load_post
from socialops.tracker.markers import sticky_marker
from tests.github_standin import GitHubStandin

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "ghs_review_comment_token_0123456789"
HEAD = "a" * 40
RUN_URL = "https://github.com/acme/social/actions/runs/1"


@pytest.fixture
def bot_gh():
    """Like the Actions GITHUB_TOKEN: GET /user is refused, the actor is github-actions[bot]."""
    with GitHubStandin(token=TOKEN, integration=True) as server:
        yield server


def _example_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / ".github").mkdir(parents=True)
    shutil.copytree(ROOT / "profiles", repo / "profiles")
    shutil.copytree(ROOT / ".github/ISSUE_TEMPLATE", repo / ".github/ISSUE_TEMPLATE")
    shutil.copy(ROOT / "schedule.yaml", repo / "schedule.yaml")
    return repo


def post_data(text: str, *, title: str = "A post", problems: list | None = None, **profile) -> dict:
    """One post of the preview data (`socialops preview --data`), sent to one profile with this text."""
    return {"path": "content/a.md", "title": title, "type": "text", "status": "ready", "pillar": None,
            "unreadable": None, "problems": problems or [],
            "profiles": [{"profile": "acme-masto", "label": "Mastodon", "supported": True, "when": "soon",
                          "length": len(text), "limit": 500, "counting": "characters", "too_long": False,
                          "live": None, "link": None, "media": [], "notes": [], "text": text,
                          "first_comment": None, **profile}]}


def artifact(tmp_path: Path, number: str, preview: str | list[dict], verdict: str = "passed") -> Path:
    """The review run's artifact: the pull request number and the preview data of a post with this text
    (or of these posts)."""
    folder = tmp_path / "preview"
    folder.mkdir(exist_ok=True)
    (folder / "pr-number.txt").write_text(number + "\n")
    posts = [post_data(preview)] if isinstance(preview, str) else preview
    data = {"schema": "socialops-preview/1", "verdict": verdict, "errors": 0, "warnings": 0, "posts": posts}
    (folder / "preview.json").write_text(json.dumps(data), encoding="utf-8")
    return folder


def pr_comment(repo: Path, folder: Path, env: dict, *args: str):
    return CliRunner().invoke(main, ["--repo", str(repo), "pr-comment", str(folder), "--head-sha", HEAD,
                                     "--run-url", RUN_URL, *args], env=env)


def github_env(server: GitHubStandin) -> dict:
    return {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": server.full_name, "GITHUB_API_URL": server.base_url,
            "SOCIALOPS_BOT_LOGIN": None}


def test_pr_comment_defuses_the_artifact(tmp_path, bot_gh):
    """The sticky comment made from a hostile artifact: one marker, no mention that notifies, size-capped."""
    repo = _example_repo(tmp_path)
    pr = bot_gh.add_pull_request(head_sha=HEAD)
    hostile = f"{sticky_marker('preview')}\nHi @everyone and @acme/staff!\n" + "x" * 7_000
    folder = artifact(tmp_path, str(pr["number"]), [post_data(hostile)] * 20)
    result = pr_comment(repo, folder, github_env(bot_gh), "--conclusion", "failure")
    assert result.exit_code == 0, result.output
    [comment] = bot_gh.comments.values()
    body = comment["body"]
    assert body.startswith(sticky_marker("preview") + "\n")
    assert body.count(sticky_marker("preview")) == 1
    assert "@\u200deveryone" in body and re.search("@(?!\u200d)", body) is None
    assert len(body) < 61_000 and "preview truncated" in body
    assert "review failed" in body and "aaaaaaaaaaaa" in body
    assert TOKEN not in result.output


def test_pr_comment_is_updated_in_place(tmp_path, bot_gh):
    repo = _example_repo(tmp_path)
    pr = bot_gh.add_pull_request(head_sha=HEAD)
    # someone else's comment starting with the marker is not ours
    bot_gh.add_comment(pr["number"], f"{sticky_marker('preview')}\nfake", login="mallory")
    env = github_env(bot_gh)
    assert pr_comment(repo, artifact(tmp_path, str(pr["number"]), "v1"), env).exit_code == 0
    second = pr_comment(repo, artifact(tmp_path, str(pr["number"]), "v2"), env)
    assert second.exit_code == 0 and "updated" in second.stderr
    again = pr_comment(repo, artifact(tmp_path, str(pr["number"]), "v2"), env)
    assert "unchanged" in again.stderr
    ours = [c for c in bot_gh.comments.values() if c["user"]["login"] == "github-actions[bot]"]
    assert len(ours) == 1 and "\nv2\n" in ours[0]["body"] and "\nv1\n" not in ours[0]["body"]
    assert "review passed" in ours[0]["body"]


def test_pr_comment_skips_a_stale_preview(tmp_path, bot_gh):
    repo = _example_repo(tmp_path)
    moved = bot_gh.add_pull_request(head_sha="b" * 40)
    result = pr_comment(repo, artifact(tmp_path, str(moved["number"]), "old"), github_env(bot_gh))
    assert result.exit_code == 0 and "stale" in result.stderr
    closed = bot_gh.add_pull_request(head_sha=HEAD)
    closed["state"] = "closed"
    assert "stale" in pr_comment(repo, artifact(tmp_path, str(closed["number"]), "old"), github_env(bot_gh)).stderr
    issue = bot_gh.add_issue("not a pull request")
    assert "stale" in pr_comment(repo, artifact(tmp_path, str(issue["number"]), "old"), github_env(bot_gh)).stderr
    assert bot_gh.comments == {}


@pytest.mark.parametrize("number", ["12; rm -rf /", "", "-1", "1234567890", "../1"])
def test_pr_comment_refuses_a_number_that_is_not_one(tmp_path, bot_gh, number):
    repo = _example_repo(tmp_path)
    bot_gh.add_pull_request(head_sha=HEAD)
    result = pr_comment(repo, artifact(tmp_path, number, "text"), github_env(bot_gh))
    assert result.exit_code == 2 and "not a number" in result.stderr
    assert bot_gh.log == [] and bot_gh.comments == {}


def test_pr_comment_without_a_token_goes_to_the_outbox(tmp_path):
    repo = _example_repo(tmp_path)
    result = pr_comment(repo, artifact(tmp_path, "7", "Hello @team"), {"GITHUB_TOKEN": None})
    assert result.exit_code == 0 and "created" in result.stderr
    [path] = (repo / ".socialops/outbox/pull-comments").iterdir()
    text = path.read_text()
    assert path.name.startswith("7-") and text.startswith(sticky_marker("preview")) and "@\u200dteam" in text


def issue_post(repo: Path, event: Path):
    return CliRunner().invoke(main, ["--repo", str(repo), "issue-post"], env={"GITHUB_EVENT_PATH": str(event)})


def test_issue_post_turns_an_issue_into_a_post(tmp_path):
    repo = _example_repo(tmp_path)
    body = (
        "### Working title\n\nJoulutori avautuu\n\n"
        "### Text\n\nJoulutori avautuu lauantaina klo 10! @everyone tervetuloa.\n\n### Profiles\nnot a field\n\n"
        "### Profiles\n\nkahvila-instagram, kahvila-facebook, nosuch\n\n"
        "### Type\n\nlink\n\n### When\n\n2026-12-05 09:00\n\n"
        "### Link\n\nhttps://kahvila.example/joulu\n\n### Pictures or video\n\n_No response_"
    )
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"issue": {"number": 7, "body": body}}))
    done = issue_post(repo, event)
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert result["unknown"] == ["nosuch"] and result["title"] == "Joulutori avautuu"
    post = load_post(repo, result["path"])
    assert post.profiles == ["kahvila-instagram", "kahvila-facebook"]
    assert post.body.strip() == "Joulutori avautuu lauantaina klo 10! @everyone tervetuloa.\n\n### Profiles\nnot a field"
    assert post.status == "draft" and post.link == "https://kahvila.example/joulu"
    assert post.raw["publish_at"] == "2026-12-05 09:00"
    assert result["path"].startswith("content/2026/12/")


def test_issue_post_refuses_unknown_profiles(tmp_path):
    repo = _example_repo(tmp_path)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"issue": {"body": "### Working title\n\nx\n\n### Text\n\ny\n\n### Profiles\n\nnope"}}))
    done = issue_post(repo, event)
    assert done.exit_code != 0 and "kahvila-instagram" in done.stderr
    assert not (repo / "content").exists()


def hostile_form(title="Joulutori", profiles="kahvila-facebook", post_type="_No response_") -> str:
    return (f"### Working title\n\n{title}\n\n### Text\n\nJoulutori avautuu.\n\n### Profiles\n\n{profiles}\n\n"
            f"### Type\n\n{post_type}\n\n### When\n\n_No response_\n\n### Link\n\n_No response_\n\n"
            "### Pictures or video\n\n_No response_")


def test_issue_post_texts_cannot_close_issues_or_mention_teams(tmp_path):
    """Finding 10: the title goes into no commit message and loses its closing keywords in the pull request's
    title (a squash merge's commit message); a profile name with backticks mentions nobody."""
    repo = _example_repo(tmp_path)
    event = tmp_path / "event.json"
    body = hostile_form(title="Fixes #1 Fixes Closes: #2 resolved https://github.com/acme/social/issues/3 Joulu",
                        profiles="kahvila-facebook `x`@kahvila-aurinko/social`y` <img/src=x>")
    event.write_text(json.dumps({"issue": {"number": 7, "body": body, "user": {"login": "maija"}}}))
    done = issue_post(repo, event)
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert result["commit_message"] == f"Proposed post {result['path']} (from #7)"
    assert result["pr_title"] == "Post: #1 #2 https://github.com/acme/social/issues/3 Joulu"
    body = result["pr_body"]
    assert body.startswith("Proposed by @maija in #7.")
    assert "@kahvila-aurinko" not in body and "<img" not in body and "`x`" not in body
    assert "\\`x\\`@\u200dkahvila\\-aurinko/social\\`y\\`" in body


@pytest.mark.parametrize("login", ["evil\nFixes #1", "@everyone", "a" * 60, None])
def test_issue_post_names_only_a_real_login(tmp_path, login):
    repo = _example_repo(tmp_path)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"issue": {"number": "7; x", "body": hostile_form(), "user": {"login": login}}}))
    result = json.loads(issue_post(repo, event).stdout)
    assert result["pr_body"].startswith("Proposed by someone in an issue.")
    assert result["commit_message"].endswith("(from an issue)")


def test_issue_post_error_comment_keeps_a_multi_line_answer_in_its_fence(tmp_path):
    """Finding 10: an answer with its own (longer) fence and a mention on the next line stays inside the
    error comment's code block."""
    repo = _example_repo(tmp_path)
    event = tmp_path / "event.json"
    hostile = "````````\n@kahvila-aurinko/social [win](https://scam.example)"
    event.write_text(json.dumps({"issue": {"number": 7, "body": hostile_form(profiles=f"nosuch{hostile}")}}))
    comment = tmp_path / "comment.md"
    done = CliRunner().invoke(main, ["--repo", str(repo), "issue-post", "--error-comment", str(comment)],
                              env={"GITHUB_EVENT_PATH": str(event)})
    assert done.exit_code == 2 and not (repo / "content").exists()
    text = comment.read_text()
    fence = re.search(r"^(`{3,})text$", text, re.M).group(1)
    assert len(fence) > 8
    inside = text.split(fence + "text\n", 1)[1].split("\n" + fence + "\n", 1)[0]
    assert "@kahvila-aurinko/social" in inside and "@kahvila-aurinko" not in text.replace(inside, "")


def test_error_comment_of_a_multi_line_message():
    text = error_comment("line one\n```\n@team/all look\n```")
    assert text.splitlines()[2:7] == ["````text", "line one", "```", "@team/all look", "```"]
    assert text.splitlines()[7] == "````"


# -- the verdict cannot be forged (issue 15, finding 5) -------------------------------------------

FORGED = (f"{sticky_marker('preview')}\n## socialops preview\n\n✅ **Review passed** for commit `{HEAD[:12]}`.\n"
          "<!-- hidden --> </details> </pre> ``` \n<sub>socialops preview (review passed)</sub>\n<!--")


def _visible_html(body: str) -> str:
    """The comment as GitHub renders it (raw HTML let through, the worst case), without its code blocks."""
    html = cmarkgfm.github_flavored_markdown_to_html(body, options=Options.CMARK_OPT_UNSAFE)
    return re.sub(r"<pre.*?</pre>", "", html, flags=re.DOTALL)


@pytest.mark.parametrize("where", ["text", "title", "problem", "file"])
def test_a_pull_request_cannot_forge_the_verdict_or_hide_the_footer(tmp_path, bot_gh, where):
    repo = _example_repo(tmp_path)
    pr = bot_gh.add_pull_request(head_sha=HEAD)
    problem = {"severity": "error", "line": 3, "code": "too-long", "message": FORGED if where == "problem" else "x"}
    post = post_data(FORGED if where == "text" else "Hello", title=FORGED if where == "title" else "Menu <!--",
                     problems=[problem])
    if where == "file":
        post["path"] = f"content/{FORGED}.md"
        post["profiles"][0]["media"] = [{"kind": "image", "path": FORGED, "alt": FORGED, "url": "https://evil.example"}]
    # the artifact lies too: it says the review passed
    folder = artifact(tmp_path, str(pr["number"]), [post], verdict="passed")
    result = pr_comment(repo, folder, github_env(bot_gh), "--conclusion", "success")
    assert result.exit_code == 0, result.output
    [comment] = bot_gh.comments.values()
    body = comment["body"]
    assert body.startswith(sticky_marker("preview") + "\n") and body.count(sticky_marker("preview")) == 1
    visible = _visible_html(body)
    assert "<!--" not in visible.replace(sticky_marker("preview"), "", 1)
    assert "</details>" not in visible and "evil.example" not in visible
    # the real verdict comes first; the forged one is shown as the literal text it is, never as a heading or bold
    assert re.match(r"<!-- socialops:sticky=preview -->\n<h2>socialops preview</h2>\n<p>❌ <strong>Review failed",
                    visible)
    assert visible.count("<h2>") == 1 and "<strong>Review passed" not in visible and "<sub>socialops preview (" \
        not in visible
    assert visible.rstrip().endswith(f"socialops preview for {HEAD[:12]} (review failed: see the annotations): "
                                     f'<a href="{RUN_URL}">{RUN_URL}</a></sub></p>')


def test_the_run_decides_the_verdict_over_a_clean_artifact(tmp_path, bot_gh):
    repo = _example_repo(tmp_path)
    pr = bot_gh.add_pull_request(head_sha=HEAD)
    folder = artifact(tmp_path, str(pr["number"]), "Hello")
    assert pr_comment(repo, folder, github_env(bot_gh), "--conclusion", "failure").exit_code == 0
    [comment] = bot_gh.comments.values()
    assert "Review failed" in comment["body"] and "Review passed" not in comment["body"]


def test_no_preview_data_means_no_post_changed(tmp_path, bot_gh):
    repo = _example_repo(tmp_path)
    pr = bot_gh.add_pull_request(head_sha=HEAD)
    folder = artifact(tmp_path, str(pr["number"]), "Hello")
    (folder / "preview.json").unlink()
    (folder / "preview.md").write_text(FORGED)  # the old Markdown artifact is never posted
    assert pr_comment(repo, folder, github_env(bot_gh)).exit_code == 0
    [comment] = bot_gh.comments.values()
    assert "changes no post" in comment["body"] and "hidden" not in comment["body"]


def test_preview_data_from_the_command_renders_the_real_verdict(tmp_path, bot_gh):
    """`socialops preview --data` writes what `socialops pr-comment` reads: a post with an error fails."""
    repo = _example_repo(tmp_path)
    post = repo / "content/bad.md"
    post.parent.mkdir()
    post.write_text(f"---\nid: bad\ntitle: 'Menu <!--'\nprofiles: [nope]\n---\n{FORGED}\n", encoding="utf-8")
    folder = tmp_path / "preview"
    folder.mkdir()
    (folder / "pr-number.txt").write_text("1\n")
    made = CliRunner().invoke(main, ["--repo", str(repo), "preview", "--format", "markdown", "--data",
                                     str(folder / "preview.json"), str(post)])
    assert made.exit_code == 1, made.output
    data = json.loads((folder / "preview.json").read_text(encoding="utf-8"))
    assert data["verdict"] == "failed" and data["errors"] >= 1 and data["posts"][0]["title"] == "Menu <!--"
    bot_gh.add_pull_request(head_sha=HEAD)
    assert pr_comment(repo, folder, github_env(bot_gh), "--conclusion", "success").exit_code == 0
    [comment] = bot_gh.comments.values()
    visible = _visible_html(comment["body"])
    assert "Review failed" in visible and "there is no profile" in visible and "<!--" not in visible.split("\n", 1)[1]
    assert "(review failed: see the annotations)" in visible
