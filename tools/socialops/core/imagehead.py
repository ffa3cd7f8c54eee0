"""The size and format of a JPEG or PNG image read from its header, as Pillow's Image.open gives them, without
Pillow: importing it (with the formats it tries first) costs about as much as checking 500 posts, and opening a
file with it ten times what this does.

Only a header that Pillow is certain to open the same way is answered: the markers and chunks Pillow reads before
the picture's data, each complete and with nothing in it that Pillow's readers would refuse or read further
(JPEG: EXIF without a JFIF resolution, a multi-picture (MPO) index, a Photoshop block, a second frame header,
fill bytes or junk between markers; PNG: any chunk not listed below, a bad checksum). Everything else, other
formats, damaged files and sizes past Pillow's decompression-bomb limit included, gives None, and the caller
asks Pillow, which gives the answer or the error. tests/test_imagehead.py checks that on many files written by
Pillow, and on each of them damaged in many ways, every answer given here is Pillow's.
"""

from __future__ import annotations

import zlib

HEAD_BYTES = 65536  # read at most this much: a header not complete within it is left to Pillow
MAX_PIXELS = 1024 * 1024 * 1024 // 4 // 3  # PIL.Image.MAX_IMAGE_PIXELS: past it, Pillow warns or refuses

_JPEG = b"\xff\xd8\xff"
_PNG = b"\x89PNG\r\n\x1a\n"
_SOF = frozenset((0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF, 0xDE))
_SKIPPED = frozenset((0xC4, 0xCC, 0xDC, 0xDD, 0xDF, 0xFE))  # DHT, DAC, DNL, DRI, EXP, COM: read past, nothing checked
_SOS, _DQT = 0xDA, 0xDB
# (bit depth, colour type) Pillow has a mode for (PngImagePlugin._MODES)
_PNG_MODES = frozenset(((1, 0), (2, 0), (4, 0), (8, 0), (16, 0), (8, 2), (16, 2), (1, 3), (2, 3), (4, 3), (8, 3),
                        (8, 4), (16, 4), (8, 6), (16, 6)))
# chunks before the first IDAT that Pillow reads without further checks, with the least length it accepts
_PNG_CHUNKS = {b"PLTE": 0, b"gAMA": 4, b"pHYs": 9, b"sRGB": 1, b"cHRM": 32, b"tEXt": 0}


def image_head(path: str | bytes) -> tuple[int, int, str] | None:
    """(width, height, format) of the image file at `path` as Pillow opens it, or None: not certain (see above)."""
    try:
        with open(path, "rb") as handle:
            return header_facts(handle.read(HEAD_BYTES))
    except OSError:
        return None


def header_facts(data: bytes) -> tuple[int, int, str] | None:
    """(width, height, format) from the first bytes of an image file, or None."""
    if data[:3] == _JPEG:
        found = _jpeg(data)
    elif data[:8] == _PNG:
        found = _png(data)
    else:
        return None
    if found is None or found[0] <= 0 or found[1] <= 0 or found[0] * found[1] > MAX_PIXELS:
        return None
    return found


def _jpeg(data: bytes) -> tuple[int, int, str] | None:
    """As PIL.JpegImagePlugin reads markers up to the first scan (its third byte, 0xFF, starts the first)."""
    size = None
    exif = dpi = False
    pos, total = 2, len(data)
    while True:
        if pos + 4 > total or data[pos] != 0xFF:
            return None
        marker, length = data[pos + 1], int.from_bytes(data[pos + 2:pos + 4], "big")
        start, end = pos + 4, pos + 2 + length
        if length < 2 or end > total:
            return None
        if marker == _SOS:
            break
        if marker in _SOF:
            if size is not None or length < 8 or data[start] != 8 or data[start + 5] not in (1, 3, 4):
                return None
            size = int.from_bytes(data[start + 3:start + 5], "big"), int.from_bytes(data[start + 1:start + 3], "big")
        elif 0xE0 <= marker <= 0xEF:
            kind = _app(marker, data[start:end])
            if kind is None:
                return None
            exif, dpi = exif or kind == "exif", dpi or kind == "dpi"
        elif marker == _DQT:
            if not _tables_whole(data, start, end):
                return None
        elif marker not in _SKIPPED:
            return None
        pos = end
    if size is None or (exif and not dpi):  # Pillow reads the resolution from the EXIF block then
        return None
    return size[0], size[1], "JPEG"


def _app(marker: int, body: bytes) -> str | None:
    """What an application segment tells: "dpi" (a JFIF resolution), "exif", "" (nothing that matters), or None
    when Pillow would read it further than this does or could fail on it."""
    if marker == 0xE0 and body.startswith(b"JFIF"):
        if len(body) < 7:
            return None
        return "dpi" if len(body) >= 12 and body[7] in (1, 2) else ""
    if marker == 0xE1 and body.startswith(b"Exif\0\0"):
        return "exif"
    if marker == 0xE2 and (body.startswith(b"MPF\0") or (body.startswith(b"ICC_PROFILE\0") and len(body) < 14)):
        return None
    if marker == 0xED and body.startswith(b"Photoshop 3.0\0"):
        return None
    if marker == 0xEE and body.startswith(b"Adobe") and len(body) < 7:
        return None
    return ""


def _tables_whole(data: bytes, pos: int, end: int) -> bool:
    """Every quantization table of a DQT segment complete (64 values of 1 or 2 bytes after its number)."""
    while pos < end:
        pos += 65 if data[pos] < 16 else 129
    return pos == end


def _png(data: bytes) -> tuple[int, int, str] | None:
    """As PIL.PngImagePlugin reads chunks up to the first IDAT: IHDR first, each checksum right."""
    pos, total, size = 8, len(data), None
    while True:
        if pos + 8 > total:
            return None
        length, kind = int.from_bytes(data[pos:pos + 4], "big"), data[pos + 4:pos + 8]
        if kind == b"IDAT" and size is not None:
            return size[0], size[1], "PNG"
        start, end = pos + 8, pos + 8 + length
        if end + 4 > total or zlib.crc32(data[start:end], zlib.crc32(kind)) != int.from_bytes(data[end:end + 4], "big"):
            return None
        if size is None:
            if kind != b"IHDR" or length != 13 or data[start + 11] or (data[start + 8], data[start + 9]) not in _PNG_MODES:
                return None
            size = int.from_bytes(data[start:start + 4], "big"), int.from_bytes(data[start + 4:start + 8], "big")
        elif length < _PNG_CHUNKS.get(kind, length + 1):
            return None
        pos = end + 4
