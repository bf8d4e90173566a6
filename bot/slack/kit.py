"""Block Kit blocks as plain data, exactly as slack_sdk's models write them, without building the models.

Building and validating slack_sdk's model objects cost about fifteen times more than writing the same
JSON as data, on the path that renders every request update. The models stay the definition: a test
renders every message kind through `ModelKit` (tests/blockkit_oracle.py) and through this kit and
requires the same JSON, so a difference in shape or a text over a Block Kit limit fails there.
"""

from __future__ import annotations

from typing import Any, Protocol

Block = dict[str, Any]


class Kit(Protocol):
    """The few Block Kit pieces the bot's messages are made of."""

    def section(self, text: str) -> Block:
        """A section holding mrkdwn text."""
        ...

    def context(self, text: str) -> Block:
        """A context block holding one mrkdwn text."""
        ...

    def actions(self, buttons: list[Block]) -> Block:
        """An actions block of buttons."""
        ...

    def button(
        self, text: str, action_id: str, value: str, style: str | None = None, confirm: Block | None = None
    ) -> Block:
        """A button with a plain-text label, optionally styled and behind a confirm dialog."""
        ...

    def confirm(self, title: str, text: str, yes: str, no: str, style: str) -> Block:
        """A confirm dialog (mrkdwn text, plain-text title and buttons)."""
        ...


def _plain(text: str) -> Block:
    return {"type": "plain_text", "text": text, "emoji": True}


def _mrkdwn(text: str) -> Block:
    return {"type": "mrkdwn", "text": text}


class DataKit:
    """The production kit: dictionaries written directly."""

    def section(self, text: str) -> Block:
        """A section holding mrkdwn text."""
        return {"type": "section", "text": _mrkdwn(text)}

    def context(self, text: str) -> Block:
        """A context block holding one mrkdwn text."""
        return {"type": "context", "elements": [_mrkdwn(text)]}

    def actions(self, buttons: list[Block]) -> Block:
        """An actions block of buttons."""
        return {"type": "actions", "elements": buttons}

    def button(
        self, text: str, action_id: str, value: str, style: str | None = None, confirm: Block | None = None
    ) -> Block:
        """A button with a plain-text label, optionally styled and behind a confirm dialog."""
        button: Block = {"type": "button", "text": _plain(text), "action_id": action_id, "value": value}
        if style is not None:
            button["style"] = style
        if confirm is not None:
            button["confirm"] = confirm
        return button

    def confirm(self, title: str, text: str, yes: str, no: str, style: str) -> Block:
        """A confirm dialog (mrkdwn text, plain-text title and buttons)."""
        return {
            "title": _plain(title),
            "text": _mrkdwn(text),
            "confirm": _plain(yes),
            "deny": _plain(no),
            "style": style,
        }


DATA_KIT: Kit = DataKit()
