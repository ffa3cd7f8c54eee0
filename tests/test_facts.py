"""Scheduling facts on the socialops-facts branch (repository/facts.py): a fresh clone, as every scheduled
run on GitHub is, reads only the posts whose (path, blob) it has not seen, takes the nothing-due shortcut,
and no entry, right or tampered with, makes a post publish at another time than its file says."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from click.testing import CliRunner

import socialops.repository.index as index
from socialops.cli import main
from socialops.publish.results import R_PUBLISHED
from socialops.publish.run import run_publish
from socialops.repository import facts
from tests.publish_support import IDENTITY, bare_with_clones, git, git_init, make_repo, write_post

HEL = ZoneInfo("Europe/Helsinki")
LATER = "content/2026/12/later.md"
OTHER = "content/2026/12/other.md"


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=HEL)


def run(root, now, tmp_path, **kw):
    return run_publish(root, now=now, env={"SOCIALOPS_SANDBOX": str(tmp_path / "sandbox.sqlite")}, **kw)


@pytest.fixture
def origin(tmp_path):
    """A remote whose facts branch a first clone's nothing-due run wrote (at 2026-11-30 12:00)."""
    src = make_repo(tmp_path / "src", schedule={"cadence": {"sandbox-b": [{"days": ["wed"], "times": ["10:00"]}]}})
    write_post(src, "later", profiles=["sandbox-a"], at="2026-12-01 09:00")
    write_post(src, "other", profiles=["sandbox-a", "sandbox-b"], at="2026-12-05 09:00")
    write_post(src, "queued", profiles=["sandbox-b"], at=None, created="2026-11-20 10:00")
    git_init(src)
    bare, [first] = bare_with_clones(tmp_path, src, names=("first",))
    assert run(first, local("2026-11-30 12:00"), tmp_path).pairs == []
    assert "socialops-facts" in git(bare, "branch", "--list")
    return bare


def clone(bare, tmp_path, name: str):
    git(tmp_path, "clone", "-q", str(bare), str(tmp_path / name))
    return tmp_path / name


def push_change(bare, tmp_path, change) -> None:
    editor = clone(bare, tmp_path, "editor")
    change(editor)
    git(editor, "add", "-A")
    git(editor, "commit", "-qm", "change", env=IDENTITY)
    git(editor, "push", "-q", "origin", "main")


@pytest.fixture
def parsed(monkeypatch):
    """The paths whose files the index reads."""
    paths: list[str] = []
    real = index.summarize
    monkeypatch.setattr(index, "summarize", lambda root, rel, tz: paths.append(rel) or real(root, rel, tz))
    return paths


@pytest.fixture
def index_reads(monkeypatch):
    calls = []
    real = index.load_index
    monkeypatch.setattr(index, "load_index", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def truth(root):
    return [s._replace(blob=None) for s in index.load_index(root, HEL, use_cache=False)]


def test_a_fresh_clone_takes_the_nothing_due_shortcut_without_reading_a_post(origin, tmp_path, index_reads):
    fresh = clone(origin, tmp_path, "fresh")
    assert not (fresh / ".socialops").exists()
    assert run(fresh, local("2026-11-30 13:00"), tmp_path).pairs == []
    assert run(clone(origin, tmp_path, "dry"), local("2026-11-30 13:00"), tmp_path, dry_run=True).pairs == []
    assert index_reads == []


def test_a_fresh_clone_reads_no_post_whose_blob_the_facts_name(origin, tmp_path, parsed):
    fresh = clone(origin, tmp_path, "fresh")
    summaries = index.load_index(fresh, HEL)
    assert parsed == []
    assert [s._replace(blob=None) for s in summaries] == truth(fresh)
    assert all(s.blob for s in summaries)


def rename(root):
    (root / "content/2026/11").mkdir(parents=True)
    git(root, "mv", LATER, "content/2026/11/later.md")


@pytest.mark.parametrize(("change", "read"), [
    (lambda root: write_post(root, "later", profiles=["sandbox-a"], at="2026-11-30 11:00"), {LATER}),
    (lambda root: write_post(root, "new", profiles=["sandbox-b"], at="2026-11-30 11:30"), {"content/2026/12/new.md"}),
    (rename, {"content/2026/11/later.md"}),
    (lambda root: (root / OTHER).unlink(), set()),
], ids=["changed", "added", "renamed", "deleted"])
def test_a_post_changed_added_renamed_or_deleted_since_the_facts_is_read_anew(origin, tmp_path, parsed, change,
                                                                              read):
    push_change(origin, tmp_path, change)
    fresh = clone(origin, tmp_path, "fresh")
    summaries = index.load_index(fresh, HEL)
    assert set(parsed) == read
    assert [s._replace(blob=None) for s in summaries] == truth(fresh)


def test_work_tree_edits_are_read_anew_even_when_git_is_told_to_look_away(origin, tmp_path, parsed):
    fresh = clone(origin, tmp_path, "fresh")
    write_post(fresh, "later", profiles=["sandbox-a"], at="2026-11-30 11:00")  # edited, not committed
    git(fresh, "update-index", "--assume-unchanged", OTHER)
    write_post(fresh, "other", profiles=["sandbox-a"], at="2026-11-30 10:00")  # edited under the flag
    write_post(fresh, "untracked", profiles=["sandbox-a"], at="2026-12-03 10:00")
    (fresh / "content/2026/12/link.md").symlink_to("queued.md")
    summaries = index.load_index(fresh, HEL)
    assert set(parsed) == {LATER, OTHER, "content/2026/12/untracked.md", "content/2026/12/link.md"}
    assert [s._replace(blob=None) for s in summaries] == truth(fresh)
    result = run(fresh, local("2026-11-30 12:10"), tmp_path, push=False)
    assert sorted(p.post_id for p in result.pairs if p.status == R_PUBLISHED) == ["later", "other"]


def tamper(bare, tmp_path, edit) -> None:
    """Rewrite the facts branch on the remote (as someone who may push could)."""
    editor = clone(bare, tmp_path, "tamperer")
    posts = facts.read_facts(editor, HEL.key)
    record = facts.read_next_due(editor)[0]
    edit(posts, record)
    assert facts.write(editor, HEL.key, posts, record, push=True)


def test_a_tampered_entry_cannot_publish_a_post_before_its_time(origin, tmp_path):
    moment = local("2026-11-30 11:30").timestamp()

    def due_now(posts, record):
        posts[LATER][4] = moment  # the file says 2026-12-01 09:00
        record["key"] = ["nothing"]  # so that the run looks at the posts

    tamper(origin, tmp_path, due_now)
    fresh = clone(origin, tmp_path, "fresh")
    assert index.load_index(fresh, HEL)[0].publish_ts == moment  # the index takes it...
    assert run(fresh, local("2026-11-30 12:10"), tmp_path, push=False).pairs == []  # ...publish does not
    result = run(fresh, local("2026-12-01 09:05"), tmp_path, push=False)
    assert [(p.post_id, p.status) for p in result.pairs] == [("later", R_PUBLISHED)]


def test_an_entry_counts_only_for_the_path_and_blob_it_names(origin, tmp_path, parsed):
    def swapped(posts, record):
        posts[OTHER], posts[LATER] = posts[LATER], posts[OTHER]  # each now names the other's blob
        posts["content/2026/12/queued.md"][0] = "0" * 40

    tamper(origin, tmp_path, swapped)
    fresh = clone(origin, tmp_path, "fresh")
    summaries = index.load_index(fresh, HEL)
    assert set(parsed) == {LATER, OTHER, "content/2026/12/queued.md"}
    assert [s._replace(blob=None) for s in summaries] == truth(fresh)


@pytest.mark.parametrize("entry", [None, [], "x", [None] * 10, ["b", "id", "ready", "sandbox-a", None, "text", None,
                                                                   None, "t", None]])
def test_entries_of_another_shape_are_ignored(entry):
    assert index.from_fact("content/a.md", "b", entry) is None


def test_a_record_further_ahead_than_a_run_sets_is_not_trusted(origin, tmp_path, index_reads):
    def far(posts, record):
        record["next_due"] = local("2027-06-01 00:00").isoformat()

    tamper(origin, tmp_path, far)
    fresh = clone(origin, tmp_path, "fresh")
    run(fresh, local("2026-11-30 13:00"), tmp_path, push=False)
    assert len(index_reads) == 1


def test_damaged_facts_are_a_miss_not_an_error(origin, tmp_path, parsed):
    editor = clone(origin, tmp_path, "editor")
    assert facts.write(editor, HEL.key, {}, {"key": 1}, push=False)
    assert facts.read_facts(editor, HEL.key) == {} and facts.read_next_due(editor)[0] == {"key": 1}  # local first
    git(editor, "update-ref", "-d", "refs/remotes/origin/socialops-facts")
    git(editor, "update-ref", "refs/heads/socialops-facts", git(editor, "rev-parse", "HEAD").strip())  # no files
    assert facts.read_facts(editor, HEL.key) == {} and facts.read_next_due(editor) == []
    blob = git(editor, "hash-object", "-w", "--", "schedule.yaml").strip()  # not JSON
    tree = subprocess.run(["git", "mktree"], cwd=editor, input=f"100644 blob {blob}\tfacts.json\n", text=True,
                          capture_output=True, check=True).stdout.strip()
    commit = git(editor, "commit-tree", tree, "-m", "damaged", env=IDENTITY).strip()
    git(editor, "update-ref", "refs/heads/socialops-facts", commit)
    assert facts.read_facts(editor, HEL.key) == {}
    assert [s._replace(blob=None) for s in index.load_index(editor, HEL)] == truth(editor)
    assert len(parsed) == 3 * 2  # every post read (the second time for truth())


# --- the shortcut as the scheduled workflow runs it: the CLI in a fresh clone --------------------------------------

LIGHT = """
import subprocess, sys
from socialops.cli import main
calls = []
real = subprocess.run
subprocess.run = lambda args, *a, **k: calls.append(args[0]) or real(args, *a, **k)
sys.argv = ["socialops", "--repo", sys.argv[1], "publish", "--now", sys.argv[2]]
try:
    main()
except SystemExit as exc:
    print("exit", exc.code)
print("git calls", calls.count("git"))
print("loaded", sorted(m for m in ("yaml", "socialops.core.frontmatter", "socialops.repository.posts",
                                   "socialops.repository.schedule", "socialops.repository.index") if m in sys.modules))
"""


@pytest.mark.parametrize("now", ["2026-11-30T13:00:00+02:00", "2026-11-30T11:00:00Z"])
def test_the_cli_on_a_fresh_clone_takes_the_shortcut_with_two_git_calls_and_no_yaml(origin, tmp_path, now):
    fresh = clone(origin, tmp_path, "fresh")
    out = subprocess.run([sys.executable, "-c", LIGHT, str(fresh), now], capture_output=True, text=True, check=True,
                         env={**os.environ, "SOCIALOPS_SANDBOX": str(tmp_path / "sandbox.sqlite")}).stdout
    assert "Nothing due at 2026-11-30 13:00." in out  # the plan's time zone, from the record
    assert "exit 0" in out and "git calls 2" in out and "loaded []" in out
    assert not (fresh / ".socialops").exists()


def test_a_clone_whose_remote_has_another_name_takes_the_shortcut_reading_its_facts_branch_once(origin, tmp_path):
    git(tmp_path, "clone", "-q", "-o", "upstream", str(origin), str(tmp_path / "fresh"))
    out = subprocess.run([sys.executable, "-c", LIGHT, str(tmp_path / "fresh"), "2026-11-30T11:00:00Z"],
                         capture_output=True, text=True, check=True,
                         env={**os.environ, "SOCIALOPS_SANDBOX": str(tmp_path / "sandbox.sqlite")}).stdout
    assert "Nothing due at 2026-11-30 13:00." in out and "exit 0" in out and "loaded []" in out
    # The usual two branches and the trees in one call; then the remotes' branches listed, upstream's read, a status.
    assert "git calls 4" in out


def test_a_stale_facts_branch_of_the_clone_itself_does_not_hide_origins(origin, tmp_path, index_reads):
    fresh = clone(origin, tmp_path, "fresh")
    record = facts.read_next_due(fresh)[0]
    assert facts.write(fresh, HEL.key, facts.read_facts(fresh, HEL.key), dict(record, key=["older"]), push=False)
    assert facts.read_next_due(fresh)[0]["key"] == ["older"]  # the clone's own branch comes first...
    assert run(fresh, local("2026-11-30 13:00"), tmp_path, push=False).pairs == []
    assert index_reads == []  # ...and origin's record still holds


def test_a_record_naming_no_real_zone_shows_the_plans_and_an_uncommitted_post_means_a_full_run(origin, tmp_path,
                                                                                              index_reads):
    def odd(posts, record):
        record["zone"] = "Nowhere/../etc"

    tamper(origin, tmp_path, odd)
    fresh = clone(origin, tmp_path, "fresh")
    out = CliRunner().invoke(main, ["--repo", str(fresh), "publish", "--now", "2026-11-30T11:00:00Z"],
                             env={"SOCIALOPS_SANDBOX": str(tmp_path / "sandbox.sqlite")})
    assert out.exit_code == 0 and out.output == "Nothing due at 2026-11-30 13:00.\n"  # the plan's zone, read
    assert index_reads == []
    write_post(fresh, "later", profiles=["sandbox-a"], at="2026-11-30 12:30")  # not committed
    result = run(fresh, local("2026-11-30 12:40"), tmp_path, push=False)
    assert [(p.post_id, p.status) for p in result.pairs] == [("later", R_PUBLISHED)]
    assert len(index_reads) == 1


def test_the_publish_workflow_checks_out_every_branch_so_the_facts_branch_comes_along():
    """actions/checkout fetches every branch (into refs/remotes/origin/) only with fetch-depth: 0; with the default
    it fetches one commit and every scheduled run would read every post."""
    workflow = yaml.safe_load((Path(__file__).parents[1] / ".github/workflows/publish.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["publish"]["steps"]
    checkout = [step for step in steps if step.get("uses", "").startswith("actions/checkout@")]
    assert checkout and all(step["with"]["fetch-depth"] == 0 for step in checkout)


def test_clean_blobs_gives_each_posts_blob_id_beside_the_paths_and_none_where_the_file_is_not_its_blob(tmp_path):
    from socialops.repository.git import find_posts

    root = tmp_path / "repo"
    for rel in ("content/a.md", "content/a-b/x.md", "content/b.md", "content/b.md.jpg", "content/c.md",
                "content/d/ä.md", "content/e.md"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(f"---\nid: {rel}\n---\n", encoding="utf-8")
    git_init(root)
    (root / "content/c.md").write_text("---\nid: edited\n---\n", encoding="utf-8")  # edited since
    (root / "content/new.md").write_text("---\nid: new\n---\n", encoding="utf-8")  # not in git
    git(root, "update-index", "--assume-unchanged", "content/e.md")  # flagged
    paths = find_posts(root)
    assert paths == ["content/a-b/x.md", "content/a.md", "content/b.md", "content/c.md", "content/d/ä.md",
                     "content/e.md", "content/new.md"]
    blobs = facts.clean_blobs(root, paths)
    expected = {rel: git(root, "rev-parse", f":{rel}").strip() for rel in paths[:3] + paths[4:5]}
    assert blobs == [expected.get(rel) for rel in paths]
    backwards = facts.clean_blobs(root, paths[::-1])  # not git's order: blobs go missing, never astray
    assert all(blob in (None, expected.get(rel)) for rel, blob in zip(paths[::-1], backwards, strict=True))
    (tmp_path / "plain").mkdir()
    assert facts.clean_blobs(tmp_path / "plain", paths) is None  # not a git work tree


def test_summaries_read_in_forked_workers_share_what_posts_share(tmp_path, monkeypatch):
    from socialops.core import workers

    root = make_repo(tmp_path / "repo")
    for i in range(40):
        write_post(root, f"p{i:02d}", profiles=("a", "b") if i % 2 else ("c",), at="2026-12-24 10:00")
    git_init(root)
    monkeypatch.setattr(workers, "PARALLEL_MIN", 10)
    monkeypatch.setattr(workers, "CHUNK", 5)
    summaries = index.load_index(root, HEL)
    assert len(summaries) == 40 and {s.profiles for s in summaries} == {("a", "b"), ("c",)}
    assert len({id(s.profiles) for s in summaries}) == 2  # one tuple each, though read in two processes
    assert all(s.blob == git(root, "rev-parse", f":{s.path}").strip() for s in summaries)
    assert summaries == index.load_index(root, HEL)  # from the cache
    assert [s._replace(blob=None) for s in summaries] == index.load_index(root, HEL, use_cache=False)


def test_outcomes_committed_but_not_pushed_are_pushed_by_the_next_run_with_nothing_due(origin, tmp_path, index_reads):
    # As a run leaves the clone that committed its outcomes and was stopped before its push landed: nothing is
    # due afterwards, and the next run still pushes them ("the next run pushes", as the warning says).
    stopped = clone(origin, tmp_path, "stopped")
    assert run(stopped, local("2026-11-30 13:00"), tmp_path).pairs == [] and index_reads == []  # the shortcut
    (stopped / "state").mkdir(exist_ok=True)
    (stopped / "state/outcomes.txt").write_text("committed, not pushed\n", encoding="utf-8")
    git(stopped, "add", "state/outcomes.txt")
    git(stopped, "commit", "-qm", "publish: record outcomes", env=IDENTITY)
    head = git(stopped, "rev-parse", "HEAD").strip()
    assert git(origin, "rev-parse", "main").strip() != head
    assert run(stopped, local("2026-11-30 13:10"), tmp_path).pairs == []
    assert index_reads == [1]  # a full run, which found nothing due...
    assert git(origin, "rev-parse", "main").strip() == head  # ...and pushed
    assert run(stopped, local("2026-11-30 13:20"), tmp_path).pairs == [] and index_reads == [1]  # the shortcut again
