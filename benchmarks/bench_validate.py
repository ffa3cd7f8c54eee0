"""socialops validate on synthetic repositories (10,000 and 100,000 posts, each a git repository as a fresh
clone is): no cache, nothing changed, peak memory (and of publish --dry-run), and --help; against the
yardstick (a python-frontmatter loop over the same files) in the same run.

Goals (issue 16): validate of 10,000 posts with no cache at most 0.6x the yardstick, with nothing changed at
most 0.1x; peak memory of validate and of publish --dry-run of 100,000 posts, cold (no .socialops/), under
120 MB. Memory counts the forked workers too: the peak of all the command's processes together, each
shared page split between its sharers (PSS), beside the largest single process (max RSS, what
/usr/bin/time -v reports) and the plain sum of their RSS (shared pages counted in each: an upper bound).
(Issue 2: `socialops --help` less than 80 ms more than `python -c pass`.)
Every figure is a whole process (start-up included), timed from outside, the commands compared run in turn;
medians, the load average printed beside them, and the CPU time (user + system) of all of a command's processes,
which moves less than wall time when other work shares the machine. Run:
.venv/bin/python benchmarks/bench_validate.py [--sizes 10000,100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import interpreter  # noqa: E402
from synthetic import make_repo  # noqa: E402
from timing import describe, interleaved, peak_mb, run_once, socialops, tree_peak_mb, yardstick  # noqa: E402


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


def commit_all(root: Path) -> None:
    (root / ".gitignore").write_text(".socialops/\n", encoding="utf-8")
    # gc.auto=0: a commit of 10,000 new files starts a `git gc --auto` in the background, which was still
    # writing .git/objects when the temporary folder was removed (the run then failed at its end)
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=bench", "-c", "user.email=bench@example.com",
                                                 "-c", "gc.auto=0", "-c", "maintenance.auto=false",
                                                 "commit", "-q", "-m", "posts"]):
        subprocess.run(["git", "-C", str(root), *args], check=True)


def measure(root: Path, size: int, runs: int) -> None:
    make_repo(root, size, profiles=5)
    commit_all(root)
    os.sync()  # the generated files reach the disk now, not while the runs are timed
    print(f"\n{size:,} posts (load average {' '.join(f'{x:.1f}' for x in os.getloadavg())})")

    cpu: dict[str, list[float]] = {"cold": [], "yard": [], "warm": []}

    def timed(name: str, cmd: list[str]) -> float:
        """run_once, and the CPU seconds (user + system) of the command and every process it waited for."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        seconds = run_once(cmd)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu[name].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        return seconds

    def cold() -> float:
        shutil.rmtree(root / ".socialops", ignore_errors=True)
        return timed("cold", socialops(root, "validate"))

    times = interleaved(runs, {"cold": cold, "yard": lambda: timed("yard", yardstick(root))})
    run_once(socialops(root, "validate"))
    times.update(interleaved(runs, {"warm": lambda: timed("warm", socialops(root, "validate"))}))
    small = size <= 10_000
    print(describe("yardstick (python-frontmatter loop)", times["yard"]))
    print(describe("validate, no cache", times["cold"], times["yard"], "<= 0.6x" if small else ""))
    print(describe("validate, nothing changed", times["warm"], times["yard"], "<= 0.1x" if small else ""))
    # CPU time moves less than wall time when other work shares the machine; validate's is of all its processes
    # (the forked workers' too), so it exceeds its wall time where the yardstick's does not
    for name, label in (("yard", "yardstick"), ("cold", "validate, no cache"), ("warm", "validate, nothing changed")):
        print(describe(f"CPU time (user + system), {label}", cpu[name], cpu["yard"] if name != "yard" else None))
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    yard = tree_peak_mb(yardstick(root))
    print(f"peak memory, the yardstick: {yard[1]:.0f} MB")
    for name, args in (("validate", ["validate"]), ("publish --dry-run", ["publish", "--dry-run"])):
        shutil.rmtree(root / ".socialops", ignore_errors=True)
        rss, pss, most = tree_peak_mb(socialops(root, *args))
        shutil.rmtree(root / ".socialops", ignore_errors=True)
        largest = peak_mb(socialops(root, *args))
        print(f"peak memory, {name}, no cache: {pss:.0f} MB, all {most} processes together (PSS); largest process "
              f"{largest:.0f} MB; RSS summed {rss:.0f} MB" + ("" if small else "  [goal: < 120 MB]"))


if __name__ == "__main__":
    main()
