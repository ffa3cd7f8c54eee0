import os
from pathlib import Path

import pytest

from socialops.core.problems import CODES
from socialops.repository.media import resolve_media_path
from socialops.validate.engine import validate_repository
from tests.helpers import PROFILES, image, make_repo, write


def codes(report, path=None):
    return {(p.code, p.line) for p in report.problems if path is None or p.path == path}


def post(front: str, body: str = "Hei maailma\n") -> str:
    return f"---\n{front.strip()}\n---\n{body}"


GOOD = "id: good\nprofiles: [cafe-masto]\npublish_at: 2026-12-01 09:00\npillar: menu\n"


def test_clean_repository_has_no_problems(tmp_path):
    root = make_repo(tmp_path, {"content/2026/12/good.md": post(GOOD)})
    report = validate_repository(root)
    assert report.problems == []
    assert report.checked == 1 + len(PROFILES) + 1


@pytest.mark.parametrize(
    "front, body, code, line",
    [
        ("id: a\nprofiles: [cafe-masto]\ntitel: x", "x", "unknown-key", 4),
        ("title: x\nprofiles: [cafe-masto]", "x", "missing-id", 1),
        ("id: a\nprofiles: [cafe-mast]", "x", "unknown-profile", 3),
        ("id: a", "x", "no-profiles", 1),
        ("id: a\nprofiles: [cafe-masto]\npillar: food", "x", "unknown-pillar", 4),
        ("id: a\nprofiles: [cafe-masto]\nstatus: done", "x", "bad-status", 4),
        ("id: a\nprofiles: [cafe-masto]\ntype: reels", "x", "bad-type", 4),
        ("id: a\nprofiles: [cafe-masto]\npublish_at: next week", "x", "bad-time", 4),
        ("id: a\nprofiles: [cafe-masto]\npublish_at: 2027-03-28 03:15", "x", "time-in-dst-gap", 4),
        ("id: a\nprofiles: [cafe-masto]\npublish_at: 2026-10-25 03:15", "x", "time-ambiguous", 4),
        ("id: a\nprofiles: [cafe-masto]\ntype: story\nmedia: [a.jpg]", "x", "type-unsupported", 4),
        ("id: a\nprofiles: [cafe-insta]", "x", "needs-media", 3),
        ("id: a\nprofiles: [cafe-bsky]", "x" * 301, "text-too-long", 5),
        ("id: a\nprofiles: [cafe-masto]", "x" * 501, "text-too-long", 5),
        ("id: a\nprofiles: [cafe-li]", "x" * 3001, "text-too-long", 5),
        ("id: a\nprofiles: [cafe-insta]\nmedia: [{path: a.jpg, alt: x}]", " ".join(f"#t{i}" for i in range(31)),
         "too-many-hashtags", 6),
        ("id: a\nprofiles: [cafe-masto]\nmedia: [{path: nope.jpg, alt: x}]", "x", "media-missing", 4),
        ("id: a\nprofiles: [cafe-masto]\nmedia: [{path: ../../../../etc/passwd}]", "x", "media-outside-repo", 4),
        ("id: a\nprofiles: [cafe-masto]\nmedia: [{path: /etc/hosts.jpg}]", "x", "media-outside-repo", 4),
        ("id: a\nprofiles: [cafe-insta]\nmedia: [{path: a.png, alt: x}]", "x", "media-type", 4),
        ("id: a\nprofiles: [cafe-masto]\nmedia: [a.jpg, a.jpg, a.jpg, a.jpg, a.jpg]", "x", "too-many-media", 4),
        ("id: a\nprofiles: [cafe-insta]\nmedia: [{path: wide.jpg, alt: x}]", "x", "image-aspect", 4),
        ("id: a\nprofiles: [cafe-insta]\nmedia: [{path: tiny.jpg, alt: x}]", "x", "image-size", 4),
        ("id: a\nprofiles: [cafe-masto]\nmedia: [{path: broken.jpg, alt: x}]", "x", "image-unreadable", 4),
        ("id: a\nprofiles: [cafe-masto]\nmedia: [a.jpg]", "x", "alt-missing", 4),
        ("id: a\nprofiles: [cafe-bsky]\nmedia: [{path: v.mp4, alt: x}]", "x", "captions-missing", 4),
        ("id: a\nprofiles: [cafe-bsky]\nmedia: [{path: v.mp4, alt: x, captions: bad.vtt}]", "x", "captions-invalid", 4),
        ("id: a\nprofiles: [cafe-masto]\nlink: ftp://x.fi/a", "x", "link-invalid", 4),
        ("id: a\nprofiles: [cafe-masto]\ntype: carousel\nmedia: [{path: a.jpg, alt: x}]", "x",
         "type-media-mismatch", 4),
        ("id: a\nprofiles: [cafe-fb]\ntype: live", "x", "live-invalid", 4),
        ("id: a\nprofiles: [cafe-masto]\noverrides: {linkedin: {body: x}}", "x", "override-unknown", 4),
        ("id: a\nprofiles: 5", "x", "wrong-type", 3),
        ("id: a\nprofiles: [cafe-masto]\ntags: {a: 1}", "x", "wrong-type", 4),
    ],
)
def test_rule(tmp_path, front, body, code, line):
    root = make_repo(tmp_path, {"content/2026/12/p.md": post(front, body + "\n")})
    folder = root / "content/2026/12"
    image(folder / "a.jpg", (1080, 1080))
    image(folder / "a.png", (1080, 1080), "PNG")
    image(folder / "wide.jpg", (2000, 500))
    image(folder / "tiny.jpg", (200, 250))
    (folder / "broken.jpg").write_bytes(b"not an image at all")
    (folder / "v.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    (folder / "bad.vtt").write_text("this is not webvtt\n")
    report = validate_repository(root)
    assert code in CODES
    found = {(p.code, p.line) for p in report.problems}
    assert (code, line) in found, report.problems


def test_every_message_names_file_and_says_what_to_do(tmp_path):
    root = make_repo(tmp_path, {"content/a.md": post("id: a\nprofiles: [cafe-bsky]\ntitel: x", "x" * 400)})
    report = validate_repository(root)
    assert {p.path for p in report.problems} == {"content/a.md"}
    messages = " ".join(p.message for p in report.problems)
    assert "Did you mean 'title'?" in messages
    assert "Shorten it by 100" in messages


def test_override_text_is_what_is_counted(tmp_path):
    front = "id: a\nprofiles: [cafe-bsky, cafe-li]\noverrides:\n  bluesky:\n    body: lyhyt"
    root = make_repo(tmp_path, {"content/a.md": post(front, "x" * 400)})
    assert validate_repository(root).problems == []
    front = "id: a\nprofiles: [cafe-bsky]\noverrides:\n  cafe-bsky:\n    body: " + "y" * 301
    root = make_repo(tmp_path / "b", {"content/a.md": post(front, "x")})
    assert ("text-too-long", 6) in codes(validate_repository(root))


@pytest.mark.parametrize("profile, body, too_long", [
    ("cafe-bsky", "e\u0301" * 300, False),  # 600 characters, 300 graphemes: as Bluesky counts, it fits
    ("cafe-bsky", "e\u0301" * 301, True),
    ("cafe-masto", "https://a.fi " * 38, True),  # 494 characters, each link counted as 23: 912
    ("cafe-masto", "https://a.fi " * 20, False),
    ("cafe-threads", "\U0001F642" * 130, True),  # 130 characters, each emoji counted as its 4 bytes: 520
    ("cafe-threads", "\U0001F642" * 125, False),
    ("cafe-li", "x" * 3000, False),
    ("cafe-li", "x" * 3001, True),
])
def test_length_is_what_the_network_counts_not_the_characters(tmp_path, profile, body, too_long):
    profiles = {**PROFILES, "cafe-threads": "network: sandbox\nimitates: threads\naccount: cafe\n"}
    root = make_repo(tmp_path, {"content/a.md": post(f"id: a\nprofiles: [{profile}]", body + "\n")}, profiles=profiles)
    found = [p for p in validate_repository(root, use_cache=False).problems if p.code == "text-too-long"]
    assert bool(found) == too_long, found


@pytest.mark.parametrize("tags, problem", [(30, False), (31, True)])
def test_hashtags_are_counted_not_hash_signs(tmp_path, tags, problem):
    body = " ".join(f"#t{i}" for i in range(tags)) + " C# ## #"  # three more '#' that start no hashtag
    front = "id: a\nprofiles: [cafe-insta]\nmedia: [{path: a.jpg, alt: x}]"
    root = make_repo(tmp_path, {"content/a.md": post(front, body + "\n")})
    image(root / "content/a.jpg", (1080, 1080))
    found = [p.message for p in validate_repository(root, use_cache=False).problems if p.code == "too-many-hashtags"]
    assert found == ([f"the text for cafe-insta (Instagram) has {tags} hashtags; Instagram allows 30"] if problem else [])


def test_duplicate_ids_reported_on_both_files(tmp_path):
    root = make_repo(tmp_path, {"content/a.md": post(GOOD), "content/b.md": post(GOOD)})
    problems = [p for p in validate_repository(root).problems if p.code == "duplicate-id"]
    assert sorted((p.path, p.line) for p in problems) == [("content/a.md", 2), ("content/b.md", 2)]


def test_duplicate_id_found_even_when_checking_one_file(tmp_path):
    root = make_repo(tmp_path, {"content/a.md": post(GOOD), "content/b.md": post(GOOD)})
    report = validate_repository(root, ["content/b.md"])
    assert [(p.path, p.code) for p in report.problems] == [("content/b.md", "duplicate-id")]


def test_hostile_file_is_one_problem_and_others_still_checked(tmp_path):
    root = make_repo(tmp_path, {"content/ok.md": post("id: ok\nprofiles: [nope]")})
    (root / "content/bad.md").write_bytes(b"---\nid: \xff\xfe\n---\n")
    report = validate_repository(root)
    assert ("unreadable", 2) in codes(report, "content/bad.md")
    assert ("unknown-profile", 3) in codes(report, "content/ok.md")


def test_symlinked_media_leading_out_is_refused(tmp_path):
    outside = image(tmp_path / "secret.jpg", (1080, 1080))
    root = make_repo(tmp_path / "repo", {"content/a.md": post("id: a\nprofiles: [cafe-masto]\nmedia: [{path: x.jpg, alt: y}]")})
    (root / "content/x.jpg").symlink_to(outside)
    assert ("media-outside-repo", 4) in codes(validate_repository(root))


@pytest.mark.parametrize(
    "profile, code",
    [
        ("network: myspace\n", "profile-network"),
        ("network: mastodon\ninstance: https://m.example\n", "profile-token"),
        ("network: mastodon\ntoken_env: my token\ninstance: https://m.example\n", "profile-token"),
        ("network: mastodon\ntoken_env: MASTO_TOKEN\n", "profile-setting"),
        ("id: other\nnetwork: sandbox\n", "profile-id"),
        ("network: sandbox\nowners: [maija]\n", "profile-owner"),
        ("network: sandbox\ntimezone: Mars/Olympus\n", "schedule-timezone"),
        ("network: sandbox\nimitates: orkut\n", "profile-network"),
        ("network: sandbox\nbio_text: x\n", "unknown-key"),
        ("- a\n- b\n", "unreadable"),
    ],
)
def test_profile_rules(tmp_path, profile, code):
    root = make_repo(tmp_path, profiles={**PROFILES, "x": profile})
    report = validate_repository(root)
    assert code in {p.code for p in report.problems if p.path == "profiles/x.yaml"}, report.problems


@pytest.mark.parametrize(
    "schedule, code",
    [
        ("timezone: Helsinki\n", "schedule-timezone"),
        ("timezone: UTC\ncadence:\n  ghost: [{days: [mon], times: ['09:00']}]\n", "unknown-profile"),
        ("timezone: UTC\nlate_window: soon\n", "schedule-invalid"),
        ("timezone: UTC\npillars: {a: {share: 10}}\n", "schedule-pillars"),
        ("timezone: UTC\ntimezon: UTC\n", "unknown-key"),
    ],
)
def test_schedule_rules(tmp_path, schedule, code):
    root = make_repo(tmp_path, schedule=schedule)
    assert code in {p.code for p in validate_repository(root).problems if p.path == "schedule.yaml"}


def test_resolve_media_path():
    assert resolve_media_path("content/2026/12/a.md", "kuva.jpg") == "content/2026/12/kuva.jpg"
    assert resolve_media_path("content/2026/12/a.md", "../media/k.jpg") == "content/2026/media/k.jpg"
    assert resolve_media_path("content/2026/12/a.md", "content/media/k.jpg") == "content/media/k.jpg"
    assert resolve_media_path("content/a.md", "../../x.jpg") is None
    assert resolve_media_path("content/a.md", "/etc/passwd") is None
    assert resolve_media_path("content/a.md", "C:/x.jpg") is None


class TestCache:
    def test_second_run_uses_cache_and_content_change_invalidates(self, tmp_path, monkeypatch):
        root = make_repo(tmp_path, {"content/a.md": post(GOOD)})
        assert validate_repository(root).problems == []
        assert (root / ".socialops/cache/validate.pickle").exists()
        calls = []
        import socialops.validate.engine as v

        real = v._check_one
        monkeypatch.setattr(v, "_check_one", lambda *a: calls.append(a[1]) or real(*a))
        assert validate_repository(root).problems == []
        assert calls == []
        write(root / "content/a.md", post(GOOD.replace("menu", "nope")))
        os.utime(root / "content/a.md", ns=(1, 1))
        report = validate_repository(root)
        assert calls == ["content/a.md"]
        assert "unknown-pillar" in {p.code for p in report.problems}

    def test_profile_change_invalidates(self, tmp_path):
        root = make_repo(tmp_path, {"content/a.md": post(GOOD)})
        assert validate_repository(root).problems == []
        (root / "profiles/cafe-masto.yaml").unlink()
        assert "unknown-profile" in {p.code for p in validate_repository(root).problems}

    def test_media_change_invalidates(self, tmp_path):
        root = make_repo(tmp_path, {"content/a.md": post(GOOD + "media: [{path: a.jpg, alt: x}]")})
        image(root / "content/a.jpg", (1080, 1080))
        assert validate_repository(root).problems == []
        (root / "content/a.jpg").unlink()
        assert "media-missing" in {p.code for p in validate_repository(root).problems}

    def test_corrupt_cache_is_ignored(self, tmp_path):
        root = make_repo(tmp_path, {"content/a.md": post(GOOD)})
        validate_repository(root)
        (root / ".socialops/cache/validate.pickle").write_bytes(b"garbage")
        assert validate_repository(root).problems == []


def test_example_repository_is_valid():
    root = Path(__file__).resolve().parents[1]
    report = validate_repository(root, use_cache=False)
    assert [p for p in report.problems if p.severity == "error"] == []


# pytest may run threads of its own (or of other tests' servers): the thread check is bypassed below, and
# Python 3.12+ warns about forking a threaded process.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_many_posts_are_checked_in_forked_processes_with_the_same_result(tmp_path, monkeypatch):
    from socialops.core import workers

    posts = {f"content/2026/12/p{i:03}.md": post(GOOD.replace("id: good", f"id: p{i}")) for i in range(40)}
    posts["content/2026/12/p007.md"] = post("id: p7\nprofiles: [cafe-mast]")  # unknown profile
    posts["content/2026/12/p011.md"] = "no frontmatter\n"  # unreadable
    posts["content/2026/12/p020.md"] = post(GOOD.replace("id: good", "id: p3"))  # duplicate id
    root = make_repo(tmp_path, posts)
    serial = validate_repository(root, use_cache=False)
    forks, sent = [], []
    real_fork_worker, real_collect = workers._fork_worker, workers._collect
    monkeypatch.setattr(workers, "_fork_worker", lambda *a: forks.append(1) or real_fork_worker(*a))

    def collect(*args):
        result = real_collect(*args)
        sent.append(len(result[0]))
        return result

    monkeypatch.setattr(workers, "_collect", collect)
    monkeypatch.setattr(workers, "PARALLEL_MIN", 1)
    monkeypatch.setattr(workers, "CHUNK", 3)
    monkeypatch.setattr(workers.threading, "active_count", lambda: 1)  # pytest's own threads do not matter
    monkeypatch.setattr(workers.os, "cpu_count", lambda: 3)
    parallel = validate_repository(root, use_cache=False)
    assert len(forks) == 2 and len(sent) == 2 and sum(sent) > 0  # the children checked posts too
    assert parallel == serial
    assert {p.code for p in serial.problems} >= {"unknown-profile", "unreadable", "duplicate-id"}


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_posts_a_dead_worker_had_claimed_are_checked_by_the_parent(tmp_path, monkeypatch):
    from socialops.core import workers
    from socialops.validate import engine as validate

    posts = {f"content/2026/12/p{i:03}.md": post(GOOD.replace("id: good", f"id: p{i}")) for i in range(30)}
    posts["content/2026/12/p017.md"] = post("id: p17\nprofiles: [cafe-mast]")
    root = make_repo(tmp_path, posts)
    parent = os.getpid()
    real_check_one = validate._check_one

    def dies_in_a_child(*args, **kwargs):
        if os.getpid() != parent:
            os._exit(3)  # a worker killed halfway (out of memory, a signal)
        return real_check_one(*args, **kwargs)

    monkeypatch.setattr(validate, "_check_one", dies_in_a_child)
    monkeypatch.setattr(workers, "PARALLEL_MIN", 1)
    monkeypatch.setattr(workers, "CHUNK", 2)
    monkeypatch.setattr(workers.threading, "active_count", lambda: 1)
    monkeypatch.setattr(workers.os, "cpu_count", lambda: 2)
    report = validate_repository(root)
    assert [(p.path, p.code) for p in report.problems] == [("content/2026/12/p017.md", "unknown-profile")]
    assert report.checked == 30 + len(PROFILES) + 1
    assert validate.validate_repository(root).problems == report.problems  # the cache holds all 30


# -- media are judged by what they are, never taken from hidden folders (issue 15, finding 6) -------------


GIT_CONFIG = '[remote "origin"]\n\turl = https://github.com/acme/social\n[http "https://github.com/"]\n' \
             "\textraheader = AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hzX3NlY3JldA==\n"


@pytest.mark.parametrize("target", ["../.git/config", "../.github/workflows/x.jpg", "../.socialops/a.jpg",
                                    "../.env"])
def test_a_media_link_into_a_hidden_folder_is_refused(tmp_path, target):
    root = make_repo(tmp_path / "repo", {
        "content/a.md": post("id: a\nprofiles: [cafe-masto]\nmedia: [{path: photo.jpg, alt: y}]")})
    hidden = (root / "content" / target).resolve()
    hidden.parent.mkdir(parents=True, exist_ok=True)
    hidden.write_text(GIT_CONFIG) if not target.endswith(".jpg") else image(hidden, (1080, 1080))
    (root / "content/photo.jpg").symlink_to(target)
    report = validate_repository(root)
    [problem] = [p for p in report.problems if p.code == "media-outside-repo"]
    assert (problem.path, problem.line) == ("content/a.md", 4)
    assert "photo.jpg leads into ." in problem.message and "never uploaded" in problem.message


def test_a_media_path_naming_a_hidden_folder_is_refused(tmp_path):
    root = make_repo(tmp_path / "repo", {
        "content/a.md": post("id: a\nprofiles: [cafe-masto]\nmedia: [{path: ../.git/photo.jpg, alt: y}]")})
    image(root / ".git/photo.jpg", (1080, 1080))
    assert ("media-outside-repo", 4) in codes(validate_repository(root))


@pytest.mark.parametrize("name, content, message", [
    ("photo.jpg", b"just text, named like a photo\n", "not a readable image"),
    ("clip.mp4", b"#!/bin/sh\necho not a video\n", "not a MP4 video file"),
    ("clip.webm", b"\x00\x00\x00\x18ftypmp42", "not a WEBM video file"),
    ("photo.heic", b"GIF89a not heic", "not a HEIC image"),
])
def test_a_media_file_is_judged_by_its_bytes_not_its_name(tmp_path, name, content, message):
    root = make_repo(tmp_path / "repo", {
        "content/a.md": post(f"id: a\nprofiles: [cafe-masto]\nmedia: [{{path: {name}, alt: y}}]")})
    (root / "content" / name).write_bytes(content)
    [problem] = [p for p in validate_repository(root).problems if p.code == "image-unreadable"]
    assert problem.line == 4 and message in problem.message


def test_real_videos_and_heic_images_pass_by_their_bytes(tmp_path):
    from socialops.repository.media import inspect_media

    root = tmp_path
    (root / "content").mkdir()
    (root / "content/a.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 20)
    (root / "content/b.mov").write_bytes(b"\x00\x00\x00\x14ftypqt  " + b"\x00" * 20)
    (root / "content/c.webm").write_bytes(b"\x1a\x45\xdf\xa3" + b"\x00" * 20)
    (root / "content/d.heic").write_bytes(b"\x00\x00\x00\x18ftypheic" + b"\x00" * 20)
    for name in ("a.mp4", "b.mov", "c.webm", "d.heic"):
        assert "error" not in inspect_media(root, f"content/{name}"), name
    # a real image named by another image suffix is still an image: Pillow tells what it is
    image(root / "content/e.jpg", (10, 10))
    assert inspect_media(root, "content/e.jpg")["width"] == 10


def test_invisible_characters_are_found_in_any_text_a_profile_gets(tmp_path):
    from socialops.core.safetext import invisible_characters

    assert invisible_characters("Hyvää päivää, ystävät £ ÿ") == []  # Latin-1 has none of them
    assert invisible_characters("Hyvää\u200b päivää") == ["U+200B ZERO WIDTH SPACE"]
    assert invisible_characters("ä\ufeff") == ["U+FEFF ZERO WIDTH NO-BREAK SPACE"]
    # the post's own texts are clean for both profiles; the image one profile gets instead has a hidden mark
    front = ("id: a\nprofiles: [cafe-masto, cafe-bsky]\nmedia: [{path: a.jpg, alt: Pöytä}]\n"
             "overrides:\n  cafe-bsky:\n    media: [{path: a.jpg, alt: \"Pöy\u200btä\"}]")
    root = make_repo(tmp_path, {"content/a.md": post(front, "Hyvää päivää\n")})
    image(root / "content/a.jpg", (1080, 1080))
    found = [p for p in validate_repository(root, use_cache=False).problems if p.code == "invisible-characters"]
    assert [(p.line, p.message.split(" (")[0]) for p in found] == [(9, "the text has 1 invisible character")]
