"""Saved replies (``replies/<name>.md``, sent with ``/reply N @name``): the text, with ``{name}`` made from the
commenter's display name as plain words only.

The name is chosen by the commenter, and the reply is published as the brand: a name like
``Visit http://scam.example now @everyone`` must not make the brand post a link or a mention (on Bluesky the
network turns both into clickable facets that notify). So only words of letters (and digits, apostrophes,
hyphens, dots and colons inside them) are kept; a word that is or looks like a link, a domain, a mention or a
hashtag is left out whole, markup and invisible characters are dropped, and when nothing is left the name is
left out of the sentence.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from socialops.community.issues import IssueComment, saved_replies
from socialops.core.safetext import escape_untrusted_markdown

MAX_NAME = 60
_KEEP = frozenset("'’-.:")
_LINKISH = re.compile(r"(?i)://|^www\.|\w\.\w|^\.\w|[@#]")
_TAG = re.compile(r"<[^<>]*>")


def plain_name(name: str) -> str:
    """The display name as plain words (see the module's text); '' when nothing reasonable is left."""
    words: list[str] = []
    for raw in _TAG.sub(" ", unicodedata.normalize("NFKC", str(name or ""))).split():
        kept = "".join(ch for ch in raw if ch in _KEEP or ch in "@#/" or unicodedata.category(ch)[0] in "LMN")
        if _LINKISH.search(kept) or "/" in kept:
            continue
        if any(ch.isalnum() for ch in kept) and len(" ".join([*words, kept])) <= MAX_NAME:
            words.append(kept)
    return " ".join(words)


def fill_reply(template: str, name: str) -> str:
    """A saved reply with ``{name}`` replaced by the commenter's name as plain words, or left out (with the
    space before it) when the name has none. Other braces are left alone."""
    clean = plain_name(name)
    if not clean:
        return re.sub(r"[ \t]*\{name\}", "", template).strip()
    return template.replace("{name}", clean).strip()


def reply_text(root: Path, text: str, saved: str | None, target: IssueComment) -> tuple[str, str]:
    """(text, problem): the reply to send for ``/reply N text`` or ``/reply N @saved``, or why there is none
    (shown in the issue)."""
    available = saved_replies(root)
    listing = ", ".join(f"`@{n}`" for n in available) or "none (add Markdown files to `replies/`)"
    if not text.strip():
        return "", f"`/reply` needs the answer after it, like `/reply 1 Kiitos!`, or a saved reply: {listing}."
    if saved is None:
        return text.strip(), ""
    path = Path(root) / "replies" / f"{saved}.md"
    if saved not in available or not path.is_file():
        return "", (f"There is no saved reply `@{escape_untrusted_markdown(saved, max_chars=64)}` in `replies/`. "
                    f"Saved replies: {listing}.")
    return fill_reply(path.read_text(encoding="utf-8"), target.name), ""
