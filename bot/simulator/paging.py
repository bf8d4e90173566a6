"""HAL collection pages as both simulated APIs answer them: `pageSize`, a `pageToken` that keeps the size."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


class PageError(ValueError):
    """The paging query is invalid; the message says why (the API answers 400)."""


def read_page(query: Mapping[str, str], *, default_size: int, max_size: int) -> tuple[int, int]:
    """The (offset, size) a query asks for: `pageSize` (1..max_size) or a `pageToken` from a `next` link."""
    if "pageToken" in query and ("pageSize" in query or "indexRange" in query):
        raise PageError("pageToken cannot be combined with pageSize or indexRange.")
    try:
        if "pageToken" in query:
            offset_text, _, size_text = query["pageToken"].partition(".")
            offset, size = int(offset_text), int(size_text)
        else:
            offset, size = 0, int(query.get("pageSize", str(default_size)))
    except ValueError:
        raise PageError("Invalid pageSize or pageToken.") from None
    if not 1 <= size <= max_size or offset < 0:
        raise PageError(f"pageSize must be between 1 and {max_size}.")
    return offset, size


def hal_page(url: str, base: str, items: list[Any], key: str, offset: int, size: int) -> dict[str, Any]:
    """One page of `items` under `_embedded.<key>`, with `total`, page counts and a `next` link when more."""
    links: dict[str, Any] = {"self": {"href": url}, "first": {"href": base}}
    if offset + size < len(items):
        links["next"] = {"href": f"{base}?pageToken={offset + size}.{size}"}
    return {
        "_links": links,
        "total": len(items),
        "totalPage": max(1, math.ceil(len(items) / size)),
        "currentPage": offset // size + 1,
        "_embedded": {key: items[offset : offset + size]},
    }
