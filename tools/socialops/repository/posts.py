"""Posts: Markdown files with YAML frontmatter under content/, loaded fast and safely.

Loading never trusts the file: size, encoding, binary content and the YAML itself are checked, and a
file that cannot be read raises ContentError with its path and line. A file that reads fine is a Post
whose fields are normalised best-effort; `validate` reports what is wrong with them, with lines.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from socialops.core import frontmatter, yamlfile
from socialops.core.files import file_key
from socialops.core.times import parse_when
from socialops.errors import ContentError

MAX_POST_BYTES = 1_000_000
POST_TYPES = ("text", "image", "carousel", "video", "story", "reel", "live", "link")
STATUSES = ("draft", "ready")
POST_KEYS = (
    "id", "title", "profiles", "publish_at", "type", "media", "link", "first_comment",
    "pillar", "tags", "status", "overrides", "live", "created", "internal", "captions", "local", "campaign",
    "manual", "stickers",
    "repeat", "evergreen",
    "utm",  # link tags (content.utm)
)
CAPTION_MODES = ("burn", "file")  # subtitles where the network takes no file: burned in, or refused
MEDIA_KEYS = ("path", "alt", "captions")
OVERRIDE_KEYS = ("body", "link", "first_comment", "tags", "media", "quote_post_id", "utm")  # quote_post_id: Threads
LIVE_KEYS = ("starts_at", "duration_minutes", "url")
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic"}
VIDEO_SUFFIXES = {".mp4", ".mov", ".m4v", ".webm"}
CAPTION_SUFFIXES = {".vtt", ".srt"}



# python-frontmatter's fence (YAMLHandler.FM_BOUNDARY; tests/test_content.py checks they are the same): a line of
# three or more dashes. Its own copy: importing python-frontmatter cost each worker of a cold validate 3 ms.
_BOUNDARY = re.compile(r"^-{3,}\s*$", re.MULTILINE)


@dataclass(init=False)
class Media:
    path: str  # as written in the post
    alt: str | None = None
    captions: str | None = None
    index: int = 0
    kind: str = field(init=False)  # image | video | other, from the file name
    suffix: str = field(init=False, repr=False)  # ".jpg", lower case

    def __init__(self, path: str, alt: str | None = None, captions: str | None = None, index: int = 0) -> None:
        self.path, self.alt, self.captions, self.index = path, alt, captions, index
        self.suffix, self.kind = _suffix_kind(path)


@functools.lru_cache(maxsize=4096)  # posts share media files: each name is looked at once
def _suffix_kind(path: str) -> tuple[str, str]:
    suffix = os.path.splitext(path)[1].lower()
    return suffix, "image" if suffix in IMAGE_SUFFIXES else "video" if suffix in VIDEO_SUFFIXES else "other"


@dataclass(init=False)
class Post(yamlfile.KeyLines):
    path: str  # relative to the repository root, with forward slashes
    raw: dict[str, Any]
    body: str
    doc: yamlfile.YamlDoc | None = field(default=None, repr=False)
    body_line: int = 1
    file_key: int | None = field(default=None, repr=False)  # size and mtime of the file as it was read (files.file_key)
    root: Path | None = field(default=None, repr=False)  # the repository it was loaded from (its snippets)
    # Normalised once (validation asks for them many times): wrong shapes become empty values.
    profiles: list[str] = field(init=False, repr=False)
    media: list[Media] = field(init=False, repr=False)
    overrides: dict[str, dict[str, Any]] = field(init=False, repr=False)
    type: str = field(init=False, repr=False)
    id: str | None = field(init=False, repr=False)
    link: str | None = field(init=False, repr=False)
    first_comment: str | None = field(init=False, repr=False)

    def __init__(self, path: str, raw: dict[str, Any], body: str, doc: yamlfile.YamlDoc | None = None,
                 body_line: int = 1, file_key: int | None = None, root: Path | None = None) -> None:
        # One call, no __post_init__: a cold validate makes 10,000 of these.
        self.path, self.raw, self.body, self.doc, self.body_line, self.file_key, self.root = \
            path, raw, body, doc, body_line, file_key, root
        value = raw.get("profiles")
        self.profiles = [value] if isinstance(value, str) else (
            [str(v) for v in value if isinstance(v, str)] if isinstance(value, list) else [])
        value = raw.get("media")
        self.media = media = media_list(value) if value is not None else []
        value = raw.get("overrides")
        self.overrides = {str(k): v for k, v in value.items() if isinstance(v, dict)} if isinstance(value, dict) \
            else {}
        value = raw.get("id")
        self.id = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
        value = raw.get("link")
        self.link = link = value if isinstance(value, str) else None
        value = raw.get("first_comment")
        self.first_comment = str(value) if isinstance(value, (str, int)) else None
        value = raw.get("type")
        self.type = value if isinstance(value, str) and value in POST_TYPES else infer_type(media, link)

    @property
    def lines(self) -> dict[tuple, int]:
        return self.doc.lines if self.doc is not None else {}

    # Normalised views. They never raise: wrong shapes become empty values, and validate reports them.
    @property
    def title(self) -> str:
        value = self.raw.get("title")
        return str(value) if value is not None else (self.id or Path(self.path).stem)


    @property
    def status(self) -> str:
        value = self.raw.get("status", "ready")
        return value if isinstance(value, str) else "ready"

    @property
    def pillar(self) -> str | None:
        value = self.raw.get("pillar")
        return value if isinstance(value, str) else None

    @property
    def tags(self) -> list[str]:
        value = self.raw.get("tags")
        return [str(v) for v in value if isinstance(v, (str, int))] if isinstance(value, list) else []

    @property
    def captions_mode(self) -> str:
        value = self.raw.get("captions")
        return value if value in CAPTION_MODES else "burn"

    @property
    def live(self) -> dict[str, Any]:
        value = self.raw.get("live")
        return value if isinstance(value, dict) else {}


    def override_for(self, profile_id: str, network: str) -> dict[str, Any]:
        """The override values for a profile: the network's, then the profile id's on top."""
        overrides = self.overrides
        if not overrides:
            return {}
        merged: dict[str, Any] = {}
        merged.update(overrides.get(network, {}))
        merged.update(overrides.get(profile_id, {}))
        return merged

    def publish_at(self, tz: ZoneInfo) -> dt.datetime | None:
        """The aware publish time, or None when it is left out or unreadable (validate reports it)."""
        try:
            return parse_when(self.raw.get("publish_at"), tz)
        except ValueError:
            return None


def media_list(value: Any) -> list[Media]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    items = []
    for i, item in enumerate(value):
        if isinstance(item, str):
            items.append(Media(item, None, None, i))
        elif isinstance(item, dict) and isinstance(path := item.get("path"), str):
            alt = item.get("alt")
            captions = item.get("captions")
            items.append(Media(path, str(alt) if isinstance(alt, (str, int)) else None,
                               captions if isinstance(captions, str) else None, i))
    return items


def infer_type(media: list[Media], link: str | None) -> str:
    if not media:
        return "link" if link else "text"
    if len(media) > 1:
        return "carousel"
    return "video" if media[0].kind == "video" else "image"


_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # not on Windows


class _LinkRefused(Exception):
    """read_text(..., follow_links=False) met a symbolic link."""


def read_text(path: Path | str, rel: str, max_bytes: int = MAX_POST_BYTES) -> str:
    """Read a hand-edited text file: bounded size, UTF-8, no binary content, BOM and CRLF tolerated."""
    return _read(path, rel, max_bytes, follow_links=True)[0]


def _read(path: Path | str, rel: str, max_bytes: int, *, follow_links: bool) -> tuple[str, int]:
    """read_text, and the file's size and mtime as it was read (core.files.file_key). With follow_links=False a symbolic link
    raises _LinkRefused, at no extra cost for other files."""
    # os.open and os.read, not open(): posts are read 10,000 at a time and the file objects cost as much
    # as the reading.
    if not follow_links and not _O_NOFOLLOW and os.path.islink(path):
        raise _LinkRefused
    try:
        fd = os.open(path, os.O_RDONLY | (0 if follow_links else _O_NOFOLLOW))
    except OSError as exc:
        if not follow_links and exc.errno == errno.ELOOP:
            raise _LinkRefused from None
        raise ContentError(f"the file cannot be read ({exc.strerror})", path=rel) from None
    try:
        stat = os.fstat(fd)
        size = stat.st_size
        data = b""
        if size <= max_bytes:
            data = os.read(fd, size + 1)  # one byte more than fstat says, to see the end
            if len(data) > size:  # it grew meanwhile: read on to its end, within the limit
                parts, total = [data], len(data)
                while total <= max_bytes and (part := os.read(fd, 65536)):
                    parts.append(part)
                    total += len(part)
                data = b"".join(parts)
            size = len(data)
    except OSError as exc:
        raise ContentError(f"the file cannot be read ({exc.strerror})", path=rel) from None
    finally:
        os.close(fd)
    if size > max_bytes:
        raise ContentError(
            f"the file is {size:,} bytes, more than the {max_bytes:,} allowed; keep media in separate files",
            path=rel,
        )
    if b"\x00" in data:
        raise ContentError("this is a binary file, not a text file; posts are Markdown text", path=rel)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ContentError(
            "the file is not valid UTF-8 text; save it as UTF-8 (GitHub's editor does this)", path=rel, line=line
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, file_key(stat)


def _closing_boundary(text: str, start: int) -> re.Match | None:
    """_BOUNDARY.search(text, start), faster: a fence starts a line with '---', so the regular expression
    is only tried where one does (from `start`, the end of the opening fence, no line starts before)."""
    while (found := text.find("\n---", start)) != -1:
        match = _BOUNDARY.match(text, found + 1)
        if match:
            return match
        start = found + 1
    return None


def parse_post(text: str, rel: str) -> Post:
    """Split and parse a post's text. Raises ContentError for what cannot be read at all."""
    if not text.lstrip("\n").startswith("---"):
        raise ContentError(
            "the file has no frontmatter; start it with a line '---', the post's settings, and another '---'",
            path=rel,
            line=1,
        )
    opening = _BOUNDARY.search(text)
    closing = _closing_boundary(text, opening.end()) if opening else None
    if opening is None or closing is None:
        raise ContentError(
            "the frontmatter is not closed; add a line '---' after the post's settings", path=rel, line=1
        )
    fm_text = text[opening.end():closing.start()]
    line_offset = text.count("\n", 0, opening.end())
    try:
        doc = frontmatter.load(fm_text, line_offset=line_offset)
    except yamlfile.YamlProblem as exc:
        raise ContentError(exc.message, path=rel, line=exc.line) from None
    data = doc.data
    if type(doc) is not frontmatter.FastDoc:  # the fast reader gives only mappings with text keys
        data = _settings(data, rel, line_offset)
    body = text[closing.end():].lstrip("\n")
    body_line = text.count("\n", 0, len(text) - len(body)) + 1
    body = body.rstrip()
    return Post(rel, data, body + "\n" if body else "", doc, body_line)


def _settings(data: Any, rel: str, line_offset: int) -> dict:
    """The safe loader's reading of a frontmatter, checked to be keys and values (nothing: none)."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        raise ContentError(
            f"the frontmatter is {kind}; it must be keys and values like 'title: ...'", path=rel, line=line_offset + 1
        )
    bad_keys = [k for k in data if not isinstance(k, str)]
    if bad_keys:
        raise ContentError(f"the key {bad_keys[0]!r} is not a name; keys are words like 'title'", path=rel,
                           line=line_offset + 1)
    return data


_read_once: dict[str, Post] | None = None  # the posts read within read_once(), by path


@contextlib.contextmanager
def read_once() -> Iterator[None]:
    """Within this block load_post reads and parses each file once and hands back that Post again: for a
    command whose steps each read every post (the site: the index, validate and the preview, about 0.05 ms
    a post each time). The Post is shared, so no one may change it; each file is as it was when first read
    (every step sees the same post). Forked workers inherit the posts read so far."""
    global _read_once
    outer = _read_once
    if outer is None:
        _read_once = {}
    try:
        yield
    finally:
        _read_once = outer


def load_post(root: Path, rel: str) -> Post:
    path = f"{root}/{rel}"
    if _read_once is not None and (known := _read_once.get(path)) is not None:
        return known
    try:
        text, file_key = _read(path, rel, MAX_POST_BYTES, follow_links=False)
    except _LinkRefused:
        if not Path(path).resolve().is_relative_to(Path(root).resolve()):
            raise ContentError("the file is a link to outside the repository; copy the post into content/",
                               path=rel) from None
        text, file_key = _read(path, rel, MAX_POST_BYTES, follow_links=True)
    post = parse_post(text, rel)
    post.file_key = file_key
    post.root = root
    if _read_once is not None:
        _read_once[path] = post
    return post
