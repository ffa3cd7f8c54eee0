"""The shortcut of a run with nothing to do: a run that found nothing due remembers the earliest moment
anything can fall due (``select.remember_next_due``), keyed by the git trees of everything that decides
it; a later run before that moment, with nothing changed, stops without reading a single post. The record
is kept in .socialops/ and on the facts branch (repository/facts.py), so a fresh clone (every scheduled
run on GitHub) finds it too. This module stays light: it runs before anything else is loaded (on a fresh clone
of 100,000 posts the whole process takes two git calls and no YAML: benchmarks/bench_publish.py)."""

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


def _tree_key(found: list | None) -> list[str] | None:
    """The key of the committed trees of DUE_INPUTS (cat_file of ``HEAD:<name>`` each)."""
    if not found or not any(found):  # not a repository, or nothing committed yet
        return None
    return [__version__, *sorted(f"{f[0]} {f[1]}\t{name}" for name, f in zip(DUE_INPUTS, found, strict=True) if f)]


def _uncommitted(root: Path) -> bool:
    """Anything uncommitted (edited, staged, untracked) in what decides what is due? True when git cannot tell."""
    # --untracked-files=normal names an untracked folder without walking into it: enough to know there is one.
    status = repo.git(root, "status", "--porcelain", "-z", "--untracked-files=normal", "--ignore-submodules=all",
                      "--no-renames", "--", *DUE_INPUTS, check=False)
    return status.returncode != 0 or bool(status.stdout)


def due_inputs_key(root: Path) -> list[str] | None:
    """The git tree ids of everything that decides what is due, when none of it has uncommitted changes;
    None otherwise (then only a full run can tell)."""
    if _uncommitted(root):
        return None
    return _tree_key(facts.cat_file(root, [f"HEAD:{name}" for name in DUE_INPUTS]))


def save_next_due(root: Path, key: list[str], next_due: dt.datetime, summaries: list, tz_key: str, *, zone: str,
                  push: bool) -> None:
    """Remember the moment here and on the facts branch, with the facts of every post this run read
    (``summaries``: the index; ``tz_key``: the time zones they were read in; ``zone``: the plan's, which a
    shortcut shows its time in without reading the plan)."""
    record = {"key": key, "next_due": next_due.isoformat(), "zone": zone}
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


def nothing_due_yet(root: Path, now: dt.datetime) -> dict | None:
    """The record of an earlier run (in this clone or, through the facts branch, in another) that found nothing
    due until a moment still ahead, when nothing that decides what is due has changed since (same committed
    trees, nothing uncommitted): then no post needs reading. None otherwise."""
    try:
        local = json.loads((root / NEXT_DUE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        local = None
    # One git call for the committed trees and the facts branches' records; a status only when a record holds.
    found = facts.cat_file(root, [f"HEAD:{name}" for name in DUE_INPUTS]
                           + [f"{ref}:{facts.NEXT_DUE_NAME}" for ref in facts.REFS])
    if found is None:
        return None
    current = _tree_key(found[:len(DUE_INPUTS)])
    if current is None:
        return None
    shared = [facts.json_blob(f) for f in found[len(DUE_INPUTS):]]
    if all(record is None for record in shared):
        shared = facts.read_next_due_elsewhere(root)  # the usual two were read above
    for record in (local, *shared):
        if _holds(record, now) == current:
            return record if not _uncommitted(root) else None
    return None
