"""Plain words for every vendor status and failure cause, and what the operator should do next."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.records import RequestStatus


@dataclass(frozen=True)
class Explanation:
    """What happened, in words, and the advice that goes with it."""

    text: str
    advice: str = ""


STEP_WORDS: dict[str, tuple[str, str]] = {
    "requested": (":hourglass_flowing_sand:", "Requested"),
    "approved": (":ballot_box_with_check:", "Approved"),
    "sending": (":outbox_tray:", "Sending to the vehicle cloud"),
    "accepted_by_api": (":inbox_tray:", "Accepted by the vehicle cloud"),
    "Accepted": (":inbox_tray:", "Accepted"),
    "CheckingVehicle": (":mag:", "Checking the vehicle"),
    "WakingUpVehicle": (":alarm_clock:", "Waking the vehicle up"),
    "SentToVehicle": (":satellite_antenna:", "Sent to the vehicle"),
    "VehicleBatteryChargeTooLow": (":battery:", "Vehicle battery charge too low"),
    "VehicleBatteryLevelWarning": (":battery:", "Vehicle battery level warning"),
    "TooManyWakeUpsOverMonth": (":zzz:", "Monthly wake-up quota used up"),
    "Success": (":white_check_mark:", "Done"),
    "AlreadyDone": (":white_check_mark:", "Already in that state"),
    "Failed": (":x:", "Failed"),
    "no_answer": (":warning:", "No final answer from the vehicle yet"),
    "refused": (":no_entry_sign:", "Refused by the vehicle cloud"),
    "rejected": (":no_entry_sign:", "Rejected"),
    "expired": (":hourglass:", "Approval expired"),
    "unconfirmed": (":grey_question:", "Not confirmed by the vehicle cloud"),
}

# How a settled or waiting request's status reads: the words of its timeline step where it has one.
# (In-progress statuses are shown by their latest step.)
STATUS_WORDS: dict[RequestStatus, tuple[str, str]] = {
    RequestStatus.SUCCESS: STEP_WORDS["Success"],
    RequestStatus.ALREADY_DONE: (":white_check_mark:", "Done: the vehicle was already in that state"),
    RequestStatus.FAILED: STEP_WORDS["Failed"],
    RequestStatus.REFUSED: STEP_WORDS["refused"],
    RequestStatus.REJECTED: STEP_WORDS["rejected"],
    RequestStatus.EXPIRED: STEP_WORDS["expired"],
    RequestStatus.CANCELLED: (":heavy_multiplication_x:", "Cancelled"),
    RequestStatus.AWAITING_APPROVAL: (":raised_hand:", "Waiting for approval"),
    RequestStatus.QUEUED: (":hourglass:", "Queued in its batch, not sent yet"),
    RequestStatus.NO_ANSWER: STEP_WORDS["no_answer"],
    RequestStatus.UNCONFIRMED: STEP_WORDS["unconfirmed"],
}

FAILURE_CAUSES: dict[str, Explanation] = {
    "GeneralError": Explanation("The vehicle cloud reported a general error.", "Retry in a few minutes."),
    "VehicleError": Explanation(
        "The vehicle reported an error.", "Retry; if it persists, have the vehicle checked."
    ),
    "WrongCommand": Explanation(
        "The vehicle did not understand the command.", "Report it to the bot's maintainers."
    ),
    "VehicleConnectionTimeout": Explanation(
        "The vehicle is offline or could not be reached.", "Retry when it is back in network coverage."
    ),
    "MissingRights": Explanation(
        "Our account is not allowed to do this on this vehicle.",
        "Ask the fleet admin to check the vehicle's contract.",
    ),
    "NotPossibleDueToVehicleBatteryLevel": Explanation(
        "The vehicle's battery is too low for this.", "Charge the vehicle, then retry."
    ),
    "NotPossibleDueToVehiclePrivacyLevel": Explanation(
        "The vehicle's privacy mode blocks remote actions.", "Ask the driver to change the privacy setting."
    ),
    "TooManyWakeUpsOverMonth": Explanation(
        "The vehicle's monthly wake-up quota is used up.", "Retry while the vehicle is awake, or next month."
    ),
    "TooManyRequestInShortTime": Explanation(
        "Too many requests in a short time.", "Wait a few minutes, then retry."
    ),
    "SameActionInProgress": Explanation(
        "The same action is already in progress on this vehicle.", "Wait for it to finish before retrying."
    ),
    "NotPossibleDueToVehicleStolenState": Explanation(
        "The vehicle is declared stolen, which blocks this action.",
        "Clear the stolen state first if appropriate.",
    ),
    "VehicleInUse": Explanation("The vehicle is in use (ignition on).", "Retry when it is parked."),
    "TooManyRequestSent": Explanation("Too many requests were sent.", "Wait a while, then retry."),
    "DoorsOpen": Explanation("A door is open.", "Close the doors, then retry."),
    "VehicleErrorOrCidInside": Explanation(
        "The vehicle refused, possibly because a key is inside.",
        "Remove the key from the vehicle, then retry.",
    ),
    "CidInside": Explanation("A key is inside the vehicle.", "Remove the key from the vehicle, then retry."),
    "ExternalChargingSystemError": Explanation(
        "The charging station reported an error.", "Check the charging station and the cable, then retry."
    ),
    "VehicleChargingSystemError": Explanation(
        "The vehicle's charging system reported an error.",
        "Check the cable; have the vehicle checked if it persists.",
    ),
    "VehicleIsNotLocked": Explanation("The vehicle is not locked.", "Lock the vehicle, then retry."),
    "CanceledByDriver": Explanation(
        "The driver cancelled it from inside the vehicle.", "Talk to the driver."
    ),
    "AuthorizationError": Explanation(
        "The vehicle cloud refused our authorization.",
        "Ask the bot's admin to check the API credentials and scopes.",
    ),
    "StolenVehicle": Explanation(
        "The vehicle is declared stolen.", "Clear the stolen state first if appropriate."
    ),
    "PrivacyFull": Explanation(
        "The vehicle's full privacy mode blocks remote actions.",
        "Ask the driver to change the privacy setting.",
    ),
    "HdmiRemoteServiceDeactivated": Explanation(
        "Remote services are switched off in the vehicle.", "Ask the driver to switch them back on."
    ),
    "AlertIdentificationFailedByVehicle": Explanation(
        "The vehicle could not identify the alert.", "Check the theft alarm in the vehicle."
    ),
}


def explain_failure(cause: str | None) -> Explanation:
    """Words and advice for a failure cause, including causes this version does not know."""
    if cause is None:
        return Explanation("The vehicle cloud reported a failure without a cause.", "Retry in a few minutes.")
    return FAILURE_CAUSES.get(
        cause, Explanation(f"The vehicle cloud reported `{cause}`.", "Retry in a few minutes.")
    )


def step_words(step: str) -> tuple[str, str]:
    """Emoji and words of a timeline step (unknown vendor statuses are shown as they came)."""
    return STEP_WORDS.get(step, (":small_blue_diamond:", step))
