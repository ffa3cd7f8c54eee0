"""socialops validate on synthetic repositories of 10,000 and 100,000 posts: cold and warm, and --help.

Targets (issue 2): validate of 10k posts cold < 1.0 s wall; a second run with nothing changed < 0.15 s;
`socialops --help` < 80 ms more than `python -c pass`.
Run: .venv/bin/python benchmarks/bench_validate.py [--sizes 10000,100000]
"""

from __future__ import annotations

import argparse
import os
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
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as on a user's machine


def wall(cmd: list[str], cwd: Path | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=ENV)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd} failed: {proc.stderr[-2000:]}")
    return elapsed


def best(cmd, runs=5, cwd=None) -> float:
    return min(wall(cmd, cwd) for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args()
    print(f"interpreter: {interpreter()}; {os.cpu_count()} CPUs")
    base = best([sys.executable, "-c", "pass"], 10)
    helps = [wall([str(BIN), "--help"]) for _ in range(10)]
    print(f"python -c pass: {base * 1000:.0f} ms; socialops --help: {statistics.median(helps) * 1000:.0f} ms "
          f"(+{(statistics.median(helps) - base) * 1000:.0f} ms; target < +80 ms)")
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "repo"
            t0 = time.perf_counter()
            make_repo(root, size, profiles=5)
            os.sync()  # the generated files reach the disk now, not while the runs are timed
            print(f"\n{size:,} posts generated in {time.perf_counter() - t0:.1f} s")
            cold = []
            for _ in range(7):
                shutil.rmtree(root / ".socialops", ignore_errors=True)
                cold.append(wall([str(BIN), "--repo", str(root), "validate"]))
            warm = [wall([str(BIN), "--repo", str(root), "validate"]) for _ in range(5)]
            print(f"validate cold: best {min(cold):.2f} s, median {statistics.median(cold):.2f} s")
            print(f"validate warm (nothing changed): best {min(warm):.3f} s, median {statistics.median(warm):.3f} s")


if __name__ == "__main__":
    main()
