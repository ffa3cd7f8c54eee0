"""Bluesky rich text: links, mentions and hashtags as `app.bsky.richtext.facet` with UTF-8 byte offsets.

Bluesky does not detect anything in the text of a post: a client sends `facets`, each a byte range of
the UTF-8 encoded text (`index.byteStart` inclusive, `index.byteEnd` exclusive) and a feature:
`#link {uri}`, `#mention {did}` or `#tag {tag}` (lexicon app.bsky.richtext.facet). The detection
rules follow the official client (@atproto/api rich-text/detection): a link or mention starts the
text or follows white space or "(", a hashtag starts the text or follows white space; trailing
punctuation is not part of a link or a tag. Differences, on purpose: only links with http:// or
https:// are linked (the official client also links bare domains, which needs a list of every
top-level domain), and cashtags ($TICKER) are not tagged.

Mentions need the account's DID: `build_facets` asks a `resolve` callable (handle -> DID or None);
a handle that does not resolve stays plain text rather than failing the post.

Pure Python, no network access, no httpx: importable from validate and preview.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import regex

FACET = "app.bsky.richtext.facet"
LINK = "app.bsky.richtext.facet#link"
MENTION = "app.bsky.richtext.facet#mention"
TAG = "app.bsky.richtext.facet#tag"

TAG_MAX_GRAPHEMES = 64
TAG_MAX_BYTES = 640

# A handle (atproto spec "handle"): dot-separated labels of letters, digits and inner hyphens, at least
# two labels, the last starting with a letter.
_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
_HANDLE = regex.compile(rf"^(?:{_LABEL}\.)+[a-zA-Z](?:[a-zA-Z0-9-]{{0,61}}[a-zA-Z0-9])?$")
_MENTION = regex.compile(r"(?:^|(?<=[\s(]))@([a-zA-Z0-9.-]+)\b")
_URL = regex.compile(r"(?:^|(?<=[\s(]))(https?://\S+)", regex.IGNORECASE)
_ZW = "\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"
_TAG = regex.compile(
    rf"(?:^|(?<=\s))[#\uff03]((?!\ufe0f)[^\s{_ZW}]*[^\d\s\p{{P}}{_ZW}]+[^\s{_ZW}]*)",
)
_TRAILING_PUNCT = regex.compile(r"\p{P}+$")


@dataclass(frozen=True)
class Span:
    """One detected piece of rich text. Offsets are UTF-8 byte offsets into the whole text."""

    kind: str  # link | mention | tag
    byte_start: int
    byte_end: int
    value: str  # the URI, the handle (without "@"), or the tag (without "#")


class _Bytes:
    """Character index -> UTF-8 byte offset for one text, computed once."""

    def __init__(self, text: str):
        self.offsets = [0]
        total = 0
        for ch in text:
            total += len(ch.encode("utf-8"))
            self.offsets.append(total)

    def __call__(self, index: int) -> int:
        return self.offsets[index]


def is_handle(value: str) -> bool:
    return len(value) <= 253 and bool(_HANDLE.match(value))


def detect(text: str) -> list[Span]:
    """Every link, mention and hashtag in `text`, sorted by position, without overlaps."""
    at = _Bytes(text)
    spans: list[Span] = []
    for m in _MENTION.finditer(text):
        handle = m.group(1).rstrip(".-")
        if not is_handle(handle):
            continue
        start = m.start()  # the "@"
        spans.append(Span("mention", at(start), at(start + 1 + len(handle)), handle.lower()))
    for m in _URL.finditer(text):
        uri = m.group(1)
        start = m.start(1)
        if uri[-1] in ".,;:!?":
            uri = uri[:-1]
        if uri.endswith(")") and "(" not in uri:
            uri = uri[:-1]
        if len(uri) <= len("https://") or "//" not in uri:
            continue
        spans.append(Span("link", at(start), at(start + len(uri)), uri))
    for m in _TAG.finditer(text):
        tag = _TRAILING_PUNCT.sub("", m.group(1).strip())
        if not tag:
            continue
        if len(regex.findall(r"\X", tag)) > TAG_MAX_GRAPHEMES or len(tag.encode("utf-8")) > TAG_MAX_BYTES:
            continue
        start = m.start()  # the "#"
        spans.append(Span("tag", at(start), at(start + 1 + len(tag)), tag))
    spans.sort(key=lambda s: (s.byte_start, -s.byte_end))
    result: list[Span] = []
    for span in spans:  # a mention-looking piece inside a link belongs to the link
        if result and span.byte_start < result[-1].byte_end:
            continue
        result.append(span)
    return result


def build_facets(text: str, resolve: Callable[[str], str | None] | None = None) -> list[dict]:
    """The `facets` array of an app.bsky.feed.post for `text`.

    `resolve(handle)` returns the DID of a mentioned handle, or None when it does not resolve; without
    `resolve` mentions are left out (plain text)."""
    facets: list[dict] = []
    for span in detect(text):
        if span.kind == "link":
            feature = {"$type": LINK, "uri": span.value}
        elif span.kind == "tag":
            feature = {"$type": TAG, "tag": span.value}
        else:
            did = resolve(span.value) if resolve else None
            if not did:
                continue
            feature = {"$type": MENTION, "did": did}
        facets.append(
            {
                "$type": FACET,
                "index": {"byteStart": span.byte_start, "byteEnd": span.byte_end},
                "features": [feature],
            }
        )
    return facets


def facet_text(text: str, facet: dict) -> str:
    """The piece of `text` a facet covers (for tests and previews)."""
    index = facet["index"]
    return text.encode("utf-8")[index["byteStart"] : index["byteEnd"]].decode("utf-8")
