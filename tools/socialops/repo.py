"""The repository on disk: finding it, and which files changed since a git ref."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .errors import ConfigError, GitError, UsageError

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


def git(root: Path, *args: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run git in `root`. Output is captured; errors become GitError with git's own words."""
    run_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    if env:
        run_env.update(env)
    try:
        result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, env=run_env)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    if check and result.returncode != 0:
        raise GitError(f"git {args[0]} failed: {result.stderr.strip() or result.stdout.strip()}")
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
