"""The name of every action: the subcommand word, the permission name in POLICY_FILE, the stored name."""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    """A right a policy may grant beside the actions (never implied by "*": it must be named)."""

    EXCEED_WAKEUPS = "exceed-wakeups"  # wake a vehicle beyond its monthly allowance


class Action(StrEnum):
    """Every action the bot knows; the value is the word a user types and a policy names."""

    LOCK = "lock"
    UNLOCK = "unlock"
    HORN = "horn"
    LIGHTS = "lights"
    CHARGE = "charge"
    PRECONDITION = "precondition"
    WAKEUP = "wakeup"
    STATE = "state"
    LOCATE = "locate"
    NAVIGATE = "navigate"
    IMMOBILIZE = "immobilize"
    STOLEN = "stolen"
    TAN = "tan"
    WIPE_DATA = "wipe-data"
    STATUS = "status"
    HISTORY = "history"
    LIST = "list"
    WHOAMI = "whoami"
    HELP = "help"
    CARD = "card"  # `/vehicle <vehicle>` alone: never typed as a word
