"""The shortcut of a run with nothing to do: a run that found nothing due remembers the earliest moment
anything can fall due (``select.remember_next_due``), keyed by the git trees of everything that decides
it; a later run before that moment, with nothing changed, stops without reading a single post. This
module stays light: it runs before anything else is loaded."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from socialops import __version__
from socialops.core.files import atomic_write_text
from socialops.core.times import parse_utc_strict
from socialops.repository import git as repo

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
        next_due = parse_utc_strict(saved["next_due"])
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if now >= next_due:
        return False
    return saved.get("key") == due_inputs_key(root)
