"""Private answers in words: what each use-case result tells the user (pure functions, no Slack calls)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from bot.catalogue.table import row_of, usage_text
from bot.slack.blocks import SIMULATOR_BADGE, Message, confirmation_prompt, plain, status_line, vehicle_card
from bot.store.wakeup_budget import WakeUps
from bot.usecases.authz import Entitlement
from bot.usecases.freshness import Freshness
from bot.usecases.queries import Card, History, Listing, Statuses
from bot.usecases.results import (
    AlreadyInFlight,
    ConfirmationNeeded,
    Denied,
    Lacks,
    LastState,
    NotOffered,
    Problem,
    RemoteResult,
    Started,
    Unsupported,
    VendorUnavailable,
    WakeUpsSpent,
)
from bot.vehicle.features import FeatureModel

LIST_LIMIT = 100
STORE_DOWN = ":x: The bot's storage is unavailable right now: nothing was sent. Try again in a minute."
SOMETHING_WENT_WRONG = (
    ":x: Something went wrong on the bot's side; nothing more was sent. The admins have the details."
)


def badged(text: str, simulator: bool) -> Message:
    """A private text answer; against the simulator it says so."""
    if simulator and SIMULATOR_BADGE not in text:
        text = f"{SIMULATOR_BADGE} · {text}"
    return plain(text)


def usage_problem(problem: str, usage: str, command: str) -> str:
    """What was wrong and how to write it."""
    problem = problem if problem.endswith(".") else f"{problem}."
    return f":warning: {problem}\nUsage: `{command} {usage}`"


def denied(reason: str) -> str:
    """Why the user may not do this, and who can change that."""
    return f":no_entry: {reason}"


def vendor_unavailable(reason: object) -> str:
    """The vehicle cloud could not answer a question the command needed."""
    return f":x: The vehicle cloud could not be asked: {reason}"


def unknown_vehicle(reason: object) -> str:
    """No vehicle answers to the name given (the reason says how to find it)."""
    return f":warning: {reason}"


def help_text(command: str, simulator: bool, offers: Callable[[type[FeatureModel]], bool]) -> str:
    """Every usage line the vehicle cloud offers; against the simulator it says the vehicles are simulated."""
    badge = f"{SIMULATOR_BADGE} (vehicles are simulated)\n" if simulator else ""
    many = (
        "\n`<vehicle>` may name several: `van-12,van-14,car-21` or `group:paris`; you get a preview with "
        "Send and Cancel first."
    )
    return badge + usage_text(command, offers) + many


def not_offered(title: str) -> str:
    """The vehicle cloud's API has no such action."""
    return f":no_entry_sign: {title} is not offered by this fleet's vehicle API: the bot cannot send it."


def lacks(vehicle: str, title: str, capability: str) -> str:
    """The vehicle's capability rules the action out: what it lacks; nothing was sent."""
    return (
        f":no_entry_sign: {vehicle} cannot do {title}: its capability (vehicle and contract) does not "
        f"include `{capability}`. Nothing was sent."
    )


def _used(wakeups: WakeUps) -> str:
    used = f"{wakeups.used} of {wakeups.allowance} used"
    return used + (" and the vehicle cloud says its monthly quota is reached" if wakeups.vendor_spent else "")


def _resets(wakeups: WakeUps) -> str:
    return f"{wakeups.resets_on:%Y-%m-%d} (UTC)"


def wake_ups_spent(vehicle: str, wakeups: WakeUps, command: str) -> str:
    """A command that always wakes, refused: the month's wake-ups are used up, and when they come back."""
    return (
        f":zzz: {vehicle} has no wake-up left this month ({_used(wakeups)}): nothing was sent. They reset on "
        f"{_resets(wakeups)}; someone granted `exceed-wakeups` may go over. `{command} state <vehicle> "
        f"--no-refresh` shows the last reported state without waking it."
    )


def wake_ups_left(wakeups: WakeUps) -> str:
    """What is left of the vehicle's wake-ups this month, for the card and `list`."""
    if wakeups.spent:
        return f":zzz: no wake-up left this month ({_used(wakeups)}), until {_resets(wakeups)}"
    return f":alarm_clock: {wakeups.left} of {wakeups.allowance} wake-ups left this month (UTC)"


def last_report(freshness: Freshness) -> str:
    """When the vehicle last reported (or never seen), and the deep-sleep flag when silent too long."""
    if freshness.last_report is None:
        return ":satellite_antenna: last report: never seen"
    text = f":satellite_antenna: last report: {_ago(freshness.last_report)}"
    return f"{text} · {deep_sleep(freshness)}" if freshness.possibly_asleep else text


def deep_sleep(freshness: Freshness) -> str:
    """The deep-sleep flag of a vehicle silent for more than DEEP_SLEEP_DAYS, with what wakes it."""
    days = int(freshness.silent_days or 0)
    return (
        f":zzz: possibly in deep sleep, silent for {days} days: drive it for 15 minutes to wake its "
        f"telematics"
    )


def remote_answer(result: RemoteResult, command: str, simulator: bool) -> Message | None:
    """The private answer to a remote command (None when the request message says it all)."""
    refusal = _not_sent(result, command)
    if refusal is not None:
        return badged(refusal, simulator)
    match result:
        case LastState():
            return badged(_last_state(result, command, simulator), simulator)
        case ConfirmationNeeded(row=row, vehicle=vehicle, summary=summary, token=token):
            return confirmation_prompt(row, vehicle, summary, token, simulator)
        case AlreadyInFlight():
            return badged(_in_flight(result), simulator)
        case Started(moved_to_dm=True, post_error=error):
            return badged(
                f":information_source: I can't post in this channel ({error}): invite me with "
                f"`/invite @remote-bot`. Your request went to our direct messages instead.",
                simulator,
            )
    return None


def _not_sent(result: RemoteResult, command: str) -> str | None:
    """Why nothing was sent, for the results that refuse before the vendor (None for the others)."""
    match result:
        case Problem(problem=problem, usage=usage):
            return usage_problem(problem, usage, command)
        case Denied(reason=reason):
            return denied(reason)
        case VendorUnavailable(reason=reason):
            return vendor_unavailable(reason)
        case Unsupported(vehicle=vehicle, refusal=refusal):
            return f":warning: {vehicle.name} {refusal}."
        case Lacks(vehicle=vehicle, row=row, capability=capability):
            return lacks(vehicle.name, row.title, capability)
        case NotOffered(row=row):
            return not_offered(row.title)
        case WakeUpsSpent(vehicle=vehicle, wakeups=wakeups):
            return wake_ups_spent(vehicle.name, wakeups, command)
    return None


def _last_state(result: LastState, command: str, simulator: bool) -> str:
    badge = f"{SIMULATOR_BADGE} · " if simulator else ""
    when = _reported(result.reported_at)
    lines = [f"{badge}:bar_chart: *{result.vehicle.name}*, last reported state (not refreshed){when}:"]
    lines += [f"• {name}: {value}" for name, value in result.facts.items()] or ["• nothing reported yet"]
    if result.recent:
        word = result.vehicle.alias or result.vehicle.vin
        lines.append(
            f"Recent enough not to wake the vehicle: `{command} state {word} --refresh` wakes it for a new "
            f"report (one of its monthly wake-ups)."
        )
    if result.freshness is not None and result.freshness.possibly_asleep:
        lines.append(deep_sleep(result.freshness))
    return "\n".join(lines)


def _reported(reported_at: str | None) -> str:
    """`, reported 3 h ago (2026-12-07 09:12 UTC)`, or nothing when the time is unknown or unreadable."""
    if not reported_at:
        return ""
    try:
        at = datetime.fromisoformat(reported_at)
    except ValueError:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    stamp = at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f", reported {_ago(at.timestamp())} ({stamp})"


def _in_flight(result: AlreadyInFlight) -> str:
    where = f" <{result.link}|See it here>." if result.link else ""
    return (
        f":hourglass_flowing_sand: The same action is already in flight for this vehicle "
        f"(request `{result.request_id}`).{where} Wait for it to finish."
    )


def whoami_text(user: str, entitlements: list[Entitlement]) -> str:
    """The user's id and every role they hold, where it applies."""
    lines = [f"Your Slack user id is `{user}`."]
    if not entitlements:
        lines.append("You have no role yet: ask an admin to grant you one in the policy file.")
    for item in entitlements:
        scope = ", ".join(item.vehicles) if item.vehicles is not None else "every vehicle"
        where = ", ".join(f"<#{c}>" for c in item.channels) if item.channels is not None else "any channel"
        lines.append(
            f"• *{item.role}* (via `{item.via}`): {', '.join(item.actions) or 'no actions'}"
            + (f"; approves {', '.join(item.approve)}" if item.approve else "")
            + f"; on {scope}; in {where}"
        )
    return "\n".join(lines)


def listing_text(listing: Listing) -> str:
    """One line per vehicle the user may act on."""
    lines = [
        f"• *{vehicle.alias or vehicle.vin}* `{vehicle.vin}`"
        + (f" · {', '.join(vehicle.groups)}" if vehicle.groups else "")
        + f" · {wake_ups_left(listing.wakeups[vehicle.vin])}"
        + f" · {last_report(listing.freshness[vehicle.vin])}"
        for vehicle in listing.vehicles
    ]
    if not lines:
        return "No vehicle you may act on" + (f" matches `{listing.wanted}`." if listing.wanted else ".")
    return "\n".join(lines[:LIST_LIMIT])


def _ago(at: float) -> str:
    minutes = int((time.time() - at) // 60)
    if minutes < 1:
        return "just now"
    if minutes < 120:
        return f"{minutes} min ago"
    return f"{minutes // 60} h ago" if minutes < 2880 else f"{minutes // 1440} days ago"


def status_text(statuses: Statuses) -> str:
    """One line per request: id, action, vehicle, requester, age and where it stands."""
    if not statuses.records:
        return f"No request recorded for `{statuses.reference}`."
    return "\n".join(
        f"• `{r.id}` {row_of(r.action).emoji} {r.action} {r.vehicle_name} by <@{r.requester}> "
        f"{_ago(r.created_at)}: {status_line(r)}" + (f" (batch `{r.batch_id}`)" if r.batch_id else "")
        for r in statuses.records
    )


# Audit events whose stored name is not already a word; the others are shown as stored.
HISTORY_EVENT_WORDS = {"refused-wakeups": "refused (no wake-up left this month):"}


def history_text(history: History) -> str:
    """A vehicle's audit trail, newest first."""
    if not history.trail:
        return f"No history recorded for {history.vehicle.name}."
    lines = [f"*History of {history.vehicle.name}* (newest first)"]
    for entry in history.trail:
        stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(entry.at))
        ref = f" `{entry.request_id}`" if entry.request_id else ""
        event = HISTORY_EVENT_WORDS.get(entry.event, entry.event)
        lines.append(f"• {stamp} {event} {entry.action} by <@{entry.user}>{ref} {entry.detail}")
    return "\n".join(lines)


def card_message(card: Card, simulator: bool) -> Message:
    """The vehicle card."""
    note = f"{wake_ups_left(card.wakeups)} · {last_report(card.freshness)}"
    return vehicle_card(card.vehicle, card.rows, simulator, note)
