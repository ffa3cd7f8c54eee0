"""`socialops new`: a new post file with a fresh, unique id and a template people can fill in."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from socialops.core.times import parse_when
from socialops.errors import ContentError, UsageError
from socialops.repository.git import find_posts
from socialops.repository.posts import load_post
from socialops.validate import placeholders


def slugify(title: str) -> str:
    """'Joulukalenteri, luukku 1!' -> 'joulukalenteri-luukku-1' (ä and ö keep their base letter)."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].rstrip("-") or "post"


def existing_ids(root: Path) -> set[str]:
    ids = set()
    for rel in find_posts(root):
        try:
            post_id = load_post(root, rel).id
        except ContentError:
            continue
        if post_id:
            ids.add(post_id)
    return ids


def create_post(root: Path, title: str, profiles: list[str], *, post_type: str | None, when: str | None,
                now: dt.datetime, tz: ZoneInfo) -> str:
    """Write content/YYYY/MM/<slug>.md and return its repository-relative path."""
    if not title.strip():
        raise UsageError("the title is empty")
    publish_at = None
    if when:
        try:
            publish_at = parse_when(when, tz)
        except ValueError as exc:
            raise UsageError(f"--at: {exc}") from None
        if publish_at is not None and publish_at <= now:
            raise UsageError(f"--at {when} is in the past (now {now.astimezone(tz):%Y-%m-%d %H:%M} {tz.key}); give "
                             "a later time, or leave --at out to take the next free slot of the plan")
    month_of = (publish_at or now).astimezone(tz)
    base = slugify(title)
    taken = existing_ids(root)
    folder = root / "content" / f"{month_of:%Y}" / f"{month_of:%m}"
    post_id, n = base, 1
    while post_id in taken or (folder / f"{post_id}.md").exists():
        n += 1
        post_id = f"{base}-{n}"
    meta: dict = {"id": post_id, "title": title, "profiles": profiles}
    if post_type:
        meta["type"] = post_type
    if publish_at is not None:
        meta["publish_at"] = publish_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    meta["status"] = "draft"
    meta["created"] = now.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    if post_type in ("image", "carousel", "video", "story", "reel"):
        meta["media"] = [{"path": placeholders.MEDIA, "alt": placeholders.ALT}]
    if post_type == "link":
        meta["link"] = placeholders.LINK
    if post_type == "live":
        meta["live"] = {"starts_at": meta.get("publish_at", ""), "duration_minutes": 60}
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, default_flow_style=None, width=100)
    body = (f"{placeholders.BODY} It goes to every profile unless 'overrides' says otherwise.\n"
            "<!-- Notes for reviewers can go in comments like this one; they are never published. -->\n")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{post_id}.md"
    with open(path, "x", encoding="utf-8") as fh:  # "x": never overwrite a post
        fh.write(f"---\n{front}---\n{body}")
    return path.relative_to(root).as_posix()
