"""`socialops plan`: formats, --check with the Content plan issue, the ledger, a broken schedule."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from socialops.cli import main
from socialops.state.publications import Event, Ledger
from socialops.tracker.outbox import OutboxTracker
from tests.helpers import make_repo

SCHEDULE = """\
timezone: Europe/Helsinki
late_window: 1h
horizon_days: 7
pillars:
  menu: {share: 60, goal: "Food"}
  events: {share: 40, goal: "Events"}
cadence:
  cafe-masto:
    - {days: [mon, wed, fri], times: ["09:00"]}
blackout:
  - {from: 2026-12-24, to: 2026-12-26, reason: Joulu}
"""


def queued(pid: str, created: str, pillar: str = "menu") -> str:
    return f"---\nid: {pid}\nprofiles: [cafe-masto]\npillar: {pillar}\ncreated: {created}\n---\nHei {pid}\n"


def timed(pid: str, at: str) -> str:
    return f"---\nid: {pid}\nprofiles: [cafe-masto]\npillar: events\npublish_at: {at}\n---\nHei {pid}\n"


NOW = "2026-11-29 12:00"  # Sunday; the horizon runs to Sun 6.12.: Mon 30.11., Wed 2.12., Fri 4.12.


def run(root, *args, env=None):
    return CliRunner(env={"GITHUB_TOKEN": "", **(env or {})}).invoke(
        main, ["--repo", str(root), "plan", "--now", NOW, *args], catch_exceptions=False)


def repo(tmp_path, posts):
    return make_repo(tmp_path, posts, schedule=SCHEDULE)


def test_text_plan(tmp_path):
    root = repo(tmp_path, {"content/a.md": queued("a", "2026-11-01 10:00"),
                           "content/t.md": timed("t", "2026-12-02 09:00")})
    result = run(root)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Content plan 2026-11-23 to 2026-12-06 (2 weeks, Europe/Helsinki)" in out
    assert "Mon 2026-11-30 09:00  a [menu] (queued): a" in out
    assert "Wed 2026-12-02 09:00  t [events] (timed): t" in out
    assert "Fri 2026-12-04 09:00  EMPTY" in out
    assert "Empty slots in the next 7 days: 1" in out
    assert "cafe-bsky (sandbox): no cadence in schedule.yaml" in out


def test_weeks_option(tmp_path):
    root = repo(tmp_path, {})
    out = run(root, "--weeks", "4").stdout
    assert "(4 weeks" in out and "2026-W51 from 2026-12-14" in out
    assert run(root, "--weeks", "0").exit_code == 2


def test_json_is_only_json(tmp_path):
    root = repo(tmp_path, {"content/a.md": queued("a", "2026-11-01 10:00")})
    result = run(root, "--format", "json", "--check", "--no-issue")
    data = json.loads(result.stdout)
    assert data["gaps"] == [{"profile": "cafe-masto", "at": "2026-12-02T09:00+02:00"},
                            {"profile": "cafe-masto", "at": "2026-12-04T09:00+02:00"}]
    assert data["queue_order"] == ["a"]
    assert "2 empty slots" in result.stderr
    assert result.exit_code == 1


def test_markdown(tmp_path):
    root = repo(tmp_path, {"content/a.md": queued("a", "2026-11-01 10:00")})
    out = run(root, "--format", "markdown").stdout
    assert out.startswith("# Content plan 2026-11-23 – 2026-12-06")
    assert "| Mon 2026-11-30 09:00 | filled | `a` a | menu | queued |" in out


def test_check_opens_and_closes_the_content_plan_issue(tmp_path):
    root = repo(tmp_path, {"content/a.md": queued("a", "2026-11-01 10:00")})
    result = run(root, "--check")
    assert result.exit_code == 1
    assert "the 'Content plan' issue: opened" in result.stderr
    issue = OutboxTracker(root).find_issue("content-plan")
    assert issue.state == "open"
    assert "`cafe-masto`: Wed 2026-12-02 09:00, Fri 2026-12-04 09:00" in issue.body
    # the gaps are filled: exit 0 and the issue is closed
    (root / "content/b.md").write_text(queued("b", "2026-11-02 10:00"), encoding="utf-8")
    (root / "content/c.md").write_text(queued("c", "2026-11-03 10:00"), encoding="utf-8")
    result = run(root, "--check")
    assert result.exit_code == 0, result.output
    assert "the 'Content plan' issue: closed" in result.stderr
    assert OutboxTracker(root).find_issue("content-plan").state == "closed"


def test_check_no_issue_leaves_the_tracker_alone(tmp_path):
    root = repo(tmp_path, {})
    assert run(root, "--check", "--no-issue").exit_code == 1
    assert not (root / ".socialops" / "outbox").exists()


def test_published_pairs_come_from_the_ledger(tmp_path):
    root = repo(tmp_path, {"content/a.md": queued("a", "2026-11-01 10:00"),
                           "content/b.md": queued("b", "2026-11-02 10:00")})
    at = dt.datetime(2026, 11, 30, 7, 2, tzinfo=dt.UTC)  # 09:02 in Helsinki
    Ledger(root).append([Event(at, "a", "cafe-masto", "published", remote_id="1", url="https://m.example/1")])
    result = run(root, "--now", "2026-11-30 12:00", "--format", "json")
    data = json.loads(result.stdout)
    masto = next(p for p in data["profiles"] if p["id"] == "cafe-masto")
    entries = masto["weeks"][0]["entries"]
    assert [(e["at"], e["state"], e.get("post"), e.get("source")) for e in entries] == [
        ("2026-11-30T09:02+02:00", "filled", "a", "published"),  # published late: keeps its 09:00 slot
        ("2026-12-02T09:00+02:00", "filled", "b", "queue"),
        ("2026-12-04T09:00+02:00", "empty", None, None)]
    assert entries[0]["slot"] == "2026-11-30T09:00+02:00"
    assert data["counts"]["published_pairs"] == 1


def test_blackout_post_fails_check(tmp_path):
    root = repo(tmp_path, {"content/x.md": timed("x", "2026-12-25 10:00"), **{
        f"content/{c}.md": queued(c, f"2026-11-0{i + 1} 10:00") for i, c in enumerate("abcdefgh")}})
    result = run(root, "--now", "2026-12-21 08:00", "--check", "--no-issue")
    assert "Blackout: x (content/x.md) is timed on Fri 2026-12-25 10:00, a blackout day (Joulu)" in result.stdout
    assert "0 empty slots" in result.stderr and "1 posts on blackout days" in result.stderr
    assert result.exit_code == 1


def test_broken_schedule_is_a_configuration_error(tmp_path):
    root = make_repo(tmp_path, {}, schedule=SCHEDULE.replace("[mon, wed, fri]", "[mon, wensday]"))
    result = run(root)
    assert result.exit_code == 2
    assert "schedule.yaml:9:" in result.stderr and "'wensday' is not a weekday" in result.stderr


def test_bad_now_is_a_usage_error(tmp_path):
    root = repo(tmp_path, {})
    result = CliRunner().invoke(main, ["--repo", str(root), "plan", "--now", "eilen"])
    assert result.exit_code == 2 and "--now" in result.stderr


def test_example_repository_plan(tmp_path):
    """The example brand's plan: every queued example post has a slot, and nothing collides."""
    here = Path(__file__).resolve().parents[1]
    root = tmp_path / "example"
    shutil.copytree(here / "content", root / "content")
    shutil.copytree(here / "profiles", root / "profiles")
    shutil.copy(here / "schedule.yaml", root / "schedule.yaml")
    result = CliRunner(env={"GITHUB_TOKEN": ""}).invoke(
        main, ["--repo", str(root), "plan", "--now", "2026-11-20 08:00", "--format", "json"], catch_exceptions=False)
    data = json.loads(result.stdout)
    assert data["unplaced"] == [] and data["collisions"] == []
    assert data["counts"]["queued"] >= 1 and data["queue_order"]


def test_best_slots_take_the_hours_of_metrics_posts_csv_up_to_now(tmp_path):
    """A `best` slot takes the hour whose posts engaged best in metrics/posts.csv (in the plan's timezone), as
    seen at --now: posts after --now do not count."""
    from socialops.metrics import tables

    root = make_repo(tmp_path, {"content/a.md": queued("a", "2026-11-01 10:00")},
                     schedule=SCHEDULE.replace('{days: [mon, wed, fri], times: ["09:00"]}',
                                               "{per_day: 1, hours: [best, 12]}"))
    rates = {7: 10, 11: 30, 16: 20}  # likes per 100 reached, by the UTC hour of the post
    posts = [{"profile": "cafe-masto", "post_id": f"p{day}-{hour}", "published_at": f"2026-11-{day:02d}T{hour:02d}:00:00Z",
              "status": "live", "likes": str(likes), "reach": "100", "updated": "2026-11-28"}
             for day in (2, 9, 16) for hour, likes in rates.items()]
    # after --now: would make 07 UTC the best hour, but the plan at 29.11. does not see it yet
    posts += [{"profile": "cafe-masto", "post_id": f"late{i}", "published_at": f"2026-12-1{i}T07:00:00Z",
               "status": "live", "likes": "99", "reach": "100", "updated": "2026-12-20"} for i in range(5)]
    tables.upsert(root, tables.Fragment(posts=posts))
    result = run(root, "--format", "json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    masto = next(p for p in plan["profiles"] if p["id"] == "cafe-masto")
    entries = [e for week in masto["weeks"] for e in week["entries"]]
    assert {e["at"][11:] for e in entries} == {"13:00+02:00"}  # every slot at 11 UTC, 13:00 in Helsinki
    assert next(e for e in entries if e.get("post") == "a")["at"] == "2026-11-29T13:00+02:00"
    assert all(e.get("best") for e in entries) and not plan["notes"]
