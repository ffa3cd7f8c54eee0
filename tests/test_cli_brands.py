"""--brand on the commands that select profiles, brand labels on issues, reports and plan issues per brand,
in real git repositories with the sandbox network."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from socialops.cli import main
from socialops.metrics import fetch as metrics_lib
from socialops.repository.profiles import load_profile
from socialops.state.publications import Ledger
from socialops.tracker.outbox import OutboxTracker
from tests.brands_support import agency_repo, post
from tests.helpers import write
from tests.metrics_support import UTC, publish_to_sandbox
from tests.publish_support import git, git_init


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root = agency_repo(tmp_path / "repo")
    git_init(root)
    monkeypatch.setenv("SOCIALOPS_SANDBOX", str(tmp_path / "box.sqlite"))
    monkeypatch.delenv("SOCIALOPS_SANDBOX_FAULTS", raising=False)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    return root


def run(root, *args):
    return CliRunner().invoke(main, ["--repo", str(root), *args], catch_exceptions=False)


def published(root) -> set[tuple[str, str]]:
    return {pair for pair, state in Ledger(root).state().items() if state.status == "published"}


def test_publish_one_brand(repo):
    result = run(repo, "publish", "--brand", "acme", "--now", "2026-12-01 12:00", "--no-push")
    assert result.exit_code == 0, result.output
    assert published(repo) == {("acme-launch", "acme-masto")}
    assert git(repo, "log", "-1", "--format=%s").startswith("publish: ")


def test_publish_a_comma_list_and_a_repeated_option(repo):
    result = run(repo, "publish", "--brand", "acme,beta", "--now", "2026-12-01 12:00", "--no-push",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"] == {"published": 2}
    assert published(repo) == {("acme-launch", "acme-masto"), ("beta-hello", "beta-bsky")}
    again = run(repo, "publish", "--brand", "acme", "--brand", "beta", "--now", "2026-12-01 12:05", "--no-push",
                "--format", "json")
    assert json.loads(again.stdout)["counts"] == {}  # exactly once: nothing more is due for them


def test_an_unknown_brand_is_a_usage_error_naming_the_brands(repo):
    result = run(repo, "publish", "--brand", "acme,gamma", "--now", "2026-12-01 12:00")
    assert result.exit_code == 2
    assert "no brand gamma (brands: acme, beta)" in result.stderr
    assert published(repo) == set()
    for command in (["metrics"], ["comments", "--dry-run"], ["plan"], ["report"], ["validate"],
                    ["profiles", "check", "--no-issue"]):
        result = run(repo, *command, "--brand", "gamma")
        assert result.exit_code == 2, command
        assert "brands: acme, beta" in result.stderr


def test_profile_and_brand_together(repo):
    result = run(repo, "publish", "--brand", "acme", "--profile", "beta-bsky", "--now", "2026-12-01 12:00")
    assert result.exit_code == 2 and "none of --profile beta-bsky belongs to --brand acme" in result.stderr
    result = run(repo, "publish", "--brand", "acme", "--profile", "acme-masto", "--profile", "beta-bsky",
                 "--now", "2026-12-01 12:00", "--no-push")
    assert result.exit_code == 0 and published(repo) == {("acme-launch", "acme-masto")}


def test_validate_one_brand(repo):
    write(repo / "content/beta/broken.md", post("acme-masto", id="broken"))  # beta's folder, acme's profile
    write(repo / "profiles/beta-li.yaml", "network: sandbox\nimitates: linkedin\nbrand: beta\nacount: x\n")
    everything = run(repo, "validate")
    assert everything.exit_code == 1
    assert "content/beta/broken.md" in everything.stdout and "profiles/beta-li.yaml" in everything.stdout
    acme = run(repo, "validate", "--brand", "acme", "--format", "json")
    assert acme.exit_code == 0, acme.output
    assert [p for p in json.loads(acme.stdout)["problems"] if p["severity"] == "error"] == []
    beta = run(repo, "validate", "--brand", "beta")
    assert beta.exit_code == 1
    assert "content/beta/broken.md:3: error [brand-folder]" in beta.stdout
    assert "profiles/beta-li.yaml:4: error [unknown-key]" in beta.stdout


def test_plan_of_a_brand_in_its_timezone(repo):
    result = run(repo, "plan", "--brand", "acme", "--now", "2026-12-01 08:00", "--format", "json")
    assert result.exit_code == 0, result.output
    plans = json.loads(result.stdout)
    assert list(plans) == ["acme"]
    text = json.dumps(plans["acme"])
    assert plans["acme"]["timezone"] == "Europe/Stockholm"
    assert "acme-masto" in text and "beta-bsky" not in text and "house-masto" not in text
    both = run(repo, "plan", "--brand", "acme,beta", "--now", "2026-12-01 08:00")
    assert both.stdout.startswith("# acme\n") and "\n# beta\n" in both.stdout


def test_plan_check_keeps_an_issue_per_brand(repo):
    result = run(repo, "plan", "--check", "--brand", "beta", "--now", "2026-12-01 08:00")
    assert result.exit_code == 1  # beta's Wednesday slots are empty
    issue = OutboxTracker(repo).find_issue("content-plan-beta")
    assert issue is not None and issue.title.startswith("Content plan of beta: ")
    assert {"plan-gap", "brand:beta"} <= set(issue.labels)
    assert OutboxTracker(repo).find_issue("content-plan") is None


def test_issues_for_a_brands_profile_carry_its_label(repo):
    from socialops.tracker import tracker_from_env

    tracker = tracker_from_env(repo, env={})
    issue = tracker.open_issue("k", "Publishing failed", "body", ["publish-failed", "profile:acme-masto"])
    assert "brand:acme" in issue.labels
    house = tracker.open_issue("h", "Publishing failed", "body", ["publish-failed", "profile:house-masto"])
    assert not any(label.startswith("brand:") for label in house.labels)
    tracker.add_labels("h", ["profile:beta-bsky"])
    assert "brand:beta" in tracker.find_issue("h").labels


def test_report_per_brand(repo, tmp_path):
    env = {"SOCIALOPS_SANDBOX": str(tmp_path / "box.sqlite")}
    for n, pid in enumerate(["acme-masto", "beta-bsky", "house-masto"]):
        publish_to_sandbox(repo, load_profile(repo, f"profiles/{pid}.yaml"), env, f"{pid}-post",
                           dt.datetime(2026, 12, 1 + n, 7, 0, tzinfo=UTC))
    for day in range(3, 6):
        metrics_lib.fetch_metrics(repo, now=dt.datetime(2026, 12, day, 5, 0, tzinfo=UTC), env=env)
    result = run(repo, "report", "--month", "2026-12", "--brand", "acme")
    assert result.exit_code == 0, result.output
    assert "wrote reports/acme/2026-12.md" in result.stdout
    text = (repo / "reports/acme/2026-12.md").read_text()
    assert text.startswith("# Social media report 2026-12: acme")
    assert "acme-masto" in text and "beta-bsky" not in text and "house-masto" not in text
    assert not (repo / "reports/2026-12.md").exists()
    both = run(repo, "report", "--month", "2026-12", "--brand", "acme,beta")
    assert both.exit_code == 0 and (repo / "reports/beta/2026-12.md").is_file()


def test_metrics_of_one_brand(repo):
    run(repo, "publish", "--now", "2026-12-01 12:00", "--no-push")
    result = run(repo, "metrics", "--brand", "beta", "--now", "2026-12-02 12:00", "--format", "json")
    assert result.exit_code == 0, result.output
    followers = (repo / "metrics/followers.csv").read_text()
    assert "beta-bsky" in followers and "acme-masto" not in followers and "house-masto" not in followers


def test_profiles_check_of_one_brand(repo):
    result = run(repo, "profiles", "check", "--brand", "acme", "--no-issue", "--format", "json")
    assert {r["profile"] for r in json.loads(result.stdout)} == {"acme-masto", "acme-bsky"}


def test_comments_of_one_brand(repo):
    run(repo, "publish", "--now", "2026-12-01 12:00", "--no-push")
    result = run(repo, "comments", "--brand", "acme", "--dry-run", "--now", "2026-12-02 12:00", "--format", "json")
    assert result.exit_code == 0, result.output
    assert "1 posts checked" in result.stderr


def test_codeowners_per_brand_folder(repo):
    result = run(repo, "codeowners")
    assert result.exit_code == 0, result.output
    owners = (repo / ".github/CODEOWNERS").read_text()
    assert "/content/acme/ @acme-team\n" in owners and "/content/beta/ @beta-team\n" in owners
    assert "/content/ @house\n" in owners


def _many_brands(root, brands: int, per_brand: int) -> list[tuple[str, str]]:
    """Brands of `per_brand` sandbox profiles, each with two posts due at 09:00 and 09:10, and two profiles of
    no brand; returns every due pair."""
    write(root / "schedule.yaml", "timezone: Europe/Helsinki\n")
    write(root / ".gitattributes", "state/*.csv merge=union\n")  # as the template has it
    write(root / ".gitignore", ".socialops/\n")
    pairs = []
    owners = [(f"b{b:02d}", f"b{b:02d}-p{p}") for b in range(brands) for p in range(per_brand)]
    owners += [(None, "solo-1"), (None, "solo-2")]
    for brand, pid in owners:
        write(root / f"profiles/{pid}.yaml", f"network: sandbox\nimitates: mastodon\naccount: {pid}\n"
                                             + (f"brand: {brand}\n" if brand else ""))
        for n, at in enumerate(("2026-12-01 09:00", "2026-12-01 09:10")):
            folder = f"content/{brand}" if brand else "content/2026"
            write(root / f"{folder}/{pid}-{n}.md", post(pid, id=f"{pid}-{n}", at=at))
            pairs.append((f"{pid}-{n}", pid))
    return pairs


@pytest.mark.slow
def test_shards_publish_concurrently_into_one_remote_exactly_once(tmp_path):
    from socialops.networks.sandbox.store import sandbox_posts
    from socialops.state.publications import PUBLICATIONS
    from tests.publish_support import bare_with_clones, isolated_git_env, publisher_command, subprocess_env

    source = tmp_path / "source"
    source.mkdir()
    pairs = _many_brands(source, brands=8, per_brand=2)
    git_init(source)
    shards = 6
    bare, clones = bare_with_clones(tmp_path, source, names=[f"runner-{i}" for i in range(1, shards + 1)])
    box = tmp_path / "box.sqlite"
    env = subprocess_env(isolated_git_env(tmp_path / "home"), SOCIALOPS_SANDBOX=str(box),
                         SOCIALOPS_SANDBOX_FAULTS="delay=0.02", GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid",
                         GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid")
    import subprocess

    procs = [subprocess.Popen(publisher_command(c, "--shard", f"{i}/{shards}", "--now", "2026-12-01T09:30:00+02:00",
                                                "--format", "json"),
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i, c in enumerate(clones, 1)]
    outputs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        outputs.append(json.loads(out))
    by_shard = [{(r["post_id"], r["profile"]) for r in o["pairs"] if r["status"] == "published"} for o in outputs]
    assert sum(len(s) for s in by_shard) == len(pairs) and set().union(*by_shard) == set(pairs)  # disjoint, all
    for shard in by_shard:  # a brand's profiles are in one shard
        brands = {pid.split("-")[0] for _, pid in shard if pid.startswith("b")}
        assert all(pid.split("-")[0] not in brands for other in by_shard if other is not shard for _, pid in other)
    published = [(r["post_id"], r["profile"]) for r in sandbox_posts(box)]
    assert sorted(published) == sorted(pairs)  # each pair reached the network exactly once
    import csv
    import io

    rows = csv.DictReader(io.StringIO(git(bare, "show", f"main:{PUBLICATIONS}")))
    done = [(r["post_id"], r["profile"]) for r in rows if r["event"] == "published"]
    assert sorted(done) == sorted(pairs)  # the remote's ledger holds every shard's outcomes, once each


def test_a_shard_without_profiles_publishes_nothing(repo):
    from socialops.repository.brands import shard_profiles
    from socialops.repository.config import load_config

    profiles = load_config(repo).profiles
    count = 8
    empty = next(i for i in range(1, count + 1) if not shard_profiles(profiles, (i, count)))
    result = run(repo, "publish", "--shard", f"{empty}/{count}", "--now", "2026-12-01 12:00", "--no-push")
    assert result.exit_code == 0 and published(repo) == set()
    assert f"shard {empty}/{count} has no profiles" in result.stderr
    bad = run(repo, "publish", "--shard", "3/2")
    assert bad.exit_code == 2 and "write I/N" in bad.stderr


def test_the_publish_workflow_runs_a_matrix_of_shards():
    from pathlib import Path

    import yaml

    wf = yaml.safe_load((Path(__file__).resolve().parents[1] / ".github/workflows/publish.yml").read_text())
    assert "vars.PUBLISH_SHARDS" in wf["jobs"]["shards"]["steps"][0]["env"]["SHARDS"]
    job = wf["jobs"]["publish"]
    assert job["needs"] == "shards" and job["strategy"]["fail-fast"] is False
    run_step = next(s for s in job["steps"] if s.get("name") == "Publish due posts")
    assert 'socialops publish --shard "$SHARD"' in run_step["run"]
    assert run_step["env"]["SHARD"] == "${{ matrix.shard }}/${{ matrix.of }}"


def test_a_shard_remembers_nothing_due_only_when_no_shard_has_anything(repo):
    from socialops.publish.nothing_due import nothing_due_yet
    from socialops.repository.brands import shard_profiles
    from socialops.repository.config import load_config

    profiles = load_config(repo).profiles
    count = next(n for n in range(2, 9) if "acme-masto" not in shard_profiles(profiles, (1, n))
                 and shard_profiles(profiles, (1, n)))
    at = "2026-12-01T12:00:00+00:00"
    run(repo, "publish", "--brand", "beta", "--now", at, "--no-push")
    run(repo, "publish", "--profile", "house-masto", "--now", at, "--no-push")
    assert published(repo) == {("beta-hello", "beta-bsky"), ("house-news", "house-masto")}
    shard = run(repo, "publish", "--shard", f"1/{count}", "--now", at, "--no-push", "--format", "json")
    assert shard.exit_code == 0 and json.loads(shard.stdout)["pairs"] == []  # nothing for this shard...
    assert not nothing_due_yet(repo, dt.datetime(2026, 12, 1, 12, 1, tzinfo=UTC))  # ...but acme's post is due
    run(repo, "publish", "--now", at, "--no-push")
    later = dt.datetime(2026, 12, 1, 12, 10, tzinfo=UTC)
    assert run(repo, "publish", "--shard", f"1/{count}", "--now", later.isoformat(), "--no-push").exit_code == 0
    assert nothing_due_yet(repo, later + dt.timedelta(minutes=1))  # the next tick of every shard stops at once
