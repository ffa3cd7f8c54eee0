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
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?$")
_FLOW_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*): +")
_MAX_DEPTH = 8
# Characters the reader leaves to the safe loader: tabs, carriage returns, YAML's other line breaks, a byte
# order mark, and what YAML does not allow in a document at all.
_UNUSUAL = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_PLAIN_START_REFUSED = set("-?:,[]{}#&*!|>'\"%@`")
_FLOW_PLAIN_REFUSED = set("[]{}#:,'\"")


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
    tokens = []
    for line in text.split("\n"):
        content = line.lstrip(" ")
        if not content or content[0] == "#":
            continue
        if line.startswith(("---", "...", "%")):
            return None
        tokens.append([len(line) - len(content), content.rstrip(" ")])
    if not tokens or tokens[0][0] != 0:
        return None
    try:
        data, end = _mapping(tokens, 0, 0, 0)
    except _Other:
        return None
    return data if end == len(tokens) else None


def _mapping(tokens: list, pos: int, indent: int, depth: int) -> tuple[dict, int]:
    if depth > _MAX_DEPTH:
        raise _Other
    out: dict = {}
    while pos < len(tokens) and tokens[pos][0] == indent:
        match = _KEY.match(tokens[pos][1])
        if match is None:
            raise _Other
        key, rest = match.group(1), match.group(2)
        if key in out or type(_plain(key)) is not str:
            raise _Other
        pos += 1
        more = pos < len(tokens) and tokens[pos][0] > indent
        if rest is None or rest == "" or rest[0] == "#":
            if more:
                child = tokens[pos]
                if child[1] == "-" or child[1].startswith("- "):
                    out[key], pos = _sequence(tokens, pos, child[0], depth + 1)
                else:
                    out[key], pos = _mapping(tokens, pos, child[0], depth + 1)
            elif pos < len(tokens) and tokens[pos][0] == indent and tokens[pos][1].startswith("-"):
                raise _Other  # a list at the key's own indentation
            else:
                out[key] = None
        else:
            if more:
                raise _Other  # a value that goes on over more lines
            out[key] = _value(rest)
    return out, pos


def _sequence(tokens: list, pos: int, indent: int, depth: int) -> tuple[list, int]:
    if depth > _MAX_DEPTH:
        raise _Other
    out: list = []
    while pos < len(tokens) and tokens[pos][0] == indent:
        content = tokens[pos][1]
        if not content.startswith("- "):
            raise _Other
        rest = content[2:].lstrip(" ")
        if not rest or rest[0] == "#":
            raise _Other
        if _KEY.match(rest):  # "- key: value", a mapping that starts on the dash's line
            tokens[pos] = [indent + len(content) - len(rest), rest]
            item, pos = _mapping(tokens, pos, tokens[pos][0], depth + 1)
            out.append(item)
            continue
        pos += 1
        if pos < len(tokens) and tokens[pos][0] > indent:
            raise _Other
        out.append(_value(rest))
    return out, pos


def _value(text: str) -> Any:
    """A value written on the key's (or dash's) line."""
    first = text[0]
    if first in "\"'":
        value, end = _quoted(text, 0)
        _only_comment(text, end)
        return value
    if first == "[" or first == "{":
        value, end = _flow(text)
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
            if match is None or type(_plain(match.group(1))) is not str:
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


def _flow_scalar(text: str, pos: int, close: str) -> tuple[Any, int]:
    if pos >= len(text):
        raise _Other
    if text[pos] in "\"'":
        return _quoted(text, pos)
    end = pos
    while end < len(text) and text[end] not in ",]}":
        if text[end] in _FLOW_PLAIN_REFUSED:
            raise _Other
        end += 1
    value = text[pos:end].rstrip(" ")
    if not value or value[0] in _PLAIN_START_REFUSED or end >= len(text):
        raise _Other
    return _plain(value), end


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
