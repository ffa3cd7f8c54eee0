"""core.times.check_when: validation's quick question gives parse_when's answer, error message and all."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from socialops.core.times import check_when, parse_when

ZONES = [ZoneInfo(name) for name in ("Europe/Helsinki", "America/New_York", "Australia/Lord_Howe", "UTC",
                                     "Asia/Kolkata", "America/St_Johns")]


def _outcome(func, value, tz):
    try:
        func(value, tz)
    except ValueError as exc:
        return str(exc)
    return None


def _days_around_transitions(tz: ZoneInfo) -> list[dt.date]:
    """The days (2025-2040) on which the zone's offset changes, with the days either side."""
    days = []
    day = dt.date(2025, 1, 1)
    while day < dt.date(2040, 1, 1):
        noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=tz)
        if noon.utcoffset() != (noon + dt.timedelta(days=1)).utcoffset():
            days += [day, day + dt.timedelta(days=1), day + dt.timedelta(days=2)]
        day += dt.timedelta(days=1)
    return days or [dt.date(2026, 3, 29)]


@pytest.mark.parametrize("tz", ZONES, ids=lambda tz: tz.key)
def test_every_quarter_hour_around_each_clock_change_gets_the_same_answer(tz):
    checked = errors = 0
    for day in _days_around_transitions(tz):
        for minutes in range(0, 24 * 60, 15):
            text = f"{day:%Y-%m-%d} {minutes // 60:02d}:{minutes % 60:02d}"
            for value in (text, text.replace(" ", "T"), f" {text}:00 ", text + "+02:00"):
                expected = _outcome(parse_when, value, tz)
                assert _outcome(check_when, value, tz) == expected, value
                checked += 1
                errors += expected is not None
    if tz.key not in ("UTC", "Asia/Kolkata"):
        assert errors  # the gaps and overlaps were among them


@pytest.mark.parametrize("value", [None, "", "  ", "tomorrow", "2026-12-01", "2026-12-01 ", "12:00", "2026-13-01 09:00",
                                   "2026-12-01 9:00", "2026-12-01 09:00Z", "2026-12-01T09:00:00Z", "2026-12-01 09:00z",
                                   "2026-12-01 09:00 +0200", "2026-12-01 09:00:00.5", "2026-12-01 09:00+0200",
                                   "2027-03-28 03:15", "2026-10-25 03:15", "2026-10-25T03:15", "x" * 40, 12, 1.5,
                                   True, [1, 2], {"a": 1}, dt.date(2026, 12, 1), dt.datetime(2026, 10, 25, 3, 15),
                                   dt.datetime(2027, 3, 28, 3, 15), dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)])
def test_odd_values_get_the_same_answer(value):
    for tz in ZONES:
        assert _outcome(check_when, value, tz) == _outcome(parse_when, value, tz)
