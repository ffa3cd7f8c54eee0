"""The request a network receives: a post loaded, checked and rendered for one profile."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from socialops.content.render import render
from socialops.core.problems import ERROR
from socialops.errors import ContentError
from socialops.networks import NETWORKS
from socialops.networks.types import MediaFile, PublishRequest
from socialops.repository.media import inspect_media, media_paths, resolve_media_path, upload_path
from socialops.repository.posts import Post, load_post
from socialops.repository.profiles import Profile
from socialops.validate.posts import post_problems


def checked_post(root: Path, rel: str, config: Any) -> tuple[Post | None, list[str]]:
    """The post at ``rel`` and the errors that keep it from being published (``path:line: message``)."""
    try:
        post = load_post(root, rel)
    except ContentError as exc:
        return None, [str(exc)]
    stats = {media: inspect_media(root, media) for media in media_paths(post)}
    problems = [p for p in post_problems(post, config, stats) if p.severity == ERROR]
    return post, [f"{p.path}:{p.line}: {p.message}" for p in problems]


def build_request(root: Path, post: Post, profile: Profile, *, post_id: str, at: dt.datetime, key: str = "",
                  resume: dict[str, dict[str, Any]] | None = None) -> PublishRequest:
    """What ``profile`` receives of ``post``: the text rendered for its network, media as absolute files."""
    spec = profile.spec or NETWORKS["sandbox"]
    rendered = render(post, profile, spec)
    media = []
    for m in rendered.media:
        rel = resolve_media_path(post.path, m.path) or m.path
        crel = resolve_media_path(post.path, m.captions) if m.captions else None
        media.append(MediaFile(path=upload_path(root, rel), rel=rel, kind=m.kind, alt=m.alt,
                               captions=upload_path(root, crel) if crel else None, captions_rel=crel,
                               index=m.index))
    return PublishRequest(post_id=post_id, profile_id=profile.id, idempotency_key=key, rendered=rendered,
                          media=media, root=root, live=post.live, scheduled_at=at,
                          resume=resume if resume is not None else {},
                          local=post.raw["local"] if isinstance(post.raw.get("local"), dict) else {})


def digest(request: PublishRequest) -> str:
    """What was (to be) sent, in short: a changed post gets another chance after a permanent failure."""
    h = hashlib.sha256()
    h.update(json.dumps([request.type, request.text, request.link, request.first_comment,
                         [(m.rel, m.alt, m.captions_rel) for m in request.media]], ensure_ascii=False).encode())
    for m in request.media:
        try:
            st = m.path.stat()
            h.update(f"{st.st_size}:{st.st_mtime_ns}".encode())
        except OSError:
            pass
    return h.hexdigest()[:16]
