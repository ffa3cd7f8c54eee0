"""Safe YAML for files people edit by hand: PyYAML's C safe loader, line numbers, and hostile-input limits.

Every document is composed once into nodes (so each key keeps its line) and then constructed with the
safe constructor: `!!python/...` tags are refused, alias expansion is bounded (YAML bombs), and the
nesting depth is bounded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml is a declared requirement; keep working without it
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_NODES = 50_000  # expanded nodes (aliases counted each time they are used)
MAX_DEPTH = 64

Path_ = tuple  # a key path inside a document, e.g. ("media", 0, "alt")


class YamlProblem(Exception):
    """The text is not acceptable YAML. `line` is 1-based within the text given."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class YamlDoc:
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)  # key path -> 1-based line of the key (or item)

    def line(self, *path: Any, default: int | None = None) -> int | None:
        """The line of the deepest known prefix of `path` (a missing key points at its parent)."""
        for end in range(len(path), 0, -1):
            found = self.lines.get(tuple(path[:end]))
            if found is not None:
                return found
        return default


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


def _duplicate_key(node: yaml.Node, seen: set) -> tuple[str, int] | None:
    if id(node) in seen:
        return None
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        keys: set = set()
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                if k.value in keys:
                    return k.value, k.start_mark.line + 1
                keys.add(k.value)
            found = _duplicate_key(v, seen)
            if found:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found = _duplicate_key(item, seen)
            if found:
                return found
    return None


def load(text: str, *, line_offset: int = 0) -> YamlDoc:
    """Parse one YAML document. Raises YamlProblem with a line (plus `line_offset`) on any fault."""
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 + line_offset if mark else None
            raise YamlProblem(f"the YAML cannot be read: {exc.problem or exc.context}", line) from None
        except yaml.YAMLError as exc:
            raise YamlProblem(f"the YAML cannot be read: {exc}") from None
        except RecursionError:
            raise YamlProblem(f"the YAML is nested more than {MAX_DEPTH} levels deep") from None
        if node is None:
            return YamlDoc(None, {})
        try:
            _check_size(node)
        except YamlProblem as exc:
            exc.line = (exc.line or 1) + line_offset
            raise
        dup = _duplicate_key(node, set())
        if dup:
            raise YamlProblem(f"the key '{dup[0]}' appears twice; keep one of them", dup[1] + line_offset)
        try:
            data = loader.construct_document(node)
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
        lines: dict = {}
        _record_lines(node, (), lines, set())
        if line_offset:
            lines = {k: v + line_offset for k, v in lines.items()}
        return YamlDoc(data, lines)
    finally:
        loader.dispose()
