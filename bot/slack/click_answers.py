"""Private answers to clicks on what the bot showed: confirmations, approvals, retries (pure functions)."""

from __future__ import annotations

from bot.usecases import decisions
from bot.usecases.results import Denied

EXPIRED_CONFIRMATION = ":hourglass: This confirmation expired (or was already used): run the command again."
TOO_OLD_TO_RETRY = "This request is too old to retry: run the command again."


def not_owner(owner: str) -> str:
    """Only the requester confirms or cancels their own command."""
    return f":no_entry: Only <@{owner}> can confirm this request."


def confirmed(command_text: str) -> str:
    """The confirmation replaces the prompt."""
    return f":white_check_mark: Confirmed: `{command_text}`"


def cancel_answer(outcome: decisions.TicketGone | decisions.NotOwner | decisions.Cancelled) -> str | None:
    """What a Cancel click did (None for someone else's prompt, which only its requester sees anyway)."""
    match outcome:
        case decisions.Cancelled():
            return ":heavy_multiplication_x: Cancelled: nothing was sent."
        case decisions.TicketGone():
            return ":hourglass: Nothing to cancel: it expired or was already used."
    return None


def decision_answer(outcome: decisions.DecideResult) -> str | None:
    """What an Approve or Reject click did (None: the request message shows it)."""
    match outcome:
        case decisions.AlreadyDecided():
            return "This request has already been decided."
        case decisions.OwnRequest():
            return ":no_entry: You cannot approve or reject your own request: ask a colleague."
        case Denied(reason=reason):
            return f":no_entry: {reason}"
        case decisions.ApprovalExpired():
            return ":hourglass: This approval expired: the requester must run the command again."
        case decisions.DecidedBy(user=user, decision=decision):
            return f"This request was already {decision} by <@{user}>."
        case decisions.RequesterNoLongerAllowed():
            return ":no_entry: Not sent: the requester is no longer allowed to run it."
        case decisions.TooLate():
            return ":hourglass: Too late: this request expired before your decision."
    return None
