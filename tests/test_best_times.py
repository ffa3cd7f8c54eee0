"""Best times: a pure function of the rows of metrics/posts.csv, the timezone and now (synthetic rows whose
answer is known)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from socialops.metrics import tables
from socialops.metrics.best_times import WINDOW_DAYS, best_hours, best_times, load_best_hours, pooled_networks
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


def test_hours_ranked_by_estimated_rate_in_the_timezone_given():
    found = best_times(three_hours(), HELSINKI, now=NOW)["p"]
    assert found.posts == 9 and found.reason == "" and found.basis == "general"
    assert found.best_hours[0] == 13  # 11 UTC in Helsinki (UTC+2 in December): its posts engage best
    counts = {h: n for h, _, n in found.hours}
    assert counts[13] == counts[18] == counts[9] == 3 and sum(counts.values()) == 9 and len(counts) == 24
    ranked = [h for h, _, _ in found.hours]
    assert ranked.index(13) < ranked.index(18) < ranked.index(9)  # the tried hours keep their order
    assert round(found.overall, 4) == 0.2
    assert best_times(three_hours(), UTC, now=NOW)["p"].best_hours[0] == 11


def test_weekdays_ranked_with_counts():
    found = best_times(three_hours(), UTC, now=NOW)["p"]
    # Wednesdays 0.3 (2 posts), Fridays 0.2, 0.2, 0.3, 0.2 (4), Mondays 0.1 (2), a Saturday 0.1 (1)
    counts = {d: n for d, _, n in found.weekdays}
    assert counts == {0: 2, 1: 0, 2: 2, 3: 0, 4: 4, 5: 1, 6: 0}
    ranked = [d for d, _, _ in found.weekdays]
    assert ranked[0] == 2 and ranked.index(4) < ranked.index(0) and ranked.index(1) < ranked.index(0)


def test_few_posts_still_give_hours_with_low_confidence():
    """No more "too little data": two posts give a suggestion, marked as a guess, and more posts make it surer."""
    few = best_times(three_hours()[:2], UTC, now=NOW)["p"]
    assert few.best_hours and few.reason == "" and few.level == "low"
    many = best_times(three_hours() * 4, UTC, now=NOW)["p"]
    assert many.confidence > few.confidence


def test_only_the_window_up_to_now_counts():
    rows = three_hours()
    # seen before the last post: eight are left; seen before the 13th: six
    assert best_times(rows, UTC, now=dt.datetime(2026, 12, 18, 12, 0, tzinfo=UTC))["p"].posts == 8
    assert best_times(rows, UTC, now=dt.datetime(2026, 12, 13, tzinfo=UTC))["p"].posts == 6
    later = NOW + dt.timedelta(days=WINDOW_DAYS)
    gone = best_times(rows, UTC, now=later)["p"]
    assert gone.posts == 0 and gone.reason and gone.best_hours == []  # all older than the window


def test_deleted_unrated_and_unreadable_rows_do_not_count():
    rows = three_hours()
    noise = [row("p", "2026-12-09T20:00:00Z", "0.9", status="deleted"), row("p", "2026-12-09T21:00:00Z", ""),
             row("p", "not a time", "0.9"), row("p", "", "0.9")]
    assert best_times(rows + noise, UTC, now=NOW)["p"] == best_times(rows, UTC, now=NOW)["p"]


def test_per_profile_and_profiles_asked_for():
    rows = three_hours("a") + three_hours("b")[:3]
    hours = best_hours(rows, UTC, now=NOW)
    assert set(hours) == {"a", "b"} and hours["a"][0] == 11
    found = best_times(rows, UTC, now=NOW, profiles=["b", "c"])
    assert set(found) == {"b", "c"} and found["b"].posts == 3 and found["c"].posts == 0 and found["c"].reason


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
    assert load_best_hours(root, UTC, now=NOW) == best_hours(three_hours("cafe-masto"), UTC, now=NOW)
    assert load_best_hours(root, UTC, now=NOW)["cafe-masto"][0] == 11


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


def evenings(profile: str, network: str, days=range(1, 13)) -> list[dict[str, str]]:
    """A profile whose posts at 16 UTC engage three times as well as those at 07 UTC."""
    return [{**row(profile, f"2026-12-{d:02d}T{7 if d % 2 else 16:02d}:00:00Z", "0.01" if d % 2 else "0.03"),
             "network": network} for d in days]


def test_a_sandbox_profile_pools_with_the_network_it_imitates():
    """A real Instagram profile knows its evenings engage; the sandbox profile that imitates Instagram (one post
    at 07 UTC of its own) starts from that pattern, not from the general rhythm nor from other sandbox profiles."""
    rows = evenings("shop-insta", "instagram") + evenings("demo-masto", "sandbox", days=range(2, 13, 2))
    rows.append({**row("demo-insta", "2026-12-15T07:00:00Z", "0.02"), "network": "sandbox"})
    networks = {"shop-insta": "instagram", "demo-insta": "sandbox:instagram", "demo-masto": "sandbox:mastodon"}
    pooled = best_times(rows, UTC, now=NOW, networks=networks)["demo-insta"]
    assert pooled.basis == "network" and pooled.best_hours[0] == 16
    ranked = [h for h, _, _ in pooled.hours]
    assert ranked.index(16) < ranked.index(7)
    # without knowing what it imitates it is pooled by its rows' network, "sandbox": with the Mastodon imitation
    by_rows = best_times(rows, UTC, now=NOW)["demo-insta"]
    assert by_rows.basis == "network" and by_rows.estimate.hours != pooled.estimate.hours
    # a profile with no posts yet pools by the network it is given (and shows nothing until it has evidence)
    empty = best_times(rows, UTC, now=NOW, networks={**networks, "new-insta": "sandbox:instagram"},
                       profiles=["new-insta"])["new-insta"]
    assert empty.posts == 0 and empty.basis == "network" and empty.estimate.hours[0].slot == 16


def test_a_real_profile_never_pools_with_simulated_figures():
    rows = evenings("demo-insta", "sandbox")  # simulated: evenings engage
    rows.append({**row("shop-insta", "2026-12-15T07:00:00Z", "0.02"), "network": "instagram"})
    found = best_times(rows, UTC, now=NOW, networks={"demo-insta": "sandbox:instagram",
                                                      "shop-insta": "instagram"})["shop-insta"]
    assert found.basis == "general"


def test_pooled_networks_reads_the_profiles(tmp_path):
    root = sandbox_repo(tmp_path / "repo", profiles={**PROFILES, "plain": "network: sandbox\n",
                                                     "broken": "network: [\n"})
    assert pooled_networks(root) == {"cafe-masto": "sandbox:mastodon", "cafe-bsky": "sandbox:bluesky",
                                     "cafe-insta": "sandbox:instagram", "cafe-fb": "sandbox:facebook",
                                     "cafe-li": "sandbox:linkedin", "plain": "sandbox:sandbox"}
