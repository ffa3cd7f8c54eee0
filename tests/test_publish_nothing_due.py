"""A run with nothing due remembers when something can next fall due; later runs before then, with nothing
changed, stop without reading a post. Any change, or reaching that moment, means a full run."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

import socialops.repository.index
from socialops.publish.nothing_due import NEXT_DUE_FILE
from socialops.publish.results import R_PUBLISHED
from socialops.publish.run import run_publish
from tests.publish_support import IDENTITY, git, git_init, make_repo, write_post

HEL = ZoneInfo("Europe/Helsinki")


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=HEL)


@pytest.fixture
def repo(tmp_path):
    root = make_repo(tmp_path / "repo", schedule={"cadence": {"sandbox-b": [{"days": ["wed"], "times": ["10:00"]}]}})
    write_post(root, "later", profiles=["sandbox-a"], at="2026-12-01 09:00")
    write_post(root, "queued", profiles=["sandbox-b"], at=None, created="2026-11-20 10:00")
    git_init(root)
    return root


def run(root, now, tmp_path, **kw):
    return run_publish(root, now=now, env={"SOCIALOPS_SANDBOX": str(tmp_path / "sandbox.sqlite")}, push=False, **kw)


@pytest.fixture
def index_reads(monkeypatch):
    calls = []
    real = socialops.repository.index.load_index
    monkeypatch.setattr(socialops.repository.index, "load_index", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def test_nothing_due_is_remembered_until_the_next_publish_at(repo, tmp_path, index_reads):
    assert run(repo, local("2026-11-30 12:00"), tmp_path).pairs == []
    assert (repo / NEXT_DUE_FILE).exists()
    assert len(index_reads) == 1
    # An hour later, nothing changed: no post is read.
    assert run(repo, local("2026-11-30 13:00"), tmp_path).pairs == []
    assert len(index_reads) == 1
    # At the post's time the full run publishes it.
    result = run(repo, local("2026-12-01 09:05"), tmp_path)
    assert [(p.post_id, p.status) for p in result.pairs] == [("later", R_PUBLISHED)]
    assert len(index_reads) == 2


def test_the_next_cadence_slot_of_a_queued_post_is_a_limit(repo, tmp_path, index_reads):
    run(repo, local("2026-12-01 12:00"), tmp_path)  # publishes "later" (late but within 24 h)
    run(repo, local("2026-12-01 12:10"), tmp_path)  # nothing due: remembered
    reads = len(index_reads)
    run(repo, local("2026-12-02 09:50"), tmp_path)  # before Wednesday's 10:00 slot: fast
    assert len(index_reads) == reads
    result = run(repo, local("2026-12-02 10:05"), tmp_path)  # the queued post's slot
    assert [(p.post_id, p.status) for p in result.pairs] == [("queued", R_PUBLISHED)]


@pytest.mark.parametrize("change", ["uncommitted", "committed", "untracked"])
def test_any_change_means_a_full_run(repo, tmp_path, index_reads, change):
    run(repo, local("2026-11-30 12:00"), tmp_path)
    if change == "untracked":
        write_post(repo, "now", profiles=["sandbox-a"], at="2026-11-30 11:00")
    else:
        write_post(repo, "later", profiles=["sandbox-a"], at="2026-11-30 11:00")  # moved earlier: due now
        if change == "committed":
            git(repo, "commit", "-qam", "earlier", env=IDENTITY)
    result = run(repo, local("2026-11-30 12:10"), tmp_path)
    assert len(index_reads) == 2
    assert [p.status for p in result.pairs] == [R_PUBLISHED]


def test_dry_runs_and_profile_filters_take_the_shortcut_but_never_write_it(repo, tmp_path, index_reads):
    # Nothing due for any profile is nothing due for one, and a dry run shows the same nothing (issue 16).
    run(repo, local("2026-11-30 12:00"), tmp_path)
    assert run(repo, local("2026-11-30 12:05"), tmp_path, dry_run=True).pairs == []
    assert run(repo, local("2026-11-30 12:06"), tmp_path, profiles=["sandbox-a"]).pairs == []
    assert len(index_reads) == 1
    # With a change in the work tree they read the posts, and they leave the record as it was.
    record = (repo / NEXT_DUE_FILE).read_text()
    write_post(repo, "later", profiles=["sandbox-a"], at="2026-11-30 11:00")
    assert [p.post_id for p in run(repo, local("2026-11-30 12:07"), tmp_path, dry_run=True).pairs] == ["later"]
    run(repo, local("2026-11-30 12:08"), tmp_path, profiles=["sandbox-b"])
    assert len(index_reads) == 3
    assert (repo / NEXT_DUE_FILE).read_text() == record
