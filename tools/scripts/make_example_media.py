"""Regenerate the example media of Kahvila Aurinko under content/media/.

The files are committed; nothing at test time needs this script. Run it only to rebuild or
change the examples:

    .venv/bin/pip install imageio-ffmpeg     # or have a system `ffmpeg` on PATH
    .venv/bin/python tools/scripts/make_example_media.py [--out content/media] [--check]

Everything is drawn from fixed shapes and colours (no randomness, no clock), JPEG/PNG are
written without metadata, and x264 runs single-threaded in bit-exact mode, so the same
Pillow/libjpeg and ffmpeg builds produce byte-identical files. `--check` regenerates into a
temporary folder and reports which committed files differ (a different library build may
legitimately change bytes while keeping sizes and dimensions).

Sizes are chosen to satisfy every network's rules (see ../shared/reference/platform-api.md):
Instagram feed images are JPEG, 320-1440 px wide, aspect 4:5 to 1.91:1; stories and reels
are 9:16 video; each file stays small (images <= 30 KB, videos <= 100 KB).
"""

from __future__ import annotations

import argparse
import filecmp
import math
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "content" / "media"

MAX_IMAGE_BYTES = 30_000
MAX_VIDEO_BYTES = 100_000

# Palette of the fictional brand.
SUN = (246, 178, 60)
CREAM = (250, 236, 210)
COFFEE = (92, 58, 38)
LATTE = (196, 150, 108)
NIGHT = (28, 38, 66)
SNOW = (236, 242, 248)
BERRY = (170, 40, 60)
PINE = (36, 92, 60)


# --------------------------------------------------------------------------- drawing helpers


def _gradient(size: tuple[int, int], top: tuple[int, int, int], bottom: tuple[int, int, int]):
    from PIL import Image

    w, h = size
    column = Image.new("RGB", (1, h))
    for y in range(h):
        t = y / max(h - 1, 1)
        column.putpixel((0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    return column.resize((w, h))


def _soft(img, radius: float = 6):
    from PIL import ImageFilter

    return img.filter(ImageFilter.GaussianBlur(radius))


FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",  # Debian fonts-dejavu-core: has ä and ö
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
)


def _font(size: int):
    from PIL import ImageFont

    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return ImageFont.truetype(candidate, size=size)
    # Pillow's built-in font lacks ä/ö; labels still render, with boxes for those letters.
    return ImageFont.load_default(size=size)


def _label(draw, xy: tuple[int, int], text: str, size: int, fill=CREAM) -> None:
    draw.text(xy, text, font=_font(size), fill=fill, anchor="mm")


def _bun(draw, cx: int, cy: int, r: int) -> None:
    """A cinnamon bun seen from above: a golden disc with a spiral."""
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(200, 134, 62))
    turns = 3.2
    pts = []
    for i in range(240):
        t = i / 239
        a = t * turns * 2 * math.pi
        rr = r * 0.9 * t
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    draw.line(pts, fill=(120, 70, 30), width=max(3, r // 12))
    for k in range(9):  # pearl sugar
        a = k * 2.4
        rr = r * (0.25 + 0.07 * k)
        x, y = cx + rr * math.cos(a), cy + rr * math.sin(a)
        draw.ellipse((x - r / 18, y - r / 18, x + r / 18, y + r / 18), fill=(252, 250, 244))


def _cup(draw, cx: int, cy: int, r: int, foam=CREAM) -> None:
    """A coffee cup from above with latte art (a heart)."""
    draw.ellipse((cx - r - r // 3, cy - r - r // 3, cx + r + r // 3, cy + r + r // 3), fill=(245, 245, 240))
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=LATTE)
    h = r // 2
    draw.ellipse((cx - h, cy - h, cx, cy), fill=foam)
    draw.ellipse((cx, cy - h, cx + h, cy), fill=foam)
    draw.polygon([(cx - h, cy - h // 2), (cx + h, cy - h // 2), (cx, cy + h)], fill=foam)
    # handle
    draw.rounded_rectangle((cx + r + r // 3, cy - r // 6, cx + r + r // 3 + r // 2, cy + r // 6), r // 10, fill=(245, 245, 240))


def _sun(draw, cx: int, cy: int, r: int) -> None:
    for k in range(12):
        a = k * math.pi / 6
        draw.line(
            (cx + r * 1.2 * math.cos(a), cy + r * 1.2 * math.sin(a), cx + r * 1.6 * math.cos(a), cy + r * 1.6 * math.sin(a)),
            fill=SUN,
            width=max(4, r // 8),
        )
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=SUN)


def _star(draw, cx: int, cy: int, r: int, fill) -> None:
    pts = []
    for k in range(10):
        a = -math.pi / 2 + k * math.pi / 5
        rr = r if k % 2 == 0 else r * 0.45
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    draw.polygon(pts, fill=fill)


def _tree(draw, cx: int, base: int, h: int) -> None:
    for k in range(3):
        w = h * (0.5 - k * 0.12)
        top = base - h + k * h * 0.22
        bottom = base - k * h * 0.25
        draw.polygon([(cx, top), (cx - w / 2, bottom), (cx + w / 2, bottom)], fill=PINE)
    _star(draw, cx, round(base - h), h // 12, SUN)


# --------------------------------------------------------------------------- images


def img_kardemummapulla():
    """1080x1350 (4:5) portrait: buns on a cream table, warm light."""
    from PIL import ImageDraw

    im = _gradient((1080, 1350), (255, 226, 170), (210, 160, 110))
    d = ImageDraw.Draw(im)
    d.rectangle((0, 900, 1080, 1350), fill=(150, 100, 66))
    _bun(d, 380, 760, 230)
    _bun(d, 760, 980, 190)
    _cup(d, 820, 480, 120)
    im = _soft(im, 3)
    d = ImageDraw.Draw(im)
    _label(d, (540, 1260), "Kahvila Aurinko", 54)
    return im


def img_joulumenu(n: int):
    """1080x1080 squares for the Christmas menu carousel."""
    from PIL import ImageDraw

    bgs = [((120, 30, 44), (60, 14, 24)), ((30, 70, 50), (14, 34, 26)), (NIGHT, (12, 16, 30))]
    top, bottom = bgs[n - 1]
    im = _gradient((1080, 1080), top, bottom)
    d = ImageDraw.Draw(im)
    if n == 1:  # joulutorttu: a star pastry with plum jam
        _star(d, 540, 500, 300, (236, 196, 130))
        d.ellipse((490, 450, 590, 550), fill=(70, 20, 30))
        title = "Joulutorttu"
    elif n == 2:  # gingerbread cookies
        for i, (x, y) in enumerate([(330, 420), (720, 420), (540, 700)]):
            d.ellipse((x - 150, y - 150, x + 150, y + 150), fill=(160, 90, 40))
            d.arc((x - 110, y - 110, x + 110, y + 110), 200 + i * 20, 340 + i * 20, fill=SNOW, width=12)
        title = "Piparit"
    else:  # glögi: a red cup and a tree
        _tree(d, 300, 880, 560)
        d.rounded_rectangle((560, 420, 860, 820), 40, fill=BERRY)
        d.ellipse((560, 380, 860, 470), fill=(120, 20, 36))
        title = "Glögi"
    im = _soft(im, 4)
    d = ImageDraw.Draw(im)
    _label(d, (540, 980), title, 64, fill=SNOW)
    return im


def img_lahjakortti():
    """1200x630 (1.905:1) landscape: a gift card."""
    from PIL import ImageDraw

    im = _gradient((1200, 630), (40, 52, 88), NIGHT)
    d = ImageDraw.Draw(im)
    d.rounded_rectangle((260, 110, 940, 520), 36, fill=SUN)
    _sun(d, 420, 315, 70)
    d.rectangle((560, 250, 880, 270), fill=COFFEE)
    d.rectangle((560, 310, 820, 330), fill=COFFEE)
    d.rectangle((560, 370, 860, 390), fill=COFFEE)
    im = _soft(im, 2)
    d = ImageDraw.Draw(im)
    _label(d, (600, 580), "Lahjakortti - Gift card", 40, fill=SNOW)
    return im


def img_kanta_asiakaskortti():
    """1080x1080 PNG with flat colours (a loyalty stamp card); PNG compresses flat art best."""
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (1080, 1080), CREAM)
    d = ImageDraw.Draw(im)
    _sun(d, 540, 250, 110)
    for i in range(10):
        x = 190 + (i % 5) * 175
        y = 560 + (i // 5) * 200
        d.ellipse((x - 70, y - 70, x + 70, y + 70), outline=COFFEE, width=8)
        if i < 6:
            _cup(d, x, y, 34, foam=CREAM)
    _label(d, (540, 980), "10. kuppi talon piikkiin", 52, fill=COFFEE)
    # A palette image stays a few KB while showing the same picture.
    return im.quantize(colors=16, dither=Image.Dither.NONE)


def img_uusivuosi():
    """1080x1080: fireworks over a night sky for the (draft) New Year campaign."""
    from PIL import ImageDraw

    im = _gradient((1080, 1080), (10, 14, 40), (50, 40, 90))
    d = ImageDraw.Draw(im)
    for cx, cy, r, col in [(300, 300, 180, SUN), (760, 380, 220, BERRY), (540, 640, 150, SNOW)]:
        for k in range(24):
            a = k * math.pi / 12
            d.line((cx + r * 0.3 * math.cos(a), cy + r * 0.3 * math.sin(a), cx + r * math.cos(a), cy + r * math.sin(a)), fill=col, width=6)
    d.rectangle((0, 900, 1080, 1080), fill=(16, 18, 30))
    im = _soft(im, 2)
    d = ImageDraw.Draw(im)
    _label(d, (540, 990), "Hyvää uutta vuotta 2027", 56, fill=SNOW)
    return im


IMAGES = {
    "kardemummapulla.jpg": img_kardemummapulla,
    "joulumenu-1.jpg": lambda: img_joulumenu(1),
    "joulumenu-2.jpg": lambda: img_joulumenu(2),
    "joulumenu-3.jpg": lambda: img_joulumenu(3),
    "lahjakortti.jpg": img_lahjakortti,
    "uusivuosi.jpg": img_uusivuosi,
    "kanta-asiakaskortti.png": img_kanta_asiakaskortti,
}


def save_image(im, path: Path) -> None:
    if path.suffix == ".png":
        im.save(path, format="PNG", optimize=True)
        return
    # Lower the quality until the file fits the budget: a few KB, still recognisable.
    for quality in (60, 50, 40, 32, 25, 20):
        im.save(path, format="JPEG", quality=quality, optimize=True, progressive=False, subsampling=2)
        if path.stat().st_size <= MAX_IMAGE_BYTES:
            return
    raise SystemExit(f"{path.name}: {path.stat().st_size} bytes even at low quality")


# --------------------------------------------------------------------------- video


def _ffmpeg() -> str:
    exe = shutil.which("ffmpeg")
    if exe:
        return exe
    try:
        import imageio_ffmpeg
    except ImportError:
        raise SystemExit("needs ffmpeg: `pip install imageio-ffmpeg` (ships a binary) or install ffmpeg") from None
    return imageio_ffmpeg.get_ffmpeg_exe()


def _frames_leipomo(i: int, n: int):
    """640x360 landscape: dawn in the bakery, an oven door glowing, trays of buns sliding in."""
    from PIL import ImageDraw

    t = i / (n - 1)
    im = _gradient((640, 360), (int(40 + 120 * t), int(30 + 80 * t), 60), (20, 14, 10))
    d = ImageDraw.Draw(im)
    d.rounded_rectangle((360, 60, 600, 300), 16, fill=(60, 60, 64))
    d.rounded_rectangle((380, 90, 580, 270), 10, fill=(int(120 + 120 * t), int(60 + 60 * t), 20))
    x = int(-200 + 520 * t)
    d.rectangle((x, 230, x + 200, 244), fill=(150, 150, 156))
    for k in range(3):
        _bun(d, x + 35 + k * 65, 210, 26)
    _label(d, (180, 60), "Klo 5.30", 40)
    return im


def _frames_maitovaahto(i: int, n: int):
    """540x960 (9:16) reel: a latte-art heart growing in a cup."""
    from PIL import ImageDraw

    t = i / (n - 1)
    im = _gradient((540, 960), (70, 46, 34), (30, 20, 16))
    d = ImageDraw.Draw(im)
    cx, cy, r = 270, 470, 190
    d.ellipse((cx - r - 50, cy - r - 50, cx + r + 50, cy + r + 50), fill=(245, 245, 240))
    d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=LATTE)
    h = max(4, int(r * 0.55 * t))
    d.ellipse((cx - h, cy - h, cx, cy), fill=CREAM)
    d.ellipse((cx, cy - h, cx + h, cy), fill=CREAM)
    d.polygon([(cx - h, cy - h // 2), (cx + h, cy - h // 2), (cx, cy + h)], fill=CREAM)
    _label(d, (270, 800), "Latte art", 48)
    return im


def _frames_joulutori(i: int, n: int):
    """540x960 (9:16) story: snow falling over the Christmas market sign."""
    from PIL import ImageDraw

    t = i / (n - 1)
    im = _gradient((540, 960), NIGHT, (70, 30, 50))
    d = ImageDraw.Draw(im)
    _tree(d, 270, 700, 420)
    for k in range(40):
        x = (k * 97) % 540
        y = int((k * 53 + t * 600) % 960)
        d.ellipse((x - 5, y - 5, x + 5, y + 5), fill=SNOW)
    d.rounded_rectangle((70, 760, 470, 900), 20, fill=BERRY)
    _label(d, (270, 810), "Joulutori", 50, fill=SNOW)
    _label(d, (270, 862), "la 5.12. klo 10-16", 32, fill=SNOW)
    return im


VIDEOS = {
    # name: (size, seconds, fps, frame function)
    "leipomo-aamulla.mp4": ((640, 360), 5, 24, _frames_leipomo),
    "maitovaahto-reel.mp4": ((540, 960), 5, 24, _frames_maitovaahto),
    "joulutori-story.mp4": ((540, 960), 4, 24, _frames_joulutori),
}


def make_video(path: Path, size: tuple[int, int], seconds: int, fps: int, frame) -> None:
    n = seconds * fps
    w, h = size
    for crf in (34, 38, 42, 46):
        cmd = [
            _ffmpeg(), "-hide_banner", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", str(fps), "-i", "-",
            "-an", "-c:v", "libx264", "-preset", "slow", "-crf", str(crf), "-pix_fmt", "yuv420p",
            "-profile:v", "main", "-threads", "1", "-x264-params", "threads=1:sliced-threads=0",
            "-g", str(fps * 2), "-movflags", "+faststart", "-map_metadata", "-1",
            "-fflags", "+bitexact", "-flags:v", "+bitexact", "-metadata", "creation_time=",
            str(path),
        ]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
        assert proc.stdin is not None
        for i in range(n):
            proc.stdin.write(frame(i, n).tobytes())
        proc.stdin.close()
        if proc.wait() != 0:
            raise SystemExit(f"ffmpeg failed for {path.name}")
        if path.stat().st_size <= MAX_VIDEO_BYTES:
            return
    raise SystemExit(f"{path.name}: {path.stat().st_size} bytes even at crf 46")


# --------------------------------------------------------------------------- subtitles

SUBTITLES = {
    "leipomo-aamulla.fi.vtt": """WEBVTT

00:00:00.000 --> 00:00:02.000
Kello on puoli kuusi, ja uuni on jo lämmin.

00:00:02.000 --> 00:00:05.000
Ensimmäiset korvapuustit menevät uuniin.
""",
    # The same subtitles as SubRip: Facebook and LinkedIn take .srt, Bluesky takes .vtt.
    "leipomo-aamulla.fi.srt": """1
00:00:00,000 --> 00:00:02,000
Kello on puoli kuusi, ja uuni on jo lämmin.

2
00:00:02,000 --> 00:00:05,000
Ensimmäiset korvapuustit menevät uuniin.
""",
    "joulutori-story.fi.srt": """1
00:00:00,000 --> 00:00:02,000
Joulutori Aurinko-kahvilan pihalla!

2
00:00:02,000 --> 00:00:04,000
Lauantaina 5.12. kello 10–16.
""",
    "maitovaahto-reel.fi.srt": """1
00:00:00,000 --> 00:00:02,500
Maito vaahdotetaan noin 60 asteeseen.

2
00:00:02,500 --> 00:00:05,000
Sitten kaadetaan rauhallisesti: sydän syntyy.
""",
}


# --------------------------------------------------------------------------- main


def generate(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in IMAGES.items():
        save_image(make(), out / name)
        written.append(out / name)
    for name, (size, seconds, fps, frame) in VIDEOS.items():
        make_video(out / name, size, seconds, fps, frame)
        written.append(out / name)
    for name, text in SUBTITLES.items():
        (out / name).write_text(text, encoding="utf-8", newline="\n")
        written.append(out / name)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--check", action="store_true", help="compare a fresh build with the committed files")
    args = parser.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            fresh = generate(Path(tmp))
            differ = [p.name for p in fresh if not filecmp.cmp(p, args.out / p.name, shallow=False)]
        for name in differ:
            print(f"differs: {name}")
        return 1 if differ else 0
    for path in generate(args.out):
        print(f"{path.stat().st_size:>8}  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
