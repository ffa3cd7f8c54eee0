"""Reading each post once in a command of several steps (repository.posts.read_once); core.workers.in_this_process,
which keeps that reading in this process, is tested in test_workers.py."""

from __future__ import annotations

from socialops.repository import posts
from socialops.repository.posts import load_post, read_once
from tests.helpers import make_repo, write

POST = "---\nid: a\ntitle: First words\nprofiles: [cafe-masto]\n---\nHello.\n"


def test_within_read_once_a_post_is_parsed_once_and_the_same_post_comes_back(tmp_path, monkeypatch):
    root = make_repo(tmp_path, {"content/a.md": POST})
    parsed = []
    real_parse = posts.parse_post
    monkeypatch.setattr(posts, "parse_post", lambda text, rel: parsed.append(rel) or real_parse(text, rel))
    with read_once():
        first = load_post(root, "content/a.md")
        write(root / "content/a.md", POST.replace("First words", "Edited meanwhile"))
        with read_once():  # nested: the same posts
            again = load_post(root, "content/a.md")
        assert again is first and again.title == "First words"  # every step sees the post as first read
        assert load_post(root, "content/a.md") is first
    assert parsed == ["content/a.md"]
    after = load_post(root, "content/a.md")  # outside the block each call reads the file
    assert after is not first and after.title == "Edited meanwhile" and len(parsed) == 2
    assert load_post(root, "content/a.md") is not after


def test_a_post_that_cannot_be_read_is_not_kept(tmp_path):
    root = make_repo(tmp_path, {"content/a.md": "no frontmatter\n"})
    with read_once():
        for _ in range(2):
            try:
                load_post(root, "content/a.md")
            except posts.ContentError as exc:
                assert "frontmatter" in exc.message
            else:
                raise AssertionError("an unreadable post was read")
        write(root / "content/a.md", POST)
        assert load_post(root, "content/a.md").id == "a"  # read again once it is readable
