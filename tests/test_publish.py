"""The publish run on real git repositories and the sandbox network."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from socialops.errors import GitError, LockError
from socialops.networks.sandbox.adapter import SandboxNetwork
from socialops.networks.sandbox.store import sandbox_posts
from socialops.publish.demo import publish_demo
from socialops.publish.results import (
    R_ELSEWHERE,
    R_FAILED,
    R_HELD,
    R_MISSED,
    R_PUBLISHED,
    R_UNCONFIRMED,
    R_WOULD,
    format_table,
)
from socialops.publish.run import run_publish
from socialops.state.publications import CLAIMED, MISSED, PUBLICATIONS, PUBLISHED, UNCONFIRMED, Event, Ledger
from tests.publish_support import (
    IDENTITY,
    REPO,
    bare_with_clones,
    git,
    git_init,
    isolated_git_env,
    make_repo,
    write_image,
    write_post,
)

HEL = ZoneInfo("Europe/Helsinki")


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=HEL)


@pytest.fixture
def repo(tmp_path):
    root = make_repo(tmp_path / "repo")
    write_post(root, "due-1", profiles=["sandbox-a", "sandbox-b"], at="2026-12-01 09:00")
    write_post(root, "due-2", profiles=["sandbox-a"], at="2026-12-01 08:00")
    write_post(root, "future", profiles=["sandbox-a"], at="2026-12-02 09:00")
    write_post(root, "draft", profiles=["sandbox-a"], at="2026-12-01 07:00", status="draft")
    git_init(root)
    return root


def sandbox(tmp_path):
    return tmp_path / "sandbox.sqlite"


def run(root, now, tmp_path, faults="", sleeps=None, **kw):
    env = {"SOCIALOPS_SANDBOX": str(sandbox(tmp_path)), "SOCIALOPS_SANDBOX_FAULTS": faults}
    return run_publish(root, now=now, env=env, sleep=(sleeps.append if sleeps is not None else lambda s: None),
                       **kw)


def posted(tmp_path):
    return sorted((r["post_id"], r["profile"]) for r in sandbox_posts(sandbox(tmp_path)))


def outbox(root: Path) -> dict[str, dict]:
    folder = root / ".socialops" / "outbox" / "issues"
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))} if folder.is_dir() else {}


def statuses(result):
    return {(p.post_id, p.profile): p.status for p in result.pairs}


def test_due_pairs_are_published_once(repo, tmp_path):
    result = run(repo, local("2026-12-01 09:05"), tmp_path)
    assert statuses(result) == {("due-1", "sandbox-a"): R_PUBLISHED, ("due-1", "sandbox-b"): R_PUBLISHED,
                                ("due-2", "sandbox-a"): R_PUBLISHED}
    assert not result.failed
    assert posted(tmp_path) == [("due-1", "sandbox-a"), ("due-1", "sandbox-b"), ("due-2", "sandbox-a")]
    states = Ledger(repo).state()
    assert all(states[pair].status == PUBLISHED for pair in statuses(result))
    assert states[("due-1", "sandbox-a")].url.startswith("https://sandbox.socialops.invalid/")
    # The ledger is committed: claims first, then the outcomes.
    log = git(repo, "log", "--format=%s").splitlines()
    assert log[0].startswith("publish: ") and log[1] == "publish: claim 3 post(s)"
    assert git(repo, "status", "--porcelain", "--", PUBLICATIONS) == ""
    # Nothing more to do on the next run, and nothing is posted twice.
    again = run(repo, local("2026-12-01 09:30"), tmp_path)
    assert again.pairs == [] and posted(tmp_path) == [("due-1", "sandbox-a"), ("due-1", "sandbox-b"),
                                                      ("due-2", "sandbox-a")]
    assert "Nothing due" in format_table(again)


def test_profile_filter_and_dry_run(repo, tmp_path):
    before = git(repo, "rev-parse", "HEAD")
    dry = run(repo, local("2026-12-01 09:05"), tmp_path, dry_run=True)
    assert set(statuses(dry).values()) == {R_WOULD} and len(dry.pairs) == 3
    assert not (repo / PUBLICATIONS).exists() and posted(tmp_path) == []
    assert git(repo, "rev-parse", "HEAD") == before
    only_b = run(repo, local("2026-12-01 09:05"), tmp_path, profiles=["sandbox-b"])
    assert list(statuses(only_b)) == [("due-1", "sandbox-b")]
    assert posted(tmp_path) == [("due-1", "sandbox-b")]


def test_claims_are_committed_before_the_network_is_called(repo, tmp_path, monkeypatch):
    seen = []
    original = SandboxNetwork.publish

    def spying(self, item):
        committed = git(repo, "show", f"HEAD:{PUBLICATIONS}")
        seen.append(item.idempotency_key in committed and "claimed" in committed)
        return original(self, item)

    monkeypatch.setattr(SandboxNetwork, "publish", spying)
    run(repo, local("2026-12-01 09:05"), tmp_path)
    assert seen == [True, True, True]


def test_late_window(repo, tmp_path):
    # due-2 was due 08:00; due-1 09:00. 24 h later plus a minute: due-2 is missed, due-1 still goes.
    result = run(repo, local("2026-12-02 08:01"), tmp_path)
    assert statuses(result)[("due-2", "sandbox-a")] == R_MISSED
    assert statuses(result)[("due-1", "sandbox-a")] == R_PUBLISHED
    assert ("due-2", "sandbox-a") not in posted(tmp_path)
    issues = outbox(repo)
    [missed] = [i for i in issues.values() if "missed" in i["labels"]]
    assert "due-2" in missed["title"] and "late_window" in missed["body"]
    assert Ledger(repo).state()[("due-2", "sandbox-a")].status == MISSED
    # The next run neither posts it nor opens a second issue.
    run(repo, local("2026-12-02 08:30"), tmp_path)
    assert ("due-2", "sandbox-a") not in posted(tmp_path) and len(outbox(repo)) == len(issues)
    # A person appends a retry line: it goes out, and the window counts from the retry.
    Ledger(repo).append([Event(local("2026-12-02 08:40"), "due-2", "sandbox-a", "retry")])
    result = run(repo, local("2026-12-02 08:45"), tmp_path)
    assert statuses(result) == {("due-2", "sandbox-a"): R_PUBLISHED}


def test_late_window_from_schedule(tmp_path):
    root = make_repo(tmp_path / "repo", schedule={"late_window": "90m"})
    write_post(root, "p", profiles=["sandbox-a"], at="2026-12-01 09:00")
    git_init(root)
    assert statuses(run(root, local("2026-12-01 10:31"), tmp_path)) == {("p", "sandbox-a"): R_MISSED}


def test_dst_transitions(tmp_path):
    root = make_repo(tmp_path / "repo")
    # Spring forward in Helsinki: 2026-03-29 03:00 -> 04:00. 04:30 local is 01:30 UTC.
    write_post(root, "spring", profiles=["sandbox-a"], at="2026-03-29 04:30", folder="content/2026/03")
    # Autumn: 2026-10-25 04:00 -> 03:00; 03:30 happens twice: the offset says which.
    write_post(root, "autumn", profiles=["sandbox-a"], at="2026-10-25 03:30+02:00", folder="content/2026/10")
    # A day before the change, 04:00 +03:00 (01:00 UTC): its late window ends 24 real hours later.
    write_post(root, "eve", profiles=["sandbox-b"], at="2026-10-24 04:00", folder="content/2026/10")
    git_init(root)
    utc = dt.UTC
    assert run(root, dt.datetime(2026, 3, 29, 1, 29, tzinfo=utc), tmp_path).pairs == []
    assert statuses(run(root, dt.datetime(2026, 3, 29, 1, 30, tzinfo=utc), tmp_path)) == {
        ("spring", "sandbox-a"): R_PUBLISHED}
    # 2026-10-25 01:00 UTC is 03:00 +02:00 (after the change), 24 h after "eve": not yet late.
    result = run(root, dt.datetime(2026, 10, 25, 1, 0, tzinfo=utc), tmp_path, dry_run=True)
    assert statuses(result) == {("eve", "sandbox-b"): R_WOULD}
    result = run(root, dt.datetime(2026, 10, 25, 1, 1, tzinfo=utc), tmp_path)
    assert statuses(result) == {("eve", "sandbox-b"): R_MISSED}
    # 03:30+02:00 is 01:30 UTC.
    assert run(root, dt.datetime(2026, 10, 25, 1, 29, tzinfo=utc), tmp_path).pairs == []
    assert statuses(run(root, dt.datetime(2026, 10, 25, 1, 30, tzinfo=utc), tmp_path)) == {
        ("autumn", "sandbox-a"): R_PUBLISHED}


def test_naive_and_aware_times(tmp_path):
    root = make_repo(tmp_path / "repo")
    write_post(root, "naive", profiles=["sandbox-a"], at="2026-12-01 09:00")  # Helsinki, UTC+2
    write_post(root, "utc", profiles=["sandbox-a"], at="2026-12-01T07:30:00Z")
    write_post(root, "offset", profiles=["sandbox-a"], at="2026-12-01 09:45+02:00")
    git_init(root)
    result = run(root, dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC), tmp_path)
    assert list(statuses(result)) == [("naive", "sandbox-a")]
    result = run(root, dt.datetime(2026, 12, 1, 7, 44, tzinfo=dt.UTC), tmp_path)
    assert list(statuses(result)) == [("utc", "sandbox-a")]
    result = run(root, local("2026-12-01 09:45"), tmp_path)
    assert list(statuses(result)) == [("offset", "sandbox-a")]
    with pytest.raises(ValueError, match="aware"):
        run(root, dt.datetime(2026, 12, 1, 9, 0), tmp_path)


def test_queued_posts_go_out_in_their_slot(tmp_path):
    root = make_repo(tmp_path / "repo", schedule={
        "cadence": {"sandbox-a": [{"days": ["tue"], "times": ["10:00"]}]}})
    write_post(root, "queued", profiles=["sandbox-a"], at=None, created="2026-11-20")
    git_init(root)
    assert run(root, local("2026-12-01 09:59"), tmp_path).pairs == []  # 2026-12-01 is a Tuesday
    assert statuses(run(root, local("2026-12-01 10:00"), tmp_path)) == {("queued", "sandbox-a"): R_PUBLISHED}


def test_lost_answer_is_reconciled_not_reposted(repo, tmp_path):
    result = run(repo, local("2026-12-01 09:05"), tmp_path, faults="lose_answer")
    assert set(statuses(result).values()) == {R_PUBLISHED}
    assert all(p.detail == "reconciled" for p in result.pairs)
    assert len(posted(tmp_path)) == 3 == len(set(posted(tmp_path)))


def test_network_that_cannot_tell_makes_the_pair_unconfirmed(repo, tmp_path):
    result = run(repo, local("2026-12-01 09:05"), tmp_path, faults="lose_answer@due-2,cannot_reconcile@due-2")
    assert statuses(result)[("due-2", "sandbox-a")] == R_UNCONFIRMED
    assert statuses(result)[("due-1", "sandbox-a")] == R_PUBLISHED
    assert result.failed
    [issue] = [i for i in outbox(repo).values() if "unconfirmed" in i["labels"]]
    assert "due-2" in issue["title"] and "retry" in issue["body"]
    assert Ledger(repo).state()[("due-2", "sandbox-a")].status == UNCONFIRMED
    # Never posted again on its own.
    again = run(repo, local("2026-12-01 09:30"), tmp_path)
    assert again.pairs == [] and posted(tmp_path).count(("due-2", "sandbox-a")) == 1


def _crashed_claim(root, post, profile, key, when, progress=None):
    events = [Event(when, post, profile, "claimed", attempt=1, key=key, run="deadclone/run1")]
    for step, data in (progress or {}).items():
        events.append(Event(when, post, profile, "progress", attempt=1, key=key, detail=step, data=data))
    Ledger(root).append(events)
    git(root, "add", PUBLICATIONS)
    git(root, "commit", "-q", "-m", "claims of a run that died", env=IDENTITY)


def test_claim_of_a_dead_run_found_on_the_network(repo, tmp_path):
    # The earlier run posted due-2 with key k-dead, then died before recording it.
    from socialops.networks.contract import open_network
    from socialops.repository.profiles import load_profile
    from tests.test_sandbox import request

    _crashed_claim(repo, "due-2", "sandbox-a", "k-dead", local("2026-12-01 08:00"))
    prof = load_profile(repo, "profiles/sandbox-a.yaml")
    with open_network(prof, env={"SOCIALOPS_SANDBOX": str(sandbox(tmp_path))}, root=repo) as net:
        item = request(tmp_path, key="k-dead", post_id="due-2")
        item.profile_id = "sandbox-a"
        net.publish(item)
    # An hour later (past the claim lease of another clone), the next run reconciles it.
    result = run(repo, local("2026-12-01 09:05"), tmp_path)
    row = [p for p in result.pairs if p.post_id == "due-2"][0]
    assert row.status == R_PUBLISHED and row.detail == "reconciled"
    assert posted(tmp_path).count(("due-2", "sandbox-a")) == 1


def test_claim_of_a_dead_run_not_on_the_network_resumes_its_uploads(tmp_path):
    root = make_repo(tmp_path / "repo")
    image = write_image(root)
    write_post(root, "pic", profiles=["sandbox-a"], at="2026-12-01 09:00",
               media=[{"path": image, "alt": "a pixel"}])
    git_init(root)
    # The dead run uploaded the image (media id 1) and recorded it, then died.
    from socialops.networks.sandbox.store import connect

    conn = connect(sandbox(tmp_path))
    conn.execute("INSERT INTO media (account, path, kind, created_at) VALUES ('x', 'p', 'image', 'now')")
    conn.close()
    _crashed_claim(root, "pic", "sandbox-a", "k-dead", local("2026-12-01 08:00"), {"media:0": {"id": "1"}})
    result = run(root, local("2026-12-01 09:05"), tmp_path)
    assert statuses(result) == {("pic", "sandbox-a"): R_PUBLISHED}
    [row] = sandbox_posts(sandbox(tmp_path))
    assert row["idempotency_key"] == "k-dead"  # the same claim went on
    assert json.loads(row["media"])[0]["id"] == 1  # with the upload made before the crash
    state = Ledger(root).state()[("pic", "sandbox-a")]
    assert state.status == PUBLISHED and state.attempts == 2


def test_fresh_claim_of_another_clone_is_left_alone(repo, tmp_path):
    _crashed_claim(repo, "due-2", "sandbox-a", "k-other", local("2026-12-01 09:00"))
    result = run(repo, local("2026-12-01 09:05"), tmp_path)
    assert statuses(result)[("due-2", "sandbox-a")] == R_ELSEWHERE
    assert not result.failed
    assert ("due-2", "sandbox-a") not in posted(tmp_path)
    assert Ledger(repo).state()[("due-2", "sandbox-a")].status == CLAIMED


def test_transient_errors_are_retried_with_backoff(repo, tmp_path):
    sleeps = []
    result = run(repo, local("2026-12-01 09:05"), tmp_path, faults="transient=2", sleeps=sleeps,
                 profiles=["sandbox-b"])
    assert statuses(result) == {("due-1", "sandbox-b"): R_PUBLISHED}
    assert len(sleeps) == 2 and sleeps[0] < sleeps[1] * 2


def test_transient_errors_that_last_fail_the_run_and_retry_next_time(repo, tmp_path):
    result = run(repo, local("2026-12-01 09:05"), tmp_path, faults="transient=99",
                 network_options={"sandbox": {"retries": 1}})
    assert set(statuses(result).values()) == {R_FAILED} and result.failed
    assert "next run" in result.pairs[0].detail
    assert len(outbox(repo)) == 3
    result = run(repo, local("2026-12-01 09:15"), tmp_path)
    assert set(statuses(result).values()) == {R_PUBLISHED}
    assert all(i["state"] == "closed" for i in outbox(repo).values())  # the failure issues are closed
    assert all(Ledger(repo).state()[pair].attempts == 2 for pair in statuses(result))


def test_long_rate_limit_is_not_waited_out(repo, tmp_path):
    """A limit used up for longer than the run waits holds the profile's posts back: they stay due, with one
    line in the summary instead of an issue each, and a later run before the reset does not try them
    (issue 18, point 3; the Mastodon server tests are in test_limits.py)."""
    sleeps = []
    result = run(repo, local("2026-12-01 09:05"), tmp_path, faults="rate_limit=900", sleeps=sleeps,
                 network_options={"sandbox": {"max_wait": 60}})
    assert set(statuses(result).values()) == {R_HELD} and sleeps == [] and not result.failed
    assert "429" in result.pairs[0].detail
    assert outbox(repo) == {}
    assert sorted(w.split(":")[0] for w in result.warnings) == ["sandbox-a", "sandbox-b"]
    assert {st.status for st in Ledger(repo).state().values()} == {"pending"}
    later = run(repo, local("2026-12-01 09:10"), tmp_path)  # no fault now, but the limit holds until 09:20
    assert set(statuses(later).values()) == {R_HELD} and posted(tmp_path) == []
    after = run(repo, local("2026-12-01 09:25"), tmp_path)
    assert set(statuses(after).values()) == {R_PUBLISHED}


def test_permanent_error_fails_only_that_pair(repo, tmp_path):
    result = run(repo, local("2026-12-01 09:05"), tmp_path, faults="permanent@due-1")
    assert statuses(result) == {("due-1", "sandbox-a"): R_FAILED, ("due-1", "sandbox-b"): R_FAILED,
                                ("due-2", "sandbox-a"): R_PUBLISHED}
    assert result.failed
    issues = outbox(repo)
    assert sorted(issues) == ["publish-failed--due-1--sandbox-a", "publish-failed--due-1--sandbox-b"]
    assert "refused" in issues["publish-failed--due-1--sandbox-a"]["body"]
    # Not retried while the post is unchanged ...
    assert run(repo, local("2026-12-01 09:20"), tmp_path).pairs == []
    # ... and retried once it is fixed.
    write_post(repo, "due-1", profiles=["sandbox-a", "sandbox-b"], at="2026-12-01 09:00", body="Fixed text.\n")
    result = run(repo, local("2026-12-01 09:30"), tmp_path)
    assert set(statuses(result).values()) == {R_PUBLISHED} and len(result.pairs) == 2


def test_invalid_post_fails_with_the_reason_and_an_issue(repo, tmp_path):
    write_post(repo, "broken", profiles=["sandbox-a", "nobody"], at="2026-12-01 08:30",
               media=[{"path": "missing.jpg", "alt": "x"}])
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "broken post", env=IDENTITY)
    result = run(repo, local("2026-12-01 09:05"), tmp_path)
    row = [p for p in result.pairs if p.post_id == "broken" and p.profile == "sandbox-a"][0]
    assert row.status == R_FAILED
    assert "content/2026/12/broken.md:" in row.detail and "missing.jpg" in row.detail
    assert statuses(result)[("due-1", "sandbox-a")] == R_PUBLISHED
    assert "publish-failed--broken--sandbox-a" in outbox(repo)
    assert ("broken", "sandbox-a") not in posted(tmp_path)


def test_expired_token_names_the_secret_and_spares_the_rest_of_the_profile(repo, tmp_path):
    result = run(repo, local("2026-12-01 09:05"), tmp_path, faults="auth")
    assert set(statuses(result).values()) == {R_FAILED}
    assert all("TOKEN_SANDBOX_" in p.detail for p in result.pairs)
    assert posted(tmp_path) == []
    result = run(repo, local("2026-12-01 09:15"), tmp_path)  # the secret was renewed
    assert set(statuses(result).values()) == {R_PUBLISHED}


def test_commits_without_a_git_identity(tmp_path, monkeypatch):
    env = isolated_git_env(tmp_path / "home")
    import os

    for key in list(os.environ):
        if key.startswith("GIT_") or key == "EMAIL":
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    root = make_repo(tmp_path / "repo")
    write_post(root, "p", profiles=["sandbox-a"], at="2026-12-01 09:00")
    git_init(root)  # the test's own commit carries an explicit identity
    import subprocess

    probe = subprocess.run(["git", "config", "user.email"], cwd=root, capture_output=True, text=True)
    assert probe.returncode == 1 and probe.stdout == ""  # really no identity configured
    run(root, local("2026-12-01 09:05"), tmp_path)
    author = git(root, "log", "-1", "--format=%an <%ae>")
    assert author.strip() == "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"


def test_push_rebases_when_main_moved(repo, tmp_path):
    bare, (a, b) = bare_with_clones(tmp_path, repo)
    for clone in (a, b):
        git(clone, "config", "user.name", "T")
        git(clone, "config", "user.email", "t@example.invalid")
    # Someone pushes a new post to main from b while a has not fetched.
    write_post(b, "other", profiles=["sandbox-b"], at="2026-12-03 09:00")
    git(b, "add", "-A")
    git(b, "commit", "-q", "-m", "a new post")
    git(b, "push", "-q", "origin", "main")
    result = run(a, local("2026-12-01 09:05"), tmp_path)
    assert result.pushed and not result.failed
    remote_log = git(bare, "log", "--format=%s", "main").splitlines()
    assert "a new post" in remote_log and remote_log[0].startswith("publish: ")
    assert git(a, "rev-parse", "HEAD") == git(bare, "rev-parse", "main")
    # --no-push: committed, not pushed.
    write_post(a, "late", profiles=["sandbox-a"], at="2026-12-01 09:10")
    git(a, "add", "-A")
    git(a, "commit", "-q", "-m", "late post")
    run(a, local("2026-12-01 09:15"), tmp_path, push=False)
    assert git(a, "rev-parse", "HEAD") != git(bare, "rev-parse", "main")


def test_claims_that_cannot_be_pushed_are_not_published(repo, tmp_path):
    bare, (a,) = bare_with_clones(tmp_path, repo, names=("a",))
    git(a, "config", "user.name", "T")
    git(a, "config", "user.email", "t@example.invalid")
    (bare / "hooks" / "pre-receive").write_text("#!/bin/sh\necho refused >&2\nexit 1\n")
    (bare / "hooks" / "pre-receive").chmod(0o755)
    with pytest.raises(GitError, match="push"):
        run(a, local("2026-12-01 09:05"), tmp_path)
    assert posted(tmp_path) == []
    # Once pushing works again, the claims of the dead run are reconciled and published (same keys).
    (bare / "hooks" / "pre-receive").unlink()
    result = run(a, local("2026-12-01 09:10"), tmp_path)
    assert set(statuses(result).values()) == {R_PUBLISHED} and len(posted(tmp_path)) == 3


def test_lock_keeps_a_second_run_out(repo, tmp_path):
    from filelock import FileLock

    (repo / ".socialops").mkdir(exist_ok=True)
    with FileLock(str(repo / ".socialops" / "publish.lock")):
        with pytest.raises(LockError, match="another publish run"):
            run(repo, local("2026-12-01 09:05"), tmp_path, lock_timeout=0.1)
    assert posted(tmp_path) == []


def test_works_outside_git_too(tmp_path):
    root = make_repo(tmp_path / "plain")
    write_post(root, "p", profiles=["sandbox-a"], at="2026-12-01 09:00")
    result = run(root, local("2026-12-01 09:05"), tmp_path)
    assert statuses(result) == {("p", "sandbox-a"): R_PUBLISHED}
    assert Ledger(root).state()[("p", "sandbox-a")].status == PUBLISHED


def test_demo_step_publishes_the_due_examples(tmp_path):
    import shutil

    root = tmp_path / "demo"
    for name in ("content", "profiles", "schedule.yaml"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        else:
            root.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, root / name)
    result, table = publish_demo(root, now=local("2026-12-01 12:00"), env={})
    assert result.count(R_PUBLISHED) >= 1
    assert "PROFILE" in table and "published" in table
    posts = sandbox_posts(root / ".socialops" / "sandbox.sqlite")
    assert len(posts) == result.count(R_PUBLISHED)
    again, _ = publish_demo(root, now=local("2026-12-01 12:00"), env={})
    assert again.count(R_PUBLISHED) == 0


def test_leaving_out_irrelevant_posts_does_not_change_what_is_due():
    """publish hands resolve_times only the posts that can matter at `now` (see relevant_posts); the due
    pairs must be exactly those the full computation gives."""
    import random

    from socialops.plan.queue import resolve_times
    from socialops.publish.select import relevant_posts
    from socialops.repository.index import PostSummary
    from socialops.repository.profiles import parse_profile
    from socialops.repository.schedule import parse_schedule

    schedule = parse_schedule(
        "timezone: Europe/Helsinki\nlate_window: 24h\nhorizon_days: 14\ncadence:\n"
        "  a: [{days: [mon, wed, fri], times: ['09:00', '15:00']}]\n"
        "  b: [{per_week: 3, hours: [9, 12, 17]}]\n"
        "  c: [{per_day: 2, hours: [8, 18]}]\n")
    profiles = {pid: parse_profile(f"id: {pid}\nnetwork: sandbox\n", f"profiles/{pid}.yaml") for pid in "abc"}
    rng = random.Random(3)
    due_queued = due_timed = 0
    for trial in range(25):
        now = dt.datetime(2026, 12, 2, 10, 0, tzinfo=HEL) + dt.timedelta(hours=rng.randint(0, 24 * 20))
        posts, published = [], {}
        for n in range(300):
            pid = f"p{n:03d}"
            chosen = tuple(rng.sample("abc", k=rng.randint(1, 3)))
            if rng.random() < 0.3:
                ts = None
            else:
                ts = (now + dt.timedelta(hours=rng.uniform(-24 * 60, 24 * 40))).timestamp()
            status = "draft" if rng.random() < 0.05 else "ready"
            created = f"2026-11-{rng.randint(1, 28):02d}"
            dup = f"p{rng.randint(0, 299):03d}" if rng.random() < 0.02 else pid
            posts.append(PostSummary(f"content/x/{pid}.md", dup, status, chosen, ts, "text", None, created, pid))
            for profile_id in chosen:
                base = ts if ts is not None else (now - dt.timedelta(days=rng.randint(0, 50))).timestamp()
                if base < now.timestamp() and rng.random() < 0.7:
                    published[(dup, profile_id)] = dt.datetime.fromtimestamp(base + rng.uniform(0, 3000), dt.UTC)
        full = resolve_times(posts, profiles, schedule, now=now, published=published)
        fast = resolve_times(relevant_posts(posts, published, now=now, late_window=schedule.late_window),
                             profiles, schedule, now=now, published=published, until=now)
        due_full = {k: v.at for k, v in full.items() if v.at <= now and k not in published}
        due_fast = {k: v.at for k, v in fast.items() if v.at <= now and k not in published}
        assert due_fast == due_full, trial
        due_queued += sum(1 for k in due_full if full[k].source == "queue")
        due_timed += sum(1 for k in due_full if full[k].source == "timed")
    assert due_queued >= 10 and due_timed >= 10  # the comparison is not empty


def test_a_step_that_keeps_failing_is_tried_only_as_often_as_the_http_layer_retries(tmp_path):
    """One retry policy: the HTTP layer retries a safe step (here a media upload answered 503) 3 times; the
    publisher records the failure instead of retrying again (before, 4 x 4 = 16 uploads)."""
    import httpx
    import yaml

    from socialops.networks.http import Http

    root = make_repo(tmp_path / "repo", profiles=())
    (root / "profiles").mkdir(exist_ok=True)
    (root / "profiles" / "cafe-masto.yaml").write_text(yaml.safe_dump({
        "id": "cafe-masto", "network": "mastodon", "account": "@cafe@mastodon.example",
        "instance": "https://mastodon.example", "token_env": "MASTODON_TOKEN", "owners": ["@acme/social"]}))
    image = write_image(root)
    write_post(root, "pic", profiles=["cafe-masto"], at="2026-12-01 09:00", media=[{"path": image, "alt": "a pixel"}])
    git_init(root)
    sent: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(f"{request.method} {request.url.path}")
        return httpx.Response(503, json={"error": "busy"})

    sleeps: list[float] = []
    result = run_publish(root, now=local("2026-12-01 09:05"), env={"MASTODON_TOKEN": "tok-123456"},
                         sleep=sleeps.append, push=False,
                         clients=lambda profile: httpx.Client(transport=httpx.MockTransport(answer)))
    assert statuses(result) == {("pic", "cafe-masto"): R_FAILED}
    assert "next run" in result.pairs[0].detail
    uploads = [s for s in sent if s == "POST /api/v2/media"]
    assert len(uploads) == 1 + Http(network="mastodon").retries == 4
    assert len(sleeps) == 3
    assert Ledger(root).state()[("pic", "cafe-masto")].status == "failed"
