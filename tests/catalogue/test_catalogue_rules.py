"""The catalogue is the one place that knows an action: no production module compares action names itself."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from bot.catalogue.action import Action
from tests.paths import ROOT

PRODUCTION = [ROOT / "bot", ROOT / "handlers"]
ENUM_MODULE = ROOT / "bot" / "catalogue" / "action.py"
# These speak the vendor's and Slack's wire formats, whose words ("state", "list") are not our actions.
WIRE_PACKAGES = [ROOT / "bot" / "vehicle", ROOT / "bot" / "simulator", ROOT / "bot" / "slack_emulator"]
NAMES = {action.value for action in Action}


def _literals(node: ast.AST) -> Iterator[ast.Constant]:
    """String constants on either side of a comparison, or inside a tuple/list/set it tests against."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node
    elif isinstance(node, ast.Tuple | ast.List | ast.Set):
        for element in node.elts:
            yield from _literals(element)


def _action_literals(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for side in (node.left, *node.comparators):
                for constant in _literals(side):
                    if constant.value in NAMES:
                        yield constant.lineno, str(constant.value)
        elif isinstance(node, ast.MatchValue):
            for constant in _literals(node.value):
                if constant.value in NAMES:
                    yield constant.lineno, str(constant.value)


def test_no_production_module_compares_an_action_name_as_a_string_literal() -> None:
    """`record.action == "locate"` and `case "lock":` belong in a catalogue row; this scan finds them."""
    found = [
        f"{path.relative_to(ROOT)}:{line}: {name!r}"
        for directory in PRODUCTION
        for path in sorted(directory.rglob("*.py"))
        if path != ENUM_MODULE and not any(path.is_relative_to(wire) for wire in WIRE_PACKAGES)
        for line, name in _action_literals(ast.parse(path.read_text(), str(path)))
    ]
    assert not found, "compare with Action members (or ask the row) instead:\n" + "\n".join(found)


def test_the_scan_finds_a_literal_comparison() -> None:
    """The scan itself sees the forms it forbids (so the test above can fail)."""
    source = (
        'if record.action == "locate": pass\n'
        'match x:\n    case "wipe-data": pass\n'
        'if a in ("lock", "x"): pass\n'
    )
    assert sorted(name for _line, name in _action_literals(ast.parse(source))) == [
        "locate",
        "lock",
        "wipe-data",
    ]
