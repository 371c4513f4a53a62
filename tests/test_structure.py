"""The package's structure: the import graph between the modules of assistant/ has no cycle.

Layers flow one way (text -> knowledge -> retrieval -> calibration -> index -> dialogue -> api/web/editor ->
app -> cli). Every import counts, at module level or inside a function: a function-level import only hides a
cycle from Python's import machinery, not from the reader.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "assistant"


def module_name(path: Path, package: Path = PACKAGE) -> str:
    """``assistant.editor.views`` for ``assistant/editor/views.py``, ``assistant.editor`` for its ``__init__.py``."""
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Each module of ``package`` and the modules of the package it imports (importing a name from a module
    counts as importing that module; importing a submodule does not count as importing its parent packages)."""
    paths = {module_name(path, package): path for path in sorted(package.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here.rsplit(".", node.level - 1)[0] if node.level > 1 else here
                    base = f"{base}.{node.module}" if node.module else base
                else:
                    base = node.module or ""
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    targets.add(submodule if submodule in paths else base)
        graph[name] = {target for target in targets if target in paths and target != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of ``graph`` as a path that returns to its start (``[a, b, a]``), or ``[]`` if there is none."""
    state: dict[str, str] = {}  # "open" while on the current path, "done" once every path from it is seen
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = "open"
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*path[path.index(target):], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[node] = "done"
        path.pop()
        return []

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return []


def test_find_cycle_finds_one_and_only_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]


def test_import_graph_resolves_relative_imports(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "base.py").write_text("X = 1\n")
    (package / "sub" / "__init__.py").write_text("from . import leaf\n")
    (package / "sub" / "leaf.py").write_text("from ..base import X\n\ndef f():\n    from pkg.sub import leaf\n")
    (package / "top.py").write_text("import pkg.base\nfrom .sub.leaf import f\n")
    graph = import_graph(package)
    assert graph == {"pkg": set(), "pkg.base": set(), "pkg.sub": {"pkg.sub.leaf"}, "pkg.sub.leaf": {"pkg.base"},
                     "pkg.top": {"pkg.base", "pkg.sub.leaf"}}


def test_the_package_has_no_import_cycle():
    graph = import_graph()
    assert "assistant.cli" in graph["assistant.__main__"]
    cycle = find_cycle(graph)
    assert cycle == [], "import cycle: " + " -> ".join(cycle)


def test_id_shapes_are_defined_only_in_assistant_ids():
    from assistant import ids

    shapes = [ids.SESSION_ID.pattern, ids.HEX_ID.pattern, ids.ACCOUNT_NAME.pattern, "slugify"]
    elsewhere = [(str(path.relative_to(PACKAGE)), shape) for path in sorted(PACKAGE.rglob("*.py"))
                 if path.name != "ids.py" for shape in shapes if shape in path.read_text(encoding="utf-8")]
    assert elsewhere == []
