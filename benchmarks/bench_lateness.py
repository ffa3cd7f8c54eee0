"""How late do posts go out when GitHub's cron runs late? A month of publish runs, simulated (issue 18, point 5).

The cron is the one in .github/workflows/publish.yml ("3-59/10 * * * *": every 10 minutes, off the top of the
hour). Each scheduled run is delayed or dropped as GitHub's schedules are: GitHub says runs "can be delayed
during periods of high loads", the start of every hour being the busiest, and that "some queued jobs may be
dropped"; what people report is a few minutes usually, 10-30 minutes at busy hours, sometimes more, and
occasional runs that never come. The model, per scheduled run:

- busy (within the first quarter of an hour): delay lognormal, median 12 min (p95 about 38 min), dropped 8 %;
- otherwise: median 4 min (p95 about 15 min), dropped 3 %;
- heavy load: 2 % of runs a further 30-120 minutes;
- one Actions outage a month: 4 hours without any run;
- each run needs 45 s (checkout, install) before it publishes.

Posts: two a day per network at a brand's usual times (08:00, 09:00, 11:30, 12:00, 15:00, 17:00, 18:00, 19:30
Helsinki), a month long; on Facebook half are text or link posts (the types handed over), half images.
Without hand-over a post goes out with the first run that starts after its time; with it (the profiles' default
lead and the network's window from the adapters, publish/leads.py), a run within the lead hands it over and
the network publishes it on the minute; a post no run could hand over (an outage) goes out the usual way.
A post later than the late window (24 h, schedule.yaml) would be missed.

Run: .venv/bin/python benchmarks/bench_lateness.py [--months 12] [--seed 1]
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import random
import re
import statistics
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
from socialops.publish.leads import handover_lead, handover_min  # noqa: E402
from socialops.repository.profiles import parse_profile  # noqa: E402

HEL = ZoneInfo("Europe/Helsinki")
NETWORKS = ("mastodon", "facebook", "bluesky", "linkedin", "instagram")
POST_TIMES = ((8, 0), (9, 0), (11, 30), (12, 0), (15, 0), (17, 0), (18, 0), (19, 30))
SETUP = dt.timedelta(seconds=45)
LATE_WINDOW = dt.timedelta(hours=24)
START = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
DAYS = 30


def cron_minutes() -> list[int]:
    """The minutes of the hour publish.yml's cron names ("a-b/step" or a list)."""
    text = (REPO / ".github/workflows/publish.yml").read_text(encoding="utf-8")
    spec = re.search(r'cron:\s*"([^"]+)"', text).group(1).split()[0]
    minutes: list[int] = []
    for part in spec.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/")
            step = int(step_text)
        lo, _, hi = part.partition("-")
        minutes += range(int(lo), int(hi or lo) + 1, step)
    return sorted(minutes)


def run_starts(rng: random.Random) -> list[dt.datetime]:
    """When the month's publish runs actually start publishing."""
    outage = START + dt.timedelta(hours=rng.uniform(0, DAYS * 24 - 4))
    starts = []
    for hour in range(DAYS * 24 + 48):
        for minute in cron_minutes():
            tick = START + dt.timedelta(hours=hour, minutes=minute)
            if outage <= tick < outage + dt.timedelta(hours=4):
                continue
            busy = minute < 15
            if rng.random() < (0.08 if busy else 0.03):
                continue
            delay = rng.lognormvariate(0, 0.7) * (12 if busy else 4)
            if rng.random() < 0.02:
                delay += rng.uniform(30, 120)
            starts.append(tick + dt.timedelta(minutes=delay) + SETUP)
    return sorted(starts)


def posts(rng: random.Random) -> list[tuple[str, dt.datetime, str]]:
    """(network, time, type) of the month's posts."""
    out = []
    for day in range(DAYS):
        date = (START + dt.timedelta(days=day)).date()
        for net in NETWORKS:
            for hour, minute in rng.sample(POST_TIMES, 2):
                at = dt.datetime.combine(date, dt.time(hour, minute), HEL).astimezone(dt.UTC)
                kind = rng.choice(("text", "link", "image", "image")) if net == "facebook" else "text"
                out.append((net, at, kind))
    return out


def leads() -> dict[str, tuple[dt.timedelta, dt.timedelta] | None]:
    """Per network: (shortest, profile's default) lead of the hand-over, or None where there is none."""
    out = {}
    for net in NETWORKS:
        profile = parse_profile(f"id: brand-{net}\nnetwork: {net}\n", f"profiles/brand-{net}.yaml")
        lead = handover_lead(profile)
        out[net] = (handover_min(profile), lead) if lead is not None else None
    return out


def first_at_or_after(starts: list[dt.datetime], moment: dt.datetime) -> dt.datetime | None:
    i = bisect.bisect_left(starts, moment)
    return starts[i] if i < len(starts) else None


def lateness(starts, at, kind, net, window, handover: bool) -> dt.timedelta:
    if handover and window is not None and (net != "facebook" or kind in ("text", "link")):
        shortest, lead = window
        run = first_at_or_after(starts, at - lead)
        if run is not None and run <= at - shortest:
            return dt.timedelta(0)  # handed over: the network publishes it at its time
    run = first_at_or_after(starts, at)
    return run - at if run is not None else LATE_WINDOW * 2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=12, help="independent months to simulate (pooled)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    windows = leads()
    print(f"cron minutes {cron_minutes()}; hand-over windows (shortest, default lead): "
          + ", ".join(f"{n} {w[0]}..{w[1]}" if w else f"{n} none" for n, w in windows.items()))
    late: dict[tuple[str, bool], list[float]] = {}
    missed: dict[tuple[str, bool], int] = {}
    for month in range(args.months):
        rng = random.Random(args.seed * 1000 + month)
        starts = run_starts(rng)
        for net, at, kind in posts(rng):
            for handover in (False, True):
                delta = lateness(starts, at, kind, net, windows[net], handover)
                late.setdefault((net, handover), []).append(delta.total_seconds() / 60)
                missed[(net, handover)] = missed.get((net, handover), 0) + (delta > LATE_WINDOW)
    print(f"\n{args.months} simulated months, {DAYS} days each, 2 posts a day per network\n")
    print(f"{'network':<10} {'hand-over':<10} {'posts':>6} {'median':>8} {'p95':>8} {'max':>8} "
          f"{'>15 min':>8} {'missed':>7}")
    for net in NETWORKS:
        for handover in (False, True):
            if handover and windows[net] is None:
                continue
            minutes = sorted(late[(net, handover)])
            p95 = minutes[int(0.95 * (len(minutes) - 1))]
            over = sum(1 for m in minutes if m > 15)
            print(f"{net:<10} {'yes' if handover else 'no':<10} {len(minutes):>6} "
                  f"{statistics.median(minutes):>7.1f}m {p95:>7.1f}m {minutes[-1]:>7.1f}m {over:>8} "
                  f"{missed[(net, handover)]:>7}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
