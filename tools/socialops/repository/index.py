"""A fast summary of every post, for commands that scan them all (publish, plan, calendar).

Parsing YAML is the expensive part of reading posts, so each post's summary is cached under
.socialops/cache keyed by the file's size and mtime (and the plan's timezone, which naive times are
read in). A warm load of 100,000 posts is one pickle load plus one stat per file.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

from socialops.core import cache
from socialops.errors import ContentError
from socialops.repository.git import find_posts
from socialops.repository.posts import load_post, parse_when

CACHE_FILE = ".socialops/cache/index.pickle"
_VERSION = 2


class PostSummary(NamedTuple):
    # A named tuple, not a dataclass: the warm cache of 100,000 summaries loads several times faster.
    path: str
    id: str | None
    status: str
    profiles: tuple[str, ...]
    publish_ts: float | None  # UTC epoch seconds; None when left out (queue) or unreadable
    type: str
    pillar: str | None
    created: str | None
    title: str
    error: str | None = None  # why the file or its time cannot be read; such posts are never published

    @property
    def queued(self) -> bool:
        return self.publish_ts is None and self.error is None


def summarize(root: Path, rel: str, tz: ZoneInfo) -> PostSummary:
    try:
        post = load_post(root, rel)
    except ContentError as exc:
        return PostSummary(rel, None, "draft", (), None, "text", None, None, Path(rel).stem, error=str(exc))
    error = None
    ts = None
    try:
        moment = parse_when(post.raw.get("publish_at"), tz)
        ts = moment.timestamp() if moment else None
    except ValueError as exc:
        error = f"{rel}:{post.line('publish_at')}: {exc}"
    created = post.raw.get("created")
    return PostSummary(
        path=rel, id=post.id, status=post.status, profiles=tuple(post.profiles), publish_ts=ts, type=post.type,
        pillar=post.pillar, created=str(created) if created is not None else None, title=post.title, error=error,
    )


def load_index(root: Path, tz: ZoneInfo, *, use_cache: bool = True) -> list[PostSummary]:
    """Summaries of every post under content/, in path order."""
    # Loading 100,000 cached summaries makes hundreds of thousands of objects at once; the cyclic garbage
    # collector would walk the growing heap again and again meanwhile (there are no cycles here to collect).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _load_index(root, tz, use_cache)
    finally:
        if was_enabled:
            gc.enable()


def _load_index(root: Path, tz: ZoneInfo, use_cache: bool) -> list[PostSummary]:
    cache_path, cache_key = root / CACHE_FILE, (_VERSION, tz.key)
    entries: dict = (cache.load(cache_path, cache_key) or {}) if use_cache else {}
    out: list[PostSummary] = []
    fresh: dict = {}
    changed = False
    base = str(root)
    for rel in find_posts(root):
        try:
            st = os.stat(f"{base}/{rel}")
            key = (st.st_size, st.st_mtime_ns)
        except OSError:
            continue
        entry = entries.get(rel)
        if entry is None or entry[0] != key:
            entry = (key, summarize(root, rel, tz))
            changed = True
        fresh[rel] = entry
        out.append(entry[1])
    if use_cache and (changed or len(fresh) != len(entries)):
        cache.save(cache_path, cache_key, fresh)
    return out
