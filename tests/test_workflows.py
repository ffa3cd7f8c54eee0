"""The workflows in .github/: safety rules, and that they call only the CLI (its commands are tested in
tests/test_cli_*.py; pr-comment and issue-post in tests/test_cli_review.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from socialops.content.issue_form import form_labels

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


def test_review_runs_without_secrets_and_comment_never_checks_out_the_pull_request():
    review = (ROOT / ".github/workflows/review.yml").read_text()
    assert "${{ secrets." not in review and "pull_request_target:" not in review
    assert load(ROOT / ".github/workflows/review.yml")["jobs"]["review"]["permissions"] == {"contents": "read"}
    comment = load(ROOT / ".github/workflows/review-comment.yml")
    assert comment["on"]["workflow_run"]["workflows"] == ["review"]
    job = comment["jobs"]["comment"]
    assert job["permissions"] == {"actions": "read", "contents": "read", "pull-requests": "write"}
    uses = [s.get("uses", "") for s in job["steps"]]
    # the only checkout is the default branch's own commit (no ref, no other repository), without credentials
    checkouts = [s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@")]
    assert len(checkouts) == 1 and set(checkouts[0]["with"]) == {"persist-credentials"}
    assert checkouts[0]["with"]["persist-credentials"] is False
    # socialops is installed before the untrusted artifact arrives, and the artifact lands outside the checkout
    install = next(i for i, s in enumerate(job["steps"]) if "pip install" in s.get("run", ""))
    download = next(i for i, u in enumerate(uses) if u.startswith("actions/download-artifact@"))
    assert uses.index(checkouts[0]["uses"]) < install < download
    assert job["steps"][download]["with"]["path"].startswith("${{ runner.temp }}/")
    [post] = [s for s in job["steps"][download + 1:] if "run" in s]
    assert post["run"].startswith('socialops pr-comment "$RUNNER_TEMP/preview" ')
    assert post["env"]["GITHUB_TOKEN"] == "${{ github.token }}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_run_only_the_cli(path):
    """No inline Python (or any interpreter reading a here-document): a workflow's logic is a tested command."""
    for job_id, _, step in steps(load(path)):
        run = step.get("run", "")
        assert "<<" not in run, f"{job_id}: a here-document in run:"
        assert not re.search(r"\bpython3? +(-c|-)(\s|$)", run), f"{job_id}: inline Python in run:"


def test_new_post_calls_issue_post():
    wf = load(ROOT / ".github/workflows/new-post.yml")
    run = next(s["run"] for s in wf["jobs"]["propose"]["steps"] if s.get("name") == "Write the post and open the pull request")
    assert 'socialops issue-post > "$RUNNER_TEMP/proposal.json"' in run


def test_issue_form_fields_match_the_code():
    labels = form_labels(ROOT / ".github/ISSUE_TEMPLATE/new-post.yml")
    assert set(labels.values()) == {"title", "caption", "profiles", "type", "publish_at", "link", "media"}
    form = yaml.safe_load((ROOT / ".github/ISSUE_TEMPLATE/new-post.yml").read_text())
    assert form["labels"] == ["new-post"]


def test_linters_report_nothing():
    bin_dir = Path(sys.executable).parent
    zizmor = subprocess.run([str(bin_dir / "zizmor"), "--offline", "--no-progress", str(ROOT / ".github/workflows")],
                            capture_output=True, text=True)
    assert zizmor.returncode == 0, zizmor.stdout
    actionlint = subprocess.run([str(bin_dir / "actionlint"), *map(str, WORKFLOWS)], capture_output=True, text=True,
                                cwd=ROOT)
    assert actionlint.returncode == 0, actionlint.stdout
