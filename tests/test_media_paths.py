"""repository.media: where a media path really leads (links followed), and what inspect_media says of it, for
every kind of path a repository can hold: a media file outside the repository or in a hidden folder (.git
holds the checkout's token) is never read, whether a link to it is the file itself or a folder on the way."""

from __future__ import annotations

import os
import posixpath
import random
from pathlib import Path

import pytest

from socialops.repository.media import inspect_media, media_target, resolve_media_path
from tests.helpers import image

# rel -> what media_target says: a path under the repository (the real file) or the reason it gives none
EXPECTED = {
    "content/media/a.jpg": "content/media/a.jpg",
    "content/a.jpg": "content/a.jpg",
    "top.jpg": "top.jpg",
    "content/media/none.jpg": {"missing": True},
    "content/nofolder/none.jpg": {"missing": True},
    "content/media/a.jpg/x.jpg": {"missing": True},  # a file as a folder
    "content/media/sub": {"missing": True},  # a folder, not a file
    "content/media/dangling.jpg": {"missing": True},  # a link to nothing inside
    "content/media/out.jpg": {"outside": True},
    "content/media/out-missing.jpg": {"outside": True},  # a link out to nothing: still a link out
    "content/out/o.jpg": {"outside": True},  # a linked folder outside
    "content/out/none.jpg": {"missing": True},
    "content/media/git.jpg": {"hidden": ".git"},  # a link into .git
    ".git/config": {"hidden": ".git"},
    "content/.hid/x.jpg": {"hidden": ".hid"},
    "content/media/.dot.jpg": {"hidden": ".dot.jpg"},
    "content/media/tohid.jpg": {"hidden": ".hid"},
    "content/g/config": {"hidden": ".git"},  # a linked folder into .git
    "content/mlink/a.jpg": "content/media/a.jpg",  # a linked folder inside
    "content/mlink/sub/b.jpg": "content/media/sub/b.jpg",
    "content/media/r1.jpg": "content/media/a.jpg",  # a chain of relative links
    "content/back/a.jpg": "content/media/a.jpg",  # out through a link and back in through another
    "content/media/loop1.jpg": {"missing": True},  # links in a loop lead to no file
    "content/loopdir/x.jpg": {"missing": True},
    "content/media/sub/b.jpg": "content/media/sub/b.jpg",
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("paths")
    root = base / "repo"
    outside = base / "outside"
    image(outside / "o.jpg", (100, 100))
    (outside / "back").symlink_to(root / "content/media")
    media = root / "content/media"
    for rel in ("content/media/a.jpg", "content/a.jpg", "top.jpg", "content/media/sub/b.jpg", "content/.hid/x.jpg",
                "content/media/.dot.jpg"):
        image(root / rel, (100, 100))
    (root / ".git").mkdir()
    (root / ".git/config").write_text("[http]\n\textraheader = AUTHORIZATION: basic c2VjcmV0\n")
    (media / "dangling.jpg").symlink_to("nowhere.jpg")
    (media / "out.jpg").symlink_to(outside / "o.jpg")
    (media / "out-missing.jpg").symlink_to(outside / "none.jpg")
    (media / "git.jpg").symlink_to("../../.git/config")
    (media / "tohid.jpg").symlink_to("../.hid/x.jpg")
    (media / "r1.jpg").symlink_to("r2.jpg")
    (media / "r2.jpg").symlink_to("a.jpg")
    (media / "loop1.jpg").symlink_to("loop2.jpg")
    (media / "loop2.jpg").symlink_to("loop1.jpg")
    (root / "content/out").symlink_to(outside)
    (root / "content/g").symlink_to("../.git")
    (root / "content/mlink").symlink_to("media")
    (root / "content/back").symlink_to(outside / "back")
    (root / "content/loopdir").symlink_to("loopdir")
    return root


def _said(root: Path, found: tuple) -> str | dict:
    real, why = found
    return real.relative_to(root.resolve()).as_posix() if real is not None else why


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_where_each_media_path_leads(repo, rel):
    assert _said(repo, media_target(repo, rel)) == EXPECTED[rel]


@pytest.mark.parametrize("through_link", [False, True])
def test_inspect_media_reads_only_files_inside_and_not_hidden(repo, tmp_path, through_link):
    root = repo
    if through_link:  # the repository itself reached through a link: the same answers
        root = tmp_path / "link"
        root.symlink_to(repo)
    places: dict = {}  # what one run keeps of the folders it has looked at
    for rel, expected in EXPECTED.items():
        for info in (inspect_media(root, rel), inspect_media(root, rel, places), inspect_media(root, rel, places)):
            if isinstance(expected, dict):
                assert info == expected, rel
            else:
                assert info == {"size": os.path.getsize(repo / expected), "width": 100, "height": 100,
                                "format": "JPEG"}, rel


def _resolve_as_normpath(post_path: str, media_path: str) -> str | None:
    """What resolve_media_path means, written plainly: the post's folder joined with the path and normalised."""
    if (not media_path or media_path[0] in "/\\" or "\\" in media_path or media_path[1:2] == ":"
            or "\0" in media_path):
        return None
    folder = post_path.rpartition("/")[0]
    folder = folder if folder and folder[-1] != "/" else posixpath.dirname(post_path)
    joined = posixpath.normpath(posixpath.join("" if media_path.startswith("content/") else folder, media_path))
    return None if joined in (".", "..") or joined.startswith("../") else joined


def test_media_paths_resolve_as_normpath_says():
    """resolve_media_path normalises each folder once, then adds the file's name: the same answers as normalising
    the whole path, on random paths of every part a path can hold."""
    pick = random.Random(16)
    parts = ["", ".", "..", "a", "media", "content", "x.jpg", "b.", ".hidden", "c:d", "e\\f"]
    posts = ["p.md", "content/p.md", "content/2026/05/p.md", "content//p.md", "content/a/../p.md", "/abs/p.md",
             "//two/p.md", "./p.md", "content/2026/"]
    for _ in range(30_000):
        media = "/".join(pick.choice(parts) for _ in range(pick.randint(1, 6)))
        media = pick.choice(["", "", "content/", "/", "./", "../"]) + media
        post = pick.choice(posts)
        assert resolve_media_path.__wrapped__(post, media) == _resolve_as_normpath(post, media), (post, media)
