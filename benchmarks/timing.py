"""Whole-process timings for the benchmarks: each command a new process, its start-up included, timed from
outside; commands compared run in turn (A B A B ...) so a drift of the machine's speed touches both; medians
reported. Peak memory is the largest single process the command waited for (the operating system's own
accounting), read by a small wrapper process so that each measurement has its own; `tree_peak_mb` adds up a
command's forked workers with it.

The yardstick is the floor every benchmark compares with: a python-frontmatter loop over the same post files
(read and parse each one, nothing else), timed the same way in the same run.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as on a user's machine
BIN = Path(sys.executable).parent / "socialops"

YARDSTICK = """
import glob, sys
import frontmatter
for path in sorted(glob.glob(sys.argv[1] + "/content/**/*.md", recursive=True)):
    frontmatter.load(path)
"""

_PEAK = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=sys.argv[1] or None).returncode
wall = time.perf_counter() - start
print(json.dumps([code, wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))
"""


def yardstick(root: Path) -> list[str]:
    return [sys.executable, "-c", YARDSTICK, str(root)]


def socialops(root: Path, *args: str) -> list[str]:
    return [str(BIN), "--repo", str(root), *args]


def run_once(cmd: Sequence[str], *, env: dict | None = None, cwd: Path | None = None) -> float:
    """Wall seconds of one run of `cmd`; exit codes 0 and 1 (a report with findings) are fine."""
    start = time.perf_counter()
    proc = subprocess.run(list(cmd), capture_output=True, text=True, env=env or ENV, cwd=cwd)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-3000:]}")
    return elapsed


def peak_mb(cmd: Sequence[str], *, env: dict | None = None, cwd: Path | None = None) -> float:
    """The largest resident size, in MB, of a process `cmd` ran (itself or a worker it waited for)."""
    out = subprocess.run([sys.executable, "-c", _PEAK, str(cwd or ""), *cmd], capture_output=True, text=True,
                         env=env or ENV, check=True).stdout
    code, _, kb = json.loads(out)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({code})")
    return kb / 1024


_TREE = """
import json, subprocess, sys, time

def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            kids = [int(k) for k in fh.read().split()]
    except OSError:
        return []
    return kids + [g for k in kids for g in children(k)]

def sizes(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            fields = dict(line.split(":", 1) for line in fh if line.startswith(("Rss:", "Pss:")))
    except OSError:
        return 0, 0
    return int(fields["Rss"].split()[0]), int(fields["Pss"].split()[0])

proc = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=sys.argv[1] or None)
rss = pss = most = 0
while proc.poll() is None:
    pids = [proc.pid, *children(proc.pid)]
    now = [sizes(p) for p in pids]
    rss, pss, most = max(rss, sum(r for r, _ in now)), max(pss, sum(p for _, p in now)), max(most, len(pids))
    time.sleep(0.005)
print(json.dumps([proc.returncode, rss, pss, most]))
"""


def tree_peak_mb(cmd: Sequence[str], *, env: dict | None = None, cwd: Path | None = None) -> tuple[float, float, int]:
    """The memory of `cmd` and every process it forks, together, sampled every 5 ms (Linux /proc): the peak of
    the summed resident sizes (pages the processes share counted in each: an upper bound), the peak of the
    summed proportional sizes (a shared page split between its sharers: the tree's own memory), and how
    many processes ran at once at most."""
    out = subprocess.run([sys.executable, "-c", _TREE, str(cwd or ""), *cmd], capture_output=True, text=True,
                         env=env or ENV, check=True).stdout
    code, rss, pss, most = json.loads(out)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({code})")
    return rss / 1024, pss / 1024, most


def interleaved(runs: int, commands: dict[str, Callable[[], float]]) -> dict[str, list[float]]:
    """Each named measurement `runs` times, in turn; the callables do their own set-up and return seconds."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, measure in commands.items():
            times[name].append(measure())
    return times


def describe(name: str, seconds: list[float], yard: list[float] | None = None, goal: str = "") -> str:
    """One line: median (min-max) and, against the yardstick measured in the same run, the ratio of medians."""
    median = statistics.median(seconds)
    text = f"{name}: median {median:.3f} s (min {min(seconds):.3f}, max {max(seconds):.3f}, {len(seconds)} runs)"
    if yard:
        text += f" = {median / statistics.median(yard):.2f}x the yardstick"
    return text + (f"  [goal: {goal}]" if goal else "")
