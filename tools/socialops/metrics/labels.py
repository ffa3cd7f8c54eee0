"""The posts' own labels in ``metrics/posts.csv``: ``tags`` (the post's ``tags:``, for your own reports) and
``campaign`` (the post's ``campaign:``, e.g. ``campaign: gift-cards-2026``).

The report groups engagement by tag and by campaign, and sets variant A against B where two posts of a campaign
went to the same profile and differ in one thing only (type, pillar, hour, weekday or tags). Labels are read from the content each time the metrics are
fetched, so a tag added later reaches the rows of posts already published.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from socialops.core.times import parse_utc
from socialops.errors import ContentError
from socialops.metrics.tables import num
from socialops.repository.index import load_index
from socialops.repository.posts import load_post
from socialops.repository.recurrence import base_id

SEPARATOR = ";"  # between the tags of one row


def tags_text(tags: list[str]) -> str:
    """The tags of one row: unique, sorted, joined by ``SEPARATOR`` (which a tag cannot then contain)."""
    return SEPARATOR.join(sorted({str(t).strip().replace(SEPARATOR, ",") for t in tags if str(t).strip()}))


def tags_of(row: dict[str, str]) -> list[str]:
    """The tags of a ``posts.csv`` row."""
    return [t for t in (row.get("tags") or "").split(SEPARATOR) if t]


def label_rows(root: Path, rows: list[dict[str, str]], tz: Any) -> None:
    """Fill ``tags`` and ``campaign`` of fetched ``posts.csv`` rows from their posts under ``content/``."""
    wanted = {base_id(row.get("post_id") or "") for row in rows}  # an occurrence is labelled as its post
    paths = {s.id: s.path for s in load_index(root, tz) if s.id in wanted and s.error is None}
    found: dict[str, tuple[str, str]] = {}
    for post_id, rel in paths.items():
        try:
            post = load_post(root, rel)
        except ContentError:
            continue
        campaign = post.raw.get("campaign")
        found[post_id] = (tags_text(post.tags), " ".join(campaign.split()) if isinstance(campaign, str) else "")
    for row in rows:
        row["tags"], row["campaign"] = found.get(base_id(row.get("post_id") or ""), ("", ""))


def _group(rows: list[tuple[str, float | None, float]]) -> list[tuple[str, int, float, float | None]]:
    """(label, posts, engagement, mean rate) per label, most posts first."""
    groups: dict[str, list[tuple[float | None, float]]] = {}
    for label, rate, engagement in rows:
        groups.setdefault(label, []).append((rate, engagement))
    out = []
    for label, items in groups.items():
        rates = [r for r, _ in items if r is not None]
        out.append((label, len(items), sum(e for _, e in items), sum(rates) / len(rates) if rates else None))
    return sorted(out, key=lambda g: (-g[1], g[0]))


def _traits(row: dict[str, str], tz: Any) -> dict[str, str]:
    local = parse_utc(row.get("published_at")).astimezone(tz)
    return {"type": row.get("type", ""), "pillar": row.get("pillar", ""), "hour": f"{local.hour:02d}:00",
            "weekday": f"{local:%a}", "tags": row.get("tags", "")}


def variants(month: list[dict[str, str]], tz: Any, fmt_pct: Any) -> list[str]:
    """One line per campaign and profile with exactly two rated posts that differ in one trait: A against B."""
    pairs: dict[tuple[str, str], list[dict[str, str]]] = {}
    for row in month:
        if row.get("campaign") and num(row.get("engagement_rate")) is not None:
            pairs.setdefault((row["campaign"], row["profile"]), []).append(row)
    out = []
    for (campaign, profile), rows in sorted(pairs.items()):
        if len(rows) != 2:
            continue
        a, b = sorted(rows, key=lambda r: (r.get("published_at", ""), r.get("post_id", "")))
        ta, tb = _traits(a, tz), _traits(b, tz)
        differ = [k for k in ta if ta[k] != tb[k]]
        if len(differ) != 1:
            continue
        trait = differ[0]
        ra, rb = num(a["engagement_rate"]), num(b["engagement_rate"])
        better = "A" if ra > rb else "B" if rb > ra else "neither"
        out.append(f"- {campaign} on {profile}: A `{a['post_id']}` ({trait} {ta[trait] or '–'}) "
                   f"{fmt_pct(ra, 2)} against B `{b['post_id']}` ({trait} {tb[trait] or '–'}) {fmt_pct(rb, 2)}: "
                   f"they differ only in {trait}; {better} engaged better")
    return out


def labels_section(m: Any, fmt_n: Any, fmt_pct: Any, *, shown: int = 10) -> list[str]:
    """The report's section: engagement by campaign and by tag, of the posts published in the month."""
    md = ["## Engagement by campaign and tag", ""]
    month = [r for r in m.post_rows.values() if r.get("status") != "deleted"
             and (at := parse_utc(r.get("published_at"))) is not None and m.start <= at < m.end]
    by_campaign = _group([(r["campaign"], num(r.get("engagement_rate")), num(r.get("engagement")) or 0)
                          for r in month if r.get("campaign")])
    by_tag = _group([(tag, num(r.get("engagement_rate")), num(r.get("engagement")) or 0)
                     for r in month for tag in tags_of(r)])
    if not by_campaign and not by_tag:
        return md + ["No post of the month has `tags:` or a `campaign:` (in its frontmatter).", ""]
    header = ["posts", "engagement", "mean rate"]
    for title, groups in (("campaign", by_campaign), ("tag", by_tag)):
        if groups:
            md += [f"| {title} | " + " | ".join(header) + " |", "|---|---|---|---|"]
            md += [f"| {label.replace('|', '/')} | {n} | {fmt_n(e)} | {fmt_pct(r, 2)} |"
                   for label, n, e, r in groups[:shown]]
            md += ([f"… and {len(groups) - shown} more {title}s"] if len(groups) > shown else []) + [""]
    tests = variants(month, m.tz, fmt_pct)
    if tests:
        md += ["Variant A against B (two posts of a campaign on one profile that differ in one thing):", ""]
        md += tests + [""]
    return md
