"""The package's shape: arrows point down, no import circle, heavy libraries load only where used."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "tools" / "socialops"
HEAVY = ("httpx", "github", "PIL", "matplotlib", "icalendar")
# task packages may import the layers below them, never above; cli/ and demo sit on top of everything
LAYERS = {
    "errors": 0, "core": 0,
    "repository": 1, "state": 1, "networks": 1,
    "tracker": 1,
    "content": 2, "validate": 2, "plan": 2, "publish": 2, "metrics": 2, "community": 2, "profiles": 2,
    "template": 2,
    "demo": 3, "site": 3, "cli": 3, "__main__": 4,  # site: a view over the task folders, as the demo is
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _top_level_imports(path: Path, name: str, is_package: bool) -> set[str]:
    """socialops modules imported when this module is imported (module level, not inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in tree.body:  # only statements run at import time; TYPE_CHECKING blocks are skipped
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for sub in ast.walk(node) if not isinstance(node, ast.FunctionDef | ast.ClassDef) else ():
            if isinstance(sub, ast.Import):
                found |= {a.name for a in sub.names if a.name.startswith("socialops")}
            elif isinstance(sub, ast.ImportFrom):
                if sub.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    module = ".".join(base[: len(base) - sub.level + 1] + ([sub.module] if sub.module else []))
                else:
                    module = sub.module or ""
                if module.startswith("socialops"):
                    found.add(module)
                    found |= {f"{module}.{a.name}" for a in sub.names}
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        targets = _top_level_imports(path, name, path.name == "__init__.py")
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def _layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.get(parts[1], 0) if len(parts) > 1 else 0


def test_no_import_circle() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    circles = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if nxt.startswith(node + "."):
                continue  # a package's __init__ importing its own modules is not a circle
            if state.get(nxt) == 1:
                circles.append(stack[stack.index(nxt):] + [nxt] if nxt in stack else [node, nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert circles == []


def test_arrows_point_down() -> None:
    upward = sorted(f"{a} -> {b}" for a, targets in _graph().items() for b in targets
                    if _layer(b) > _layer(a))
    assert upward == []


@pytest.mark.parametrize("heavy", HEAVY)
def test_importing_every_module_loads_no_heavy_library(heavy: str) -> None:
    names = [n for n in _modules() if n != "socialops.__main__"]
    code = ("import importlib, sys\n"
            f"for name in {names!r}:\n    importlib.import_module(name)\n"
            f"print(sorted(m for m in sys.modules if m == {heavy!r} or m.startswith({heavy!r} + '.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_only_cli_imports_click() -> None:
    offenders = []
    for name, path in _modules().items():
        if name.startswith("socialops.cli"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            mods = ([a.name for a in node.names] if isinstance(node, ast.Import)
                    else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(m == "click" or m.startswith("click.") for m in mods):
                offenders.append(name)
    assert offenders == []


def test_socialops_imports_are_at_module_level() -> None:
    """Outside cli/, a socialops import inside a function hides the graph; the few that save start-up
    time on a hot path say so on the line with a `# lazy:` comment."""
    hidden = []
    for name, path in _modules().items():
        if name.startswith("socialops.cli"):
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        tree = ast.parse("\n".join(lines))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("socialops")):
                    if "# lazy:" not in lines[node.lineno - 1]:
                        hidden.append(f"{name}:{node.lineno}")
    assert hidden == []


def test_modules_and_functions_stay_small() -> None:
    """About 500 lines a module and 80 a function; a longer one says why on its first line (`# long:`)."""
    too_long = []
    for name, path in _modules().items():
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) > 500 and "# long:" not in "\n".join(lines[:5]):
            too_long.append(f"{name}: {len(lines)} lines")
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > 80 and "# long:" not in lines[node.lineno - 1]:
                    too_long.append(f"{name}.{node.name}: {length} lines")
    assert too_long == []
