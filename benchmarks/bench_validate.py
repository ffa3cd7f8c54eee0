"""socialops validate on synthetic repositories (10,000 and 100,000 posts): no cache, nothing changed, peak
memory, and --help; against the yardstick (a python-frontmatter loop over the same files) in the same run.

Goals (issue 16): validate of 10,000 posts with no cache at most 0.6x the yardstick, with nothing changed at
most 0.1x; peak memory of validate of 100,000 posts, cold, under 120 MB. (Issue 2: `socialops --help` less
than 80 ms more than `python -c pass`.)
Every figure is a whole process (start-up included), timed from outside, the commands compared run in turn;
medians. Run: .venv/bin/python benchmarks/bench_validate.py [--sizes 10000,100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import interpreter  # noqa: E402
from synthetic import make_repo  # noqa: E402
from timing import describe, interleaved, peak_mb, run_once, socialops, yardstick  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"interpreter: {interpreter()}; {os.cpu_count()} CPUs")
    start = interleaved(10, {"pass": lambda: run_once([sys.executable, "-c", "pass"]),
                             "help": lambda: run_once([str(Path(sys.executable).parent / "socialops"), "--help"])})
    extra = (statistics.median(start["help"]) - statistics.median(start["pass"])) * 1000
    print(f"socialops --help: {extra:+.0f} ms against python -c pass (medians) [goal: < +80 ms]")
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            measure(Path(tmp) / "repo", size, args.runs)


def measure(root: Path, size: int, runs: int) -> None:
    make_repo(root, size, profiles=5)
    os.sync()  # the generated files reach the disk now, not while the runs are timed
    print(f"\n{size:,} posts")

    def cold() -> float:
        shutil.rmtree(root / ".socialops", ignore_errors=True)
        return run_once(socialops(root, "validate"))

    times = interleaved(runs, {"cold": cold, "yard": lambda: run_once(yardstick(root))})
    run_once(socialops(root, "validate"))
    times.update(interleaved(runs, {"warm": lambda: run_once(socialops(root, "validate"))}))
    shutil.rmtree(root / ".socialops", ignore_errors=True)
    peak = peak_mb(socialops(root, "validate"))
    yard = peak_mb(yardstick(root))
    small = size <= 10_000
    print(describe("yardstick (python-frontmatter loop)", times["yard"]))
    print(describe("validate, no cache", times["cold"], times["yard"], "<= 0.6x" if small else ""))
    print(describe("validate, nothing changed", times["warm"], times["yard"], "<= 0.1x" if small else ""))
    print(f"peak memory, validate, no cache: {peak:.0f} MB (the yardstick: {yard:.0f} MB)"
          + ("" if small else " [goal: < 120 MB]"))

if __name__ == "__main__":
    main()
