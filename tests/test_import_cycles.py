"""No import cycles anywhere in the bot: a module is read after everything it imports."""

from __future__ import annotations

import grimp


def test_no_module_imports_itself_through_others() -> None:
    """For every import a -> b, b must not lead back to a (function-level imports included)."""
    graph = grimp.build_graph("bot", "handlers")
    cycles = set()
    for importer in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(importer):
            chain = graph.find_shortest_chain(importer=imported, imported=importer)
            if chain:
                cycles.add(" -> ".join((importer, *chain)))
    assert not cycles, "import cycles:\n" + "\n".join(sorted(cycles))
