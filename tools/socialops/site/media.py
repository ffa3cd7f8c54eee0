"""Images for the site: each post image cut to the shape a network shows it in, small, as a new JPEG.

Re-encoding drops what the original carries besides the picture (EXIF, GPS); a file that is missing,
outside the repository or behind a link into a hidden folder is never read (`media_target`). Thumbnails are
named by what they are made from, so a second build of the same repository makes none again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from socialops.core.workers import map_chunks
from socialops.repository.media import media_target

WIDTH = 480  # CSS pixels of a mock-up, doubled for sharp screens would be 720: 480 keeps pages light


class Thumbnails:
    """The site's images, each source file looked at once however many posts and profiles show it."""

    def __init__(self, root: Path, out: Path) -> None:
        self.root, self.out = root, out
        self._sizes: dict[str, tuple[int, int] | None] = {}
        self._made: dict[tuple[str, float | None], str | None] = {}

    def size(self, rel: str) -> tuple[int, int] | None:
        if rel not in self._sizes:
            self._sizes[rel] = image_size(self.root, rel)
        return self._sizes[rel]

    def get(self, rel: str, aspect: float | None) -> str | None:
        key = _key(rel, aspect)
        if key not in self._made:
            self._made[key] = thumbnail(self.root, rel, self.out, aspect=key[1])
        return self._made[key]

    def make(self, wanted: list[tuple[str, float | None]]) -> None:
        """Makes the thumbnails `wanted` ((image, shape) pairs) at once, in forked processes when there are many:
        decoding and encoding images is most of a cold build."""
        keys = sorted({_key(rel, aspect) for rel, aspect in wanted} - set(self._made), key=str)
        made = map_chunks(lambda key: thumbnail(self.root, key[0], self.out, aspect=key[1]), keys, min_items=200)
        self._made.update(zip(keys, made, strict=True))


def _key(rel: str, aspect: float | None) -> tuple[str, float | None]:
    return rel, None if aspect is None else round(aspect, 4)


def thumbnail(root: Path, rel: str, out: Path, *, aspect: float | None) -> str | None:
    """Writes the thumbnail of the image `rel` into `out/media/` (width / height = `aspect`, or the image's own
    shape) and returns its site-relative path; None when it is not an image that can be read."""
    from PIL import Image, ImageOps, UnidentifiedImageError  # lazy: Pillow only when a site is built

    real, _ = media_target(root, rel)
    if real is None:
        return None
    stat = real.stat()
    key = hashlib.sha256(f"{rel}|{stat.st_size}|{stat.st_mtime_ns}|{aspect}".encode()).hexdigest()[:20]
    name = f"media/{key}.jpg"
    target = out / name
    if target.exists():
        return name
    try:
        with Image.open(real) as image:
            image.draft("RGB", (WIDTH, WIDTH))  # a JPEG decodes at 1/2, 1/4 or 1/8 of its size: far faster
            image = ImageOps.exif_transpose(image).convert("RGB")
            if aspect:
                height = round(WIDTH / aspect)
                image = ImageOps.fit(image, (WIDTH, height))
            else:
                image.thumbnail((WIDTH, WIDTH * 4))
            target.parent.mkdir(parents=True, exist_ok=True)
            image.save(target, "JPEG", quality=82, optimize=True)
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return None
    return name


def shown_aspect(spec, post_type: str, width: int, height: int) -> float | None:
    """The width / height a network shows an image of this size in: stories and reels fill a 9:16 screen;
    elsewhere the network crops a shape outside its range to the nearest end of it."""
    if post_type in ("story", "reel"):
        return 9 / 16
    own = width / height if height else None
    rules = spec.media_rules_for(post_type, "image") if spec is not None else []
    lows = [r.aspect_min for r in rules if r.aspect_min is not None]
    highs = [r.aspect_max for r in rules if r.aspect_max is not None]
    if own is None:
        return None
    return min(max(own, max(lows, default=own)), min(highs, default=own))


def image_size(root: Path, rel: str) -> tuple[int, int] | None:
    from PIL import Image, UnidentifiedImageError  # lazy: Pillow only when a site is built

    real, _ = media_target(root, rel)
    if real is None:
        return None
    try:
        with Image.open(real) as image:
            return image.size
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
        return None
