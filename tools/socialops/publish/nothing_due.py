"""The shortcut of a run with nothing to do: a run that found nothing due remembers the earliest moment
anything can fall due (``select.remember_next_due``), keyed by the git trees of everything that decides
it; a later run before that moment, with nothing changed, stops without reading a single post. The record
is kept in .socialops/ and on the facts branch (repository/facts.py), so a fresh clone (every scheduled
run on GitHub) finds it too. This module stays light: it runs before anything else is loaded."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from socialops import __version__
from socialops.core.files import atomic_write_text
from socialops.core.times import parse_utc_strict
from socialops.repository import facts
from socialops.repository import git as repo

NEXT_DUE_FILE = ".socialops/cache/publish-next-due.json"
# What decides which pairs are due: posts, profiles, the plan, the ledger, and the metrics (`best` hours).
DUE_INPUTS = ("content", "profiles", "schedule.yaml", "state", "metrics")
# A record never promises more than this: a run finds its next moment at most a day ahead, so a record that
# claims more was not written by a run (a wrong one then holds back publishing a day at the most).
MAX_AHEAD = dt.timedelta(days=1)


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


def save_next_due(root: Path, key: list[str], next_due: dt.datetime, summaries: list, tz_key: str, *,
                  push: bool) -> None:
    """Remember the moment here and on the facts branch, with the facts of every post this run read
    (``summaries``: the index; ``tz_key``: the plan's time zone they were read in)."""
    record = {"key": key, "next_due": next_due.isoformat()}
    try:
        atomic_write_text(root / NEXT_DUE_FILE, json.dumps(record))
    except OSError:
        pass  # only costs time
    facts.write(root, tz_key, {s.path: facts.to_fact(s) for s in summaries if s.blob}, record, push=push)


def _holds(record: object, now: dt.datetime) -> list | None:
    """The key of a record whose moment is still ahead (and not further than a run ever sets it)."""
    try:
        next_due = parse_utc_strict(record["next_due"])  # type: ignore[index]
        key = record["key"]  # type: ignore[index]
    except (ValueError, KeyError, TypeError):
        return None
    return key if now < next_due <= now + MAX_AHEAD and isinstance(key, list) else None


def nothing_due_yet(root: Path, now: dt.datetime) -> bool:
    """True when an earlier run (in this clone or, through the facts branch, in another) found nothing due
    until a moment still ahead, and nothing that decides what is due has changed since (same committed
    trees, nothing uncommitted): no need to read a single post."""
    try:
        local = json.loads((root / NEXT_DUE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        local = None
    current = None
    for record in (local, "shared"):
        if record == "shared":
            record = facts.read_next_due(root)
        key = _holds(record, now)
        if key is None:
            continue
        if current is None:
            current = due_inputs_key(root)
            if current is None:
                return False
        if key == current:
            return True
    return False
