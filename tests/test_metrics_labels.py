"""tags and campaign in metrics/posts.csv (from the posts' frontmatter) and the report's section on them."""

from __future__ import annotations

import datetime as dt

from socialops.metrics import labels, report, tables
from socialops.metrics.fetch import fetch_metrics
from socialops.repository.profiles import load_profile
from tests.helpers import PROFILES, make_repo
from tests.metrics_support import publish_to_sandbox, read_csv

UTC = dt.UTC


def label(root, post_id: str, tags: str, campaign: str | None) -> None:
    """Give the post file (written by publish_to_sandbox) its tags and campaign."""
    path = root / "content" / "2026" / "12" / f"{post_id}.md"
    extra = f"tags: {tags}\n" + (f"campaign: {campaign}\n" if campaign else "")
    path.write_text(path.read_text(encoding="utf-8").replace("pillar: menu\n", "pillar: menu\n" + extra, 1),
                    encoding="utf-8")


def test_tags_and_campaign_reach_posts_csv_and_the_report(tmp_path):
    root = make_repo(tmp_path / "repo", profiles=PROFILES)
    env = {"SOCIALOPS_SANDBOX": str(tmp_path / "sandbox.sqlite")}
    profile = load_profile(root, "profiles/cafe-masto.yaml")
    for post_id, tags, campaign in (("gift", "[giftcard, joulu]", "joulu-2026"), ("market", "[joulu]", "joulu-2026"),
                                    ("menu", "[pulla]", None)):
        publish_to_sandbox(root, profile, env, post_id, dt.datetime(2026, 12, 3, 7, tzinfo=UTC), type="text")
        label(root, post_id, tags, campaign)
    fetch_metrics(root, now=dt.datetime(2026, 12, 20, tzinfo=UTC), env=env)
    rows = {r["post_id"]: r for r in read_csv(root / "metrics/posts.csv")}
    assert list(read_csv(root / "metrics/posts.csv")[0])[-2:] == ["tags", "campaign"]  # added at the end
    assert (rows["gift"]["tags"], rows["gift"]["campaign"]) == ("giftcard;joulu", "joulu-2026")
    assert (rows["menu"]["tags"], rows["menu"]["campaign"]) == ("pulla", "")
    md = report.build_report(root, 2026, 12).markdown
    section = md.split("## Engagement by campaign and tag")[1].split("\n## ")[0]
    engagement = sum(float(rows[p]["engagement"]) for p in ("gift", "market"))
    assert f"| joulu-2026 | 2 | {engagement:.0f} |" in section
    assert "| joulu | 2 |" in section and "| giftcard | 1 |" in section and "| pulla | 1 |" in section
    # gift and market: one campaign, one profile, the same time and type; only their tags differ
    assert "- joulu-2026 on cafe-masto: A `gift` (tags giftcard;joulu)" in section
    assert "they differ only in tags" in section


def test_tags_text_is_sorted_unique_and_keeps_the_separator_out():
    assert labels.tags_text(["b", "a;x", "b", " "]) == "a,x;b"
    assert labels.tags_of({"tags": "a,x;b"}) == ["a,x", "b"] and labels.tags_of({"tags": ""}) == []
    assert tables.POST_COLUMNS[-2:] == ("tags", "campaign")


def row(post_id: str, at: str, rate: str, **traits: str) -> dict[str, str]:
    return {"post_id": post_id, "profile": "p", "campaign": "joulu", "published_at": at, "engagement_rate": rate,
            "type": "image", "pillar": "menu", "tags": "joulu", **traits}


def test_variant_a_against_b_only_when_two_posts_differ_in_one_thing():
    def pct(value, digits):
        return f"{value * 100:.{digits}f} %"

    a = row("a", "2026-12-01T09:00:00Z", "0.04")
    b = row("b", "2026-12-08T09:00:00Z", "0.06", type="reel")  # a week later: same weekday and hour
    (line,) = labels.variants([b, a], UTC, pct)
    assert line == ("- joulu on p: A `a` (type image) 4.00 % against B `b` (type reel) 6.00 %: they differ only "
                    "in type; B engaged better")
    assert labels.variants([a, dict(b, pillar="events")], UTC, pct) == []  # two differences: not a test
    assert labels.variants([a, b, row("c", "2026-12-15T09:00:00Z", "0.05")], UTC, pct) == []  # three posts
    assert labels.variants([a, dict(b, campaign="other")], UTC, pct) == []
