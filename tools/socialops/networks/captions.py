"""Subtitle files as a network takes them: SubRip for Meta and LinkedIn (a WebVTT file is converted), read
with webvtt-py (imported on use)."""

from __future__ import annotations

from pathlib import Path


def srt_bytes(path: Path) -> bytes:
    """The subtitle file as SubRip bytes: .srt as it is, .vtt converted."""
    if path.suffix.lower() != ".vtt":
        return path.read_bytes()
    import webvtt

    captions = webvtt.read(str(path)).captions
    blocks = [f"{i}\n{c.start.replace('.', ',')} --> {c.end.replace('.', ',')}\n{c.text}\n"
              for i, c in enumerate(captions, start=1)]
    return "\n".join(blocks).encode("utf-8")
