"""The sticky preview comment on a pull request, made from the review run's artifact (untrusted data: a
fork can change review.yml and upload anything)."""

from __future__ import annotations

import re
from pathlib import Path

from socialops.core.safetext import ZWJ
from socialops.errors import UsageError
from socialops.tracker.interface import Tracker
from socialops.tracker.markers import sticky_marker

PREVIEW = "preview"  # the sticky comment's name
MAX_ARTIFACT_BYTES = 200_000
MAX_PREVIEW_CHARS = 60_000
_MENTION = re.compile(f"@(?!{ZWJ})")  # an @ not yet followed by a zero-width joiner notifies


def read_pr_number(path: Path) -> int:
    """The pull request number the review run wrote: digits only, or a UsageError."""
    text = "".join(Path(path).read_bytes()[:32].decode("ascii", "replace").split())
    if not re.fullmatch(r"[0-9]{1,9}", text):
        raise UsageError("the artifact's pull request number is not a number; nothing posted")
    return int(text)


def preview_comment(preview: Path, *, head_sha: str, run_url: str, passed: bool) -> str:
    """The comment's text: the preview size-capped, with no @-mention that notifies and no copy of the
    sticky marker, and a footer that says which commit and run it came from."""
    raw = Path(preview).read_bytes()[:MAX_ARTIFACT_BYTES].decode("utf-8", "replace")
    text = _MENTION.sub("@" + ZWJ, raw.replace(sticky_marker(PREVIEW), ""))
    if len(text) > MAX_PREVIEW_CHARS:
        text = text[:MAX_PREVIEW_CHARS] + "\n\n… (preview truncated; see the job summary of the review run)"
    note = "review passed" if passed else "review failed: see the annotations"
    return f"{text}\n\n---\n<sub>socialops preview for {head_sha[:12]} ({note}): {run_url}</sub>\n"


def post_preview(tracker: Tracker, pr_number: int, head_sha: str, body: str) -> str:
    """Create or update the preview comment; "stale" (nothing posted) when the pull request is closed or
    has newer commits than the preview. Returns stale, created, updated or unchanged."""
    if not tracker.pull_request_is_current(pr_number, head_sha):
        return "stale"
    return tracker.upsert_pr_comment(pr_number, PREVIEW, body)
