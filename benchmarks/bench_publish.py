"""socialops publish on a synthetic repository of 100,000 posts.

Targets (issue 3):
- `publish` with nothing due in a 100,000-post repository: under 0.5 s with a warm cache;
- 200 due pairs published to the sandbox: under 5 s.

Set-up: the synthetic repository (benchmarks/synthetic.py: 5 sandbox profiles imitating five networks,
one post every ~7 hours from 2026-01-01, 10 % queued, 5 % drafts) in a git repository, with a ledger in
which every pair due before NOW is already published (so the ledger has the history of a busy account).
Then 100 new two-profile posts due 30 minutes before NOW are committed, and one `publish` run must
publish all 200 pairs.

Both timings are wall-clock times of the real command (`socialops publish --now NOW --no-push`, a new
process each time, so they include Python's start-up); the in-process library time is printed too.
Run: .venv/bin/python benchmarks/bench_publish.py [--posts 100000] [--due 200] [--runs 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from synthetic import make_repo  # noqa: E402

BIN = Path(sys.executable).parent / "socialops"
NOW = dt.datetime(2040, 6, 3, 12, 0)  # about halfway through the synthetic posts' span (naive: the plan's tz)


def git(root: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid"}
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env=env)


def publish(root: Path, env: dict, *extra: str) -> tuple[float, dict]:
    start = time.perf_counter()
    proc = subprocess.run([str(BIN), "--repo", str(root), "publish", "--now", NOW.isoformat(" "), "--no-push",
                           "--format", "json", *extra], capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"publish failed ({proc.returncode}): {proc.stderr[-3000:]}")
    return elapsed, json.loads(proc.stdout)


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


def add_due_posts(root: Path, pairs: int) -> None:
    profiles = sorted(p.stem for p in (root / "profiles").glob("*.yaml") if "instagram" not in p.stem)[:2]
    at = NOW - dt.timedelta(minutes=30)
    folder = root / "content" / "due"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(pairs // 2):
        (folder / f"due-{i:04d}.md").write_text(
            f"---\nid: due-{i:04d}\ntitle: Due {i}\nprofiles: [{', '.join(profiles)}]\n"
            f"publish_at: {at:%Y-%m-%d %H:%M}\ntype: text\nstatus: ready\n---\nA due post number {i}. #kahvila\n",
            encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="Keep the synthetic repository and print its path.")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-publish-"))
    root = tmp / "repo"
    try:
        t0 = time.perf_counter()
        make_repo(root, args.posts)
        history = seed_history(root)
        (root / ".gitignore").write_text(".socialops/\n")
        (root / ".gitattributes").write_text("state/*.csv merge=union\n")
        git(root, "init", "-q", "-b", "main")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "synthetic repository")
        print(f"set-up: {args.posts} posts, {history} published pairs in the ledger, "
              f"{time.perf_counter() - t0:.1f} s")
        env = {**os.environ, "SOCIALOPS_SANDBOX": str(tmp / "sandbox.sqlite")}
        env.pop("GITHUB_TOKEN", None)
        env.pop("SOCIALOPS_SANDBOX_FAULTS", None)

        cold, report = publish(root, env)
        if report["pairs"]:
            raise SystemExit(f"expected nothing due, got {report['counts']}")
        warm = [publish(root, env)[0] for _ in range(args.runs)]
        median = statistics.median(warm)
        print(f"publish, nothing due, cold cache: {cold:.3f} s")
        print(f"publish, nothing due, warm cache: median {median:.3f} s, best {min(warm):.3f} s "
              f"over {args.runs} runs (target < 0.5 s)")

        from socialops.publish.run import run_publish

        t = time.perf_counter()
        lib = run_publish(root, now=NOW.replace(tzinfo=dt.timezone(dt.timedelta(hours=3))), env=env, push=False,
                          dry_run=True)
        print(f"  in-process (dry run, warm): {time.perf_counter() - t:.3f} s, {len(lib.pairs)} pairs")

        add_due_posts(root, args.due)
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "due posts")
        publish(root, env, "--dry-run")  # warm the index for the new files, as the review workflow would
        elapsed, report = publish(root, env)
        published = report["counts"].get("published", 0)
        print(f"publish, {args.due} due pairs to the sandbox: {elapsed:.3f} s, {published} published, "
              f"counts {report['counts']} (target < 5 s)")
        if published != args.due:
            raise SystemExit(f"expected {args.due} published")
        ok = median < 0.5 and elapsed < 5
        print("targets met" if ok else "TARGET MISSED")
        if args.keep:
            print(f"kept: {root}")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
