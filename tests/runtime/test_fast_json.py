"""Hot-path JSON: what orjson cannot write is written as the standard library writes it."""

from __future__ import annotations

import json

from bot.runtime import fast_json


def test_an_integer_beyond_64_bits_from_a_vendor_body_is_kept_exactly() -> None:
    """A number orjson refuses to write is stored digit for digit, not rounded."""
    element = json.loads('{"remoteEvent": {"odometer": 1180591620717411303424}}')
    assert fast_json.dumps(element) == '{"remoteEvent":{"odometer":1180591620717411303424}}'


def test_nesting_deeper_than_orjson_writes_is_kept() -> None:
    """Nesting past orjson's limit (which Python's own reader accepted) is written whole."""
    deep = json.loads("[" * 400 + "]" * 400)
    assert fast_json.dumps(deep) == "[" * 400 + "]" * 400


def test_text_is_compact_and_unicode_is_kept() -> None:
    """No spaces between items; non-ASCII text round-trips."""
    value = {"alias": "véhicule 12", "steps": [1, 2]}
    text = fast_json.dumps(value)
    assert text == '{"alias":"véhicule 12","steps":[1,2]}'
    assert json.loads(text) == value
