"""One run at a time: the lock file a publish or comments run holds while it works."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from socialops.errors import LockError


@contextmanager
def run_lock(root: Path, relative: str, *, what: str, timeout: float) -> Iterator[None]:
    """Hold ``root/relative`` for the block; another ``what`` run waits up to ``timeout`` seconds, then
    LockError names the lock."""
    # Imported here: filelock 4 takes longer to import than publish's nothing-due run takes for all the rest.
    from filelock import FileLock, Timeout

    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise LockError(f"another {what} run holds {relative} (waited {timeout:.0f} s); let it finish and "
                        "run again") from None
    try:
        yield
    finally:
        lock.release()
