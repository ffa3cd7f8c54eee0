"""Scheduling facts that survive a fresh clone: what the index knows of each post, keyed by its path and
git blob id, kept on a branch of their own (``socialops-facts``) that a clone brings along.

Every scheduled publish run is a fresh clone: ``.socialops/`` (the local caches) is empty there. The facts
let it read only the posts whose content it has not seen: ``git ls-files`` gives every post's blob id in
one call, and an entry is used only for the exact (path, blob id) it names, so a post changed, added,
renamed or deleted since the facts were written is read from its file, and so is every file that differs
from git's index (edited, untracked) or that git does not store as its content (a symbolic link).

Why a branch and not a file on main: a pull request can change any file on main, but it cannot move
another branch; only the publish run (and people who may push) write it, and a push there never adds
commits to main's history. The branch holds one commit, replaced each time (force-pushed): two files,
``facts.json`` (the entries) and ``next-due.json`` (the nothing-due record, read without the entries). Both
are JSON and checked entry by entry: a damaged or foreign entry is a miss, never an error. An entry that
does not match its file can still not publish a post early: every due pair's post is read from its file
before it is claimed (``index.confirm``), and a disagreement sets all the facts aside for that run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from socialops import __version__
from socialops.repository import git as repo

BRANCH = "socialops-facts"
FACTS_NAME = "facts.json"
NEXT_DUE_NAME = "next-due.json"
_REGULAR_FILE = (b"100644", b"100755")


def clean_blobs(root: Path, paths: list[str], folder: str = "content") -> list[str | None] | None:
    """The blob id of each of `paths` (sorted repository-relative paths under `folder`, as find_posts gives
    them) whose working-tree content is exactly its blob in git's index: a tracked regular file, not edited,
    not flagged (assume-unchanged, skip-worktree), not in a merge conflict; None for the others. None when
    `root` is not a git work tree (or git fails). Git lists its files in the same order (by their bytes, which
    for UTF-8 is the order of the characters), so its listing is walked beside `paths` once, record by record:
    no table of every file it lists is made (for 100,000 posts that took 21 MB). A blob id is only ever given
    to the path git lists it for: where the orders differ (a name that is not UTF-8), a post only goes
    without its blob id, and is read from its file."""
    # `git status` refreshes the index's file stamps first (a copied or touched file whose content is the
    # same is then clean again); on a fresh clone the stamps are new and nothing is read.
    status = repo.git(root, "status", "--porcelain", "-z", "--untracked-files=no", "--ignore-submodules=all",
                      "--", folder, check=False)
    # as bytes: one copy of git's listing in memory (9 MB for 100,000 posts), not a second one decoded
    listed = repo.git(root, "ls-files", "-s", "-v", "-z", "--", folder, check=False, text=False)
    if status.returncode != 0 or listed.returncode != 0:
        return None
    changed = set()
    records = iter(status.stdout.split("\0"))
    for record in records:
        if len(record) > 3:
            changed.add(record[3:])
            if record[0] in "RC":  # a rename or copy names its source next
                changed.add(next(records, ""))
    del status
    data = listed.stdout
    del listed
    blobs: list[str | None] = [None] * len(paths)
    i, count, pos, size = 0, len(paths), 0, len(data)
    while pos < size and i < count:
        end = data.find(b"\0", pos)
        if end < 0:
            end = size
        tab = data.find(b"\t", pos, end)
        if tab >= 0:
            path = os.fsdecode(data[tab + 1:end])  # as os.scandir names files (find_posts)
            while i < count and paths[i] < path:
                i += 1
            if i < count and paths[i] == path and path not in changed:
                parts = data[pos:tab].split(b" ")
                # "H <mode> <blob> <stage>": H is a plain cached file (other tags: flags set on it); stage 0 is
                # merged (a file in conflict has stages 1-3 instead, and no blob here)
                if len(parts) == 4 and parts[0] == b"H" and parts[1] in _REGULAR_FILE and parts[3] == b"0":
                    blobs[i] = parts[2].decode()
        pos = end + 1
    return blobs


def to_fact(summary: Any) -> list:
    """A post's entry (an index.PostSummary with its blob id) as JSON values; index.from_fact reads it back."""
    return [summary.blob, summary.id, summary.status, list(summary.profiles), summary.publish_ts, summary.type,
            summary.pillar, summary.created, summary.title, summary.error, summary.repeat, summary.evergreen]


# The facts branches a clone has, best first: its own (this clone's latest), then origin's (what a fresh clone gets).
REFS = (f"refs/heads/{BRANCH}", f"refs/remotes/origin/{BRANCH}")


def _refs(root: Path) -> list[str]:
    """Every facts branch this clone has, its own first, then the remotes'."""
    found = repo.git(root, "for-each-ref", "--format=%(refname)", f"refs/heads/{BRANCH}",
                     f"refs/remotes/*/{BRANCH}", check=False)
    return sorted(found.stdout.split(), key=lambda ref: not ref.startswith("refs/heads/")) \
        if found.returncode == 0 else []


def cat_file(root: Path, names: list[str]) -> list[tuple[str, str, bytes] | None] | None:
    """(type, object id, content) of each git object name (``HEAD:content``, ``REF:facts.json``), None for one git
    does not have; None when git cannot answer (not a repository, no git). One `git cat-file --batch` for all."""
    import subprocess

    try:
        done = subprocess.run(["git", "cat-file", "--batch"], cwd=root, capture_output=True,
                              input="".join(f"{name}\n" for name in names).encode(), env={**os.environ, "LC_ALL": "C"})
    except OSError:  # no git
        return None
    if done.returncode != 0:
        return None
    out, pos, found = done.stdout, 0, []
    for _ in names:
        end = out.find(b"\n", pos)
        if end < 0:
            return None
        header = out[pos:end].split(b" ")
        pos = end + 1
        if len(header) == 3 and header[2].isdigit():  # "<id> <type> <size>", then the content
            size = int(header[2])
            found.append((header[1].decode(), header[0].decode(), out[pos:pos + size]))
            pos += size + 1
        else:  # "<name> missing" (or ambiguous)
            found.append(None)
    return found


def json_blob(found: tuple[str, str, bytes] | None) -> Any:
    """A blob of cat_file as JSON; None when it is missing, not a blob or not JSON."""
    if found is None or found[0] != "blob":
        return None
    try:
        return json.loads(found[2])
    except ValueError:
        return None


def _json_files(root: Path, refs: list[str] | tuple[str, ...], name: str) -> list[Any]:
    """The file `name` of each of `refs` as JSON (None where it is missing or unreadable)."""
    return [json_blob(f) for f in cat_file(root, [f"{ref}:{name}" for ref in refs]) or []] if refs else []


def _read_elsewhere(root: Path, name: str) -> list[Any]:
    """The file `name` of the facts branches of remotes by another name than origin, best first."""
    found = _json_files(root, [ref for ref in _refs(root) if ref not in REFS], name)
    return [f for f in found if f is not None]


def _read(root: Path, name: str) -> list[Any]:
    """A file of every facts branch as JSON, best first (unreadable ones left out). One git call where the
    branch is this clone's own or origin's."""
    found = _json_files(root, REFS, name)
    if all(f is None for f in found):
        return _read_elsewhere(root, name)
    return [f for f in found if f is not None]


def read_facts(root: Path, scope: str) -> dict[str, list]:
    """The shared entries {path: [blob id, *fields]} written for `scope` (this version and time zone)."""
    for data in _read(root, FACTS_NAME):
        if isinstance(data, dict) and data.get("scope") == [__version__, scope] and isinstance(data.get("posts"), dict):
            return data["posts"]
    return {}


def read_next_due(root: Path) -> list[dict]:
    """The nothing-due records of the facts branches, best first."""
    return [data for data in _read(root, NEXT_DUE_NAME) if isinstance(data, dict)]


def read_next_due_elsewhere(root: Path) -> list[dict]:
    """The nothing-due records of remotes by another name than origin (for a caller that read this clone's own
    and origin's already)."""
    return [data for data in _read_elsewhere(root, NEXT_DUE_NAME) if isinstance(data, dict)]


def write(root: Path, scope: str, posts: dict[str, list], next_due: dict, *, push: bool) -> bool:
    """Replace the facts branch with these entries and record (when they differ from what it holds), and
    push it to the current branch's remote. False when nothing was written or the push failed: the facts
    only save time, so no failure here stops a run."""
    files = {FACTS_NAME: json.dumps({"scope": [__version__, scope], "posts": posts}, separators=(",", ":"),
                                    ensure_ascii=False, sort_keys=True),
             NEXT_DUE_NAME: json.dumps(next_due, sort_keys=True)}
    try:
        blobs = {name: _hash(root, text) for name, text in files.items()}
        tree_text = "".join(f"100644 blob {blob}\t{name}\0" for name, blob in sorted(blobs.items()))
        tree = _run_input(root, ["mktree", "-z"], tree_text)
        refs = _refs(root)
        if refs and repo.git(root, "rev-parse", f"{refs[0]}^{{tree}}", check=False).stdout.strip() == tree:
            return False
        commit = repo.git(root, "-c", "commit.gpgsign=false", "commit-tree", tree, "-m",
                          "socialops: scheduling facts (written by publish; see repository/facts.py)",
                          env=repo.identity_env(root)).stdout.strip()
        repo.git(root, "update-ref", f"refs/heads/{BRANCH}", commit)
    except (OSError, repo.GitError):
        return False
    where = repo.upstream(root) if push else None
    if where is None:
        return True
    pushed = repo.git(root, "push", "--quiet", "--force", where[0], f"{commit}:refs/heads/{BRANCH}", check=False,
                      env=repo.remote_auth_env(os.environ))
    return pushed.returncode == 0


def _hash(root: Path, text: str) -> str:
    return _run_input(root, ["hash-object", "-w", "--stdin"], text)


def _run_input(root: Path, args: list[str], text: str) -> str:
    import subprocess

    done = subprocess.run(["git", *args], cwd=root, input=text.encode(), capture_output=True,
                          env={**os.environ, "LC_ALL": "C"})
    if done.returncode != 0:
        raise repo.GitError(f"git {args[0]} failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout.decode().strip()
