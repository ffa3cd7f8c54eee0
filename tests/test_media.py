"""repository.media: a media path never leads publishing to a hidden file (issue 15, finding 6)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from zoneinfo import ZoneInfo

import pytest

from socialops.errors import ContentError
from socialops.networks.sandbox.store import sandbox_posts
from socialops.publish.results import R_FAILED
from socialops.publish.run import run_publish
from socialops.repository.media import upload_path
from tests.publish_support import git_init, make_repo, write_image, write_post

NOW = dt.datetime(2026, 12, 1, 9, 5, tzinfo=ZoneInfo("Europe/Helsinki"))
TOKEN_LINE = "\textraheader = AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hzX3NlY3JldA==\n"


def _uploads(db) -> list:
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT path, size FROM media").fetchall()


def test_publish_refuses_a_media_link_to_the_git_config_and_uploads_nothing(tmp_path):
    root = make_repo(tmp_path / "repo")
    rel = write_post(root, "pic", profiles=["sandbox-a"], at="2026-12-01 09:00",
                     media=[{"path": "photo.jpg", "alt": "a photo"}])
    git_init(root)
    with (root / ".git/config").open("a") as config:  # what actions/checkout leaves when it persists credentials
        config.write('[http "https://github.com/"]\n' + TOKEN_LINE)
    (root / "content/2026/12/photo.jpg").symlink_to("../../../.git/config")
    db = tmp_path / "sandbox.sqlite"
    result = run_publish(root, now=NOW, env={"SOCIALOPS_SANDBOX": str(db)}, sleep=lambda s: None)
    [pair] = result.pairs
    assert pair.status == R_FAILED and f"{rel}:" in pair.detail and "photo.jpg leads into .git" in pair.detail
    assert _uploads(db) == [] and sandbox_posts(db) == []


def test_upload_path_checks_again_where_publishing_opens_the_file(tmp_path):
    root = make_repo(tmp_path / "repo")
    write_image(root, "content/media/pixel.png")
    git_init(root)
    assert upload_path(root, "content/media/pixel.png") == (root / "content/media/pixel.png").resolve()
    (root / "content/media/photo.jpg").symlink_to("../../.git/config")
    (root / "content/media/away.jpg").symlink_to(tmp_path)
    for rel, why in [("content/media/photo.jpg", "into .git"), ("content/media/away.jpg", "outside the repository"),
                     (".git/config", "into .git"), ("content/media/none.jpg", "to no file")]:
        with pytest.raises(ContentError, match=why):
            upload_path(root, rel)
