import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from socialops.core.times import parse_when
from socialops.errors import ContentError
from socialops.repository.git import find_posts
from socialops.repository.posts import load_post, parse_post

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
HELSINKI = ZoneInfo("Europe/Helsinki")


def test_parse_post_fields_and_lines():
    post = parse_post("---\nid: a\nprofiles: [p1, p2]\nmedia:\n  - {path: x.jpg, alt: Hi}\n---\nBody **bold**\n", "c/a.md")
    assert post.id == "a"
    assert post.profiles == ["p1", "p2"]
    assert post.type == "image"
    assert post.media[0].alt == "Hi"
    assert post.line("media", 0) == 5
    assert post.line("profiles") == 3
    assert post.body == "Body **bold**\n"
    assert post.body_line == 7


@pytest.mark.parametrize(
    "media, link, expected",
    [([], None, "text"), ([], "https://x.fi", "link"), (["a.jpg"], None, "image"), (["a.mp4"], None, "video"),
     (["a.jpg", "b.jpg"], None, "carousel")],
)
def test_type_inferred(media, link, expected):
    raw = {"id": "x", "media": media}
    if link:
        raw["link"] = link
    import yaml

    post = parse_post("---\n" + yaml.safe_dump(raw) + "---\n", "a.md")
    assert post.type == expected


@pytest.mark.parametrize(
    "name, fragment, line",
    [
        ("yaml-bomb.md", "YAML bomb", None),
        ("python-tag.md", "not allowed", None),
        ("invalid-utf8.md", "not valid UTF-8", None),
        ("binary.md", "binary file", None),
        ("unterminated.md", "not closed", 1),
        ("frontmatter-list.md", "is a list", None),
        ("frontmatter-scalar.md", "single value", None),
        ("deep-nesting.md", "nest", None),
        ("duplicate-keys.md", "appears twice", None),
        ("tab-indent.md", "cannot be read", None),
    ],
)
def test_hostile_files_give_errors_not_tracebacks(name, fragment, line):
    with pytest.raises(ContentError) as info:
        load_post(HOSTILE, name)
    assert fragment in info.value.message
    assert info.value.path == name
    if line is not None:
        assert info.value.line == line


@pytest.mark.parametrize("name", ["bom.md", "crlf.md", "wrong-types.md", "path-traversal.md"])
def test_tolerated_files_load(name):
    post = load_post(HOSTILE, name)
    assert isinstance(post.raw, dict)


def test_crlf_lines_are_right():
    post = load_post(HOSTILE, "crlf.md")
    assert post.line("id") == 2


def test_huge_file_refused_quickly(tmp_path):
    path = tmp_path / "huge.md"
    path.write_bytes(b"---\nid: x\n---\n" + b"a" * 5_000_000)
    with pytest.raises(ContentError, match="more than"):
        load_post(tmp_path, "huge.md")


def test_symlink_out_of_repo_refused(tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text("---\nid: x\n---\n")
    repo = tmp_path / "repo"
    (repo / "content").mkdir(parents=True)
    (repo / "content" / "link.md").symlink_to(outside)
    with pytest.raises(ContentError, match="outside the repository"):
        load_post(repo, "content/link.md")


def test_the_fence_is_python_frontmatters():
    from frontmatter.default_handlers import YAMLHandler

    from socialops.repository import posts

    assert posts._BOUNDARY.pattern == YAMLHandler.FM_BOUNDARY.pattern
    assert posts._BOUNDARY.flags == YAMLHandler.FM_BOUNDARY.flags


@pytest.mark.parametrize("text", [
    "---\nid: a\n---\nBody\n", "\n\n---\nid: a\n---\nBody", "---  \nid: a\n-----\nBody\n---\nmore\n",
    "---\n\n\nid: a\n\n---\n\n\nBody\n\n", "---\nid: a\nt: '---'\n--- \nBody\n", "---\nid: a\n---\n",
    "---\r\nid: a\r\n---\r\nBody\r\n", "---\n---\nBody only\n", "---\nid: a\n---\n  indented body  \n\n\n",
])
def test_a_post_is_split_as_python_frontmatter_splits_it(text):
    import frontmatter

    post = parse_post(text, "a.md")
    theirs = frontmatter.loads(text.replace("\r\n", "\n"))
    assert post.raw == theirs.metadata
    assert post.body.strip() == theirs.content.strip()
    assert (post.body == "") == (theirs.content.strip() == "")
    if post.body:
        assert text.replace("\r\n", "\n").split("\n")[post.body_line - 1].strip() == post.body.split("\n")[0].strip()


def test_a_post_built_by_keywords_or_replaced_is_the_same_post():
    import dataclasses

    from socialops.repository.posts import Media, Post

    post = parse_post("---\nid: a\nprofiles: [p]\nmedia: [x.MP4]\n---\nBody\n", "c/a.md")
    again = Post(path="c/a.md", raw=post.raw, body=post.body, doc=post.doc, body_line=post.body_line)
    assert again == post and again.type == "video" and again.profiles == ["p"]
    assert again.media == [Media("x.MP4", None, None, 0)] and again.media[0].suffix == ".mp4"
    changed = dataclasses.replace(post, raw={**post.raw, "media": "y.jpg"})
    assert changed.type == "image" and changed.media == [Media(path="y.jpg")] and changed.media[0].kind == "image"
    assert (post.id, post.link, post.first_comment) == ("a", None, None)
    linked = dataclasses.replace(post, raw={"id": 7, "link": "https://x.example", "first_comment": 8})
    assert (linked.id, linked.link, linked.first_comment, linked.type) == ("7", "https://x.example", "8", "link")
    odd = dataclasses.replace(post, raw={"id": True, "link": 5, "first_comment": ["x"]})
    assert (odd.id, odd.link, odd.first_comment, odd.type) == (None, None, None, "text")


def test_find_posts_skips_readme_and_hidden(tmp_path):
    for rel in ("content/2026/01/a.md", "content/README.md", "content/.hidden/b.md", "content/x.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("---\nid: a\n---\n")
    assert find_posts(tmp_path) == ["content/2026/01/a.md"]


def test_naive_time_is_in_plan_timezone():
    moment = parse_when("2026-12-01 09:00", HELSINKI)
    assert moment.utcoffset() == dt.timedelta(hours=2)
    assert moment.astimezone(dt.UTC).hour == 7


def test_aware_time_keeps_its_offset():
    moment = parse_when("2026-12-01T09:00+00:00", HELSINKI)
    assert moment.astimezone(dt.UTC).hour == 9
    assert parse_when("2026-12-01T09:00Z", HELSINKI) == moment


def test_yaml_datetime_value_is_accepted():
    assert parse_when(dt.datetime(2026, 7, 1, 12, 0), HELSINKI).utcoffset() == dt.timedelta(hours=3)


def test_dst_gap_and_overlap_refused():
    with pytest.raises(ValueError, match="does not exist"):
        parse_when("2027-03-28 03:30", HELSINKI)
    with pytest.raises(ValueError, match="happens twice"):
        parse_when("2026-10-25 03:30", HELSINKI)
    # with an explicit offset the autumn hour is unambiguous
    assert parse_when("2026-10-25 03:30+03:00", HELSINKI).utcoffset() == dt.timedelta(hours=3)


@pytest.mark.parametrize("value", ["tomorrow", "2026-12-01", "12:00", [1]])
def test_unreadable_times(value):
    with pytest.raises(ValueError):
        parse_when(value, HELSINKI)
