"""The text each network receives: overrides applied, snippets expanded, Markdown reduced to plain text,
the brand's links tagged, lengths counted the way each network counts them."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from socialops.content.snippets import expand
from socialops.content.utm import URL_RE, tag_text, tag_url, tags_for, untagged
from socialops.repository.posts import Media, media_list
from socialops.repository.textkit import EMPTY_KIT, TextKit, load_kit

if TYPE_CHECKING:
    from socialops.networks.spec import NetworkSpec
    from socialops.repository.posts import Post
    from socialops.repository.profiles import Profile

# '#' first, then the look back at the character before it: the regular expression engine can then jump
# from '#' to '#' instead of trying every position (hashtags are counted for every post).
HASHTAG_RE = re.compile(r"#(?<![\w#&]#)(\w[\w-]*)", re.UNICODE)
MASTODON_MENTION_RE = re.compile(r"(?<![\w/])@(\w+)@[\w.-]+\w", re.UNICODE)
MASTODON_URL_LENGTH = 23

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```\s*$", re.DOTALL | re.MULTILINE)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_HEADING = re.compile(r"^#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$", re.MULTILINE)
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EM_STAR = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_EM_UNDERSCORE = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_CODE = re.compile(r"`([^`\n]+)`")
_BULLET = re.compile(r"^[ \t]*[-*+][ \t]+", re.MULTILINE)
_QUOTE = re.compile(r"^>[ \t]?", re.MULTILINE)
_RULE = re.compile(r"^[ \t]*([-*_])([ \t]*\1){2,}[ \t]*$", re.MULTILINE)
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>])")
_BLANKS = re.compile(r"\n{3,}")
_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)


# Anything that some rule below could change; text without it only needs its blank lines tidied. The marks
# are looked for with `in` (C string search) and the line starts after a newline, which the regular
# expression engine can jump between: trying a pattern at every position costs more than all the rest.
_MARKUP_CHARS = "*_`[]<>\\"
_MARKUP_LINE = re.compile(r"\n[ \t]*(?:#{1,6}[ \t]|[-*+][ \t]|>|[-*_])")


def _maybe_markup(text: str) -> bool:
    return ("*" in text or "_" in text or "`" in text or "[" in text or "]" in text or "<" in text or ">" in text
            or "\\" in text or _MARKUP_LINE.search("\n" + text) is not None)  # each of _MARKUP_CHARS


@functools.lru_cache(maxsize=4096)
def plain_text(markdown: str) -> str:
    """Markdown as the plain text a social network shows (bold and headings lose their marks,
    [text](url) becomes 'text url', lists get bullets, <!-- notes --> for reviewers disappear)."""
    if not _maybe_markup(markdown):
        text = _TRAILING.sub("", markdown) if " \n" in markdown or "\t\n" in markdown else markdown
        return (_BLANKS.sub("\n\n", text) if "\n\n\n" in text else text).strip()
    # Escaped characters (\*) are set aside first so that no rule below treats them as marks.
    escaped: list[str] = []

    def keep(match: re.Match) -> str:
        escaped.append(match.group(1))
        return f"\uE000{len(escaped) - 1}\uE001"

    text = _ESCAPE.sub(keep, _COMMENT.sub("", markdown))
    text = _FENCE.sub(lambda m: m.group(1), text)
    text = _IMAGE.sub("", text)
    text = _LINK.sub(lambda m: m.group(1) if m.group(1) == m.group(2) else f"{m.group(1)} {m.group(2)}", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _RULE.sub("", text)
    text = _HEADING.sub(r"\1", text)
    text = _BOLD.sub(r"\2", text)
    text = _EM_STAR.sub(r"\1", text)
    text = _EM_UNDERSCORE.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    text = _BULLET.sub("• ", text)
    text = _QUOTE.sub("", text)
    text = re.sub("\uE000(\\d+)\uE001", lambda m: escaped[int(m.group(1))], text)
    text = _TRAILING.sub("", text)
    text = _BLANKS.sub("\n\n", text)
    return text.strip()


def count_length(text: str, counting: str) -> int:
    """The length of `text` as the network counts it against its limit."""
    if counting == "graphemes":
        if not text or max(text) < "\u0300":
            # Below U+0300 nothing combines (no combining marks, emoji or joiners): each character is a
            # grapheme of its own, but for CR LF.
            return len(text) - text.count("\r\n")
        import regex  # grapheme clusters (\X) as Unicode defines them

        return len(regex.findall(r"\X", text))
    if counting == "urls23":
        if "://" not in text and "@" not in text:
            return len(text)
        # Mastodon: every URL counts as 23 characters, a mention @user@domain as @user.
        text = URL_RE.sub("x" * MASTODON_URL_LENGTH, text)
        text = MASTODON_MENTION_RE.sub(lambda m: "@" + m.group(1), text)
        return len(text)
    if counting == "utf8_emoji":
        # Threads: emoji count as their UTF-8 byte length, everything else as one.
        return sum(len(ch.encode()) if unicodedata.category(ch) == "So" else 1 for ch in text)
    return len(text)


def hashtags(text: str) -> list[str]:
    return HASHTAG_RE.findall(text)


@dataclass
class Rendered:
    """What one profile receives for one post."""

    profile_id: str
    network: str  # the rules network (what the sandbox imitates)
    type: str
    text: str
    length: int
    limit: int
    link: str | None = None
    first_comment: str | None = None
    media: list[Media] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    quote_post_id: str | None = None  # Threads: the post this one quotes (overrides: {threads: {quote_post_id}})

    @property
    def too_long(self) -> bool:
        return self.length > self.limit


def render(post: Post, profile: Profile, spec: NetworkSpec, *, kit: TextKit | None = None) -> Rendered:
    """Apply the post's overrides for this profile, expand its snippets, reduce the text for its network and
    tag the brand's links. `kit`: the repository's snippets and the plan's link tags; by default those of the
    repository the post was loaded from."""
    if kit is None:
        kit = load_kit(post.root) if post.root is not None else EMPTY_KIT
    text, first_comment, media, link, override = finished(post, profile, spec, kit)
    tags = override.get("tags")
    tags = [str(t) for t in tags] if isinstance(tags, list) else list(post.tags)
    return Rendered(
        profile_id=profile.id,
        network=spec.name,
        type=post.type,
        text=text,
        length=count_length(text, spec.counting),
        limit=spec.text_limit,
        link=link,
        first_comment=first_comment,
        media=media,
        tags=tags,
        quote_post_id=str(override["quote_post_id"]) if override.get("quote_post_id") else None,
    )


def finished(post: Post, profile: Profile, spec: NetworkSpec, kit: TextKit,
             shared: dict | None = None) -> tuple[str, str | None, list[Media], str | None, dict]:
    """(the text, the first comment, the media, the link, the override) `render` gives the profile: what
    validation asks of every profile of every post, without the rest of a Rendered. A step that would leave its
    input as it is (no override, no snippet, no link tags) is skipped. `shared`: kept by a caller for one post,
    where the profiles that get the post as it is (no override, no link tags, no snippet: then only whether
    the network wants the link in the text tells them apart) find what the first of them got."""
    override = post.override_for(profile.id, spec.name)
    as_it_is = False
    if untagged(kit, profile, post, override):
        utm_tags = None
        if shared is not None and not override:
            as_it_is = True
            found = shared.get(spec.link_in_text)
            if found is not None:
                return found
    else:
        utm_tags = tags_for(kit, profile, post, spec.name, override)
    body = override.get("body") if override else None
    text = body if isinstance(body, str) else post.body
    if "{{" in text:
        as_it_is = False
        text = expand(text, kit.snippets, profile.id, (spec.name, profile.network))[0]
    text = plain_text(text)
    if utm_tags is not None:
        text = tag_text(text, utm_tags)
    link = override.get("link") if override and isinstance(override.get("link"), str) else post.link
    link = tag_url(link, utm_tags) if link and utm_tags else link
    if link and spec.link_in_text and link not in text:
        text = f"{text}\n\n{link}" if text else link
    first_comment = override["first_comment"] if "first_comment" in override else post.first_comment
    if first_comment is not None:
        as_it_is = as_it_is and "{{" not in str(first_comment)
        first_comment = str(tag_text(expand(str(first_comment), kit.snippets, profile.id,
                                            (spec.name, profile.network))[0], utm_tags))
    media = media_list(override["media"]) if "media" in override else post.media
    if as_it_is:
        shared[spec.link_in_text] = (text, first_comment, media, link, override)  # type: ignore[index]
    return text, first_comment, media, link, override
