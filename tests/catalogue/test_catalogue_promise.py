"""Each catalogue row keeps its promise: every form of its usage parses, plans, builds a body the vendor's
schema accepts, which the simulator reads back and acts on; help lists it, the card offers it when it says so.
Where the Fleet Owner v3 API offers the row's feature, every form also builds a v3 body its schema accepts,
or is one of the forms v3 cannot carry, refused with the reason.

A new row that misses a piece fails here with that piece's name.
"""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft7Validator  # type: ignore[import-untyped]

from bot.catalogue.action import Action
from bot.catalogue.command import Command, parse
from bot.catalogue.row import ActionRow, Target
from bot.catalogue.table import CATALOGUE, REMOTE_ROWS, ROWS
from bot.runtime.bundled import DEMO_FLEET
from bot.simulator.actions import Outcome, apply
from bot.simulator.fleet import load_fleet
from bot.simulator.remote_reader import parse_remote
from bot.slack.blocks import card_action_id, vehicle_card
from bot.usecases.fleet import Vehicle
from bot.vehicle.features import V1_CAPABILITY_KEYS
from bot.vehicle.features.base import RemoteRequestError
from bot.vehicle.fleet_v3_remote import build_v3_remote, read_v3_remote
from bot.vehicle.remotes import build_remote
from tests.app_support import BotUnderTest
from tests.usage_forms import VEHICLE, forms
from tests.vehicle.test_v3_bodies import CONTEXT

CARD_VEHICLE = Vehicle(vin="VR3UHZKXZLT000012", alias=VEHICLE)


def _head(row: ActionRow[Any]) -> str:
    words = (row.action.value if row.typed else "", "<vehicle>" if row.target is Target.VEHICLE else "")
    return " ".join(word for word in words if word)


CASES = [(row, text) for row in ROWS for text in forms(row.usage, _head(row))]
REMOTE_CASES = [(row, text) for row, text in CASES if row.remote is not None]
V3_CASES = [(row, text) for row, text in REMOTE_CASES if row.remote and row.remote.model.v3 is not None]
# The usage forms v3 cannot carry, and why: its preconditioning programs have no temperature.
V3_REFUSED_FORMS = {
    f"precondition {VEHICLE} at 07:30{days} 21C{slot}": "no temperature per preconditioning program"
    for days in ("", " mon,fri")
    for slot in ("", " slot 2")
}


def test_every_action_has_exactly_one_row() -> None:
    """The enum and the table agree: no action without a row, no row twice."""
    assert set(CATALOGUE) == set(Action), "missing rows: " + ", ".join(set(Action) - set(CATALOGUE))
    assert len(ROWS) == len(CATALOGUE)


@pytest.mark.parametrize(("row", "text"), CASES, ids=[text for _row, text in CASES])
def test_every_usage_form_parses_to_its_row(row: ActionRow[Any], text: str) -> None:
    """What the usage line shows is what the parser takes."""
    command = parse(text)
    assert command.action is row.action, f"usage form {text!r} parses to {command.action}"
    assert Command.model_validate_json(command.model_dump_json()) == command, "options do not survive JSON"


def _body(row: ActionRow[Any], text: str) -> dict[str, Any] | None:
    """The v1 body a usage form sends (None for a form that sends nothing)."""
    assert row.remote is not None
    plan = parse(text).plan()
    if plan.feature is None:
        return None  # shows the stored state instead of sending (state --no-refresh)
    extended = (row.remote.outcome.value,) if row.remote.outcome else ()
    return build_remote("rb:x", plan.feature, attributes={"cbtoken": "t"}, extended_event_params=extended)


def _vendor_errors(validator: Draft7Validator, body: dict[str, Any] | None) -> list[str]:
    """What the vendor schema says against a body (nothing for a form that sends none)."""
    return [] if body is None else [error.message for error in validator.iter_errors(body)]


@pytest.mark.parametrize(("row", "text"), REMOTE_CASES, ids=[text for _row, text in REMOTE_CASES])
def test_every_remote_body_is_one_the_vendor_schema_accepts(
    row: ActionRow[Any], text: str, remote_validator: Draft7Validator, remote_types: list[str]
) -> None:
    """The body of every form validates against the vendor's `Remote` schema (needs ../shared/spec/)."""
    body = _body(row, text)
    assert not (errors := _vendor_errors(remote_validator, body)), f"vendor schema: {errors}"
    assert body is None or parse_remote(body).remote_type in remote_types, "vendor RemoteType"


@pytest.mark.parametrize(("row", "text"), REMOTE_CASES, ids=[text for _row, text in REMOTE_CASES])
def test_every_remote_form_reaches_the_vendor_and_the_simulator(row: ActionRow[Any], text: str) -> None:
    """Plan, body, the simulator's strict reading and its behaviour, for every form (no spec needed)."""
    assert row.remote is not None
    plan = parse(text).plan()
    if plan.feature is None:
        return  # shows the stored state instead of sending (state --no-refresh)
    model = type(plan.feature)
    assert model is row.remote.model, f"plan: builds {model.__name__}, the row names {row.remote.model}"
    body = _body(row, text)
    assert body is not None
    assert plan.feature.response_type in row.remote.remote_types, "remote types"
    assert parse_remote(body).feature == plan.feature, "simulator strict parser"
    (vehicle,) = [v for v in load_fleet(DEMO_FLEET) if v.alias == VEHICLE]
    assert isinstance(apply(vehicle, plan.feature, was_asleep=False), Outcome)
    assert row.remote.capability in V1_CAPABILITY_KEYS.values(), "capability key"
    assert plan.summary, "summary words"


def _v3_body(row: ActionRow[Any], text: str) -> dict[str, Any] | None:
    """The v3 body a usage form sends (None for a form that sends nothing); refusals raise."""
    assert row.remote is not None
    plan = parse(text).plan()
    return None if plan.feature is None else build_v3_remote("rb:x", plan.feature, CONTEXT)


@pytest.mark.parametrize(("row", "text"), V3_CASES, ids=[text for _row, text in V3_CASES])
def test_every_form_v3_offers_builds_a_v3_body_or_says_why_not(row: ActionRow[Any], text: str) -> None:
    """Each form builds a v3 body that reads back into its plan's request, or is a listed refusal."""
    if text in V3_REFUSED_FORMS:
        with pytest.raises(RemoteRequestError, match=V3_REFUSED_FORMS[text]):
            _v3_body(row, text)
        return
    body = _v3_body(row, text)
    if body is not None:
        assert read_v3_remote(body).feature == parse(text).plan().feature, "v3 strict reader"


@pytest.mark.parametrize(("row", "text"), V3_CASES, ids=[text for _row, text in V3_CASES])
def test_every_v3_body_is_one_the_v3_schema_accepts(
    row: ActionRow[Any], text: str, v3_remote_validator: Draft7Validator, v3_remote_types: list[str]
) -> None:
    """The v3 body of every form v3 can carry fits api-b2b.yaml's `Remote` (needs ../shared/spec/)."""
    body = None if text in V3_REFUSED_FORMS else _v3_body(row, text)
    assert not (errors := _vendor_errors(v3_remote_validator, body)), f"v3 vendor schema: {errors}"
    assert body is None or read_v3_remote(body).remote_type in v3_remote_types, "v3 RemoteType"


def test_the_v3_refused_forms_are_usage_forms() -> None:
    """The list of forms v3 refuses names real usage forms (it cannot go stale silently)."""
    assert set(V3_REFUSED_FORMS) <= {text for _row, text in V3_CASES}


async def test_help_lists_every_row(bot: BotUnderTest) -> None:
    """`/vehicle help`, as a user gets it, shows the usage line of every row its API offers, and no other."""
    answer = await bot.answer_to("help")
    missing = [
        row.action.value for row in ROWS if bot.offers(row) and f"`/vehicle {row.usage}`" not in answer
    ]
    assert not missing, f"help does not list: {', '.join(missing)}"
    hidden = [row for row in ROWS if not bot.offers(row)]
    assert all(f"`/vehicle {row.usage}`" not in answer for row in hidden), "help lists what the API lacks"


@pytest.mark.parametrize("row", REMOTE_ROWS, ids=[row.action.value for row in REMOTE_ROWS])
def test_the_card_offers_exactly_the_rows_that_say_so(row: ActionRow[Any]) -> None:
    """Each card button a row declares is on the card, and its command plans like the typed one."""
    assert row.remote is not None
    card = vehicle_card(CARD_VEHICLE, REMOTE_ROWS, simulator=False)
    buttons = {
        element["action_id"]: (element["text"]["text"], element["value"])
        for block in card.blocks
        for element in block.get("elements", [])
        if block["type"] == "actions"
    }
    own = {key: value for key, value in buttons.items() if key.split("_")[2] == row.action.value}
    assert len(own) == len(row.remote.cards), "card: one button per declared card button"
    for index, button in enumerate(row.remote.cards):
        title, value = own[card_action_id(row, index)]
        assert title == (button.title or row.title), "card button title"
        command = Command.model_validate_json(value)
        assert command.action is row.action and command.vehicle == CARD_VEHICLE.vin.lower(), "card button"
        typed = parse(f"{row.action.value} {CARD_VEHICLE.vin} {button.words}".strip())
        assert command.options == typed.options, "card button words"
        assert command.plan().summary, "card button plan"
