"""The iCalendar feed: valid, parsed back with icalendar, stable UIDs, published links and live sessions."""

from __future__ import annotations

import datetime as dt
import textwrap
from zoneinfo import ZoneInfo

import icalendar

from socialops.plan.calendar import build_calendar, calendar_bytes, live_uid, load_lives, post_uid
from socialops.repository.index import PostSummary, load_index
from socialops.repository.profiles import parse_profile
from socialops.repository.schedule import parse_schedule
from tests.helpers import make_repo

HKI = ZoneInfo("Europe/Helsinki")
UTC = dt.UTC

SCHEDULE = parse_schedule(textwrap.dedent("""\
    timezone: Europe/Helsinki
    late_window: 1h
    cadence:
      p:
        - {days: [mon, wed, fri], times: ["09:00"]}
"""))
PROFILES = {"p": parse_profile("network: sandbox\nimitates: mastodon\n", "profiles/p.yaml"),
            "q": parse_profile("network: sandbox\nimitates: bluesky\n", "profiles/q.yaml")}


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=HKI)


def post(pid, profiles=("p",), at=None, *, status="ready", created=None, path=None, pillar=None, type="text"):
    return PostSummary(path or f"content/{pid}.md", pid, status, tuple(profiles),
                       local(at).timestamp() if at else None, type, pillar, created, f"Title {pid}")


POSTS = [
    post("timed", ("p", "q"), "2026-12-02 10:00", pillar="menu"),
    post("queued", created="2026-11-01 10:00"),
    post("done", created="2026-10-01 10:00"),
    post("draft", at="2026-12-03 12:00", status="draft"),
    post("draft-queued", status="draft"),
]
NOW = local("2026-11-30 10:00")
PUBLISHED = {("done", "p"): local("2026-11-30 09:02"), ("deleted", "q"): local("2026-11-20 12:00")}
URLS = {("done", "p"): "https://social.example/@cafe/1", ("deleted", "q"): "https://bsky.example/post/2"}


def events_of(data: bytes) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(data)
    assert cal["VERSION"] == "2.0" and cal["PRODID"]
    return {str(ev["UID"]): ev for ev in cal.walk("VEVENT")}


def test_ics_parses_back_with_every_kind_of_entry():
    data = calendar_bytes(POSTS, PROFILES, SCHEDULE, now=NOW, published=PUBLISHED, urls=URLS)
    events = events_of(data)
    assert set(events) == {
        "timed.p@socialops", "timed.q@socialops", "queued.p@socialops", "done.p@socialops", "deleted.q@socialops",
        "draft.p@socialops"}
    timed = events["timed.p@socialops"]
    assert timed.decoded("DTSTART") == local("2026-12-02 10:00")
    assert timed.decoded("DURATION") == dt.timedelta(minutes=15)
    assert str(timed["STATUS"]) == "CONFIRMED" and "Pillar: menu" in str(timed["DESCRIPTION"])
    assert timed.decoded("DTSTAMP") == NOW
    queued = events["queued.p@socialops"]
    # Mon 30.11. was filled by `done` (published), Wed 2.12. by the timed post at 10:00 that day
    assert queued.decoded("DTSTART") == local("2026-12-04 09:00")
    assert str(queued["STATUS"]) == "TENTATIVE" and str(queued["SUMMARY"]).startswith("Queued:")
    done = events["done.p@socialops"]
    assert done.decoded("DTSTART") == local("2026-11-30 09:02")
    assert str(done["URL"]) == "https://social.example/@cafe/1"
    assert "https://social.example/@cafe/1" in str(done["DESCRIPTION"])
    assert str(events["deleted.q@socialops"]["URL"]) == "https://bsky.example/post/2"
    draft = events["draft.p@socialops"]
    assert str(draft["STATUS"]) == "TENTATIVE" and str(draft["SUMMARY"]).startswith("Draft:")
    for ev in events.values():  # times are written in UTC: no VTIMEZONE needed
        assert ev["DTSTART"].to_ical().endswith(b"Z")


def test_same_inputs_same_bytes_and_uids_stable_across_runs():
    first = calendar_bytes(POSTS, PROFILES, SCHEDULE, now=NOW, published=PUBLISHED, urls=URLS)
    assert calendar_bytes(list(reversed(POSTS)), PROFILES, SCHEDULE, now=NOW, published=PUBLISHED, urls=URLS) == first
    # a week later, the file moved, the post published: the same UIDs, updated events
    moved = [post("timed", ("p", "q"), "2026-12-02 10:00", path="content/2026/12/timed.md"), *POSTS[1:]]
    later = calendar_bytes(moved, PROFILES, SCHEDULE, now=NOW + dt.timedelta(days=1),
                           published={**PUBLISHED, ("queued", "p"): local("2026-12-04 09:05")}, urls=URLS)
    before, after = events_of(first), events_of(later)
    assert set(after) == set(before)
    assert str(after["queued.p@socialops"]["STATUS"]) == "CONFIRMED"
    assert after["queued.p@socialops"].decoded("DTSTART") == local("2026-12-04 09:05")


def test_uids_of_posts_and_lives():
    assert post_uid("joulu-1", "acme-insta") == "joulu-1.acme-insta@socialops"
    assert live_uid("glogi") == "glogi.live@socialops"


def test_live_sessions_from_the_repository(tmp_path):
    live = """\
        ---
        id: live-1
        title: "Glögikurssi"
        profiles: [cafe-fb]
        publish_at: 2026-12-08 12:00
        type: live
        live: {starts_at: 2026-12-10 18:00, duration_minutes: 45, url: https://cafe.example/live}
        ---
        Tule mukaan!
        """
    nolen = live.replace("live-1", "live-2").replace("duration_minutes: 45, ", "")
    schedule = "timezone: Europe/Helsinki\ncadence:\n  cafe-fb:\n    - {days: [mon], times: ['09:00']}\n"
    root = make_repo(tmp_path, {"content/2026/12/live.md": live, "content/2026/12/live2.md": nolen},
                     schedule=schedule)
    posts = load_index(root, HKI, use_cache=False)
    lives = load_lives(root, posts, HKI)
    assert sorted(lives) == ["live-1", "live-2"]
    assert lives["live-1"].minutes == 45 and lives["live-2"].minutes == 60
    profiles = {"cafe-fb": parse_profile("network: sandbox\nimitates: facebook\n", "profiles/cafe-fb.yaml")}
    sched = parse_schedule(schedule)
    events = events_of(calendar_bytes(posts, profiles, sched, now=local("2026-12-01 10:00"), lives=lives))
    session = events["live-1.live@socialops"]
    assert session.decoded("DTSTART") == local("2026-12-10 18:00")
    assert session.decoded("DURATION") == dt.timedelta(minutes=45)
    assert str(session["URL"]) == "https://cafe.example/live"
    assert str(session["SUMMARY"]) == "Live: Glögikurssi"
    assert events["live-1.cafe-fb@socialops"].decoded("DTSTART") == local("2026-12-08 12:00")  # the announcement


def test_queue_beyond_the_horizon_only_with_until():
    many = [post(f"q{i}", created=f"2026-11-01 10:{i:02d}") for i in range(12)]
    short = events_of(calendar_bytes(many, PROFILES, SCHEDULE, now=NOW))
    long = events_of(calendar_bytes(many, PROFILES, SCHEDULE, now=NOW, until=NOW + dt.timedelta(weeks=4)))
    assert len(short) == 7  # Mon/Wed/Fri from Mon 30.11. 09:00 (within the 1 h late window) to Mon 14.12. 10:00
    assert len(long) == 12
    assert {k: v.decoded("DTSTART") for k, v in short.items()} == \
        {k: long[k].decoded("DTSTART") for k in short}


def test_calendar_object_is_an_icalendar_calendar():
    cal = build_calendar(POSTS, PROFILES, SCHEDULE, now=NOW)
    assert isinstance(cal, icalendar.Calendar)
    assert str(cal["X-WR-TIMEZONE"]) == "Europe/Helsinki"


def test_an_address_with_a_line_break_is_left_out_of_the_event():
    urls = {**URLS, ("done", "p"): "https://social.example/@cafe/1\nX-INJECTED:yes"}
    data = calendar_bytes(POSTS, PROFILES, SCHEDULE, now=NOW, published=PUBLISHED, urls=urls)
    event = events_of(data)["done.p@socialops"]
    assert "URL" not in event and "X-INJECTED" not in event
    assert "https://social.example/@cafe/1\nX-INJECTED:yes" in str(event["DESCRIPTION"])  # as text, escaped
    assert "\r\nX-INJECTED" not in data.decode()
