"""Missed posts (issue 14, point 2): a new publish_at or a changed post after a miss makes the pair due again,
exactly once; the "Missed its time" issue closes when it goes out; a run with missed posts exits 1 and says
so; the plan shows the missed post in its slot."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from socialops.cli import main
from socialops.networks.sandbox.store import sandbox_posts
from socialops.publish.results import R_MISSED, R_PUBLISHED
from socialops.publish.run import run_publish
from socialops.state.publications import MISSED, PUBLISHED, Event, Ledger
from tests.publish_support import IDENTITY, git, git_init, make_repo, write_post

HEL = ZoneInfo("Europe/Helsinki")


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=HEL)


def run(root: Path, now: dt.datetime, tmp_path: Path):
    env = {"SOCIALOPS_SANDBOX": str(tmp_path / "sandbox.sqlite")}
    return run_publish(root, now=now, env=env, sleep=lambda s: None)


def posted(tmp_path: Path) -> list[str]:
    return sorted(r["post_id"] for r in sandbox_posts(tmp_path / "sandbox.sqlite"))


def issues(root: Path) -> dict[str, dict]:
    folder = root / ".socialops" / "outbox" / "issues"
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))} if folder.is_dir() else {}


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, env=IDENTITY)


def missed_repo(tmp_path: Path) -> Path:
    root = make_repo(tmp_path / "repo")
    write_post(root, "late", profiles=["sandbox-a"], at="2026-12-01 09:00")
    git_init(root)
    result = run(root, local("2026-12-02 10:00"), tmp_path)
    assert {(p.post_id, p.status) for p in result.pairs} == {("late", R_MISSED)}
    assert result.failed  # a run with a missed post exits 1
    return root


def test_missed_line_records_the_time_and_the_file(tmp_path):
    root = missed_repo(tmp_path)
    st = Ledger(root).state()[("late", "sandbox-a")]
    assert st.status == MISSED and st.missed["due"] == "2026-12-01T07:00:00.000000Z" and len(st.missed["file"]) == 16
    # Unchanged: it stays missed, quietly, run after run.
    assert run(root, local("2026-12-02 11:00"), tmp_path).pairs == []
    assert posted(tmp_path) == []


def test_a_new_publish_at_publishes_it_exactly_once_and_closes_the_issue(tmp_path):
    root = missed_repo(tmp_path)
    (key,) = issues(root)
    assert "missed" in issues(root)[key]["labels"] and issues(root)[key]["state"] == "open"
    write_post(root, "late", profiles=["sandbox-a"], at="2026-12-02 12:00")
    commit(root, "late: a new time")
    assert run(root, local("2026-12-02 11:59"), tmp_path).pairs == []  # not before its new time
    result = run(root, local("2026-12-02 12:01"), tmp_path)
    assert {(p.post_id, p.status) for p in result.pairs} == {("late", R_PUBLISHED)} and not result.failed
    assert posted(tmp_path) == ["late"]
    assert Ledger(root).state()[("late", "sandbox-a")].status == PUBLISHED
    assert issues(root)[key]["state"] == "closed"
    assert run(root, local("2026-12-02 13:00"), tmp_path).pairs == []
    assert posted(tmp_path) == ["late"]


def test_a_new_time_that_is_also_past_the_window_is_missed_once_more_then_stays(tmp_path):
    root = missed_repo(tmp_path)
    write_post(root, "late", profiles=["sandbox-a"], at="2026-12-01 09:30")
    commit(root, "late: another old time")
    assert [p.status for p in run(root, local("2026-12-02 12:00"), tmp_path).pairs] == [R_MISSED]
    assert run(root, local("2026-12-02 13:00"), tmp_path).pairs == []
    assert posted(tmp_path) == []


def test_changed_content_after_the_miss_publishes_it_once(tmp_path):
    root = missed_repo(tmp_path)
    write_post(root, "late", profiles=["sandbox-a"], at="2026-12-01 09:00", body="Fixed and still wanted.\n")
    commit(root, "late: fixed text")
    result = run(root, local("2026-12-02 15:00"), tmp_path)
    assert {(p.post_id, p.status) for p in result.pairs} == {("late", R_PUBLISHED)}
    assert run(root, local("2026-12-02 16:00"), tmp_path).pairs == []
    assert posted(tmp_path) == ["late"]


def test_a_missed_line_without_data_takes_a_new_time(tmp_path):
    """Lines written before the missed line had data: a time set after the miss still counts as new."""
    root = make_repo(tmp_path / "repo")
    write_post(root, "old", profiles=["sandbox-a"], at="2026-12-03 09:00")
    git_init(root)
    Ledger(root).append([Event(local("2026-12-02 10:00"), "old", "sandbox-a", "missed", detail="more than 24 h late")])
    commit(root, "an old missed line")
    result = run(root, local("2026-12-03 09:01"), tmp_path)
    assert {(p.post_id, p.status) for p in result.pairs} == {("old", R_PUBLISHED)}


def test_cli_exit_code_summary_and_plan_show_the_miss(tmp_path):
    root = make_repo(tmp_path / "repo", schedule={"cadence": {"sandbox-a": [{"days": ["tue"], "times": ["09:00"]}]}})
    write_post(root, "late", profiles=["sandbox-a"], at="2026-12-01 09:00")
    git_init(root)
    env = {"SOCIALOPS_SANDBOX": str(tmp_path / "sandbox.sqlite")}
    runner = CliRunner()
    out = runner.invoke(main, ["--repo", str(root), "publish", "--now", "2026-12-02 10:00", "--no-push"], env=env)
    assert out.exit_code == 1, out.output
    assert "1 missed" in out.output
    plan = runner.invoke(main, ["--repo", str(root), "plan", "--now", "2026-12-02 10:00", "--format", "json"])
    assert plan.exit_code == 0, plan.output
    entries = [e for p in json.loads(plan.stdout)["profiles"] for w in p["weeks"] for e in w["entries"]]
    (entry,) = [e for e in entries if e.get("post") == "late"]
    assert entry["source"] == "missed" and entry["state"] == "filled"
    text = runner.invoke(main, ["--repo", str(root), "plan", "--now", "2026-12-02 10:00"])
    assert "late (MISSED, not posted: give it a new publish_at" in text.output
