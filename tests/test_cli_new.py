from click.testing import CliRunner

from socialops.cli import main
from socialops.repository.posts import load_post
from socialops.validate.engine import validate_repository
from tests.helpers import make_repo


def new(root, *args):
    return CliRunner().invoke(main, ["--repo", str(root), "new", *args], catch_exceptions=False)


def test_new_writes_a_valid_post_with_unique_ids(tmp_path):
    root = make_repo(tmp_path)
    first = new(root, "Joulukalenteri, luukku 1!", "--profile", "cafe-masto", "--at", "2026-12-01 09:00",
                "--now", "2026-11-26 10:00")
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == "content/2026/12/joulukalenteri-luukku-1.md"
    second = new(root, "Joulukalenteri, luukku 1!", "--profile", "cafe-masto", "--at", "2026-12-01 10:00",
                 "--now", "2026-11-26 10:00")
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


def test_new_says_it_wrote_a_draft_and_refuses_a_past_time_and_an_unknown_profile(tmp_path):
    """Issue 14 point 9."""
    root = make_repo(tmp_path)
    result = new(root, "Hei", "--profile", "cafe-bsky", "--type", "image", "--at", "2026-12-01 09:00",
                 "--now", "2026-11-26 10:00")
    assert result.exit_code == 0
    assert "as a draft (status: draft)" in result.stderr and "set 'status: ready'" in result.stderr
    assert "socialops preview content/2026/12/hei.md" in result.stderr
    past = new(root, "Hei", "--profile", "cafe-bsky", "--at", "2026-11-01 09:00", "--now", "2026-11-26 10:00")
    assert past.exit_code == 2 and "--at 2026-11-01 09:00 is in the past" in past.stderr
    unknown = new(root, "Hei", "--profile", "cafe-nope", "--now", "2026-11-26 10:00")
    assert unknown.exit_code == 2 and "no profile file for cafe-nope" in unknown.stderr


def test_placeholders_of_new_are_refused_once_the_post_is_ready(tmp_path):
    """Issue 14 point 9: the caption's sentence, the example link, file name and alt text never go out."""
    root = make_repo(tmp_path)
    for kind in ("image", "link"):
        new(root, f"Hei {kind}", "--profile", "cafe-masto", "--type", kind, "--at", "2026-12-01 09:00",
            "--now", "2026-11-26 10:00")
    assert [p for p in validate_repository(root, use_cache=False).problems if p.code == "placeholder"] == []
    for rel in ("content/2026/12/hei-image.md", "content/2026/12/hei-link.md"):
        path = root / rel
        path.write_text(path.read_text().replace("status: draft", "status: ready"))
    found = sorted((p.path, p.line, p.message.split(";")[0]) for p in validate_repository(root, use_cache=False).problems
                   if p.code == "placeholder")
    assert found == [
        ("content/2026/12/hei-image.md", 10, "'kuva.jpg' is the example file name from `socialops new`"),
        ("content/2026/12/hei-image.md", 10, "the alt text 'What the image shows' is the example from `socialops new`"),
        ("content/2026/12/hei-image.md", 12, "the text still says 'Write the caption here.' (from `socialops new`)"),
        ("content/2026/12/hei-link.md", 9, "'link: https://example.com/' is the example from `socialops new`"),
        ("content/2026/12/hei-link.md", 11, "the text still says 'Write the caption here.' (from `socialops new`)"),
    ]
