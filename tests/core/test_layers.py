"""The layers import one way: contract ← kinds ← core ← cli/console. A module that imports
against that direction fails here, naming the file, the line and the layer it reached."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Which packages each folder may not import (at any depth: lazy imports inside functions too).
FORBIDDEN = {
    "adapters/contract": ["jobdeck.adapters.core", "jobdeck.adapters.simulation", "jobdeck.tui",
                          "textual", "rich", *(f"jobdeck.adapters.{kind}" for kind in
                                               ("renderbus", "ntv", "nginx_rtmp", "finalrip",
                                                "enhance", "eva"))],
    "adapters/core": ["jobdeck.tui", "textual", "rich"],
    "adapters/simulation": ["jobdeck.adapters.core", "jobdeck.tui", "textual", "rich"],
    "adapters/renderbus": ["jobdeck.adapters.core", "jobdeck.tui", "textual", "rich"],
    "adapters/ntv": ["jobdeck.adapters.core", "jobdeck.tui", "textual", "rich"],
    "adapters/nginx_rtmp": ["jobdeck.adapters.core", "jobdeck.tui", "textual", "rich"],
    "adapters/finalrip": ["jobdeck.adapters.core", "jobdeck.tui", "textual", "rich"],
    "adapters/enhance": ["jobdeck.adapters.core", "jobdeck.tui", "textual", "rich"],
    "adapters/eva": ["jobdeck.adapters.core", "jobdeck.tui", "textual", "rich"],
    # The headless commands may reach the console only through the dispatcher's lazy `run`,
    # `demo` and `replay`; nothing else in the package imports it.
    "tui/cli": ["jobdeck.tui.console"],
    "tui/console": ["jobdeck.tui.cli", "httpx"],
}
LAZY_CONSOLE_DOOR = {"tui/cli/main.py"}


def typing_only(tree: ast.Module) -> set[int]:
    """Lines of imports under `if TYPE_CHECKING:`: names for the type checker, never loaded."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            lines |= {inner.lineno for inner in ast.walk(node) if hasattr(inner, "lineno")}
    return lines


def imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), str(path))
    found = []
    skip = typing_only(tree)
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.ImportFrom) and node.level:
            package = path.parent.relative_to(ROOT).parts
            package = package[: len(package) - (node.level - 1)]
            top = {"adapters": "jobdeck.adapters", "tui": "jobdeck.tui"}[package[0]]
            dotted = ".".join([top, *package[1:], *([node.module] if node.module else [])])
            found.append((node.lineno, dotted))
    return found


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_no_module_imports_against_the_layers(folder):
    wrong = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        relative = str(path.relative_to(ROOT))
        for line, module in imports(path):
            for banned in FORBIDDEN[folder]:
                if module == banned or module.startswith(banned + "."):
                    if relative in LAZY_CONSOLE_DOOR and banned == "jobdeck.tui.console":
                        continue
                    wrong.append(f"{relative}:{line} imports {module}")
    assert wrong == [], "\n".join(wrong)


def test_the_lazy_door_is_inside_functions_only():
    tree = ast.parse((ROOT / "tui/cli/main.py").read_text())
    top = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    assert not [n for n in top if "console" in (getattr(n, "module", "") or "")]


def test_there_is_no_import_cycle_between_modules():
    graph: dict[str, set[str]] = {}
    for folder in ("adapters", "tui"):
        for path in (ROOT / folder).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            name = "jobdeck." + ".".join(parts)
            tree = ast.parse(path.read_text())
            # Only imports run at import time make cycles that matter; lazy ones are doors.
            top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
            edges = set()
            for _, module in imports(path):
                if module.startswith("jobdeck.") and any(
                        (isinstance(n, ast.ImportFrom) and n.lineno == _) or
                        (isinstance(n, ast.Import) and n.lineno == _) for n in top):
                    edges.add(module)
            graph[name] = edges
    known = set(graph)

    def resolve(module: str) -> str | None:
        while module and module not in known:
            module = module.rpartition(".")[0]
        return module or None

    edges = {name: {m for m in map(resolve, targets) if m and m != name}
             for name, targets in graph.items()}
    # A package's __init__ importing its own modules is how packages work, not a cycle.
    for name, targets in edges.items():
        edges[name] = {t for t in targets if not name.startswith(t + ".")}
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, stack: list[str]) -> bool:
        state[node] = 1
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                cycle.extend([*stack[stack.index(target):], target] if target in stack
                             else [node, target])
                return True
            if state.get(target) is None and visit(target, [*stack, target]):
                return True
        state[node] = 2
        return False

    for node in sorted(edges):
        if state.get(node) is None and visit(node, [node]):
            break
    assert cycle == [], " → ".join(cycle)
