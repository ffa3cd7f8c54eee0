"""Media files of posts: where a post's media path leads, and what is in the file (size, pixels, subtitles).

Pillow and webvtt load inside `inspect_media`, the one function that reads media: everything else here is
paths only, so commands that never look into a file (validate's warm path, publish of a text post) never
import them.
"""

from __future__ import annotations

import functools
import os
import posixpath
import stat
from io import StringIO
from pathlib import Path, PurePosixPath
from typing import Any

from socialops.errors import ContentError
from socialops.repository.posts import CAPTION_SUFFIXES, IMAGE_SUFFIXES, VIDEO_SUFFIXES, Post, media_list

IMAGE_INSPECTED = {".jpg", ".jpeg", ".png", ".gif", ".webp"}  # what Pillow reads (not .heic)
MAX_CAPTIONS_BYTES = 1_000_000
MEDIA_FACTS = 2  # what inspect_media reports; a cache of older facts (videos without seconds) is not used


@functools.lru_cache(maxsize=1024)  # validation asks for each media item of a post several times (once a profile)
def resolve_media_path(post_path: str, media_path: str) -> str | None:
    """The repository-relative path of a media file, or None when it leads outside the repository."""
    folder = post_path.rpartition("/")[0]  # posixpath.dirname's, but for a folder that ends in '/'
    return _resolve_in(folder if folder and folder[-1] != "/" else posixpath.dirname(post_path), media_path)


def _resolve_in(folder: str, media_path: str) -> str | None:
    if (not media_path or media_path[0] in "/\\" or "\\" in media_path or media_path[1:2] == ":"
            or "\0" in media_path):
        return None
    base = "" if media_path.startswith("content/") else folder
    head, _, name = media_path.rpartition("/")
    if name and name != "." and name != "..":
        # normpath(join(base, media_path)), worked out for the file's folder once: posts in many folders
        # use the files of a few (a repository's media/), more pairs of the two than a cache of whole paths
        # keeps. A last part that is a name stays as it is below its normalised folder.
        where = _folder_in(base, head)
        joined = name if where == "." else where + name if where[-1] == "/" else f"{where}/{name}"
    else:
        joined = posixpath.normpath(posixpath.join(base, media_path))
    if joined in (".", "..") or joined.startswith("../"):
        return None
    return joined


@functools.lru_cache(maxsize=4096)
def _folder_in(base: str, head: str) -> str:
    return posixpath.normpath(posixpath.join(base, head))


def media_folders(root: Path) -> list[str]:
    """The repository's media folders: content/media/ and content/<brand>/media/."""
    found = []
    for folder in [root / "content", *sorted(p for p in (root / "content").glob("*/") if p.is_dir())]:
        media = folder / "media"
        if media.is_dir() and not media.is_symlink() and not folder.name.startswith("."):
            found.append(media.relative_to(root).as_posix())
    return found


def media_paths(post: Post) -> set[str]:
    """The repository-relative paths of every media and subtitle file a post uses, overrides included."""
    found = set()
    path, all_media = post.path, post.media
    for values in post.overrides.values():
        if "media" in values:
            all_media = [*all_media, *media_list(values["media"])]
    for m in all_media:
        if m.path and (rel := resolve_media_path(path, m.path)):
            found.add(rel)
        if m.captions and (rel := resolve_media_path(path, m.captions)):
            found.add(rel)
    return found


def hidden_part(rel: str) -> str | None:
    """The hidden folder or file (``.git``, ``.github``, ``.socialops``, ``.env``, ...) a repository-relative
    path leads into; None for a path clear of them. Nothing hidden is ever media: ``.git/config`` can hold the
    checkout's token."""
    return next((part for part in PurePosixPath(rel).parts if part.startswith(".")), None)


def media_target(root: Path, rel: str) -> tuple[Path | None, dict[str, Any]]:
    """The real file behind the media path ``rel`` (links followed), or None and why not: missing (links in a
    loop lead to no file either), outside the repository, or hidden (a part of its name, or of where a link
    leads, starts with a dot)."""
    path = root / rel
    if not path.exists() and not path.is_symlink():
        return None, {"missing": True}
    base = root.resolve()
    try:
        real = path.resolve()
    except RuntimeError:  # pathlib's word for links in a loop
        return None, {"missing": True}
    if not real.is_relative_to(base):
        return None, {"outside": True} if real.exists() or path.is_symlink() else {"missing": True}
    hidden = hidden_part(rel) or hidden_part(real.relative_to(base).as_posix())
    if hidden:
        return None, {"hidden": hidden}
    if not real.is_file():
        return None, {"missing": True}
    return real, {}


def _plain_target(root: Path, rel: str, places: dict) -> tuple[str, int] | dict[str, Any] | None:
    """What media_target says of ``rel`` when no part of it is a link, with fewer system calls: (the real
    file, its size) or why not; None when it cannot tell so (a link, a name with . or .., an error) and
    media_target must look. ``places``: kept by the caller for one run; where the repository and each folder
    really are (their links followed once for all their files), and whether the folder is inside and hidden."""
    folder, _, name = rel.rpartition("/")
    place = places.get(folder)
    if place is None:
        place = places[folder] = _place(root, folder, places)
    if not place or not name or name in (".", ".."):
        return None
    real_folder, inside, hidden_folder = place
    try:
        st = os.lstat(f"{real_folder}/{name}" if real_folder != "/" else f"/{name}")
    except OSError:
        return None
    if stat.S_ISLNK(st.st_mode):
        return None
    if not inside:
        return {"outside": True}
    if rel[0] == "." or "/." in rel:
        return {"hidden": hidden_part(rel)}
    if hidden_folder or name[0] == ".":
        return {"hidden": hidden_folder or name}
    if not stat.S_ISREG(st.st_mode):
        return {"missing": True}
    return f"{real_folder}/{name}" if real_folder != "/" else f"/{name}", st.st_size


def _place(root: Path, folder: str, places: dict) -> tuple[str, bool, str | None] | tuple[()]:
    """(where `folder` really is, whether that is in the repository, the hidden folder it is in, if any); () when
    it is no plain folder (its files are left to media_target)."""
    parts = folder.split("/") if folder else []
    if "" in parts or "." in parts or ".." in parts:
        return ()
    base = places.get(None)
    if base is None:
        base = places[None] = os.path.realpath(root)
    real = os.path.realpath(os.path.join(root, folder)) if folder else base
    if not os.path.isdir(real):
        return ()
    if real == base:
        return real, True, None
    prefix = base if base.endswith("/") else base + "/"
    if not real.startswith(prefix):
        return real, False, None
    return real, True, hidden_part(real[len(prefix):])


def upload_path(root: Path, rel: str) -> Path:
    """The file to upload for the media path ``rel``, checked again where publishing opens it (validation
    checked it before): a ContentError for a file missing, outside the repository or hidden."""
    real, why = media_target(root, rel)
    if real is None:
        where = f"into {why['hidden']}, which is hidden" if "hidden" in why else \
            "outside the repository" if "outside" in why else "to no file"
        raise ContentError(f"the media file {rel} leads {where}; it is not uploaded")
    return real


def inspect_media(root: Path, rel: str, places: dict | None = None) -> dict[str, Any]:
    """Facts about one media file: exists, inside the repository and not hidden, size, and
    what its bytes are. The name's suffix says what the post claims the file is (the kind the networks get);
    the bytes must agree: an image is one Pillow identifies (header only), a video starts as a video
    container does, a subtitle file parses. ``places``: a dict kept for one run over many files (see
    _plain_target); the same answers."""
    found = _plain_target(root, rel, places) if places is not None else None
    if isinstance(found, dict):
        return found
    if found is not None:
        real, size = Path(found[0]), found[1]
    else:
        real, why = media_target(root, rel)
        if real is None:
            return why
        size = real.stat().st_size
    info: dict[str, Any] = {"size": size}
    suffix = PurePosixPath(rel).suffix.lower()
    if suffix in IMAGE_INSPECTED:
        info.update(_inspect_image(real))
    elif suffix in IMAGE_SUFFIXES or suffix in VIDEO_SUFFIXES:
        info.update(_inspect_container(real, suffix))
    elif suffix in CAPTION_SUFFIXES:
        info.update(_inspect_captions(real, suffix))
    return info


def load_image_reader() -> None:
    """Load Pillow and the image formats it tries first, as inspect_media does at its first image: for a caller
    about to fork workers that will each inspect images, which then share one copy (about 15 ms each)."""
    from PIL import Image

    Image.preinit()


# the boxes a QuickTime/MP4 (ISO base media) file may start with, and the brands of HEIF images
_ISO_BOXES = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_MATROSKA = b"\x1a\x45\xdf\xa3"  # WebM


def _inspect_container(real: Path, suffix: str) -> dict[str, Any]:
    """A video (or HEIC image) judged by its first bytes, the container's magic."""
    with real.open("rb") as handle:
        head = handle.read(12)
    if suffix in (".heic",):
        if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
            return {}
        return {"error": "this is not a HEIC image; export it again as JPEG or PNG"}
    if suffix == ".webm" and head.startswith(_MATROSKA):
        return {}
    if suffix != ".webm" and head[4:8] in _ISO_BOXES:
        return mp4_facts(real)
    return {"error": f"this is not a {suffix[1:].upper()} video file; export it again as MP4"}


_CONTAINERS = {b"moov", b"trak", b"mdia", b"edts"}  # boxes whose children hold the facts read below
_MAX_BOXES = 10_000


def mp4_facts(real: Path) -> dict[str, Any]:
    """The seconds, width and height of an MP4/QuickTime video, read from its boxes (``mvhd``: time scale and
    duration; ``tkhd`` of the first track with a picture: its size), without decoding anything. Facts that
    cannot be read are left out: the rules that need them then stay silent."""
    facts: dict[str, Any] = {}
    with real.open("rb") as handle:
        size = real.stat().st_size
        _walk_boxes(handle, 0, size, facts, budget=[_MAX_BOXES])
    return facts


def _walk_boxes(handle, start: int, end: int, facts: dict[str, Any], budget: list[int]) -> None:
    offset = start
    while offset + 8 <= end and budget[0] > 0:
        budget[0] -= 1
        handle.seek(offset)
        header = handle.read(16)
        if len(header) < 8:
            return
        length, kind, body = int.from_bytes(header[:4], "big"), header[4:8], offset + 8
        if length == 1 and len(header) >= 16:
            length, body = int.from_bytes(header[8:16], "big"), offset + 16
        elif length == 0:
            length = end - offset
        if length < 8 or offset + length > end:
            return
        if kind in _CONTAINERS:
            _walk_boxes(handle, body, offset + length, facts, budget)
        elif kind == b"mvhd":
            _read_mvhd(handle, body, facts)
        elif kind == b"tkhd" and "width" not in facts:
            _read_tkhd(handle, body, facts)
        offset += length


def _read_mvhd(handle, body: int, facts: dict[str, Any]) -> None:
    handle.seek(body)
    data = handle.read(32)
    if len(data) < 20:
        return
    if data[0] == 1:  # version 1: 64-bit times
        scale, duration = int.from_bytes(data[20:24], "big"), int.from_bytes(data[24:32], "big")
    else:
        scale, duration = int.from_bytes(data[12:16], "big"), int.from_bytes(data[16:20], "big")
    if scale:
        facts["seconds"] = round(duration / scale, 3)


def _read_tkhd(handle, body: int, facts: dict[str, Any]) -> None:
    handle.seek(body)
    data = handle.read(96)
    at = 88 if data[:1] == b"\x01" else 76  # width and height (16.16 fixed point) end the box
    if len(data) < at + 8:
        return
    width, height = int.from_bytes(data[at:at + 4], "big") >> 16, int.from_bytes(data[at + 4:at + 8], "big") >> 16
    if int.from_bytes(data[at - 36:at - 32], "big") == 0 and int.from_bytes(data[at - 32:at - 28], "big"):
        width, height = height, width  # the matrix turns the picture a quarter: a phone's portrait video
    if width and height:  # a sound track has no picture: the next track may
        facts["width"], facts["height"] = width, height


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
