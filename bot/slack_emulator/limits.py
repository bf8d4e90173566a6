"""Slack's message and Block Kit limits, checked the way the Web API rejects them."""

from __future__ import annotations

import json
from typing import Any

from bot.slack_emulator.models import JSON, ApiError

MAX_BLOCKS = 50
MAX_MESSAGE_TEXT = 40_000
MAX_BLOCK_ID = 255
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_SECTION_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_ACTIONS_ELEMENTS = 25
MAX_CONTEXT_ELEMENTS = 10
MAX_BUTTON_TEXT = 75
MAX_ACTION_ID = 255
MAX_BUTTON_VALUE = 2000
MAX_BUTTON_URL = 3000
MAX_CONFIRM_TITLE = 100
MAX_CONFIRM_TEXT = 300
MAX_CONFIRM_BUTTON = 30

_TEXT_TYPES = ("plain_text", "mrkdwn")
_BUTTON_STYLES = ("primary", "danger")


def parse_blocks(raw: object) -> list[JSON] | None:
    """Blocks from a JSON body (a list) or a form field (a JSON string); `invalid_blocks_format` otherwise."""
    if raw is None or raw == "":
        return None
    value: Any = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except ValueError:
            raise ApiError("invalid_blocks_format", "[ERROR] blocks is not valid JSON") from None
    if not isinstance(value, list) or not all(isinstance(b, dict) for b in value):
        raise ApiError("invalid_blocks_format", "[ERROR] blocks must be an array of objects")
    return value


def check_message(text: str, blocks: list[JSON] | None, *, has_attachments: bool = False) -> None:
    """Raise the error Slack gives for this message content (no_text, msg_too_long, invalid_blocks)."""
    if not text and not blocks and not has_attachments:
        raise ApiError("no_text")
    if len(text) > MAX_MESSAGE_TEXT:
        raise ApiError("msg_too_long")
    if blocks is not None:
        problems = block_problems(blocks)
        if problems:
            raise ApiError("invalid_blocks", *problems)


def block_problems(blocks: list[JSON]) -> list[str]:
    """Every Block Kit rule the blocks break, as Slack-style messages with a JSON pointer."""
    problems: list[str] = []
    if len(blocks) > MAX_BLOCKS:
        problems.append(_err(f"no more than {MAX_BLOCKS} items allowed", "/blocks"))
    seen_block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"/blocks/{index}"
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or not 1 <= len(block_id) <= MAX_BLOCK_ID:
                problems.append(_err(f"block_id must be 1 to {MAX_BLOCK_ID} characters", f"{where}/block_id"))
            elif block_id in seen_block_ids:
                problems.append(_err("duplicate block_id", f"{where}/block_id"))
            else:
                seen_block_ids.add(block_id)
        problems.extend(_block(block, where))
    return problems


def _block(block: JSON, where: str) -> list[str]:
    kind = block.get("type")
    if not isinstance(kind, str):
        return [_err("missing required field: type", where)]
    if kind == "section":
        return _section(block, where)
    if kind == "header":
        return _text_object(block.get("text"), f"{where}/text", MAX_HEADER_TEXT, plain_only=True)
    if kind == "actions":
        return _actions(block, where)
    if kind == "context":
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            return [_err("missing required field: elements", where)]
        if len(elements) > MAX_CONTEXT_ELEMENTS:
            return [_err(f"no more than {MAX_CONTEXT_ELEMENTS} items allowed", f"{where}/elements")]
    return []


def _section(block: JSON, where: str) -> list[str]:
    problems: list[str] = []
    text, fields = block.get("text"), block.get("fields")
    if text is None and not fields:
        problems.append(_err("must provide either text or fields", where))
    if text is not None:
        problems.extend(_text_object(text, f"{where}/text", MAX_SECTION_TEXT))
    if fields is not None:
        if not isinstance(fields, list) or len(fields) > MAX_SECTION_FIELDS:
            problems.append(_err(f"no more than {MAX_SECTION_FIELDS} items allowed", f"{where}/fields"))
        else:
            for i, item in enumerate(fields):
                problems.extend(_text_object(item, f"{where}/fields/{i}", MAX_SECTION_FIELD_TEXT))
    accessory = block.get("accessory")
    if accessory is not None:
        problems.extend(_element(accessory, f"{where}/accessory"))
    return problems


def _actions(block: JSON, where: str) -> list[str]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements:
        return [_err("missing required field: elements", where)]
    if len(elements) > MAX_ACTIONS_ELEMENTS:
        return [_err(f"no more than {MAX_ACTIONS_ELEMENTS} items allowed", f"{where}/elements")]
    problems: list[str] = []
    action_ids: set[str] = set()
    for i, element in enumerate(elements):
        problems.extend(_element(element, f"{where}/elements/{i}"))
        action_id = element.get("action_id") if isinstance(element, dict) else None
        if isinstance(action_id, str):
            if action_id in action_ids:
                problems.append(_err("duplicate action_id", f"{where}/elements/{i}/action_id"))
            action_ids.add(action_id)
    return problems


def _element(element: object, where: str) -> list[str]:
    if not isinstance(element, dict) or not isinstance(element.get("type"), str):
        return [_err("missing required field: type", where)]
    problems: list[str] = []
    action_id = element.get("action_id")
    if action_id is not None and (not isinstance(action_id, str) or not 1 <= len(action_id) <= MAX_ACTION_ID):
        problems.append(_err(f"action_id must be 1 to {MAX_ACTION_ID} characters", f"{where}/action_id"))
    if element["type"] == "button":
        problems.extend(_text_object(element.get("text"), f"{where}/text", MAX_BUTTON_TEXT, plain_only=True))
        problems.extend(_max_str(element, "value", MAX_BUTTON_VALUE, where))
        problems.extend(_max_str(element, "url", MAX_BUTTON_URL, where))
        style = element.get("style")
        if style is not None and style not in _BUTTON_STYLES:
            problems.append(_err("must be one of primary, danger", f"{where}/style"))
    confirm = element.get("confirm")
    if confirm is not None:
        problems.extend(_confirm(confirm, f"{where}/confirm"))
    return problems


def _confirm(confirm: object, where: str) -> list[str]:
    if not isinstance(confirm, dict):
        return [_err("must be an object", where)]
    problems = _text_object(confirm.get("title"), f"{where}/title", MAX_CONFIRM_TITLE, plain_only=True)
    problems += _text_object(confirm.get("text"), f"{where}/text", MAX_CONFIRM_TEXT)
    problems += _text_object(confirm.get("confirm"), f"{where}/confirm", MAX_CONFIRM_BUTTON, plain_only=True)
    problems += _text_object(confirm.get("deny"), f"{where}/deny", MAX_CONFIRM_BUTTON, plain_only=True)
    style = confirm.get("style")
    if style is not None and style not in _BUTTON_STYLES:
        problems.append(_err("must be one of primary, danger", f"{where}/style"))
    return problems


def _text_object(obj: object, where: str, limit: int, *, plain_only: bool = False) -> list[str]:
    if obj is None:
        return [_err("missing required field", where)]
    if not isinstance(obj, dict):
        return [_err("must be a text object", where)]
    kind = obj.get("type")
    allowed = ("plain_text",) if plain_only else _TEXT_TYPES
    if kind not in allowed:
        return [_err(f"must be one of {', '.join(allowed)}", f"{where}/type")]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [_err("must be more than 0 characters", f"{where}/text")]
    if len(text) > limit:
        return [_err(f"must be less than {limit + 1} characters", f"{where}/text")]
    return []


def _max_str(obj: JSON, key: str, limit: int, where: str) -> list[str]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, str) or len(value) > limit:
        return [_err(f"must be less than {limit + 1} characters", f"{where}/{key}")]
    return []


def _err(message: str, pointer: str) -> str:
    return f"[ERROR] {message} [json-pointer:{pointer}]"
