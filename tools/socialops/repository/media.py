"""Media files of posts: where a post's media path leads, and what is in the file (size, pixels, subtitles).

Pillow and webvtt load inside `inspect_media`, the one function that reads media: everything else here is
paths only, so commands that never look into a file (validate's warm path, publish of a text post) never
import them.
"""

from __future__ import annotations

import functools
import posixpath
from io import StringIO
from pathlib import Path
from typing import Any

from socialops.repository.posts import CAPTION_SUFFIXES, Post, media_list

IMAGE_INSPECTED = {".jpg", ".jpeg", ".png", ".gif", ".webp"}  # what Pillow reads (not .heic)
MAX_CAPTIONS_BYTES = 1_000_000


@functools.lru_cache(maxsize=65536)
def resolve_media_path(post_path: str, media_path: str) -> str | None:
    """The repository-relative path of a media file, or None when it leads outside the repository."""
    if (not media_path or media_path[0] in "/\\" or "\\" in media_path or media_path[1:2] == ":"
            or "\0" in media_path):
        return None
    base = "" if media_path.startswith("content/") else posixpath.dirname(post_path)
    joined = posixpath.normpath(posixpath.join(base, media_path))
    if joined in (".", "..") or joined.startswith("../"):
        return None
    return joined


def media_paths(post: Post) -> set[str]:
    """The repository-relative paths of every media and subtitle file a post uses, overrides included."""
    found = set()
    all_media = list(post.media)
    for values in post.overrides.values():
        if "media" in values:
            all_media += media_list(values["media"])
    for m in all_media:
        for candidate in (m.path, m.captions):
            if candidate:
                rel = resolve_media_path(post.path, candidate)
                if rel:
                    found.add(rel)
    return found


def inspect_media(root: Path, rel: str) -> dict[str, Any]:
    """Facts about one media file: exists, inside the repository, size, and for images the pixel size
    (Pillow reads the header only); subtitle files are parsed."""
    path = root / rel
    if not path.exists() and not path.is_symlink():
        return {"missing": True}
    real = path.resolve()
    if not real.is_relative_to(root.resolve()) or not real.exists():
        return {"outside": True} if real.exists() or path.is_symlink() else {"missing": True}
    if not real.is_file():
        return {"missing": True}
    info: dict[str, Any] = {"size": real.stat().st_size}
    suffix = real.suffix.lower()
    if suffix in IMAGE_INSPECTED:
        info.update(_inspect_image(real))
    elif suffix in CAPTION_SUFFIXES:
        info.update(_inspect_captions(real, suffix))
    return info


def _inspect_image(real: Path) -> dict[str, Any]:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(real) as image:
            return {"width": image.size[0], "height": image.size[1], "format": image.format}
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return {"error": "this is not a readable image; export it again as JPEG or PNG"}


def _inspect_captions(real: Path, suffix: str) -> dict[str, Any]:
    import webvtt

    if real.stat().st_size > MAX_CAPTIONS_BYTES:
        return {"error": "the subtitle file is larger than 1 MB"}
    try:
        text = real.read_text(encoding="utf-8-sig")
    except (UnicodeDecodeError, OSError):
        return {"error": "the subtitle file is not UTF-8 text"}
    try:
        captions = webvtt.from_buffer(StringIO(text), format="srt" if suffix == ".srt" else "vtt")
    except Exception as exc:  # webvtt raises several unrelated types for malformed files
        kind = "SRT" if suffix == ".srt" else "WebVTT"
        return {"error": f"this is not a valid {kind} subtitle file ({str(exc).strip() or type(exc).__name__})"}
    if not captions.captions:
        return {"error": "the subtitle file has no captions"}
    return {"cues": len(captions.captions)}
