"""Evergreen posts (issue 22, point 5): after its interval on a profile a post goes back into the queue at the
next free cadence slot, never twice within the interval on a profile; each republication its own ledger pair
(`<post id>@<n>`), published exactly once, shown in the plan."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from socialops.cli import main
from socialops.networks.sandbox.store import sandbox_posts
from socialops.plan.queue import resolve_times
from socialops.plan.view import build_plan
from socialops.publish.results import R_PUBLISHED
from socialops.publish.run import run_publish
from socialops.repository.config import load_config
from socialops.repository.index import load_index
from socialops.repository.recurrence import RuleError, evergreen_days
from socialops.state.publications import PUBLICATIONS, Event, Ledger
from tests.publish_support import IDENTITY, git, git_init, make_repo, write_post

HEL = ZoneInfo("Europe/Helsinki")
EVERY_DAY = {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "times": ["10:00"]}


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=HEL)


def evergreen_repo(tmp_path: Path, every: str = "14 days", cadence=None) -> Path:
    cadence = cadence or {"sandbox-a": [EVERY_DAY], "sandbox-b": [EVERY_DAY]}
    root = make_repo(tmp_path / "repo", schedule={"cadence": cadence})
    write_post(root, "roast", profiles=["sandbox-a", "sandbox-b"], at="2026-12-01 10:00",
               evergreen={"every": every})
    git_init(root)
    return root


def run(root: Path, now: dt.datetime, tmp_path: Path):
    env = {"SOCIALOPS_SANDBOX": str(tmp_path / "sandbox.sqlite")}
    return run_publish(root, now=now, env=env, sleep=lambda s: None)


def posted(tmp_path: Path) -> list[tuple[str, str, str]]:
    """(post id, profile, when) of every post on the sandbox network, in order."""
    rows = sandbox_posts(tmp_path / "sandbox.sqlite")
    return sorted((r["post_id"], r["profile"], r["created_at"]) for r in rows)


def times_of(root: Path, now: dt.datetime, published: dict) -> dict:
    config = load_config(root)
    return resolve_times(load_index(root, HEL), config.profiles, config.schedule, now=now, published=published)


# --- the interval ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "days"), [({"every": "60 days"}, 60), ("8 weeks", 56), (30, 30),
                                             ({"every": "1 day"}, 1)])
def test_intervals(value, days):
    assert evergreen_days(value) == days


@pytest.mark.parametrize("value", [{"every": "soon"}, "0 days", {"evry": "60 days"}, "60", {"every": "2 months"},
                                   True])
def test_intervals_that_cannot_be_used(value):
    with pytest.raises(RuleError, match="evergreen"):
        evergreen_days(value)


def test_validate_names_the_file_and_line(tmp_path):
    root = make_repo(tmp_path / "repo")
    write_post(root, "bad", at="2026-12-04 16:00", evergreen={"every": "sometimes"})
    write_post(root, "both", at="2026-12-04 16:00", evergreen="60 days", repeat={"every": "week"})
    result = CliRunner().invoke(main, ["--repo", str(root), "validate", "--format", "json"])
    assert result.exit_code == 1
    problems = {p["path"]: p for p in json.loads(result.stdout)["problems"] if p["code"] == "evergreen-invalid"}
    assert problems["content/2026/12/bad.md"]["line"] == 7 and "60 days" in problems["content/2026/12/bad.md"][
        "message"]
    assert "remove one" in problems["content/2026/12/both.md"]["message"]


# --- the queue ---------------------------------------------------------------------------------------------------


def test_it_comes_back_at_the_first_free_slot_after_its_interval_on_each_profile(tmp_path):
    root = evergreen_repo(tmp_path)
    published = {("roast", "sandbox-a"): local("2026-12-01 10:00"), ("roast", "sandbox-b"): local("2026-12-03 10:00")}
    times = times_of(root, local("2026-12-10 12:00"), published)
    assert times[("roast@1", "sandbox-a")].at == local("2026-12-15 10:00")  # 14 days after, at 10:00 that day
    assert times[("roast@1", "sandbox-b")].at == local("2026-12-17 10:00")  # its own interval on sandbox-b
    assert not any(k[0] == "roast@2" for k in times)
    # Once the first republication went out, the second counts from it.
    published[("roast@1", "sandbox-a")] = local("2026-12-15 10:03")
    times = times_of(root, local("2026-12-20 12:00"), published)
    assert times[("roast@1", "sandbox-a")].published_at == local("2026-12-15 10:03")
    assert times[("roast@2", "sandbox-a")].at == local("2026-12-29 10:00")  # 14 days on the calendar


def test_fresh_posts_go_first_and_it_takes_the_slot_after(tmp_path):
    root = evergreen_repo(tmp_path)
    write_post(root, "fresh", profiles=["sandbox-a"], at=None, created="2026-12-10")
    published = {("roast", "sandbox-a"): local("2026-12-01 10:00")}
    times = times_of(root, local("2026-12-15 10:30"), published)  # the queue starts 24 hours before now
    assert times[("fresh", "sandbox-a")].at == local("2026-12-15 10:00")
    assert times[("roast@1", "sandbox-a")].at == local("2026-12-16 10:00")


def test_plan_shows_the_coming_republication(tmp_path):
    root = evergreen_repo(tmp_path)
    Ledger(root).append([Event(local("2026-12-01 10:00"), "roast", pid, "published", remote_id="1")
                         for pid in ("sandbox-a", "sandbox-b")])
    config = load_config(root)
    plan = build_plan(load_index(root, HEL), config.profiles, config.schedule, now=local("2026-12-07 09:00"),
                      weeks=2, published={("roast", p): local("2026-12-01 10:00") for p in ("sandbox-a", "sandbox-b")})
    [profile] = [p for p in plan["profiles"] if p["id"] == "sandbox-a"]
    filled = [(e["at"], e["post"], e["title"], e.get("source")) for w in profile["weeks"] for e in w["entries"]
              if e.get("post")]
    assert filled == [("2026-12-15T10:00+02:00", "roast@1", "Post roast", "queue")]


# --- publishing --------------------------------------------------------------------------------------------------


def test_runs_over_weeks_publish_each_republication_once_never_within_the_interval(tmp_path):
    root = evergreen_repo(tmp_path, every="10 days", cadence={
        "sandbox-a": [EVERY_DAY], "sandbox-b": [{"days": ["tue", "fri"], "times": ["10:00"]}]})
    now = local("2026-12-01 10:05")
    while now < local("2027-02-01 00:00"):
        assert not run(root, now, tmp_path).failed
        assert run(root, now, tmp_path).pairs == []  # the same minute again: nothing more
        now += dt.timedelta(days=1)
    got = posted(tmp_path)
    counts = Counter((post_id, pid) for post_id, pid, _ in got)
    assert set(counts.values()) == {1}
    assert [p for p, pid, _ in got if pid == "sandbox-a"] == ["roast"] + [f"roast@{n}" for n in range(1, 7)]
    for pid in ("sandbox-a", "sandbox-b"):
        days = sorted(dt.datetime.fromisoformat(at).astimezone(HEL).date() for _, p, at in got if p == pid)
        assert all((b - a).days >= 10 for a, b in zip(days, days[1:], strict=False))
    # sandbox-b's slots are Tuesdays and Fridays: each republication the first of them 10 days after the last.
    b_days = [f"{t.astimezone(HEL):%a %d.%m}" for t in sorted(dt.datetime.fromisoformat(at) for _, p, at in got
                                                               if p == "sandbox-b")]
    assert b_days == ["Tue 01.12", "Fri 11.12", "Tue 22.12", "Fri 01.01", "Tue 12.01", "Fri 22.01"]


def test_a_claim_left_by_a_crash_is_reconciled_not_published_again(tmp_path):
    from socialops.networks.contract import open_network
    from socialops.repository.profiles import load_profile
    from tests.test_sandbox import request

    root = evergreen_repo(tmp_path, cadence={"sandbox-a": [EVERY_DAY]})
    assert run(root, local("2026-12-01 10:05"), tmp_path).pairs[0].status == R_PUBLISHED
    # A run claimed the first republication, posted it, and died before recording it.
    Ledger(root).append([Event(local("2026-12-15 10:00"), "roast@1", "sandbox-a", "claimed", attempt=1,
                               key="k-dead", run="deadclone/run1")])
    git(root, "add", PUBLICATIONS)
    git(root, "commit", "-q", "-m", "a claim of a run that died", env=IDENTITY)
    with open_network(load_profile(root, "profiles/sandbox-a.yaml"),
                      env={"SOCIALOPS_SANDBOX": str(tmp_path / "sandbox.sqlite")}, root=root) as net:
        item = request(tmp_path, key="k-dead", post_id="roast@1")
        item.profile_id = "sandbox-a"
        net.publish(item)
    result = run(root, local("2026-12-15 11:30"), tmp_path)
    rows = {(p.post_id, p.profile): p for p in result.pairs}
    assert rows[("roast@1", "sandbox-a")].status == R_PUBLISHED
    assert rows[("roast@1", "sandbox-a")].detail == "reconciled"
    run(root, local("2026-12-16 10:05"), tmp_path)
    assert Counter(p for p, pid, _ in posted(tmp_path) if pid == "sandbox-a") == Counter({"roast": 1, "roast@1": 1})
