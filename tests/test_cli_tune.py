"""`socialops tune`: the metrics' advice as a pull request against schedule.yaml -- in the outbox, and end to end
against the local GitHub stand-in (branch, file, one pull request kept up to date)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from socialops.cli import main
from socialops.metrics import tables
from socialops.metrics.advice import advise
from socialops.plan.tune import BRANCH, apply_advice, tune
from socialops.repository.schedule import parse_schedule
from tests.github_standin import GitHubStandin
from tests.helpers import make_repo

TOKEN = "ghs_tune_token_0123456789"
NOW = "2027-01-01 06:00"
SCHEDULE = """\
# The plan (a comment that must survive)
timezone: UTC
pillars:
  menu:
    share: 50    # food first
  events:
    share: 50
cadence:
  cafe-masto:
    - {per_week: 2, hours: [9, 12]}   # twice a week
    - {days: [mon], times: ["08:00"]}
"""


def posts_at(root: Path, rates: dict[int, float], count: int) -> None:
    """``count`` posts at each hour (UTC) of ``rates`` in December 2026, with that engagement rate (likes of a reach
    of 1000); menu posts engage 1.5x, events posts 0.5x the hour's rate."""
    frag = tables.Fragment()
    for hour, rate in rates.items():
        for i in range(count):
            pillar = "menu" if i % 2 == 0 else "events"
            likes = round(rate * (1.5 if pillar == "menu" else 0.5) * 1000)
            frag.posts.append({"profile": "cafe-masto", "post_id": f"p{hour}-{i}", "network": "sandbox",
                               "type": "text", "pillar": pillar, "status": "live", "reach": "1000",
                               "published_at": f"2026-12-{i + 1:02d}T{hour:02d}:00:00Z", "likes": str(likes),
                               "updated": "2026-12-31"})
    tables.upsert(root, frag)


@pytest.fixture
def repo(tmp_path) -> Path:
    root = make_repo(tmp_path / "repo", schedule=SCHEDULE)
    posts_at(root, {9: 0.02, 12: 0.05, 18: 0.09}, 12)
    return root


def run(root: Path, *args: str, env: dict | None = None):
    return CliRunner().invoke(main, ["--repo", str(root), "tune", "--now", NOW, *args],
                              env={"GITHUB_TOKEN": None, **(env or {})})


def test_the_advice_moves_the_weak_hour_and_the_pillar_shares_and_keeps_the_comments(repo):
    tuning = tune(repo, now=dt.datetime(2027, 1, 1, 6, tzinfo=dt.UTC), month="2026-12")
    assert tuning.text is not None and "# The plan (a comment that must survive)" in tuning.text
    plan = yaml.safe_load(tuning.text)
    assert plan["cadence"]["cafe-masto"][0] == {"per_week": 2, "hours": [12, 18]}  # 09:00 did worst, 18:00 best
    assert plan["pillars"]["menu"]["share"] == 55 and plan["pillars"]["events"]["share"] == 45  # at most 5 points
    assert "# twice a week" in tuning.text and "# food first" in tuning.text
    assert "| cafe-masto | hours | [9, 12] | [12, 18] |" in tuning.body
    assert "| menu | 18 | 1.43× | 50 % | 55 % |" in tuning.body
    assert "nothing changes the plan until this is merged" in tuning.body
    assert (repo / "schedule.yaml").read_text() == SCHEDULE  # the plan itself is untouched


def test_without_the_flag_nothing_is_written(repo):
    done = run(repo)
    assert done.exit_code == 0, done.output
    assert "-    - {per_week: 2, hours: [9, 12]}" in done.output and "+    - {per_week: 2, hours: [12, 18]}" in done.output
    assert not (repo / ".socialops" / "outbox").exists() and (repo / "schedule.yaml").read_text() == SCHEDULE


def test_the_outbox_holds_one_proposal_kept_up_to_date(repo):
    done = run(repo, "--pull-request", "--format", "json")
    assert done.exit_code == 0, done.output
    out = json.loads(done.stdout)
    assert out["pull_request"]["result"] == "created" and out["changes"] == 4  # two slots, two shares
    saved = json.loads(Path(out["pull_request"]["where"]).read_text())
    assert saved["branch"] == BRANCH and saved["base"] == "main" and saved["body"] == out["body"]
    assert yaml.safe_load(saved["files"]["schedule.yaml"])["cadence"]["cafe-masto"][0]["hours"] == [12, 18]
    assert json.loads(run(repo, "--pull-request", "--format", "json").stdout)["pull_request"]["result"] == "unchanged"
    assert len(list((repo / ".socialops" / "outbox" / "pull-requests").iterdir())) == 1


def test_no_change_no_pull_request(tmp_path):
    root = make_repo(tmp_path / "repo", schedule=SCHEDULE)
    done = run(root, "--pull-request", "--format", "json")
    assert done.exit_code == 0 and json.loads(done.stdout)["pull_request"] is None
    assert json.loads(done.stdout)["changes"] == 0


def test_a_block_style_entry_is_left_for_people_and_named(repo):
    text = SCHEDULE.replace("    - {per_week: 2, hours: [9, 12]}   # twice a week\n",
                            "    - per_week: 2\n      hours:\n        - 9\n        - 12\n")
    schedule = parse_schedule(text)
    advice = advise(schedule, tables.read_table(repo / "metrics", tables.POSTS).values(), [],
                    now=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    new, applied, skipped = apply_advice(text, advice)
    assert any(s.startswith("cafe-masto cadence entry 1 (hours)") for s in skipped)
    assert yaml.safe_load(new)["cadence"]["cafe-masto"][0]["hours"] == [9, 12]  # untouched
    assert len(applied) == 3  # the other entry and the shares still move


def test_end_to_end_against_the_github_stand_in(repo):
    with GitHubStandin(token=TOKEN, integration=True) as server:
        server.add_file("schedule.yaml", SCHEDULE)
        env = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": server.full_name, "GITHUB_API_URL": server.base_url}
        done = run(repo, "--pull-request", "--format", "json", env=env)
        assert done.exit_code == 0, done.output
        out = json.loads(done.stdout)["pull_request"]
        assert out["result"] == "created" and out["url"].endswith(f"/pull/{out['number']}")
        (pull,) = server.pulls()
        assert pull["body"] == json.loads(done.stdout)["body"] and pull["_base_ref"] == "main"
        assert yaml.safe_load(server.file("schedule.yaml", branch=BRANCH))["pillars"]["menu"]["share"] == 55
        assert server.file("schedule.yaml") == SCHEDULE  # main is not changed: only the merge changes it
        # the same proposal again: the same pull request, unchanged; new results: the same one, updated
        assert json.loads(run(repo, "--pull-request", "--format", "json", env=env).stdout)["pull_request"][
            "result"] == "unchanged"
        posts_at(repo, {9: 0.02, 12: 0.05, 18: 0.3}, 12)
        again = json.loads(run(repo, "--pull-request", "--format", "json", env=env).stdout)["pull_request"]
        assert again["result"] == "updated" and again["number"] == out["number"]
        assert len(server.pulls()) == 1 and server.pulls()[0]["body"] != json.loads(done.stdout)["body"]
        ops = [r.op_id for r in server.requests()]
        assert ops.count("pulls/create") == 1 and ops.count("git/create-ref") == 1 and "git/update-ref" in ops
        assert TOKEN not in done.output


def test_the_metrics_workflow_opens_the_plan_pull_request_monthly():
    workflow = yaml.safe_load((Path(__file__).parent.parent / ".github/workflows/metrics.yml").read_text())
    job = workflow["jobs"]["commit"]
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
    (step,) = [s for s in job["steps"] if "socialops tune --pull-request" in s.get("run", "")]
    assert step["env"]["GITHUB_TOKEN"] == "${{ github.token }}" and '"$(date -u +%d)" = "01"' in step["run"]
    assert job["steps"][-1] is step  # after the report and its commit: the branch starts from them
    (figures,) = [s for s in job["steps"] if s.get("run") == "socialops post-figures"]
    assert figures["env"]["GITHUB_TOKEN"] == "${{ github.token }}"
