"""The action catalogue: one row per subcommand, with its permission, danger, emoji, words and usage."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ActionSpec:
    """What the bot knows about one subcommand."""

    name: str  # the subcommand word, also the permission name in POLICY_FILE
    title: str  # short label for buttons and messages
    emoji: str
    usage: str  # the usage line shown on a parse error
    remote: bool = True  # sends a vendor remote request
    dangerous: bool = False  # always asks for an explicit confirmation
    capability: str | None = None  # capability entry that must be supported, when the vendor reports it
    on_card: bool = True  # offered as a button on the vehicle card
    card_args: str = ""  # the options a card button sends (e.g. "start" for charge)


_SPECS = (
    ActionSpec("lock", "Lock", ":lock:", "lock <vehicle>", capability="locking"),
    ActionSpec("unlock", "Unlock", ":unlock:", "unlock <vehicle>", capability="locking"),
    ActionSpec("horn", "Horn", ":loudspeaker:", "horn <vehicle>", capability="horn"),
    ActionSpec("lights", "Lights", ":bulb:", "lights <vehicle> [on|off]", capability="lights"),
    ActionSpec(
        "charge",
        "Charge",
        ":electric_plug:",
        "charge <vehicle> start|stop|rate <low|low+|med|med+|high>|limit <80|100>|at <HH:MM>",
        capability="charging",
        card_args="start",
    ),
    ActionSpec(
        "precondition",
        "Precondition",
        ":snowflake:",
        "precondition <vehicle> on|off|at <HH:MM> [mon,tue,...] [<temp>C] [slot N]|delete <N>",
        capability="preconditioning",
        card_args="on",
    ),
    ActionSpec("wakeup", "Wake up", ":alarm_clock:", "wakeup <vehicle>", capability="wakeup"),
    ActionSpec("state", "State", ":bar_chart:", "state <vehicle> [--no-refresh]", capability="wakeup"),
    ActionSpec("locate", "Locate", ":round_pushpin:", "locate <vehicle>", capability="vehicleFinder"),
    ActionSpec(
        "navigate",
        "Navigate",
        ":world_map:",
        "navigate <vehicle> <lat,lon> [<lat,lon> ...]",
        capability="navigation",
        on_card=False,
    ),
    ActionSpec(
        "immobilize",
        "Immobilize",
        ":no_entry:",
        "immobilize <vehicle> on|off",
        dangerous=True,
        capability="immobilization",
        card_args="on",
    ),
    ActionSpec(
        "stolen",
        "Stolen",
        ":rotating_light:",
        "stolen <vehicle> on|off|crank-inhibit on|off",
        dangerous=True,
        capability="stolen",
        card_args="on",
    ),
    ActionSpec(
        "tan",
        "Theft alarm",
        ":shield:",
        "tan <vehicle> suppress <2h|4h|12h|24h|3d|7d>|unsuppress|confirm|deny",
        capability="tan",
        on_card=False,
    ),
    ActionSpec(
        "wipe-data",
        "Wipe personal data",
        ":wastebasket:",
        "wipe-data <vehicle>",
        dangerous=True,
        capability="onboardPersonalData",
    ),
    ActionSpec("status", "Status", ":mag:", "status <vehicle>|<request id>", remote=False, on_card=False),
    ActionSpec("history", "History", ":scroll:", "history <vehicle>", remote=False, on_card=False),
    ActionSpec("list", "List", ":clipboard:", "list [filter]", remote=False, on_card=False),
    ActionSpec("whoami", "Who am I", ":bust_in_silhouette:", "whoami", remote=False, on_card=False),
    ActionSpec("help", "Help", ":information_source:", "help", remote=False, on_card=False),
)

ACTIONS: dict[str, ActionSpec] = {spec.name: spec for spec in _SPECS}
REMOTE_ACTIONS = tuple(spec for spec in _SPECS if spec.remote)

# Subcommands every user may run without a grant (they reveal only the user's own permissions).
UNGUARDED = frozenset({"help", "whoami"})


def action(name: str) -> ActionSpec:
    """The catalogue row of a subcommand (KeyError for an unknown one)."""
    return ACTIONS[name]
