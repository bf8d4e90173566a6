"""The private answers about batches: the preview, `status <batch id>`, and what each batch button did."""

from __future__ import annotations

from typing import Protocol

from bot.config import Settings
from bot.slack import answers
from bot.slack.batch_view import batch_preview, batch_status_text, nothing_to_send
from bot.slack.blocks import Message
from bot.store.batches import BatchStatus
from bot.usecases.batch_preview import BatchPreview, NothingToSend, PreviewResult
from bot.usecases.batch_progress import BatchProgress
from bot.usecases.batch_run import (
    BatchClick,
    BatchClosed,
    BatchGone,
    BatchMoved,
    NothingToRetry,
    NotYours,
    OwnBatch,
)
from bot.usecases.queries import Statuses
from bot.usecases.results import Denied, NotOffered, Problem, VendorUnavailable

BATCH_GONE = ":hourglass: This batch (or its preview) expired: run the command again."
CLOSED_WORDS: dict[BatchStatus, str] = {
    BatchStatus.PREVIEW: "This batch has not been sent yet.",
    BatchStatus.AWAITING_APPROVAL: "This batch already waits for approval.",
    BatchStatus.SENDING: "This batch is already being sent.",
    BatchStatus.STOPPED: "This batch was stopped.",
    BatchStatus.FINISHED: "This batch is finished.",
    BatchStatus.CANCELLED: "This batch was cancelled: nothing was sent.",
    BatchStatus.REJECTED: "This batch was rejected: nothing was sent.",
    BatchStatus.EXPIRED: "This batch expired: nobody approved it in time.",
}


class Needs(Protocol):
    """What the answers need from the process: the settings and whether the cloud is the simulator."""

    @property
    def settings(self) -> Settings: ...
    @property
    def simulator(self) -> bool: ...


def preview_answer(result: PreviewResult, needs: Needs, command: str) -> Message:
    """The private answer to a command naming several vehicles."""
    simulator = needs.simulator
    match result:
        case BatchPreview():
            return batch_preview(result, needs.settings.vendor_sends_per_second, simulator)
        case NothingToSend():
            return nothing_to_send(result, simulator)
        case Problem(problem=problem, usage=usage):
            return answers.badged(answers.usage_problem(problem, usage, command), simulator)
        case NotOffered(row=row):
            return answers.badged(answers.not_offered(row.title), simulator)
        case VendorUnavailable(reason=reason):
            return answers.badged(answers.vendor_unavailable(reason), simulator)


def retry_answer(result: PreviewResult | BatchGone | NothingToRetry, needs: Needs, command: str) -> Message:
    """The private answer to Retry the failed: the new batch's preview, or why there is none."""
    match result:
        case BatchGone():
            return answers.badged(BATCH_GONE, needs.simulator)
        case NothingToRetry():
            return answers.badged(
                "No vehicle of this batch failed in a way that is safe to send again.", needs.simulator
            )
    return preview_answer(result, needs, command)


def click_answer(result: BatchClick) -> str | None:
    """What a batch button did, in words (None when the message itself says it)."""
    match result:
        case BatchGone():
            return BATCH_GONE
        case NotYours(owner=owner):
            return f":no_entry: Only <@{owner}> can send or cancel this batch."
        case OwnBatch():
            return ":no_entry: Nobody approves their own batch: another approver must."
        case Denied(reason=reason):
            return answers.denied(reason)
        case BatchClosed(batch=batch):
            return f":information_source: {CLOSED_WORDS[batch.status]}"
        case BatchMoved(batch=batch) if batch.status is BatchStatus.CANCELLED:
            return ":heavy_multiplication_x: Cancelled: nothing was sent."
        case BatchMoved(batch=batch) if batch.status is BatchStatus.AWAITING_APPROVAL:
            return f":raised_hand: Batch `{batch.id}` waits for a second person's approval in the channel."
        case BatchMoved(batch=batch) if batch.status is BatchStatus.SENDING and batch.approver is None:
            count = len(batch.members)
            return f":rocket: Sending to {count} vehicles: follow batch `{batch.id}` in the channel."
    return None


def status_text(result: Statuses | BatchProgress | Denied) -> str:
    """`status`, in words: a batch, requests, or why the user may not see them."""
    if isinstance(result, Denied):
        return answers.denied(result.reason)
    if isinstance(result, BatchProgress):
        return batch_status_text(result)
    return answers.status_text(result)
