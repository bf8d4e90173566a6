"""Block Kit of batches: the private preview, the one live batch message, its thread summary."""

from __future__ import annotations

from collections.abc import Iterable

from bot.catalogue.table import row_of
from bot.slack.blocks import SIMULATOR_BADGE, ButtonId, Message
from bot.slack.kit import DATA_KIT, Block, Kit
from bot.slack.words import explain_failure, step_words
from bot.store.batches import BatchRecord, BatchStatus, LeftOut
from bot.usecases.batch_preview import BatchPreview, NothingToSend
from bot.usecases.batch_progress import BatchProgress, Bucket, MemberProgress

TEXT_LIMIT = 3000  # characters of one section's text
TARGET_SHOWN = 200  # characters of a typed target shown (a long list is cut)
CAUSES_SHOWN = 5  # failure causes counted by name; the rest as "other"
LISTED_IN_PROGRESS = 20  # members still moving listed by name; the rest are counted

BUCKET_WORDS: dict[Bucket, tuple[str, str]] = {
    Bucket.DONE: (":white_check_mark:", "done"),
    Bucket.ALREADY_DONE: (":ballot_box_with_check:", "already done"),
    Bucket.IN_PROGRESS: (":arrows_counterclockwise:", "in progress"),
    Bucket.SENT: (":outbox_tray:", "sent"),
    Bucket.WAITING: (":hourglass:", "waiting to be sent"),
    Bucket.FAILED: (":x:", "failed"),
    Bucket.UNKNOWN: (":grey_question:", "no final answer"),
    Bucket.NOT_SENT: (":heavy_multiplication_x:", "not sent"),
}
COUNT_ORDER = (
    Bucket.DONE, Bucket.ALREADY_DONE, Bucket.IN_PROGRESS, Bucket.SENT, Bucket.WAITING, Bucket.FAILED,
    Bucket.UNKNOWN, Bucket.NOT_SENT,
)  # fmt: skip
STATUS_WORDS: dict[BatchStatus, str] = {
    BatchStatus.PREVIEW: ":eyes: Preview, not sent",
    BatchStatus.AWAITING_APPROVAL: ":raised_hand: *Waiting for a second person's approval*: nothing sent yet",
    BatchStatus.SENDING: ":rocket: *Sending*",
    BatchStatus.STOPPED: ":octagonal_sign: *Stopped*: vehicles not sent yet are not sent; those sent finish",
    BatchStatus.FINISHED: ":checkered_flag: *Finished*",
    BatchStatus.CANCELLED: ":heavy_multiplication_x: *Cancelled*",
    BatchStatus.REJECTED: ":no_entry: *Rejected*: nothing was sent",
    BatchStatus.EXPIRED: ":hourglass: *Expired*: nobody approved it in time; nothing was sent",
}


def escaped(text: str, limit: int) -> str:
    """Text from outside (the vendor's causes and refusals) as mrkdwn shows it literally, cut at `limit`."""
    cut = text if len(text) <= limit else text[: limit - 1] + "…"
    return cut.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


MORE_ROOM = 20  # characters kept for "…and N more"


def _fitting(items: list[str], separator: str, room: int) -> int:
    """How many of the items, joined by the separator, fit in `room` characters (and the "more" note)."""
    used = 0
    for count, item in enumerate(items):
        used += len(item) + (len(separator) if count else 0)
        if used + MORE_ROOM > room:
            return count
    return len(items)


def fit_lines(head: str, lines: list[str], *, limit: int = TEXT_LIMIT) -> str:
    """`head` and as many lines as fit in `limit` characters; the rest counted in a last line."""
    shown = _fitting(lines, "\n", limit - len(head) - 1)
    text = "\n".join([head, *lines[:shown]])
    return text + (f"\n…and {len(lines) - shown} more" if shown < len(lines) else "")


def _names(members: Iterable[str], limit: int = TEXT_LIMIT) -> str:
    """The names, comma-separated, as many as fit in `limit` characters; the rest counted."""
    names = list(members)
    shown = _fitting(names, ", ", limit)
    return ", ".join(names[:shown]) + (f" …and {len(names) - shown} more" if shown < len(names) else "")


def _left_out_lines(left_out: list[LeftOut]) -> list[str]:
    return [f"• *{item.name}*: {item.reason}" for item in left_out]


def _head(batch: BatchRecord) -> str:
    spec = row_of(batch.action)
    return f"{spec.emoji} *{spec.title}* · `{_target(batch)}`: {batch.summary}"


def _target(batch: BatchRecord) -> str:
    """The target as typed, cut when long (a list of hundreds of VINs)."""
    return batch.target if len(batch.target) <= TARGET_SHOWN else batch.target[: TARGET_SHOWN - 1] + "…"


def batch_preview(
    preview: BatchPreview, sends_per_second: float, simulator: bool, kit: Kit = DATA_KIT
) -> Message:
    """The private preview: who receives it, who is left out and why, what it costs, Send and Cancel."""
    batch = preview.batch
    count = len(batch.members)
    badge = f"{SIMULATOR_BADGE} · " if simulator else ""
    blocks: list[Block] = [
        kit.section(f"{badge}:eyes: *Preview* · {_head(batch)}"),
        kit.section(
            f"*{count} vehicle{'s' if count != 1 else ''} will receive it:* "
            + _names((m.name for m in batch.members), 2900)
        ),
    ]
    if batch.left_out:
        blocks.append(
            kit.section(fit_lines(f"*Left out ({len(batch.left_out)}):*", _left_out_lines(batch.left_out)))
        )
    facts = [
        f":stopwatch: Sending takes about {preview.seconds:g} s at {sends_per_second:g} sends per second."
    ]
    if batch.wakeups:
        plural = "s" if batch.wakeups != 1 else ""
        facts.append(f":alarm_clock: Costs {batch.wakeups} wake-up{plural} (one per vehicle).")
        if preview.fewest_wakeups is not None:
            name, cost = preview.fewest_wakeups
            facts.append(f"Fewest left: {name}, {cost.left} of {cost.allowance} this month before it.")
    if preview.asleep:
        names = _names(preview.asleep, 500)
        facts.append(f":zzz: Possibly in deep sleep (silent for days; drive it for 15 minutes): {names}.")
    if batch.needs_approval:
        facts.append(":raised_hand: A second person must approve it before anything is sent.")
    if batch.retry_of:
        facts.append(f":repeat: Retries the failed vehicles of batch `{batch.retry_of}`.")
    blocks.append(kit.context(" ".join(facts)))
    label = f"Send to {count} vehicle{'s' if count != 1 else ''}"
    confirm = None
    if preview.needs_confirmation:
        confirm = kit.confirm(
            f"{row_of(batch.action).title}?"[:100],
            f"{batch.summary} on {count} vehicles"[:300],
            "Yes, send it",
            "No",
            style="danger",
        )
    send = kit.button(
        label, ButtonId.BATCH_SEND, batch.id, style="danger" if confirm else "primary", confirm=confirm
    )
    blocks.append(kit.actions([send, kit.button("Cancel", ButtonId.BATCH_CANCEL, batch.id)]))
    return Message(text=f"Preview: {row_of(batch.action).title} on {count} vehicles", blocks=blocks)


def nothing_to_send(result: NothingToSend, simulator: bool, kit: Kit = DATA_KIT) -> Message:
    """Every vehicle of the target is left out: why, for each."""
    batch = result.batch
    badge = f"{SIMULATOR_BADGE} · " if simulator else ""
    head = f"{badge}:no_entry_sign: Nothing to send for `{_target(batch)}`: every vehicle is left out."
    return Message(text=head, blocks=[kit.section(fit_lines(head, _left_out_lines(batch.left_out)))])


def _counts(progress: BatchProgress) -> str:
    counts = progress.counts
    parts = []
    for bucket in COUNT_ORDER:
        if counts[bucket]:
            emoji, words = BUCKET_WORDS[bucket]
            part = f"{emoji} {counts[bucket]} {words}"
            if bucket is Bucket.FAILED:
                causes = progress.failed_by_cause.most_common()
                shown = [f"{n} {escaped(cause, 60)}" for cause, n in causes[:CAUSES_SHOWN]]
                others = sum(n for _, n in causes[CAUSES_SHOWN:])
                part += f" ({', '.join(shown)}{f', {others} other' if others else ''})"
            parts.append(part)
    if progress.batch.left_out:
        parts.append(f":no_entry_sign: {len(progress.batch.left_out)} left out")
    return " · ".join(parts) or "No vehicle."


def _member_line(member: MemberProgress) -> str:
    name = member.member.name
    if member.bucket is Bucket.FAILED and member.record is not None:
        if member.record.failure_cause:
            explanation = explain_failure(member.record.failure_cause)
            return f"• *{name}*: {escaped(member.record.failure_cause, 60)}: {explanation.text}"
        return f"• *{name}*: refused: {escaped(member.record.refusal or 'no reason given', 200)}"
    if member.bucket is Bucket.UNKNOWN:
        return f"• *{name}*: {BUCKET_WORDS[member.bucket][1]}: check the vehicle before sending again"
    emoji, words = step_words(member.step)
    return f"• {name}: {emoji} {words}"


def _status(progress: BatchProgress) -> str:
    batch = progress.batch
    words = STATUS_WORDS[batch.status]
    if batch.stopped_by:  # stopped, and finished or not: it says who stopped it
        words = STATUS_WORDS[BatchStatus.STOPPED] + f" (by <@{batch.stopped_by}>)"
    elif batch.status is BatchStatus.SENDING and progress.all_final:
        words = STATUS_WORDS[BatchStatus.FINISHED]
    total = len(progress.members)
    final = sum(1 for m in progress.members if m.settled)
    return f"{words} · {final} of {total} final"


def batch_message(progress: BatchProgress, simulator: bool, kit: Kit = DATA_KIT) -> Message:
    """The batch's one live message: counts, what needs attention first, what is still moving, buttons."""
    batch = progress.batch
    badge = f"{SIMULATOR_BADGE} · " if simulator else ""
    blocks: list[Block] = [
        kit.section(f"{badge}{_head(batch)}"),
        kit.section(_status(progress) + "\n" + _counts(progress)),
    ]
    attention = progress.attention
    if attention:
        blocks.append(
            kit.section(
                fit_lines(f"*Needs attention ({len(attention)}):*", [_member_line(m) for m in attention])
            )
        )
    moving = [m for m in progress.members if m.bucket in (Bucket.WAITING, Bucket.SENT, Bucket.IN_PROGRESS)]
    if moving:
        lines = [_member_line(m) for m in moving[:LISTED_IN_PROGRESS]]
        if len(moving) > LISTED_IN_PROGRESS:
            lines.append(f"…and {len(moving) - LISTED_IN_PROGRESS} more on their way")
        blocks.append(kit.section(fit_lines("*On their way:*", lines)))
    done = [m.member.name for m in progress.members if m.bucket in (Bucket.DONE, Bucket.ALREADY_DONE)]
    if done:
        blocks.append(kit.context(":white_check_mark: Done: " + _names(done, 2900)))
    if batch.left_out:
        blocks.append(
            kit.context(
                fit_lines(
                    f"Left out ({len(batch.left_out)}):",
                    [f"{i.name}: {i.reason}" for i in batch.left_out],
                    limit=2900,
                )
            )
        )
    who = f"Requested by <@{batch.requester}>"
    if batch.approver and batch.status is not BatchStatus.REJECTED:
        who += f" · approved by <@{batch.approver}>"
    elif batch.approver:
        who += f" · rejected by <@{batch.approver}>"
    who += f" · batch `{batch.id}`"
    if batch.retry_of:
        who += f" · retries the failed of `{batch.retry_of}`"
    blocks.append(kit.context(who))
    buttons = _buttons(progress, kit)
    if buttons:
        blocks.append(kit.actions(buttons))
    prefix = "[SIMULATOR] " if simulator else ""
    return Message(
        text=f"{prefix}{row_of(batch.action).title} {_target(batch)}: {_counts(progress)}"[:3000],
        blocks=blocks,
    )


def _buttons(progress: BatchProgress, kit: Kit) -> list[Block]:
    batch = progress.batch
    if batch.status is BatchStatus.AWAITING_APPROVAL:
        return [
            kit.button("Approve", ButtonId.BATCH_APPROVE, batch.id, style="primary"),
            kit.button("Reject", ButtonId.BATCH_REJECT, batch.id, style="danger"),
        ]
    if progress.sending:
        return [kit.button("Stop", ButtonId.BATCH_STOP, batch.id, style="danger")]
    retryable = len(progress.retryable)
    if progress.all_final and retryable:
        return [kit.button(f"Retry the failed ({retryable})", ButtonId.BATCH_RETRY, batch.id)]
    return []


def batch_summary(progress: BatchProgress, simulator: bool) -> str:
    """The one thread reply when every vehicle is final: the counts and the vehicles that failed."""
    batch = progress.batch
    prefix = "[SIMULATOR] " if simulator else ""
    title = row_of(batch.action).title
    head = f"{prefix}<@{batch.requester}> {title} `{_target(batch)}` finished: {_counts(progress)}"
    attention = progress.attention
    if not attention:
        return head[:TEXT_LIMIT]
    return fit_lines(head + f"\n*Needs attention ({len(attention)}):*", [_member_line(m) for m in attention])


def batch_status_text(progress: BatchProgress) -> str:
    """`status <batch id>`: the batch's state and counts, privately."""
    batch = progress.batch
    return fit_lines(
        f"{_head(batch)}\n{_status(progress)}\n{_counts(progress)}",
        [_member_line(m) for m in progress.attention],
    )
