"""How deeply a parsed JSON value nests, counted without recursion (hostile bodies nest thousands deep)."""

from __future__ import annotations

from typing import Any


def json_depth(value: Any, limit: int) -> int:
    """The nesting depth of `value`, counted up to just past `limit` (then it stops looking)."""
    stack = [(value, 1)]
    deepest = 0
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > limit:
            break
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, level + 1) for child in children)
    return deepest
