"""The demo's publish step."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path

from socialops.publish.results import RunResult, format_table
from socialops.publish.run import run_publish
from socialops.repository.schedule import load_schedule


def publish_demo(root: Path, *, now: dt.datetime, env: Mapping[str, str] | None = None) -> tuple[RunResult, str]:
    """Publish the due example posts to the sandbox (no push, outbox issues). Returns the result and its
    table."""
    run_env = {k: v for k, v in (os.environ if env is None else env).items()
               if k not in ("GITHUB_TOKEN", "GITHUB_REPOSITORY")}
    result = run_publish(root, now=now, env=run_env, push=False)
    return result, format_table(result, load_schedule(root).tz)
