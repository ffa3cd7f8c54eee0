"""The plan: the queue (resolve_times), publishing late, gaps, collisions, pillars, formats and the plan issue."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest

from socialops.plan import queue, view
from socialops.plan.issue import PLAN_ISSUE_KEY, sync_plan_issue
from socialops.plan.queue import Slot, resolve_times
from socialops.plan.view import build_plan
from socialops.repository.index import PostSummary
from socialops.tracker.outbox import OutboxTracker
from tests.plan_support import EVERY_DAY, HKI, PROFILES, XMAS, local, post, schedule_with, times

# --- the queue ----------------------------------------------------------------------------------------------

DAILY = 'p:\n  - {days: [mon, wed, fri], times: ["09:00"]}\nq:\n  - {per_week: 2, hours: [12]}'


def queue_posts():
    return [
        post("b-second", ("p", "q"), created="2026-11-20 10:00"),
        post("a-third", ("p",), created="2026-11-21 09:00"),
        post("c-first", ("p", "q"), created="2026-11-19 12:00"),
        post("z-no-created", ("p",)),
        post("y-no-created", ("p",)),
        post("timed", ("p",), at="2026-12-04 09:00"),
        post("draft", ("p",), status="draft"),
        post("broken", ("p",), error="content/broken.md:1: unreadable"),
    ]


NOW = local("2026-11-29 12:00")  # a Sunday


def test_queue_order_created_then_id_and_skips_timed_slots():
    s = schedule_with(DAILY)
    result = resolve_times(queue_posts(), PROFILES, s, now=NOW)
    order = ["c-first", "b-second", "a-third", "y-no-created", "z-no-created"]
    assert [times(result, (pid, "p")) for pid in order] == [
        "2026-11-30T09:00+02:00", "2026-12-02T09:00+02:00",
        "2026-12-07T09:00+02:00",  # Fri 4.12. 09:00 is the timed post's
        "2026-12-09T09:00+02:00", "2026-12-11T09:00+02:00"]
    assert result[("timed", "p")] == Slot(local("2026-12-04 09:00"), "timed")
    assert result[("c-first", "p")].source == "queue"
    assert [times(result, (pid, "q")) for pid in ("c-first", "b-second")] == [
        "2026-11-30T12:00+02:00", "2026-12-03T12:00+02:00"]  # per_week 2: Mon and Thu
    assert ("draft", "p") not in result and ("broken", "p") not in result


def test_queue_is_deterministic_whatever_the_input_order():
    s = schedule_with(DAILY)
    expected = resolve_times(queue_posts(), PROFILES, s, now=NOW)
    for seed in range(5):
        shuffled = queue_posts()
        random.Random(seed).shuffle(shuffled)
        assert resolve_times(shuffled, PROFILES, s, now=NOW) == expected


def test_adding_a_timed_post_moves_queued_ones_one_slot_on():
    s = schedule_with(DAILY)
    before = resolve_times(queue_posts(), PROFILES, s, now=NOW)
    after = resolve_times([*queue_posts(), post("new-timed", ("p",), at="2026-12-02 09:00")], PROFILES, s, now=NOW)
    assert times(after, ("c-first", "p")) == times(before, ("c-first", "p"))  # before the new one: unchanged
    # from the taken slot on, each queued post moves to the slot the next one had
    order = ["b-second", "a-third", "y-no-created", "z-no-created"]
    assert [times(after, (pid, "p")) for pid in order[:-1]] == [times(before, (pid, "p")) for pid in order[1:]]
    assert ("z-no-created", "p") not in after  # pushed beyond the horizon (14 days)
    longer = resolve_times([*queue_posts(), post("new-timed", ("p",), at="2026-12-02 09:00")], PROFILES, s, now=NOW,
                           until=NOW + dt.timedelta(days=20))
    assert times(longer, ("z-no-created", "p")) == "2026-12-14T09:00+02:00"
    assert after[("b-second", "q")] == before[("b-second", "q")]  # other profiles are not affected


def test_timed_post_same_day_other_time_fills_that_days_slot():
    s = schedule_with(DAILY)
    after = resolve_times([post("a", created="2026-11-01 10:00"), post("t", at="2026-11-30 15:00")], PROFILES, s,
                          now=NOW)
    assert times(after, ("a", "p")) == "2026-12-02T09:00+02:00"  # Monday has its post


def test_timed_post_on_a_day_without_slot_takes_nothing():
    s = schedule_with(DAILY)
    after = resolve_times([post("a", created="2026-11-01 10:00"), post("t", at="2026-12-01 09:00")], PROFILES, s,
                          now=NOW)
    assert times(after, ("a", "p")) == "2026-11-30T09:00+02:00"


def test_timed_post_fills_a_per_week_slot_of_its_week():
    s = schedule_with(DAILY)
    posts = [post("a", ("q",), created="2026-11-01 10:00"), post("t", ("q",), at="2026-12-01 18:00")]
    result = resolve_times(posts, PROFILES, s, now=NOW)
    assert times(result, ("a", "q")) == "2026-12-03T12:00+02:00"  # Tue's post fills the nearest, Mon 12:00


def test_no_free_slot_in_horizon_gives_no_entry_and_until_extends():
    s = schedule_with('p:\n  - {days: [mon], times: ["09:00"]}', horizon=7)
    posts = [post(f"a{i}", created=f"2026-11-01 10:0{i}") for i in range(3)]
    result = resolve_times(posts, PROFILES, s, now=NOW)
    assert times(result, ("a0", "p")) == "2026-11-30T09:00+02:00"
    assert ("a1", "p") not in result and ("a2", "p") not in result
    longer = resolve_times(posts, PROFILES, s, now=NOW, until=NOW + dt.timedelta(weeks=3))
    assert longer[("a0", "p")] == result[("a0", "p")]  # a longer range never changes earlier slots
    assert times(longer, ("a1", "p")) == "2026-12-07T09:00+02:00"


def test_profile_without_cadence_gets_no_queue_slot_but_timed_posts_keep_their_time():
    s = schedule_with(f'p:\n  - {{days: [{EVERY_DAY}], times: ["09:00"]}}')
    result = resolve_times([post("a", ("q",)), post("t", ("q",), at="2026-12-01 10:00")], PROFILES, s, now=NOW)
    assert ("a", "q") not in result and result[("t", "q")].source == "timed"
    report = build_plan([post("a", ("q",))], PROFILES, s, now=NOW, weeks=1)
    assert report["unplaced"] == [{"post": "a", "profile": "q", "why": "q has no cadence in schedule.yaml",
                                   "title": "A"}]


def test_duplicate_ids_first_file_wins():
    s = schedule_with(f'p:\n  - {{days: [{EVERY_DAY}], times: ["09:00"]}}')
    one = post("dup", at="2026-12-01 10:00", path="content/a.md")
    two = post("dup", at="2026-12-02 10:00", path="content/b.md")
    assert times(resolve_times([two, one], PROFILES, s, now=NOW), ("dup", "p")) == "2026-12-01T10:00+02:00"


def test_created_in_other_forms_orders_too():
    tz = HKI
    assert queue.created_time("2026-11-20 10:00", tz) < queue.created_time("2026-11-20 10:00:30", tz)
    assert queue.created_time("2026-11-20", tz) == local("2026-11-20 00:00")
    assert queue.created_time("2026-11-20T08:00:00+00:00", tz) == local("2026-11-20 10:00")
    assert queue.created_time("rubbish", tz) is None


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        resolve_times([], PROFILES, schedule_with(DAILY), now=dt.datetime(2026, 12, 1))


# --- publishing late, and what a publication leaves ---------------------------------------------------------


def test_late_publish_run_finds_the_same_slot_due():
    s = schedule_with(DAILY, late="2h")
    preview = resolve_times(queue_posts(), PROFILES, s, now=local("2026-11-30 07:00"))
    late_run = resolve_times(queue_posts(), PROFILES, s, now=local("2026-11-30 10:45"))  # cron ran 1 h 45 min late
    assert late_run == preview
    assert late_run[("c-first", "p")].at <= local("2026-11-30 10:45")  # so it is due


def test_queued_post_moves_on_when_the_late_window_has_passed():
    s = schedule_with(DAILY, late="2h")
    too_late = resolve_times(queue_posts(), PROFILES, s, now=local("2026-11-30 11:01"))
    assert times(too_late, ("c-first", "p")) == "2026-12-02T09:00+02:00"


def test_published_pair_keeps_its_slot_and_the_rest_do_not_move():
    s = schedule_with(DAILY, late="2h")
    preview = resolve_times(queue_posts(), PROFILES, s, now=local("2026-11-30 07:00"))
    published = {("c-first", "p"): local("2026-11-30 10:47"), ("c-first", "q"): local("2026-11-30 12:05")}
    for now in ("2026-11-30 10:50", "2026-11-30 15:00", "2026-12-01 09:00"):
        after = resolve_times(queue_posts(), PROFILES, s, now=local(now), published=published)
        assert after[("c-first", "p")] == Slot(local("2026-11-30 09:00"), "queue",
                                               published_at=local("2026-11-30 10:47"))
        for key, slot in preview.items():
            if key not in published:
                assert after[key] == slot, key


def test_published_timed_pair_keeps_publish_at():
    s = schedule_with(DAILY)
    result = resolve_times(queue_posts(), PROFILES, s, now=NOW,
                           published={("timed", "p"): local("2026-12-04 09:02")})
    assert result[("timed", "p")] == Slot(local("2026-12-04 09:00"), "timed", published_at=local("2026-12-04 09:02"))


def test_published_pair_of_a_deleted_post_still_fills_its_slot():
    s = schedule_with(DAILY)
    result = resolve_times([post("a", created="2026-11-01 10:00")], PROFILES, s, now=NOW,
                           published={("gone", "p"): local("2026-11-30 09:01")})
    assert times(result, ("a", "p")) == "2026-12-02T09:00+02:00"
    assert ("gone", "p") not in result


def test_draft_made_ready_later_is_not_published_and_takes_no_slot():
    s = schedule_with(DAILY)
    result = resolve_times([post("d", status="draft", at="2026-11-30 09:00"), post("a", created="2026-11-01")],
                           PROFILES, s, now=NOW)
    assert ("d", "p") not in result
    assert times(result, ("a", "p")) == "2026-11-30T09:00+02:00"


# --- the plan: gaps, collisions, pillars, formats -----------------------------------------------------------


def test_gaps_are_the_empty_slots_within_the_horizon():
    s = schedule_with('p:\n  - {days: [mon, wed, fri], times: ["09:00"]}', horizon=7)
    posts = [post("a", created="2026-11-01"), post("t", at="2026-12-02 09:00")]
    report = build_plan(posts, {"p": PROFILES["p"]}, s, now=local("2026-11-30 10:00"), weeks=2)
    # Mon 30.11. 09:00 passed (but within the late window, so the queued post takes it), Wed timed,
    # Fri 4.12. and Mon 7.12. empty within 7 days; Wed 9.12. and Fri 11.12. are beyond the horizon
    assert report["gaps"] == [{"profile": "p", "at": "2026-12-04T09:00+02:00"},
                              {"profile": "p", "at": "2026-12-07T09:00+02:00"}]
    weeks = report["profiles"][0]["weeks"]
    assert [(w["week"], w["filled"], w["slots"], w["empty"]) for w in weeks] == [
        ("2026-W49", 2, 3, 1), ("2026-W50", 0, 3, 3)]
    states = [(e["at"][:16], e["state"], e.get("source")) for e in weeks[0]["entries"]]
    assert states == [("2026-11-30T09:00", "filled", "queue"), ("2026-12-02T09:00", "filled", "timed"),
                      ("2026-12-04T09:00", "empty", None)]
    assert view.check_findings(report)


def test_no_gaps_when_every_slot_is_filled():
    s = schedule_with('p:\n  - {days: [mon], times: ["09:00"]}', horizon=7)
    report = build_plan([post("a", created="2026-11-01"), post("b", created="2026-11-02")], {"p": PROFILES["p"]}, s,
                        now=local("2026-11-29 10:00"), weeks=2)
    assert report["gaps"] == [] and not view.check_findings(report)


def test_passed_empty_slot_is_not_a_gap():
    s = schedule_with('p:\n  - {days: [mon, fri], times: ["09:00"]}', horizon=3, late="1h")
    report = build_plan([], {"p": PROFILES["p"]}, s, now=local("2026-12-02 10:00"), weeks=1)
    entries = report["profiles"][0]["weeks"][0]["entries"]
    assert [e["state"] for e in entries] == ["passed", "empty"]
    assert [g["at"][:10] for g in report["gaps"]] == ["2026-12-04"]


def test_collisions_and_extras():
    s = schedule_with('p:\n  - {days: [mon], times: ["09:00"]}')
    posts = [post("x", at="2026-11-30 09:00"), post("y", at="2026-11-30 09:00"), post("z", at="2026-12-01 12:00")]
    report = build_plan(posts, {"p": PROFILES["p"]}, s, now=local("2026-11-30 08:00"), weeks=1)
    assert report["collisions"] == [{"profile": "p", "at": "2026-11-30T09:00+02:00", "posts": ["x", "y"]}]
    entries = report["profiles"][0]["weeks"][0]["entries"]
    assert [(e["post"], e["state"]) for e in entries] == [("x", "filled"), ("y", "extra"), ("z", "extra")]
    assert view.check_findings(report)


def test_pillar_mix_against_targets_and_counts():
    s = schedule_with(f'p:\n  - {{days: [{EVERY_DAY}], times: ["09:00"]}}', "pillars:\n  menu: {share: 50}\n  events: {share: 50}\n")
    posts = [post("a", pillar="menu", created="2026-11-01"), post("b", pillar="menu", created="2026-11-02"),
             post("c", pillar="events", at="2026-12-01 12:00"), post("d", created="2026-11-03"),
             post("e", status="draft", pillar="events")]
    report = build_plan(posts, {"p": PROFILES["p"]}, s, now=local("2026-11-30 08:00"), weeks=1)
    assert report["pillars"] == [
        {"pillar": "menu", "target": 50, "posts": 2, "share": 50.0},
        {"pillar": "events", "target": 50, "posts": 1, "share": 25.0},
        {"pillar": "(none)", "target": None, "posts": 1, "share": 25.0}]
    assert report["counts"] == {"posts": 5, "ready": 4, "timed": 1, "queued": 3, "draft": 1, "unreadable": 0,
                                "published_pairs": 0}


def test_published_posts_show_as_published():
    s = schedule_with('p:\n  - {days: [mon, wed], times: ["09:00"]}')
    posts = [post("a", created="2026-11-01"), post("b", created="2026-11-02")]
    report = build_plan(posts, {"p": PROFILES["p"]}, s, now=local("2026-11-30 12:00"), weeks=1,
                        published={("a", "p"): local("2026-11-30 09:03")})
    entries = report["profiles"][0]["weeks"][0]["entries"]
    assert [(e["at"][:16], e["post"], e["source"]) for e in entries] == [
        ("2026-11-30T09:03", "a", "published"), ("2026-12-02T09:00", "b", "queue")]
    assert entries[0]["slot"] == "2026-11-30T09:00+02:00"


def test_text_and_markdown_formats_show_the_plan():
    s = schedule_with('p:\n  - {days: [mon, wed], times: ["09:00"]}', "pillars:\n  menu: {share: 100}\n")
    posts = [post("a", created="2026-11-01", pillar="menu"), post("t", at="2026-12-02 10:15")]
    report = build_plan(posts, {"p": PROFILES["p"]}, s, now=local("2026-11-29 12:00"), weeks=3)
    text = view.format_plan_text(report)
    assert "Mon 2026-11-30 09:00  a [menu] (queued): A" in text
    assert "Wed 2026-12-02 10:15  t (timed, fills the 09:00 slot): T" in text
    assert "Mon 2026-12-07 09:00  EMPTY" in text
    assert "menu: 1 post, 50 % / 100 %" in text
    md = view.format_plan_markdown(report)
    assert "| Mon 2026-12-07 09:00 | **empty** |  |  |  |" in md
    assert "- `p` Mon 2026-12-07 09:00" in md
    json.dumps(report)  # the JSON output is plain data


def test_markdown_escapes_table_breakers():
    s = schedule_with('p:\n  - {days: [mon], times: ["09:00"]}')
    p = PostSummary("content/x.md", "x", "ready", ("p",), None, "text", None, None, "A | B\nC")
    md = view.format_plan_markdown(build_plan([p], {"p": PROFILES["p"]}, s, now=local("2026-11-30 08:00"), weeks=1))
    assert "A \\| B C" in md


# --- the Content plan issue ---------------------------------------------------------------------------------


def test_plan_issue_opens_updates_and_closes(tmp_path):
    tracker = OutboxTracker(tmp_path)
    s = schedule_with('p:\n  - {days: [mon, wed], times: ["09:00"]}', horizon=9)
    profiles = {"p": PROFILES["p"]}
    now = local("2026-11-29 12:00")
    gappy = build_plan([post("a", created="2026-11-01")], profiles, s, now=now, weeks=1)
    assert sync_plan_issue(tracker, gappy) == "opened"
    issue = tracker.find_issue(PLAN_ISSUE_KEY)
    assert issue.state == "open" and "plan-gap" in issue.labels
    assert issue.title == "Content plan: 2 empty slots in the next 9 days"
    assert "`p`: Wed 2026-12-02 09:00, Mon 2026-12-07 09:00" in issue.body
    later = build_plan([post("a", created="2026-11-01")], profiles, s, now=now + dt.timedelta(minutes=5), weeks=1)
    assert sync_plan_issue(tracker, later) == "unchanged"
    fewer = build_plan([post("a", created="2026-11-01"), post("b", created="2026-11-02")], profiles, s, now=now,
                       weeks=1)
    assert sync_plan_issue(tracker, fewer) == "updated"
    updated = tracker.find_issue(PLAN_ISSUE_KEY)
    assert "`p`: Mon 2026-12-07 09:00" in updated.body  # the body is the current list, edited in place
    assert updated.title == "Content plan: 1 empty slot in the next 9 days"
    assert updated.comments == []
    full = build_plan([post(c, created=f"2026-11-0{i + 1}") for i, c in enumerate("abc")], profiles, s, now=now,
                      weeks=1)
    assert sync_plan_issue(tracker, full) == "closed"
    assert tracker.find_issue(PLAN_ISSUE_KEY).state == "closed"
    assert sync_plan_issue(tracker, full) == "none"
    assert sync_plan_issue(tracker, gappy) == "reopened"
    assert tracker.find_issue(PLAN_ISSUE_KEY).state == "open"


def test_plan_issue_titles_are_escaped(tmp_path):
    s = schedule_with('p:\n  - {days: [mon], times: ["09:00"]}', XMAS)
    p = PostSummary("content/x.md", "x", "ready", ("p",), local("2026-12-24 10:00").timestamp(), "text", None, None,
                    "@everyone <img src=x>")
    report = build_plan([p], {"p": PROFILES["p"]}, s, now=local("2026-12-20 12:00"), weeks=1)
    tracker = OutboxTracker(tmp_path)
    sync_plan_issue(tracker, report)
    body = tracker.find_issue(PLAN_ISSUE_KEY).body
    assert "@everyone" not in body and "<img" not in body
