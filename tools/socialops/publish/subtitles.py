"""Subtitles burned into the picture, for a network that takes no subtitle file with the post's type
(Instagram; Facebook reels and stories; Mastodon): never dropped without a word.

The burning is ffmpeg's ``subtitles`` filter (libass), run with the ffmpeg binary that the ``imageio-ffmpeg``
wheel ships, so nothing needs installing on the runner. The burned video is kept under
``.socialops/burned/`` (not committed), named by a digest of the video and the subtitles, so a second profile
or a retry of the same post uses it again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

from socialops.errors import ContentError
from socialops.networks.spec import NetworkSpec
from socialops.networks.types import MediaFile, PublishRequest

BURNED_DIR = ".socialops/burned"
BURN_TIMEOUT = 3600.0  # seconds: an hour-long 4K video on a slow runner


def ffmpeg_binary() -> str:
    """The ffmpeg that the imageio-ffmpeg wheel ships (IMAGEIO_FFMPEG_EXE may point elsewhere)."""
    import imageio_ffmpeg  # lazy: only publishing a subtitled video needs it

    return imageio_ffmpeg.get_ffmpeg_exe()


def burn_subtitles(video: Path, subtitles: Path, out: Path, *, ffmpeg: str | None = None) -> Path:
    """``video`` with ``subtitles`` (.srt or .vtt) drawn into every frame, written to ``out`` (H.264, the sound
    copied). The subtitle file is copied to a plain name first: the filter's argument syntax gives meaning to
    ``:``, ``,`` and quotes in a path. Raises ContentError with ffmpeg's last words when it fails."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="socialops-burn-") as scratch:
        plain = Path(scratch) / f"subtitles{subtitles.suffix.lower()}"
        shutil.copyfile(subtitles, plain)
        partial = Path(scratch) / "burned.mp4"
        command = [ffmpeg or ffmpeg_binary(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
                   "-i", str(video.resolve()), "-vf", f"subtitles={plain.name}", "-c:v", "libx264",
                   "-pix_fmt", "yuv420p", "-c:a", "copy", "-movflags", "+faststart", str(partial)]
        try:
            done = subprocess.run(command, cwd=scratch, capture_output=True, text=True, timeout=BURN_TIMEOUT,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ContentError(f"burning the subtitles {subtitles.name} into {video.name} failed: {exc}") from None
        if done.returncode != 0 or not partial.is_file():
            last = (done.stderr.strip().splitlines() or ["no message"])[-1][:300]
            raise ContentError(f"burning the subtitles {subtitles.name} into {video.name} failed: {last}")
        shutil.move(partial, out)  # whole or not at all: a failed run leaves no half-written video behind
    return out


def burned_copy(root: Path, media: MediaFile) -> Path:
    """The burned video of ``media`` under .socialops/burned/, made once per video and subtitle content."""
    assert media.captions is not None
    parts = []
    for path in (media.path, media.captions):
        with path.open("rb") as handle:
            parts.append(hashlib.file_digest(handle, "sha256").hexdigest())
    out = root / BURNED_DIR / f"{hashlib.sha256(':'.join(parts).encode()).hexdigest()[:32]}.mp4"
    if not out.is_file():
        burn_subtitles(media.path, media.captions, out)
    return out


def with_subtitles_burned(request: PublishRequest, spec: NetworkSpec, mode: str) -> PublishRequest:
    """The request as the network receives it: each video whose subtitles it cannot take as a file gets them
    burned in (``burned_from`` keeps the original). Untouched when nothing is to burn; "refused" never gets
    here (validation stops such a post)."""
    if spec.subtitle_handling(request.type, mode) != "burn" or not any(
            m.kind == "video" and m.captions is not None for m in request.media):
        return request
    media = [dataclasses.replace(m, path=burned_copy(request.root, m), captions=None, captions_rel=None,
                                 burned_from=m.path)
             if m.kind == "video" and m.captions is not None else m for m in request.media]
    return dataclasses.replace(request, media=media)
