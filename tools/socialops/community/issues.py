"""The issue text for flagged comments: one issue per thread, its key, title, labels and body (the comment
quoted inert, the /commands the network allows, manual steps for the rest).

The key (``comments-<profile>-<thread hash>``) makes opening an issue idempotent even when a run dies
between opening it and writing the seen line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialops.community.categories import CATEGORY_TITLE, CUSTOMER_SERVICE, SEVERITY, Decision
from socialops.community.manual import manual_steps
from socialops.core.safetext import escape_untrusted_markdown, quote_untrusted, safe_link
from socialops.networks.contract import Comment, Network
from socialops.repository.profiles import Profile


def issue_key(profile_id: str, thread: str) -> str:
    """The tracker key of a thread's issue: stable, short, safe as a file name."""
    return f"comments-{profile_id}-{hashlib.sha256(thread.encode('utf-8')).hexdigest()[:16]}"



@dataclass
class Found:
    """One new comment of a comments run, classified: what its issue shows."""

    profile: Profile
    network: str
    post_id: str
    post_title: str
    post_path: str
    post_url: str
    comment: Comment
    decision: Decision
    hidden: str = ""  # what auto-moderation did: "" | "hidden" | "cannot" | "failed: ..."
    hide_rule: str = ""
    issue: str = ""
    issue_number: int | None = None



def issue_labels(items: list[Found]) -> list[str]:
    labels: list[str] = []
    for found in items:
        cat = found.decision.category
        labels += [cat] if cat != "other" else ["watch-word"]
        labels.append("customer-service" if cat in CUSTOMER_SERVICE | {"incident"} else "moderation" if cat != "other" else "")
        labels += [f"profile:{found.profile.id}", f"network:{found.network}"]
        if found.hidden == "hidden":
            labels.append("hidden")
    return [lab for lab in dict.fromkeys(labels) if lab]


def issue_title(items: list[Found]) -> str:
    cats = [f.decision.category for f in items]
    top = min(cats, key=SEVERITY.index)
    what = CATEGORY_TITLE[top]
    profile = items[0].profile
    thread = f" ({len(items)} in one thread)" if len(items) > 1 else ""
    title = " ".join(items[0].post_title.split())[:60]
    return f"{what} on {profile.id}{thread}: {title}"[:250]


def saved_replies(root: Path) -> list[str]:
    folder = Path(root) / "replies"
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.md") if p.stem.lower() != "readme"
                  and re.fullmatch(r"[A-Za-z0-9_-]+", p.stem))


def _when(moment: dt.datetime | None, tz) -> str:
    if moment is None:
        return "unknown"
    local = moment.astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} ({moment.astimezone(dt.UTC):%H:%M} UTC)"


def render_comments(items: list[Found], *, start: int, tz) -> str:
    parts = []
    for n, found in enumerate(items, start):
        c, d = found.comment, found.decision
        name = escape_untrusted_markdown(c.author_name or c.author_handle or "unknown", max_chars=80)
        handle = escape_untrusted_markdown(c.author_handle, max_chars=80) if c.author_handle else ""
        lines = [f"#### Comment {n} · {d.category} ({d.confidence} confidence)", "",
                 f"- **Author:** {name}" + (f" ({handle})" if handle and c.author_handle != c.author_name else ""),
                 f"- **Written:** {_when(c.created_at, tz)}",
                 f"- **Comment:** {safe_link(c.url, 'open on the network')}" + (" · a reply in a thread"
                                                                                  if c.parent_id else ""),
                 f"- **Post:** {escape_untrusted_markdown(found.post_title, max_chars=120)} "
                 f"({safe_link(found.post_url, 'published post')}"
                 + (f", `{found.post_path}`" if found.post_path and "`" not in found.post_path else "") + ")",
                 f"- **Why flagged:** {escape_untrusted_markdown(d.reason, max_chars=600)}"]
        if found.hidden == "hidden":
            lines.append(f"- **Hidden at once** by the profile's hide rule ({escape_untrusted_markdown(found.hide_rule)}):"
                         " write `/unhide` to show it again.")
        elif found.hidden == "cannot":
            lines.append(f"- **Not hidden:** it matches the hide rule ({escape_untrusted_markdown(found.hide_rule)}),"
                         " but this network cannot hide comments through its API (see below).")
        elif found.hidden.startswith("failed"):
            lines.append(f"- **Hiding failed:** {escape_untrusted_markdown(found.hidden, max_chars=200)}; try `/hide`.")
        lines += ["", quote_untrusted(c.text), ""]
        parts.append("\n".join(lines))
    return "\n".join(parts)


def render_issue(items: list[Found], *, start: int, tz, replies: list[str], network: Network) -> str:
    profile = items[0].profile
    cats = [f.decision.category for f in items]
    top = min(cats, key=SEVERITY.index)
    kind = "customer service" if top in CUSTOMER_SERVICE else "moderation" if top != "other" else "a watch word"
    label = network.moderation_spec.label
    head = (f"**{CATEGORY_TITLE[top]}** on **{escape_untrusted_markdown(profile.display_name, max_chars=100)}** "
            f"(`{profile.id}`, {label}) — {kind}.")
    if len(items) > 1:
        head += f" {len(items)} flagged comments from one thread."
    saved = ", ".join(f"`@{r}`" for r in replies) or "none yet (add Markdown files to `replies/`)"
    many = len(items) > 1
    target = " 2" if many else ""
    rows = [
        ("/reply Your answer", "answers the comment publicly as the profile"),
        ("/reply @name", f"sends a saved reply from `replies/name.md` (`{{name}}` becomes the commenter's name); "
                         f"saved replies: {saved}"),
        ("/hide", "hides the comment"), ("/unhide", "shows a hidden comment again"),
        ("/delete", "deletes the comment"), ("/block", "blocks the comment's author"),
        ("/dismiss", "nothing to do: closes this issue"),
    ]
    table = ["| command | does |", "|---|---|"]
    for cmd, does in rows:
        verb = cmd.split()[0][1:]
        note = "" if verb in ("reply", "dismiss") or network.can(verb) else f" — **not possible on {label}**"
        number = "" if verb == "dismiss" else target
        table.append(f"| `{cmd.split()[0]}{number}{cmd[len(cmd.split()[0]):]}` | {does}{note} |")
    cannot = [a for a in ("hide", "delete", "block") if not network.can(a)]
    manual = ""
    if cannot:
        manual = "\n\n" + "\n".join(f"- **{a} by hand:** {manual_steps(network.moderation_spec.name, a)}" for a in cannot)
    who = (f"Only people with write access to this repository, or listed under `roles.moderators` in "
           f"`{profile.path}`, may use the commands; the answer comes as a comment here, and the issue is closed "
           "when the comment is handled.")
    thread_note = ("\n\nThis issue collects a thread: put the comment's number after the command "
                   "(`/hide 2`, `/reply 2 Kiitos!`); without a number the command acts on the latest comment."
                   if many else "")
    return "\n".join([
        head, "",
        render_comments(items, start=start, tz=tz),
        "### Commands", "",
        "Answer in a comment of this issue, starting with one of:", "",
        *table,
    ]) + manual + thread_note + "\n\n" + who + "\n"


def outbox_issue(root: Path, number: int) -> dict[str, Any] | None:
    """The outbox issue with this number (the local stand-in for GitHub issues), or None."""
    folder = Path(root) / ".socialops" / "outbox" / "issues"
    if not folder.is_dir():
        return None
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if data.get("number") == number:
            return data
    return None
