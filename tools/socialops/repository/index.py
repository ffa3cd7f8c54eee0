"""A fast summary of every post, for commands that scan them all (publish, plan, calendar).

Parsing YAML is the expensive part of reading posts, so each post's summary is cached under
.socialops/cache (with the plan's timezone, which naive times are read in), keyed in a git work tree by the
file's blob id in git's index (one `git ls-files` for all posts, no stat per file), else, and for files
edited or not in git, by size and mtime. A post this clone has not read may be known from the shared
facts (repository/facts.py: what a fresh clone finds); the rest are read, in forked workers when many.
"""

from __future__ import annotations

import functools
from array import array
from pathlib import Path
from sys import intern
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from socialops.core import cache, workers
from socialops.core.files import stat_key
from socialops.core.heap import no_cyclic_gc
from socialops.core.times import parse_when
from socialops.errors import ContentError
from socialops.repository import facts, recurrence
from socialops.repository.git import find_posts
from socialops.repository.posts import load_post
from socialops.repository.schedule import Zones

CACHE_FILE = ".socialops/cache/index.pickle"
SHARED = "shared"  # an entry's key is (SHARED, blob id) when it came from the shared facts
_VERSION = 5  # 4: repeat and evergreen; 5: saved in parts, size and mtime as one number


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
    blob: str | None = None  # the git blob id of the file's content, when git's index has it unchanged
    repeat: str | None = None  # a recurring post's rule (repository.recurrence), canonical text
    evergreen: int | None = None  # an evergreen post's interval in days
    not_before: tuple[float, ...] | None = None  # never in the index: see plan.recurring

    @property
    def queued(self) -> bool:
        return self.publish_ts is None and self.error is None


def summarize(root: Path, rel: str, tz: ZoneInfo | Zones) -> PostSummary:
    try:
        post = load_post(root, rel)
    except ContentError as exc:
        return PostSummary(rel, None, "draft", (), None, "text", None, None, Path(rel).stem, error=str(exc))
    error = None
    ts = None
    moment = None
    zone = tz.for_path(rel) if isinstance(tz, Zones) else tz
    try:
        moment = parse_when(post.raw.get("publish_at"), zone)
        ts = moment.timestamp() if moment else None
    except ValueError as exc:
        error = f"{rel}:{post.line('publish_at')}: {exc}"
    repeat, evergreen = None, None
    if error is None and ("repeat" in post.raw or "evergreen" in post.raw):
        try:
            repeat, evergreen = recurrence.post_rules(post.raw, moment, zone)
        except recurrence.RuleError as exc:
            error = f"{rel}:{post.line(*exc.keys)}: {exc.message}"
    created = post.raw.get("created")
    # The few values many posts share (status, type, pillar, profile ids) are interned: one string each,
    # also across the workers' pickles, keeps a 100,000-post index small.
    return PostSummary(
        path=rel, id=post.id, status=intern(post.status), profiles=_shared(tuple(map(intern, post.profiles))),
        publish_ts=ts,
        type=intern(post.type), pillar=intern(post.pillar) if post.pillar else None, created=str(created) if created is not None else None, title=post.title, error=error,
        repeat=repeat, evergreen=evergreen,
    )


@functools.lru_cache(maxsize=10_000)
def _shared(profiles: tuple[str, ...]) -> tuple[str, ...]:
    """One tuple for all the posts with the same profiles, the first one asked for (a repository has few such
    sets: 100,000 tuples were 6 MB)."""
    return profiles


def load_index(root: Path, tz: ZoneInfo | Zones, *, use_cache: bool = True, shared: bool = True) -> list[PostSummary]:
    """Summaries of every post under content/, in path order. ``tz``: the plan's timezone, or its Zones (the
    brands' own, for naive times in their folders). ``shared``: use the facts other clones wrote
    (repository/facts.py) for posts this one has not read yet."""
    # Loading 100,000 cached summaries makes hundreds of thousands of objects at once, none in a cycle.
    with no_cyclic_gc():
        return _load_index(root, tz, use_cache, shared)


def _load_index(root: Path, tz: ZoneInfo | Zones, use_cache: bool, shared: bool) -> list[PostSummary]:
    cache_path, cache_key = root / CACHE_FILE, (_VERSION, tz.key)
    found = cache.load_parts(cache_path, cache_key) if use_cache else None
    entries: dict = found[1] if found is not None else {}
    del found
    # In a git work tree a post is known by its blob id (no stat per file); edited and untracked files, and
    # everything outside git, by size and mtime.
    all_posts = find_posts(root)
    blobs = facts.clean_blobs(root, all_posts) if use_cache else None  # each post's blob id, or None
    known: dict | None = None  # the shared facts, read at the first post this clone has not seen
    out: list[PostSummary | None] = []
    rels: list[str] = []
    keys: list = []  # each post's, beside `rels` (not a pair each: 100,000 pairs are 6 MB)
    unread = array("l")  # the places of the posts to read (not 100,000 int objects)
    used_shared = False
    base = str(root)
    for n, rel in enumerate(all_posts):
        blob = blobs[n] if blobs is not None else None
        if blob is not None:
            key: Any = blob
        else:
            key = stat_key(f"{base}/{rel}")
            if key is None:
                continue
        entry = entries.get(rel)
        summary = None
        if entry is not None and (entry[0] == key or (shared and entry[0] == (SHARED, key))):
            key, summary = entry
        elif blob is not None and shared:
            if known is None:
                known = facts.read_facts(root, tz.key)
            summary = from_fact(rel, blob, known.pop(rel, None))  # popped: the JSON is freed as it is used
            if summary is not None:
                key = (SHARED, blob)  # kept apart from what this clone read itself: see confirm()
                used_shared = True
        if summary is None:
            unread.append(len(out))
        out.append(summary)
        rels.append(rel)
        keys.append(key)
    del all_posts, blobs, known  # 100,000 blob ids (each kept in `keys`): gone before the posts are read
    if unread:
        read = summarize_many(root, rels if len(unread) == len(rels) else [rels[i] for i in unread], tz)
        if len(read) != len(unread):
            raise ValueError("summarize_many gave another number of summaries")
        for n, i in enumerate(unread):
            key, summary = keys[i], read[n]
            read[n] = None  # let go as it is replaced: 100,000 summaries are not held twice
            # the path as this process has it, and the few values many posts share as one object each (a
            # worker's pickle brings its own copies)
            out[i] = summary._replace(path=rels[i], status=intern(summary.status), type=intern(summary.type),
                                      profiles=_shared(tuple(map(intern, summary.profiles))),
                                      blob=key if isinstance(key, str) else None)
        del read
    summaries: list[PostSummary] = out  # type: ignore[assignment]  # every None was filled above
    if use_cache and (unread or used_shared or len(keys) != len(entries)):
        cache.save_parts(cache_path, cache_key, None,
                         zip(rels, zip(keys, summaries, strict=True), strict=True), len(keys))
    return summaries


def summarize_many(root: Path, rels: list[str], tz: ZoneInfo | Zones) -> list[PostSummary]:
    """summarize() of each path, in forked workers when there are many (a cold index of a large repository)."""
    return workers.map_chunks(lambda rel: summarize(root, rel, tz), rels)


# --- shared facts: a summary as JSON, checked field by field ---------------------------------------------


def _opt_str(value: Any) -> bool:
    return value is None or type(value) is str


def from_fact(rel: str, blob: str, fact: Any) -> PostSummary | None:
    """The summary an entry gives for the post at `rel` with content `blob`, or None when the entry is for
    other content (or other path), or is not exactly the shape to_fact writes."""
    if type(fact) is not list or len(fact) != 12 or fact[0] != blob:
        return None
    _, post_id, status, profiles, ts, kind, pillar, created, title, error, repeat, evergreen = fact
    if not (_opt_str(post_id) and type(status) is str and type(profiles) is list
            and all(type(p) is str for p in profiles) and (ts is None or type(ts) in (int, float))
            and type(kind) is str and _opt_str(pillar) and _opt_str(created) and type(title) is str
            and _opt_str(error) and _opt_str(repeat) and (evergreen is None or type(evergreen) is int)):
        return None
    return PostSummary(rel, post_id, status, tuple(profiles), float(ts) if ts is not None else None, kind, pillar,
                       created, title, error, blob, repeat, evergreen)


def confirm(root: Path, tz: ZoneInfo | Zones, summaries: list[PostSummary], paths: set[str]) -> bool:
    """Do the summaries of these paths say what their files say? (Before a due pair is claimed: a shared
    fact that does not match its file must not publish anything.)"""
    return all(summarize(root, s.path, tz) == s._replace(blob=None) for s in summaries if s.path in paths)
