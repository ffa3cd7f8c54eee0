from click.testing import CliRunner

from socialops.cli import main
from socialops.repository.posts import load_post
from socialops.validate.engine import validate_repository
from tests.helpers import make_repo


def new(root, *args):
    return CliRunner().invoke(main, ["--repo", str(root), "new", *args], catch_exceptions=False)


def test_new_writes_a_valid_post_with_unique_ids(tmp_path):
    root = make_repo(tmp_path)
    first = new(root, "Joulukalenteri, luukku 1!", "--profile", "cafe-masto", "--at", "2026-12-01 09:00")
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == "content/2026/12/joulukalenteri-luukku-1.md"
    second = new(root, "Joulukalenteri, luukku 1!", "--profile", "cafe-masto", "--at", "2026-12-01 10:00")
    assert second.stdout.strip() == "content/2026/12/joulukalenteri-luukku-1-2.md"
    post = load_post(root, second.stdout.strip())
    assert post.id == "joulukalenteri-luukku-1-2"
    assert post.status == "draft"
    assert post.raw["publish_at"] == "2026-12-01 10:00"
    assert validate_repository(root).problems == []


def test_new_without_time_uses_now_month(tmp_path):
    root = make_repo(tmp_path)
    result = new(root, "Hei", "--profile", "cafe-bsky", "--now", "2026-11-26 10:00")
    assert result.stdout.strip() == "content/2026/11/hei.md"
    assert "publish_at" not in load_post(root, "content/2026/11/hei.md").raw


def test_new_with_bad_time_is_usage_error(tmp_path):
    root = make_repo(tmp_path)
    result = new(root, "Hei", "--profile", "cafe-bsky", "--at", "2027-03-28 03:30")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr
