"""Untrusted text (comments, names, error bodies) made inert for GitHub Markdown, logs and CSV lines."""

from __future__ import annotations

import re
import unicodedata

# zero-width and bidirectional controls (emoji joiners U+200D inside emoji sequences are kept)
_INVISIBLE = re.compile("[\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
                        "|(?<![\U0001F000-\U0001FAFF\u2600-\u27BF])\u200d")
ZWJ = "\u200d"
# Any of those characters, joiner or not: one quick scan finds most texts have none (the lookbehind above is slow)
_MAYBE_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def invisible_characters(text: str) -> list[str]:
    """The zero-width and bidirectional control characters in ``text`` (networks publish them; shown text
    drops them), each as "U+202E RIGHT-TO-LEFT OVERRIDE"."""
    # Each of them is above U+00FF: a text all of whose characters Latin-1 has (most European text) has none.
    # Encoding such a text is a copy; the scan costs ten times that.
    if text.isascii() or len(text.encode("latin-1", "ignore")) == len(text) or not _MAYBE_INVISIBLE.search(text):
        return []
    return [f"U+{ord(m.group()):04X} {unicodedata.name(m.group(), '')}".strip() for m in _INVISIBLE.finditer(text)]


def mark_invisible(text: str) -> str:
    """``text`` with each zero-width or bidirectional control character shown as ⟦U+200B⟧."""
    return _INVISIBLE.sub(lambda m: f"⟦U+{ord(m.group()):04X}⟧", text)


def _clean(text: str, max_chars: int) -> str:
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    # drop control characters (keep newline and tab) and bidirectional overrides
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    text = _INVISIBLE.sub("", text)
    if len(text) > max_chars:
        text = text[:max_chars].rstrip() + " … (truncated)"
    return text


def quote_untrusted(text: str, *, max_chars: int = 4000) -> str:
    """Untrusted text as a fenced code block: shown verbatim and inert on GitHub.

    Inside a code block GitHub renders no HTML, images, links, autolinks, @-mentions (no
    notification) or #references. The fence is longer than any run of backticks in the text,
    so the text cannot close it.
    """
    text = _clean(text, max_chars)
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def escape_untrusted_markdown(text: str, *, max_chars: int = 500) -> str:
    """Untrusted text made inert for inline use in Markdown (a title, a table cell, one line).

    - HTML: ``&``, ``<``, ``>`` become entities (no tags, no comments, no images).
    - Markdown: punctuation is backslash-escaped (no emphasis, links, images, headings, tables).
    - @-mentions and e-mail autolinks: a zero-width joiner after ``@`` (no notification).
    - Autolinks: ``://`` and ``www.`` get a zero-width joiner, so nothing is clickable.
    - ``#123`` references: a zero-width joiner after ``#``.
    - Newlines become spaces; control and bidirectional-override characters are removed.
    """
    text = _clean(text, max_chars).replace("\n", " ").replace("\t", " ")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = text.replace("@", "@" + ZWJ)
    text = re.sub(r":(?=//)", ":" + ZWJ, text)
    text = re.sub(r"(?i)\bwww\\?\.", lambda m: m.group(0)[:3] + ZWJ + m.group(0)[3:], text)
    text = text.replace("\\#", "\\#" + ZWJ)
    return text


def one_line(text: str) -> str:
    return " ".join(str(text).split())[:500]


_SAFE_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(?::\d+)?(?:/[A-Za-z0-9._~%!$&'*+,;=:@/?#-]*)?$")


def safe_link(url: str | None, label: str = "") -> str:
    """A link from the network (comment or post address) when it is a plain http(s) URL, else inert text."""
    if not url:
        return "(no link)"
    if _SAFE_URL.match(url) and not any(ch in url for ch in "()[]<>`\"\\ "):
        return f"[{label}]({url})" if label else f"<{url}>"
    return escape_untrusted_markdown(url, max_chars=300)


def inert_for_log(text: str, max_chars: int = 200) -> str:
    """Text that may reach a workflow log: one line, no workflow commands (``::name::``), no control
    characters. Comment text never goes to logs at all; this is for messages that might quote it."""
    text = " ".join(str(text).split())
    text = "".join(ch for ch in text if ch.isprintable())
    text = text.replace("::", ": :")
    if text.startswith(("#", "-")):
        text = " " + text
    return text[:max_chars]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """A cell of a CSV file a spreadsheet will open: text a spreadsheet would run as a formula (it starts with
    =, +, -, @, a tab or a carriage return) gets an apostrophe first, which the spreadsheet shows as text."""
    text = str(text)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def from_csv_cell(text: str) -> str:
    """The text `csv_cell` made inert, as it was (an apostrophe before a formula's first sign is taken off)."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text
