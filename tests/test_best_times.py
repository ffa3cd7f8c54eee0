"""Best times: a pure function of the rows of metrics/posts.csv, the timezone and now (synthetic rows whose
answer is known)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from socialops.metrics import tables
from socialops.metrics.best_times import MIN_POSTS, WINDOW_DAYS, best_hours, best_times, load_best_hours
from socialops.publish.results import R_PUBLISHED
from socialops.publish.run import run_publish
from tests.helpers import PROFILES
from tests.helpers import make_repo as sandbox_repo
from tests.publish_support import git_init, write_post
from tests.publish_support import make_repo as publish_repo

UTC = dt.UTC
HELSINKI = ZoneInfo("Europe/Helsinki")
NOW = dt.datetime(2026, 12, 20, 12, 0, tzinfo=UTC)


def row(profile: str, at: str, rate: str, *, status: str = "live", post_id: str = "") -> dict[str, str]:
    return {"profile": profile, "post_id": post_id or at, "published_at": at, "engagement_rate": rate,
            "status": status}


def three_hours(profile: str = "p") -> list[dict[str, str]]:
    """Nine posts in December 2026, three each at 07, 11 and 16 UTC: 11 UTC engages best (0.3), then 16 UTC (0.2),
    then 07 UTC (0.1). Mon 7th and 14th at 07, Wed 9th and 16th at 11, Fri 11th and 18th at 16, Fri 4th at 11
    and 16, Sat 5th at 07."""
    rows = []
    for day in (7, 14):
        for offset, (hour, rate) in enumerate(((7, "0.1"), (11, "0.3"), (16, "0.2"))):
            rows.append(row(profile, f"2026-12-{day + 2 * offset:02d}T{hour:02d}:00:00Z", rate))
    rows.append(row(profile, "2026-12-04T11:00:00Z", "0.3"))
    rows.append(row(profile, "2026-12-04T16:00:00Z", "0.2"))
    rows.append(row(profile, "2026-12-05T07:00:00Z", "0.1"))
    return rows


def test_hours_ranked_by_mean_rate_in_the_timezone_given():
    found = best_times(three_hours(), HELSINKI, now=NOW)["p"]
    assert found.posts == 9 and found.reason == ""
    assert found.best_hours == [13, 18, 9]  # 11, 16 and 07 UTC in Helsinki (UTC+2 in December)
    assert [(h, n) for h, _, n in found.hours] == [(13, 3), (18, 3), (9, 3)]
    assert round(found.overall, 4) == 0.2
    assert best_times(three_hours(), UTC, now=NOW)["p"].best_hours == [11, 16, 7]


def test_weekdays_ranked_with_counts():
    found = best_times(three_hours(), UTC, now=NOW)["p"]
    # Wednesdays 0.3 (2 posts), Fridays 0.2, 0.2, 0.3, 0.2 (4), Mondays 0.1 (2); one Saturday post is too few
    assert [(d, round(r, 4), n) for d, r, n in found.weekdays] == [(2, 0.3, 2), (4, 0.225, 4), (0, 0.1, 2)]


def test_too_little_data_gives_no_hours_and_says_why():
    rows = three_hours()[: MIN_POSTS - 1]
    found = best_times(rows, UTC, now=NOW)["p"]
    assert found.best_hours == [] and found.reason.startswith(f"too little data: {MIN_POSTS - 1} posts")
    assert best_hours(rows, UTC, now=NOW) == {}


def test_only_the_window_up_to_now_counts():
    rows = three_hours()
    # seen before the last post: eight are left, at three hours; seen before the 13th: six, too few
    assert best_times(rows, UTC, now=dt.datetime(2026, 12, 18, 12, 0, tzinfo=UTC))["p"].posts == 8
    assert best_times(rows, UTC, now=dt.datetime(2026, 12, 13, tzinfo=UTC))["p"].reason
    later = NOW + dt.timedelta(days=WINDOW_DAYS)
    assert best_times(rows, UTC, now=later)["p"].posts == 0  # all older than the window


def test_deleted_unrated_and_unreadable_rows_do_not_count():
    rows = three_hours()
    noise = [row("p", "2026-12-09T20:00:00Z", "0.9", status="deleted"), row("p", "2026-12-09T21:00:00Z", ""),
             row("p", "not a time", "0.9"), row("p", "", "0.9")]
    assert best_times(rows + noise, UTC, now=NOW)["p"] == best_times(rows, UTC, now=NOW)["p"]


def test_per_profile_and_profiles_asked_for():
    rows = three_hours("a") + three_hours("b")[:3]
    assert best_hours(rows, UTC, now=NOW) == {"a": [11, 16, 7]}
    found = best_times(rows, UTC, now=NOW, profiles=["b", "c"])
    assert set(found) == {"b", "c"} and found["c"].posts == 0 and found["c"].reason


def test_pure_same_rows_same_answer_whatever_their_order():
    rows = three_hours()
    assert best_hours(rows[::-1], HELSINKI, now=NOW) == best_hours(rows, HELSINKI, now=NOW)


def into_posts_csv(root, rows: list[dict[str, str]]) -> None:
    tables.upsert(root, tables.Fragment(posts=[
        {"profile": r["profile"], "post_id": r["post_id"], "published_at": r["published_at"], "status": "live",
         "likes": str(round(float(r["engagement_rate"]) * 100)), "reach": "100", "updated": "2026-12-20"}
        for r in rows]))


def test_load_best_hours_reads_posts_csv(tmp_path):
    root = sandbox_repo(tmp_path / "repo", profiles=PROFILES)
    assert load_best_hours(root, UTC, now=NOW) == {}
    into_posts_csv(root, three_hours("cafe-masto"))
    assert load_best_hours(root, UTC, now=NOW) == {"cafe-masto": [11, 16, 7]}


def test_publish_takes_the_best_hour_of_posts_csv(tmp_path):
    """A queued post on a `best` slot goes out at the hour the metrics suggest (11 UTC, 13:00 in Helsinki), not
    at the fallback (the first numbered hour, 12:00)."""
    root = publish_repo(tmp_path / "repo", schedule={"cadence": {"sandbox-a": [{"per_week": 1, "hours": ["best", 12]}]}})
    write_post(root, "queued", profiles=["sandbox-a"], at=None, created="2026-12-20")
    into_posts_csv(root, [dict(r, profile="sandbox-a") for r in three_hours()])
    git_init(root)
    env = {"SOCIALOPS_SANDBOX": str(tmp_path / "sandbox.sqlite")}
    monday = dt.datetime(2026, 12, 28, tzinfo=HELSINKI)  # per_week: 1 is Monday's slot
    assert run_publish(root, now=monday.replace(hour=12, minute=59), env=env, sleep=lambda s: None).pairs == []
    done = run_publish(root, now=monday.replace(hour=13), env=env, sleep=lambda s: None)
    assert {(p.post_id, p.profile): p.status for p in done.pairs} == {("queued", "sandbox-a"): R_PUBLISHED}
