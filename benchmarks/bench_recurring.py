"""Recurring and evergreen posts in the plan: what their occurrences cost build_plan and resolve_times.

A synthetic repository of 10,000 posts and 50 profiles (as bench_plan), measured inside one process
without, then with 200 and with 1,000 posts that come back on two profiles each: half recurring (a third
every day, a third every Friday at 16:00, a third every first Monday) and half evergreen (every 30 days,
each already published once on its profiles).
Run: .venv/bin/python benchmarks/bench_recurring.py [--posts 10000] [--profiles 50]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from synthetic import make_repo  # noqa: E402

NOW = "2027-06-01 08:00"
RULES = ("{every: day, at: '09:30'}", "{every: week, on: friday, at: '16:00'}",
         "{rrule: 'FREQ=MONTHLY;BYDAY=1MO', at: '09:00'}")


def add_posts_that_come_back(root: Path, start: int, count: int, profiles: list[str]) -> dict:
    """Write `count` recurring and evergreen posts; the published pairs of the evergreen ones."""
    published = {}
    folder = root / "content" / "again"
    folder.mkdir(parents=True, exist_ok=True)
    first = dt.datetime.fromisoformat("2027-05-01 12:00").astimezone(dt.UTC)
    for n in range(start, start + count):
        pids = [profiles[n % len(profiles)], profiles[(n * 7 + 3) % len(profiles)]]
        if n % 2:
            key = f"repeat: {RULES[n % len(RULES)]}\npublish_at: 2027-01-0{1 + n % 7} 10:00"
        else:
            key = "evergreen: {every: 30 days}\npublish_at: 2027-05-01 12:00"
            published.update({(f"again-{n}", pid): first for pid in pids})
        (folder / f"again-{n}.md").write_text(f"---\nid: again-{n}\nprofiles: [{', '.join(pids)}]\n{key}\n---\n"
                                              f"Comes back {n}\n", encoding="utf-8")
    return published


def measure(root: Path, published: dict, runs: int) -> tuple[float, float, int]:
    from socialops.plan.queue import resolve_times
    from socialops.plan.view import build_plan
    from socialops.repository.config import load_config
    from socialops.repository.index import load_index

    config = load_config(root)
    posts = load_index(root, config.tz)
    now = dt.datetime.fromisoformat(NOW).replace(tzinfo=config.tz)
    plan, times = [], []
    pairs = {}
    for _ in range(runs):
        t0 = time.perf_counter()
        build_plan(posts, config.profiles, config.schedule, now=now, weeks=12, published=published)
        t1 = time.perf_counter()
        pairs = resolve_times(posts, config.profiles, config.schedule, now=now, published=published, until=now)
        t2 = time.perf_counter()
        plan.append(t1 - t0)
        times.append(t2 - t1)
    return statistics.median(plan), statistics.median(times), sum("@" in k[0] for k in pairs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--profiles", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = make_repo(Path(tmp) / "repo", args.posts, profiles=args.profiles, media_pool=20)
        profiles = sorted(p.stem for p in (root / "profiles").glob("*.yaml"))
        print(f"{args.posts:,} posts, {args.profiles} profiles; median of {args.runs} runs, in one process")
        published: dict = {}
        done = 0
        for extra in (0, 200, 1_000):
            published.update(add_posts_that_come_back(root, done, extra - done, profiles))
            done = extra
            plan, times, due = measure(root, published, args.runs)
            print(f"with {extra:>5,} posts that come back: build_plan --weeks 12 {plan * 1000:5.0f} ms, "
                  f"resolve_times until now (publish) {times * 1000:5.0f} ms ({due:,} occurrence pairs up to now)")


if __name__ == "__main__":
    main()
