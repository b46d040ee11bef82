"""mtqa's modules import one way: the graph of who imports whom has no cycle.

The graph is read from the source with ``ast``, so it holds every import, at module level or
inside a function alike: a lazy import back is still a cycle in the design, only hidden from
the interpreter. Imports under ``if TYPE_CHECKING:`` are left out (they never run).

How imports become edges:
- An import names one module: ``import mtqa.a.b`` and ``from mtqa.a import b`` (``b`` a
  submodule) are edges to ``mtqa.a.b``; ``from mtqa.a import name`` (a name ``mtqa/a/__init__.py``
  defines) is an edge to the package ``mtqa.a``, i.e. its ``__init__`` module.
- The ancestors Python initialises first (``mtqa``, ``mtqa.a``) are not edges. Otherwise every
  submodule would "import" its package, and a package whose ``__init__`` imports its own
  submodules (``mtqa.checks`` discovering the checks, ``mtqa.backends`` re-exporting ``Models``)
  would be a cycle: that is the usual Python shape. A submodule that imports a name *from* its
  package's ``__init__`` while that ``__init__`` imports the submodule is a real cycle, and is
  reported.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

import mtqa

ROOT = Path(mtqa.__file__).parent


def module_names(root: Path, package: str) -> dict[str, Path]:
    """Every module under ``root``, by dotted name (a package by its own name)."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement in the tree except those under ``if TYPE_CHECKING:``."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            pending.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        pending.extend(ast.iter_child_nodes(node))
    return found


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The module a ``from … import`` starts from, relative imports resolved."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join([*base, node.module] if node.module else base)


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Module → the modules of the same package it imports (see the module docstring)."""
    modules = module_names(root, package)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges: set[str] = set()
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                edges.update(alias.name for alias in node.names if alias.name in modules)
                continue
            base = _absolute(node, name, path.name == "__init__.py")
            for alias in node.names:
                target = f"{base}.{alias.name}"
                if target in modules:
                    edges.add(target)
                elif base in modules:
                    edges.add(base)
        edges.discard(name)
        graph[name] = edges
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph (its first module repeated at the end), or None."""
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as exc:
        return list(exc.args[1])
    return None


def test_mtqa_import_graph_has_no_cycle() -> None:
    graph = import_graph(ROOT, "mtqa")
    assert "mtqa.engine" in graph["mtqa.cli"]  # a lazy import counts (it is inside a function)
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(reversed(cycle))


def test_the_model_layer_never_reaches_up_into_the_checks() -> None:
    """``mtqa.backends`` serves the checks, the engine and the commands; it imports none of them."""
    above = ("mtqa.checks", "mtqa.engine", "mtqa.cli", "mtqa.models_cli", "mtqa.evaluation", "mtqa.formatters")
    graph = import_graph(ROOT, "mtqa")
    reaching_up = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if module == "mtqa.backends" or module.startswith("mtqa.backends.")
        for target in targets
        if any(target == layer or target.startswith(layer + ".") for layer in above)
    )
    assert "mtqa.backends.store" in graph["mtqa.backends.ct2"]  # the graph holds the backends' own edges
    assert reaching_up == []


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    """A package with a lazy cycle (a ⇄ b), a TYPE_CHECKING import back, and the usual shapes."""
    root = tmp_path / "toy"
    (root / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "a.py": "from toy.sub import helper\n\ndef f():\n    from toy import b\n",
        "b.py": "import toy.a\n",
        "c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from toy import a\nelse:\n    from . import d\n",
        "d.py": "from .sub.leaf import x\n",
        "sub/__init__.py": "from toy.sub.leaf import x\n\ndef helper(): ...\n",
        "sub/leaf.py": "x = 1\n",
    }
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_graph_reads_lazy_relative_and_package_imports(toy: Path) -> None:
    graph = import_graph(toy, "toy")
    assert graph == {
        "toy": set(),
        "toy.a": {"toy.sub", "toy.b"},  # a name from the package's __init__; a lazy submodule import
        "toy.b": {"toy.a"},
        "toy.c": {"toy.d"},  # the TYPE_CHECKING import is left out, its else branch is not
        "toy.d": {"toy.sub.leaf"},
        "toy.sub": {"toy.sub.leaf"},  # a package importing its own submodule: an edge down only
        "toy.sub.leaf": set(),
    }
    cycle = find_cycle(graph)
    assert cycle is not None and set(cycle) == {"toy.a", "toy.b"}
    graph["toy.b"].clear()
    assert find_cycle(graph) is None
