"""Many independent pieces of work (posts to read) shared between forked processes and this one.

Used where a cold run reads a whole large repository (validate, the index). os.fork and pipes, not
multiprocessing: its imports alone cost more than a tenth of the time this saves.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

PARALLEL_MIN = 1500  # below this many items, a second process costs more than it saves
CHUNK = 100  # items claimed at a time: small enough that the processes finish together


def can_fork(items: int, min_items: int | None = None) -> bool:
    # Forking a process that runs other threads can deadlock the child (a lock held by a thread that is
    # not copied): the CLI runs none, a program embedding socialops might. On macOS, system libraries are
    # not safe to use in a forked child (why Python stopped forking there by default).
    return (items >= (PARALLEL_MIN if min_items is None else min_items) and (os.cpu_count() or 1) >= 2 and hasattr(os, "fork") and sys.platform != "darwin"
            and threading.active_count() == 1)


def map_chunks(func: Callable[[Any], Any], items: list, *, min_items: int | None = None,
               report: Callable[[], Any] | None = None) -> list:
    """[func(item) for item in items], in forked processes and this one together when there are many, each
    claiming the next chunk until none are left. ``report``: called in each child after its work, its value
    sent back too; then the answer is (results, [each child's report]). Results must pickle."""
    if not can_fork(len(items), min_items):
        results = [func(item) for item in items]
        return (results, []) if report is not None else results
    workers = min(os.cpu_count() or 1, 8)
    # At most 1,000 chunks: their numbers (4,000 bytes) fit in one page, the least buffer a pipe has, so
    # writing them all never waits for a reader.
    size = max(CHUNK, -(-len(items) // 1000))
    starts = range(0, len(items), size)
    # The chunks' numbers wait in a pipe, 4 bytes each; a process claims a chunk by reading 4 bytes (a read
    # this small from a pipe is never split between readers).
    claims, filler = os.pipe()
    os.write(filler, b"".join(i.to_bytes(4, "little") for i in range(len(starts))))
    os.close(filler)

    def work_claimed() -> dict[int, list]:
        done = {}
        while claim := os.read(claims, 4):
            start = starts[int.from_bytes(claim, "little")]
            done[start] = [func(item) for item in items[start:start + size]]
        return done

    def child() -> tuple[dict[int, list], Any]:
        return work_claimed(), report() if report is not None else None

    children = [_fork_worker(child) for _ in range(workers - 1)]
    reports = []
    try:
        done = work_claimed()
        for pid, reader in children:
            part, child_report = _collect(pid, reader)
            done.update(part)
            reports.append(child_report)
        children = []
    finally:
        os.close(claims)
        for pid, reader in children:  # only when this process is interrupted
            os.kill(pid, signal.SIGTERM)
            _collect(pid, reader)
    results: list = []
    for start in starts:  # what a child that died had claimed is done here
        part = done.get(start)
        results.extend(part if part is not None else [func(item) for item in items[start:start + size]])
    return (results, [r for r in reports if r is not None]) if report is not None else results


def _fork_worker(work: Callable[[], Any]) -> tuple[int, int]:
    """Run `work()` in a forked child that sends its pickled result back: (pid, the pipe to read it from)."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: send the result, and leave without running the parent's exit handlers
        status = 1
        try:
            os.close(reader)
            with os.fdopen(writer, "wb") as out:
                pickle.dump(work(), out, protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
        finally:
            os._exit(status)
    os.close(writer)
    return pid, reader


def _collect(pid: int, reader: int) -> tuple[dict, Any]:
    """A child's result, or nothing when it died before sending all of it."""
    with os.fdopen(reader, "rb") as source:
        try:
            result = pickle.load(source)  # from the pipe as it comes: the bytes are never all held at once
        except Exception:  # a child that died leaves a cut-off pickle: its items are done again
            result = {}, None
        source.read()  # to its end, so that a child still writing is never left blocked
    os.waitpid(pid, 0)
    return result
