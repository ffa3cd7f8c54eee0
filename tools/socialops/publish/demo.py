"""The demo's publish step, and where its simulated time starts."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path

from socialops.publish.results import RunResult, format_table
from socialops.publish.run import run_publish
from socialops.repository.index import load_index
from socialops.repository.schedule import load_schedule


def publish_demo(root: Path, *, now: dt.datetime, env: Mapping[str, str] | None = None) -> tuple[RunResult, str]:
    """Publish the due example posts to the sandbox (no push, outbox issues). Returns the result and its
    table."""
    run_env = {k: v for k, v in (os.environ if env is None else env).items()
               if k not in ("GITHUB_TOKEN", "GITHUB_REPOSITORY")}
    result = run_publish(root, now=now, env=run_env, push=False)
    return result, format_table(result, load_schedule(root).tz)


def example_start(root: Path) -> dt.datetime | None:
    """Where the demo's simulated time starts: an hour before the earliest timed post that is ready, so the
    example content (written for fixed dates) is published on its days instead of being reported as missed.
    None when no post has a time."""
    times = [p.publish_ts for p in load_index(root, load_schedule(root).tz)
             if p.status == "ready" and p.publish_ts is not None and p.error is None]
    if not times:
        return None
    return dt.datetime.fromtimestamp(min(times), dt.UTC) - dt.timedelta(hours=1)
