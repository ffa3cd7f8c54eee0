"""The repository on disk: finding it and its posts, which files changed since a git ref, and committing
and pushing the workflows' own files.

subprocess, tempfile, shutil, random and base64 load inside the functions that run git: validate's warm path
imports this module (for find_posts) and runs no git.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from socialops.errors import ConfigError, GitError, UsageError

if TYPE_CHECKING:
    import subprocess

MARKERS = ("schedule.yaml", "profiles")


def find_root(start: Path | None = None) -> Path:
    """The nearest folder upwards from `start` that holds schedule.yaml or profiles/."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if any((folder / marker).exists() for marker in MARKERS):
            return folder
    raise ConfigError(
        f"no socialops repository here ({here}): no schedule.yaml or profiles/ in this folder or above it; "
        "run the command inside the repository or pass --repo PATH"
    )


def find_posts(root: Path) -> list[str]:
    """Every post file under content/, as sorted repository-relative paths (symlinked folders not followed).

    Here, not in repository.posts: validate's warm path lists the posts without loading the YAML parser."""
    found: list[str] = []
    stack = ["content"]
    base = str(root)
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(f"{base}/{folder}"))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append(f"{folder}/{name}")
            elif name.endswith(".md") and name.lower() != "readme.md":
                found.append(f"{folder}/{name}")
    found.sort()
    return found


def git(root: Path, *args: str, check: bool = True, env: dict | None = None,
        text: bool = True) -> subprocess.CompletedProcess:
    """Run git in `root`. Output is captured (as bytes when not `text`); errors become GitError with git's own
    words."""
    import subprocess

    run_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    if env:
        run_env.update(env)
    try:
        result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=text, env=run_env)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    if check and result.returncode != 0:
        said = result.stderr.strip() or result.stdout.strip()
        raise GitError(f"git {args[0]} failed: {said if text else said.decode(errors='replace')}")
    return result


def changed_since(root: Path, ref: str) -> list[str]:
    """Repository-relative paths added, changed or deleted since `ref` (committed, staged, or in the work tree,
    and new untracked files)."""
    if ref.startswith("-"):
        raise UsageError(f"'{ref}' is not a git ref")
    probe = git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    if probe.returncode != 0:
        raise UsageError(
            f"--changed-since: git does not know '{ref}'; fetch it first (e.g. git fetch origin main) "
            "or name a branch, tag or commit that exists"
        )
    # --relative and ls-files both give paths relative to `root`, limited to it.
    diff = git(root, "diff", "--relative", "--name-only", "--no-renames", "--diff-filter=ACDMRT", "-z", ref).stdout
    untracked = git(root, "ls-files", "--others", "--exclude-standard", "-z").stdout
    return sorted({n for n in diff.split("\0") if n} | {n for n in untracked.split("\0") if n})


# --- committing and pushing the workflows' own files (ledgers, metrics) --------------------------------
#
# These run while a publisher may be killed at any moment. Git's output goes to files, not pipes, so a
# git command outlives a killed parent and finishes (a pipe would kill it half-way with SIGPIPE); what a
# git command killed some other way leaves behind (index.lock, a rebase in progress) is waited for, and
# cleaned up when socialops started it.

BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"
REBASE_MARKER = "socialops-rebase"


def git_detached(root: Path, *args: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    """Like `git`, but the output goes through temporary files, so the command completes even when this
    process is killed while it runs."""
    import subprocess
    import tempfile

    run_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    if env:
        run_env.update(env)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            code = subprocess.run(["git", *args], cwd=root, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                  env=run_env).returncode
        except FileNotFoundError:
            raise GitError("git is not installed") from None
        out.seek(0)
        err.seek(0)
        result = subprocess.CompletedProcess(["git", *args], code, out.read().decode(errors="replace"),
                                             err.read().decode(errors="replace"))
    if check and code != 0:
        raise GitError(f"git {args[0]} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result


def is_work_tree(root: Path) -> bool:
    """Is `root` inside a git work tree?"""
    probe = git(root, "rev-parse", "--is-inside-work-tree", check=False)
    return probe.returncode == 0 and probe.stdout.strip() == "true"


def identity_env(root: Path) -> dict[str, str]:
    """Environment for commits: the configured identity when there is one, else the GitHub Actions bot
    (a fresh runner or a laptop without `git config user.email` can still commit)."""
    env: dict[str, str] = {}
    has_name = bool(os.environ.get("GIT_AUTHOR_NAME")) or git(root, "config", "user.name", check=False).stdout.strip()
    has_email = bool(os.environ.get("GIT_AUTHOR_EMAIL") or os.environ.get("EMAIL")) or git(
        root, "config", "user.email", check=False).stdout.strip()
    if not has_name:
        env.update(GIT_AUTHOR_NAME=BOT_NAME, GIT_COMMITTER_NAME=BOT_NAME)
    if not has_email:
        env.update(GIT_AUTHOR_EMAIL=BOT_EMAIL, GIT_COMMITTER_EMAIL=BOT_EMAIL)
    return env


def _git_dir(root: Path) -> Path:
    return Path(git(root, "rev-parse", "--absolute-git-dir").stdout.strip())


def wait_for_git_lock(root: Path, timeout: float = 10.0, poll: float = 0.05) -> None:
    """Wait while another git command holds the index lock; a lock that outlives `timeout` is reported
    (it is left by a git command that was killed: remove .git/index.lock if no git command runs)."""
    lock = _git_dir(root) / "index.lock"
    deadline = time.monotonic() + timeout
    while lock.exists():
        if time.monotonic() > deadline:
            raise GitError(
                f"{lock} has existed for more than {timeout:.0f} s: a git command was interrupted. If no git "
                "command is running in this repository, delete that file and run again"
            )
        time.sleep(poll)


def settle(root: Path, timeout: float = 10.0, poll: float = 0.05) -> None:
    """Before the publisher touches git: wait for git commands of a killed run to finish; a rebase that
    socialops started and that was cut short is aborted (the local commits are kept, stashed changes
    restored). A rebase a person started is left to them."""
    import shutil

    wait_for_git_lock(root, timeout, poll)
    git_dir = _git_dir(root)
    busy = [git_dir / "rebase-merge", git_dir / "rebase-apply"]
    deadline = time.monotonic() + timeout
    while any(p.exists() for p in busy) and time.monotonic() < deadline:
        time.sleep(poll)
    marker = git_dir / REBASE_MARKER
    left = [p for p in busy if p.exists()]
    if left:
        if not marker.exists():
            raise GitError("a rebase is in progress in this repository: finish it (git rebase --continue) or "
                           "abort it (git rebase --abort), then run again")
        git_detached(root, "rebase", "--abort", check=False)
        for folder in (p for p in busy if p.exists()):
            # Cut short before git wrote its own state: only the autostash (if any) needs saving.
            stash = folder / "autostash"
            sha = stash.read_text().strip() if stash.exists() else ""
            shutil.rmtree(folder, ignore_errors=True)
            if sha and git_detached(root, "stash", "apply", "--quiet", sha, check=False).returncode != 0:
                git_detached(root, "stash", "store", "-m", "socialops: changes of an interrupted rebase", sha,
                             check=False)
        wait_for_git_lock(root, timeout, poll)
    marker.unlink(missing_ok=True)


def commit_paths(root: Path, paths: list[str], message: str) -> bool:
    """Commit exactly `paths` as they are on disk (other staged or changed files are left alone). False
    when nothing changed.

    Built from git's plumbing (hash-object, mktree, commit-tree, update-ref), so the cost does not grow
    with the size of the repository: a ledger commit in a 100,000-post repository stays cheap. The index
    entry of each path is brought in step afterwards."""
    paths = [p for p in paths if (root / p).is_file()]
    if not paths:
        return False
    wait_for_git_lock(root)
    head = git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False).stdout.strip()
    branch = git(root, "symbolic-ref", "--quiet", "HEAD", check=False).stdout.strip()
    if not head or not branch:
        return _commit_porcelain(root, paths, message)
    blobs = {p: git_detached(root, "hash-object", "-w", "--", p).stdout.strip() for p in paths}
    tree = git(root, "rev-parse", f"{head}^{{tree}}").stdout.strip()
    new_tree = tree
    for path, blob in blobs.items():
        new_tree = _tree_with(root, new_tree, path.split("/"), blob)
    if new_tree != tree:
        commit = git_detached(root, "-c", "commit.gpgsign=false", "commit-tree", new_tree, "-p", head, "-m",
                              message, env=identity_env(root)).stdout.strip()
        git_detached(root, "update-ref", "-m", f"commit: {message}", branch, commit, head)
    _index_in_step(root, blobs)
    return new_tree != tree


def _tree_with(root: Path, tree: str | None, parts: list[str], blob: str) -> str:
    """The id of `tree` with the file at `parts` set to `blob` (folders made as needed)."""
    import subprocess

    entries: dict[str, str] = {}
    if tree:
        listing = git(root, "ls-tree", "-z", tree).stdout
        for item in listing.split("\0"):
            if item:
                meta, _, name = item.partition("\t")
                entries[name] = meta
    name = parts[0]
    if len(parts) == 1:
        entries[name] = f"100644 blob {blob}"
    else:
        current = entries.get(name, "")
        sub = current.split()[2] if current.startswith("040000 tree ") else None
        entries[name] = f"040000 tree {_tree_with(root, sub, parts[1:], blob)}"
    text = "".join(f"{meta}\t{entry}\0" for entry, meta in entries.items())
    made = subprocess.run(["git", "mktree", "-z"], cwd=root, input=text, capture_output=True, text=True,
                          env={**os.environ, "LC_ALL": "C"})
    if made.returncode != 0:
        raise GitError(f"git mktree failed: {made.stderr.strip()}")
    return made.stdout.strip()


def _index_in_step(root: Path, blobs: dict[str, str]) -> None:
    """Point the index entries of the committed files at what was committed (else `git status` shows
    them as staged changes, and a rebase refuses to start)."""
    listed = git(root, "ls-files", "-s", "-z", "--", *blobs).stdout
    staged = {}
    for item in listed.split("\0"):
        if item:
            meta, _, name = item.partition("\t")
            staged[name] = meta.split()[1]
    stale = [p for p, blob in blobs.items() if staged.get(p) != blob]
    if stale:
        args = []
        for p in stale:
            args += ["--cacheinfo", f"100644,{blobs[p]},{p}"]
        git_detached(root, "update-index", "--add", *args)


def _commit_porcelain(root: Path, paths: list[str], message: str) -> bool:
    git_detached(root, "add", "--", *paths)
    staged = git_detached(root, "diff", "--cached", "--quiet", "--", *paths, check=False)
    if staged.returncode == 0:
        return False
    git_detached(root, "-c", "commit.gpgsign=false", "commit", "--no-verify", "--quiet", "-m", message, "--",
                 *paths, env=identity_env(root))
    return True


def upstream(root: Path) -> tuple[str, str] | None:
    """(remote, branch) that the current branch pushes to, or None when there is no remote or no branch."""
    branch = git(root, "symbolic-ref", "--quiet", "--short", "HEAD", check=False).stdout.strip()
    if not branch:
        return None
    remote = git(root, "config", f"branch.{branch}.remote", check=False).stdout.strip()
    merge = git(root, "config", f"branch.{branch}.merge", check=False).stdout.strip()
    if not remote:
        remotes = git(root, "remote", check=False).stdout.split()
        if "origin" not in remotes:
            return None
        remote = "origin"
    target = merge.removeprefix("refs/heads/") if merge else branch
    return remote, target


def unpushed(root: Path) -> bool:
    """Has the current branch commits that its remote branch (as this clone last fetched it) lacks? True when
    that branch is not known here yet; False without a remote."""
    where = upstream(root)
    if where is None:
        return False
    remote, branch = where
    ahead = git(root, "rev-list", "--count", f"refs/remotes/{remote}/{branch}..HEAD", check=False)
    return ahead.returncode != 0 or ahead.stdout.strip() != "0"


def remote_auth_env(environ: Mapping[str, str]) -> dict[str, str]:
    """On GitHub Actions: the environment that gives git the run's GITHUB_TOKEN for one fetch or push.

    The workflows check out with persist-credentials: false, so .git/config never holds the token while a job
    publishes (a file uploaded by mistake cannot carry it); the header goes to git as GIT_CONFIG_* variables
    (git 2.31+) of the one command, scoped to the GitHub server, and never appears on a command line.
    Elsewhere (a laptop): nothing, git uses its own credentials."""
    token = environ.get("GITHUB_TOKEN")
    if environ.get("GITHUB_ACTIONS") != "true" or not token:
        return {}
    server = (environ.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/")
    import base64

    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    count = int(environ.get("GIT_CONFIG_COUNT") or 0)  # keep settings the caller passed the same way
    return {"GIT_CONFIG_COUNT": str(count + 1), f"GIT_CONFIG_KEY_{count}": f"http.{server}/.extraheader",
            f"GIT_CONFIG_VALUE_{count}": f"AUTHORIZATION: basic {basic}"}


def sync(root: Path) -> bool:
    """Fetch the upstream branch and rebase local commits onto it (state/*.csv merge by union; other
    uncommitted changes are set aside and put back). False when there is no upstream to sync with."""
    where = upstream(root)
    if where is None:
        return False
    remote, branch = where
    settle(root)
    fetched = git_detached(root, "fetch", "--quiet", remote, branch, check=False, env=remote_auth_env(os.environ))
    if fetched.returncode != 0:
        if "couldn't find remote ref" in fetched.stderr:
            return False  # an empty remote: nothing to rebase onto
        raise GitError(f"git fetch {remote} {branch} failed: {fetched.stderr.strip()}")
    ahead = git(root, "rev-list", "--count", "FETCH_HEAD..HEAD").stdout.strip()
    behind = git(root, "rev-list", "--count", "HEAD..FETCH_HEAD").stdout.strip()
    if behind == "0":
        return True  # nothing new upstream
    if ahead == "0":
        dirty = git(root, "status", "--porcelain", "--untracked-files=no").stdout.strip()
        merged = git_detached(root, "merge", "--ff-only", "--quiet", *(["--autostash"] if dirty else []),
                              "FETCH_HEAD", check=False)
        if merged.returncode == 0:
            return True
    marker = _git_dir(root) / REBASE_MARKER
    marker.write_text("socialops publish started this rebase\n")
    dirty = git(root, "status", "--porcelain", "--untracked-files=no").stdout.strip()
    rebased = git_detached(root, "-c", "commit.gpgsign=false", "rebase", "--quiet",
                           *(["--autostash"] if dirty else []), "FETCH_HEAD", check=False, env=identity_env(root))
    if rebased.returncode != 0:
        git_detached(root, "rebase", "--abort", check=False)
    marker.unlink(missing_ok=True)
    if rebased.returncode != 0:
        raise GitError(
            f"could not rebase onto {remote}/{branch}: {rebased.stderr.strip() or rebased.stdout.strip()}; "
            "resolve it by hand (git pull --rebase) and run again"
        )
    return True


def push_with_retry(root: Path, attempts: int = 20, sleep=None) -> bool:
    """Push the current branch; when the remote moved, fetch, rebase and try again, after a random wait that
    grows with each attempt (capped at 8 s). Each round one of the pushers racing gets through: the attempts are
    for a matrix of publishers (`publish --shard`; 16 at once pass on a small repository, 10 on one
    busy 2-CPU machine with 50,000 posts once ran out of 12 attempts). False when there is no remote."""
    import random

    sleep = sleep or time.sleep
    where = upstream(root)
    if where is None:
        return False
    remote, branch = where
    last = ""
    for attempt in range(1, attempts + 1):
        pushed = git_detached(root, "push", "--quiet", remote, f"HEAD:refs/heads/{branch}", check=False,
                              env=remote_auth_env(os.environ))
        if pushed.returncode == 0:
            return True
        last = pushed.stderr.strip()
        if attempt < attempts:
            sync(root)
            sleep(random.uniform(0.05, min(8.0, 0.2 * 2 ** attempt)))
    raise GitError(f"git push to {remote} {branch} failed {attempts} times: {last}")


def commit_to_new_branch(root: Path, branch: str, files: dict[str, str], message: str) -> str:
    """Commit ``files`` (path -> text) on a new ``branch`` whose parent is HEAD, without touching the work tree,
    the index or the branch checked out; returns the commit id. One `git fast-import` for all the files, so a
    2,000-post import is one process. Refuses a branch that exists (it may hold someone's work)."""
    import subprocess

    if git(root, "check-ref-format", "--branch", branch, check=False).returncode != 0:
        raise UsageError(f"'{branch}' cannot be a branch name")
    if git(root, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", check=False).returncode == 0:
        raise UsageError(f"the branch {branch} exists already (an earlier import?); delete it with "
                         f"'git branch -D {branch}' or choose another with --branch")
    head = git(root, "rev-parse", "--verify", "HEAD^{commit}").stdout.strip()
    ident = git(root, "var", "GIT_COMMITTER_IDENT", env=identity_env(root)).stdout.strip()
    body = message.encode("utf-8")
    stream = [b"commit refs/heads/%s\ncommitter %s\ndata %d\n%s\nfrom %s\n" % (
        branch.encode(), ident.encode("utf-8"), len(body), body, head.encode())]
    for path, text in sorted(files.items()):
        data = text.encode("utf-8")
        stream.append(b'M 100644 inline "%s"\ndata %d\n%s\n' % (
            path.replace("\\", "\\\\").replace('"', '\\"').encode("utf-8"), len(data), data))
    done = subprocess.run(["git", "fast-import", "--quiet", "--date-format=raw"], cwd=root, input=b"".join(stream),
                          capture_output=True, env={**os.environ, "LC_ALL": "C"})
    if done.returncode != 0:
        raise GitError(f"git fast-import failed: {done.stderr.decode(errors='replace').strip()}")
    return git(root, "rev-parse", f"refs/heads/{branch}").stdout.strip()
