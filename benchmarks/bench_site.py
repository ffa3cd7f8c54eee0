"""socialops site on a synthetic repository of 10,000 posts: the whole build (cold: an empty output folder and
no .socialops/ cache; warm: the same build again), and how long its pages take to load from the file in headless
Chromium. Each build is timed as a whole process: wall time, and the CPU time (user + system) of it and its
forked workers, which depends less on what else the machine runs (the load average is printed too).

Targets (issue 23): the whole site builds in under 10 s for 10,000 posts; a page loads in under a second.
Run: .venv/bin/python benchmarks/bench_site.py [--posts 10000] [--runs 3] [--history]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import interpreter  # noqa: E402
from synthetic import make_repo  # noqa: E402

BIN = Path(sys.executable).parent / "socialops"
NOW = "2026-06-15 09:00"
PAGES = ("index.html", "calendar/index.html", "calendar/2026-06.html", "metrics.html", "plan.html")


def build(repo: Path, out: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one whole `socialops site` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([str(BIN), "--repo", str(repo), "site", "--out", str(out), "--now", NOW],
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"socialops site failed: {proc.stderr[-2000:]}")
    return elapsed, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def summary(runs: list[tuple[float, float]]) -> str:
    walls, cpus = [w for w, _ in runs], [c for _, c in runs]
    return (f"median {statistics.median(walls):.2f} s (min {min(walls):.2f}), CPU (user + system) median "
            f"{statistics.median(cpus):.2f} s")


def load_times(out: Path, runs: int) -> dict[str, float]:
    """Median of loadEventEnd - startTime per page, in seconds (navigation timing)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("google-chrome") or "chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    post = sorted((out / "posts").iterdir())[len(list((out / "posts").iterdir())) // 2].relative_to(out).as_posix()
    found = {}
    try:
        for rel in (*PAGES, post):
            times = []
            for _ in range(runs):
                driver.get((out / rel).as_uri())
                times.append(driver.execute_script(
                    "const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime;")
                    / 1000)
            found[rel] = statistics.median(times)
    finally:
        driver.quit()
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--history", action="store_true",
                        help="posts from 2022 on, and every pair due by NOW published in the ledger (a repository "
                             "that has published for years: more than half its posts are history)")
    args = parser.parse_args()
    print(f"interpreter: {interpreter()}; {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_repo(Path(tmp) / "repo", args.posts, start=dt.datetime(2022, 1, 1, 9, 0) if args.history else None)
        if args.history:
            import bench_publish

            bench_publish.NOW = dt.datetime.fromisoformat(NOW)  # seed_history reads it in the plan's timezone
            print(f"ledger: {bench_publish.seed_history(repo)} published pairs")
        colds, warms = [], []
        for run in range(args.runs):
            out = Path(tmp) / f"site{run}"
            shutil.rmtree(repo / ".socialops", ignore_errors=True)  # cold: what the last build cached goes too
            colds.append(build(repo, out))
            warms.append(build(repo, out))
            print(f"run {run + 1}: cold {colds[-1][0]:.2f} s (CPU {colds[-1][1]:.2f} s), warm {warms[-1][0]:.2f} s "
                  f"(CPU {warms[-1][1]:.2f} s), load average {os.getloadavg()[0]:.1f}", flush=True)
        pages = sum(1 for _ in out.rglob("*.html"))
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        print(f"{args.posts} posts: {pages} pages, {size / 1e6:.1f} MB")
        print(f"build, cold (empty folder, no cache): {summary(colds)}; target < 10 s")
        print(f"build, warm (again into the same folder): {summary(warms)}")
        print("load average (1, 5, 15 min): " + ", ".join(f"{n:.1f}" for n in os.getloadavg()))
        if not (shutil.which("chromium") or shutil.which("google-chrome")) or not shutil.which("chromedriver"):
            print("load times: not measured, no chromium and chromedriver here (Debian: apt-get install chromium "
                  "chromium-driver)")
            return
        for rel, seconds in load_times(out, args.runs).items():
            print(f"load {rel}: {seconds * 1000:.0f} ms (target < 1000 ms)")


if __name__ == "__main__":
    main()
