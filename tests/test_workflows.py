"""The workflows in .github/: safety rules, and their inline scripts run for real."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from socialops.repository.posts import load_post
from socialops.tracker.forms import form_labels
from socialops.tracker.markers import sticky_marker

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def steps(wf: dict):
    for job_id, job in wf["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, job, step


def heredoc(workflow: str, job: str, step_name: str, tag: str = "PY") -> str:
    wf = load(ROOT / ".github/workflows" / workflow)
    run = next(s["run"] for s in wf["jobs"][job]["steps"] if s.get("name") == step_name)
    return run.split(f"<<'{tag}'\n", 1)[1].split(f"\n{tag}\n", 1)[0]


def test_all_workflows_present():
    names = {p.name for p in WORKFLOWS}
    assert {"ci.yml", "review.yml", "review-comment.yml", "publish.yml", "plan.yml", "metrics.yml",
            "comments.yml", "moderate.yml", "profiles.yml", "new-post.yml"} <= names


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_and_pinning(path):
    text = path.read_text()
    wf = load(path)
    assert wf["permissions"] == {}, "no permissions at the top; each job asks for its own"
    for job_id, job in wf["jobs"].items():
        assert "permissions" in job, f"job {job_id} must declare its permissions"
    for job_id, job, step in steps(wf):
        if "uses" in step:
            assert PINNED.match(step["uses"]), f"{step['uses']} is not pinned to a commit SHA"
            line = next(line for line in text.splitlines() if step["uses"] in line)
            assert re.search(r"# v\d", line), "a version comment beside the SHA"
        if "run" in step:
            assert "${{" not in step["run"], f"{job_id}: an expression inside run: (use env:)"
        if step.get("uses", "").startswith("actions/checkout@"):
            persist = step.get("with", {}).get("persist-credentials")
            assert persist in (True, False), "persist-credentials set explicitly"
            if persist:
                assert job["permissions"].get("contents") == "write", "credentials kept only to push"
                assert not any(s.get("uses", "").startswith("actions/upload-artifact@") for s in job["steps"])
    for trigger in (wf["on"] or {}).get("schedule", []) if isinstance(wf["on"], dict) else []:
        minute = trigger["cron"].split()[0]
        assert minute not in ("0", "*", "*/5", "*/10", "*/15", "*/30"), "off the top of the hour"


def test_same_action_same_sha_everywhere():
    seen: dict[str, set[str]] = {}
    for path in WORKFLOWS:
        for _, _, step in steps(load(path)):
            if "uses" in step:
                name, sha = step["uses"].split("@")
                seen.setdefault(name, set()).add(sha)
    assert all(len(shas) == 1 for shas in seen.values()), seen


def test_publish_is_one_at_a_time_and_never_cancelled():
    wf = load(ROOT / ".github/workflows/publish.yml")
    assert wf["concurrency"] == {"group": "publish", "cancel-in-progress": False}
    assert wf["jobs"]["publish"]["permissions"] == {"contents": "write", "issues": "write"}
    assert set(wf["on"]) == {"schedule", "push", "workflow_dispatch"}


def test_review_runs_without_secrets_and_comment_never_checks_out():
    review = (ROOT / ".github/workflows/review.yml").read_text()
    assert "${{ secrets." not in review and "pull_request_target:" not in review
    assert load(ROOT / ".github/workflows/review.yml")["jobs"]["review"]["permissions"] == {"contents": "read"}
    comment = load(ROOT / ".github/workflows/review-comment.yml")
    assert comment["on"]["workflow_run"]["workflows"] == ["review"]
    uses = [s.get("uses", "") for _, _, s in steps(comment)]
    assert not any(u.startswith("actions/checkout@") for u in uses)
    assert "pip install" not in (ROOT / ".github/workflows/review-comment.yml").read_text()
    # the shell finds the same sticky comment the tracker writes
    assert sticky_marker("preview") in (ROOT / ".github/workflows/review-comment.yml").read_text()


def test_review_comment_script_defuses_the_artifact(tmp_path):
    """The inline Python of review-comment.yml, run on a hostile artifact."""
    script = heredoc("review-comment.yml", "comment", "Post or update the sticky comment")
    preview = tmp_path / "preview.md"
    hostile = f"{sticky_marker('preview')}\nHi @everyone and @acme/staff!\n" + "x" * 70_000
    preview.write_text(hostile)
    out = tmp_path / "body.json"
    env = {**os.environ, "CONCLUSION": "failure", "HEAD_SHA": "a" * 40,
           "RUN_URL": "https://github.com/acme/social/actions/runs/1"}
    subprocess.run([sys.executable, "-", str(preview), str(out)], input=script, text=True, env=env, check=True)
    body = json.loads(out.read_text())["body"]
    assert body.startswith(sticky_marker("preview") + "\n")
    assert body.count(sticky_marker("preview")) == 1
    assert "@\u200deveryone" in body and re.search("@(?!\u200d)", body) is None
    assert len(body) < 61_000 and "preview truncated" in body
    assert "review failed" in body and "aaaaaaaaaaaa" in body


def test_issue_form_fields_match_the_code():
    labels = form_labels(ROOT / ".github/ISSUE_TEMPLATE/new-post.yml")
    assert set(labels.values()) == {"title", "caption", "profiles", "type", "publish_at", "link", "media"}
    form = yaml.safe_load((ROOT / ".github/ISSUE_TEMPLATE/new-post.yml").read_text())
    assert form["labels"] == ["new-post"]


def _example_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / ".github").mkdir(parents=True)
    shutil.copytree(ROOT / "profiles", repo / "profiles")
    shutil.copytree(ROOT / ".github/ISSUE_TEMPLATE", repo / ".github/ISSUE_TEMPLATE")
    shutil.copy(ROOT / "schedule.yaml", repo / "schedule.yaml")
    return repo


def test_new_post_script_turns_an_issue_into_a_post(tmp_path):
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
    script = heredoc("new-post.yml", "propose", "Write the post and open the pull request")
    env = {**os.environ, "GITHUB_EVENT_PATH": str(event)}
    done = subprocess.run([sys.executable, "-"], input=script, text=True, env=env, cwd=repo,
                          capture_output=True, check=True)
    result = json.loads(done.stdout)
    assert result["unknown"] == ["nosuch"] and result["title"] == "Joulutori avautuu"
    post = load_post(repo, result["path"])
    assert post.profiles == ["kahvila-instagram", "kahvila-facebook"]
    assert post.body.strip() == "Joulutori avautuu lauantaina klo 10! @everyone tervetuloa.\n\n### Profiles\nnot a field"
    assert post.status == "draft" and post.link == "https://kahvila.example/joulu"
    assert result["path"].startswith("content/2026/12/")


def test_new_post_script_refuses_unknown_profiles(tmp_path):
    repo = _example_repo(tmp_path)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"issue": {"body": "### Working title\n\nx\n\n### Text\n\ny\n\n### Profiles\n\nnope"}}))
    script = heredoc("new-post.yml", "propose", "Write the post and open the pull request")
    done = subprocess.run([sys.executable, "-"], input=script, text=True, cwd=repo, capture_output=True,
                          env={**os.environ, "GITHUB_EVENT_PATH": str(event)})
    assert done.returncode != 0 and "kahvila-instagram" in done.stderr
    assert not (repo / "content").exists()


def test_linters_report_nothing():
    bin_dir = Path(sys.executable).parent
    zizmor = subprocess.run([str(bin_dir / "zizmor"), "--offline", "--no-progress", str(ROOT / ".github/workflows")],
                            capture_output=True, text=True)
    assert zizmor.returncode == 0, zizmor.stdout
    actionlint = subprocess.run([str(bin_dir / "actionlint"), *map(str, WORKFLOWS)], capture_output=True, text=True,
                                cwd=ROOT)
    assert actionlint.returncode == 0, actionlint.stdout
