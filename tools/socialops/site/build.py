"""`socialops site`: the dashboard as static files for GitHub Pages (or to open from a folder).

Pages: an overview, the month calendar (all profiles and each), a page per post with its mock-ups, the plan's
gaps and pillar mix, the metrics as charts, the latest monthly report, and the ICS feed. Everything the pages
use is inside the output folder.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from socialops.core.heap import no_cyclic_gc
from socialops.core.workers import map_chunks
from socialops.metrics.tables import AUDIENCE, FOLLOWERS, METRICS_DIR, POSTS, num, read_table
from socialops.plan.calendar import calendar_bytes
from socialops.plan.published import published_and_urls
from socialops.repository.media import resolve_media_path
from socialops.site import charts
from socialops.site.calendar import month_pages
from socialops.site.html import STYLE, esc, page, table
from socialops.site.media import SQUARE, WIDTH, Thumbnails
from socialops.site.mockup import post_page
from socialops.site.model import SiteData, gather


@dataclass
class SiteResult:
    out: Path
    pages: int
    posts: int
    left_out: int  # drafts and internal posts kept off the site


def build_site(root: Path, out: Path, *, now: dt.datetime, brand: str, private_repository: bool = False,
               feed_url: str | None = None) -> SiteResult:
    """Writes the site into `out` (its old pages are replaced; thumbnails already made are kept)."""
    # A build makes a million objects that live until its end (posts, previews, the pages), none of them in a
    # cycle: the cyclic garbage collector would walk the growing heap again and again for nothing (0.3 s of
    # CPU for 10,000 posts), and so would the forked workers.
    with no_cyclic_gc():
        return _build_site(root, out, now=now, brand=brand, private_repository=private_repository,
                           feed_url=feed_url)


def _build_site(root: Path, out: Path, *, now: dt.datetime, brand: str, private_repository: bool,
                feed_url: str | None) -> SiteResult:
    data = gather(root, now=now, brand=brand, private_repository=private_repository)
    out.mkdir(parents=True, exist_ok=True)
    images = Thumbnails(root, out) if data.settings.media else None
    figures = {(r["profile"], r["post_id"]): r for r in read_table(root / METRICS_DIR, POSTS).values()}
    if images is not None:
        images.make(_wanted_images(data, images))
    thumbs = _calendar_thumbs(data, images) if images else {}
    posts = {post.post_id: post for post in data.posts if post.post_id}  # an id twice (a problem): one page
    # A page per post is most of a large site: the pages are made in forked processes when there are many, the
    # feed and the other pages as pieces of the same work, and written by this process alone (processes
    # creating files in one folder wait for each other in the kernel).
    jobs = [partial(_feed, data), partial(_month_pages, data, thumbs),
            partial(_other_pages, root, out, data, list(figures.values()), feed_url)]
    jobs += [partial(_post_page, data, post, figures, images) for post in posts.values()]
    pages: dict[str, bytes] = {}
    for made in map_chunks(lambda job: job(), jobs):
        pages.update(made)
    _remove_old_pages(out, set(pages))
    for folder in {Path(rel).parent for rel in pages}:
        (out / folder).mkdir(parents=True, exist_ok=True)
    for rel, page_bytes in pages.items():
        _write_page(out / rel, page_bytes)
    return SiteResult(out, sum(1 for rel in pages if rel.endswith(".html")), len(data.posts), data.left_out)


def _post_page(data: SiteData, post, figures: dict, images: Thumbnails | None) -> dict[str, bytes]:
    return {f"posts/{post.post_id}.html": post_page(data, post, figures, images).encode("utf-8")}


def _month_pages(data: SiteData, thumbs: dict[str, str]) -> dict[str, bytes]:
    return {rel: text.encode("utf-8") for rel, text in month_pages(data, thumbs).items()}


def _other_pages(root: Path, out: Path, data: SiteData, figures: list[dict], feed_url: str | None) -> dict[str, bytes]:
    pages = {"assets/site.css": STYLE, "plan.html": _plan_page(data), "metrics.html": _metrics_page(root, data, figures),
             "report.html": _report_page(root, out, data), "index.html": _overview(data, feed_url)}
    return {rel: text.encode("utf-8") for rel, text in pages.items()}


def _remove_old_pages(out: Path, pages: set[str]) -> None:
    """Removes the pages of posts and months no longer there (os.walk: a Path each for 10,000 pages cost more
    than writing them)."""
    for folder in ("calendar", "posts"):
        for here, _, names in os.walk(out / folder):
            rel = Path(here).relative_to(out).as_posix()
            for name in names:
                if name.endswith(".html") and f"{rel}/{name}" not in pages:
                    os.unlink(os.path.join(here, name))


def _write_page(path: Path, data: bytes) -> bool:
    """Writes the page unless it holds this already (a second build rewrites only what changed). The site is a
    build output: a plain write, no temporary file; os.open, as open() costs twice the system calls."""
    try:
        if os.stat(path).st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
    return True


def _wanted_images(data: SiteData, images: Thumbnails) -> list[tuple[str, float | None, int]]:
    """Every (image, shape, width) the pages show: each profile's mock-up, and the calendar's small square."""
    wanted = []
    for post in data.posts:
        for item in post.profiles:
            spec = getattr(data.profiles.get(item.profile_id), "spec", None)
            for media in item.rendered.media if item.rendered else []:
                rel = resolve_media_path(post.path, media.path) if media.kind == "image" else None
                if rel and (aspect := images.shape(rel, spec, post.type)) is not False:
                    wanted += [(rel, aspect, WIDTH), (rel, 1.0, SQUARE)]
    return wanted


def _calendar_thumbs(data: SiteData, images: Thumbnails) -> dict[str, str]:
    """post id -> a square thumbnail of its first image."""
    found = {}
    for post in data.posts:
        for item in post.profiles:
            media = next((m for m in (item.rendered.media if item.rendered else []) if m.kind == "image"), None)
            rel = resolve_media_path(post.path, media.path) if media else None
            if rel and images.size(rel):
                thumb = images.get(rel, 1.0, SQUARE)
                if thumb and post.post_id:
                    found[post.post_id] = thumb
                break
    return found


def _feed(data: SiteData) -> dict[str, bytes]:
    shown = {p.post_id for p in data.posts}  # the feed shows only what the site shows
    posts = [s for s in data.summaries if s.id in shown]
    published, urls = published_and_urls(data.states)
    feed = calendar_bytes(posts, data.profiles, data.schedule, now=data.now, published=published, urls=urls,
                          lives=data.lives, until=data.now + dt.timedelta(weeks=13),
                          since=data.now - dt.timedelta(weeks=13), name=f"{data.brand}: content plan")
    return {"calendar.ics": feed}


def _overview(data: SiteData, feed_url: str | None) -> str:
    counts = defaultdict(int)
    for entry in data.entries:
        counts[entry.kind] += 1
    month = f"{data.now.astimezone(data.tz):%Y-%m}"
    feed = f'<a href="{esc(feed_url)}">{esc(feed_url)}</a>' if feed_url else '<a href="calendar.ics">calendar.ics</a>'
    gaps = len(data.plan["gaps"])
    body = [f"<p>As of {data.now.astimezone(data.tz):%a %Y-%m-%d %H:%M %Z}. {len(data.posts)} posts on "
            f"{len(data.profiles)} profiles.</p>",
            "<ul>"
            f'<li><a href="calendar/{month}.html">This month\'s calendar</a>: {counts["planned"]} planned, '
            f'{counts["published"]} published, {counts["missed"]} missed'
            + (f', {counts["by-hand"]} waiting for a person' if counts["by-hand"] else "") + "</li>"
            f'<li><a href="plan.html">The plan</a>: {gaps} empty slot{"s" if gaps != 1 else ""} in the next '
            f'{data.plan["horizon_days"]} days</li>'
            '<li><a href="metrics.html">Metrics</a> and <a href="report.html">the latest report</a></li>'
            f"<li>Subscribe to the plan in a calendar app: {feed}</li></ul>"]
    upcoming = [e for e in data.entries if e.at >= data.now and e.kind in ("planned", "live")][:10]
    if upcoming:
        rows = [[f"{e.at:%a %Y-%m-%d %H:%M}", esc(e.profile),
                 f'<a href="posts/{esc(e.post_id)}.html">{esc(e.title)}</a>' if e.post_id else esc(e.title)]
                for e in upcoming]
        body.append("<h2>Next up</h2>" + table(["when", "profile", "post"], rows))
    return page("Social media at a glance", "\n".join(body), depth=0, brand=data.brand)


def _plan_page(data: SiteData) -> str:
    plan = data.plan
    gaps = [[f"{dt.datetime.fromisoformat(g['at']):%a %Y-%m-%d %H:%M}", esc(g["profile"])] for g in plan["gaps"]]
    pillars = [[esc(p["pillar"]), f"{p['target']} %" if p.get("target") is not None else "–",
                f"{p['share']:.0f} %", str(p["posts"])] for p in plan["pillars"]]
    body = [f"<p>From {esc(plan['from'])} to {esc(plan['to'])}, times in {esc(plan['timezone'])}.</p>",
            "<h2>Empty slots</h2>" + (table(["when", "profile"], gaps) if gaps else "<p>None: every slot is filled.</p>"),
            "<h2>Pillar mix</h2>" + (table(["pillar", "target", "share", "posts"], pillars) if pillars
                                     else "<p>No pillars in schedule.yaml.</p>"),
            charts.bar_chart("Share of posts by pillar", [(p["pillar"], p["share"], p["posts"]) for p in plan["pillars"]],
                             "% of posts")]
    for title, key in (("Collisions", "collisions"), ("Posts on blackout days", "blackout_posts")):
        if plan[key]:
            body.append(f"<h2>{title}</h2><ul>" + "".join(f"<li>{esc(item)}</li>" for item in plan[key]) + "</ul>")
    return page("The plan", "\n".join(body), depth=0, brand=data.brand)


def _metrics_page(root: Path, data: SiteData, post_rows: list[dict]) -> str:
    folder = root / METRICS_DIR
    followers: dict[str, list] = defaultdict(list)
    for row in read_table(folder, FOLLOWERS).values():
        value = num(row.get("followers"))
        if value is not None:
            followers[row["profile"]].append((dt.date.fromisoformat(row["date"]), value))
    heat: dict[tuple[int, int], list[float]] = defaultdict(list)
    for row in post_rows:
        rate = num(row.get("engagement_rate"))
        if rate is not None and row.get("published_at"):
            local = dt.datetime.fromisoformat(row["published_at"].replace("Z", "+00:00")).astimezone(data.tz)
            heat[(local.weekday(), local.hour)].append(rate * 100)
    body = [charts.line_chart("Followers", followers, "followers"),
            "<h2>Engagement by post type</h2>",
            charts.bar_chart("Engagement by post type",
                             [(k, v * 100, n) for k, v, n in charts.grouped_means(post_rows, lambda r: r["type"],
                                                                                  "engagement_rate")], "% engagement"),
            "<h2>Engagement by pillar</h2>",
            charts.bar_chart("Engagement by pillar",
                             [(k, v * 100, n) for k, v, n in charts.grouped_means(post_rows, lambda r: r["pillar"],
                                                                                  "engagement_rate")], "% engagement"),
            "<h2>Engagement by tag</h2>",
            charts.bar_chart("Engagement by tag",
                             [(k, v * 100, n) for k, v, n in charts.grouped_means(
                                 post_rows, lambda r: data.tags.get(r["post_id"], []), "engagement_rate")],
                             "% engagement"),
            f"<h2>When posts engage (weekday and hour, {esc(data.tz.key)})</h2>",
            charts.heatmap("Engagement by weekday and hour", heat, "% engagement"),
            "<h2>Audience</h2>", _audience(folder)]
    return page("Metrics", '<h2>Followers</h2>\n' + "\n".join(body), depth=0, brand=data.brand)


def _audience(folder: Path) -> str:
    latest: dict[str, str] = {}
    rows = list(read_table(folder, AUDIENCE).values())
    for row in rows:
        latest[row["profile"]] = max(latest.get(row["profile"], ""), row["date"])
    parts = []
    for profile in sorted(latest):
        dims: dict[str, list] = defaultdict(list)
        for row in rows:
            value = num(row.get("value"))
            if row["profile"] == profile and row["date"] == latest[profile] and value is not None:
                dims[row["dimension"]].append((row["bucket"], value, 1))
        for dimension, bars in sorted(dims.items()):
            bars = sorted(bars, key=lambda b: -b[1])[:10]
            parts.append(f"<h3>{esc(profile)}: {esc(dimension)} ({esc(latest[profile])})</h3>"
                         + charts.bar_chart(f"{profile} audience by {dimension}", bars, "share"))
    return "".join(parts) or "<p>No audience figures yet.</p>"


def _report_page(root: Path, out: Path, data: SiteData) -> str:
    from markdown_it import MarkdownIt  # lazy: only when a site is built

    reports = sorted((root / "reports").glob("[0-9][0-9][0-9][0-9]-[0-9][0-9].md"))
    if not reports:
        return page("Report", "<p>No monthly report yet (the metrics workflow writes one each month).</p>",
                    depth=0, brand=data.brand)
    latest = reports[-1]
    for image in latest.parent.glob(f"{latest.stem}-*.png"):
        (out / "reports").mkdir(exist_ok=True)
        shutil.copyfile(image, out / "reports" / image.name)
    markdown = MarkdownIt("commonmark", {"html": False}).enable("table")
    html = markdown.render(latest.read_text(encoding="utf-8"))
    html = re.sub(r'src="(?![a-z]+:|/)', 'src="reports/', html)  # the charts sit beside the report
    return page(f"Report {latest.stem}", html, depth=0, brand=data.brand)
