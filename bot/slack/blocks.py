"""Block Kit rendering: pure functions from stored state to Slack messages (built with a `Kit`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.catalogue.command import parse
from bot.catalogue.row import ActionRow, CardButton
from bot.catalogue.table import row_of
from bot.slack.kit import DATA_KIT, Block, Kit
from bot.slack.words import STATUS_WORDS, explain_failure, step_words
from bot.store.records import RequestRecord, RequestStatus, WakeUpCost
from bot.usecases.fleet import Vehicle


class ButtonId:
    """action_id values of every button the bot renders."""

    CONFIRM = "rb_confirm"
    CANCEL = "rb_cancel"
    APPROVE = "rb_approve"
    REJECT = "rb_reject"
    RETRY = "rb_retry"
    CARD = "rb_card"  # value: the card's command as JSON (see card_value)
    BATCH_SEND = "rb_batch_send"  # value (every batch button): the batch id
    BATCH_CANCEL = "rb_batch_cancel"
    BATCH_APPROVE = "rb_batch_approve"
    BATCH_REJECT = "rb_batch_reject"
    BATCH_STOP = "rb_batch_stop"
    BATCH_RETRY = "rb_batch_retry"


SIMULATOR_BADGE = ":test_tube: SIMULATOR"


@dataclass(frozen=True)
class Message:
    """A rendered message: fallback text and blocks."""

    text: str
    blocks: list[Block]

    def as_kwargs(self) -> dict[str, Any]:
        """Arguments for chat.postMessage / chat.update / respond."""
        return {"text": self.text, "blocks": self.blocks}


def _clock(at: float) -> str:
    return time.strftime("%H:%M:%S UTC", time.gmtime(at))


def _failure(record: RequestRecord) -> str:
    explanation = explain_failure(record.failure_cause)
    return f": {explanation.text} {explanation.advice}".rstrip()


# What follows the status words, for the statuses that say more than their words.
_DETAILS: dict[RequestStatus, Callable[[RequestRecord], str]] = {
    RequestStatus.FAILED: _failure,
    RequestStatus.REFUSED: lambda record: f": {record.refusal or 'no reason given'}",
    RequestStatus.REJECTED: lambda record: f" by <@{record.approver}>" if record.approver else "",
    RequestStatus.EXPIRED: lambda _record: ": nobody approved it in time. Run the command again.",
    RequestStatus.CANCELLED: lambda record: f": {record.refusal}" if record.refusal else "",
    RequestStatus.NO_ANSWER: lambda _record: ": it may still come; check the vehicle before retrying.",
    RequestStatus.UNCONFIRMED: lambda _record: (
        ": it did not confirm whether it took the request, so it is not offered again. "
        "Check the vehicle (`state`, `locate`) before sending it again; a late answer will show here."
    ),
}


def status_line(record: RequestRecord) -> str:
    """Emoji and words of where the request stands, in bold, and what follows them."""
    if record.status in STATUS_WORDS:
        emoji, words = STATUS_WORDS[record.status]
        detail = _DETAILS.get(record.status)
        return f"{emoji} *{words}*{detail(record) if detail else ''}"
    step = "sending" if record.status is RequestStatus.SENDING else record.vendor_status or "accepted_by_api"
    emoji, words = step_words(step)
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


def _wake_up_cost(cost: WakeUpCost) -> str:
    if cost.left <= 0:
        return (
            f":alarm_clock: Costs 1 wake-up over this month's allowance of {cost.allowance} "
            "(sent under an `exceed-wakeups` grant)."
        )
    return (
        f":alarm_clock: Costs 1 of this month's wake-ups: {cost.left - 1} of {cost.allowance} left after it."
    )


def request_message(record: RequestRecord, kit: Kit = DATA_KIT) -> Message:
    """The request message (thread root), always rendered from the stored record."""
    spec = row_of(record.action)
    head = f"{spec.emoji} *{spec.title}* · {record.vehicle_name}: {record.summary}"
    who = f"Requested by <@{record.requester}>"
    if record.approver and record.status is not RequestStatus.REJECTED:
        who += f" · approved by <@{record.approver}>"
    who += f" · request `{record.id}`"
    if record.simulator:
        who = f"{SIMULATOR_BADGE} · {who}"
    blocks: list[Block] = [kit.section(head), kit.section(status_line(record))]
    if record.wakeups is not None:
        blocks.append(kit.context(_wake_up_cost(record.wakeups)))
    outcome = _outcome_lines(record)
    if outcome:
        blocks.append(kit.section("\n".join(outcome)))
    if record.timeline:
        steps = [
            f"{_clock(e.at)} {step_words(e.step)[0]} {step_words(e.step)[1]}" for e in record.timeline[-12:]
        ]
        blocks.append(kit.context("\n".join(steps)))
    blocks.append(kit.context(who))
    if record.status in (RequestStatus.FAILED, RequestStatus.REFUSED, RequestStatus.NO_ANSWER):
        blocks.append(kit.actions([kit.button("Retry", ButtonId.RETRY, record.id)]))
    if record.status is RequestStatus.AWAITING_APPROVAL:
        approve = kit.button("Approve", ButtonId.APPROVE, record.id, style="primary")
        reject = kit.button("Reject", ButtonId.REJECT, record.id, style="danger")
        blocks.append(kit.actions([approve, reject]))
    prefix = "[SIMULATOR] " if record.simulator else ""
    return Message(text=f"{prefix}{spec.title} {record.vehicle_name}: {status_line(record)}", blocks=blocks)


def done_reply(record: RequestRecord) -> str:
    """The one thread reply posted when the request ends."""
    prefix = "[SIMULATOR] " if record.simulator else ""
    title = row_of(record.action).title
    return f"{prefix}<@{record.requester}> {title} {record.vehicle_name}: {status_line(record)}"


def confirmation_prompt(
    spec: ActionRow[Any], vehicle: Vehicle, summary: str, token: str, simulator: bool, kit: Kit = DATA_KIT
) -> Message:
    """The ephemeral confirmation of a dangerous action, with Confirm (danger) and Cancel."""
    badge = f"{SIMULATOR_BADGE}\n" if simulator else ""
    text = f"{badge}:warning: This will *{summary}* on *{vehicle.name}* (VIN {vehicle.vin}). Are you sure?"
    dialog = kit.confirm(
        f"{spec.title}?"[:100], f"{summary} on {vehicle.name}"[:300], "Yes, do it", "No", style="danger"
    )
    confirm = kit.button("Confirm", ButtonId.CONFIRM, token, style="danger", confirm=dialog)
    buttons = kit.actions([confirm, kit.button("Cancel", ButtonId.CANCEL, token)])
    return Message(text=text, blocks=[kit.section(text), buttons])


def vehicle_card(
    vehicle: Vehicle, rows: Sequence[ActionRow[Any]], simulator: bool, note: str = "", kit: Kit = DATA_KIT
) -> Message:
    """A vehicle card: one button per action the user may run and the vehicle supports, then `note`."""
    title = f"{':test_tube: SIMULATOR · ' if simulator else ''}:red_car: *{vehicle.name}* · VIN {vehicle.vin}"
    if vehicle.groups:
        title += f" · groups: {', '.join(vehicle.groups)}"
    blocks: list[Block] = [kit.section(title)]
    if note:
        blocks.append(kit.context(note))
    buttons = [
        kit.button(button.title or row.title, card_action_id(row, index), card_value(row, button, vehicle))
        for row in rows
        if row.remote is not None
        for index, button in enumerate(row.remote.cards)
    ]
    for start in range(0, len(buttons), 5):
        blocks.append(kit.actions(buttons[start : start + 5]))
    if not buttons:
        blocks.append(kit.section("You may not run any action on this vehicle."))
    return Message(text=f"Vehicle {vehicle.name}", blocks=blocks)


def card_action_id(row: ActionRow[Any], index: int) -> str:
    """The action id of a row's card button: its first is `rb_card_<action>`, others add their index."""
    return f"{ButtonId.CARD}_{row.action.value}" + (f"_{index}" if index else "")


def card_value(row: ActionRow[Any], button: CardButton, vehicle: Vehicle) -> str:
    """A card button's value: the button's command for the vehicle, parsed here and carried as JSON.

    The click reads it back as data; the text it holds is only for the audit trail and the answers.
    """
    command = parse(f"{row.action.value} {vehicle.vin} {button.words}".strip())
    return command.model_dump_json(exclude_defaults=True)


def plain(text: str, kit: Kit = DATA_KIT) -> Message:
    """A message that is just text."""
    return Message(text=text, blocks=[kit.section(text[:3000])])
