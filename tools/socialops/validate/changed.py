"""Which files a check covers: the ones named (folders stand for the posts in them), narrowed to what
changed since a git ref; a changed schedule.yaml, profile or snippet means every post is checked again, and
the preview shows the posts that use a changed snippet."""

from __future__ import annotations

from pathlib import Path

from socialops.errors import ContentError
from socialops.repository.git import changed_since, find_posts
from socialops.repository.posts import read_text
from socialops.repository.snippets import REFERENCE_RE, SNIPPETS_DIR, load_snippets, snippet_name


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
    rules every post is checked against changed (a snippet too: its text is part of posts')."""
    selected = expand_folders(root, paths) if paths else None
    if not since:
        return selected
    names = changed_since(root, since)
    if any(n == "schedule.yaml" or n.startswith(("profiles/", f"{SNIPPETS_DIR}/")) for n in names):
        return selected
    return [n for n in names if n in set(selected)] if selected is not None else names


def posts_to_preview(root: Path, paths: list[str] | None, since: str | None) -> list[str] | None:
    """The posts to preview (None: all of them): ``paths`` as given (folders expanded), with ``since`` only
    the posts among them changed since that git ref."""
    selected = expand_folders(root, paths) if paths else None
    if not since:
        return selected
    changed = changed_since(root, since)
    names = [n for n in changed if n.startswith("content/") and n.endswith(".md")]
    snippets = {snippet_name(n) for n in changed if n.startswith(f"{SNIPPETS_DIR}/")}
    if snippets:
        names = sorted(set(names) | set(_posts_using(root, snippets)))
    return [n for n in names if selected is None or n in selected]


def _posts_using(root: Path, names: set[str]) -> list[str]:
    """The posts that use any of the snippets `names`, or a snippet that uses one of them."""
    uses = {s.name: {m.group(1) for text in (s.text, *s.variants.values()) for m in REFERENCE_RE.finditer(text)}
            for s in load_snippets(root, unreadable=[]).values()}
    affected, grew = set(names), True
    while grew:  # the snippets that reach a changed one through others
        more = {name for name, used in uses.items() if used & affected} - affected
        affected |= more
        grew = bool(more)
    out = []
    for rel in find_posts(root):
        try:
            text = read_text(root / rel, rel)
        except ContentError:
            continue
        if "{{" in text and any(m.group(1) in affected for m in REFERENCE_RE.finditer(text)):
            out.append(rel)
    return out
