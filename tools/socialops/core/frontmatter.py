"""Frontmatter read fast: the common shape of a post's settings, without building a YAML node graph.

Nearly every post is a few `key: value` lines: plain or quoted scalars, flow lists (`[a, b]`), block lists of
scalars or of flow maps (`- {path: x.jpg, alt: "..."}`), and maps nested a few levels by indentation. This
reader takes exactly that shape and gives the values the safe loader gives: each plain scalar is typed by
PyYAML's own resolver patterns and built by its own safe constructor functions (so `yes`, `on`, `~`,
`0777`, `1:30`, `2026-12-01` come out as they do there). Anything else (anchors, aliases, tags, block
scalars, multi-line or escaped strings, nested flow collections, a repeated key, tabs, unusual characters,
a ':' inside a flow scalar, ...) is not guessed at: `read` returns None and the caller uses the safe loader
(core.yamlfile), which also gives the errors with their lines.

tests/test_frontmatter.py checks that every document this reader accepts gives what yaml.safe_load gives.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from socialops.core import yamlfile

_IMPLICIT = Resolver.yaml_implicit_resolvers  # first character -> [(tag, pattern)], as the safe loader uses
_CONSTRUCTOR = SafeConstructor()
_BUILD = {f"tag:yaml.org,2002:{name}": getattr(_CONSTRUCTOR, f"construct_yaml_{name}")
          for name in ("null", "bool", "int", "float", "timestamp")}
# A line: its indentation, a list item's dash, a key, and the rest (without trailing spaces).
_LINE = re.compile(r"^( *)(- +)?(?:([A-Za-z_][A-Za-z0-9_-]*):(?= |$) *)?((?:[^\n]*[^ \n])?) *$", re.M)
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")  # a key as _LINE reads it
_KEY_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_FLOW_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*): +")
_MAX_DEPTH = 8
# Characters the reader leaves to the safe loader: tabs, carriage returns, YAML's other line breaks, a byte
# order mark, and what YAML does not allow in a document at all: every character but a line feed, 0x20-0x7E,
# 0xA0-0x2027, 0x202A-0xD7FF, 0xE000-0xFEFE, 0xFF00-0xFFFD and beyond 0xFFFF. Written as the few it is, not
# as the complement of those (the same characters; tests/test_frontmatter.py checks every code point):
# compiling that class cost 2 ms at every start-up.
_UNUSUAL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
_PLAIN_START_REFUSED = set("-?:,[]{}#&*!|>'\"%@`")
_FLOW_PLAIN = re.compile("[^\\[\\]{}#:,'\"]*")  # a flow scalar's characters, up to what ends (or refuses) it
# One item of a flow collection in its most common shapes (a key is for maps), and what follows it: a plain
# scalar from its first to its last character, or a double-quoted one without escapes. Anything else is read by
# the general code below.
_FLOW_ITEM = re.compile(r' *(?:([A-Za-z_][A-Za-z0-9_-]*): +)?(?:"([^"\\]*)"|'
                        r"([^\[\]{}#:,'\" ](?:[^\[\]{}#:,'\"]*[^\[\]{}#:,'\" ])?)) *([,\]}])")
_TEXT_KEYS: dict[str, bool] = {}
# A date and a time to the minute (`publish_at: 2026-12-01 09:00`, each post's), which the safe loader reads as text:
# its timestamps have seconds, and no number of its has a '-' or a space after a digit. Told at once, not after
# every implicit type's pattern is tried, as each post's time is a different text (no memo helps).
_MINUTES = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}")
_DIGITS = frozenset("0123456789")


class _Other(Exception):
    """Not the common shape: the safe loader reads this document."""


class FastDoc(yamlfile.YamlDoc):
    """A document the fast reader gave: its keys' lines come from the safe loader, only when asked (a
    post's lines are needed only to report a problem in it)."""

    def __init__(self, data: Any, text: str, line_offset: int):
        super().__init__(data, None, line_offset)
        self._text: str | None = text
        self._lines = None

    @property
    def lines(self) -> dict:
        if self._lines is None:
            self._lines = yamlfile.load(self._text or "", line_offset=self._offset).lines
            self._text = None
        return self._lines


def load(text: str, *, line_offset: int = 0) -> yamlfile.YamlDoc:
    """yamlfile.load, faster for the common shape of frontmatter (the same data)."""
    data = read(text)
    if data is None:
        return yamlfile.load(text, line_offset=line_offset)
    return FastDoc(data, text, line_offset)


def read(text: str) -> dict | None:
    """The mapping `text` holds when it has the common shape, else None (then use the safe loader)."""
    if _UNUSUAL.search(text):
        return None
    try:
        return _block(text)
    except _Other:
        return None


def _block(text: str) -> dict:
    """The lines' mappings and lists, nested by indentation: a stack of (indentation, container), and the
    key whose value is still to come (`key:` with nothing after it). A `key: value` line at the top, most of
    a post's lines, is split by hand; any other line is read by the regular expression _LINE."""
    root: dict = {}
    stack: list[tuple[int, Any]] = [(0, root)]
    pending: tuple[dict, str, int] | None = None
    for line in text.split("\n"):
        if not line:
            continue
        if line[0] in _KEY_START:
            key, colon, rest = line.partition(":")
            if colon and (not rest or rest[0] == " "):  # `key:` as _LINE reads it, if `key` is a key
                known = _TEXT_KEYS.get(key)
                if known is None and _KEY.fullmatch(key):
                    known = _text_key(key)
                if known:  # at the top: every deeper container is done, and so is a pending key
                    if key in root:
                        raise _Other
                    if len(stack) > 1:
                        del stack[1:]
                    rest = rest.strip(" ")
                    if not rest or rest[0] == "#":
                        root[key] = None
                        pending = (root, key, 0)
                    else:
                        root[key] = _value(rest)
                        pending = None
                    continue
        spaces, dash, key, rest = _LINE.match(line).groups("")  # type: ignore[union-attr]  # every line matches
        if not dash and not key:
            if rest and rest[0] != "#":
                raise _Other  # neither a key nor a list item (or a document marker, a directive...)
            continue  # blank, or a comment
        indent = len(spaces)
        if pending is not None:
            owner, owner_key, owner_indent = pending
            pending = None
            if indent > owner_indent:
                if len(stack) > _MAX_DEPTH:
                    raise _Other
                owner[owner_key] = child = [] if dash else {}
                stack.append((indent, child))
            elif dash and indent == owner_indent:
                raise _Other  # a list at its key's own indentation
        while stack[-1][0] > indent:
            stack.pop()
        top_indent, container = stack[-1]
        if top_indent != indent:
            raise _Other
        if dash:
            if type(container) is not list:
                raise _Other
            if not key:
                if not rest or rest[0] == "#":
                    raise _Other  # an item that goes on below its dash
                container.append(_value(rest))
                continue
            indent += len(dash)  # "- key: value": a mapping that starts on the dash's line
            container.append(item := {})
            stack.append((indent, item))
            container = item
        elif type(container) is not dict:
            raise _Other
        if key in container or not (_TEXT_KEYS.get(key) or _text_key(key)):
            raise _Other
        if not rest or rest[0] == "#":
            container[key] = None
            pending = (container, key, indent)
        else:
            container[key] = _value(rest)
    return root


@functools.lru_cache(maxsize=1024)  # the same `profiles: [...]` or `tags: [...]` recurs across posts
def _flow_list(text: str) -> list:
    """A flow list written on the key's (or dash's) line."""
    return _flow_collection(text)


def _flow_collection(text: str) -> Any:
    """A flow map (or list) written on the key's (or dash's) line. Maps are not memoised: they are mostly a
    media file with its own alt text, each different."""
    value, end = _flow(text)
    _only_comment(text, end)
    return value


def _value(text: str) -> Any:
    """A value written on the key's (or dash's) line."""
    first = text[0]
    if first not in _PLAIN_START_REFUSED and ":" not in text and "#" not in text:  # plain text: most values
        return text if first not in _IMPLICIT else _typed(text)
    if first in _DIGITS and _MINUTES.fullmatch(text):  # the time a post is written with (2026-12-01 09:00)
        return text
    if first == '"' and text[-1] == '"' and text.count('"') == 2 and "\\" not in text:
        return text[1:-1]
    if first == "[":
        return _flow_list(text).copy()  # its own: the memo's is never handed out (items are scalars: a shallow copy will do)
    if first == "{":
        return _flow_collection(text)
    if first in "\"'":
        value, end = _quoted(text, 0)
        _only_comment(text, end)
        return value
    if first in _PLAIN_START_REFUSED:
        raise _Other
    cut = text.find(" #")
    if cut != -1:
        text = text[:cut].rstrip(" ")
    if ": " in text or text.endswith(":"):
        raise _Other
    return _plain(text)


def _only_comment(text: str, end: int) -> None:
    rest = text[end:]
    if rest and not (rest[0] == " " and (not rest.strip(" ") or rest.lstrip(" ")[0] == "#")):
        raise _Other


def _quoted(text: str, start: int) -> tuple[str, int]:
    """A one-line quoted scalar starting at `start`: (its text, the index after its closing quote)."""
    quote = text[start]
    if quote == '"':
        end = text.find('"', start + 1)
        if end == -1 or "\\" in text[start + 1:end]:
            raise _Other  # escapes, or a string over more lines
        return text[start + 1:end], end + 1
    pos = start + 1
    while True:
        end = text.find("'", pos)
        if end == -1:
            raise _Other
        if text.startswith("''", end):
            pos = end + 2
            continue
        return text[start + 1:end].replace("''", "'"), end + 1


def _flow(text: str) -> tuple[Any, int]:
    """A one-line flow list or map of scalars (`[a, "b"]`, `{k: v}`): (its value, the index after it)."""
    close = "]" if text[0] == "[" else "}"
    quick = _flow_items(text, close)
    return quick if quick is not None else _flow_general(text, close)


def _flow_general(text: str, close: str) -> tuple[Any, int]:
    """_flow, character by character: every shape of flow collection the reader takes."""
    items: list = []
    pos = 1
    while True:
        while pos < len(text) and text[pos] == " ":
            pos += 1
        if pos >= len(text):
            raise _Other
        if text[pos] == close and not items:
            pos += 1
            break
        key = None
        if close == "}":
            match = _FLOW_KEY.match(text, pos)
            if match is None or not _text_key(match.group(1)):
                raise _Other
            key, pos = match.group(1), match.end()
        value, pos = _flow_scalar(text, pos, close)
        items.append((key, value))
        while pos < len(text) and text[pos] == " ":
            pos += 1
        if pos >= len(text):
            raise _Other
        if text[pos] == close:
            pos += 1
            break
        if text[pos] != ",":
            raise _Other
        pos += 1
    if close == "]":
        return [value for _, value in items], pos
    out = {}
    for key, value in items:
        if key in out:
            raise _Other
        out[key] = value
    return out, pos


def _flow_items(text: str, close: str) -> tuple[Any, int] | None:
    """_flow, item by item with one regular expression each, when every item has a common shape (else None:
    _flow reads it character by character, and decides)."""
    is_map = close == "}"
    out: Any = {} if is_map else []
    pos = 1
    while True:
        match = _FLOW_ITEM.match(text, pos)
        if match is None:
            return None
        key, quoted, plain, end = match.groups()
        if plain is not None:
            if plain[0] in _PLAIN_START_REFUSED:
                return None
            value = _plain(plain)
        else:
            value = quoted
        if is_map:
            if key is None or key in out or not _text_key(key):
                return None
            out[key] = value
        elif key is not None:
            return None
        else:
            out.append(value)
        pos = match.end()
        if end == close:
            return out, pos
        if end != ",":
            return None


def _flow_scalar(text: str, pos: int, close: str) -> tuple[Any, int]:
    if pos >= len(text):
        raise _Other
    if text[pos] in "\"'":
        return _quoted(text, pos)
    end = _FLOW_PLAIN.match(text, pos).end()  # type: ignore[union-attr]  # matches, if only nothing
    if end >= len(text) or text[end] not in ",]}":
        raise _Other  # a character a flow scalar may not hold here (or the line ended)
    value = text[pos:end].rstrip(" ")
    if not value or value[0] in _PLAIN_START_REFUSED:
        raise _Other
    return _plain(value), end


def _text_key(key: str) -> bool:
    """Is this key text, as the safe loader reads it (`on`, `null`, `yes` are not)?"""
    known = _TEXT_KEYS.get(key)
    if known is None:
        known = type(_plain(key)) is str
        if len(_TEXT_KEYS) < 10_000:
            _TEXT_KEYS[key] = known
    return known


@functools.lru_cache(maxsize=4096)
def _typed(value: str) -> Any:
    for tag, pattern in _IMPLICIT.get(value[:1], ()):
        if pattern.match(value):
            build = _BUILD.get(tag)
            if build is None:
                raise _Other  # a tag the reader does not build (e.g. the value '=')
            try:
                return build(ScalarNode(tag, value))
            except (ValueError, TypeError, OverflowError):
                raise _Other from None  # e.g. 2026-02-30: the safe loader reports it, with its line
    return value


def _plain(value: str) -> Any:
    """A plain scalar's value, typed as the safe loader types it."""
    if not value:
        return None
    if value[0] not in _IMPLICIT:  # most text: no implicit type starts with its first character
        return value
    return _typed(value)
