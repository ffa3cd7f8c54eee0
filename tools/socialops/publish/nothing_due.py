"""The shortcut of a run with nothing to do: a run that found nothing due remembers the earliest moment
anything can fall due, keyed by the git trees of everything that decides it; a later run before that
moment, with nothing changed, stops without reading a single post."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from socialops import __version__
from socialops.core.files import atomic_write_text
from socialops.metrics.report import best_hours
from socialops.plan import schedule as plan
from socialops.repository import git as repo
from socialops.state.publications import MISSED, UNCONFIRMED, Summary

NEXT_DUE_FILE = ".socialops/cache/publish-next-due.json"
# What decides which pairs are due: posts, profiles, the plan, the ledger, and the metrics (`best` hours).
DUE_INPUTS = ("content", "profiles", "schedule.yaml", "state", "metrics")


def due_inputs_key(root: Path) -> list[str] | None:
    """The git tree ids of everything that decides what is due, when none of it has uncommitted changes;
    None otherwise (then only a full run can tell)."""
    status = repo.git(root, "status", "--porcelain", "-z", "--untracked-files=all", "--", *DUE_INPUTS, check=False)
    if status.returncode != 0 or status.stdout:
        return None
    tree = repo.git(root, "ls-tree", "HEAD", "--", *DUE_INPUTS, check=False)
    if tree.returncode != 0:
        return None
    return [__version__, *sorted(tree.stdout.splitlines())]


def save_next_due(root: Path, key: list[str], next_due: dt.datetime) -> None:
    try:
        atomic_write_text(root / NEXT_DUE_FILE, json.dumps({"key": key, "next_due": next_due.isoformat()}))
    except OSError:
        pass  # only costs time


def nothing_due_yet(root: Path, now: dt.datetime) -> bool:
    """True when an earlier run found nothing due until a moment still ahead, and nothing that decides what is
    due has changed since (same committed trees, nothing uncommitted): no need to read a single post."""
    try:
        saved = json.loads((root / NEXT_DUE_FILE).read_text(encoding="utf-8"))
        next_due = dt.datetime.fromisoformat(saved["next_due"])
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if now >= next_due:
        return False
    return saved.get("key") == due_inputs_key(root)


def remember_next_due(root: Path, summaries: list, summary: Summary, config: Any, *, now: dt.datetime) -> None:
    """After a run with nothing due: the earliest moment anything can become due, saved with the state
    of the repository, so that runs before that moment with nothing changed stop at once."""
    if any(st.open_claims for st in summary.others.values()):
        return  # a claim left open by another run must be reconciled when its lease ends
    key = due_inputs_key(root)
    if key is None:
        return
    save_next_due(root, key, next_due(root, summaries, summary, config, now=now))


def next_due(root: Path, summaries: list, summary: Summary, config: Any, *, now: dt.datetime) -> dt.datetime:
    """A lower bound of when a pending pair falls due: the earliest future publish_at, and for queued posts
    the earliest future cadence slot of their profiles (a slot may be taken: earlier is only slower, never
    wrong). With nothing pending, a day from now."""
    schedule = config.schedule
    earliest = now + dt.timedelta(days=1)
    queued: set[str] = set()
    for s in summaries:
        if s.status != "ready" or s.error or s.id is None:
            continue
        for pid in s.profiles:
            pair = (str(s.id), pid)
            if summary.is_published(pair):
                continue
            state = summary.get(pair)
            if state is not None and state.status in (UNCONFIRMED, MISSED):
                continue
            if s.publish_ts is None:
                queued.add(pid)
            else:
                earliest = min(earliest, dt.datetime.fromtimestamp(s.publish_ts, dt.UTC))
    if queued:
        rules = plan.cadence_rules(schedule, best_hours(root, schedule.tz))
        gaps = plan.blackouts(schedule)
        for pid in queued:
            tz = plan.profile_tz(config.profiles.get(pid), schedule)
            today = now.astimezone(tz).date()
            future = [slot.at for slot in plan.generate_slots(rules.get(pid, []), tz, today,
                                                              today + dt.timedelta(days=1), gaps, schedule.tz)
                      if slot.at > now]
            if future:
                earliest = min(earliest, future[0])
    return earliest
