"""`socialops init`: a brand made from a fresh clone of this repository, the token secrets each workflow passes
generated from the profiles, and validation of that wiring."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from socialops.cli import main
from socialops.networks.sandbox.store import sandbox_posts
from socialops.profiles.wiring import TOKEN_WORKFLOWS, read_blocks

ROOT = Path(__file__).resolve().parents[1]
BRAND = ["init", "--name", "Bakery Lane", "--timezone", "Europe/London", "--language", "en", "--language", "fi,sv",
         "--profile", "instagram:@bakerylane", "--profile", "bluesky:bakerylane.bsky.social",
         "--owner", "@bakerylane/social", "--admin", "@anna"]


def run(root: Path, *args: str):
    return CliRunner().invoke(main, ["--repo", str(root), *args], catch_exceptions=False)


@pytest.fixture
def clone(tmp_path, monkeypatch):
    """A real `git clone` of this repository (what 'Use this template' gives), made into Bakery Lane's."""
    target = tmp_path / "bakery"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(target)], check=True)
    monkeypatch.setenv("SOCIALOPS_SANDBOX", str(tmp_path / "box.sqlite"))
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GITHUB_REPOSITORY_VISIBILITY", raising=False)
    result = run(target, *BRAND)
    assert result.exit_code == 0, result.output
    return target


def wired(root: Path, workflow: str) -> list[str]:
    text = (root / ".github/workflows" / workflow).read_text()
    return [w.secret for block in read_blocks(text) for w in block.lines]


def test_a_brand_from_a_fresh_clone_validates_previews_plans_and_publishes(clone, tmp_path):
    root = clone
    assert sorted(p.name for p in (root / "profiles").iterdir()) == ["bakery-lane-bluesky.yaml",
                                                                       "bakery-lane-instagram.yaml"]
    assert [p.name for p in (root / "content").rglob("*") if p.is_file()] == [".gitkeep"]
    assert not any((root / name).exists() for name in ("state", "metrics", "reports"))
    assert "Kahvila" not in (root / "schedule.yaml").read_text()
    plan = yaml.safe_load((root / "schedule.yaml").read_text())
    assert plan["timezone"] == "Europe/London" and set(plan["cadence"]) == {"bakery-lane-instagram",
                                                                            "bakery-lane-bluesky"}
    replies = {p.name for p in (root / "replies").iterdir()}
    assert {"thanks.md", "kiitos.md", "tack.md", "README.md"} <= replies and "allergeenit.md" not in replies
    assert "Bakery Lane" in (root / "replies/thanks.md").read_text()
    assert sorted(p.name for p in (root / "snippets").iterdir()) == ["README.md", "hashtags.md", "signature.md"]
    assert "#BakeryLane" in (root / "snippets/hashtags.md").read_text()
    form = (root / ".github/ISSUE_TEMPLATE/new-post.yml").read_text()
    assert "placeholder: bakery-lane-bluesky, bakery-lane-instagram" in form and "kahvila" not in form
    codeowners = (root / ".github/CODEOWNERS").read_text()
    assert "/profiles/bakery-lane-instagram.yaml @bakerylane/social" in codeowners and "/.github/ @anna" in codeowners
    tokens = ["SOCIALOPS_BAKERY_LANE_BLUESKY_TOKEN", "SOCIALOPS_BAKERY_LANE_INSTAGRAM_TOKEN"]
    for workflow in TOKEN_WORKFLOWS:
        assert wired(root, workflow) == tokens, workflow
        assert "KAHVILA" not in (root / ".github/workflows" / workflow).read_text()

    assert run(root, "validate").exit_code == 0
    assert run(root, "codeowners", "--check").exit_code == 0
    (root / "content/2026/12").mkdir(parents=True)
    (root / "content/2026/12/first.md").write_text(
        "---\nid: first\ntitle: First\nprofiles: [bakery-lane-bluesky]\npublish_at: 2026-12-07 09:00\n---\n"
        "Fresh bread from seven every morning.\n")
    validate = run(root, "validate")
    assert validate.exit_code == 0, validate.output
    preview = run(root, "preview", "--now", "2026-12-06 12:00")
    assert preview.exit_code == 0 and "Fresh bread" in preview.stdout
    plan_run = run(root, "plan", "--now", "2026-12-06 12:00")
    assert plan_run.exit_code == 0 and "first" in plan_run.stdout
    publish = run(root, "publish", "--now", "2026-12-07 09:05", "--no-push")
    assert publish.exit_code == 0, publish.output
    assert "1 published" in publish.output
    assert [row["text"] for row in sandbox_posts(tmp_path / "box.sqlite")] == ["Fresh bread from seven every morning."]


def test_init_again_adds_a_profile_and_its_wiring_and_refuses_to_make_the_brand_twice(clone):
    root = clone
    added = run(root, "init", "--profile", "mastodon:@bakerylane@mastodon.example",
                "--profile", "instagram:@bakerylane")
    assert added.exit_code == 0, added.output
    assert "bakery-lane-mastodon" in added.output and "already there: instagram:@bakerylane" in added.output
    profile = (root / "profiles/bakery-lane-mastodon.yaml").read_text()
    assert "# instance: https://mastodon.example" in profile
    assert "bakery-lane-mastodon" in yaml.safe_load((root / "schedule.yaml").read_text())["cadence"]
    assert "SOCIALOPS_BAKERY_LANE_MASTODON_TOKEN" in wired(root, "publish.yml")
    assert run(root, "validate").exit_code == 0

    again = run(root, "init", "--name", "Other", "--timezone", "UTC", "--profile", "bluesky:x.example")
    assert again.exit_code == 2 and "already Bakery Lane's" in again.stderr
    assert (root / "profiles/bakery-lane-mastodon.yaml").exists()


def test_init_refuses_bad_input(tmp_path):
    target = tmp_path / "t"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(target)], check=True)
    for args, words in ((["--name", "X", "--timezone", "London", "--profile", "bluesky:x"], "Europe/London"),
                        (["--name", "X", "--timezone", "UTC", "--profile", "myspace:x"], "not a network"),
                        (["--name", "X", "--timezone", "UTC", "--profile", "bluesky"], "network:account"),
                        (["--timezone", "UTC", "--profile", "bluesky:x"], "brand's name"),
                        (["--name", "X", "--timezone", "UTC", "--profile", "bluesky:x", "--owner", "anna"], "GitHub")):
        result = run(target, "init", *args)
        assert result.exit_code == 2 and words in result.stderr, (args, result.stderr)
    assert (target / "profiles/kahvila-facebook.yaml").exists()  # nothing was removed
    (target / "state").mkdir()
    (target / "state/publications.csv").write_text("x\n")
    result = run(target, "init", "--name", "X", "--timezone", "UTC", "--profile", "bluesky:x")
    assert result.exit_code == 2 and "published already" in result.stderr


def test_validate_names_the_workflow_and_line_of_a_missing_or_stray_secret(clone):
    root = clone
    publish = root / ".github/workflows/publish.yml"
    text = publish.read_text()
    begin = text.splitlines().index(next(line for line in text.splitlines() if "# BEGIN socialops tokens" in line)) + 1
    publish.write_text(text.replace("          SOCIALOPS_BAKERY_LANE_BLUESKY_TOKEN: ${{ secrets.SOCIALOPS_BAKERY_LANE_"
                                    "BLUESKY_TOKEN }}\n",
                                    "          SOCIALOPS_KAHVILA_FACEBOOK_TOKEN: ${{ secrets.SOCIALOPS_KAHVILA_"
                                    "FACEBOOK_TOKEN }}\n"))
    result = run(root, "validate")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith(f".github/workflows/publish.yml:{begin}: error [workflow-secrets] the secret "
                               "SOCIALOPS_BAKERY_LANE_BLUESKY_TOKEN (profiles/bakery-lane-bluesky.yaml) is not "
                               "passed") for line in lines), lines
    assert any(line.startswith(f".github/workflows/publish.yml:{begin + 1}: error [workflow-secrets] the secret "
                               "SOCIALOPS_KAHVILA_FACEBOOK_TOKEN is passed to the workflow, but no profile")
               for line in lines), lines
    assert run(root, "codeowners", "--check").exit_code == 1
    assert run(root, "codeowners").exit_code == 0
    assert run(root, "validate").exit_code == 0

    # a profile's token_env edited by hand: the wiring is stale until generated again
    profile = root / "profiles/bakery-lane-instagram.yaml"
    profile.write_text(profile.read_text().replace("SOCIALOPS_BAKERY_LANE_INSTAGRAM_TOKEN", "SOCIALOPS_IG_TOKEN"))
    stale = run(root, "validate")
    assert stale.exit_code == 1 and "SOCIALOPS_IG_TOKEN (profiles/bakery-lane-instagram.yaml)" in stale.stdout
    (root / ".github/workflows/comments.yml").write_text("name: comments\n")
    assert ".github/workflows/comments.yml:1: error [workflow-secrets] the workflow has no" in run(root, "validate").stdout
