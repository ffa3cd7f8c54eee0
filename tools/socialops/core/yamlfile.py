"""Safe YAML for files people edit by hand: PyYAML's C safe loader, line numbers, and hostile-input limits.

Every document is composed once into nodes (so each key keeps its line) and then constructed with the
safe constructor: `!!python/...` tags are refused, alias expansion is bounded (YAML bombs), and the
nesting depth is bounded.
"""

from __future__ import annotations

import functools
import operator
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - libyaml is a declared requirement; keep working without it
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

MAX_NODES = 50_000  # expanded nodes (aliases counted each time they are used)
MAX_DEPTH = 64

Path_ = tuple  # a key path inside a document, e.g. ("media", 0, "alt")


class YamlProblem(Exception):
    """The text is not acceptable YAML. `line` is 1-based within the text given."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


def line_of(lines: dict[Path_, int], path: tuple) -> int:
    """The line of the deepest known prefix of `path` (a missing key points at its parent); 1 when unknown."""
    for end in range(len(path), 0, -1):
        found = lines.get(tuple(path[:end]))
        if found is not None:
            return found
    return 1


class KeyLines:
    """For objects read from a YAML file: `line(*keys)` from their `lines` mapping (key path -> line)."""

    lines: dict[Path_, int]

    def line(self, *key: Any) -> int:
        return line_of(self.lines, key)


class _DuplicateKey(Exception):
    def __init__(self, key: str, line: int):
        super().__init__(key)
        self.key, self.line = key, line


_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_IMPLICIT = yaml.resolver.Resolver.yaml_implicit_resolvers  # first character -> [(tag, pattern)]
_RESOLVE_CACHE_MAX, _RESOLVE_TEXT_MAX = 4096, 16_000  # entries; characters of a document


@functools.cache
def _resolve(kind, value, implicit):
    """The tag of a node, as the safe loader's resolver gives it (the same lookup, without its path
    resolvers, of which none are registered). Cached in C: the C parser asks for every node, from C, and
    keys and common values repeat across files."""
    if kind is yaml.ScalarNode:
        if implicit[0]:  # plain, not quoted: it may be a number, a date, true/false, null...
            for tag, pattern in _IMPLICIT.get(value[:1], ()):
                if pattern.match(value):
                    return tag
        return _STR
    return _MAP if kind is yaml.MappingNode else _SEQ


class _Loader(_BaseLoader):
    """The C safe loader, refusing duplicate keys while it constructs mappings."""

    # The C parser calls these three for every node, from C: answering from C too saves a Python call
    # each. Without path resolvers, descending and ascending do nothing: operator.is_ and tuple are C
    # functions that take the same arguments and do nothing that matters.
    resolve = staticmethod(_resolve)
    descend_resolver = staticmethod(operator.is_)
    ascend_resolver = staticmethod(tuple)

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    if key_node.value in seen and key_node.tag != "tag:yaml.org,2002:merge":
                        raise _DuplicateKey(key_node.value, key_node.start_mark.line + 1)
                    seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_yaml_map)

def _construct_plain(loader: _Loader, node: yaml.Node, memo: dict) -> Any:
    """The same values as the safe constructor, for documents of plain maps, lists and scalars, without its
    general machinery (several times faster; frontmatter is parsed 10,000 times in a validate run).
    Scalars other than text use the safe constructor's own functions, so unknown tags are refused alike."""
    cls = type(node)
    if cls is yaml.ScalarNode:
        if node.tag == _STR:
            return node.value
        constructor = loader.yaml_constructors.get(node.tag)
        if constructor is None:
            raise yaml.constructor.ConstructorError(
                None, None, f"could not determine a constructor for the tag {node.tag!r}", node.start_mark)
        return constructor(loader, node)
    if id(node) in memo:  # an alias: the same object, as the safe constructor gives
        return memo[id(node)]
    if cls is yaml.SequenceNode and node.tag == _SEQ:
        value: Any = []
        memo[id(node)] = value
        for item in node.value:  # text items inline, as in mappings below
            value.append(item.value if type(item) is yaml.ScalarNode and item.tag == _STR
                         else _construct_plain(loader, item, memo))
        return value
    if cls is yaml.MappingNode and node.tag == _MAP:
        value = {}
        memo[id(node)] = value
        for key_node, value_node in node.value:
            if type(key_node) is not yaml.ScalarNode:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark, "found unhashable key", key_node.start_mark)
            # Text keys and values are the common case: taken without a call.
            key = key_node.value if key_node.tag == _STR else _construct_plain(loader, key_node, memo)
            if key in value:
                raise _DuplicateKey(key_node.value, key_node.start_mark.line + 1)
            value[key] = value_node.value if type(value_node) is yaml.ScalarNode and value_node.tag == _STR \
                else _construct_plain(loader, value_node, memo)
        return value
    return loader.construct_object(node, deep=True)  # other tags: the safe constructor decides (or refuses)


class YamlDoc:
    """The data, and the line of each key, worked out from the YAML nodes only when first asked."""

    def __init__(self, data: Any, node: yaml.Node | None = None, line_offset: int = 0):
        self.data = data
        self._node = node
        self._offset = line_offset
        self._lines: dict[Path_, int] | None = None if node is not None else {}

    @property
    def lines(self) -> dict[Path_, int]:
        if self._lines is None:
            lines: dict = {}
            _record_lines(self._node, (), lines, set())
            self._lines = {k: v + self._offset for k, v in lines.items()} if self._offset else lines
            self._node = None
        return self._lines

    def line(self, *path: Any) -> int:
        return line_of(self.lines, path)


def _check_size(node: yaml.Node) -> None:
    """Refuse alias bombs and absurd nesting before constructing anything."""
    sizes: dict[int, int] = {}

    def size(n: yaml.Node, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise YamlProblem(f"the YAML is nested more than {MAX_DEPTH} levels deep", n.start_mark.line + 1)
        key = id(n)
        if key in sizes:
            return sizes[key]
        total = 1
        if isinstance(n, yaml.SequenceNode):
            for item in n.value:
                total += size(item, depth + 1)
        elif isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                total += size(k, depth + 1) + size(v, depth + 1)
        if total > MAX_NODES:
            raise YamlProblem(
                "the YAML expands to too many values (anchors and aliases, & and *, used as a 'YAML bomb'?); "
                "write the values out instead of using aliases",
                n.start_mark.line + 1,
            )
        sizes[key] = total
        return total

    size(node, 0)


def _record_lines(node: yaml.Node, path: tuple, lines: dict, seen: set) -> None:
    if id(node) in seen:  # an alias: its lines were recorded where it was defined
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                child = (*path, k.value)
                lines.setdefault(child, k.start_mark.line + 1)
                _record_lines(v, child, lines, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            child = (*path, i)
            lines.setdefault(child, item.start_mark.line + 1)
            _record_lines(item, child, lines, seen)


def _explain(exc: yaml.MarkedYAMLError) -> tuple[str, Any]:
    """The parser's words with what to do for the commonest mistakes, and the mark of the line to fix (an
    unclosed quote is found at the end of the text, but the fix is where the quote opened)."""
    problem, context = str(exc.problem or ""), str(exc.context or "")
    words = f"the YAML cannot be read: {problem or context}"
    if "quoted scalar" in context and exc.context_mark is not None:
        return (f"{words}: a quote opened on this line is never closed; end the value with the same quote mark, "
                "or leave the quotes out"), exc.context_mark
    if "tab character" in problem or "'\\t'" in problem:
        return f"{words}: YAML indents with spaces, never tabs; replace the tab on this line with spaces", \
            exc.problem_mark
    if "mapping values are not allowed" in problem:
        return (f"{words}: a value with ': ' in it needs quotes, e.g. title: \"Menu: spring\""), exc.problem_mark
    return words, exc.problem_mark or exc.context_mark


def load(text: str, *, line_offset: int = 0) -> YamlDoc:
    """Parse one YAML document. Raises YamlProblem with a line (plus `line_offset`) on any fault."""
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            message, mark = _explain(exc)
            line = mark.line + 1 + line_offset if mark else None
            raise YamlProblem(message, line) from None
        except yaml.YAMLError as exc:
            raise YamlProblem(f"the YAML cannot be read: {exc}") from None
        except RecursionError:
            raise YamlProblem(f"the YAML is nested more than {MAX_DEPTH} levels deep") from None
        if node is None:
            return YamlDoc(None)
        # Only aliases make a small text expand, and deep nesting needs many brackets or deep indentation:
        # walk the nodes to measure only when the text could be either.
        if "*" in text or text.count("[") + text.count("{") >= MAX_DEPTH or " " * MAX_DEPTH in text:
            try:
                _check_size(node)
            except YamlProblem as exc:
                exc.line = (exc.line or 1) + line_offset
                raise
        try:
            # Merge keys (<<) need the safe constructor's handling; everything else takes the fast path.
            data = loader.construct_document(node) if "<<" in text else _construct_plain(loader, node, {})
        except _DuplicateKey as exc:
            raise YamlProblem(f"the key '{exc.key}' appears twice; keep one of them", exc.line + line_offset) from None
        except yaml.constructor.ConstructorError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 + line_offset if mark else None
            problem = str(exc.problem or "")
            if "could not determine a constructor for the tag" in problem:
                problem = problem.replace("could not determine a constructor for the tag", "the tag")
                problem += " is not allowed (only plain YAML values: text, numbers, dates, lists and keys)"
            raise YamlProblem(f"the YAML cannot be read: {problem}", line) from None
        except (ValueError, TypeError, OverflowError) as exc:  # e.g. an impossible date like 2026-02-30
            line = node.start_mark.line + 1 + line_offset
            raise YamlProblem(f"the YAML has a value that cannot be read: {exc}", line) from None
        except RecursionError:
            raise YamlProblem(f"the YAML is nested more than {MAX_DEPTH} levels deep") from None
        return YamlDoc(data, node, line_offset)
    finally:
        loader.dispose()
        # The cache keeps its values alive: bounded by entries, and no values from long documents.
        if len(text) > _RESOLVE_TEXT_MAX or _resolve.cache_info().currsize > _RESOLVE_CACHE_MAX:
            _resolve.cache_clear()
