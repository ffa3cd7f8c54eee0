"""Small socialops repositories for the publishing tests (ledger, publish, CLI, crash tests, benchmark)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def write_schedule(root: Path, **extra) -> None:
    data = {"timezone": "Europe/Helsinki", "late_window": "24h", "horizon_days": 14, **extra}
    (root / "schedule.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def write_profile(root: Path, pid: str, imitates: str = "sandbox", **extra) -> None:
    data = {"id": pid, "network": "sandbox", "account": f"{pid}.example", "display_name": pid,
            "token_env": f"TOKEN_{pid.upper().replace('-', '_')}", "owners": ["@acme/social"], **extra}
    if imitates != "sandbox":
        data["imitates"] = imitates
    (root / "profiles").mkdir(parents=True, exist_ok=True)
    (root / "profiles" / f"{pid}.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def write_post(root: Path, pid: str, *, profiles=("sandbox-a",), at: str | None = "2026-12-01 09:00",
               body: str | None = None, folder: str = "content/2026/12", **extra) -> str:
    data = {"id": pid, "title": f"Post {pid}", "profiles": list(profiles), **extra}
    if at is not None:
        data["publish_at"] = at
    rel = f"{folder}/{pid}.md"
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "---\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True) + "---\n" + (
        body if body is not None else f"Hello from {pid}.\n")
    path.write_text(text, encoding="utf-8")
    return rel


def write_image(root: Path, rel: str = "content/media/pixel.png") -> str:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(TINY_PNG)
    return rel


def make_repo(root: Path, *, profiles=("sandbox-a", "sandbox-b"), schedule: dict | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    write_schedule(root, **(schedule or {}))
    for pid in profiles:
        write_profile(root, pid)
    (root / "state").mkdir(exist_ok=True)
    (root / ".gitattributes").write_text("state/*.csv merge=union\n")
    (root / ".gitignore").write_text(".socialops/\n")
    return root


def git(root: Path, *args: str, env: dict | None = None) -> str:
    run_env = {**os.environ, **(env or {})}
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, env=run_env)
    if result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {result.stderr}")
    return result.stdout


IDENTITY = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
            "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.invalid"}


def git_init(root: Path, message: str = "initial") -> None:
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, env=IDENTITY)


def bare_with_clones(tmp: Path, source: Path, names=("a", "b")) -> tuple[Path, list[Path]]:
    """A bare repository made from `source` (already a git repo) and clones of it."""
    bare = tmp / "remote.git"
    git(tmp, "clone", "-q", "--bare", str(source), str(bare))
    clones = []
    for name in names:
        target = tmp / name
        git(tmp, "clone", "-q", str(bare), str(target))
        clones.append(target)
    return bare, clones


def isolated_git_env(home: Path) -> dict[str, str]:
    """An environment where git has no user identity (no global or system config)."""
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "EMAIL"}
    env.update(HOME=str(home), GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=str(home / "gitconfig"),
               XDG_CONFIG_HOME=str(home / ".config"))
    return env


def publisher_command(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "socialops", "--repo", str(root), "publish", *args]


def subprocess_env(base: dict[str, str], **extra: str) -> dict[str, str]:
    env = dict(base)
    src = str(REPO / "tools")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(extra)
    return env
