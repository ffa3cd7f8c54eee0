"""core.imagehead: an image's size and format from its header without Pillow, and only where Pillow says the same.

Every answer is checked against Pillow's Image.open on files Pillow writes in many shapes and on each of them
damaged (cut short, a byte changed, bytes put in); the usual files must be answered (else the reader saves nothing).
"""

from __future__ import annotations

import io
import random
import zlib

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from socialops.core import imagehead
from socialops.core.imagehead import header_facts, image_head


def _pillow(data: bytes) -> tuple[int, int, str]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size[0], image.size[1], image.format


def _save(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _exif(tags: dict) -> Image.Exif:
    exif = Image.Exif()
    exif.update(tags)
    return exif


def _files() -> dict[str, bytes]:
    rgb = Image.new("RGB", (64, 48), (200, 30, 90))
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "socialops test")
    return {
        "jpeg": _save(rgb, "JPEG"),
        "jpeg-grey": _save(Image.new("L", (33, 17)), "JPEG"),
        "jpeg-cmyk": _save(Image.new("CMYK", (20, 30)), "JPEG"),
        "jpeg-progressive": _save(rgb, "JPEG", progressive=True, optimize=True),
        "jpeg-dpi": _save(rgb, "JPEG", dpi=(300, 300)),
        "jpeg-comment": _save(rgb, "JPEG", comment=b"made by a test"),
        "jpeg-icc": _save(rgb, "JPEG", icc_profile=srgb),
        "jpeg-restart": _save(rgb, "JPEG", restart_marker_blocks=1),
        "jpeg-exif": _save(rgb, "JPEG", exif=_exif({271: "Camera", 296: 2})),
        "jpeg-exif-dpi": _save(rgb, "JPEG", exif=_exif({271: "Camera"}), dpi=(96, 96)),
        "jpeg-tall": _save(Image.new("RGB", (9, 2000)), "JPEG", quality=5),
        "png": _save(rgb, "PNG"),
        "png-rgba": _save(Image.new("RGBA", (70, 10)), "PNG"),
        "png-la": _save(Image.new("LA", (5, 6)), "PNG"),
        "png-grey": _save(Image.new("L", (3, 4)), "PNG"),
        "png-1bit": _save(Image.new("1", (31, 9)), "PNG"),
        "png-16bit": _save(Image.new("I;16", (8, 8)), "PNG"),
        "png-palette": _save(rgb.convert("P"), "PNG"),
        "png-transparent": _save(rgb.convert("P"), "PNG", transparency=0),
        "png-dpi": _save(rgb, "PNG", dpi=(72, 72)),
        "png-text": _save(rgb, "PNG", pnginfo=info),
        "png-icc": _save(rgb, "PNG", icc_profile=srgb),
        "png-optimized": _save(rgb, "PNG", optimize=True),
        "gif": _save(rgb, "GIF"),
        "webp": _save(rgb, "WEBP"),
        "bmp": _save(rgb, "BMP"),
        "tiff": _save(rgb, "TIFF"),
    }


FILES = _files()
ANSWERED = {"jpeg", "jpeg-grey", "jpeg-cmyk", "jpeg-progressive", "jpeg-dpi", "jpeg-comment", "jpeg-icc",
            "jpeg-restart", "jpeg-exif-dpi", "jpeg-tall", "png", "png-rgba", "png-la", "png-grey", "png-1bit",
            "png-16bit", "png-palette", "png-dpi", "png-text", "png-optimized"}


def test_the_limits_are_pillows() -> None:
    assert imagehead.MAX_PIXELS == Image.MAX_IMAGE_PIXELS
    assert imagehead._PNG_MODES == set(PngImagePlugin._MODES)


@pytest.mark.parametrize("name", sorted(FILES))
def test_a_whole_file_is_answered_as_pillow_does_or_left_to_it(name: str) -> None:
    found = header_facts(FILES[name])
    if name in ANSWERED:
        assert found == _pillow(FILES[name])
    else:  # EXIF to read for the resolution, an ICC chunk to unpack, or another format
        assert found is None


def _damaged(data: bytes, rng: random.Random):
    """The file cut short, with a byte changed, and with bytes put in, over its header (and a little past it)."""
    head = min(len(data), 700)
    for cut in range(0, head, 3):
        yield data[:cut]
    for _ in range(400):
        at = rng.randrange(head)
        yield data[:at] + bytes([rng.randrange(256)]) + data[at + 1:]
    for _ in range(100):
        at = rng.randrange(head)
        yield data[:at] + rng.choice([b"\xff", b"\x00", b"\xff\xff", b"\xff\xd9", b"\xff\xe1\x00\x02"]) + data[at:]


@pytest.mark.parametrize("name", sorted(ANSWERED | {"jpeg-exif", "png-icc"}))
def test_a_damaged_file_is_answered_only_as_pillow_answers(name: str) -> None:
    rng = random.Random(name)
    answered = 0
    for data in _damaged(FILES[name], rng):
        found = header_facts(data)
        if found is not None:  # Pillow opens it, to the same size and format
            assert found == _pillow(data), data[:64]
            answered += 1
    assert answered or name not in ANSWERED  # the checks above were not all skipped


def test_sizes_past_pillows_limit_are_left_to_it() -> None:
    data = bytearray(FILES["png"])
    data[16:24] = (20_000).to_bytes(4, "big") * 2  # IHDR's width and height; its checksum mended
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    assert header_facts(bytes(data)) is None
    data[16:24] = (9_000).to_bytes(4, "big") * 2
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    assert header_facts(bytes(data)) == (9_000, 9_000, "PNG") == _pillow(bytes(data))


def test_image_head_reads_a_file_and_a_missing_one_is_none(tmp_path) -> None:
    (tmp_path / "a.jpg").write_bytes(FILES["jpeg"])
    assert image_head(str(tmp_path / "a.jpg")) == (64, 48, "JPEG")
    assert image_head(str(tmp_path / "missing.jpg")) is None
    assert image_head(str(tmp_path)) is None  # a folder
