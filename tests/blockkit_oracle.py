"""The test oracle of Block Kit: bot.slack.kit's pieces, built and validated by slack_sdk's models."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.slack.kit import Block


class ModelKit:
    """Each piece built as slack_sdk's model, validated, then written out with to_dict()."""

    def section(self, text: str) -> Block:
        """A section holding mrkdwn text."""
        return SectionBlock(text=MarkdownTextObject(text=text)).to_dict()

    def context(self, text: str) -> Block:
        """A context block holding one mrkdwn text."""
        return ContextBlock(elements=[MarkdownTextObject(text=text)]).to_dict()

    def actions(self, buttons: list[Block]) -> Block:
        """An actions block of buttons (given as data: the model parses them back into button models)."""
        return ActionsBlock(elements=list(buttons)).to_dict()

    def button(
        self, text: str, action_id: str, value: str, style: str | None = None, confirm: Block | None = None
    ) -> Block:
        """A button with a plain-text label, optionally styled and behind a confirm dialog."""
        dialog = ConfirmObject.parse(confirm) if confirm is not None else None
        return ButtonElement(
            text=text, action_id=action_id, value=value, style=style, confirm=dialog
        ).to_dict()

    def confirm(self, title: str, text: str, yes: str, no: str, style: str) -> Block:
        """A confirm dialog (mrkdwn text, plain-text title and buttons)."""
        return ConfirmObject(
            title=title, text=MarkdownTextObject(text=text), confirm=yes, deny=no, style=style
        ).to_dict()


MODEL_KIT = ModelKit()
