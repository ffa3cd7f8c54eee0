"""What the plan and the calendar read besides the posts: a configuration whose schedule.yaml is usable,
and the publications recorded in the ledger (state/publications.csv)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

from socialops.core.times import parse_utc
from socialops.errors import ConfigError
from socialops.plan.view import week_start
from socialops.repository.config import load_config
from socialops.repository.schedule import SCHEDULE_FILE
from socialops.state.publications import (
    HANDED,
    MISSED,
    PUBLISHED,
    SKIPPED,
    Ledger,
    published_times,
    task_times,
)
from socialops.validate.brands import brand_plan_problems
from socialops.validate.schedule import schedule_problems


def published_from_ledger(root: Path) -> tuple[dict, dict]:
    """(post id, profile) -> published time, and -> the live post's address, from state/publications.csv."""
    return published_and_urls(Ledger(root).state())


def published_and_urls(states: dict) -> tuple[dict, dict]:
    """published_from_ledger of the ledger's states already read (Ledger.state())."""
    urls = {pair: st.url for pair, st in states.items() if st.status == PUBLISHED and st.url}
    return published_times(states), urls


def missed_from_ledger(root: Path) -> dict[tuple[str, str], dt.datetime | None]:
    """(post id, profile) -> the time it was due, for the pairs the ledger shows missed."""
    return {pair: parse_utc(st.missed.get("due")) for pair, st in Ledger(root).summary().others.items()
            if st.status == MISSED}


def tasks_from_ledger(root: Path) -> tuple[dict[tuple[str, str], dt.datetime], dict[tuple[str, str], str]]:
    """Manual tasks in the ledger: (post id, profile) -> the time each was handed for (it keeps that slot), and
    -> "waiting" (for a person) or "skipped"."""
    states = Ledger(root).summary().others
    words = {HANDED: "waiting", SKIPPED: "skipped"}
    return task_times(states), {pair: words[st.status] for pair, st in states.items() if st.status in words}


def load_plan_config(root: Path) -> Any:
    """The configuration, refusing a schedule.yaml with errors (the plan would be made of guesses)."""
    config = load_config(root)
    broken = [p for p in schedule_problems(config) + brand_plan_problems(config)
              if p.path == SCHEDULE_FILE and p.severity == "error"]
    if broken:
        first = broken[0]
        more = f" (and {len(broken) - 1} more; run 'socialops validate')" if len(broken) > 1 else ""
        raise ConfigError(f"{first.message}{more}", path=first.path, line=first.line)
    return config


def weeks_to_cover_horizon(now: dt.datetime, config: Any) -> int:
    """Weeks from this week's Monday far enough to show the whole planning horizon."""
    first = week_start(now, config.tz)
    last = (now + dt.timedelta(days=config.schedule.horizon_days)).astimezone(config.tz).date()
    return max(1, math.ceil(((last - first).days + 1) / 7))
