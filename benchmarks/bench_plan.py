"""socialops plan --weeks 12 on a synthetic repository of 10,000 posts and 50 profiles, warm cache.

Target (issue 6): `plan --weeks 12` over 10,000 posts with 50 profiles in under 1 s on a warm cache
(the post index under .socialops/cache already built; nothing changed since).
Also printed: the cold run (no cache), `plan --check --format json`, `calendar`, and the library part
(build_plan / resolve_times) measured inside one process.
Run: .venv/bin/python benchmarks/bench_plan.py [--posts 10000] [--profiles 50]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import make_repo  # noqa: E402

BIN = Path(sys.executable).parent / "socialops"
NOW = "2027-06-01 08:00"  # inside the synthetic posts' span (2026-01-01 onwards, one every 7 hours)


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return elapsed


def in_process(root: Path) -> tuple[float, float, int, int]:
    """(load, build_plan) seconds inside one process, the number of resolved pairs and of empty slots."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    from socialops.plan.queue import resolve_times
    from socialops.plan.view import build_plan
    from socialops.repository.config import load_config
    from socialops.repository.index import load_index

    t0 = time.perf_counter()
    config = load_config(root)
    posts = load_index(root, config.tz)
    t1 = time.perf_counter()
    now = dt.datetime.fromisoformat(NOW).replace(tzinfo=config.tz)
    report = build_plan(posts, config.profiles, config.schedule, now=now, weeks=12)
    t2 = time.perf_counter()
    pairs = resolve_times(posts, config.profiles, config.schedule, now=now)
    return t1 - t0, t2 - t1, len(pairs), len(report["gaps"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--profiles", type=int, default=50)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        t0 = time.perf_counter()
        make_repo(root, args.posts, profiles=args.profiles, media_pool=20)
        print(f"{args.posts:,} posts, {args.profiles} profiles generated in {time.perf_counter() - t0:.1f} s")
        plan = [str(BIN), "--repo", str(root), "plan", "--weeks", "12", "--now", NOW]
        cold = []
        for _ in range(3):
            shutil.rmtree(root / ".socialops", ignore_errors=True)
            cold.append(wall(plan))
        warm = [wall(plan) for _ in range(args.runs)]
        check = [wall([*plan, "--check", "--no-issue", "--format", "json"]) for _ in range(args.runs)]
        ics = [wall([str(BIN), "--repo", str(root), "calendar", "--now", NOW, "--weeks", "12",
                     "--out", str(Path(tmp) / "plan.ics")]) for _ in range(3)]
        base = min(wall([sys.executable, "-c", "pass"]) for _ in range(5))
        load, build, pairs, gaps = in_process(root)
        print(f"python -c pass: {base * 1000:.0f} ms")
        print(f"plan --weeks 12 cold (no cache): best {min(cold):.2f} s, median {statistics.median(cold):.2f} s")
        print(f"plan --weeks 12 warm: best {min(warm):.3f} s, median {statistics.median(warm):.3f} s "
              f"(target < 1 s): {'OK' if statistics.median(warm) < 1.0 else 'TOO SLOW'}")
        print(f"plan --weeks 12 --check --format json warm: median {statistics.median(check):.3f} s")
        print(f"calendar --weeks 12 warm: median {statistics.median(ics):.3f} s")
        print(f"in process: load config + index {load * 1000:.0f} ms, build_plan (12 weeks) {build * 1000:.0f} ms; "
              f"{pairs:,} pairs resolved, {gaps} empty slots in the horizon")


if __name__ == "__main__":
    main()
