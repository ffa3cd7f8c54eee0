"""LinkedIn's "little" text format of post commentary [V: Microsoft's "Little Text Format" page]: reserved
characters backslash-escaped, mentions ``@[Name](urn:li:organization:1)``, hashtags ``{hashtag|\\#|joulu}``."""

from __future__ import annotations

import re

RESERVED = "\\|{}@[]()<>#*_~"
_RESERVED_RE = re.compile("([" + re.escape(RESERVED) + "])")
_UNESCAPE_RE = re.compile(r"\\([" + re.escape(RESERVED) + "])")
_MENTION = re.compile(r"@\[([^\]]*)\]\(urn:li:[^)]*\)")
_HASHTAG = re.compile(r"\{hashtag\|\\?#\|([^}]*)\}")


def escape_commentary(text: str) -> str:
    """Text in LinkedIn's "little" format: every reserved character `\\ | { } @ [ ] ( ) < > # * _ ~` escaped with
    a backslash, so LinkedIn neither reads it as markup nor truncates the post at it."""
    return _RESERVED_RE.sub(r"\\\1", text)


def unescape_commentary(text: str) -> str:
    return _UNESCAPE_RE.sub(r"\1", text)


def plain_commentary(text: str) -> str:
    """Someone else's post as people read it: mentions and hashtags by their names, escapes removed."""
    text = _HASHTAG.sub(lambda m: "#" + m.group(1), _MENTION.sub(lambda m: "@" + m.group(1), text))
    return unescape_commentary(text)
