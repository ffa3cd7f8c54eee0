"""The issue text for flagged comments: one issue per thread, its key, title, labels and body (each comment
quoted inert, with the exact /commands that act on it, manual steps for what the network cannot do).

The issue is the one place that names and quotes a commenter (the logs under state/ keep only keyed
hashes). Its body starts with a hidden line, ``<!-- socialops:comments=... -->``: the comments it shows, by
number, with what an action on the network needs (ids, author id, references) and a fingerprint of each
quote. A /command acts on the comment the body names, so later comments of the thread (added to the body
with higher numbers) never change what ``/block 1`` means; a deleted comment's quote is replaced by a note.

The key (``comments-<profile>-<keyed thread hash>``) makes opening an issue idempotent even when a run dies
between opening it and writing the seen line.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialops.community.categories import CATEGORY_TITLE, CUSTOMER_SERVICE, SEVERITY, Decision
from socialops.community.manual import manual_steps
from socialops.community.sources import inbox_lines
from socialops.core.safetext import escape_untrusted_markdown, quote_untrusted, safe_link
from socialops.networks.contract import Network
from socialops.networks.types import Comment
from socialops.repository.profiles import Profile
from socialops.state.comments import keyed_hash

_DATA_RE = re.compile(r"<!-- socialops:comments=(?P<data>[A-Za-z0-9_=-]*) -->")
_QUOTE_RE = re.compile(r"^(?P<fence>`{3,})text\n.*?\n(?P=fence)$", re.M | re.S)
COMMANDS_HEADING = "\n### Commands\n"
ACTIONS = ("hide", "unhide", "delete", "block", "unreply")
_PLAIN_ID = re.compile(r"[A-Za-z0-9_:./-]{1,120}")  # an id shown in a code span as it is


def issue_key(profile_id: str, thread: str, key: bytes) -> str:
    """The tracker key of a thread's issue: stable, short, safe as a file name, and keyed like the logs."""
    return f"comments-{profile_id}-{keyed_hash(key, thread, 16)}"


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


@dataclass
class IssueComment:
    """A comment as its issue's hidden data line names it: its number there and what actions need."""

    number: int
    comment: Comment
    network: str
    category: str
    quote: str = ""  # fingerprint of the quoted block, to find it again for redaction
    redacted: bool = False

    @property
    def name(self) -> str:
        return self.comment.author_name or self.comment.author_handle

    def as_data(self) -> dict[str, Any]:
        return {"n": self.number, "comment": self.comment.record(), "network": self.network,
                "category": self.category, "quote": self.quote, "redacted": self.redacted}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> IssueComment | None:
        record = data.get("comment")
        if not isinstance(data.get("n"), int) or not isinstance(record, dict) or not record.get("id"):
            return None
        return cls(data["n"], Comment.from_record(record), str(data.get("network", "")),
                   str(data.get("category", "")), str(data.get("quote", "")), bool(data.get("redacted")))


def data_line(comments: list[IssueComment]) -> str:
    payload = json.dumps([c.as_data() for c in comments], separators=(",", ":"), sort_keys=True)
    return f"<!-- socialops:comments={base64.urlsafe_b64encode(payload.encode()).decode()} -->"


def issue_comments(body: str | None) -> list[IssueComment]:
    """The comments an issue body names (the first data line: the one socialops wrote above any quote)."""
    m = _DATA_RE.search(body or "")
    if not m:
        return []
    try:
        data = json.loads(base64.urlsafe_b64decode(m.group("data").encode()))
    except (ValueError, binascii.Error):
        return []
    items = [IssueComment.from_data(d) for d in data if isinstance(d, dict)] if isinstance(data, list) else []
    return sorted((c for c in items if c is not None), key=lambda c: c.number)


def _fingerprint(block: str) -> str:
    return hashlib.sha256(block.encode("utf-8")).hexdigest()[:16]


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


def comment_commands(n: int, network: Network, hidden: bool) -> str:
    """The exact commands for comment ``n``, the ones its network can do."""
    verbs = [v for v in ACTIONS if network.can(v) and (v != "unhide" or hidden) and (v != "hide" or not hidden)]
    return " · ".join([f"`/reply {n} …`", *(f"`/{v} {n}`" for v in verbs)])


def render_comment(n: int, found: Found, *, tz, network: Network) -> tuple[str, IssueComment]:
    """One comment's section of the issue, and what the data line keeps of it."""
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
    other = inbox_lines(n, found)
    if other is not None:  # a review, mention or message: its kind in the heading, where it is instead of a post
        lines[0], lines[4] = other
        del lines[5]
    if found.hidden == "hidden":
        lines.append(f"- **Hidden at once** by the profile's hide rule ({escape_untrusted_markdown(found.hide_rule)}):"
                     f" write `/unhide {n}` to show it again.")
    elif found.hidden == "cannot":
        lines.append(f"- **Not hidden:** it matches the hide rule ({escape_untrusted_markdown(found.hide_rule)}),"
                     " but this network cannot hide comments through its API (see below).")
    elif found.hidden.startswith("failed"):
        lines.append(f"- **Hiding failed:** {escape_untrusted_markdown(found.hidden, max_chars=200)}; "
                     f"try `/hide {n}`.")
    shown_id = f" (or its id, `{c.id}`, for N)" if _PLAIN_ID.fullmatch(c.id) else ""
    lines.append(f"- **Commands for this comment**{shown_id}: {comment_commands(n, network, found.hidden == 'hidden')}")
    quote = quote_untrusted(c.text)
    lines += ["", quote, ""]
    return "\n".join(lines), IssueComment(n, c, found.network, d.category, _fingerprint(quote))


def _head(profile: Profile, categories: list[str], network: Network) -> str:
    top = min((c if c in SEVERITY else "other" for c in categories), key=SEVERITY.index)
    kind = "customer service" if top in CUSTOMER_SERVICE else "moderation" if top != "other" else "a watch word"
    return (f"**{CATEGORY_TITLE[top]}** on **{escape_untrusted_markdown(profile.display_name, max_chars=100)}** "
            f"(`{profile.id}`, {network.moderation_spec.label}) — {kind}.")


def _commands(profile: Profile, replies: list[str], network: Network, count: int) -> str:
    label = network.moderation_spec.label
    saved = ", ".join(f"`@{r}`" for r in replies) or "none yet (add Markdown files to `replies/`)"
    rows = [
        ("/reply N Your answer", "answers comment N publicly as the profile"),
        ("/reply N @name", f"sends a saved reply from `replies/name.md` (`{{name}}` becomes the commenter's name, "
                           f"as plain words); saved replies: {saved}"),
        ("/hide N", "hides comment N"), ("/unhide N", "shows a hidden comment again"),
        ("/delete N", "deletes comment N (its quote here is removed too)"), ("/block N", "blocks its author"),
        ("/dismiss", "nothing to do: closes this issue"),
    ] + ([("/unreply N", "removes the profile's answer to review N")] if network.can("unreply") else [])
    table = ["| command | does |", "|---|---|"]
    for cmd, does in rows:
        verb = cmd.split()[0][1:]
        note = "" if verb in ("reply", "dismiss") or network.can(verb) else f" — **not possible on {label}**"
        table.append(f"| `{cmd}` | {does}{note} |")
    cannot = [a for a in ("hide", "delete", "block") if not network.can(a)]
    manual = "".join(f"\n- **{a} by hand:** {manual_steps(network.moderation_spec.name, a)}" for a in cannot)
    which = ("N is the comment's number (`Comment N` above; its id works too). It may be left out only while the "
             "issue holds one comment; later comments of the thread are added here with the next numbers, so "
             "a command always acts on the comment it names." if count == 1 else
             f"This issue collects {count} comments of a thread: every command except `/dismiss` needs the "
             "comment's number (`/hide 2`, `/reply 2 Kiitos!`) or its id.")
    who = (f"Only people with write access to this repository, or listed under `roles.moderators` in "
           f"`{profile.path}`, may use the commands; the answer comes as a comment here, and the issue is closed "
           "when every comment of it is handled.")
    return "\n".join([COMMANDS_HEADING.strip("\n"), "", "Answer in a comment of this issue, starting with one of:",
                      "", *table]) + ("\n" + manual if manual else "") + f"\n\n{which}\n\n{who}\n"


def render_issue(items: list[Found], *, tz, replies: list[str], network: Network,
                 previous_body: str | None = None) -> tuple[str, list[IssueComment]]:
    """The whole body of a thread's issue: the comments of ``previous_body`` (the issue as it is) kept as
    written, ``items`` added with the next numbers. Returns the body and every comment it names."""
    before = issue_comments(previous_body)
    sections = ""
    if before and previous_body:
        start = _DATA_RE.search(previous_body).end()  # type: ignore[union-attr]  # issue_comments found it
        middle = previous_body[start:previous_body.rfind(COMMANDS_HEADING)]
        sections = middle.lstrip("\n").split("\n\n", 1)[-1].rstrip("\n") + "\n\n"  # without the old head
    named = list(before)
    for n, found in enumerate(items, len(before) + 1):
        text, data = render_comment(n, found, tz=tz, network=network)
        sections += text + "\n"
        named.append(data)
    head = _head(items[0].profile, [c.category for c in named], network) + (
        f" {len(named)} flagged comments from one thread." if len(named) > 1 else "")
    body = "\n".join([data_line(named), head, "", sections.rstrip("\n"), ""]) + _commands(
        items[0].profile, replies, network, len(named))
    return body, named


def redact_quote(body: str, number: int, note: str) -> str | None:
    """The body with comment ``number``'s quote replaced by ``note``; None when the quote cannot be found as
    written (someone edited the issue), so nothing is replaced by guess."""
    named = issue_comments(body)
    target = next((c for c in named if c.number == number), None)
    m = _DATA_RE.search(body)
    if target is None or m is None:
        return None
    if target.redacted:
        return body
    quoted = [c.number for c in named if not c.redacted]  # a redacted comment has a note, not a block
    blocks = list(_QUOTE_RE.finditer(body, m.end()))
    index = quoted.index(number)
    if len(blocks) != len(quoted) or _fingerprint(blocks[index].group(0)) != target.quote:
        return None
    target.redacted = True
    block = blocks[index]
    body = body[:block.start()] + note + body[block.end():]
    return body[:m.start()] + data_line(named) + body[m.end():]
