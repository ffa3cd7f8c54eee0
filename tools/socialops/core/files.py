"""Writing files so that a reader (or a crash) never sees half of one; a file's size and mtime as one key."""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO


def file_key(st: os.stat_result) -> int:
    """A file's size and mtime (of its stat) as one number: one object, not a tuple of three, as a key is kept
    for every post and media file. st_size < 2**63, so the pair can be read back: no two pairs share a key."""
    return (st.st_mtime_ns << 64) | st.st_size


def stat_key(path: str) -> int | None:
    """file_key of the file at `path` (links followed), or None when it cannot be stat'ed (missing...)."""
    try:
        return file_key(os.stat(path))
    except OSError:
        return None


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write through a temporary file beside the target and rename it into place."""
    atomic_write_with(path, lambda fh: fh.write(data))


def atomic_write_with(path: Path, write: Callable[[BinaryIO], Any]) -> None:
    """atomic_write_bytes, the bytes written by `write(file)` as they come (never all in memory at once)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` unless the file already holds it (so git sees no change); True when written."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (FileNotFoundError, UnicodeDecodeError):
        pass
    atomic_write_text(path, text)
    return True


def save_pickle(path: Path, value: Any) -> bool:
    """A cache file: written atomically, and a failure only costs time (False)."""
    try:  # streamed into the file: a large cache never sits in memory a second time as bytes
        atomic_write_with(path, lambda fh: pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        return False
    return True


def load_pickle(path: Path) -> Any:
    """A cache file written by :func:`save_pickle`, or None when it is missing or damaged."""
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, TypeError,
            ValueError):
        return None
