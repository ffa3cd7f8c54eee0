"""Bluesky media: blobs' types and shapes, caption tracks (SubRip converted to WebVTT), and the link card a
client must build itself (the page's og:title, og:description and og:image, fetched with the injected client)."""

from __future__ import annotations

import io
import mimetypes
import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from socialops.networks.types import MediaFile

if TYPE_CHECKING:
    import httpx

THUMB_MAX_BYTES = 1_000_000
PAGE_MAX_BYTES = 1_000_000  # of a linked page read for its card
IMAGE_FETCH_MAX_BYTES = 10_000_000
CARD_TIMEOUT = 10.0


def guess_mime(name: str) -> str:
    guessed = mimetypes.guess_type(name)[0]
    if name.lower().endswith(".webp"):
        return "image/webp"
    return guessed or "application/octet-stream"


def blob_json(done: Mapping[str, Any]) -> dict[str, Any]:
    return {"$type": "blob", "ref": {"$link": str(done["cid"])}, "mimeType": str(done.get("mime") or ""),
            "size": int(done.get("size") or 0)}


def aspect_ratio(media: MediaFile) -> dict[str, int] | None:
    try:
        from PIL import Image

        with Image.open(media.path) as image:
            width, height = image.size
            orientation = image.getexif().get(0x0112, 1)
    except Exception:  # noqa: BLE001 - the aspect ratio is optional
        return None
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return {"width": width, "height": height} if width > 0 and height > 0 else None


def caption_vtt(path) -> bytes:
    """The subtitle file as WebVTT bytes: .vtt as it is, .srt converted (webvtt-py)."""
    if path.suffix.lower() == ".srt":
        import webvtt

        return webvtt.from_srt(str(path)).content.encode("utf-8")
    return path.read_bytes()


def caption_lang(name: str, langs: list[str]) -> str:
    """The language of a caption track: from a file name like ``clip.fi.vtt``, else the profile's first
    language, else ``und`` (undetermined)."""
    parts = name.split(".")
    if len(parts) >= 3 and re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?", parts[-2]):
        return parts[-2]
    return langs[0] if langs else "und"


class _OpenGraph(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (values.get("property") or values.get("name") or "").lower()
            if key and "content" in values and key not in self.meta:
                self.meta[key] = values["content"].strip()
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def fetch_card(client: httpx.Client, url: str) -> dict[str, str]:
    """og:title, og:description and og:image (absolute) of the page at ``url``; {} when it cannot be read."""
    import httpx

    try:
        with client.stream("GET", url, timeout=CARD_TIMEOUT, follow_redirects=True,
                           headers={"Accept": "text/html,application/xhtml+xml"}) as response:
            if response.status_code != 200:
                return {}
            kind = response.headers.get("Content-Type", "")
            if kind and "html" not in kind.lower():
                return {}
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size >= PAGE_MAX_BYTES:
                    break
            base = str(response.url)
            encoding = response.encoding or "utf-8"
    except (httpx.HTTPError, ValueError):
        return {}
    try:
        page = b"".join(chunks)[:PAGE_MAX_BYTES].decode(encoding, errors="replace")
    except LookupError:
        page = b"".join(chunks)[:PAGE_MAX_BYTES].decode("utf-8", errors="replace")
    parser = _OpenGraph()
    try:
        parser.feed(page)
    except Exception:  # noqa: BLE001 - broken HTML gives what was read so far
        pass
    meta = parser.meta
    out = {
        "title": meta.get("og:title") or meta.get("twitter:title") or " ".join(parser.title.split()),
        "description": meta.get("og:description") or meta.get("twitter:description") or meta.get("description", ""),
    }
    image = meta.get("og:image") or meta.get("og:image:url") or meta.get("twitter:image")
    if image:
        out["image"] = urljoin(base, image)
    return {k: v for k, v in out.items() if v}


def fetch_thumb(client: httpx.Client, url: str) -> tuple[bytes, str] | None:
    """The card image, at most 1 MB (larger ones are scaled down to a JPEG); None when unusable."""
    import httpx

    try:
        response = client.get(url, timeout=CARD_TIMEOUT, follow_redirects=True)
    except httpx.HTTPError:
        return None
    if response.status_code != 200 or len(response.content) > IMAGE_FETCH_MAX_BYTES:
        return None
    data = response.content
    mime = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if not mime.startswith("image/"):
        mime = guess_mime(url.split("?")[0])
        if not mime.startswith("image/"):
            return None
    if len(data) <= THUMB_MAX_BYTES:
        return data, mime
    return shrink(data)


def shrink(data: bytes) -> tuple[bytes, str] | None:
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            image = image.convert("RGB")
            for side, quality in ((1200, 85), (1000, 80), (800, 75), (600, 70)):
                copy = image.copy()
                copy.thumbnail((side, side))
                out = io.BytesIO()
                copy.save(out, "JPEG", quality=quality)
                if out.tell() <= THUMB_MAX_BYTES:
                    return out.getvalue(), "image/jpeg"
    except Exception:  # noqa: BLE001 - no thumb rather than no post
        return None
    return None
