"""The one cache: a value kept under .socialops/ with the key it was computed for (file stamps, git ids).

A cache only ever saves time. A missing, damaged or foreign file, or one kept for another key, reads as a
miss; a file that cannot be written is skipped."""

from __future__ import annotations

import pickle
from collections.abc import Iterable
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

from socialops.core.files import atomic_write_with, load_pickle, save_pickle


def load(path: Path, key: Any) -> Any:
    """The value saved for ``key``, or None."""
    data = load_pickle(path)
    if isinstance(data, tuple) and len(data) == 2 and data[0] == key:
        return data[1]
    return None


def save(path: Path, key: Any, value: Any) -> bool:
    return save_pickle(path, (key, value))


# --- a large mapping (an entry per post), in parts ------------------------------------------------------
# A pickle remembers every object it wrote, to write a shared one once: for 100,000 posts' entries in one
# pickle that memory alone was tens of MB. In parts of 10,000, each its own pickle, it stays small.

PART = 10_000
_PARTS = "parts"  # marks a file written by save_parts (an old single pickle reads as a miss)
_ERRORS = (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, TypeError, ValueError)


def save_parts(path: Path, key: Any, head: Any, items: Iterable[tuple[Any, Any]], count: int) -> bool:
    """Save `head` and a mapping for `key`, streamed to the file part by part: its `count` (key, value) `items`
    (an iterator: the whole mapping need never be made)."""
    parts = -(-count // PART)

    def write(fh: BinaryIO) -> None:
        pickle.dump((_PARTS, key, head, parts), fh, protocol=pickle.HIGHEST_PROTOCOL)
        source = iter(items)
        for _ in range(parts):
            pickle.dump(dict(islice(source, PART)), fh, protocol=pickle.HIGHEST_PROTOCOL)

    try:
        atomic_write_with(path, write)
    except OSError:
        return False
    return True


def pack_part(mapping: dict) -> bytes:
    """One part of a mapping as save_packed writes it: made where the mapping is (a forked worker, for what it
    found), so that the process saving the whole need not pickle it again."""
    return pickle.dumps(mapping, protocol=pickle.HIGHEST_PROTOCOL)


def save_packed(path: Path, key: Any, head: Any, parts: list[bytes]) -> bool:
    """save_parts for a mapping already packed part by part (pack_part), in any number of parts; where a key is
    in more than one part, the later part's value is the one loaded."""
    def write(fh: BinaryIO) -> None:
        pickle.dump((_PARTS, key, head, len(parts)), fh, protocol=pickle.HIGHEST_PROTOCOL)
        for part in parts:
            fh.write(part)

    try:
        atomic_write_with(path, write)
    except OSError:
        return False
    return True


def load_parts(path: Path, key: Any) -> tuple[Any, dict] | None:
    """(head, entries) that save_parts saved for `key`, or None."""
    try:
        with open(path, "rb") as fh:
            first = pickle.load(fh)
            if not (isinstance(first, tuple) and len(first) == 4 and first[0] == _PARTS and first[1] == key
                    and isinstance(first[3], int)):
                return None
            entries: dict = {}
            for _ in range(first[3]):
                part = pickle.load(fh)
                if not isinstance(part, dict):
                    return None
                entries.update(part)
    except _ERRORS:
        return None
    return first[2], entries
