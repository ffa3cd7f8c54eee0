"""The plan's cadence: slots per profile, their problems with lines, daylight saving time, blackouts, and the
schema agreeing with the loader."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from socialops.plan import cadence, view
from socialops.plan.cadence import cadence_problems
from socialops.plan.queue import resolve_times
from socialops.plan.view import build_plan
from socialops.repository.profiles import parse_profile
from socialops.repository.schedule import parse_schedule
from socialops.validate.engine import validate_repository
from tests.helpers import make_repo
from tests.plan_support import EVERY_DAY, PROFILES, UTC, XMAS, local, post, schedule_with, slots_of, times

# --- cadence ----------------------------------------------------------------------------------------------


def test_days_and_times_slots():
    s = schedule_with('p:\n  - {days: [mon, wed], times: ["15:30", "09:00"]}')
    assert slots_of(s, "2026-11-30", "2026-12-06") == [
        "2026-11-30T09:00+02:00", "2026-11-30T15:30+02:00", "2026-12-02T09:00+02:00", "2026-12-02T15:30+02:00"]


def test_finnish_weekdays_equal_english():
    fi = schedule_with('p:\n  - {days: [ma, ti, ke, to, pe, la, su], times: ["09:00"]}')
    en = schedule_with('p:\n  - {days: [mon, tue, wed, thu, fri, sat, sun], times: ["09:00"]}')
    assert slots_of(fi, "2026-11-30", "2026-12-06") == slots_of(en, "2026-11-30", "2026-12-06")
    assert len(slots_of(fi, "2026-11-30", "2026-12-06")) == 7




def test_per_week_spreads_days_and_cycles_hours():
    s = schedule_with("p:\n  - {per_week: 3, hours: [9, 12, 17]}")
    assert slots_of(s, "2026-11-30", "2026-12-06") == [
        "2026-11-30T09:00+02:00", "2026-12-02T12:00+02:00", "2026-12-04T17:00+02:00"]  # Mon 9, Wed 12, Fri 17


def test_per_week_more_than_the_hours_offer():
    found = cadence_problems(schedule_with("p:\n  - {per_week: 15, hours: [9, 17]}"))
    assert [p.code for p in found] == ["cadence-invalid"] and "7 days × 2 hours" in found[0].message


def test_per_week_two_and_four():
    two = schedule_with("p:\n  - {per_week: 2, hours: [10]}")
    assert slots_of(two, "2026-11-30", "2026-12-06") == ["2026-11-30T10:00+02:00", "2026-12-03T10:00+02:00"]
    four = schedule_with("p:\n  - {per_week: 4, hours: [9, 13, 18]}")
    assert slots_of(four, "2026-11-30", "2026-12-06") == [  # Mon 9, Tue 13, Thu 18, Sat 9
        "2026-11-30T09:00+02:00", "2026-12-01T13:00+02:00", "2026-12-03T18:00+02:00", "2026-12-05T09:00+02:00"]


def test_per_day_spreads_over_the_hours():
    s = schedule_with("p:\n  - {per_day: 2, hours: [8, 12, 18]}")
    assert slots_of(s, "2026-11-30", "2026-11-30") == ["2026-11-30T08:00+02:00", "2026-11-30T18:00+02:00"]


def test_two_rules_at_the_same_moment_give_one_slot():
    s = schedule_with('p:\n  - {days: [mon], times: ["09:00"]}\n  - {per_day: 1, hours: [9]}')
    assert slots_of(s, "2026-11-30", "2026-11-30") == ["2026-11-30T09:00+02:00"]


def test_best_uses_first_preferred_hour_until_a_report_suggests():
    s = schedule_with("p:\n  - {per_day: 1, hours: [best, 13]}")
    assert slots_of(s, "2026-11-30", "2026-11-30") == ["2026-11-30T13:00+02:00"]
    only_best = schedule_with("p:\n  - {per_day: 1, hours: [best]}")
    assert slots_of(only_best, "2026-11-30", "2026-11-30") == ["2026-11-30T09:00+02:00"]
    rules = cadence.cadence_rules(s, {"p": [19]})["p"]
    assert rules[0].pattern[0][1] == dt.time(19, 0) and rules[0].uses_best
    assert cadence_problems(s) == []
    report = build_plan([], PROFILES, s, now=local("2026-11-30 07:00"), weeks=1)
    assert any("'best'" in note and note.startswith("p:") for note in report["notes"])
    assert all(e.get("best") for e in report["profiles"][0]["weeks"][0]["entries"])


# --- cadence problems, with lines ---------------------------------------------------------------------------


BAD = """\
timezone: Europe/Helsinki
cadence:
  p:
    - {days: [mon, mo], times: ["09:00"]}
    - {days: [tue], times: ["25:00", 15:30]}
    - {per_week: 0, hours: [9]}
    - {per_day: 3, hours: [9, 12]}
    - {per_week: 2, per_day: 1, hours: [9]}
    - {day: [mon], times: ["09:00"]}
    - {per_day: 1, hours: [24, "x"]}
    - "mon 9:00"
    - {days: [mon]}
    - {times: ["09:00"], per_day: 1}
    - {per_day: 1, days: [mon], hours: [9]}
    - {days: [monday], times: ["9:00"]}
  q: []
blackout:
  - 2026-12-06
  - "2026-13-01"
  - {from: 2026-12-26, to: 2026-12-24, reason: Joulu}
  - {from: 2026-12-24}
  - {from: 2026-12-24, to: 2026-12-25, reson: x}
  - 2026-12-24 10:00:00
"""


class _Joined:
    def __init__(self, problems):
        self.message = " | ".join(p.message for p in problems)
        self.severity = problems[0].severity


def problems_by_line(text: str):
    """(line, code) -> the problems there, their messages joined."""
    found: dict = {}
    for p in cadence_problems(parse_schedule(text)):
        found.setdefault((p.line, p.code), []).append(p)
    return {k: _Joined(v) for k, v in found.items()}


def test_cadence_problems_name_line_and_fix():
    found = problems_by_line(BAD)
    assert "Did you mean 'mo" in found[(4, "cadence-day")].message  # 'mo' -> mon or ma
    assert "25:00" in found[(5, "cadence-time")].message
    assert 'YAML reads an unquoted 15:30 as 930: write it in quotes, "15:30"' in found[(5, "cadence-time")].message
    assert "1 to 168" in found[(6, "cadence-invalid")].message
    assert "'per_day: 3' needs more slots than the 2 hours offer" in found[(7, "cadence-invalid")].message
    assert "not both" in found[(8, "cadence-invalid")].message
    assert "Did you mean 'days'?" in found[(9, "unknown-key")].message
    assert "0 to 23" in found[(10, "cadence-time")].message
    assert "is not a slot" in found[(11, "cadence-invalid")].message
    assert "no times" in found[(12, "cadence-invalid")].message
    assert "takes 'hours'" in found[(13, "cadence-invalid")].message
    assert "takes no 'days'" in found[(14, "cadence-invalid")].message
    assert "Did you mean 'mon'?" in found[(15, "cadence-day")].message
    assert 'write "09:00"' in found[(15, "cadence-time")].message
    assert found[(16, "cadence-invalid")].severity == "warning"  # q: [] -> no slots
    assert (18, "blackout-invalid") not in found  # a date is fine
    assert "YYYY-MM-DD" in found[(19, "blackout-invalid")].message
    assert "swap 'from' and 'to'" in found[(20, "blackout-invalid")].message
    assert "no 'to'" in found[(21, "blackout-invalid")].message
    assert "Did you mean 'reason'?" in found[(22, "unknown-key")].message
    assert "whole days" in found[(23, "blackout-invalid")].message


def test_good_example_schedule_has_no_problems():
    from pathlib import Path

    from socialops.repository.schedule import load_schedule

    root = Path(__file__).resolve().parents[1]
    assert cadence_problems(load_schedule(root)) == []


def test_validate_reports_cadence_problems(tmp_path):
    schedule = 'timezone: Europe/Helsinki\ncadence:\n  cafe-masto:\n    - {days: [ma, xyz], times: ["09:00"]}\n'
    root = make_repo(tmp_path, schedule=schedule)
    report = validate_repository(root, None, use_cache=False)
    codes = [(p.path, p.line, p.code) for p in report.problems]
    assert ("schedule.yaml", 4, "cadence-day") in codes
    assert report.errors == 1  # ma is fine


def test_every_new_code_is_documented():
    from socialops.core.problems import CODES

    found = {p.code for p in cadence_problems(parse_schedule(BAD))}
    assert found <= set(CODES)


# --- DST ----------------------------------------------------------------------------------------------------


def test_spring_forward_keeps_wall_clock_time():
    s = schedule_with(f'p:\n  - {{days: [{EVERY_DAY}], times: ["09:00", "03:30"]}}')
    got = slots_of(s, "2027-03-27", "2027-03-29")
    assert got == ["2027-03-27T03:30+02:00", "2027-03-27T09:00+02:00",
                   "2027-03-28T04:30+03:00",  # 03:30 does not exist that night: the slot moves on by the gap
                   "2027-03-28T09:00+03:00", "2027-03-29T03:30+03:00", "2027-03-29T09:00+03:00"]
    nine = [dt.datetime.fromisoformat(t) for t in got if t[11:13] == "09"]
    assert nine[1] - nine[0] == dt.timedelta(hours=23)


def test_autumn_back_keeps_wall_clock_time_and_one_slot_in_the_repeated_hour():
    s = schedule_with(f'p:\n  - {{days: [{EVERY_DAY}], times: ["09:00", "03:30"]}}')
    got = slots_of(s, "2026-10-24", "2026-10-25")
    assert got == ["2026-10-24T03:30+03:00", "2026-10-24T09:00+03:00",
                   "2026-10-25T03:30+03:00",  # happens twice; the first (summer time) only
                   "2026-10-25T09:00+02:00"]
    nine = [dt.datetime.fromisoformat(t) for t in got if t[11:13] == "09"]
    assert nine[1] - nine[0] == dt.timedelta(hours=25)


def test_queue_across_spring_change():
    s = schedule_with(f'p:\n  - {{days: [{EVERY_DAY}], times: ["09:00"]}}')
    posts = [post(f"a{i}", created=f"2027-03-01 10:0{i}") for i in range(3)]
    result = resolve_times(posts, PROFILES, s, now=local("2027-03-27 08:00"))
    assert [times(result, (f"a{i}", "p")) for i in range(3)] == [
        "2027-03-27T09:00+02:00", "2027-03-28T09:00+03:00", "2027-03-29T09:00+03:00"]
    assert [result[(f"a{i}", "p")].at.astimezone(UTC).hour for i in range(3)] == [7, 6, 6]


def test_queue_across_autumn_change():
    s = schedule_with(f'p:\n  - {{days: [{EVERY_DAY}], times: ["09:00"]}}')
    posts = [post(f"a{i}", created=f"2026-10-01 10:0{i}") for i in range(2)]
    result = resolve_times(posts, PROFILES, s, now=local("2026-10-24 08:00"))
    assert [result[(f"a{i}", "p")].at.astimezone(UTC).hour for i in range(2)] == [6, 7]


def test_profile_timezone_is_used_for_its_slots():
    profiles = {"p": parse_profile("network: sandbox\ntimezone: America/New_York\n", "profiles/p.yaml")}
    s = schedule_with(f'p:\n  - {{days: [{EVERY_DAY}], times: ["09:00"]}}')
    result = resolve_times([post("a")], profiles, s, now=local("2026-12-01 10:00"))
    assert result[("a", "p")].at.isoformat(timespec="minutes") == "2026-12-01T09:00-05:00"


# --- blackouts ----------------------------------------------------------------------------------------------



def test_blackout_days_and_ranges_have_no_slots():
    s = schedule_with(f'p:\n  - {{days: [{EVERY_DAY}], times: ["09:00"]}}', XMAS)
    got = [t[:10] for t in slots_of(s, "2026-12-05", "2026-12-27")]
    assert "2026-12-06" not in got
    assert not {"2026-12-24", "2026-12-25", "2026-12-26"} & set(got)
    assert {"2026-12-05", "2026-12-07", "2026-12-23", "2026-12-27"} <= set(got)  # the ends are inclusive


def test_queue_jumps_over_a_blackout_range():
    s = schedule_with(f'p:\n  - {{days: [{EVERY_DAY}], times: ["09:00"]}}', XMAS)
    posts = [post(f"a{i}", created=f"2026-12-01 10:0{i}") for i in range(3)]
    result = resolve_times(posts, PROFILES, s, now=local("2026-12-22 12:00"))
    assert [times(result, (f"a{i}", "p"))[:10] for i in range(3)] == ["2026-12-23", "2026-12-27", "2026-12-28"]


def test_timed_post_on_blackout_day_is_reported():
    s = schedule_with(f'p:\n  - {{days: [{EVERY_DAY}], times: ["09:00"]}}', XMAS)
    posts = [post("xmas", at="2026-12-25 10:00"), post("old", at="2026-12-06 10:00", status="draft")]
    report = build_plan(posts, PROFILES, s, now=local("2026-12-01 08:00"), weeks=4)
    assert [(b["post"], b["reason"], b["status"]) for b in report["blackout_posts"]] == [
        ("old", None, "draft"), ("xmas", "Joulu", "ready")]
    assert view.check_findings(report)
    # timed posts keep their time even on a blackout day (the person chose it): the plan flags it instead
    assert times(resolve_times(posts, PROFILES, s, now=local("2026-12-01 08:00")), ("xmas", "p")) == \
        "2026-12-25T10:00+02:00"


@pytest.mark.parametrize(("entry", "ok"), [
    ('{days: [ma, ke, pe], times: ["09:00"]}', True),
    ("{per_week: 3, hours: [best, 12, 17]}", True),
    ("{per_day: 2, hours: [8, 18]}", True),
    ('{days: [monday], times: ["09:00"]}', False),
    ('{days: [mon], times: ["9:00"]}', False),
    ("{per_week: 3, days: [mon], hours: [9]}", False),
    ("{per_day: 1, hours: [worst]}", False),
])
def test_schema_and_loader_agree_on_slots(entry, ok):
    """Editors (the JSON Schema) and `socialops validate` accept and refuse the same slots."""
    from pathlib import Path

    import jsonschema
    import yaml

    text = f"timezone: Europe/Helsinki\ncadence:\n  p:\n    - {entry}\n"
    schema = json.loads((Path(__file__).resolve().parents[1] / "schemas/schedule.schema.json").read_text())
    schema_ok = not list(jsonschema.Draft202012Validator(schema).iter_errors(yaml.safe_load(text)))
    loader_ok = not cadence_problems(parse_schedule(text))
    assert (schema_ok, loader_ok) == (ok, ok)
