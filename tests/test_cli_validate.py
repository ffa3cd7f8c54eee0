import json

from click.testing import CliRunner

from socialops.cli import main
from tests.helpers import git_init, make_repo, write

GOOD = "---\nid: good\nprofiles: [cafe-masto]\npublish_at: 2026-12-01 09:00\n---\nHei\n"
BAD = "---\nid: bad\nprofiles: [cafe-mastodon]\n---\nHei\n"


def run(root, *args):
    return CliRunner().invoke(main, ["--repo", str(root), "validate", *args], catch_exceptions=False)


def test_clean_exit_0(tmp_path):
    root = make_repo(tmp_path, {"content/good.md": GOOD})
    result = run(root)
    assert result.exit_code == 0
    assert "all good" in result.stdout


def test_errors_exit_1_with_file_line_code(tmp_path):
    root = make_repo(tmp_path, {"content/bad.md": BAD})
    result = run(root)
    assert result.exit_code == 1
    assert "content/bad.md:3: error [unknown-profile]" in result.stdout
    assert "Did you mean 'cafe-masto'?" in result.stdout


def test_json_output_is_only_json(tmp_path):
    root = make_repo(tmp_path, {"content/bad.md": BAD, "content/good.md": GOOD})
    result = run(root, "--format", "json")
    data = json.loads(result.stdout)
    assert data["checked"] == 2 + 5 + 1
    assert data["problems"] == [{"path": "content/bad.md", "line": 3, "severity": "error", "code": "unknown-profile",
                                 "message": data["problems"][0]["message"]}]


def test_strict_fails_on_warnings(tmp_path):
    root = make_repo(tmp_path, {"content/w.md": "---\nid: w\nprofiles: [cafe-masto]\noverrides: {x: {body: y}}\n---\nHei\n"})
    assert run(root).exit_code == 0
    assert run(root, "--strict").exit_code == 1


def test_github_annotations_escape_untrusted_text(tmp_path):
    hostile = "---\nid: x\nprofiles: ['::add-mask::x%0A']\n---\nHei\n"
    root = make_repo(tmp_path, {"content/x.md": hostile})
    result = run(root, "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith("::error file=content/x.md,line=3,title=") for line in lines)
    assert "%250A" in result.stdout  # the % of the input is escaped, so it cannot decode to a new line
    assert all("::add-mask::" not in line.split("::", 2)[1] for line in lines)


def test_paths_limit_file_rules(tmp_path):
    root = make_repo(tmp_path, {"content/a/bad.md": BAD, "content/b/good.md": GOOD})
    assert run(root, str(root / "content/b")).exit_code == 0
    assert run(root, str(root / "content/a/bad.md")).exit_code == 1


def test_changed_since_checks_only_changed_files(tmp_path):
    root = make_repo(tmp_path, {"content/old-bad.md": BAD})
    git_init(root)
    write(root / "content/new.md", GOOD)
    result = run(root, "--changed-since", "HEAD")
    assert result.exit_code == 0, result.output
    write(root / "content/new2.md", BAD.replace("id: bad", "id: bad2"))
    result = run(root, "--changed-since", "HEAD", "--format", "json")
    paths = {p["path"] for p in json.loads(result.stdout)["problems"]}
    assert paths == {"content/new2.md"}


def test_changed_profiles_recheck_every_post(tmp_path):
    root = make_repo(tmp_path, {"content/good.md": GOOD})
    git_init(root)
    (root / "profiles/cafe-masto.yaml").unlink()
    result = run(root, "--changed-since", "HEAD", "--format", "json")
    assert {p["path"] for p in json.loads(result.stdout)["problems"]} == {"content/good.md", "schedule.yaml"}


def test_changed_since_unknown_ref_is_usage_error(tmp_path):
    root = make_repo(tmp_path, {"content/good.md": GOOD})
    git_init(root)
    result = run(root, "--changed-since", "origin/nope")
    assert result.exit_code == 2
    assert "git does not know 'origin/nope'" in result.stderr


def test_not_a_repository_is_a_clean_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["validate"], catch_exceptions=False)
    assert result.exit_code == 2
    assert "no socialops repository here" in result.stderr


def test_hostile_corpus_never_tracebacks(tmp_path):
    import shutil
    from pathlib import Path

    root = make_repo(tmp_path)
    shutil.copytree(Path(__file__).parent / "fixtures" / "hostile", root / "content" / "hostile")
    (root / "content/hostile/README.md").unlink(missing_ok=True)
    result = run(root, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    unreadable = {p["path"].rsplit("/", 1)[1] for p in data["problems"] if p["code"] == "unreadable"}
    assert {"yaml-bomb.md", "python-tag.md", "invalid-utf8.md", "binary.md", "unterminated.md",
            "frontmatter-list.md", "frontmatter-scalar.md", "deep-nesting.md", "duplicate-keys.md",
            "tab-indent.md"} <= unreadable
    wrong = {p["path"].rsplit("/", 1)[1] for p in data["problems"] if p["code"] in ("wrong-type", "media-outside-repo")}
    assert {"wrong-types.md", "path-traversal.md"} <= wrong
