"""Images for the site: each post image cut to the shape a network shows it in, small, as a new JPEG.

Re-encoding drops what the original carries besides the picture (EXIF, GPS); a file that is missing,
outside the repository or behind a link into a hidden folder is never read (`media_target`). Thumbnails are
named by what they are made from, so a second build of the same repository makes none again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from socialops.core.workers import map_chunks
from socialops.repository.media import media_target

WIDTH = 480  # CSS pixels of a mock-up, doubled for sharp screens would be 720: 480 keeps pages light
SQUARE = 120  # the calendar's 2.5rem (40 px) squares, at three screen pixels to one


class Thumbnails:
    """The site's images, each source file looked at once however many posts and profiles show it."""

    def __init__(self, root: Path, out: Path) -> None:
        self.root, self.out = root, out
        self._sizes: dict[str, tuple[int, int] | None] = {}
        self._made: dict[tuple[str, float | None, int], str | None] = {}
        # (image, network spec, post type) -> its shape there: thousands of posts show the same few images.
        # By the spec's identity: the specs are the profiles', alive as long as this build.
        self._shapes: dict[tuple[str, int, str], tuple[float | None, Any] | None] = {}

    def shape(self, rel: str, spec, post_type: str) -> float | None | bool:
        """The shape (width / height) the image `rel` is shown in by `spec`'s network in a `post_type` post;
        False when it is not an image that can be read."""
        key = (rel, id(spec), post_type)
        found = self._shapes.get(key)
        if found is None or found[1] is not spec:
            size = self.size(rel)
            found = self._shapes[key] = (shown_aspect(spec, post_type, *size) if size else False, spec)
        return found[0]

    def shown(self, rel: str, spec, post_type: str) -> str | None:
        """The mock-up's thumbnail of the image `rel` as `spec`'s network shows it; None when there is none."""
        aspect = self.shape(rel, spec, post_type)
        return None if aspect is False else self.get(rel, aspect)

    def size(self, rel: str) -> tuple[int, int] | None:
        if rel not in self._sizes:
            self._sizes[rel] = image_size(self.root, rel)
        return self._sizes[rel]

    def get(self, rel: str, aspect: float | None, width: int = WIDTH) -> str | None:
        key = _key(rel, aspect, width)
        if key not in self._made:
            self._made[key] = thumbnails(self.root, rel, self.out, [key[1:]])[0]
        return self._made[key]

    def make(self, wanted: list[tuple[str, float | None, int]]) -> None:
        """Makes the thumbnails `wanted` ((image, shape, width)) at once, each image decoded once for all its
        shapes, in forked processes when there are many: decoding and resizing images is most of a cold build."""
        shapes: dict[str, list[Shape]] = {}
        for key in sorted({_key(*item) for item in wanted} - set(self._made), key=str):
            shapes.setdefault(key[0], []).append(key[1:])
        rels = list(shapes)
        # An image takes milliseconds: chunks of a few, so that the processes finish together.
        made = map_chunks(lambda rel: thumbnails(self.root, rel, self.out, shapes[rel]), rels, min_items=50,
                          chunk=8)
        for rel, names in zip(rels, made, strict=True):
            self._made.update(((rel, *shape), name) for shape, name in zip(shapes[rel], names, strict=True))


Shape = tuple[float | None, int]  # width / height (None: the image's own), and width in pixels


def _key(rel: str, aspect: float | None, width: int = WIDTH) -> tuple[str, float | None, int]:
    return rel, None if aspect is None else round(aspect, 4), width


def thumbnails(root: Path, rel: str, out: Path, shapes: list[Shape]) -> list[str | None]:
    """Writes the thumbnails of the image `rel` into `out/media/`, one per shape (width / height, or the image's
    own shape when None, and width), and returns their site-relative paths; None when it is not an image that
    can be read."""
    from PIL import Image, ImageOps, UnidentifiedImageError  # lazy: Pillow only when a site is built

    real, _ = media_target(root, rel)
    if real is None:
        return [None] * len(shapes)
    stat = real.stat()
    names = [f"media/{_name(rel, stat.st_size, stat.st_mtime_ns, aspect, width)}.jpg" for aspect, width in shapes]
    todo = [(shape, out / name) for shape, name in zip(shapes, names, strict=True) if not (out / name).exists()]
    if not todo:
        return names
    try:
        with Image.open(real) as image:
            image.draft("RGB", (WIDTH, WIDTH))  # a JPEG decodes at 1/2, 1/4 or 1/8 of its size: far faster
            ImageOps.exif_transpose(image, in_place=True)  # in place: a copy of a large image costs a decode's time
            if image.mode != "RGB":
                image = image.convert("RGB")
            todo[0][1].parent.mkdir(parents=True, exist_ok=True)
            for (aspect, width), target in todo:
                _resized(image, aspect, width).save(target, "JPEG", quality=82, optimize=True)
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return [None] * len(shapes)
    return names


def _name(rel: str, size: int, mtime_ns: int, aspect: float | None, width: int) -> str:
    # Named by what it is made from: a second build finds it made. (The mock-up's width adds nothing, so the
    # names of sites built before the calendar had its own small squares stay.)
    extra = "" if width == WIDTH else f"|{width}"
    return hashlib.sha256(f"{rel}|{size}|{mtime_ns}|{aspect}{extra}".encode()).hexdigest()[:20]


def _resized(image, aspect: float | None, width: int):
    from PIL import ImageOps

    if not aspect:
        image = image.copy()
        image.thumbnail((width, width * 4))  # Pillow reduces it cheaply first when far bigger
        return image
    # Far bigger than wanted (a calendar square): Image.reduce halves it cheaply, down to twice the size, and
    # the finer resampling does only the rest.
    factor = int(min(image.width, image.height * aspect) // (2 * width))
    if factor >= 2:
        image = image.reduce(factor)
    return ImageOps.fit(image, (width, round(width / aspect)))


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
