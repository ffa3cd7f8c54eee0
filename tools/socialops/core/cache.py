"""The one cache: a value kept under .socialops/ with the key it was computed for (file stamps, git ids).

A cache only ever saves time. A missing, damaged or foreign file, or one kept for another key, reads as a
miss; a file that cannot be written is skipped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from socialops.core.files import load_pickle, save_pickle


def load(path: Path, key: Any) -> Any:
    """The value saved for ``key``, or None."""
    data = load_pickle(path)
    if isinstance(data, tuple) and len(data) == 2 and data[0] == key:
        return data[1]
    return None


def save(path: Path, key: Any, value: Any) -> bool:
    return save_pickle(path, (key, value))
