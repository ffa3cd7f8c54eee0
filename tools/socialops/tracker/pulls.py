"""The sticky preview comment on a pull request, rendered from the review run's artifact.

The artifact is untrusted data: a fork's pull request shapes every text in it (and can change review.yml
and upload anything). So the artifact is data (JSON, written by `socialops preview --data`), never Markdown:
this trusted code draws the verdict, the headings and the footer itself, and puts every text from the
artifact either in a fenced code block (post texts) or escaped inline (titles, file names, problems), where
nothing can open a comment, close a block, fake a heading or hide the footer.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from socialops.core.safetext import ZWJ, escape_untrusted_markdown, mark_invisible, quote_untrusted
from socialops.errors import UsageError
from socialops.tracker.interface import Tracker
from socialops.tracker.markers import sticky_marker

PREVIEW = "preview"  # the sticky comment's name
DATA_FILE = "preview.json"  # the artifact's preview data (`socialops preview --data`)
MAX_ARTIFACT_BYTES = 2_000_000
MAX_PREVIEW_CHARS = 60_000
MAX_POSTS = 100
MAX_ITEMS = 50  # problems, profiles, media and notes shown per post or profile
_MENTION = re.compile(f"@(?!{ZWJ})")  # an @ not yet followed by a zero-width joiner notifies


def read_pr_number(path: Path) -> int:
    """The pull request number the review run wrote: digits only, or a UsageError."""
    text = "".join(Path(path).read_bytes()[:32].decode("ascii", "replace").split())
    if not re.fullmatch(r"[0-9]{1,9}", text):
        raise UsageError("the artifact's pull request number is not a number; nothing posted")
    return int(text)


def read_preview_data(path: Path) -> dict | None:
    """The preview data of the artifact; None when there is none (the pull request changes no post, or the
    review stopped before the preview), or when it is not the data `socialops preview` writes."""
    if not Path(path).is_file():
        return None
    try:
        data = json.loads(Path(path).read_bytes()[:MAX_ARTIFACT_BYTES].decode("utf-8", "replace"))
    except ValueError:
        return None
    return data if isinstance(data, dict) and isinstance(data.get("posts"), list) else None


def preview_comment(data: dict | None, *, head_sha: str, run_url: str, passed: bool) -> str:
    """The comment's text: the verdict (failed when the run failed or any post has an error), each post drawn
    from the data with its texts made inert, size-capped, and a footer naming the commit and run."""
    posts = [p for p in _items(data.get("posts") if data else None, MAX_POSTS) if isinstance(p, dict)]
    errors = sum(1 for p in posts for q in _items(p.get("problems")) if isinstance(q, dict)
                 and q.get("severity") == "error")
    if data and data.get("verdict") != "passed":
        errors = max(errors, 1)
    passed = passed and errors == 0
    parts = ["## socialops preview", "", _verdict(passed, errors, head_sha), ""]
    if data is None:
        parts.append("No preview: this pull request changes no post." if passed else
                     "No preview: the review stopped before it was made; see the run.")
    elif not posts:
        parts.append("No posts to preview.")
    used = sum(len(part) + 1 for part in parts)
    for index, post in enumerate(posts):
        section = _post(post, head_sha)
        if used + len(section) > MAX_PREVIEW_CHARS:
            parts.append(f"… {len(posts) - index} more post(s) not shown (preview truncated; see the job summary "
                         "of the review run)")
            break
        parts.append(section)
        used += len(section) + 1
    text = "\n".join(parts).rstrip().replace(sticky_marker(PREVIEW), "")
    text = _MENTION.sub("@" + ZWJ, text)  # post texts sit in code blocks, where no @ notifies; this is a belt
    note = "review passed" if passed else "review failed: see the annotations"
    return f"{text}\n\n---\n<sub>socialops preview for {head_sha[:12]} ({note}): {run_url}</sub>\n"


def _verdict(passed: bool, errors: int, head_sha: str) -> str:
    if passed:
        return f"✅ **Review passed** for commit `{head_sha[:12]}`."
    what = f"{errors} problem(s) must be fixed before merging" if errors else "the review run failed"
    return f"❌ **Review failed** for commit `{head_sha[:12]}`: {what}; see the checks' annotations."


def _items(value: Any, limit: int = MAX_ITEMS) -> list:
    return value[:limit] if isinstance(value, list) else []


def _esc(value: Any, max_chars: int = 300) -> str:
    return escape_untrusted_markdown("" if value is None else str(value), max_chars=max_chars)


def _number(value: Any) -> str:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else "?"


def _post(post: dict, head_sha: str) -> str:
    lines = [f"### {_esc(post.get('title'), 200)}", "",
             " · ".join([f"file {_esc(post.get('path'), 200)}", f"type **{_esc(post.get('type'), 20)}**",
                         f"status **{_esc(post.get('status'), 20)}**"]
                        + ([f"pillar {_esc(post.get('pillar'), 100)}"] if post.get("pillar") else [])), ""]
    if post.get("unreadable"):
        lines += [f"❌ The file cannot be read: {_esc(post.get('unreadable'), 500)}", ""]
    problems = [q for q in _items(post.get("problems")) if isinstance(q, dict)]
    for q in problems:
        icon = "❌" if q.get("severity") == "error" else "⚠️"
        lines.append(f"- {icon} line {_number(q.get('line'))}: {_esc(q.get('message'), 600)} ({_esc(q.get('code'), 60)})")
    if problems:
        lines.append("")
    for item in _items(post.get("profiles")):
        if isinstance(item, dict):
            lines += _profile(item, head_sha)
    return "\n".join(lines)


def _profile(item: dict, head_sha: str) -> list[str]:
    lines = [f"#### {_esc(item.get('profile'), 100)} — {_esc(item.get('label'), 100)}"]
    if item.get("supported") is not True:
        return lines + [f"❌ Not published here: {_esc(item.get('refusal'), 200)}.", ""]
    ok = "❌ too long" if item.get("too_long") else "✅"
    lines += [f"- **When:** {_esc(item.get('when'), 200)}",
              f"- **Length:** {_number(item.get('length'))} / {_number(item.get('limit'))} "
              f"{_esc(item.get('counting'), 80)} {ok}"]
    if item.get("live"):
        lines.append(f"- **Live:** {_esc(item.get('live'), 200)}")
    if item.get("link"):
        lines.append(f"- **Link:** {_esc(item.get('link'), 300)}")
    if item.get("card"):
        lines.append(f"- **Card:** {_esc(item.get('card'), 300)}")
    for m in _items(item.get("media")):
        if isinstance(m, dict):
            lines.append(_media(m, head_sha))
    for handling in _items(item.get("subtitles")):
        lines.append(f"- **Subtitles:** {_esc(handling, 300)}")
    for note in _items(item.get("notes")):
        lines.append(f"- ℹ️ {_esc(note, 400)}")
    # invisible characters are published as they are: shown as ⟦U+…⟧ (the code block would drop them)
    lines += ["", quote_untrusted(mark_invisible(str(item.get("text") or "(no text)")))]
    if item.get("first_comment"):
        lines += ["", "First comment:", "", quote_untrusted(mark_invisible(str(item["first_comment"])))]
    return lines + [""]


def _media(m: dict, head_sha: str) -> str:
    name = _esc(m.get("path"), 200)
    url = m.get("url")
    # a link only to a file of the reviewed commit on a GitHub server, never to an address the artifact chose
    if isinstance(url, str) and re.fullmatch(r"[0-9a-f]{40}", head_sha) and re.fullmatch(
            rf"https://[A-Za-z0-9.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/blob/{head_sha}/[A-Za-z0-9._~%/-]+", url):
        name = f"[{name}]({url})"
    alt = f"alt: “{_esc(m.get('alt'), 300)}”" if m.get("alt") else "⚠️ no alt text"
    captions = f", subtitles {_esc(m.get('captions'), 200)}" if m.get("captions") else ""
    return f"- **{_esc(str(m.get('kind') or 'media').capitalize(), 20)}:** {name} — {alt}{captions}"


def post_preview(tracker: Tracker, pr_number: int, head_sha: str, body: str) -> str:
    """Create or update the preview comment; "stale" (nothing posted) when the pull request is closed or
    has newer commits than the preview. Returns stale, created, updated or unchanged."""
    if not tracker.pull_request_is_current(pr_number, head_sha):
        return "stale"
    return tracker.upsert_pr_comment(pr_number, PREVIEW, body)
