"""The catalogue itself: every row, in help order, and the lookups the rest of the bot uses."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from bot.catalogue.action import Action, Permission
from bot.catalogue.row import ActionRow
from bot.catalogue.rows_basic import BASIC_ROWS, WAKE_AND_FIND_ROWS
from bot.catalogue.rows_energy import ENERGY_ROWS
from bot.catalogue.rows_queries import CARD_ROW, QUERY_ROWS
from bot.catalogue.rows_security import SECURITY_ROWS
from bot.vehicle.features import FeatureModel

# Help lists the rows in this order (the card's line comes second, after the first action).
ROWS: tuple[ActionRow[Any], ...] = (
    BASIC_ROWS[0],
    CARD_ROW,
    *BASIC_ROWS[1:],
    *ENERGY_ROWS,
    *WAKE_AND_FIND_ROWS,
    *SECURITY_ROWS,
    *QUERY_ROWS,
)
CATALOGUE: Mapping[Action, ActionRow[Any]] = MappingProxyType({row.action: row for row in ROWS})
BY_WORD: Mapping[str, ActionRow[Any]] = MappingProxyType({word: row for row in ROWS for word in row.words})
REMOTE_ROWS: tuple[ActionRow[Any], ...] = tuple(row for row in ROWS if row.remote is not None)
# Names a policy may use: every typed action (help and whoami need no grant, but naming them is no mistake),
# and the permissions beside them ("*" grants every action, never a permission).
PERMISSIONS: frozenset[str] = frozenset(permission.value for permission in Permission)
POLICY_WORDS: frozenset[str] = frozenset(row.action.value for row in ROWS if row.typed) | PERMISSIONS


def row_of(action: Action | str) -> ActionRow[Any]:
    """The catalogue row of an action (ValueError for a name the catalogue does not know)."""
    return CATALOGUE[Action(action)]


def _everything(_feature: type[FeatureModel]) -> bool:
    return True


def usage_text(command: str, offers: Callable[[type[FeatureModel]], bool] = _everything) -> str:
    """The full usage, one line per action the vehicle cloud offers."""
    return "\n".join(row.help_line(command) for row in ROWS if row.available(offers))
