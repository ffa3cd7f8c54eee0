"""socialops metrics as metrics.yml runs it (``socialops metrics --shard 1/1 --out DIR``: the CLI with its defaults,
no --rate; only --now added, for the synthetic dates), a Mastodon profile with 1,000 publications, against a local
HTTP server that answers each request after 50 ms.

The server (tests/metrics_support.py, ``serve``) is a real HTTP/1.1 server on 127.0.0.1 in a process of its own,
speaking Mastodon's documented status API (GET /api/v1/statuses?id[]= -- 4.3+, up to 20 a call --,
GET /api/v1/statuses/:id, GET /api/v1/accounts/verify_credentials) and announcing its budget in
X-RateLimit-Limit/Remaining/Reset on every answer as Mastodon does (fixed windows; a request over the budget is
refused with 429). Each scenario runs the whole ``socialops metrics`` process ``--repeat`` times on a fresh
repository; the table shows medians. One uncounted run first lets Python write its bytecode cache, as ``pip install``
does in the workflow (without it every run compiles every module it imports: seconds on this machine).

Goals (issue 16): a budget of 1,000,000 per 5 minutes: under 5 s; a budget of 20 per second: 0 requests refused.
Run: .venv/bin/python benchmarks/bench_metrics.py [--posts 1000] [--repeat 3] [--legacy 200]
(``--legacy N``: also N publications on a server older than 4.3, one request per status, under 20 per second.)
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.metrics_support import TOKENS, mastodon_repo, max_in_window, read_csv  # noqa: E402

ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as on a user's machine

DELAY = 0.05
NOW = dt.datetime(2026, 12, 2, 6, 0, tzinfo=dt.UTC)
SOCIALOPS = Path(sys.executable).parent / "socialops"


@contextlib.contextmanager
def server_process(limit: int, window: float, *, multi: bool = True):
    args = [sys.executable, "-m", "tests.metrics_support", str(DELAY), str(limit), str(window)]
    proc = subprocess.Popen(args + ([] if multi else ["single"]), cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise SystemExit(f"the stand-in server did not start: {url!r}")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def once(posts: int, limit: int, window: float, *, multi: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp, server_process(limit, window, multi=multi) as url:
        root = mastodon_repo(Path(tmp) / "repo", url, posts, start=NOW - dt.timedelta(days=30))
        part = Path(tmp) / "metrics-part"
        env = {**ENV, **TOKENS}
        started = time.perf_counter()
        proc = subprocess.run([str(SOCIALOPS), "--repo", str(root), "metrics", "--shard", "1/1", "--out", str(part),
                               "--now", NOW.isoformat(), "--format", "json"], env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        report = json.loads(proc.stdout) if proc.stdout.strip() else {}
        seen = httpx.get(f"{url}/__arrivals", timeout=10).json()
        rows = len(read_csv(part / "posts.csv")) if (part / "posts.csv").is_file() else 0
        return {"seconds": seconds, "exit": proc.returncode, "rows": rows,
                "requests": len(seen["arrivals"]), "refused": seen["refused"],
                "max_in_1s": max_in_window(seen["arrivals"]), "failed": report.get("failed"),
                "stderr": proc.stderr[-400:]}


def scenario(label: str, posts: int, limit: int, window: float, repeat: int, *, multi: bool = True) -> dict:
    runs = [once(posts, limit, window, multi=multi) for _ in range(repeat)]
    out = {"label": label, "posts": posts, "seconds": statistics.median(r["seconds"] for r in runs),
           "all_seconds": [round(r["seconds"], 2) for r in runs], "requests": max(r["requests"] for r in runs),
           "refused": max(r["refused"] for r in runs), "rows": min(r["rows"] for r in runs),
           "max_in_1s": max(r["max_in_1s"] for r in runs), "exit": max(r["exit"] for r in runs)}
    print(f"{label}: {posts} publications -> {out['rows']} rows, {out['requests']} requests, {out['refused']} "
          f"refused (429), at most {out['max_in_1s']} requests in any 1 s at the server; whole process "
          f"{out['seconds']:.2f} s median of {out['all_seconds']}; exit {out['exit']}", flush=True)
    if out["exit"]:
        print(runs[-1]["stderr"])
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--legacy", type=int, default=0, help="publications on a server without the batch endpoint")
    args = parser.parse_args()
    ok = True
    warm = once(50, 1_000_000, 300.0, multi=True)  # not counted: writes the bytecode cache
    print(f"warm-up (not counted): {warm['seconds']:.2f} s, exit {warm['exit']}", flush=True)
    big = scenario("1,000,000 per 5 min announced", args.posts, 1_000_000, 300.0, args.repeat)
    if big["exit"] or big["rows"] != args.posts or big["seconds"] >= 5.0 or big["refused"]:
        print(f"FAIL: {args.posts} publications must be fetched in under 5 s without failures")
        ok = False
    tight = scenario("20 per second announced", args.posts, 20, 1.0, args.repeat)
    if tight["exit"] or tight["rows"] != args.posts or tight["refused"]:
        print("FAIL: no request may be refused under an announced budget of 20 per second")
        ok = False
    if args.legacy:
        old = scenario("20 per second announced, Mastodon < 4.3", args.legacy, 20, 1.0, 1, multi=False)
        if old["exit"] or old["rows"] != args.legacy or old["refused"]:
            print("FAIL: no request may be refused under an announced budget of 20 per second (one by one)")
            ok = False
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f} on {} CPUs".format(*os.getloadavg(), os.cpu_count()))
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
