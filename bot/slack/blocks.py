"""Block Kit rendering: pure functions from stored state to Slack messages."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.catalogue.actions import ActionSpec, action
from bot.slack.words import explain_failure, step_words
from bot.store.records import RequestRecord, RequestStatus
from bot.usecases.fleet import Vehicle


class ButtonId:
    """action_id values of every button the bot renders."""

    CONFIRM = "rb_confirm"
    CANCEL = "rb_cancel"
    APPROVE = "rb_approve"
    REJECT = "rb_reject"
    RETRY = "rb_retry"
    CARD = "rb_card"  # value: "<action> <vehicle vin> [args]"


SIMULATOR_BADGE = ":test_tube: SIMULATOR"


@dataclass(frozen=True)
class Message:
    """A rendered message: fallback text and blocks."""

    text: str
    blocks: list[Block]

    def as_kwargs(self) -> dict[str, Any]:
        """Arguments for chat.postMessage / chat.update / respond."""
        return {"text": self.text, "blocks": [block.to_dict() for block in self.blocks]}


def _clock(at: float) -> str:
    return time.strftime("%H:%M:%S UTC", time.gmtime(at))


def _md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text)


def status_line(record: RequestRecord) -> str:
    """Emoji and words of where the request stands."""
    status = record.status
    if status is RequestStatus.SUCCESS:
        return ":white_check_mark: *Done*"
    if status is RequestStatus.ALREADY_DONE:
        return ":white_check_mark: *Done: the vehicle was already in that state*"
    if status is RequestStatus.FAILED:
        explanation = explain_failure(record.failure_cause)
        return f":x: *Failed*: {explanation.text} {explanation.advice}".rstrip()
    if status is RequestStatus.REFUSED:
        return f":no_entry_sign: *Refused by the vehicle cloud*: {record.refusal or 'no reason given'}"
    if status is RequestStatus.REJECTED:
        return (
            f":no_entry_sign: *Rejected* by <@{record.approver}>"
            if record.approver
            else ":no_entry_sign: *Rejected*"
        )
    if status is RequestStatus.EXPIRED:
        return ":hourglass: *Approval expired*: nobody approved it in time. Run the command again."
    if status is RequestStatus.CANCELLED:
        return (
            f":heavy_multiplication_x: *Cancelled*: {record.refusal}"
            if record.refusal
            else ":heavy_multiplication_x: *Cancelled*"
        )
    if status is RequestStatus.AWAITING_APPROVAL:
        return ":raised_hand: *Waiting for approval*"
    if status is RequestStatus.NO_ANSWER:
        return (
            ":warning: *No final answer from the vehicle yet*: it may still come; "
            "check the vehicle before retrying."
        )
    if status is RequestStatus.SENDING:
        return ":outbox_tray: *Sending to the vehicle cloud…*"
    emoji, words = step_words(record.vendor_status or "accepted_by_api")
    return f"{emoji} *{words}…*"


def _outcome_lines(record: RequestRecord) -> list[str]:
    lines = []
    position = record.outcome.get("position")
    if isinstance(position, dict) and "lat" in position and "lon" in position:
        lat, lon = position["lat"], position["lon"]
        when = f" at {position['time']}" if position.get("time") else ""
        link = f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
        lines.append(f":round_pushpin: {lat}, {lon}{when} · <{link}|map>")
    vehicle_state = record.outcome.get("state")
    if isinstance(vehicle_state, dict):
        lines.extend(f"• {name}: {value}" for name, value in vehicle_state.items())
    return lines


def request_message(record: RequestRecord) -> Message:
    """The request message (thread root), always rendered from the stored record."""
    spec = action(record.action)
    head = f"{spec.emoji} *{spec.title}* · {record.vehicle_name}: {record.summary}"
    who = f"Requested by <@{record.requester}>"
    if record.approver and record.status is not RequestStatus.REJECTED:
        who += f" · approved by <@{record.approver}>"
    who += f" · request `{record.id}`"
    if record.simulator:
        who = f"{SIMULATOR_BADGE} · {who}"
    blocks: list[Block] = [
        SectionBlock(text=_md(head)),
        SectionBlock(text=_md(status_line(record))),
    ]
    outcome = _outcome_lines(record)
    if outcome:
        blocks.append(SectionBlock(text=_md("\n".join(outcome))))
    if record.timeline:
        steps = [
            f"{_clock(e.at)} {step_words(e.step)[0]} {step_words(e.step)[1]}" for e in record.timeline[-12:]
        ]
        blocks.append(ContextBlock(elements=[_md("\n".join(steps))]))
    blocks.append(ContextBlock(elements=[_md(who)]))
    if record.status in (RequestStatus.FAILED, RequestStatus.REFUSED, RequestStatus.NO_ANSWER):
        blocks.append(
            ActionsBlock(elements=[ButtonElement(text="Retry", action_id=ButtonId.RETRY, value=record.id)])
        )
    if record.status is RequestStatus.AWAITING_APPROVAL:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Approve", action_id=ButtonId.APPROVE, value=record.id, style="primary"
                    ),
                    ButtonElement(text="Reject", action_id=ButtonId.REJECT, value=record.id, style="danger"),
                ]
            )
        )
    prefix = "[SIMULATOR] " if record.simulator else ""
    return Message(text=f"{prefix}{spec.title} {record.vehicle_name}: {status_line(record)}", blocks=blocks)


def done_reply(record: RequestRecord) -> str:
    """The one thread reply posted when the request ends."""
    prefix = "[SIMULATOR] " if record.simulator else ""
    title = action(record.action).title
    return f"{prefix}<@{record.requester}> {title} {record.vehicle_name}: {status_line(record)}"


def confirmation_prompt(
    spec: ActionSpec, vehicle: Vehicle, summary: str, token: str, simulator: bool
) -> Message:
    """The ephemeral confirmation of a dangerous action, with Confirm (danger) and Cancel."""
    badge = f"{SIMULATOR_BADGE}\n" if simulator else ""
    text = f"{badge}:warning: This will *{summary}* on *{vehicle.name}* (VIN {vehicle.vin}). Are you sure?"
    dialog = ConfirmObject(
        title=f"{spec.title}?"[:100],
        text=f"{summary} on {vehicle.name}"[:300],
        confirm="Yes, do it"[:30],
        deny="No"[:30],
        style="danger",
    )
    buttons = ActionsBlock(
        elements=[
            ButtonElement(
                text="Confirm", action_id=ButtonId.CONFIRM, value=token, style="danger", confirm=dialog
            ),
            ButtonElement(text="Cancel", action_id=ButtonId.CANCEL, value=token),
        ]
    )
    return Message(text=text, blocks=[SectionBlock(text=_md(text)), buttons])


def vehicle_card(vehicle: Vehicle, specs: Sequence[ActionSpec], simulator: bool) -> Message:
    """A vehicle card: one button per action the user may run and the vehicle supports."""
    title = f"{':test_tube: SIMULATOR · ' if simulator else ''}:red_car: *{vehicle.name}* · VIN {vehicle.vin}"
    if vehicle.groups:
        title += f" · groups: {', '.join(vehicle.groups)}"
    blocks: list[Block] = [SectionBlock(text=_md(title))]
    buttons = [
        ButtonElement(
            text=f"{spec.title}",
            action_id=f"{ButtonId.CARD}_{spec.name}",
            value=f"{spec.name} {vehicle.vin} {spec.card_args}".strip(),
        )
        for spec in specs
    ]
    for start in range(0, len(buttons), 5):
        blocks.append(ActionsBlock(elements=list(buttons[start : start + 5])))
    if not buttons:
        blocks.append(SectionBlock(text=_md("You may not run any action on this vehicle.")))
    return Message(text=f"Vehicle {vehicle.name}", blocks=blocks)


def plain(text: str) -> Message:
    """A message that is just text."""
    return Message(text=text, blocks=[SectionBlock(text=_md(text[:3000]))])
