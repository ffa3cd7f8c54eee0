"""An agency's repository: 50 brands, 250 profiles (the sandbox network) and 50,000 posts (issue 22).

Each brand has five profiles imitating five networks, its own section in schedule.yaml (timezone, cadence)
and 1,000 posts under content/<brand>/YYYY/MM/, one every ~2 days per brand from 2026 on, each to one to
three of its profiles (Instagram posts with images from a shared pool). The ledger holds every pair due
before NOW as published, and a bare clone is "the remote".

Every timed run is one whole `socialops` process (Python's start-up included), measured from outside:

- cold: in a fresh `git clone` of the remote with no .socialops/ (what a GitHub Actions run starts from);
  the remote has the facts branch the previous publish run pushed (socialops-facts);
- warm: the same command again in that clone (its .socialops/ cache filled by the cold run).

Commands: `validate`; `plan` (all 250 profiles) and `plan --brand` (one brand's five); `publish` with
nothing due; `publish` of 250 due pairs (one per profile) to the sandbox with a 100 ms latency per request
(SOCIALOPS_SANDBOX_LATENCY_MS); and the same 250 pairs by N shards at once (`publish --shard I/N` on N fresh
clones pushing into the one remote, as the PUBLISH_SHARDS matrix does): the wall time until the last shard
is done, and a check that every pair was published exactly once and the remote's ledger has them all.

Run: .venv/bin/python benchmarks/bench_agency.py [--brands 50] [--posts 50000] [--runs 3] [--shards 5]
     [--out FILE.md]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from timing import BIN, run_once  # noqa: E402

NETWORKS = ["mastodon", "bluesky", "facebook", "linkedin", "instagram"]
ZONES = ["Europe/Helsinki", "Europe/Stockholm", "Europe/Berlin", "Europe/London", "America/New_York"]
WORDS = ("coffee bun bakery morning market cinnamon milk cake friend neighbour season sweet warm launch team "
         "offer visit store new autumn winter spring summer").split()
START = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2036, 1, 7, 10, 0, tzinfo=dt.UTC)  # about halfway through the posts' span
LATENCY_MS = "100"


def git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid"}
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True, env=env).stdout


def make_agency(root: Path, brands: int, posts: int, seed: int = 22) -> list[tuple[str, str, dt.datetime]]:
    """The repository; returns every (post id, profile, time) pair."""
    from PIL import Image

    rng = random.Random(seed)
    (root / "profiles").mkdir(parents=True)
    media = root / "content" / "media"
    media.mkdir(parents=True)
    for i in range(100):
        Image.new("RGB", (1080, 1350), (i % 256, (i * 7) % 256, 90)).save(media / f"m{i}.jpg", quality=20)
    sections, pairs = [], []
    per_brand = posts // brands
    for b in range(brands):
        brand = f"brand{b:02d}"
        pids = [f"{brand}-{net}" for net in NETWORKS]
        for pid, net in zip(pids, NETWORKS, strict=True):
            (root / "profiles" / f"{pid}.yaml").write_text(
                f"network: sandbox\nimitates: {net}\naccount: {pid}\nbrand: {brand}\nowners: ['@{brand}-team']\n")
        cadence = "".join(f"      {pid}:\n        - {{days: [mon, wed, fri], times: ['09:00']}}\n" for pid in pids)
        sections.append(f"  {brand}:\n    timezone: {ZONES[b % len(ZONES)]}\n    cadence:\n{cadence}")
        for n in range(per_brand):
            when = START + dt.timedelta(hours=175 * n + rng.randint(0, 5), minutes=b)
            chosen = rng.sample(pids, k=rng.randint(1, 3))
            post_id = f"{brand}-{n:05d}"
            lines = [f"id: {post_id}", f"title: \"{brand} {n} {rng.choice(WORDS)}\"", f"profiles: [{', '.join(chosen)}]",
                     f"publish_at: {when:%Y-%m-%dT%H:%MZ}", "pillar: menu", "status: ready"]
            if any(p.endswith("instagram") for p in chosen):
                lines.append(f"media:\n  - {{path: ../../../media/m{rng.randrange(100)}.jpg, alt: \"{rng.choice(WORDS)}\"}}")
            folder = root / "content" / brand / f"{when:%Y}" / f"{when:%m}"
            folder.mkdir(parents=True, exist_ok=True)
            body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 40))).capitalize() + ". #agency\n"
            (folder / f"{post_id}.md").write_text("---\n" + "\n".join(lines) + "\n---\n" + body)
            pairs += [(post_id, pid, when) for pid in chosen]
    (root / "schedule.yaml").write_text("timezone: Europe/Helsinki\nlate_window: 24h\nhorizon_days: 14\n"
                                        "pillars:\n  menu: {share: 100}\nbrands:\n" + "".join(sections))
    (root / ".gitignore").write_text(".socialops/\n")
    (root / ".gitattributes").write_text("state/*.csv merge=union\n")
    return pairs


def seed_ledger(root: Path, pairs: list[tuple[str, str, dt.datetime]]) -> int:
    """Every pair due before NOW, published."""
    from socialops.state.publications import Event, Ledger

    events = []
    for n, (post_id, pid, when) in enumerate(p for p in pairs if p[2] <= NOW):
        key = f"hist-{n}"
        events.append(Event(when, post_id, pid, "claimed", attempt=1, key=key, run="hist/1"))
        events.append(Event(when + dt.timedelta(seconds=2), post_id, pid, "published", attempt=1, key=key,
                            remote_id=str(n), url=f"https://sandbox.invalid/{n}", detail="posted"))
    Ledger(root).append(events, fsync=False)
    return len(events) // 2


def add_due_posts(root: Path, at: dt.datetime) -> int:
    """One text post due at `at` for each profile not imitating Instagram, an image post for the others."""
    count = 0
    for path in sorted((root / "profiles").glob("*.yaml")):
        pid = path.stem
        brand = pid.split("-")[0]
        media = "media:\n  - {path: ../../media/m1.jpg, alt: a photo}\n" if pid.endswith("instagram") else ""
        folder = root / "content" / brand / "due"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"due-{pid}.md").write_text(
            f"---\nid: due-{pid}\nprofiles: [{pid}]\npublish_at: {at:%Y-%m-%dT%H:%MZ}\nstatus: ready\n{media}---\n"
            f"Due now on {pid}. #agency\n")
        count += 1
    return count


def clone(remote: Path, target: Path) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    git(target.parent, "clone", "-q", str(remote), str(target))
    return target


def cmd(root: Path, *args: str) -> list[str]:
    return [str(BIN), "--repo", str(root), *args]


def cold_warm(remote: Path, work: Path, runs: int, args: list[str], env: dict) -> tuple[list[float], list[float]]:
    cold, warm = [], []
    for _ in range(runs):
        where = clone(remote, work)
        cold.append(run_once(cmd(where, *args), env=env))
        warm.append(run_once(cmd(where, *args), env=env))
    return cold, warm


def publish_due(remote: Path, tmp: Path, env: dict, shards: int) -> tuple[float, dict]:
    """250 due pairs by `shards` publishers at once (1: one publisher) on fresh clones of a copy of the remote;
    the wall time until the last is done, and what the copy's ledger and the sandbox hold afterwards."""
    copy = tmp / "due-remote.git"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(remote, copy)
    box = tmp / "due-box.sqlite"
    box.unlink(missing_ok=True)
    run_env = {**env, "SOCIALOPS_SANDBOX": str(box), "SOCIALOPS_SANDBOX_LATENCY_MS": LATENCY_MS}
    clones = [clone(copy, tmp / f"shard-{i}") for i in range(1, shards + 1)]
    now = (NOW + dt.timedelta(minutes=5)).isoformat()
    args = [["publish", "--now", now, "--format", "json"] + (["--shard", f"{i}/{shards}"] if shards > 1 else [])
            for i in range(1, shards + 1)]
    start = time.perf_counter()
    procs = [subprocess.Popen(cmd(c, *a), env=run_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for c, a in zip(clones, args, strict=True)]
    outs = [p.communicate() for p in procs]
    elapsed = time.perf_counter() - start
    for p, (_, err) in zip(procs, outs, strict=True):
        if p.returncode != 0:
            raise SystemExit(f"publish failed: {err[-3000:]}")
    from socialops.networks.sandbox.store import sandbox_posts

    ledger = csv.DictReader(io.StringIO(git(copy, "show", "main:state/publications.csv")))
    due = [(r["post_id"], r["profile"]) for r in ledger if r["event"] == "published" and r["post_id"].startswith("due-")]
    sent = [(r["post_id"], r["profile"]) for r in sandbox_posts(box)]
    published = sum(json.loads(out).get("counts", {}).get("published", 0) for out, _ in outs)
    return elapsed, {"published": published, "ledger": len(due), "ledger_unique": len(set(due)), "sent": len(sent),
                     "sent_unique": len(set(sent))}


def cell(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s" + (f" ({min(values):.2f}-{max(values):.2f})" if len(values) > 1 else "")


def set_up(tmp: Path, brands: int, posts: int, env: dict) -> tuple[Path, int]:
    work = tmp / "work"
    work.mkdir()
    started = time.perf_counter()
    pairs = make_agency(work, brands, posts)
    history = seed_ledger(work, pairs)
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "an agency's repository")
    remote = tmp / "remote.git"
    git(tmp, "clone", "-q", "--bare", str(work), str(remote))
    # the previous cron run: nothing due; it pushes the facts a fresh clone starts from
    writer = clone(remote, tmp / "writer")
    subprocess.run(cmd(writer, "publish", "--now", NOW.isoformat()), env=env, check=True, capture_output=True)
    due = add_due_posts(writer, NOW)
    git(writer, "add", "-A")
    git(writer, "commit", "-q", "-m", "due posts")
    due_remote = tmp / "due.git"
    git(tmp, "clone", "-q", "--bare", str(writer), str(due_remote))
    git(due_remote, "fetch", "-q", str(remote), "socialops-facts:socialops-facts")
    print(f"set-up: {brands} brands, {len(list((work / 'profiles').glob('*.yaml')))} profiles, {posts:,} posts, "
          f"{history:,} published pairs, {due} due pairs; {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return remote, due


def measure(tmp: Path, remote: Path, due: int, runs: int, shard_counts: list[int], env: dict) -> list[str]:
    work = tmp / "clone"
    later = (NOW + dt.timedelta(minutes=10)).isoformat()
    rows = []
    brand = f"brand{min(7, due // len(NETWORKS) - 1):02d}"
    for name, args in (("validate", ["validate"]),
                       (f"plan ({due} profiles)", ["plan", "--now", later]),
                       (f"plan --brand {brand} ({len(NETWORKS)} profiles)", ["plan", "--brand", brand, "--now", later]),
                       ("publish, nothing due", ["publish", "--now", later, "--no-push"])):
        cold, warm = cold_warm(remote, work, runs, args, env)
        rows.append(f"| {name} | {cell(cold)} | {cell(warm)} |")
        print(rows[-1], file=sys.stderr)
    due_remote = tmp / "due.git"
    for shards in [1, *shard_counts]:
        times, checks = [], {}
        for _ in range(runs if shards == 1 else max(1, runs - 1)):
            elapsed, checks = publish_due(due_remote, tmp, env, shards)
            times.append(elapsed)
        exact = checks["ledger"] == checks["ledger_unique"] == checks["sent"] == checks["sent_unique"] == due
        what = "one publisher" if shards == 1 else f"{shards} shards at once (--shard I/{shards})"
        rows.append(f"| publish, {due} due pairs, 100 ms latency, {what} | {cell(times)} | – |")
        print(rows[-1] + f" exactly once: {exact} {checks}", file=sys.stderr)
        if not exact:
            raise SystemExit(f"not exactly once: {checks}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--brands", type=int, default=50)
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--shards", default="5,10", help="Shard counts to measure, comma separated.")
    parser.add_argument("--out", help="Also write the table to this Markdown file.")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-agency-"))
    env = {**os.environ, "SOCIALOPS_SANDBOX": str(tmp / "sandbox.sqlite")}
    for name in ("GITHUB_TOKEN", "SOCIALOPS_SANDBOX_FAULTS", "SOCIALOPS_SANDBOX_LATENCY_MS", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    try:
        remote, due = set_up(tmp, args.brands, args.posts, env)
        rows = measure(tmp, remote, due, args.runs, [int(n) for n in args.shards.split(",") if n], env)
        table = [f"{args.brands} brands, {args.brands * len(NETWORKS)} profiles, {args.posts:,} posts; whole "
                 f"process, median of {args.runs} runs (min-max); {os.cpu_count()} CPUs.", "",
                 "| command | cold (fresh clone) | warm |", "|---|---:|---:|", *rows]
        print("\n".join(table))
        if args.out:
            Path(args.out).write_text("\n".join(table) + "\n")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
