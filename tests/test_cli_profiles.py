"""`socialops profiles check|diff|sync` on sandbox profiles in a scratch repository (the local outbox stands in
for GitHub issues), and on the example repository's profiles."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from socialops.cli import main
from socialops.tracker.outbox import OutboxTracker

ROOT = Path(__file__).resolve().parents[1]

PROFILE = """id: cafe
network: sandbox
imitates: bluesky
account: cafe.example
display_name: Kahvila
bio: Kahvila Kalliossa.
website: https://kahvila.example
avatar: media/a.png
token_env: CAFE_TOKEN
"""


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "profiles" / "media").mkdir(parents=True)
    Image.new("RGB", (400, 400), (250, 180, 40)).save(tmp_path / "profiles" / "media" / "a.png")
    (tmp_path / "profiles" / "cafe.yaml").write_text(PROFILE, encoding="utf-8")
    return tmp_path


def run(repo, *args, faults=""):
    env = {"SOCIALOPS_SANDBOX": str(repo / "sandbox.sqlite"), "SOCIALOPS_SANDBOX_FAULTS": faults,
           "GITHUB_TOKEN": "", "GITHUB_REPOSITORY": ""}
    return CliRunner().invoke(main, ["--repo", str(repo), "profiles", *args], env=env)


def test_diff_sync_diff(repo):
    first = run(repo, "diff")
    assert first.exit_code == 1, first.output
    assert "cafe (Bluesky cafe.example): 4 differences" in first.output
    assert "~ bio" in first.output and "file 'Kahvila Kalliossa.', live ''" in first.output
    dry = run(repo, "sync", "--dry-run")
    assert dry.exit_code == 1 and "would write display_name, bio, website, avatar" in dry.output
    assert run(repo, "diff").exit_code == 1  # the dry run wrote nothing
    synced = run(repo, "sync")
    assert synced.exit_code == 0, synced.output
    assert "wrote display_name, bio, website, avatar" in synced.output
    again = run(repo, "sync")
    assert again.exit_code == 0 and "wrote nothing" in again.output
    clean = run(repo, "diff", "--format", "json")
    assert clean.exit_code == 0
    data = json.loads(clean.output)
    assert data[0]["profile"] == "cafe" and {f["state"] for f in data[0]["fields"]} == {"same"}


def test_an_image_changed_in_the_repository_is_synced(repo):
    assert run(repo, "sync").exit_code == 0
    Image.new("RGB", (400, 400), (20, 90, 200)).save(repo / "profiles" / "media" / "a.png")
    changed = run(repo, "diff")
    assert changed.exit_code == 1 and "~ avatar" in changed.output
    assert "wrote avatar" in run(repo, "sync").output


def test_check_opens_and_closes_the_opening_issue(repo):
    refused = run(repo, "check", faults="auth")
    assert refused.exit_code == 1
    assert "cafe (Bluesky): FAILED" in refused.output and "renew the secret CAFE_TOKEN" in refused.output
    issue = OutboxTracker(repo).find_issue("profile-open:cafe")
    assert issue.state == "open" and issue.title == "Open this profile: cafe (Bluesky)"
    passed = run(repo, "check", "--format", "json")
    assert passed.exit_code == 0, passed.output
    data = json.loads(passed.output)
    assert data[0]["passed"] and data[0]["issue"] == "closed"
    assert [c["name"] for c in data[0]["capabilities"]] == ["publishing", "metrics", "moderation", "profile"]
    assert OutboxTracker(repo).find_issue("profile-open:cafe").state == "closed"


def test_check_without_issues(repo):
    result = run(repo, "check", "--no-issue", faults="auth")
    assert result.exit_code == 1 and OutboxTracker(repo).find_issue("profile-open:cafe") is None


def test_unknown_profile_is_a_usage_error(repo):
    result = run(repo, "diff", "nope")
    assert result.exit_code == 2 and "no profile file for nope" in result.output


def test_a_profile_with_errors_is_not_synced(repo):
    (repo / "profiles" / "cafe.yaml").write_text(PROFILE + "contact:\n  phone: \"040 123\"\n", encoding="utf-8")
    result = run(repo, "sync")
    assert result.exit_code == 1
    assert "cafe: FAILED: profiles/cafe.yaml:11:" in result.output and "socialops validate" in result.output
    assert not (repo / "sandbox.sqlite").exists() or "wrote" not in result.output


def test_the_example_profiles_sync_in_the_sandbox(tmp_path):
    for name in ("profiles", "schedule.yaml"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        else:
            shutil.copy(source, tmp_path / name)
    first = run(tmp_path, "sync")
    assert first.exit_code == 0, first.output
    for pid in ("kahvila-bluesky", "kahvila-facebook", "kahvila-instagram", "kahvila-linkedin", "kahvila-mastodon"):
        assert f"{pid} (" in first.output
    assert "wrote nothing" not in first.output
    second = run(tmp_path, "sync")
    assert second.exit_code == 0 and second.output.count("wrote nothing") == 5
    assert run(tmp_path, "check", "--no-issue").exit_code == 0
