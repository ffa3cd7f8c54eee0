"""The workflows in .github/: safety rules, and that they call only the CLI (its commands are tested in
tests/test_cli_*.py; pr-comment and issue-post in tests/test_cli_review.py)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

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


# --- issue 15: tokens only main can use, no stranger's command runs, no persisted credentials ---------------

ENVIRONMENT = "socialops-production"
MAIN_ONLY = "github.ref == 'refs/heads/main'"
LOCK = ROOT / "requirements.lock"


def secret_jobs():
    for path in WORKFLOWS:
        for job_id, job in load(path)["jobs"].items():
            if "secrets." in yaml.safe_dump(job):
                yield path.name, job_id, job


def test_every_job_with_a_secret_is_main_only_in_the_environment():
    """Finding 1: a branch pushed by a write collaborator (or a workflow_dispatch on it) gets no token."""
    found = list(secret_jobs())
    assert {(name, job_id) for name, job_id, _ in found} >= {
        ("publish.yml", "publish"), ("comments.yml", "comments"), ("metrics.yml", "fetch"),
        ("moderate.yml", "moderate"), ("profiles.yml", "profiles")}
    for name, job_id, job in found:
        assert job.get("environment") == ENVIRONMENT, f"{name} {job_id}: secrets outside the environment"
        assert MAIN_ONLY in job.get("if", ""), f"{name} {job_id}: no main-only condition"
        guard = job["steps"][0]
        assert "uses" not in guard and 'if [ "$GITHUB_REF" != "refs/heads/main" ]' in guard["run"]
        assert "exit 1" in guard["run"] and "::error::" in guard["run"]


@pytest.mark.parametrize("ref, code", [("refs/heads/main", 0), ("refs/heads/steal-tokens", 1),
                                       ("refs/heads/main-not", 1), ("refs/tags/main", 1)])
def test_the_main_only_step_fails_loudly_off_main(ref, code):
    for name, job_id, job in secret_jobs():
        done = subprocess.run(["bash", "-e", "-c", job["steps"][0]["run"]], env={"GITHUB_REF": ref, "PATH": "/usr/bin:/bin"},
                              capture_output=True, text=True)
        assert done.returncode == code, (name, job_id, done.stdout)
        assert ("::error::" in done.stdout) == bool(code)


def test_no_secrets_outside_the_environment_by_zizmors_auditor():
    zizmor = subprocess.run([str(Path(sys.executable).parent / "zizmor"), "--offline", "--no-progress",
                             "--persona=auditor", str(ROOT / ".github/workflows")], capture_output=True, text=True)
    assert "secrets-outside-env" not in zizmor.stdout + zizmor.stderr


def test_jobs_install_only_the_hashed_lock_file():
    """Finding 1: no `>=` resolution where a token is held (ci.yml, with no token, installs the test extra)."""
    for path in WORKFLOWS:
        if path.name == "ci.yml":
            continue
        for job_id, _, step in steps(load(path)):
            run = step.get("run", "")
            if "pip install" not in run:
                continue
            installs = [line.strip() for line in run.splitlines() if "pip install" in line]
            assert installs == ["python -m pip install --quiet --require-hashes -r requirements.lock",
                                "python -m pip install --quiet --no-deps --no-build-isolation ."], (path.name, job_id)


def test_the_lock_file_pins_every_dependency_by_hash():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pins: dict[str, list[str]] = {}
    text = LOCK.read_text().replace("\\\n", " ")
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            spec, _, rest = line.partition(" --hash=")
            req = Requirement(spec.split(";")[0].strip())
            assert str(req.specifier).startswith("=="), f"{req} is not pinned"
            assert rest, f"{req} has no hash"
            pins.setdefault(canonicalize_name(req.name), []).append(str(req.specifier)[2:])
    wanted = [Requirement(r) for r in project["project"]["dependencies"] + project["build-system"]["requires"]]
    for req in wanted:
        versions = pins.get(canonicalize_name(req.name))
        assert versions, f"{req.name} is not in {LOCK.name}: run make lock"
        assert all(req.specifier.contains(v) for v in versions), f"{req} does not allow {versions}: run make lock"


def test_no_checkout_keeps_credentials_and_pushes_take_the_token_per_command():
    """Finding 6: .git/config never holds the token in a job that publishes (a file uploaded by mistake cannot
    carry it); the scripts that talk to origin give git the token as environment of that one command."""
    for path in WORKFLOWS:
        for job_id, _, step in steps(load(path)):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, (path.name, job_id)
            run = step.get("run", "")
            for line in run.splitlines():
                if re.search(r"\bgit (push|pull|fetch|ls-remote)\b", line):
                    assert line.lstrip().startswith(("remote_git ", "if remote_git ")), (path.name, line)
            if "remote_git " in run:
                assert 'GIT_CONFIG_KEY_0="http.$GITHUB_SERVER_URL/.extraheader"' in run
                assert 'echo "::add-mask::$basic"' in run
            assert "git config" not in run and "set-url" not in run and "x-access-token:${" not in run


def test_moderate_runs_only_for_people_with_a_role_on_socialops_issues():
    """Finding 4: a stranger's /delete starts no job, so it commits nothing and cannot keep main moving."""
    wf = load(ROOT / ".github/workflows/moderate.yml")
    job = wf["jobs"]["moderate"]
    condition = " ".join(job["if"].split())
    assert "contains(github.event.issue.labels.*.name, 'socialops')" in condition
    assert ("contains(fromJSON('[\"OWNER\", \"MEMBER\", \"COLLABORATOR\"]'), "
            "github.event.comment.author_association)") in condition
    assert MAIN_ONLY in condition and "github.event.issue.pull_request == null" in condition
    # on the job, not the workflow: a skipped run joins no group (it cannot replace a moderator's pending one)
    assert "concurrency" not in wf and job["concurrency"]["cancel-in-progress"] is False
    assert job["concurrency"]["group"] == "moderate-${{ github.event.issue.number }}"


FAKE_GH = """#!/bin/bash
# records each call (and the body file it was given) as one JSON line; `pr create` answers with a URL
body=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  if [ "${args[$i]}" = "--body-file" ]; then body="$(cat "${args[$((i + 1))]}")"; fi
done
jq -cn --args '{args: $ARGS.positional}' -- "$@" | jq -c --arg body "$body" '. + {body: $body}' >> "$GH_LOG"
if [ "$1 $2" = "pr create" ]; then echo "https://github.com/acme/social/pull/8"; fi
"""


def run_new_post(tmp_path: Path, body: str) -> tuple[subprocess.CompletedProcess, Path, list[dict]]:
    """The new-post job's script, run as Actions runs it, on a copy of the example repository with a bare
    origin, a crafted event file and a stand-in for `gh`."""
    repo, origin, fake_bin, temp = (tmp_path / "repo", tmp_path / "origin.git", tmp_path / "bin", tmp_path / "tmp")
    for folder in (repo / ".github", fake_bin, temp):
        folder.mkdir(parents=True)
    shutil.copytree(ROOT / "profiles", repo / "profiles")
    shutil.copytree(ROOT / ".github/ISSUE_TEMPLATE", repo / ".github/ISSUE_TEMPLATE")
    shutil.copy(ROOT / "schedule.yaml", repo / "schedule.yaml")
    env = {"PATH": f"{fake_bin}:{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "start"],
                 ["init", "-q", "--bare", str(origin)], ["remote", "add", "origin", str(origin)],
                 ["push", "-q", "origin", "main"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True)
    (fake_bin / "gh").write_text(FAKE_GH)
    (fake_bin / "gh").chmod(0o755)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"issue": {"number": 7, "body": body, "user": {"login": "maija"}}}))
    step = next(s for s in load(ROOT / ".github/workflows/new-post.yml")["jobs"]["propose"]["steps"]
                if s.get("name") == "Write the post and open the pull request")
    env.update(GH_TOKEN="ghs_new_post_token_0123456789", ISSUE_NUMBER="7", BASE="main", RUNNER_TEMP=str(temp),
               GITHUB_SERVER_URL="https://github.com", GITHUB_EVENT_PATH=str(event), GH_LOG=str(tmp_path / "gh.log"))
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=repo, env=env,
                          capture_output=True, text=True)
    log = tmp_path / "gh.log"
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return done, repo, calls


FORM = ("### Working title\n\n{title}\n\n### Text\n\nJoulutori avautuu lauantaina.\n\n### Profiles\n\n{profiles}\n\n"
        "### Type\n\n{type}\n\n### When\n\n_No response_\n\n### Link\n\n_No response_\n\n"
        "### Pictures or video\n\n_No response_")


def test_new_post_script_with_a_hostile_issue(tmp_path):
    """Finding 10: the title cannot close issues through the commit or a squash merge, an unknown profile name
    cannot mention a team; finding 6: the push leaves no token in .git/config."""
    body = FORM.format(title="Fixes #1 fixes: #2 Closes acme/social#3 Joulutori",
                       profiles="kahvila-facebook `x`@kahvila-aurinko/social`y`", type="_No response_")
    done, repo, calls = run_new_post(tmp_path, body)
    assert done.returncode == 0, done.stderr
    message = subprocess.run(["git", "log", "-1", "--format=%B", "new-post/issue-7"], cwd=tmp_path / "origin.git",
                             capture_output=True, text=True, check=True).stdout
    assert message.startswith("Proposed post content/") and "(from #7)" in message
    assert not re.search(r"(?i)\b(fix|close|resolve)\w*\W*#", message)  # the path's slug is no closing keyword
    [create] = [c for c in calls if c["args"][:2] == ["pr", "create"]]
    title = create["args"][create["args"].index("--title") + 1]
    assert title == "Post: #1 #2 acme/social#3 Joulutori"
    assert "@kahvila-aurinko/social" not in create["body"] and "Proposed by @maija in #7" in create["body"]
    config = (repo / ".git/config").read_text()
    assert "ghs_new_post_token" not in config and "extraheader" not in config and "AUTHORIZATION" not in config


def test_new_post_script_keeps_a_hostile_answer_inside_the_error_comments_fence(tmp_path):
    """Finding 10: an answer with a backtick fence of its own cannot end the error comment's code block."""
    body = FORM.format(title="Joulutori", profiles="kahvila-facebook",
                       type="link`````\n\n@kahvila-aurinko/social [click](https://scam.example)")
    done, _, calls = run_new_post(tmp_path, body)
    assert done.returncode == 1
    [comment] = [c for c in calls if c["args"][:2] == ["issue", "comment"]]
    text = comment["body"]
    fence = re.search(r"^(`{3,})text$", text, re.M).group(1)
    inside, _, after = text.split(fence + "text\n", 1)[1].partition("\n" + fence + "\n")
    assert "@kahvila-aurinko/social" in inside and "scam.example" in inside and after
    assert max(len(run) for run in re.findall(r"`+", inside)) < len(fence)
    assert "@kahvila-aurinko/social" not in text.replace(inside, "")


def test_the_readme_says_which_settings_the_workflows_need():
    readme = (ROOT / "README.md").read_text()
    security = readme.split("\n## Security\n", 1)[1].split("\n## ", 1)[0]
    assert f"`{ENVIRONMENT}`" in security and "add `main`" in security and "make lock" in security
    for name, job_id, job in secret_jobs():
        for value in job["steps"][-1].get("env", {}).values():
            if "secrets." in value:
                assert value.startswith("${{ secrets.SOCIALOPS_"), (name, job_id, value)
