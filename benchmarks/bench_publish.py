"""socialops publish where it really runs: a fresh clone (every scheduled GitHub Actions run is one).

Goals (issue 16): `publish` with nothing due on a fresh clone of 100,000 posts under 1 s, of 10,000 under
0.2 s; peak memory of `publish --dry-run` of 100,000 posts, cold, under 120 MB. And (issue 3) 200 due pairs
published to the sandbox in under 5 s.

Set-up: the synthetic repository (benchmarks/synthetic.py: 5 sandbox profiles imitating five networks, one
post every ~7 hours from 2026-01-01, 10 % queued, 5 % drafts) with a ledger in which every pair due before
NOW is already published, committed, and cloned bare as "the remote". One fresh clone runs `publish` once, as
the previous cron run would have: it finds nothing due and pushes the scheduling facts (the socialops-facts
branch). Every timed run is then a fresh clone made as publish.yml's actions/checkout makes it with
`fetch-depth: 0` (git init, fetch of every branch into refs/remotes/origin/, checkout of main; not timed) and
one `socialops publish` process there (timed whole, Python's start-up included; --now with its offset, as the
cron run's clock needs no plan), interleaved with the yardstick (a python-frontmatter loop over the same post
files) and `git ls-files`:

- nothing due: the shortcut (the remembered next moment, from the facts branch);
- one post merged since the facts: the scheduling facts give every post but that one;
- no facts branch at all (the first run of a repository): every post read.

Run: .venv/bin/python benchmarks/bench_publish.py [--posts 100000] [--due 200] [--runs 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from synthetic import make_repo  # noqa: E402
from timing import BIN, describe, interleaved, peak_mb, run_once, yardstick  # noqa: E402

NOW = dt.datetime(2040, 6, 3, 12, 0, tzinfo=ZoneInfo("Europe/Helsinki"))  # halfway through the posts' span


def git(root: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid"}
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, env=env)
    if done.returncode:
        raise SystemExit(f"git {' '.join(args)} failed in {root}: {done.stderr.strip()}")


def seed_history(root: Path) -> int:
    """Mark every pair due by NOW as published in the ledger (repeated until the queue is stable)."""
    from socialops.plan.queue import resolve_times
    from socialops.repository.config import load_config
    from socialops.repository.index import load_index
    from socialops.state.publications import Event, Ledger, published_times

    config = load_config(root)
    now = NOW.replace(tzinfo=config.tz)
    posts = load_index(root, config.tz)
    ledger = Ledger(root)
    total = 0
    for _ in range(5):
        states = ledger.state()
        slots = resolve_times(posts, config.profiles, config.schedule, now=now, published=published_times(states))
        events = []
        for (post_id, profile), slot in slots.items():
            if slot.at <= now and (post_id, profile) not in states:
                key = f"hist-{post_id}-{profile}"
                events.append(Event(slot.at, post_id, profile, "claimed", attempt=1, key=key, run="hist/1"))
                events.append(Event(slot.at + dt.timedelta(seconds=2), post_id, profile, "published", attempt=1,
                                    key=key, remote_id=str(total), url=f"https://sandbox.invalid/{total}",
                                    detail="posted"))
                total += 1
        if not events:
            break
        ledger.append(events, fsync=False)
    return total


def add_due_posts(root: Path, pairs: int, *, folder: str, at: dt.datetime) -> None:
    profiles = sorted(p.stem for p in (root / "profiles").glob("*.yaml") if "instagram" not in p.stem)[:2]
    where = root / folder
    where.mkdir(parents=True, exist_ok=True)
    for i in range(pairs // 2):
        (where / f"due-{i:04d}.md").write_text(
            f"---\nid: due-{i:04d}\ntitle: Due {i}\nprofiles: [{', '.join(profiles)}]\n"
            f"publish_at: {at:%Y-%m-%d %H:%M}\ntype: text\nstatus: ready\n---\nA due post number {i}. #kahvila\n",
            encoding="utf-8")


def publish_cmd(root: Path, now: dt.datetime, *extra: str) -> list[str]:
    return [str(BIN), "--repo", str(root), "publish", "--now", now.isoformat(" "), "--format", "json", *extra]


def fresh_clone(remote: Path, parent: Path) -> Path:
    """A new folder in `parent` with the remote checked out as actions/checkout does it with fetch-depth: 0."""
    global _clones
    _clones += 1
    target = parent / f"clone-{_clones}"
    shutil.rmtree(parent / f"clone-{_clones - 1}", ignore_errors=True)  # the previous one: only one on disk
    target.mkdir()
    git(target, "init", "-q")
    git(target, "remote", "add", "origin", str(remote))
    git(target, "fetch", "-q", "--prune", "--no-recurse-submodules", "origin", "+refs/heads/*:refs/remotes/origin/*",
        "+refs/tags/*:refs/tags/*")
    git(target, "checkout", "-q", "--force", "-B", "main", "refs/remotes/origin/main")
    return target


_clones = 0


def set_up(tmp: Path, posts: int) -> tuple[Path, Path]:
    """(the work repository, the bare remote cloned from it, with its facts branch written)."""
    work = tmp / "work"
    make_repo(work, posts)
    history = seed_history(work)
    (work / ".gitignore").write_text(".socialops/\n")
    (work / ".gitattributes").write_text("state/*.csv merge=union\n")
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "synthetic repository")
    remote = tmp / "remote.git"
    git(tmp, "clone", "-q", "--bare", str(work), str(remote))
    git(work, "remote", "add", "origin", str(remote))
    git(work, "fetch", "-q", "origin")
    git(work, "branch", "-q", "--set-upstream-to=origin/main")
    print(f"set-up: {posts:,} posts, {history:,} published pairs in the ledger")
    return work, remote


def posts_read(clone: Path) -> tuple[int, int]:
    """(posts the run read from their files, all posts): the index cache keeps what came from the shared facts
    under ("shared", blob id), what was read under the blob id alone."""
    from socialops.core.files import load_pickle

    _, entries = load_pickle(clone / ".socialops" / "cache" / "index.pickle")
    return sum(1 for key, _ in entries.values() if not (isinstance(key, tuple) and key[:1] == ("shared",))), len(entries)


def bare_copy(remote: Path, target: Path, *, drop_facts: bool = False) -> Path:
    git(remote.parent, "clone", "-q", "--bare", str(remote), str(target))
    if drop_facts:
        git(target, "update-ref", "-d", "refs/heads/socialops-facts")
    return target


def load() -> str:
    return "load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f} on {} CPUs".format(*os.getloadavg(), os.cpu_count())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="Keep the synthetic repository and print its path.")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-publish-"))
    env = {**os.environ, "SOCIALOPS_SANDBOX": str(tmp / "sandbox.sqlite")}
    for name in ("GITHUB_TOKEN", "SOCIALOPS_SANDBOX_FAULTS", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    try:
        run_all(tmp, env, args)
        if args.keep:
            print(f"kept: {tmp}")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def run_all(tmp: Path, env: dict, args: argparse.Namespace) -> None:
    _, remote = set_up(tmp, args.posts)
    # The previous cron run: a fresh clone with nothing due pushes the facts branch.
    (tmp / "writer").mkdir()
    writer = fresh_clone(remote, tmp / "writer")  # checkout -B from origin/main: main pushes to origin
    report = json.loads(subprocess.run(publish_cmd(writer, NOW), capture_output=True, text=True, env=env,
                                       check=True).stdout)
    if report["pairs"]:
        raise SystemExit(f"expected nothing due, got {report['counts']}")
    # A post merged since then (into a copy of the remote, so that both cases run in turn): its facts are not there.
    changed_remote = bare_copy(remote, tmp / "changed.git")
    add_due_posts(writer, 2, folder="content/new", at=NOW + dt.timedelta(days=3))
    git(writer, "add", "-A")
    git(writer, "commit", "-q", "-m", "a new post")
    git(writer, "push", "-q", str(changed_remote), "HEAD:main")
    no_facts = bare_copy(remote, tmp / "no-facts.git", drop_facts=True)
    later = NOW + dt.timedelta(minutes=10)
    clones = tmp / "clones"
    clones.mkdir()

    def timed_publish(origin: Path, *extra: str) -> float:
        return run_once(publish_cmd(fresh_clone(origin, clones), later, "--no-push", *extra), env=env)

    read: set[tuple[int, int]] = set()

    def timed_changed() -> float:
        seconds = timed_publish(changed_remote)
        read.add(posts_read(clones / f"clone-{_clones}"))
        return seconds

    def yard() -> float:
        return run_once(yardstick(clones / f"clone-{_clones}"), env=env)

    print(load(), flush=True)
    timed = interleaved(args.runs, {
        "nothing": lambda: timed_publish(remote),
        "yard": yard,
        "ls-files": lambda: run_once(["git", "-C", str(clones / f"clone-{_clones}"), "ls-files"], env=env),
        "changed": timed_changed,
    })
    goal = "< 1 s" if args.posts >= 100_000 else "< 0.2 s" if args.posts <= 10_000 else ""
    print(describe("yardstick (python-frontmatter loop)", timed["yard"]))
    print(describe("git ls-files", timed["ls-files"], timed["yard"]))
    print(describe("publish, nothing due, fresh clone", timed["nothing"], timed["yard"], goal))
    print(describe("publish, fresh clone, one post merged since the facts", timed["changed"], timed["yard"]),
          flush=True)
    print(f"  posts read from their files there (of all): {', '.join(f'{n:,} of {total:,}' for n, total in read)}")
    if {n for n, _ in read} != {1}:
        raise SystemExit("a fresh clone must read the merged post only")
    first = interleaved(max(1, args.runs // 2), {"first": lambda: timed_publish(no_facts), "yard": yard})
    print(describe("publish, fresh clone, no facts branch (first run)", first["first"], first["yard"]), flush=True)
    print(load(), flush=True)

    clone = fresh_clone(remote, clones)
    dry_peak = peak_mb(publish_cmd(clone, later, "--no-push", "--dry-run"), env=env)
    cold_peak = peak_mb(publish_cmd(fresh_clone(no_facts, clones), later, "--no-push", "--dry-run"), env=env)
    print(f"peak memory, publish --dry-run, fresh clone: {dry_peak:.0f} MB; with no facts branch: "
          f"{cold_peak:.0f} MB [goal: < 120 MB]", flush=True)

    add_due_posts(writer, args.due, folder="content/due", at=NOW - dt.timedelta(minutes=30))
    git(writer, "add", "-A")
    git(writer, "commit", "-q", "-m", "due posts")
    git(writer, "push", "-q", str(changed_remote), "HEAD:main")
    clone = fresh_clone(changed_remote, clones)
    start = time.perf_counter()
    proc = subprocess.run(publish_cmd(clone, NOW, "--no-push"), capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    published = json.loads(proc.stdout)["counts"].get("published", 0) if proc.returncode in (0, 1) else 0
    print(f"publish, {args.due} due pairs to the sandbox, fresh clone: {elapsed:.3f} s, {published} published "
          "[goal: < 5 s]")
    if published != args.due:
        raise SystemExit(f"expected {args.due} published: {proc.stderr[-2000:]}")


if __name__ == "__main__":
    main()
