"""Issue 14's blocker against a real Bluesky PDS: a brand made by `socialops init` gives its token to the publish
workflow. The step's environment is made as GitHub Actions makes it (each `${{ secrets.NAME }}` of the step's
env: is the secret of that name, an empty string when there is none), from the workflow before and after init."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import httpx
import pytest
import yaml
from click.testing import CliRunner

from socialops.cli import main

pytestmark = pytest.mark.bluesky

ROOT = Path(__file__).resolve().parents[1]
SECRET = re.compile(r"^\$\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")


def step_env(workflow_text: str, secrets: dict[str, str]) -> dict[str, str | None]:
    """The environment of the publish step: its secrets resolved; other expressions left out."""
    job = yaml.safe_load(workflow_text)["jobs"]["publish"]
    step = next(s for s in job["steps"] if "socialops publish" in s.get("run", ""))
    env: dict[str, str | None] = {}
    for name, value in step.get("env", {}).items():
        found = SECRET.match(str(value))
        if found:
            env[name] = secrets.get(found.group(1), "")
    return env


def test_a_brand_made_by_init_publishes_to_bluesky_with_the_secret_it_names(tmp_path, bluesky_pds, bluesky_account):
    root = tmp_path / "brand"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(root)], check=True)
    template_workflow = (root / ".github/workflows/publish.yml").read_text()
    runner = CliRunner()
    made = runner.invoke(main, ["--repo", str(root), "init", "--name", "Bakery Lane", "--timezone", "Europe/London",
                                "--profile", f"bluesky:{bluesky_account['handle']}"], catch_exceptions=False)
    assert made.exit_code == 0, made.output
    token = "SOCIALOPS_BAKERY_LANE_BLUESKY_TOKEN"
    assert f"       {token}" in made.stdout  # init names the secret to add
    profile = root / "profiles/bakery-lane-bluesky.yaml"
    text = profile.read_text().replace("network: sandbox", "network: bluesky")
    text = re.sub(r"\nimitates: .*", f"\nservice: {bluesky_pds['url']}", text)  # going live, as the file says
    profile.write_text(text)
    (root / "content/2026/12").mkdir(parents=True)
    (root / "content/2026/12/first.md").write_text(
        "---\nid: first\ntitle: First\nprofiles: [bakery-lane-bluesky]\npublish_at: 2026-12-07 09:00\n---\n"
        "Fresh bread from seven every morning.\n")
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm",
                    "Bakery Lane"], check=True)
    assert runner.invoke(main, ["--repo", str(root), "validate"]).exit_code == 0
    secrets = {token: bluesky_account["password"]}
    base = {"GITHUB_TOKEN": None, "SOCIALOPS_SANDBOX": str(tmp_path / "box.sqlite")}

    # the template's workflow passes only the example café's secrets: the brand's token never arrives
    before = step_env(template_workflow, secrets)
    assert token not in before
    failed = runner.invoke(main, ["--repo", str(root), "publish", "--now", "2026-12-07 09:05", "--no-push",
                                  "--dry-run"], env={**base, **before, token: None}, catch_exceptions=False)
    check = runner.invoke(main, ["--repo", str(root), "profiles", "check", "--no-issue"],
                          env={**base, **before, token: None}, catch_exceptions=False)
    assert check.exit_code == 1 and token in check.output
    assert failed.exit_code == 0  # a dry run calls no network

    # the workflow init wrote passes it: the post lands on the PDS
    after = step_env((root / ".github/workflows/publish.yml").read_text(), secrets)
    assert after == {token: bluesky_account["password"]}
    done = runner.invoke(main, ["--repo", str(root), "publish", "--now", "2026-12-07 09:05", "--no-push"],
                         env={**base, **after}, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert "1 published" in done.stdout
    records = httpx.get(f"{bluesky_pds['url']}/xrpc/com.atproto.repo.listRecords",
                        params={"repo": bluesky_account["did"], "collection": "app.bsky.feed.post"}, timeout=30).json()
    assert [r["value"]["text"] for r in records["records"]] == ["Fresh bread from seven every morning."]
