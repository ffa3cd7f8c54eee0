"""The warm path: the same report as a full run, from the cache alone, and never a stale one."""

import os
import subprocess
import sys

import pytest

from socialops.validate.cache import cached_report
from socialops.validate.engine import validate_repository
from tests.helpers import image, make_repo, write

GOOD = "---\nid: good\nprofiles: [cafe-masto]\nmedia: [{path: a.jpg, alt: x}]\npillar: menu\n---\nHei\n"
BAD = "---\nid: bad\nprofiles: [nope]\n---\nHei\n"
DUP = "---\nid: good\nprofiles: [cafe-masto]\n---\nHei\n"


@pytest.fixture
def repo(tmp_path):
    root = make_repo(tmp_path, {"content/good.md": GOOD, "content/bad.md": BAD, "content/dup.md": DUP})
    image(root / "content/a.jpg", (1080, 1080))
    return root


def bump(path):
    os.utime(path, ns=(os.stat(path).st_atime_ns, os.stat(path).st_mtime_ns + 1_000_000))


def test_no_cache_no_answer(repo):
    assert cached_report(repo) is None


def test_warm_report_equals_the_full_one(repo):
    full = validate_repository(repo)
    assert {p.code for p in full.problems} >= {"unknown-profile", "duplicate-id"}
    warm = cached_report(repo)
    assert warm == full
    assert cached_report(repo, ["content/bad.md"]) == validate_repository(repo, ["content/bad.md"])


@pytest.mark.parametrize("change", ["post", "new post", "deleted post", "media", "profile", "schedule",
                                    "profile image", "visibility"])
def test_any_change_sends_it_to_the_full_run(repo, change, monkeypatch):
    validate_repository(repo)
    assert cached_report(repo) is not None
    if change == "post":
        write(repo / "content/good.md", GOOD.replace("menu", "menu "))
        bump(repo / "content/good.md")
    elif change == "new post":
        write(repo / "content/new.md", BAD.replace("bad", "new"))
    elif change == "deleted post":
        (repo / "content/bad.md").unlink()
    elif change == "media":
        image(repo / "content/a.jpg", (100, 100))
        bump(repo / "content/a.jpg")
    elif change == "profile":
        (repo / "profiles/cafe-masto.yaml").write_text("network: sandbox\nimitates: bluesky\n")
        bump(repo / "profiles/cafe-masto.yaml")
    elif change == "schedule":
        bump(repo / "schedule.yaml")
    elif change == "profile image":
        image(repo / "profiles/media/avatar.png", (400, 400), "PNG")
    elif change == "visibility":
        monkeypatch.setenv("GITHUB_REPOSITORY_VISIBILITY", "private")
    assert cached_report(repo) is None
    assert cached_report(repo) is None  # still stale until a full run
    validate_repository(repo)
    assert cached_report(repo) == validate_repository(repo)


def test_warm_cli_does_not_import_the_yaml_parser(repo):
    validate_repository(repo)
    code = ("import sys; from socialops.cli import main\n"
            "try:\n    main(['--repo', sys.argv[1], 'validate', '--format', 'json'])\n"
            "except SystemExit:\n    pass\n"
            "print('YAML' if 'yaml' in sys.modules else 'NO-YAML', file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code, str(repo)], capture_output=True, text=True)
    assert proc.stderr.strip().endswith("NO-YAML")
    assert '"duplicate-id"' in proc.stdout


def test_a_snapshot_of_another_shape_is_ignored(repo):
    from socialops.validate import cache as validatecache

    full = validate_repository(repo)
    validatecache.save(repo, {"state": 1, "problems": "x"}, validatecache.SNAPSHOT_FILE)
    assert cached_report(repo) is None
    (repo / validatecache.SNAPSHOT_FILE).write_bytes(b"not a pickle")
    assert cached_report(repo) is None
    assert validate_repository(repo) == full and cached_report(repo) == full


@pytest.mark.parametrize("change, checked", [
    ("edited", ["content/bad.md"]), ("added", ["content/new.md"]), ("renamed", ["content/renamed.md"]),
    ("deleted", []), ("media", ["content/good.md"]), ("nothing", [])])
def test_after_a_change_only_those_posts_are_checked_again_and_the_report_is_a_full_runs(repo, change, checked,
                                                                                         monkeypatch):
    from socialops.validate import engine

    validate_repository(repo)
    if change == "edited":
        write(repo / "content/bad.md", BAD.replace("nope", "cafe-masto"))
        bump(repo / "content/bad.md")
    elif change == "added":
        write(repo / "content/new.md", GOOD.replace("id: good", "id: new"))
    elif change == "renamed":  # the same content and mtime under another name
        (repo / "content/bad.md").rename(repo / "content/renamed.md")
    elif change == "deleted":
        (repo / "content/dup.md").unlink()
    elif change == "media":
        image(repo / "content/a.jpg", (100, 100))
        bump(repo / "content/a.jpg")
    calls = []
    real = engine._check_one
    monkeypatch.setattr(engine, "_check_one", lambda *a: calls.append(a[1]) or real(*a))
    report = validate_repository(repo)
    assert calls == checked
    assert report == validate_repository(repo, use_cache=False)
    assert cached_report(repo) == report
    codes = {p.code for p in report.problems}
    assert ("duplicate-id" in codes) == (change != "deleted") and ("unknown-profile" in codes) == (change != "edited")


def test_the_warm_path_names_the_files_as_their_modules_do():
    from socialops.profiles import wiring
    from socialops.repository import schedule, snippets
    from socialops.validate import cache as validatecache

    assert validatecache.SCHEDULE_FILE == schedule.SCHEDULE_FILE
    assert (validatecache.WORKFLOWS_DIR, validatecache.TOKEN_WORKFLOWS) == (wiring.WORKFLOWS_DIR, wiring.TOKEN_WORKFLOWS)
    assert validatecache.SNIPPETS_DIR == snippets.SNIPPETS_DIR


@pytest.mark.parametrize("moved", ["file", "folder"])
def test_media_moved_out_of_the_repository_and_linked_back_is_checked_again(repo, tmp_path_factory, moved):
    # mv keeps size and mtime, and a link is followed to the same file: only where it really is has changed
    first = validate_repository(repo)
    assert "media-outside-repo" not in {p.code for p in first.problems}
    outside = tmp_path_factory.mktemp("elsewhere")
    if moved == "file":
        (repo / "content/a.jpg").rename(outside / "a.jpg")
        (repo / "content/a.jpg").symlink_to(outside / "a.jpg")
    else:
        (repo / "content").rename(outside / "content")
        (repo / "content").symlink_to(outside / "content")
    assert cached_report(repo) is None
    report = validate_repository(repo)
    assert report == validate_repository(repo, use_cache=False)
    assert "media-outside-repo" in {p.code for p in report.problems}
    assert cached_report(repo) == report
