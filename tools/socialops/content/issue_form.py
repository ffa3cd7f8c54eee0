"""A post proposed through an issue form: the answers of an issue made with a form, and the proposed post
(.github/ISSUE_TEMPLATE/new-post.yml) turned into a draft post file."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from socialops.content.new import create_post
from socialops.core.files import atomic_write_text
from socialops.core.safetext import escape_untrusted_markdown, one_line, quote_untrusted
from socialops.errors import UsageError
from socialops.repository.posts import POST_TYPES, load_post
from socialops.repository.profiles import find_profiles

NO_RESPONSE = "_No response_"
# "Fixes #12", "closes: owner/repo#3", "Resolved https://github.com/o/r/issues/4": in a commit message or a
# squash-merged pull request's title, these close that issue when the change reaches the default branch.
CLOSING_KEYWORD = re.compile(r"(?i)\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b\s*:?\s*"
                             r"(?=(?:[\w.-]+/[\w.-]+)?#\d|gh-\d|https?://)")
LOGIN_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$")


def parse_issue_form(body: str, labels_to_ids: Mapping[str, str]) -> dict[str, str]:
    """The answers of an issue made with an issue form, by field id.

    GitHub renders every field, in the form's order, as ``### <label>`` followed by the answer
    (``_No response_`` when left empty). ``labels_to_ids`` must be in the form's order (as
    ``form_labels`` returns it). The headings are searched from the end: the last field's
    heading is the last line with its label, the one before it the last such line above, and so
    on, so a heading typed into an answer cannot take over a later field or an earlier one
    (only a field whose answer repeats its own label loses the text above that line)."""
    lines = (body or "").replace("\r\n", "\n").split("\n")
    fields: dict[str, str] = {}
    end = len(lines)
    for label, field_id in reversed(list(labels_to_ids.items())):
        heading = f"### {label}"
        at = next((i for i in range(end - 1, -1, -1) if lines[i].rstrip() == heading), None)
        if at is None:
            continue
        text = "\n".join(lines[at + 1:end]).strip()
        fields[field_id] = "" if text == NO_RESPONSE else text
        end = at
    return fields


def form_labels(template: Path) -> dict[str, str]:
    """label -> id of the input fields of an issue form file."""
    data = yaml.safe_load(Path(template).read_text(encoding="utf-8")) or {}
    out = {}
    for item in data.get("body") or []:
        if isinstance(item, dict) and item.get("id") and item.get("type") != "markdown":
            out[str((item.get("attributes") or {}).get("label", ""))] = str(item["id"])
    return out


@dataclass
class ProposedPost:
    path: str  # repository-relative path of the new post file
    title: str
    profiles: list[str]
    unknown_profiles: list[str]


def write_proposed_post(root: Path, fields: Mapping[str, str], *, now: Any, tz: Any) -> ProposedPost:
    """Write a draft post file from the answers of the new-post issue form.

    The text goes in verbatim as the body (the file is reviewed in a pull request before
    anything is published; status is draft). Profiles must exist under profiles/; unknown ones
    are left out and reported. Raises UsageError when nothing usable is left."""
    title = " ".join((fields.get("title") or "").split())[:120]
    caption = (fields.get("caption") or "").replace("\r\n", "\n").strip()
    if not title or not caption:
        raise UsageError("The form needs a working title and the text of the post.")
    known = {Path(rel).stem for rel in find_profiles(Path(root))}
    wanted = [p for p in re.split(r"[\s,;]+", fields.get("profiles") or "") if p]
    profiles = [p for p in dict.fromkeys(wanted) if p in known]
    unknown = [p for p in dict.fromkeys(wanted) if p not in known]
    if not profiles:
        raise UsageError(f"None of the profiles {wanted!r} exists; use ids from the profiles/ folder: "
                         f"{', '.join(sorted(known)) or '(none)'}.")
    post_type = (fields.get("type") or "").strip().lower() or None
    if post_type not in (None, *POST_TYPES):
        raise UsageError(f"Type {post_type!r} is not one of {', '.join(POST_TYPES)}.")
    when = (fields.get("publish_at") or "").strip() or None
    rel = create_post(Path(root), title, profiles, post_type=post_type, when=when, now=now, tz=tz)
    meta = dict(load_post(Path(root), rel).raw)  # the project's own loader reads what create_post wrote
    link = (fields.get("link") or "").strip()
    if re.fullmatch(r"https?://\S+", link):
        meta["link"] = link
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, default_flow_style=None, width=100)
    atomic_write_text(Path(root) / rel, f"---\n{front}---\n{caption}\n")
    return ProposedPost(rel, title, profiles, unknown)


def without_closing_keywords(text: str) -> str:
    """`text` on one line, without the closing keywords that precede an issue reference (repeated until none
    is left: removing one must not join another keyword to a reference)."""
    text = one_line(text)
    while (cleaned := CLOSING_KEYWORD.sub("", text)) != text:
        text = cleaned
    return text


def proposal_texts(post: ProposedPost, *, issue_number: int | None, author: str | None) -> dict[str, str]:
    """The commit message, pull request title and body for a proposed post. The answers are untrusted: the
    commit message is fixed (the title could close an issue on merge), the title loses closing keywords, and
    the names of unknown profiles are escaped (no code span a backtick could close, no mention)."""
    issue = f"#{issue_number}" if type(issue_number) is int and issue_number > 0 else "an issue"
    who = f"@{author}" if isinstance(author, str) and LOGIN_RE.match(author) else "someone"
    lines = [f"Proposed by {who} in {issue}. The post is a **draft**: add the pictures,",
             "check the text and the time, then set `status: ready`.", ""]
    if post.unknown_profiles:
        names = ", ".join(escape_untrusted_markdown(name, max_chars=60) for name in post.unknown_profiles[:20])
        lines += [f"Left out (no such profile): {names}", ""]
    lines += ["Checks do not start by themselves on pull requests opened by the automation:",
              "close and reopen this pull request to run the review and get the preview."]
    return {"commit_message": f"Proposed post {post.path} (from {issue})",
            "pr_title": f"Post: {without_closing_keywords(post.title)}",
            "pr_body": "\n".join(lines) + "\n"}


def error_comment(message: str) -> str:
    """The issue comment when no post could be made: the error (which may quote the answers) in a code fence
    longer than any run of backticks in it, so a multi-line answer cannot close the fence."""
    return ("The post file could not be made from this issue:\n\n" + quote_untrusted(message, max_chars=2000)
            + "\n\nEdit the issue, then remove and add the `new-post` label to try again.\n")
