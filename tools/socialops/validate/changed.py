"""Which files a check covers: the ones named (folders stand for the posts in them), narrowed to what
changed since a git ref; a changed schedule.yaml or profile means every post is checked again."""

from __future__ import annotations

from pathlib import Path

from socialops.repository.git import changed_since, find_posts


def expand_folders(root: Path, paths: list[str]) -> list[str]:
    """Repository-relative paths with each folder replaced by the posts inside it."""
    posts = find_posts(root)
    out: list[str] = []
    for rel in paths:
        if (root / rel).is_dir():
            prefix = "" if rel in ("", ".") else rel.rstrip("/") + "/"
            out += [p for p in posts if p.startswith(prefix)]
        else:
            out.append(rel)
    return out


def files_to_check(root: Path, paths: list[str] | None, since: str | None) -> list[str] | None:
    """The files to validate (None: all of them). ``paths`` as given (folders expanded); with ``since``, only
    those changed since that git ref, or every file when schedule.yaml or a profile changed, because the
    rules every post is checked against changed."""
    selected = expand_folders(root, paths) if paths else None
    if not since:
        return selected
    names = changed_since(root, since)
    if any(n == "schedule.yaml" or n.startswith("profiles/") for n in names):
        return selected
    return [n for n in names if n in set(selected)] if selected is not None else names


def posts_to_preview(root: Path, paths: list[str] | None, since: str | None) -> list[str] | None:
    """The posts to preview (None: all of them): ``paths`` as given (folders expanded), with ``since`` only
    the posts among them changed since that git ref."""
    selected = expand_folders(root, paths) if paths else None
    if not since:
        return selected
    names = [n for n in changed_since(root, since) if n.startswith("content/") and n.endswith(".md")]
    return [n for n in names if selected is None or n in selected]
