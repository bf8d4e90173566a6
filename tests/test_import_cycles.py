"""No import cycles anywhere: a module is read after everything it imports.

Every package is covered: the bot, the listeners, the tests and the benchmarks. `from pkg import module`
counts as an import of `pkg` too, since Python runs `pkg/__init__.py` first (grimp records only the
submodule, which hid a cycle through the simulator's `__init__`).
"""

from __future__ import annotations

from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "tests", "bench")
SKIPPED_DIRS = {".venv", ".git", "build", "node_modules"}


def _graph() -> grimp.ImportGraph:
    """Every package's imports, plus `from pkg import module` as an import of `pkg` itself."""
    graph = grimp.build_graph(*PACKAGES)
    for importer in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(importer):
            package = imported.rpartition(".")[0]
            if package in graph.modules and package != importer:
                details = graph.get_import_details(importer=importer, imported=imported)
                if any(detail["line_contents"].startswith(f"from {package} import ") for detail in details):
                    graph.add_import(importer=importer, imported=package)
    return graph


def test_every_package_is_covered() -> None:
    """Every Python file of the project is a module of the graph (a file outside it is never checked)."""
    files = [
        path.relative_to(ROOT)
        for path in ROOT.rglob("*.py")
        if not SKIPPED_DIRS & set(path.relative_to(ROOT).parts)
    ]
    names = {
        ".".join(path.parent.parts if path.stem == "__init__" else path.with_suffix("").parts)
        for path in files
    }
    assert names, "no Python file found"
    missing = names - _graph().modules
    assert not missing, f"not covered: {sorted(missing)}"


def test_no_module_imports_itself_through_others() -> None:
    """For every import a -> b, b must not lead back to a (function-level imports included)."""
    graph = _graph()
    cycles = set()
    for importer in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(importer):
            chain = graph.find_shortest_chain(importer=imported, imported=importer)
            if chain:
                cycles.add(" -> ".join((importer, *chain)))
    assert not cycles, "import cycles:\n" + "\n".join(sorted(cycles))
