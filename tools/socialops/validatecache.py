"""The validation cache under .socialops/, and the warm path that answers from it alone.

A post's problems depend on its file, its media files and the configuration (profiles, schedule.yaml,
the repository's visibility), so each cached entry is kept with the size and mtime of all of those. When
nothing changed, `cached_report` answers without importing the YAML parser or any rule: that is what
makes a second `socialops validate` of a large repository fast. Anything stale, and it returns None and
the full validation runs (and rewrites the cache). This module stays light: os, pickle and problems only.
"""

from __future__ import annotations

import gc
import os
import pickle
from pathlib import Path
from typing import Any

from . import __version__
from .problems import ERROR, Problem, Report, sort_problems
from .repo import find_posts

CACHE_FILE = ".socialops/cache/validate.pickle"
SCHEDULE_FILE = "schedule.yaml"
VISIBILITY_ENV = "GITHUB_REPOSITORY_VISIBILITY"  # validation warns about private repositories' media URLs

# An entry per post: (stat key, post id, problems, {media file: stat key}, line of the id or None)
Entry = tuple


def stat_key(root: Path, rel: str) -> tuple | None:
    try:
        st = os.stat(f"{root}/{rel}")
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def config_stamp(root: Path, env: dict | None = None) -> tuple:
    """Everything besides the posts that the rules read, by size and mtime: schedule.yaml and every file
    under profiles/ (profile images included), the repository's visibility, and this version of socialops."""
    env = os.environ if env is None else env
    files = [(SCHEDULE_FILE, stat_key(root, SCHEDULE_FILE))]
    for folder, dirs, names in os.walk(root / "profiles"):
        dirs.sort()
        rel_folder = Path(folder).relative_to(root).as_posix()
        files += [(f"{rel_folder}/{name}", stat_key(root, f"{rel_folder}/{name}")) for name in sorted(names)]
    return (__version__, env.get(VISIBILITY_ENV, ""), tuple(files))


def load(root: Path) -> dict:
    try:
        with open(root / CACHE_FILE, "rb") as fh:
            data = pickle.load(fh)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, IndexError, TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save(root: Path, data: dict) -> None:
    path = root / CACHE_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs time


def fresh(root: Path, entry: Entry | None, key: tuple | None, dep_stats: dict) -> bool:
    """True when a post's entry still holds: the file and each media file it uses are unchanged."""
    if entry is None or key is None or entry[0] != key:
        return False
    for dep, dep_key in entry[3].items():
        if dep not in dep_stats:  # media files are often shared by posts: stat each once
            dep_stats[dep] = stat_key(root, dep)
        if dep_stats[dep] != dep_key:
            return False
    return True


def duplicate_problems(ids: dict[str, list[str]], wanted: set[str], id_line) -> list[Problem]:
    """The repository-wide rule: each id belongs to one post. `id_line(rel)` gives the line of its id."""
    out = []
    for post_id, where in ids.items():
        if len(where) > 1:
            for rel in where:
                if rel in wanted:
                    others = ", ".join(w for w in where if w != rel)
                    out.append(Problem(rel, id_line(rel), ERROR, "duplicate-id",
                                       f"the id '{post_id}' is also used by {others}; ids must be unique"))
    return out


def cached_report(root: Path, paths: list[str] | None = None, env: dict | None = None) -> Report | None:
    """The report from the cache alone, or None when anything it depends on changed."""
    was_enabled = gc.isenabled()
    gc.disable()  # many small objects at once, no cycles: the collector would only walk them
    try:
        return _cached_report(root, paths, env)
    finally:
        if was_enabled:
            gc.enable()


def _cached_report(root: Path, paths: list[str] | None, env: dict | None) -> Report | None:
    cache = load(root)
    if not cache or cache.get("stamp") != config_stamp(root, env):
        return None
    entries: dict[str, Any] = cache.get("posts", {})
    all_posts = find_posts(root)
    if len(all_posts) != len(entries):
        return None
    dep_stats: dict = {}
    for rel in all_posts:
        if not fresh(root, entries.get(rel), stat_key(root, rel), dep_stats):
            return None
    wanted = set(all_posts) if paths is None else set(paths) & set(all_posts)
    problems = list(cache.get("config_problems", []))
    ids: dict[str, list[str]] = {}
    for rel in all_posts:
        entry = entries[rel]
        if entry[1] is not None:
            ids.setdefault(entry[1], []).append(rel)
        if rel in wanted:
            problems.extend(entry[2])
    duplicates = [rel for where in ids.values() if len(where) > 1 for rel in where if rel in wanted]
    if any(entries[rel][4] is None for rel in duplicates):
        return None  # the id's line is not known yet: the full run finds it
    problems += duplicate_problems(ids, wanted, lambda rel: entries[rel][4])
    return Report(checked=len(wanted) + cache.get("config_files", 0), problems=sort_problems(problems))
