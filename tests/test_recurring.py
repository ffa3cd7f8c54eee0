"""Recurring posts (issue 22, point 5): `repeat:` rules in the plan's wall-clock time across DST changes, each
occurrence its own ledger pair (`<post id>@<UTC minute>`), published exactly once, shown in the plan."""

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
from socialops.plan.view import build_plan
from socialops.publish.results import R_MISSED, R_PUBLISHED
from socialops.publish.run import run_publish
from socialops.repository.config import load_config
from socialops.repository.index import load_index
from socialops.repository.recurrence import RuleError, base_id, occurrence_id, occurrences, repeat_rule
from socialops.state.publications import PUBLICATIONS, PUBLISHED, Event, Ledger
from tests.publish_support import IDENTITY, git, git_init, make_repo, write_post

HEL = ZoneInfo("Europe/Helsinki")
LON = ZoneInfo("Europe/London")


def local(text: str, tz: ZoneInfo = HEL) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=tz)


def times(value, start: str | None, tz: ZoneInfo, lo: str, hi: str) -> list[str]:
    rule = repeat_rule(value, local(start, tz) if start else None, tz)
    return [f"{t:%Y-%m-%d %H:%M%z}" for t in occurrences(rule, local(lo, tz), local(hi, tz))]


# --- the rules -------------------------------------------------------------------------------------------------


def test_every_friday_at_16_stays_16_across_both_dst_changes_in_helsinki():
    got = times({"every": "week", "on": "friday", "at": "16:00"}, "2027-03-19 16:00", HEL,
                "2027-03-19 00:00", "2027-04-03 00:00")
    assert got == ["2027-03-19 16:00+0200", "2027-03-26 16:00+0200", "2027-04-02 16:00+0300"]
    got = times({"every": "week", "on": "friday", "at": "16:00"}, "2026-10-23 16:00", HEL,
                "2026-10-23 00:00", "2026-11-07 00:00")
    assert got == ["2026-10-23 16:00+0300", "2026-10-30 16:00+0200", "2026-11-06 16:00+0200"]


def test_every_first_monday_in_london_across_spring_and_autumn():
    got = times({"rrule": "FREQ=MONTHLY;BYDAY=1MO"}, "2027-01-04 09:00", LON, "2027-01-01 00:00",
                "2027-12-31 00:00")
    assert [t[:10] for t in got] == ["2027-01-04", "2027-02-01", "2027-03-01", "2027-04-05", "2027-05-03",
                                     "2027-06-07", "2027-07-05", "2027-08-02", "2027-09-06", "2027-10-04",
                                     "2027-11-01", "2027-12-06"]
    assert {t[11:] for t in got} == {"09:00+0000", "09:00+0100"}  # 09:00 on the clock, summer and winter
    friendly = times({"every": "month", "on": "first monday", "at": "09:00", "from": "2027-01-01"}, None, LON,
                     "2027-01-01 00:00", "2027-12-31 00:00")
    assert friendly == got


def test_a_time_in_the_spring_gap_goes_out_an_hour_later_and_one_in_the_autumn_overlap_once():
    # Helsinki: 2027-03-28 03:00 -> 04:00 (03:30 does not exist); 2026-10-25 04:00 -> 03:00 (03:30 twice).
    spring = times({"every": "day", "at": "03:30", "from": "2027-03-27"}, None, HEL, "2027-03-27 00:00",
                   "2027-03-30 00:00")
    assert spring == ["2027-03-27 03:30+0200", "2027-03-28 04:30+0300", "2027-03-29 03:30+0300"]
    autumn = times({"every": "day", "at": "03:30", "from": "2026-10-24"}, None, HEL, "2026-10-24 00:00",
                   "2026-10-27 00:00")
    assert autumn == ["2026-10-24 03:30+0300", "2026-10-25 03:30+0300", "2026-10-26 03:30+0200"]
    # London: 2027-03-28 01:00 -> 02:00; 2026-10-25 02:00 -> 01:00.
    assert times({"every": "day", "at": "01:30", "from": "2027-03-27"}, None, LON, "2027-03-27 00:00",
                 "2027-03-30 00:00") == ["2027-03-27 01:30+0000", "2027-03-28 02:30+0100", "2027-03-29 01:30+0100"]
    assert times({"every": "day", "at": "01:30", "from": "2026-10-24"}, None, LON, "2026-10-24 00:00",
                 "2026-10-27 00:00") == ["2026-10-24 01:30+0100", "2026-10-25 01:30+0100", "2026-10-26 01:30+0000"]


def test_until_and_count():
    got = times({"every": "week", "on": "friday", "until": "2026-12-25"}, "2026-12-04 16:00", HEL,
                "2026-12-01 00:00", "2027-02-01 00:00")
    assert [t[:10] for t in got] == ["2026-12-04", "2026-12-11", "2026-12-18", "2026-12-25"]
    got = times({"every": "2 weeks", "count": 3}, "2026-12-04 16:00", HEL, "2026-12-01 00:00", "2027-06-01 00:00")
    assert [t[:10] for t in got] == ["2026-12-04", "2026-12-18", "2027-01-01"]
    got = times({"every": "month", "on": [1, 15], "at": ["09:00", "16:00"], "from": "2026-12-01", "count": 3},
                None, HEL, "2026-12-01 00:00", "2027-06-01 00:00")
    assert got == ["2026-12-01 09:00+0200", "2026-12-01 16:00+0200", "2026-12-15 09:00+0200"]


@pytest.mark.parametrize(("value", "start", "words", "keys"), [
    ({"every": "fortnight"}, "2026-12-04 16:00", "'every' must be day", ("repeat", "every")),
    ({"every": "week", "on": "fri day"}, "2026-12-04 16:00", "not a day", ("repeat", "on")),
    ({"every": "week", "on": "first monday"}, "2026-12-04 16:00", "needs 'every: month'", ("repeat", "on")),
    ({"every": "week", "at": "25:00"}, "2026-12-04 16:00", "not a time of day", ("repeat", "at")),
    ({"every": "week"}, None, "needs a first time", ("repeat",)),
    ({"every": "week", "from": "2026-12-04"}, None, "say when in the day", ("repeat",)),
    ({"every": "week", "until": "2026-12-31", "count": 2}, "2026-12-04 16:00", "not both", ("repeat", "count")),
    ({"rrule": "FREQ=HOURLY"}, "2026-12-04 16:00", "at most daily", ("repeat", "rrule")),
    ({"rrule": "FREQ=SOMETIMES"}, "2026-12-04 16:00", "not a recurrence rule", ("repeat", "rrule")),
    ({"every": "week", "evry": 1}, "2026-12-04 16:00", "no key 'evry'", ("repeat", "evry")),
    ({"every": "week", "until": "2026-01-01"}, "2026-12-04 16:00", "before the first time", ("repeat", "until")),
])
def test_rules_that_cannot_be_used_say_what_to_fix(value, start, words, keys):
    with pytest.raises(RuleError, match=words) as caught:
        repeat_rule(value, local(start) if start else None, HEL)
    assert caught.value.keys == keys


def test_occurrence_ids_are_utc_minutes_and_lead_back_to_the_post():
    assert occurrence_id("weekly-offer", local("2026-12-04 16:00")) == "weekly-offer@20261204T1400Z"
    assert base_id("weekly-offer@20261204T1400Z") == "weekly-offer" == base_id("weekly-offer")


# --- validate --------------------------------------------------------------------------------------------------


def test_validate_names_the_file_and_line_of_a_bad_rule(tmp_path):
    root = make_repo(tmp_path / "repo")
    write_post(root, "bad", at="2026-12-04 16:00", repeat={"every": "week", "on": "someday"})
    result = CliRunner().invoke(main, ["--repo", str(root), "validate", "--format", "json"])
    assert result.exit_code == 1
    [problem] = [p for p in json.loads(result.stdout)["problems"] if p["code"] == "repeat-invalid"]
    assert problem["path"] == "content/2026/12/bad.md" and problem["line"] == 8
    assert "first monday" in problem["message"]


# --- the plan and publishing -----------------------------------------------------------------------------------


def weekly_repo(tmp_path: Path, **repeat) -> Path:
    root = make_repo(tmp_path / "repo")
    write_post(root, "friday", profiles=["sandbox-a", "sandbox-b"], at="2026-12-04 16:00",
               repeat={"every": "week", "on": "friday", "at": "16:00", **repeat})
    git_init(root)
    return root


def run(root: Path, now: dt.datetime, tmp_path: Path, faults: str = ""):
    env = {"SOCIALOPS_SANDBOX": str(tmp_path / "sandbox.sqlite"), "SOCIALOPS_SANDBOX_FAULTS": faults}
    return run_publish(root, now=now, env=env, sleep=lambda s: None)


def posted(tmp_path: Path) -> Counter:
    return Counter((r["post_id"], r["profile"]) for r in sandbox_posts(tmp_path / "sandbox.sqlite"))


def test_plan_shows_the_coming_occurrences(tmp_path):
    root = weekly_repo(tmp_path)
    config = load_config(root)
    plan = build_plan(load_index(root, HEL), config.profiles, config.schedule, now=local("2026-12-01 09:00"),
                      weeks=3)
    entries = [e for p in plan["profiles"] if p["id"] == "sandbox-a" for w in p["weeks"] for e in w["entries"]]
    assert [(e["at"], e["post"], e["title"]) for e in entries] == [
        ("2026-12-04T16:00+02:00", "friday@20261204T1400Z", "Post friday"),
        ("2026-12-11T16:00+02:00", "friday@20261211T1400Z", "Post friday"),
        ("2026-12-18T16:00+02:00", "friday@20261218T1400Z", "Post friday"),
    ]


def test_each_occurrence_is_published_once_over_repeated_runs(tmp_path):
    root = weekly_repo(tmp_path, until="2026-12-18")
    now = local("2026-12-01 08:00")
    while now < local("2026-12-28 00:00"):
        result = run(root, now, tmp_path)
        assert not result.failed
        run(root, now, tmp_path)  # the same minute again: nothing more
        now += dt.timedelta(hours=7)
    ids = [f"friday@{d}T1400Z" for d in ("20261204", "20261211", "20261218")]
    assert posted(tmp_path) == Counter({(i, p): 1 for i in ids for p in ("sandbox-a", "sandbox-b")})
    state = Ledger(root).state()
    assert all(state[(i, p)].status == PUBLISHED for i in ids for p in ("sandbox-a", "sandbox-b"))
    assert not any(pair[0] == "friday" for pair in state)  # the post itself is never a pair


def test_a_claim_left_by_a_crash_is_reconciled_not_published_again(tmp_path):
    from socialops.networks.contract import open_network
    from socialops.repository.profiles import load_profile
    from tests.test_sandbox import request

    root = weekly_repo(tmp_path)
    occurrence = "friday@20261204T1400Z"
    # A run claimed the occurrence, posted it, and died before recording it.
    Ledger(root).append([Event(local("2026-12-04 16:00"), occurrence, "sandbox-a", "claimed", attempt=1,
                               key="k-dead", run="deadclone/run1")])
    git(root, "add", PUBLICATIONS)
    git(root, "commit", "-q", "-m", "a claim of a run that died", env=IDENTITY)
    with open_network(load_profile(root, "profiles/sandbox-a.yaml"),
                      env={"SOCIALOPS_SANDBOX": str(tmp_path / "sandbox.sqlite")}, root=root) as net:
        item = request(tmp_path, key="k-dead", post_id=occurrence)
        item.profile_id = "sandbox-a"
        net.publish(item)
    result = run(root, local("2026-12-04 17:30"), tmp_path)
    rows = {(p.post_id, p.profile): p for p in result.pairs}
    assert rows[(occurrence, "sandbox-a")].status == R_PUBLISHED
    assert rows[(occurrence, "sandbox-a")].detail == "reconciled"
    assert rows[(occurrence, "sandbox-b")].status == R_PUBLISHED
    run(root, local("2026-12-04 18:30"), tmp_path)
    assert posted(tmp_path)[(occurrence, "sandbox-a")] == 1 == posted(tmp_path)[(occurrence, "sandbox-b")]


def test_an_occurrence_more_than_the_late_window_past_is_missed_once(tmp_path):
    root = weekly_repo(tmp_path)
    result = run(root, local("2026-12-05 17:00"), tmp_path)  # 25 hours after Friday 16:00
    assert {(p.post_id, p.status) for p in result.pairs} == {("friday@20261204T1400Z", R_MISSED)}
    again = run(root, local("2026-12-05 18:00"), tmp_path)
    assert again.pairs == []
    assert not posted(tmp_path)
    # Changed after the miss (which makes a missed single post due again): the next Friday comes anyway.
    path = root / "content/2026/12/friday.md"
    path.write_text(path.read_text() + "Now with cinnamon buns.\n")
    git(root, "commit", "-qam", "edited", env=IDENTITY)
    assert run(root, local("2026-12-05 19:00"), tmp_path).pairs == []
    assert run(root, local("2026-12-11 16:05"), tmp_path).pairs[0].status == R_PUBLISHED  # the next Friday goes


def test_cli_publish_with_now_over_several_weeks(tmp_path, monkeypatch):
    root = make_repo(tmp_path / "repo", profiles=("sandbox-a",))
    write_post(root, "monday", profiles=["sandbox-a"], at="2026-12-07 09:00",
               repeat={"every": "month", "on": "first monday"})
    git_init(root)
    monkeypatch.setenv("SOCIALOPS_SANDBOX", str(tmp_path / "box.sqlite"))
    monkeypatch.delenv("SOCIALOPS_SANDBOX_FAULTS", raising=False)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    day = dt.date(2026, 12, 1)
    while day < dt.date(2027, 2, 10):  # a run every morning for ten weeks
        result = CliRunner().invoke(main, ["--repo", str(root), "publish", "--now", f"{day} 09:05"],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        day += dt.timedelta(days=1)
    got = Counter(r["post_id"] for r in sandbox_posts(tmp_path / "box.sqlite"))
    assert got == Counter({"monday@20261207T0700Z": 1, "monday@20270104T0700Z": 1, "monday@20270201T0700Z": 1})


def test_a_brand_with_its_own_timezone_repeats_on_its_own_clock(tmp_path):
    from tests.brands_support import agency_repo

    text = ("---\nid: fika\nprofiles: [acme-masto]\npublish_at: 2026-12-04 15:00\n"
            "repeat: {every: week, on: friday}\n---\nFika time\n")
    root = agency_repo(tmp_path / "repo", {"content/acme/fika.md": text})
    config = load_config(root)
    [summary] = [s for s in load_index(root, config.schedule.zones) if s.id == "fika"]
    assert summary.repeat.startswith("DTSTART;TZID=Europe/Stockholm:20261204T150000")
    plan = build_plan(load_index(root, config.schedule.zones), config.profiles, config.schedule,
                      now=local("2026-12-01 09:00"), weeks=1)
    [entry] = [e for p in plan["profiles"] if p["id"] == "acme-masto" for w in p["weeks"] for e in w["entries"]
               if e.get("post", "").startswith("fika@")]
    assert entry["post"] == "fika@20261204T1400Z"  # 15:00 in Stockholm


def test_preview_shows_the_next_occurrence(tmp_path):
    from socialops.content.preview import build

    root = weekly_repo(tmp_path)
    Ledger(root).append([Event(local("2026-12-04 16:01"), "friday@20261204T1400Z", "sandbox-a", "published",
                               remote_id="1")])
    [preview] = build(root, None, now=local("2026-12-05 09:00"))
    slots = {p.profile_id: (p.slot.at, p.state) for p in preview.profiles}
    assert slots["sandbox-a"] == (local("2026-12-11 16:00"), None)
    assert slots["sandbox-b"][0] == local("2026-12-04 16:00")  # not out there yet: within the late window


def test_metrics_label_an_occurrence_as_its_post(tmp_path):
    from socialops.metrics.labels import label_rows

    root = make_repo(tmp_path / "repo")
    write_post(root, "friday", at="2026-12-04 16:00", repeat={"every": "week"}, tags=["offer"], campaign="winter")
    rows = [{"post_id": "friday@20261211T1400Z"}]
    label_rows(root, rows, HEL)
    assert rows[0]["tags"] == "offer" and rows[0]["campaign"] == "winter"


def test_the_rule_as_people_type_it_unquoted(tmp_path):
    root = make_repo(tmp_path / "repo")
    path = root / "content" / "friday.md"
    path.parent.mkdir(parents=True)
    path.write_text("---\nid: friday\nprofiles: [sandbox-a]\npublish_at: 2026-12-04 16:00\n"
                    "repeat: {every: week, on: friday, at: 16:00, until: 2026-12-31}\n---\nOffer\n")
    [summary] = load_index(root, HEL)  # `on` is YAML's true and 16:00 its 960 unless quoted: both are understood
    assert summary.error is None
    assert summary.repeat.splitlines()[1] == \
        "RRULE:FREQ=WEEKLY;UNTIL=20261231T235959;BYDAY=FR;BYHOUR=16;BYMINUTE=0;BYSECOND=0"


def test_export_plans_the_next_occurrence(tmp_path):
    from socialops.plan.export import export_rows

    root = weekly_repo(tmp_path)
    [row] = export_rows(root, load_index(root, HEL), load_config(root), now=local("2026-12-06 09:00"), published={})
    # 2026-12-04 16:00 is more than the late window past: missed, not planned
    assert row["id"] == "friday" and row["planned"] == "sandbox-a 2026-12-11 16:00; sandbox-b 2026-12-11 16:00"


def test_the_dashboard_calendar_shows_each_coming_time_and_what_went_out(tmp_path):
    from socialops.site.model import DONE, PLANNED, gather

    root = weekly_repo(tmp_path)
    Ledger(root).append([Event(local("2026-12-04 16:01"), "friday@20261204T1400Z", "sandbox-a", "published",
                               remote_id="1", url="https://sandbox.example/1")])
    data = gather(root, now=local("2026-12-05 09:00"), brand="Kahvila", private_repository=False)
    mine = sorted((e.at, e.kind, e.title, e.post_id) for e in data.entries if e.profile == "sandbox-a")
    assert mine[0] == (local("2026-12-04 16:01"), DONE, "Post friday", "friday")
    assert [(e[0], e[1]) for e in mine[1:3]] == [(local("2026-12-11 16:00"), PLANNED),
                                                  (local("2026-12-18 16:00"), PLANNED)]
    assert {e[3] for e in mine} == {"friday"}  # each links to the post's page


@pytest.mark.parametrize("value", [{"every": "day", "at": ["09:00", "17:00"]}, {"every": "3 days"},
                                   {"every": "2 weeks", "on": ["monday", "friday"]}, {"every": "week", "count": 400},
                                   {"every": "month", "on": "last friday"}])
def test_a_rule_started_years_ago_gives_the_same_times_as_walking_from_its_start(value):
    from dateutil.rrule import rrulestr

    rule = repeat_rule(value, local("2019-03-31 03:30"), HEL)
    lo, hi = local("2026-03-20 00:00"), local("2026-11-10 00:00")
    naive = rrulestr(rule.replace(";TZID=Europe/Helsinki", ""))  # every time from 2019 on, one by one
    walked = [t.replace(tzinfo=HEL, fold=0).astimezone(dt.UTC).astimezone(HEL)
              for t in naive.between(dt.datetime(2026, 3, 19), dt.datetime(2026, 11, 11), inc=True)]
    assert occurrences(rule, lo, hi) == [t for t in walked if lo <= t <= hi]
    assert occurrences(rule, lo, hi)
