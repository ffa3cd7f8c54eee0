"""Preview: golden files for every post type on every network, and hostile text shown inert."""

import datetime as dt
import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from socialops.cli import main
from socialops.content import preview
from tests.helpers import image, make_repo

GOLDEN = Path(__file__).parent / "fixtures" / "preview"
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)
TZ = ZoneInfo("Europe/Helsinki")
ALL = "[cafe-masto, cafe-bsky, cafe-insta, cafe-fb, cafe-li]"

POSTS = {
    "content/text.md": f"---\nid: text\ntitle: Text post\nprofiles: {ALL}\npublish_at: 2026-12-01 09:00\n---\n"
                       "**Hei** kaikki! Uusi [menu](https://cafe.example/menu) #joulu\n",
    "content/image.md": f"---\nid: image\nprofiles: {ALL}\npublish_at: 2026-12-02 09:00\nmedia:\n"
                        "  - {path: a.jpg, alt: Pulla pöydällä}\nfirst_comment: '#pulla #kahvi'\n---\nPulla!\n",
    "content/carousel.md": f"---\nid: carousel\nprofiles: {ALL}\npublish_at: 2026-12-03 09:00\nmedia:\n"
                           "  - {path: a.jpg, alt: Yksi}\n  - {path: b.jpg, alt: Kaksi}\n---\nKaksi kuvaa\n",
    "content/video.md": f"---\nid: video\nprofiles: {ALL}\npublish_at: 2026-12-04 09:00\nmedia:\n"
                        "  - {path: v.mp4, alt: Uuni, captions: v.vtt}\n---\nVideo uunista\n",
    "content/story.md": f"---\nid: story\ntype: story\nprofiles: {ALL}\npublish_at: 2026-12-05 09:00\nmedia:\n"
                        "  - {path: a.jpg, alt: Tarina}\n---\nTänään!\n",
    "content/reel.md": f"---\nid: reel\ntype: reel\nprofiles: {ALL}\npublish_at: 2026-12-06 09:00\nmedia:\n"
                       "  - {path: v.mp4, alt: Vaahto}\n---\nLatte art\n",
    "content/live.md": f"---\nid: live\ntype: live\nprofiles: {ALL}\npublish_at: 2026-12-07 09:00\n"
                       "live: {starts_at: 2026-12-10 18:00, duration_minutes: 45}\nmedia: [{path: a.jpg, alt: Glögi}]\n"
                       "---\nLive torstaina\n",
    "content/link.md": f"---\nid: link\nprofiles: {ALL}\npublish_at: 2026-12-08 09:00\nlink: https://cafe.example/tori\n"
                       "overrides:\n  bluesky: {body: Lyhyt}\n---\nJoulutori lauantaina\n",
    "content/queued.md": "---\nid: queued\nprofiles: [cafe-masto]\ncreated: 2026-11-20 10:00\n---\nJonossa\n",
}


@pytest.fixture
def repo(tmp_path):
    root = make_repo(tmp_path, POSTS)
    image(root / "content/a.jpg", (1080, 1350))
    image(root / "content/b.jpg", (1080, 1080))
    (root / "content/v.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    (root / "content/v.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:02.000\nUuni\n", encoding="utf-8")
    return root


def golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") or not path.exists():
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


def test_markdown_golden_every_type_and_network(repo):
    items = preview.build(repo, None, now=NOW)
    assert {i.type for i in items} == {"text", "image", "carousel", "video", "story", "reel", "live", "link"}
    links = preview.Links(repository="acme/cafe", sha="0123abc")
    golden("all-types.md", preview.format_markdown(items, now=NOW, tz=TZ, links=links))


def test_text_golden_every_type_and_network(repo):
    golden("all-types.txt", preview.format_text(preview.build(repo, None, now=NOW), now=NOW, tz=TZ))


def test_preview_facts(repo):
    items = {i.post_id: i for i in preview.build(repo, None, now=NOW)}
    story = {p.profile_id: p for p in items["story"].profiles}
    assert story["cafe-insta"].supported and story["cafe-fb"].supported
    assert not story["cafe-masto"].supported and not story["cafe-li"].supported
    live = {p.profile_id: p for p in items["live"].profiles}
    assert any("cannot start or schedule a live" in n for n in live["cafe-insta"].notes)
    link = {p.profile_id: p for p in items["link"].profiles}
    assert link["cafe-bsky"].rendered.text == "Lyhyt"
    assert link["cafe-masto"].rendered.text.endswith("https://cafe.example/tori")  # Mastodon: link in the text
    queued = items["queued"].profiles[0]
    assert queued.slot is not None and queued.slot.source == "queue"
    assert queued.slot.at.astimezone(TZ).strftime("%a %H:%M") in ("Mon 09:00", "Wed 09:00")
    text = items["text"].profiles[0]
    assert text.rendered.text == "Hei kaikki! Uusi menu https://cafe.example/menu #joulu"


def test_published_pair_gets_a_note(repo):
    from socialops.state.publications import Event, Ledger

    Ledger(repo).append([Event(time=NOW, post_id="text", profile="cafe-masto", event="published",
                               remote_id="123", url="https://example.social/@cafe/123")])
    items = {i.post_id: i for i in preview.build(repo, ["content/text.md"], now=NOW)}
    md = preview.format_markdown(list(items.values()), now=NOW, tz=TZ)
    assert "Edits to this file will not reach the network" in md


HOSTILE = (
    "---\nid: evil\ntitle: '<img src=x onerror=alert(1)> @octocat ::error::pwned'\nprofiles: [cafe-masto]\n"
    "publish_at: 2026-12-01 09:00\nmedia: [{path: a.jpg, alt: '@everyone <b>bold</b> [x](https://evil.example)'}]\n"
    "---\n::error file=a::injected\n::add-mask::secret\n@someone <script>alert(1)</script> ![x](https://evil.example/t.png)\n"
    "a ``` b\n[click](javascript:alert(1))\n"
)


def test_hostile_text_is_inert(tmp_path):
    root = make_repo(tmp_path, {"content/evil.md": HOSTILE})
    image(root / "content/a.jpg", (1080, 1080))
    items = preview.build(root, None, now=NOW)
    md = preview.format_markdown(items, now=NOW, tz=TZ)
    outside_code = re.sub(r"(`{3,})text\n.*?\n\1", "", md, flags=re.DOTALL)
    assert "<img" not in outside_code and "<b>" not in outside_code and "<script" not in outside_code
    assert not re.search(r"(?<!\u200d)@(octocat|everyone|someone)\b", outside_code.replace("@\u200d", ""))
    assert "@octocat" not in outside_code and "@everyone" not in outside_code
    assert "](https://evil.example" not in outside_code
    # the post text is in a code block whose fence is longer than the ``` inside it
    assert "````text\n" in md
    text = preview.format_text(items, now=NOW, tz=TZ)
    assert not any(line.lstrip().startswith("::") for line in text.splitlines())


def test_cli_preview_exit_codes(repo):
    runner = CliRunner()
    ok = runner.invoke(main, ["--repo", str(repo), "preview", "--now", "2026-11-26 12:00", "--format", "markdown",
                              str(repo / "content/image.md")])
    assert ok.exit_code == 0, ok.output
    assert "## socialops preview" in ok.stdout
    (repo / "content/bad.md").write_text("---\nid: bad\nprofiles: [nope]\n---\nx\n", encoding="utf-8")
    bad = runner.invoke(main, ["--repo", str(repo), "preview", str(repo / "content/bad.md")])
    assert bad.exit_code == 1
    assert "there is no profile 'nope'" in bad.stdout


def test_json_format_is_the_data_the_pr_comment_renders(repo):
    import json

    result = CliRunner().invoke(main, ["--repo", str(repo), "preview", "--now", "2026-11-26 12:00", "--format", "json",
                                       str(repo / "content/image.md")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["schema"] == "socialops-preview/1" and data["verdict"] == "passed" and data["errors"] == 0
    [post] = data["posts"]
    assert post["path"] == "content/image.md" and post["type"] == "image"
    masto = next(p for p in post["profiles"] if p["profile"] == "cafe-masto")
    assert masto["text"] == "Pulla!" and masto["media"][0]["alt"] == "Pulla pöydällä"
    assert isinstance(masto["length"], int) and masto["too_long"] is False
