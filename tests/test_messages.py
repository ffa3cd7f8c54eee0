"""Issue 14 point 9: messages a person acts on say what to do, point at the right line, and count in words."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from socialops.cli import main
from tests.helpers import SCHEDULE, make_repo


def run(root, *args):
    return CliRunner().invoke(main, ["--repo", str(root), *args], catch_exceptions=False)


def post(front: str, body: str = "Hei\n") -> str:
    return f"---\n{front}---\n{body}"


@pytest.mark.parametrize("front, line, advice", [
    ("id: a\ntitle: Menu: spring\nprofiles: [cafe-masto]\n", 3, "a value with ': ' in it needs quotes"),
    ("id: a\n\ttitle: Menu\nprofiles: [cafe-masto]\n", 3, "YAML indents with spaces, never tabs"),
    ('id: a\ntitle: "Menu\nprofiles: [cafe-masto]\nstatus: ready\n', 3, "a quote opened on this line is never closed"),
])
def test_the_commonest_yaml_mistakes_get_advice_on_their_line(tmp_path, front, line, advice):
    root = make_repo(tmp_path, {"content/a.md": post(front)})
    result = run(root, "validate")
    assert result.exit_code == 1
    assert f"content/a.md:{line}: error [unreadable] the YAML cannot be read: " in result.stdout
    assert advice in result.stdout


def test_an_ambiguous_time_suggests_the_zones_real_offsets(tmp_path):
    root = make_repo(tmp_path, {"content/a.md": post("id: a\nprofiles: [cafe-masto]\npublish_at: 2026-10-25 01:30\n")},
                     schedule=SCHEDULE.replace("Europe/Helsinki", "Europe/London"))
    out = run(root, "validate").stdout
    assert "'2026-10-25 01:30+01:00' for the first, '2026-10-25 01:30+00:00' for the second" in out
    assert "+03:00" not in out


def test_a_city_for_a_timezone_suggests_its_tz_name(tmp_path):
    root = make_repo(tmp_path, schedule=SCHEDULE.replace("Europe/Helsinki", "London"))
    assert "'London' is not a timezone; use the tz database name Europe/London" in run(root, "validate").stdout


def test_validate_of_a_path_that_does_not_exist_is_an_error(tmp_path, monkeypatch):
    root = make_repo(tmp_path)
    monkeypatch.chdir(root)
    result = run(root, "validate", "content/nonexistent.md")
    assert result.exit_code == 2 and "no such file or folder: content/nonexistent.md" in result.stderr


def test_counts_are_in_words(tmp_path):
    root = make_repo(tmp_path, {"content/a.md": post("id: a\nprofiles: [cafe-nope]\n")})
    assert ": 1 error, 0 warnings" in run(root, "validate").stdout


def test_the_preview_of_a_draft_with_a_time_says_it_waits_for_ready(tmp_path):
    root = make_repo(tmp_path, {"content/a.md": post("id: a\nprofiles: [cafe-masto]\npublish_at: 2026-12-02 09:00\n"
                                                     "status: draft\n")})
    out = run(root, "preview", "--now", "2026-12-01 09:00").stdout
    assert "Wed 2026-12-02 09:00 EET (07:00 UTC), in 1 day — publish_at, but a draft: set `status: ready`" in out
    assert "no free slot" not in out


def test_publish_reports_a_post_whose_time_cannot_be_read(tmp_path, monkeypatch):
    monkeypatch.setenv("SOCIALOPS_SANDBOX", str(tmp_path / "box.sqlite"))
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    root = make_repo(tmp_path / "repo", {"content/a.md": post("id: a\nprofiles: [cafe-masto]\npublish_at: 2026-12-1 9\n")})
    result = run(root, "publish", "--now", "2026-12-01 10:00", "--no-push", "--dry-run")
    assert result.exit_code == 0
    assert "Nothing due" in result.stdout  # the human output on one stream: `publish --dry-run | less` shows it
    assert "socialops: warning: content/a.md:4: '2026-12-1 9' is not a time" in result.stderr
    assert "not published until fixed" in result.stderr
