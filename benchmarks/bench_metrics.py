"""socialops metrics: 1,000 publications against a local HTTP server that answers each request after 50 ms.

The server (tests/metrics_support.py) is a real HTTP/1.1 server on 127.0.0.1 speaking Mastodon's status API
(GET /api/v1/statuses/:id, GET /api/v1/accounts/verify_credentials): one request per publication, plus one
for the account -- 1,001 requests, 50 s one after another. It runs in a process of its own (so its threads do
not share the fetcher's interpreter) and records when each request arrives (a monotonic clock shared by the
processes), so the limit is checked where it matters: at the server.

Targets (issue 7): all fetched in under 5 s; with a configured limit of 20 requests per second, no 1-second
window at the server sees more than 20 requests.
Run: .venv/bin/python benchmarks/bench_metrics.py [--posts 1000] [--limited 200]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from socialops.metrics import budget  # noqa: E402
from socialops.metrics import fetch as lib  # noqa: E402
from tests.metrics_support import TOKENS, mastodon_repo, max_in_window, read_csv  # noqa: E402

DELAY = 0.05
NOW = dt.datetime(2026, 12, 2, 6, 0, tzinfo=dt.UTC)


@contextlib.contextmanager
def server_process(delay: float):
    proc = subprocess.Popen([sys.executable, "-m", "tests.metrics_support", str(delay)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise SystemExit(f"the stand-in server did not start: {url!r}")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def run(posts: int, limit: budget.Limit, label: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp, server_process(DELAY) as url:
        root = mastodon_repo(Path(tmp) / "repo", url, posts, start=NOW - dt.timedelta(days=30))
        started = time.perf_counter()
        result = lib.fetch_metrics(root, now=NOW, env=TOKENS, limits={"mastodon": limit})
        seconds = time.perf_counter() - started
        rows = len(read_csv(root / "metrics" / "posts.csv"))
        arrivals = sorted(httpx.get(f"{url}/__arrivals", timeout=10).json()["arrivals"])
        span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else 0.0
        out = {
            "label": label, "posts": posts, "rows": rows, "requests": len(arrivals), "failed": result.failed,
            "seconds": seconds, "fetch_seconds": result.seconds, "max_in_1s": max_in_window(arrivals),
            "rate": (len(arrivals) - 1) / span if span else float("nan"), "limit": str(limit),
            "concurrency": limit.concurrency,
        }
    print(f"{label}: {out['posts']} posts, {out['requests']} requests, {out['rows']} rows in posts.csv, "
          f"{out['seconds']:.2f} s wall ({out['fetch_seconds']:.2f} s fetching; one after another: "
          f"{out['requests'] * DELAY:.0f} s); limit {out['limit']} with {out['concurrency']} in flight; "
          f"at most {out['max_in_1s']} requests in any 1 s window at the server; "
          f"{out['rate']:.1f} requests/s over the run")
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--limited", type=int, default=200, help="publications fetched under the 20/s limit")
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    ok = True
    fast = run(args.posts, budget.Limit(100_000, 1.0, args.concurrency), "no rate limit")
    if fast["failed"] or fast["rows"] != args.posts or fast["seconds"] >= 5.0:
        print(f"FAIL: {args.posts} publications must be fetched in under 5 s without failures")
        ok = False
    limited = run(args.limited, budget.Limit(20, 1.0, args.concurrency), "20 requests/s configured")
    if limited["failed"] or limited["rows"] != args.limited or limited["max_in_1s"] > 20:
        print("FAIL: the 20 requests per second limit must hold at the server")
        ok = False
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
