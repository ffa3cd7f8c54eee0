"""`socialops calendar`: an .ics file parsed back with icalendar, stable across runs, linking published posts."""

from __future__ import annotations

import datetime as dt

import icalendar
from click.testing import CliRunner

from socialops.cli import main
from socialops.state.publications import Event, Ledger
from tests.helpers import make_repo

SCHEDULE = """\
timezone: Europe/Helsinki
late_window: 1h
cadence:
  cafe-masto:
    - {days: [mon, wed, fri], times: ["09:00"]}
"""
POSTS = {
    "content/2026/11/a.md": "---\nid: a\nprofiles: [cafe-masto]\ncreated: 2026-11-01 10:00\n---\nHei\n",
    "content/2026/12/t.md": "---\nid: t\ntitle: Joulu\nprofiles: [cafe-masto, cafe-bsky]\n"
                            "publish_at: 2026-12-02 12:00\n---\nHei\n",
    "content/2026/12/live.md": "---\nid: live\ntitle: Glögikurssi\nprofiles: [cafe-fb]\npublish_at: 2026-12-08 12:00\n"
                               "type: live\nlive: {starts_at: 2026-12-10 18:00, duration_minutes: 45, "
                               "url: https://cafe.example/live}\n---\nTule!\n",
}


def invoke(root, *args):
    return CliRunner().invoke(main, ["--repo", str(root), "calendar", "--now", "2026-11-30 08:00", *args],
                              catch_exceptions=False)


def uids(data: bytes) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(data).walk("VEVENT")}


def test_calendar_to_stdout_and_to_file(tmp_path):
    root = make_repo(tmp_path / "repo", POSTS, schedule=SCHEDULE)
    result = invoke(root)
    assert result.exit_code == 0, result.output
    events = uids(result.stdout_bytes)
    assert set(events) == {"a.cafe-masto@socialops", "t.cafe-masto@socialops", "t.cafe-bsky@socialops",
                           "live.cafe-fb@socialops", "live.live@socialops"}
    assert events["live.live@socialops"].decoded("DURATION") == dt.timedelta(minutes=45)
    out = tmp_path / "site" / "plan.ics"
    result = invoke(root, "--out", str(out))
    assert result.exit_code == 0 and "wrote" in result.stderr and result.stdout == ""
    assert out.read_bytes() == invoke(root).stdout_bytes  # the same bytes for the same repository and time


def test_published_entries_link_to_the_live_post(tmp_path):
    root = make_repo(tmp_path, POSTS, schedule=SCHEDULE)
    before = uids(invoke(root).stdout_bytes)
    Ledger(root).append([Event(dt.datetime(2026, 11, 30, 7, 1, tzinfo=dt.UTC), "a", "cafe-masto", "published",
                               remote_id="11", url="https://masto.example/@cafe/11")])
    after = uids(CliRunner().invoke(main, ["--repo", str(root), "calendar", "--now", "2026-11-30 12:00"]).stdout_bytes)
    assert set(after) == set(before)  # same UIDs: a subscribed calendar updates the event
    event = after["a.cafe-masto@socialops"]
    assert str(event["URL"]) == "https://masto.example/@cafe/11"
    assert event.decoded("DTSTART") == dt.datetime(2026, 11, 30, 7, 1, tzinfo=dt.UTC)
    assert str(event["SUMMARY"]).startswith("Published:")


def test_weeks_extends_the_queue(tmp_path):
    many = {f"content/q{i}.md": f"---\nid: q{i}\nprofiles: [cafe-masto]\ncreated: 2026-11-01 10:{i:02d}\n---\nHei\n"
            for i in range(10)}
    root = make_repo(tmp_path, many, schedule=SCHEDULE)
    assert len(uids(invoke(root, "--weeks", "2").stdout_bytes)) == 6  # 14 days: Mon 30.11. to Fri 11.12.
    assert len(uids(invoke(root).stdout_bytes)) == 10  # 13 weeks by default


def test_past_weeks_limits_history(tmp_path):
    old = {"content/old.md": "---\nid: old\nprofiles: [cafe-masto]\npublish_at: 2026-09-01 09:00\n---\nHei\n",
           "content/new.md": "---\nid: new\nprofiles: [cafe-masto]\npublish_at: 2026-11-20 09:00\n---\nHei\n"}
    root = make_repo(tmp_path, old, schedule=SCHEDULE)
    assert set(uids(invoke(root).stdout_bytes)) == {"old.cafe-masto@socialops", "new.cafe-masto@socialops"}
    assert set(uids(invoke(root, "--past-weeks", "4").stdout_bytes)) == {"new.cafe-masto@socialops"}
