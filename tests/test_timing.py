"""The timing estimate on synthetic data whose answer is known: an audience online at 18:00 and a brand that has
always posted at 09:00."""

from __future__ import annotations

import datetime as dt

from socialops.metrics import timing
from socialops.metrics.best_times import best_hours, best_times

UTC = dt.UTC
NOW = dt.datetime(2026, 12, 31, 12, 0, tzinfo=UTC)
# followers online per UTC hour: few at night, some in the morning, most at 18:00
ONLINE = {h: 40 for h in range(24)} | {8: 120, 9: 150, 10: 130, 16: 200, 17: 300, 18: 420, 19: 310, 20: 220}


def audience(profile: str = "insta", day: str = "2026-12-30") -> list[dict[str, str]]:
    return [{"date": day, "profile": profile, "network": "instagram", "dimension": timing.ONLINE,
             "bucket": f"{h:02d}", "value": str(v)} for h, v in ONLINE.items()]


def posts(hour: int, rate: float, count: int, *, first_day: int = 1, profile: str = "insta") -> list[dict[str, str]]:
    return [{"profile": profile, "post_id": f"{hour}-{first_day + i}", "network": "instagram",
             "published_at": f"2026-12-{first_day + i:02d}T{hour:02d}:00:00Z", "engagement_rate": str(rate),
             "status": "live"} for i in range(count)]


def test_audience_online_at_18_beats_a_habit_of_posting_at_09_with_low_confidence_at_first():
    nothing_yet = best_times([], UTC, now=NOW, audience=audience())["insta"]
    assert nothing_yet.best_hours[0] == 18 and nothing_yet.level == "low" and nothing_yet.basis == "audience"
    habit = posts(9, 0.05, 10)
    found = best_times(habit, UTC, now=NOW, audience=audience())["insta"]
    assert found.best_hours[0] == 18 and found.level == "low"
    assert dict((h, n) for h, _, n in found.hours)[9] == 10


def test_confidence_grows_as_results_at_the_suggested_hour_come_in():
    habit = posts(9, 0.05, 10)
    levels = []
    for tried in (0, 2, 6, 12):
        rows = habit + posts(18, 0.09, tried, first_day=13)
        found = best_times(rows, UTC, now=NOW, audience=audience())["insta"]
        assert found.best_hours[0] == 18
        levels.append(found.confidence)
    assert levels == sorted(levels) and len(set(levels)) == 4
    assert timing.level(levels[0]) == "low" and timing.level(levels[-1]) == "medium"


def test_own_results_outweigh_the_audience_when_they_disagree():
    """The brand's own posts at 18:00 do badly and at 09:00 well: with enough of them, 09:00 wins."""
    rows = posts(9, 0.09, 12) + posts(18, 0.03, 12, first_day=13)
    found = best_times(rows, UTC, now=NOW, audience=audience())["insta"]
    assert found.best_hours[0] == 9


def test_without_an_audience_signal_the_general_pattern_is_the_prior_and_nothing_known_is_left_out():
    found = best_times(posts(9, 0.05, 4), UTC, now=NOW)["insta"]
    assert found.basis == "general" and found.reason == ""
    assert best_hours([], UTC, now=NOW) == {}
    empty = best_times([], UTC, now=NOW, profiles=["other"])["other"]
    assert empty.reason.startswith("nothing to go on yet") and empty.best_hours == []


def test_the_networks_other_profiles_are_the_prior_of_a_new_profile():
    peers = posts(12, 0.02, 10, profile="old") + posts(20, 0.08, 10, first_day=11, profile="old")
    rows = peers + posts(9, 0.05, 1, profile="new")
    found = best_times(rows, UTC, now=NOW)["new"]
    assert found.basis == "network" and found.best_hours[0] == 20


def test_online_hours_are_read_in_the_plans_timezone_from_the_latest_day():
    from zoneinfo import ZoneInfo

    older = [dict(r, date="2026-11-01", value="1") for r in audience()]
    online = timing.online_by_hour(older + audience(), ZoneInfo("Europe/Helsinki"))["insta"]
    assert online.index(max(online)) == 20  # 18 UTC is 20:00 in Helsinki in December


def test_unreadable_online_rows_are_left_out():
    rows = audience() + [{"date": "", "profile": "insta", "dimension": timing.ONLINE, "bucket": "03", "value": "9999"},
                         {"date": "2026-12-30", "profile": "insta", "dimension": timing.ONLINE, "bucket": "24",
                          "value": "9999"}]
    online = timing.online_by_hour(rows, UTC)["insta"]
    assert online == [float(ONLINE[h]) for h in range(24)]
