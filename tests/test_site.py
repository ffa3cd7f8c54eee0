"""The dashboard (`socialops site`): calendar cells in the plan's timezone, mock-ups, what stays off a public
site, images cut to the network's shape, charts from the CSVs, hostile text, rebuilds."""

from __future__ import annotations

import datetime as dt
import gc
import os

from click.testing import CliRunner
from PIL import Image

from socialops.cli import main
from socialops.site.build import build_site
from socialops.site.mockup import network_text
from socialops.state.publications import Event, Ledger
from tests.helpers import write
from tests.site_support import NOW, SCHEDULE, Cells, site_repo


def build(root, out, **kwargs):
    return build_site(root, out, now=NOW, brand="Cafe", **kwargs)


def test_the_calendar_puts_a_post_on_its_day_in_the_plans_timezone(tmp_path):
    root = site_repo(tmp_path / "repo")
    build(root, tmp_path / "site")
    cells = Cells((tmp_path / "site/calendar/2026-12.html").read_text()).cells
    # 23:30 in Helsinki on the 1st is 21:30 UTC: the 1st, not the 2nd, and shown at 23:30
    assert "23:30 planned · cafe-masto Late night menu" in cells[1]
    assert "Late night menu" not in cells[2] and "Late night menu" not in cells.get(30, "")
    assert "10:00 planned · cafe-insta Story of the market" in cells[3]
    # the cadence's empty slots are shown on their days (Mon 30 Nov is in the November page)
    november = Cells((tmp_path / "site/calendar/2026-11.html").read_text()).cells
    assert "09:00 empty slot · cafe-masto" in november[23]
    # a profile's own page shows only that profile
    masto = Cells((tmp_path / "site/calendar/cafe-masto/2026-12.html").read_text()).cells
    assert "Late night menu" in masto[1] and "Story of the market" not in masto[3]


def test_drafts_and_internal_posts_stay_off_a_public_site_and_show_on_a_private_one(tmp_path):
    root = site_repo(tmp_path / "repo")
    result = build(root, tmp_path / "public")
    every_page = "".join(p.read_text() for p in (tmp_path / "public").rglob("*.html"))
    every_page += (tmp_path / "public/calendar.ics").read_text()
    assert result.left_out == 2
    assert "secret campaign" not in every_page and "Half-written draft" not in every_page
    assert not (tmp_path / "public/posts/secret-plan.html").exists()

    root = site_repo(tmp_path / "private-repo", schedule=SCHEDULE + "site: {private: true}\n")
    result = build(root, tmp_path / "private")
    assert result.left_out == 0
    cells = Cells((tmp_path / "private/calendar/2026-12.html").read_text()).cells
    assert "The secret campaign" in cells[4] and "draft · cafe-masto Half-written draft" in cells[5]


def test_images_are_cut_to_the_networks_shape_and_stripped(tmp_path):
    root = site_repo(tmp_path / "repo")
    Image.new("RGB", (1200, 400), (10, 20, 30)).save(root / "content/media/square.jpg", exif=b"Exif\x00\x00GPS")
    build(root, tmp_path / "site")
    page = (tmp_path / "site/posts/story.html").read_text()
    src = page.split('<img src="../', 1)[1].split('"', 1)[0]
    with Image.open(tmp_path / "site" / src) as story:
        assert story.size == (480, 853)  # a story fills a 9:16 screen
    page = (tmp_path / "site/posts/late-night.html").read_text()
    sources = [part.split('"', 1)[0] for part in page.split('<img src="../')[1:]]
    shapes = set()
    for src in sources:
        with Image.open(tmp_path / "site" / src) as thumb:
            shapes.add(thumb.size)
            assert not thumb.info.get("exif")
    # 3:1 on Mastodon (shown as it is), cut to 1.91:1 on Instagram (its widest feed shape)
    assert shapes == {(480, 160), (480, 251)}
    assert 'alt="A bun on a plate"' in page and "Alt text: A bun on a plate" in page


def test_a_turned_photo_is_shown_upright_and_an_image_with_transparency_as_a_jpeg(tmp_path):
    from socialops.site.media import thumbnails

    root = tmp_path / "repo"
    (root / "content/media").mkdir(parents=True)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was turned; shown turned back a quarter
    Image.new("RGB", (1200, 400), (200, 20, 30)).save(root / "content/media/turned.jpg", exif=exif.tobytes())
    Image.new("RGBA", (300, 300), (0, 90, 0, 100)).save(root / "content/media/clear.png")
    Image.new("P", (300, 150)).save(root / "content/media/palette.gif")
    out = tmp_path / "site"
    for rel, size in (("turned.jpg", (400, 1200)), ("clear.png", (300, 300)), ("palette.gif", (300, 150))):
        [made] = thumbnails(root, f"content/media/{rel}", out, [(None, 480)])
        with Image.open(out / made) as thumb:
            assert (thumb.format, thumb.mode, thumb.size) == ("JPEG", "RGB", size)
            assert not thumb.getexif().get(0x0112)


def test_the_calendar_shows_small_squares_and_a_second_build_makes_no_image_again(tmp_path):
    root = site_repo(tmp_path / "repo")
    build(root, tmp_path / "site")
    month = (tmp_path / "site/calendar/2026-12.html").read_text()
    squares = {part.split('"', 1)[0] for part in month.split('<img src="../')[1:]}
    assert squares
    for src in squares:
        with Image.open(tmp_path / "site" / src) as square:
            assert square.size == (120, 120)  # shown at 2.5rem: a mock-up's 480 pixels would be wasted
    made = {p: p.stat().st_mtime_ns for p in (tmp_path / "site/media").iterdir()}
    build(root, tmp_path / "site")
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "site/media").iterdir()} == made


def test_a_private_repository_keeps_its_images_unless_allowed(tmp_path):
    root = site_repo(tmp_path / "repo")
    build(root, tmp_path / "site", private_repository=True)
    assert not (tmp_path / "site/media").exists()
    assert "<img" not in (tmp_path / "site/posts/story.html").read_text()
    root = site_repo(tmp_path / "allowed", schedule=SCHEDULE + "site: {media: true}\n")
    build(root, tmp_path / "allowed-site", private_repository=True)
    assert any((tmp_path / "allowed-site/media").iterdir())


def test_a_media_link_into_the_git_folder_never_reaches_the_site(tmp_path):
    root = site_repo(tmp_path / "repo")
    (root / ".git").mkdir()
    write(root / ".git/config", "[http]\n\textraheader = AUTHORIZATION: basic c2VjcmV0\n")
    (root / "content/media/square.jpg").unlink()
    os.symlink(root / ".git/config", root / "content/media/square.jpg")
    build(root, tmp_path / "site")
    published = b"".join(p.read_bytes() for p in (tmp_path / "site").rglob("*") if p.is_file())
    assert b"c2VjcmV0" not in published and b"extraheader" not in published


def test_the_mockup_shows_the_text_as_the_network_renders_it():
    text = "Hei #joulu @friend@example.social https://cafe.example/menu. <b>x</b>"
    masto = network_text(text, "mastodon")
    assert '<a href="https://cafe.example/menu" rel="nofollow">https://cafe.example/menu</a>.' in masto
    assert '<span class="tag">#joulu</span>' in masto and '<span class="mention">@friend@example.social</span>' in masto
    assert "<b>" not in masto and "&lt;b&gt;x&lt;/b&gt;" in masto
    insta = network_text(text, "instagram")
    assert "<a " not in insta and "https://cafe.example/menu" in insta  # captions show links as plain text


def test_hostile_text_in_a_post_stays_text(tmp_path):
    root = site_repo(tmp_path / "repo")
    write(root / "content/evil.md", """\
        ---
        id: evil
        title: "<script>alert(1)</script>"
        profiles: [cafe-masto]
        publish_at: 2026-12-07 10:00
        media: [{path: media/square.jpg, alt: '"><img src=x onerror=alert(2)>'}]
        ---
        <iframe src="https://evil.example"></iframe> javascript:alert(3)
        """)
    build(root, tmp_path / "site")
    for page in (tmp_path / "site").rglob("*.html"):
        html = page.read_text()
        assert "<script" not in html and "<iframe" not in html and "onerror=alert" not in html.replace(
            "onerror=alert(2)&gt;", "")


def test_a_published_post_links_to_the_network_and_shows_its_figures(tmp_path, monkeypatch):
    root = site_repo(tmp_path / "repo")
    Ledger(root).append([Event(dt.datetime(2026, 12, 1, 21, 31, tzinfo=dt.UTC), "late-night", "cafe-masto", "published", attempt=1,
                               key="k", remote_id="9", url="https://example.social/@cafe/9")])
    write(root / "metrics/posts.csv", """\
        profile,post_id,network,type,pillar,published_at,url,remote_id,status,impressions,reach,views,likes,comments,shares,quotes,saves,clicks,engagement,engagement_rate,rate_base,updated
        cafe-masto,late-night,mastodon,image,menu,2026-12-01T21:31:00Z,https://example.social/@cafe/9,9,live,,,,12,3,2,,,,17,0.085,followers,2026-12-02T00:00:00Z
        """)
    write(root / "metrics/followers.csv", """\
        date,profile,network,followers,follows,posts,gained,lost
        2026-11-30,cafe-masto,mastodon,190,,,,
        2026-12-01,cafe-masto,mastodon,200,,,,
        """)
    reads = []
    real_read = Ledger.read_text
    monkeypatch.setattr(Ledger, "read_text", lambda self: reads.append(self.rel) or real_read(self))
    build(root, tmp_path / "site")
    assert len(reads) == 1  # the previews, the calendar and the feed share one reading of the ledger
    assert "URL:https://example.social/@cafe/9" in (tmp_path / "site/calendar.ics").read_text()
    page = (tmp_path / "site/posts/late-night.html").read_text()
    assert "Published Tue 2026-12-01 23:31 EET" in page and 'href="https://example.social/@cafe/9"' in page
    assert "<td>12</td>" in page  # likes in the figures table
    cells = Cells((tmp_path / "site/calendar/2026-12.html").read_text()).cells
    assert "23:31 published · cafe-masto Late night menu" in cells[1]
    metrics = (tmp_path / "site/metrics.html").read_text()
    assert metrics.count('<circle class="point"') == 2 and "cafe-masto, 2026-12-01: 200 followers" in metrics
    assert "menu: 8.5 % engagement (1 posts)" in metrics and "yö: 8.5 % engagement" in metrics  # pillar, tag
    assert "Tue 23:00: 8.5 % engagement (1 posts)" in metrics  # the heatmap in the plan's timezone


def test_a_rebuild_removes_pages_of_posts_that_are_gone(tmp_path):
    root = site_repo(tmp_path / "repo")
    build(root, tmp_path / "site")
    assert (tmp_path / "site/posts/story.html").exists()
    (root / "content/story.md").unlink()
    write(tmp_path / "site/calendar/gone-profile/2020-01.html", "<p>a profile no longer there</p>")
    write(tmp_path / "site/posts/notes.txt", "not a page")
    build(root, tmp_path / "site")
    assert not (tmp_path / "site/posts/story.html").exists()
    assert not (tmp_path / "site/calendar/gone-profile/2020-01.html").exists()
    assert (tmp_path / "site/posts/late-night.html").exists() and (tmp_path / "site/calendar/2026-12.html").exists()
    assert (tmp_path / "site/calendar/cafe-masto/2026-12.html").exists()
    assert (tmp_path / "site/posts/notes.txt").read_text() == "not a page"  # only pages are removed


def test_the_latest_report_is_shown_with_its_charts(tmp_path):
    root = site_repo(tmp_path / "repo")
    write(root / "reports/2026-10.md", "# Old\n")
    write(root / "reports/2026-11.md", "# Report 2026-11\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                                       "![Followers](2026-11-followers.png)\n\n<script>x</script>\n")
    (root / "reports/2026-11-followers.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    build(root, tmp_path / "site")
    page = (tmp_path / "site/report.html").read_text()
    assert "<h1>Report 2026-11</h1>" in page and "<td>1</td>" in page
    assert 'src="reports/2026-11-followers.png"' in page and (tmp_path / "site/reports/2026-11-followers.png").exists()
    assert "<script>" not in page


def test_the_command_builds_the_site_and_says_where_to_open_it(tmp_path):
    root = site_repo(tmp_path / "repo")
    out = tmp_path / "site"
    result = CliRunner().invoke(main, ["--repo", str(root), "site", "--out", str(out), "--now", "2026-11-20 09:00"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"open {(out / 'index.html').as_uri()}" in result.stderr
    assert "2 drafts or internal posts left out" in result.stderr
    overview = (out / "index.html").read_text()
    assert 'href="calendar/2026-11.html"' in overview and 'href="calendar.ics"' in overview
    assert (out / "calendar.ics").read_text().startswith("BEGIN:VCALENDAR")


def test_a_build_reads_each_post_once(tmp_path, monkeypatch):
    from socialops.repository import posts

    root = site_repo(tmp_path / "repo")
    parsed = []
    real_parse = posts.parse_post
    monkeypatch.setattr(posts, "parse_post", lambda text, rel: parsed.append(rel) or real_parse(text, rel))
    build(root, tmp_path / "site")  # the index, validate, the preview and the live sessions all read posts
    assert gc.isenabled()  # the collector, off while the site is built, is on again
    assert parsed and sorted(parsed) == sorted(set(parsed))
    assert "content/late-night.md" in parsed


def test_esc_escapes_every_character_html_gives_meaning_to():
    from html import escape

    from socialops.site.html import esc

    for text in ("plain", "a & b", "<script>", "1 > 0", 'say "hi"', "it's", "&amp;", "", "ä ö ✓ <"):
        assert esc(text) == escape(text, quote=True)
    assert esc(None) == "" and esc(42) == "42" and esc(0.5) == "0.5"
    assert esc(type("Name", (str,), {})("<b>")) == "&lt;b&gt;"


def test_a_recurring_posts_published_times_are_on_the_calendar_as_that_post(tmp_path):
    root = site_repo(tmp_path / "repo")
    write(root / "content/fika.md", """\
        ---
        id: fika
        title: Friday fika
        profiles: [cafe-masto]
        publish_at: 2026-11-06 10:00
        repeat: {every: week}
        ---
        Fika time.
        """)
    Ledger(root).append([Event(dt.datetime(2026, 11, day, 8, 1, tzinfo=dt.UTC), f"fika@202611{day:02}T0800Z",
                               "cafe-masto", "published", attempt=1, key=f"k{day}", remote_id=str(day),
                               url=f"https://example.social/@cafe/{day}") for day in (6, 13)])
    build(root, tmp_path / "site")
    cells = Cells((tmp_path / "site/calendar/2026-11.html").read_text()).cells
    for day in (6, 13):
        assert "10:01 published · cafe-masto Friday fika" in cells[day]
    page = (tmp_path / "site/calendar/2026-11.html").read_text()
    assert page.count('href="../posts/fika.html"') >= 2


def test_a_live_session_is_on_the_calendar_and_in_the_feed_read_once(tmp_path, monkeypatch):
    from socialops.repository import posts

    root = site_repo(tmp_path / "repo")
    write(root / "content/live.md", """\
        ---
        id: glogi-live
        title: Glögi workshop
        profiles: [cafe-masto]
        publish_at: 2026-12-08 12:00
        type: live
        live: {starts_at: 2026-12-10 18:00, duration_minutes: 45, url: https://cafe.example/live}
        ---
        Join us!
        """)
    parsed = []
    real_parse = posts.parse_post
    monkeypatch.setattr(posts, "parse_post", lambda text, rel: parsed.append(rel) or real_parse(text, rel))
    build(root, tmp_path / "site")
    assert parsed.count("content/live.md") == 1
    cells = Cells((tmp_path / "site/calendar/2026-12.html").read_text()).cells
    assert "18:00 live session · cafe-masto Glögi workshop" in cells[10]
    feed = (tmp_path / "site/calendar.ics").read_text()
    assert "UID:glogi-live.live@socialops" in feed and "URL:https://cafe.example/live" in feed
    assert "DTSTART:20261210T160000Z" in feed and "DURATION:PT45M" in feed
