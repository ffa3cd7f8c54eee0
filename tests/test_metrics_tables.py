"""The metrics CSV files: one schema for every network, stable keys and order, running twice changing nothing,
a new day changing only what it should, a figure not reported keeping its value, yearly partitions, and every
column documented."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from socialops.metrics import fetch as lib
from socialops.metrics import tables
from tests.helpers import PROFILES
from tests.helpers import make_repo as sandbox_repo
from tests.metrics_support import (
    FB_POST,
    NOW,
    PUBLISHED,
    TOKENS,
    Recorder,
    by_key,
    graph_answer,
    publish,
    read_csv,
    repo_with,
    sandbox_posts,
)

# --- the CSV files -------------------------------------------------------------------------------------------------


def _sandbox_repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    root = sandbox_repo(tmp_path / "repo", profiles=PROFILES)
    env = {"SOCIALOPS_SANDBOX": str(tmp_path / "sandbox.sqlite")}
    sandbox_posts(root, env)
    return root, env


def _snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted((root / "metrics").rglob("*.csv"))}


def test_one_schema_for_every_network_sorted_by_key(tmp_path):
    root, env = _sandbox_repo(tmp_path)
    lib.fetch_metrics(root, now=NOW, env=env)
    header = (root / "metrics/posts.csv").read_text().splitlines()[0]
    assert header == ",".join(tables.POST_COLUMNS)
    rows = read_csv(root / "metrics/posts.csv")
    assert [(r["profile"], r["post_id"]) for r in rows] == sorted((r["profile"], r["post_id"]) for r in rows)
    by_profile = {r["profile"]: r for r in rows}
    # the sandbox reports what the imitated network offers: no reach on Mastodon or Bluesky, saves on Instagram
    assert by_profile["cafe-masto"]["reach"] == "" and by_profile["cafe-bsky"]["reach"] == ""
    assert by_profile["cafe-insta"]["reach"] != "" and by_profile["cafe-insta"]["saves"] != ""
    assert by_profile["cafe-li"]["saves"] == ""
    followers = read_csv(root / "metrics/followers.csv")
    assert [(r["date"], r["profile"]) for r in followers] == sorted((r["date"], r["profile"]) for r in followers)
    dims = {(r["profile"], r["dimension"]) for r in read_csv(root / "metrics/audience.csv")}
    assert ("cafe-insta", "age_gender") in dims and ("cafe-fb", "city") in dims and ("cafe-li", "industry") in dims
    assert not any(p in ("cafe-masto", "cafe-bsky") for p, _ in dims)


def test_running_twice_on_the_same_data_changes_nothing(tmp_path):
    root, env = _sandbox_repo(tmp_path)
    first = lib.fetch_metrics(root, now=NOW, env=env)
    assert first.changed
    before = _snapshot(root)
    mtimes = {p: p.stat().st_mtime_ns for p in (root / "metrics").rglob("*.csv")}
    again = lib.fetch_metrics(root, now=NOW, env=env, resume=False)
    assert again.changed == []
    assert _snapshot(root) == before
    assert {p: p.stat().st_mtime_ns for p in (root / "metrics").rglob("*.csv")} == mtimes


def test_a_new_day_changes_only_the_rows_it_should(tmp_path):
    root, env = _sandbox_repo(tmp_path)
    lib.fetch_metrics(root, now=NOW, env=env)
    old_posts = by_key(read_csv(root / "metrics/posts.csv"), "profile", "post_id")
    old_followers = by_key(read_csv(root / "metrics/followers.csv"), "date", "profile")
    old_audience = by_key(read_csv(root / "metrics/audience.csv"), "date", "profile", "dimension", "bucket")
    # much later the posts have stopped growing
    late = NOW + dt.timedelta(days=30)
    lib.fetch_metrics(root, now=late, env=env)
    lib.fetch_metrics(root, now=late + dt.timedelta(days=1), env=env)
    mid_posts = read_csv(root / "metrics/posts.csv")
    mid_followers = by_key(read_csv(root / "metrics/followers.csv"), "date", "profile")
    lib.fetch_metrics(root, now=late + dt.timedelta(days=2), env=env)
    new_posts = read_csv(root / "metrics/posts.csv")
    # figures that did not change keep their row as it was, `updated` included
    assert new_posts == mid_posts
    new_followers = by_key(read_csv(root / "metrics/followers.csv"), "date", "profile")
    new_day = (late + dt.timedelta(days=2)).date().isoformat()
    added = set(new_followers) - set(mid_followers)
    assert {d for d, _ in added} <= {new_day, (late + dt.timedelta(days=1)).date().isoformat()}
    assert {p for d, p in added if d == new_day} == {"cafe-masto", "cafe-bsky", "cafe-insta", "cafe-fb", "cafe-li"}
    for key, row in mid_followers.items():
        if key[0] < (late - dt.timedelta(days=2)).date().isoformat():
            assert new_followers[key] == row  # days long past are never touched
        else:
            assert new_followers[key]["followers"] == row["followers"]  # only gained/lost of recent days fill in
    # the first day's rows are all still there, unchanged
    for key, row in old_followers.items():
        if key[0] < (NOW - dt.timedelta(days=3)).date().isoformat():
            assert new_followers[key] == row
    new_audience = by_key(read_csv(root / "metrics/audience.csv"), "date", "profile", "dimension", "bucket")
    assert all(new_audience[k] == v for k, v in old_audience.items())
    assert {k[0] for k in set(new_audience) - set(old_audience)} == {
        (late + dt.timedelta(days=n)).date().isoformat() for n in (0, 1, 2)}
    # posts that grew between the first run and a month later moved their `updated` day
    changed = [r for r in new_posts if r["updated"] != old_posts[(r["profile"], r["post_id"])]["updated"]]
    assert changed and all(r["updated"] == late.date().isoformat() for r in changed)


def test_a_figure_not_reported_keeps_its_last_value(tmp_path):
    root = repo_with(tmp_path, "cafe-fb")
    publish(root, "p1", "cafe-fb", FB_POST, when=PUBLISHED)
    lib.fetch_metrics(root, now=NOW, env=TOKENS, transport=Recorder(graph_answer()).transport())
    lib.fetch_metrics(root, now=NOW + dt.timedelta(days=1), env=TOKENS,
                      transport=Recorder(graph_answer(frozenset({"post_media_view"}))).transport())
    post = read_csv(root / "metrics/posts.csv")[0]
    assert post["views"] == "2210" and post["updated"] == "2026-12-02"


def test_large_tables_are_split_by_year_and_read_back(tmp_path):
    table = tables.FOLLOWERS
    rows = {}
    for year in (2025, 2026):
        for day in range(1, 29):
            row = {"date": f"{year}-02-{day:02d}", "profile": "p", "network": "sandbox", "followers": str(day),
                   "follows": "", "posts": "", "gained": "", "lost": ""}
            rows[table.key_of(row)] = row
    folder = tmp_path / "metrics"
    changed = tables.write_table(folder, table, rows, partition_bytes=10_000)
    assert [p.name for p in changed] == ["followers.csv"]
    changed = tables.write_table(folder, table, rows, partition_bytes=500)
    assert sorted(p.relative_to(folder).as_posix() for p in changed) == [
        "followers.csv", "followers/2025.csv", "followers/2026.csv"]
    assert not (folder / "followers.csv").exists()
    assert tables.read_table(folder, table) == rows
    # once split, it stays split (no flip-flopping), and unchanged parts are not rewritten
    assert tables.write_table(folder, table, rows, partition_bytes=10_000_000) == []
    rows[("2026-03-01", "p")] = dict(rows[("2026-02-01", "p")], date="2026-03-01")
    assert [p.name for p in tables.write_table(folder, table, rows)] == ["2026.csv"]


def test_every_csv_column_is_documented_in_the_readme():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Metrics and reports", 1)[1].split("\n## ", 1)[0]
    for columns in (tables.POST_COLUMNS, tables.FOLLOWER_COLUMNS, tables.AUDIENCE_COLUMNS):
        for column in columns:
            assert f"`{column}`" in section, column
