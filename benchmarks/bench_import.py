"""socialops export and import of a 2,000-post plan, whole process (start-up included).

`export` writes the plan of a synthetic repository (2,000 posts, 10 profiles) as CSV; `import` reads that file
into a repository with the same profiles and media but no posts: every row checked by validate's rules, then
committed to a new local branch (git fast-import). Also: `import --dry-run` of the same rows as an Excel
workbook, and the import as one pull request against the GitHub stand-in the tests use (its requests counted). Target (issue 22): a month's calendar imports in seconds; 2,000 rows well under a minute.
Run: .venv/bin/python benchmarks/bench_import.py [--posts 2000] [--runs 3]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import make_repo  # noqa: E402
from timing import ENV, describe, interleaved, peak_mb, run_once, socialops  # noqa: E402

NOW = "2026-12-01 08:00"  # before the synthetic posts, which start on 2027-01-01


def git_init(root: Path) -> None:
    for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                 ["-c", "user.name=bench", "-c", "user.email=b@example.com", "commit", "-qm", "start"]):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def to_xlsx(source: Path, target: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Plan")
    with open(source, encoding="utf-8-sig", newline="") as fh:
        for record in csv.reader(fh):
            sheet.append([cell[1:] if cell.startswith("'") else cell for cell in record])
    book.save(target)


def pull_request(target: Path, plan_csv: Path) -> str:
    """The import as one pull request against the local GitHub stand-in: the time and the requests it took."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.github_standin import GitHubStandin

    token = "ghs_bench_import_0123456789"
    with GitHubStandin(token=token, integration=True) as server:
        env = {**ENV, "GITHUB_TOKEN": token, "GITHUB_REPOSITORY": server.full_name, "GITHUB_API_URL": server.base_url}
        seconds = run_once(socialops(target, "import", str(plan_csv), "--now", NOW, "--skip-invalid"), env=env)
        (pull,) = server.pulls()
        files = sum(1 for path in server.commits[server.refs[pull["_head_ref"]]] if path.startswith("content/20"))
        return f"import as a pull request (GitHub stand-in): {seconds:.3f} s, {len(server.requests())} requests, " \
               f"{files} files in one commit"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="socialops-bench-import-"))
    try:
        source = make_repo(work / "source", args.posts, profiles=10, start=dt.datetime(2027, 1, 1, 9, 0))
        target = work / "target"
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("20*", ".socialops"))
        git_init(target)
        plan_csv, plan_xlsx = work / "plan.csv", work / "plan.xlsx"
        run_once(socialops(source, "export", "--now", NOW, "-o", str(plan_csv)))  # warms the post index
        to_xlsx(plan_csv, plan_xlsx)
        rows = sum(1 for _ in csv.reader(open(plan_csv, encoding="utf-8-sig", newline=""))) - 1
        counter = iter(range(1_000_000))

        def import_once() -> float:
            return run_once(socialops(target, "import", str(plan_csv), "--now", NOW, "--skip-invalid",
                                      "--branch", f"import/run-{next(counter)}"))

        times = interleaved(args.runs, {
            "export": lambda: run_once(socialops(source, "export", "--now", NOW, "-o", str(plan_csv))),
            "import": import_once,
            "import --dry-run (csv)": lambda: run_once(socialops(target, "import", str(plan_csv), "--now", NOW,
                                                                 "--dry-run")),
            "import --dry-run (xlsx)": lambda: run_once(socialops(target, "import", str(plan_xlsx), "--now", NOW,
                                                                  "--dry-run")),
        })
        done = subprocess.run(socialops(target, "import", str(plan_csv), "--now", NOW, "--dry-run", "--format",
                                        "json"), capture_output=True, text=True)
        import json

        report = json.loads(done.stdout)
        print(f"{args.posts} posts -> {rows} rows exported; import: {len(report['posts'])} valid rows, "
              f"{len(report['invalid_rows'])} invalid, {len(report['left_out'])} left out")
        for name, seconds in times.items():
            print(describe(name, seconds, goal="under 60 s" if name == "import" else ""))
        print(pull_request(target, plan_csv))
        print(f"import peak memory: {peak_mb(socialops(target, 'import', str(plan_csv), '--now', NOW, '--dry-run')):.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
