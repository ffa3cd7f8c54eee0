"""The monthly report: generated from sandbox data fetched day by day (charts, heatmap in the plan's timezone,
top posts, audience), suggested slots only with enough data, deterministic output, and `best` slots in the plan
taking the suggested hours."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from socialops.metrics import fetch as lib
from socialops.metrics import report, tables
from socialops.metrics.best_times import best_times, load_best_hours
from socialops.plan.cadence import cadence_rules
from socialops.repository.profiles import load_profile
from socialops.repository.schedule import load_schedule
from tests.helpers import PROFILES
from tests.helpers import make_repo as sandbox_repo
from tests.metrics_support import UTC, publish_to_sandbox, read_csv

HELSINKI = ZoneInfo("Europe/Helsinki")
START = dt.datetime(2026, 11, 20, 7, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n"
AFTER = dt.datetime(2027, 1, 10, tzinfo=UTC)  # after every post of these tests, within their 180 days


@pytest.fixture(scope="module")
def sandbox_month(tmp_path_factory) -> Path:
    """A repository whose sandbox profiles published through November and December (cafe-masto often, at
    07:00, 11:00 and 16:00 UTC = 09, 13 and 18 in Helsinki; the others twice), with metrics fetched daily."""
    root = sandbox_repo(tmp_path_factory.mktemp("report") / "repo", profiles=PROFILES)
    env = {"SOCIALOPS_SANDBOX": str(root / ".socialops" / "sandbox.sqlite")}
    profiles = {pid: load_profile(root, f"profiles/{pid}.yaml") for pid in PROFILES}
    for i in range(18):
        when = START + dt.timedelta(days=i * 2, hours=(0, 4, 9)[i % 3])
        publish_to_sandbox(root, profiles["cafe-masto"], env, f"masto-{i:02d}", when, type="text",
                           pillar="events" if i % 4 == 0 else "menu")
    for pid in ("cafe-insta", "cafe-fb", "cafe-li", "cafe-bsky"):
        for i, day in enumerate((12, 16)):
            kind = "reel" if pid == "cafe-insta" and i else "image"
            publish_to_sandbox(root, profiles[pid], env, f"{pid}-{i}", dt.datetime(2026, 12, day, 7, 0, tzinfo=UTC),
                               type=kind, link="https://cafe.example/menu" if pid == "cafe-fb" else None)
    for day in range(0, 45):
        lib.fetch_metrics(root, now=START + dt.timedelta(days=day, hours=1), env=env)
    return root


def test_report_from_sandbox_data(sandbox_month):
    root = sandbox_month
    result = report.build_report(root, 2026, 12)
    md = result.markdown
    assert result.path == root / "reports" / "2026-12.md" and result.path.read_text() == md
    for heading in ("# Social media report 2026-12", "## Followers", "## Engagement by post type and pillar",
                    "## When posts engage: weekday × hour (Europe/Helsinki)", "## Top and bottom posts",
                    "## Audience", "## Suggested cadence slots"):
        assert heading in md
    # every chart is a PNG beside the report and linked from it by its relative name
    names = {p.name for p in result.images}
    assert {"2026-12-followers.png", "2026-12-engagement.png", "2026-12-heatmap.png",
            "2026-12-audience-cafe-insta.png", "2026-12-audience-cafe-fb.png"} <= names
    for path in result.images:
        assert path.parent == root / "reports" and path.read_bytes().startswith(PNG)
        # described in a sentence (the chart's alt text), for screen readers and where images are off
        assert re.search(rf"!\[[A-Z][^\]\n]{{30,}}\.\]\({re.escape(path.name)}\)", md), path.name
    # the engagement chart sets the month beside the month before
    assert "by post type and by pillar: highest post type" in md and "in 2026-12 beside 2026-11" in md
    # followers: the count on the eve of the month and the last one in it, per profile, from followers.csv
    counts = {}
    for row in read_csv(root / "metrics/followers.csv"):
        if row["followers"] and "2026-11-30" <= row["date"] <= "2026-12-31":
            counts.setdefault(row["profile"], []).append((row["date"], int(row["followers"])))
    first, last = sorted(counts["cafe-masto"])[0][1], sorted(counts["cafe-masto"])[-1][1]
    assert re.search(rf"\| cafe-masto \| sandbox \| {_n(first)} \| {_n(last)} \| \+", md)
    # types and pillars of the month's posts
    # (cafe-masto posted every other day from 20 November: 12 in December, 3 of them events)
    assert "| reel | 1 |" in md and "| image | 7 |" in md and "| text | 12 |" in md
    assert "| events | 3 | 15 % | 40 % |" in md and "| menu | 17 | 85 % | 60 % |" in md
    # the heatmap and its table are in Helsinki time: posts went out at 07, 11 and 16 UTC
    table = md.split("## When posts engage")[1].split("## Top")[0]
    hours = set(re.findall(r"\| (\d\d):00 \|", table))
    assert hours and hours <= {"09", "13", "18"}
    # the best post of the month (by engagement rate) is first, with its link
    month = [r for r in read_csv(root / "metrics/posts.csv") if r["published_at"] >= "2026-11-30T22:00:00Z"]
    best = max(month, key=lambda r: (float(r["engagement_rate"]), float(r["engagement"])))
    top_table = md.split("Best ")[1]
    first_row = next(line for line in top_table.splitlines() if line.startswith("| ["))
    assert first_row.startswith(f"| [{best['post_id']}]({best['url']}) | {best['profile']} |")
    # audience: shares of the latest day, only where the imitated network has demographics
    assert "### cafe-insta (followers on 2026-12-" in md and "- age gender (top 8 of 21): " in md
    assert "**cafe-bsky**: no demographics (Bluesky (simulated by the sandbox)" in md
    assert "**cafe-masto**: no demographics (Mastodon (simulated by the sandbox)" in md
    # suggestions: every profile with posts gets hours and says how sure they are
    suggestions = md.split("## Suggested cadence slots")[1]
    masto = next(line for line in suggestions.splitlines() if line.startswith("- **cafe-masto**"))
    assert "best hours" in masto and "confidence (" in masto
    suggested = re.findall(r"(\d\d):00 \(", masto)
    assert suggested[0] in {"09", "13", "18"} and len(suggested) == 3  # its best tried hour first
    fb = next(line for line in suggestions.splitlines() if line.startswith("- **cafe-fb**"))
    assert "low confidence" in fb and "2 posts" in fb
    insta = next(line for line in suggestions.splitlines() if line.startswith("- **cafe-insta**"))
    assert "from when followers are online" in insta  # the simulated Instagram's online_followers
    assert md.rstrip().endswith("not measured._")


def test_report_is_deterministic(sandbox_month):
    report.build_report(sandbox_month, 2026, 12)
    before = {p: p.read_bytes() for p in (sandbox_month / "reports").iterdir()}
    again = report.build_report(sandbox_month, 2026, 12)
    assert again.changed == []
    assert {p: p.read_bytes() for p in (sandbox_month / "reports").iterdir()} == before


def test_best_hours_match_the_report_and_feed_the_plan(sandbox_month):
    root = sandbox_month
    hours = load_best_hours(root, HELSINKI, now=AFTER)
    assert set(hours) == {"cafe-masto", "cafe-insta", "cafe-fb", "cafe-li", "cafe-bsky"}  # all have posts
    s = best_times(_post_rows(root), HELSINKI, now=AFTER)["cafe-masto"]
    assert hours["cafe-masto"] == s.best_hours == [h for h, _, _ in s.hours[:3]]
    # the best hour is the tried hour of highest mean engagement rate, computed here from the CSV independently
    rates: dict[int, list[float]] = {}
    for r in read_csv(root / "metrics/posts.csv"):
        if r["profile"] == "cafe-masto" and r["engagement_rate"]:
            local = dt.datetime.fromisoformat(r["published_at"].replace("Z", "+00:00")).astimezone(HELSINKI)
            rates.setdefault(local.hour, []).append(float(r["engagement_rate"]))
    ranked = sorted(rates, key=lambda h: -sum(rates[h]) / len(rates[h]))
    assert hours["cafe-masto"][0] == ranked[0]

    (root / "schedule.yaml").write_text(
        "timezone: Europe/Helsinki\ncadence:\n  cafe-masto:\n    - {days: [mon], times: [\"08:00\"]}\n"
        "    - {per_week: 2, hours: [best, best]}\n  cafe-fb:\n    - {per_week: 1, hours: [best, 15]}\n"
        "  cafe-new:\n    - {per_week: 1, hours: [best, 15]}\n", encoding="utf-8")
    rules = cadence_rules(load_schedule(root), load_best_hours(root, load_schedule(root).tz, now=AFTER))
    masto = {t.hour for _, t in rules["cafe-masto"][1].pattern}
    assert masto == set(hours["cafe-masto"][:2])
    assert {t.hour for _, t in rules["cafe-fb"][0].pattern} == {hours["cafe-fb"][0]}
    # a profile nothing is known about gets no suggestion: `best` takes the first numbered hour
    assert "cafe-new" not in hours and {t.hour for _, t in rules["cafe-new"][0].pattern} == {15}


def test_too_little_data_is_said_not_guessed(tmp_path):
    root = sandbox_repo(tmp_path / "repo", profiles=PROFILES)
    empty = report.build_report(root, 2026, 12)
    assert "No metrics yet" in empty.markdown and empty.images == []
    assert load_best_hours(root, HELSINKI, now=AFTER) == {}
    # seven posts at three hours: a suggestion already, with low confidence
    frag = tables.Fragment()
    for i, hour in enumerate((7, 7, 11, 11, 16, 16, 16)):
        frag.posts.append({"profile": "cafe-masto", "post_id": f"p{i}", "network": "sandbox", "type": "text",
                           "published_at": f"2026-12-{i + 1:02d}T{hour:02d}:00:00Z", "likes": str(10 + i),
                           "reach": "100", "status": "live", "updated": "2026-12-20"})
    tables.upsert(root, frag)
    s = best_times(_post_rows(root), HELSINKI, now=AFTER)["cafe-masto"]
    assert s.posts == 7 and s.reason == "" and s.best_hours and s.level == "low"
    frag.posts = [dict(frag.posts[0], post_id="p7", published_at="2026-12-09T11:00:00Z", likes="40")]
    tables.upsert(root, frag)
    s = best_times(_post_rows(root), HELSINKI, now=AFTER)["cafe-masto"]
    assert s.best_hours[0] == 13  # 11 UTC = 13 Helsinki has the highest mean rate (likes 12, 13, 40)


def test_deleted_posts_are_left_out(tmp_path):
    root = sandbox_repo(tmp_path / "repo", profiles=PROFILES)
    frag = tables.Fragment(posts=[
        {"profile": "cafe-fb", "post_id": "gone", "type": "image", "published_at": "2026-12-01T07:00:00Z",
         "likes": "99", "reach": "100", "status": "deleted", "url": "https://x.example/gone"},
        {"profile": "cafe-fb", "post_id": "here", "type": "image", "published_at": "2026-12-01T07:00:00Z",
         "likes": "9", "reach": "100", "status": "live", "url": "https://x.example/here"}])
    tables.upsert(root, frag)
    md = report.build_report(root, 2026, 12).markdown
    assert "[here](https://x.example/here)" in md and "gone" not in md


def test_month_parsing():
    assert report.parse_month("2026-12") == (2026, 12)
    start, end = report.month_bounds(2026, 12, HELSINKI)
    assert start.isoformat() == "2026-12-01T00:00:00+02:00" and end.isoformat() == "2027-01-01T00:00:00+02:00"
    from socialops.errors import UsageError

    with pytest.raises(UsageError):
        report.parse_month("2026-13")


def _n(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def _post_rows(root: Path) -> list[dict[str, str]]:
    return list(tables.read_table(root / "metrics", tables.POSTS).values())


def test_followers_gained_and_lost_span_first_to_last_and_a_missing_figure_is_a_dash(tmp_path):
    """Issue 14 point 10: 'gained' and 'lost' cover the days the change covers (after the first count, up to
    the last), so first + gained - lost = last; a network that never reports losses shows '–', not 0."""
    root = sandbox_repo(tmp_path / "repo", profiles={"cafe-fb": PROFILES["cafe-fb"], "cafe-insta": PROFILES["cafe-insta"]})
    (root / "metrics").mkdir()
    header = ",".join(tables.FOLLOWER_COLUMNS)
    rows = []
    for day, count, gained, lost in (("2026-12-01", 1000, 7, 1), ("2026-12-02", 1010, 12, 2),
                                     ("2026-12-03", 1015, 6, 1)):
        values = {"date": day, "profile": "cafe-fb", "network": "sandbox", "followers": count, "gained": gained,
                  "lost": lost}
        rows.append(",".join(str(values.get(c, "")) for c in tables.FOLLOWER_COLUMNS))
        values = {"date": day, "profile": "cafe-insta", "network": "sandbox", "followers": count, "gained": gained}
        rows.append(",".join(str(values.get(c, "")) for c in tables.FOLLOWER_COLUMNS))
    (root / "metrics/followers.csv").write_text("\n".join([header, *rows]) + "\n")
    md = report.build_report(root, 2026, 12).markdown
    assert "| cafe-fb | sandbox | 1 000 | 1 015 | +15 (+1.5 %) | 18 | 3 | 3 |" in md
    assert "| cafe-insta | sandbox | 1 000 | 1 015 | +15 (+1.5 %) | 18 | – | 3 |" in md


def test_the_publication_count_counts_every_publication_of_the_ledger(tmp_path):
    """Issue 14 point 10: a publication without figures yet (metrics not fetched since) still counts."""
    root = sandbox_repo(tmp_path / "repo", profiles={"cafe-masto": PROFILES["cafe-masto"]})
    env = {"SOCIALOPS_SANDBOX": str(root / ".socialops" / "sandbox.sqlite")}
    profile = load_profile(root, "profiles/cafe-masto.yaml")
    publish_to_sandbox(root, profile, env, "early", dt.datetime(2026, 12, 1, 7, 0, tzinfo=UTC))
    lib.fetch_metrics(root, now=dt.datetime(2026, 12, 2, 7, 0, tzinfo=UTC), env=env)
    publish_to_sandbox(root, profile, env, "late", dt.datetime(2026, 12, 3, 7, 0, tzinfo=UTC))
    md = report.build_report(root, 2026, 12).markdown
    assert "2 publications on 1 profile (1 without figures yet)." in md


def test_the_summary_comes_first_with_three_things_to_do_and_the_month_before(sandbox_month):
    md = report.build_report(sandbox_month, 2026, 12).markdown
    summary = md.split("## Summary", 1)[1].split("\n## ", 1)[0]
    assert md.index("## Summary") < md.index("## Followers")
    todo = re.findall(r"^(\d)\. (.+)$", summary, flags=re.MULTILINE)
    assert [n for n, _ in todo] == ["1", "2", "3"] and "**Three things to do next**" in summary
    assert "| | 2026-12 | 2026-11 | change |" in summary
    # publications with figures: counted from posts.csv for each month, independently
    rows = read_csv(sandbox_month / "metrics/posts.csv")
    december = sum(1 for r in rows if "2026-11-30T22:00:00Z" <= r["published_at"] < "2026-12-31T22:00:00Z")
    november = sum(1 for r in rows if r["published_at"] < "2026-11-30T22:00:00Z")
    line = next(x for x in summary.splitlines() if x.startswith("| publications with figures"))
    assert line.startswith(f"| publications with figures | {december} | {november} | ")
    assert f"{(december - november) / november * 100:+.0f} %" in line
