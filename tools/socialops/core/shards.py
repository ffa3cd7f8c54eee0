"""Shards: one job of a matrix (`--shard I/N`) takes its part of the profiles."""

from __future__ import annotations

import re

from socialops.errors import UsageError


def parse_shard(text: str) -> tuple[int, int]:
    """'2/4' as (2, 4): the second of four shards."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise UsageError(f"--shard {text}: write I/N with 1 <= I <= N, e.g. --shard 2/4")
    return int(match.group(1)), int(match.group(2))


def shard_of(key: str, count: int) -> int:
    """The shard (1..count) of a key, the same on every machine and run (Python's hash() is not), and the same
    for a key whatever other keys exist: adding a brand moves no other brand to another shard."""
    import hashlib  # here: hashlib loads OpenSSL (a few ms), and most commands importing this module never shard

    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % count + 1
