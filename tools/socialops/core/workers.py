"""Many independent pieces of work (posts to read) shared between forked processes and this one.

Used where a cold run reads a whole large repository (validate, the index). os.fork, a pipe of chunks to claim
and a nameless file per child for its results (a memfd), not multiprocessing: its imports alone cost more than a
tenth of the time this saves.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

PARALLEL_MIN = 1500  # below this many items, a second process costs more than it saves
CHUNK = 100  # items claimed at a time: small enough that the processes finish together
_here_only = False  # see in_this_process
_in_worker = False  # see in_worker


@contextlib.contextmanager
def in_this_process() -> Iterator[None]:
    """Within this block map_chunks forks no worker: for a caller that keeps what the work reads for its next
    steps (repository.posts.read_once), which a forked worker would read for itself and lose."""
    global _here_only
    outer, _here_only = _here_only, True
    try:
        yield
    finally:
        _here_only = outer


def can_fork(items: int, min_items: int | None = None) -> bool:
    # Forking a process that runs other threads can deadlock the child (a lock held by a thread that is
    # not copied): the CLI runs none, a program embedding socialops might. On macOS, system libraries are
    # not safe to use in a forked child (why Python stopped forking there by default).
    return (not _here_only and items >= (PARALLEL_MIN if min_items is None else min_items) and (os.cpu_count() or 1) >= 2 and hasattr(os, "fork") and sys.platform != "darwin"
            and threading.active_count() == 1)


def map_chunks(func: Callable[[Any], Any], items: list, *, min_items: int | None = None,
               report: Callable[[], Any] | None = None, chunk: int | None = None) -> list:
    """[func(item) for item in items], in forked processes and this one together when there are many, each
    claiming the next chunk (of `chunk` items; fewer for items that each take long) until none are left.
    ``report``: called in each child after its work, its value sent back too; then the answer is (results,
    [each child's report]). Results must pickle."""
    if not can_fork(len(items), min_items):
        results = [func(item) for item in items]
        return (results, []) if report is not None else results
    parts, reports = _forked(lambda part: [func(item) for item in part], items, chunk, report)
    results = [result for part in parts for result in part]
    return (results, reports) if report is not None else results


def map_parts(func: Callable[[list], Any], items: list, *, min_items: int | None = None,
              report: Callable[[], Any] | None = None, chunk: int | None = None) -> list:
    """map_chunks for work done a chunk at a time: [func(chunk) for each chunk of items], in order, func given
    the chunk's items (a slice). What func gives for a chunk is what a child sends back, so a caller can make
    there what it would otherwise make of the chunk's results afterwards, in this process alone (in_worker()
    tells func where it runs). Without forking, the chunks are as if for one process. ``report``: as for
    map_chunks."""
    size = CHUNK if chunk is None else chunk
    if not can_fork(len(items), min_items):
        parts = [func(items[start:end]) for start, end in chunk_bounds(len(items), size, 1)]
        return (parts, []) if report is not None else parts
    parts, reports = _forked(func, items, size, report)
    return (parts, reports) if report is not None else parts


def in_worker() -> bool:
    """True in a forked child of map_chunks or map_parts, whose results are pickled and sent back."""
    return _in_worker


def _forked(func: Callable[[list], Any], items: list, chunk: int | None,
            report: Callable[[], Any] | None) -> tuple[list, list]:
    """([func(chunk) for each chunk of items], [each child's report]), in forked processes and this one."""
    workers = min(os.cpu_count() or 1, 8)
    bounds = chunk_bounds(len(items), CHUNK if chunk is None else chunk, workers)
    starts = [start for start, _ in bounds]
    # The chunks' numbers wait in a pipe, 4 bytes each; a process claims a chunk by reading 4 bytes (a read
    # this small from a pipe is never split between readers).
    claims, filler = os.pipe()
    os.write(filler, b"".join(i.to_bytes(4, "little") for i in range(len(starts))))
    os.close(filler)

    def work_claimed(out: BinaryIO | None = None) -> dict[int, Any]:
        """Claim and do chunks until none are left. A child writes each chunk's results to `out` at once, and
        keeps none: its memory stays that of one chunk."""
        done = {}
        while claim := os.read(claims, 4):
            start, end = bounds[int.from_bytes(claim, "little")]
            part = func(items[start:end])
            if out is None:
                done[start] = part
            else:
                pickle.dump((start, part), out, protocol=pickle.HIGHEST_PROTOCOL)
        return done

    def child(out: BinaryIO) -> None:
        work_claimed(out)
        pickle.dump((None, report() if report is not None else None), out, protocol=pickle.HIGHEST_PROTOCOL)

    try:
        spools = [_spool() for _ in range(workers - 1)]
    except OSError:  # nowhere to write: all in this process
        os.close(claims)
        return [func(items[start:end]) for start, end in bounds], []
    children = [_fork_worker(child, spool) for spool in spools]
    reports = []
    try:
        done = work_claimed()
        for pid, spool in children:
            part, child_report = _collect(pid, spool)
            done.update(part)
            reports.append(child_report)
        children = []
    finally:
        os.close(claims)
        for pid, spool in children:  # only when this process is interrupted
            os.kill(pid, signal.SIGTERM)
            _collect(pid, spool)
    # what a child that died had claimed is done here
    parts = [done[start] if start in done else func(items[start:end]) for start, end in bounds]
    return parts, [r for r in reports if r is not None]


def chunk_bounds(count: int, chunk: int, workers: int) -> list[tuple[int, int]]:
    """(start, end) of each chunk of `count` items: of `chunk` items (more when there are very many), then
    smaller ones at the end, each about 1/(2 x workers) of what is left: the last chunk a process claims is a
    small one, so that none waits long for another at the end. At most 1,000 chunks: their numbers (4,000
    bytes) fit in one page, the least buffer a pipe has, so writing them all never waits for a reader."""
    size = max(chunk, -(-count // 900))  # 900 full chunks, and the smaller ones at the end
    least = max(1, size // 8)
    bounds = []
    start = 0
    while start < count:
        end = start + min(size, max(least, -(-(count - start) // (2 * workers))))
        bounds.append((start, min(end, count)))
        start = end
    return bounds


def _spool() -> BinaryIO:
    """A file without a name for a child's results: in memory where the system has that (Linux's memfd; no
    import of tempfile, which with what it imports costs a few ms before the fork), else a temporary file."""
    if hasattr(os, "memfd_create"):
        try:
            return open(os.memfd_create("socialops-results", os.MFD_CLOEXEC), "w+b")
        except OSError:  # no memfd in this kernel or sandbox
            pass
    import tempfile

    return tempfile.TemporaryFile()


def _fork_worker(work: Callable[[BinaryIO], Any], spool: BinaryIO) -> tuple[int, BinaryIO]:
    """Run `work(spool)` in a forked child that writes its results to `spool`, a file (a pipe would make it wait
    for this process to read): (pid, spool)."""
    global _in_worker
    pid = os.fork()
    if pid == 0:  # the child: leave without running the parent's exit handlers
        status, _in_worker = 1, True
        try:
            work(spool)
            spool.flush()
            status = 0
        finally:
            os._exit(status)
    return pid, spool


def _collect(pid: int, spool: BinaryIO) -> tuple[dict, Any]:
    """A child's results ({chunk's start: results}) and report, as far as it wrote them before it ended."""
    os.waitpid(pid, 0)
    done: dict = {}
    report = None
    with spool:
        spool.seek(0)
        try:
            while True:
                start, value = pickle.load(spool)
                if start is None:
                    report = value
                else:
                    done[start] = value
        except Exception:  # the end; or a child that died left a cut-off pickle: its chunks are done again
            pass
    return done, report
