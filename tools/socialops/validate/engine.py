"""The engine: the rules of posts, profiles and the plan run over the whole repository -> a Report, every
problem at once, with lines.

A post's own problems depend only on its file, its media files and the configuration (profiles and
schedule.yaml), so they are cached under .socialops/ keyed by size and mtime of each of those, and by a
fingerprint of the configuration. Repository-wide rules (duplicate ids) run on every call. A cold run over
a large repository checks posts in forked processes.
"""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path
from typing import Any

from socialops import __version__
from socialops.core import workers
from socialops.core.cache import pack_part
from socialops.core.heap import no_cyclic_gc
from socialops.core.problems import ERROR, Problem, Report, sort_problems
from socialops.errors import ContentError
from socialops.repository.config import Config, load_config
from socialops.repository.git import find_posts
from socialops.repository.media import MEDIA_FACTS, inspect_media, load_image_reader, media_paths
from socialops.repository.posts import load_post
from socialops.repository.profiles import find_profiles
from socialops.repository.schedule import SCHEDULE_FILE
from socialops.validate import cache as validatecache
from socialops.validate.brands import brand_plan_problems
from socialops.validate.cache import config_stamp, duplicate_problems, fresh, media_key, stat_key
from socialops.validate.posts import post_problems
from socialops.validate.profiles import profile_problems
from socialops.validate.schedule import schedule_problems
from socialops.validate.snippets import snippet_problems
from socialops.validate.utm import utm_config_problems
from socialops.validate.wiring import wiring_problems


def config_problems(config: Config) -> list[Problem]:
    """The rules of schedule.yaml, of every profile, and of the workflows' token secrets."""
    return schedule_problems(config) + brand_plan_problems(config) + [
        p for profile in config.profiles.values() for p in profile_problems(profile, config.root)
    ] + wiring_problems(config) + snippet_problems(config) \
        + utm_config_problems(config)


def config_fingerprint(config: Config) -> str:
    """What every post's problems depend on besides its own files: the configuration's content (snippets too), the
    repository's visibility and this version of socialops. A cached post entry holds for one fingerprint. Kept as
    the text itself, not a digest of it: comparing is exact, and a cold run need not load OpenSSL (hashlib) for it."""
    parts = [f"{__version__} {validatecache.ENTRY_FORMAT}", os.environ.get(validatecache.VISIBILITY_ENV, ""),
             repr(sorted(config.schedule.raw.items(), key=str))]
    for profile in config.profiles.values():
        parts.append(profile.path + repr(sorted(profile.raw.items(), key=str)))
    for snippet in config.snippets.values():  # posts are checked with their snippets expanded
        parts.append(snippet.path + repr((snippet.text, sorted(snippet.raw.items(), key=str))))
    return "\0".join(parts)


# --- the whole repository ------------------------------------------------------------------------------


def _check_one(root: Path, rel: str, config: Config, media_cache: dict,
               media_memo: dict | None = None, places: dict | None = None,
               folders: dict | None = None) -> validatecache.Entry:
    """The cache entry of one post file (validate.cache.Entry); the line of its id is looked up only for a
    duplicate. `media_memo` keeps what was found of each media file for the rest of a run (posts share media),
    `places` where each of their folders really is (repository.media.inspect_media), `folders` the same for
    their keys (validate.cache.media_key)."""
    try:
        post = load_post(root, rel)
    except ContentError as exc:
        return stat_key(root, rel), None, (Problem(rel, exc.line or 1, ERROR, "unreadable", exc.message),), (), None
    deps: list = []
    stats: dict[str, Any] = {}
    memo = {} if media_memo is None else media_memo
    for media_rel in sorted(media_paths(post)):
        found = memo.get(media_rel)
        if found is None:
            found = memo[media_rel] = _media_facts(root, media_rel, media_cache, places,
                                                   {} if folders is None else folders)
        deps += found[:2]
        stats[found[0]] = found[2]
    problems = post_problems(post, config, stats)
    return post.file_key, post.id, tuple(problems) if problems else (), tuple(deps), None


def _media_facts(root: Path, rel: str, media_cache: dict, places: dict | None,
                 folders: dict) -> tuple[str, int | tuple | None, dict]:
    """(the path, as one string for all its posts; its key (validate.cache.media_key); what inspect_media finds
    in it), from the cache when the file is unchanged and where it was."""
    rel = sys.intern(rel)
    key = media_key(root, rel, folders)
    cached = media_cache.get(rel)
    if key is not None and cached is not None and cached[0] == key:
        return rel, key, cached[1]
    info = inspect_media(root, rel, places)
    if key is not None:
        media_cache[rel] = (key, info)
    return rel, key, info


def _check_many(root: Path, rels: list[str], config: Config, media_cache: dict, packed: list | None = None) -> list:
    """The entries of these posts; when there are many (a cold run over a large repository), checked in forked
    processes and this one together (core.workers). Each child sends back the media it inspected, for the cache.
    `packed`: given on a run that then saves every entry (a cold one), each chunk's entries are also pickled as
    a part of the cache file (core.cache.pack_part) where they were made, in the workers as in this process,
    and added to it in order; a child sends that part alone (its entries are read back from it)."""
    media_memo: dict = {}
    places: dict = {}  # for this run only: a folder can become a link before the next
    folders: dict = {}  # the same, for the media files' keys
    known = set(media_cache)

    if not media_cache and workers.can_fork(len(rels)):  # a cold run of many posts: their images are read anew
        load_image_reader()

    def check_part(part: list[str]) -> tuple[list | None, bytes | None]:
        entries = [_check_one(root, rel, config, media_cache, media_memo, places, folders) for rel in part]
        if packed is None:
            return entries, None
        data = pack_part(dict(zip(part, entries, strict=True)))
        return None if workers.in_worker() else entries, data

    parts, reports = workers.map_parts(check_part, rels,
                                       report=lambda: {k: v for k, v in media_cache.items() if k not in known})
    for new_media in reports:
        media_cache.update(new_media)
    checked: list = []
    for entries, data in parts:
        checked.extend(entries if entries is not None else pickle.loads(data).values())
        if packed is not None:
            packed.append(data)
    return checked


def validate_repository(root: Path, paths: list[str] | None = None, *, use_cache: bool = True) -> Report:
    """Check the repository. `paths` limits the per-file rules to those files (repository-relative);
    profiles, the plan and duplicate ids are always checked."""
    # The cache holds an entry per post: no cyclic GC while it is loaded and walked (nothing here makes cycles),
    # and what is made meanwhile is frozen, else the collector's first pass after (and the one at exit) walks it.
    with no_cyclic_gc(freeze=True):
        return _validate_repository(root, paths, use_cache)


def _validate_repository(root: Path, paths: list[str] | None, use_cache: bool) -> Report:
    stamp = config_stamp(root)
    unreadable: list[Problem] = []
    config = load_config(root, unreadable)
    fingerprint = config_fingerprint(config)
    all_posts = find_posts(root)
    cache = validatecache.load_entries(root) if use_cache else {}
    same_config = cache.get("fingerprint") == fingerprint
    entries: dict = cache.get("posts", {}) if same_config else {}
    media_cache: dict = cache.get("media", {}) if cache.get("media_facts") == MEDIA_FACTS else {}
    del cache
    dep_stats: dict = {}
    folders: dict = {}
    stale = [rel for rel in all_posts if not fresh(root, entries.get(rel), stat_key(root, rel), dep_stats, folders)] \
        if entries else all_posts
    known = len(entries)
    packed: list | None = [] if use_cache and not entries else None  # a cold run: every entry is saved
    checked = _check_many(root, stale, config, media_cache, packed)
    if entries:  # in the posts' order (the snapshot's state depends on it), without those of deleted posts
        entries.update(zip(stale, checked, strict=True))
        new_entries = {rel: entries[rel] for rel in all_posts}
    else:
        new_entries = dict(zip(stale, checked, strict=True))
    del entries, checked  # 100,000 entries are held once
    first: dict[str, str] = {}  # the first post with each id
    shared: dict[str, list[str]] = {}  # the ids of more than one post, with all of theirs
    problems = unreadable + config_problems(config)  # and of every post: the snapshot keeps them all
    uses: dict = {}  # the posts' media files with their stat keys, each different tuple once (posts share media)
    for rel, entry in new_entries.items():
        if entry[1] is not None and first.setdefault(entry[1], rel) is not rel:
            shared.setdefault(entry[1], [first[entry[1]]]).append(rel)
        if entry[2]:
            problems.extend(entry[2])
        if entry[3]:
            uses[entry[3]] = None
    del first
    media_keys: dict = {}  # every media file a post uses, with its stat key
    for deps in uses:
        media_keys.update(zip(deps[::2], deps[1::2], strict=True))
    del uses
    lined: dict = {}  # the entries given the line of their id below

    def id_line(rel: str) -> int:
        entry = new_entries[rel]
        if entry[4] is None:
            new_entries[rel] = lined[rel] = (*entry[:4], _id_line(root, rel))
        return new_entries[rel][4]

    problems = sort_problems(problems + duplicate_problems(shared, None, id_line))
    config_files = len(find_profiles(root)) + (1 if (root / SCHEDULE_FILE).exists() else 0)
    if use_cache:
        if stale or lined or len(new_entries) != known or not same_config:
            head = {"fingerprint": fingerprint, "media": media_cache, "media_facts": MEDIA_FACTS}
            if packed is not None:  # the parts made with the entries, and last those given a line since
                validatecache.save_packed_entries(root, head, [*packed, pack_part(lined)])
            else:
                validatecache.save_entries(root, head, new_entries)
        media_keys = dict(sorted(media_keys.items()))
        state = validatecache.snapshot_state(stamp, list(new_entries), [entry[0] for entry in new_entries.values()],
                                             media_keys)
        validatecache.save_snapshot(root, state, problems, config_files)
    if paths is None:
        return Report(checked=len(all_posts) + config_files, problems=problems)
    wanted = set(paths) & set(all_posts)
    return Report(checked=len(wanted) + config_files,
                  problems=[p for p in problems if p.path in wanted or p.path not in new_entries])


def _id_line(root: Path, rel: str) -> int:
    try:
        return load_post(root, rel).line("id")
    except ContentError:
        return 1
