"""The validation cache under .socialops/, and the warm path that answers from it alone.

A post's problems depend on its file, its media files and the configuration (profiles, schedule.yaml,
the repository's visibility), so each cached entry is kept with the size and mtime of all of those: a run
after a change checks only the posts it touched. Each full run also leaves a snapshot: its whole report,
and the size and mtime of every file it read. When nothing changed, `cached_report` finds the same
sizes and mtimes and answers with the snapshot's report, without importing the YAML parser or any rule:
that is what makes a second `socialops validate` of a large repository fast. Anything different, and it
returns None and the full validation runs. This module stays light: os, core.files and problems only.

The files are pickles written by core.files, not core.cache's (key, value) pairs: the post entries are
checked one by one against each file's stamp, the media facts outlive a change of the configuration, and
the snapshot's state (the stamps of the media it lists) can only be made after reading the snapshot.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from socialops import __version__
from socialops.core import cache, files
from socialops.core.files import file_key, load_pickle, save_pickle
from socialops.core.heap import no_cyclic_gc
from socialops.core.problems import ERROR, Problem, Report
from socialops.repository.git import find_posts

CACHE_FILE = ".socialops/cache/validate.pickle"
SNAPSHOT_FILE = ".socialops/cache/validate-report.pickle"
SCHEDULE_FILE = "schedule.yaml"  # as repository.schedule names it: importing it would slow the warm path
SNIPPETS_DIR = "snippets"  # as repository.snippets names it, for the same reason
WORKFLOWS_DIR = ".github/workflows"  # and the workflows that pass tokens, as profiles.wiring names them
TOKEN_WORKFLOWS = ("publish.yml", "comments.yml", "metrics.yml", "moderate.yml", "profiles.yml")
ENTRY_FORMAT = 2  # of Entry below: a cache of another format is not read
VISIBILITY_ENV = "GITHUB_REPOSITORY_VISIBILITY"  # validation warns about private repositories' media URLs

# An entry per post: (stat key, post id, problems (a tuple, () when none), the media files it uses and their stat
# keys as one flat tuple (file, key, file, key, ...), line of the id or None). Tuples of few objects: 100,000 of
# them are kept in memory at once.
Entry = tuple


def stat_key(root: Path, rel: str) -> int | None:
    """The file key (core.files.file_key) of a repository-relative file, or None."""
    return files.stat_key(f"{root}/{rel}")


def media_key(root: Path, rel: str, folders: dict) -> int | tuple | None:
    """A media file's key: its file key (links followed, as inspect_media reads it) and, when the file is not
    where its path says (it, or a folder on its way, is a link), where it really is; None when it is missing. A
    file moved out of the repository and replaced by a link to it keeps its size and mtime: only its real place
    tells that what inspect_media found of it (inside the repository or not) may have changed. `folders`: each
    folder's real place (and the repository's, under None), kept by the caller for one run."""
    path = f"{root}/{rel}"
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            return file_key(os.stat(path)), os.path.realpath(path)
    except OSError:
        return None
    folder, _, name = rel.rpartition("/")
    real = folders.get(folder)
    if real is None:
        base = folders.get(None)
        if base is None:
            base = folders[None] = os.path.realpath(root)
        real = folders[folder] = (os.path.realpath(f"{root}/{folder}"), f"{base}/{folder}" if folder else base)
    if real[0] == real[1]:
        return file_key(st)
    return file_key(st), f"{real[0]}/{name}"


def config_stamp(root: Path, env: dict | None = None) -> tuple:
    """Everything besides the posts that the rules read, by size and mtime: schedule.yaml, the workflows that
    pass tokens, every file under profiles/ (profile images included) and snippets/, the repository's
    visibility, and this version of socialops."""
    env = os.environ if env is None else env
    files = [(rel, stat_key(root, rel)) for rel in (SCHEDULE_FILE, *(f"{WORKFLOWS_DIR}/{n}" for n in TOKEN_WORKFLOWS))]
    for top in ("profiles", SNIPPETS_DIR):
        for folder, dirs, names in os.walk(root / top):
            dirs.sort()
            rel_folder = Path(folder).relative_to(root).as_posix()
            files += [(f"{rel_folder}/{name}", stat_key(root, f"{rel_folder}/{name}")) for name in sorted(names)]
    return (__version__, env.get(VISIBILITY_ENV, ""), tuple(files))


def load(root: Path, name: str = CACHE_FILE) -> dict:
    data = load_pickle(root / name)
    return data if isinstance(data, dict) else {}


def save(root: Path, data: dict, name: str = CACHE_FILE) -> None:
    save_pickle(root / name, data)  # a cache that cannot be written only costs time


def load_entries(root: Path) -> dict:
    """What save_entries wrote: its `data`, with the entries under "posts"; {} when missing or damaged."""
    found = cache.load_parts(root / CACHE_FILE, ENTRY_FORMAT)
    if found is None or not isinstance(found[0], dict):
        return {}
    return {**found[0], "posts": found[1]}


def save_entries(root: Path, data: dict, posts: dict[str, Entry]) -> None:
    cache.save_parts(root / CACHE_FILE, ENTRY_FORMAT, data, posts.items(), len(posts))  # if it fails: a cold run


def save_packed_entries(root: Path, data: dict, parts: list[bytes]) -> None:
    """save_entries for entries already pickled part by part (core.cache.pack_part)."""
    cache.save_packed(root / CACHE_FILE, ENTRY_FORMAT, data, parts)  # if it fails: a cold run


def snapshot_state(stamp: tuple, rels: list[str], keys: list[int | None], media_keys: dict[str, int | None]) -> tuple:
    """Everything a report depends on: the configuration's stamp, each post's path and file key (in the same
    order), each media file's. Equal states, equal reports. Kept as it is, not as a digest: comparing is exact
    and costs less than hashing. The paths are one text (one object to write and read back, where a pickle of
    100,000 strings keeps a memo of each); the keys a list of numbers (a pickle keeps no memo of numbers)."""
    return stamp, "\0".join(rels), keys, media_keys


def save_snapshot(root: Path, state: tuple, problems: list[Problem], config_files: int) -> None:
    save(root, {"state": state, "problems": problems, "config_files": config_files}, SNAPSHOT_FILE)


def fresh(root: Path, entry: Entry | None, key: int | None, dep_stats: dict, folders: dict) -> bool:
    """True when a post's entry still holds: the file and each media file it uses are unchanged (media_key;
    `dep_stats` keeps each media file's, `folders` each folder's real place, for one run)."""
    if entry is None or key is None or entry[0] != key:
        return False
    deps = entry[3]
    for i in range(0, len(deps), 2):
        dep = deps[i]
        if dep not in dep_stats:  # media files are often shared by posts: stat each once
            dep_stats[dep] = media_key(root, dep, folders)
        if dep_stats[dep] != deps[i + 1]:
            return False
    return True


def duplicate_problems(ids: dict[str, list[str]], wanted: set[str] | None, id_line) -> list[Problem]:
    """The repository-wide rule: each id belongs to one post. `id_line(rel)` gives the line of its id.
    `wanted`: the posts to report (None: all)."""
    out = []
    for post_id, where in ids.items():
        if len(where) > 1:
            for rel in where:
                if wanted is None or rel in wanted:
                    others = ", ".join(w for w in where if w != rel)
                    out.append(Problem(rel, id_line(rel), ERROR, "duplicate-id",
                                       f"the id '{post_id}' is also used by {others}; ids must be unique"))
    return out


def cached_report(root: Path, paths: list[str] | None = None, env: dict | None = None) -> Report | None:
    """The report from the cache alone, or None when anything it depends on changed."""
    with no_cyclic_gc():  # many small objects at once, no cycles
        return _cached_report(root, paths, env)


def _cached_report(root: Path, paths: list[str] | None, env: dict | None) -> Report | None:
    snapshot = load(root, SNAPSHOT_FILE)
    state = snapshot.get("state")
    if not (isinstance(state, tuple) and len(state) == 4 and isinstance(state[3], dict)):
        return None  # none yet, or not one this version wrote
    rels = find_posts(root)
    keys: list[int | None] = []
    base, stat, add = f"{root}/", os.stat, keys.append
    for rel in rels:  # not stat_key: one call less for each of 10,000 posts
        try:
            add(file_key(stat(base + rel)))
        except OSError:
            add(None)
    folders: dict = {}
    media_keys = {rel: media_key(root, rel, folders) for rel in state[3]}
    if snapshot_state(config_stamp(root, env), rels, keys, media_keys) != state:
        return None
    problems: list[Problem] = snapshot["problems"]  # sorted, for every post
    if paths is None:
        return Report(checked=len(rels) + snapshot["config_files"], problems=problems)
    posts = set(rels)
    wanted = set(paths) & posts
    return Report(checked=len(wanted) + snapshot["config_files"],
                  problems=[p for p in problems if p.path in wanted or p.path not in posts])
