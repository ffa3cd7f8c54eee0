"""The one writer (and reader) of the append-only CSV logs under ``state/``.

Every log (``publications.csv``, ``comments.csv``, ``moderation.csv``) has a header row and one event a
line, and is marked ``merge=union`` in ``.gitattributes``: when two branches append, git keeps the lines of
both, possibly interleaved and with the header twice. So readers skip header lines and torn or malformed
lines, and writers only ever append whole lines.

Appends are single ``write`` calls on an ``O_APPEND`` descriptor, fsynced, so a process killed at any
moment leaves at most a torn last line, which the next append moves onto a line of its own.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from socialops.core.times import parse_utc_strict


def append_rows(path: Path, header: str, rows: Iterable[list[str]], *, fsync: bool = True) -> None:
    """Append CSV rows to an append-only log in one write, the header first in a new file.

    One O_APPEND write keeps concurrent writers' lines whole; a torn last line left by a crash is ended
    first, so it stays on a line of its own (and readers skip it)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows(rows)
    payload = buf.getvalue()
    if not payload:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(fd).st_size
        prefix = ""
        if size == 0:
            prefix = header + "\n"
        else:
            with open(path, "rb") as fh:
                fh.seek(size - 1)
                if fh.read(1) != b"\n":
                    prefix = "\n"
        data = (prefix + payload).encode("utf-8")
        written = 0
        while written < len(data):
            written += os.write(fd, data[written:])
        if fsync:
            os.fsync(fd)
    finally:
        os.close(fd)


def read_text(path: Path) -> str:
    """A log's text ('' when it does not exist yet)."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""


def log_rows(path: Path, *widths: int) -> Iterator[list[str]]:
    """The complete rows of a log, of one of the given widths: header lines (repeated by a union merge) and
    torn lines (no time in the first cell) are skipped."""
    for row in csv.reader(io.StringIO(read_text(path))):
        if len(row) not in widths or row[0] == "time":
            continue
        try:
            parse_utc_strict(row[0])
        except ValueError:
            continue
        yield row


def json_cell(text: str) -> dict[str, Any]:
    """A JSON cell as a dict ({} when empty or unreadable)."""
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
