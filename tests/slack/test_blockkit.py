"""The rendered messages are exactly what slack_sdk's Block Kit models produce, for every message kind."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalogue.action import Action
from bot.catalogue.table import REMOTE_ROWS
from bot.slack.blocks import confirmation_prompt, plain, request_message, vehicle_card
from bot.store.records import RequestRecord, RequestStatus, TimelineEntry
from bot.usecases.fleet import Vehicle
from tests.blockkit_oracle import MODEL_KIT

VEHICLE = Vehicle(vin="VR3UHZKXZLT000012", alias="van-12", groups=("paris",))
# Slack text as users and the vendor write it: mentions, emoji, mrkdwn, links and non-ASCII.
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)
STEPS = st.sampled_from(["requested", "Accepted", "WakingUpVehicle", "SentToVehicle", "Success", "approved"])

positions = st.fixed_dictionaries(
    {"lat": st.floats(-90, 90), "lon": st.floats(-180, 180)}, optional={"time": TEXT}
)
outcomes: st.SearchStrategy[dict[str, Any]] = st.one_of(
    st.just({}),
    st.fixed_dictionaries({"position": positions}),
    st.fixed_dictionaries({"state": st.dictionaries(TEXT, TEXT, max_size=6)}),
)
records = st.builds(
    RequestRecord,
    id=st.text(alphabet="0123456789abcdef", min_size=6, max_size=12),
    action=st.sampled_from([row.action for row in REMOTE_ROWS]),
    summary=TEXT,
    vin=st.just(VEHICLE.vin),
    alias=st.one_of(st.none(), st.just("van-12")),
    requester=st.just("U0OPERATOR"),
    channel=st.just("C0FLEETOPS"),
    approver=st.one_of(st.none(), st.just("U0SECURITY")),
    status=st.sampled_from(list(RequestStatus)),
    vendor_status=st.one_of(st.none(), STEPS),
    failure_cause=st.one_of(st.none(), st.just("VehicleOffline"), TEXT),
    refusal=st.one_of(st.none(), TEXT),
    outcome=outcomes,
    simulator=st.booleans(),
    timeline=st.lists(st.builds(TimelineEntry, at=st.floats(0, 2e9), step=STEPS), max_size=15),
)


@settings(max_examples=300, deadline=None)
@given(records)
def test_request_messages_match_the_models(record: RequestRecord) -> None:
    """Every status, action, outcome and timeline renders to the models' JSON (and passes their checks)."""
    assert request_message(record).as_kwargs() == request_message(record, MODEL_KIT).as_kwargs()


@pytest.mark.parametrize("row", REMOTE_ROWS, ids=[row.action.value for row in REMOTE_ROWS])
def test_confirmation_prompts_match_the_models(row: Any) -> None:
    """The confirmation prompt, with its danger button and confirm dialog, is the models' JSON."""
    ours = confirmation_prompt(row, VEHICLE, f"{row.title} now", "token-1", simulator=True)
    theirs = confirmation_prompt(row, VEHICLE, f"{row.title} now", "token-1", simulator=True, kit=MODEL_KIT)
    assert ours.as_kwargs() == theirs.as_kwargs()


@pytest.mark.parametrize("rows", [REMOTE_ROWS, []], ids=["every-action", "no-action"])
def test_vehicle_cards_match_the_models(rows: Any) -> None:
    """The vehicle card (buttons five to a block, or the no-action line) is the models' JSON."""
    ours = vehicle_card(VEHICLE, rows, simulator=False)
    assert ours.as_kwargs() == vehicle_card(VEHICLE, rows, simulator=False, kit=MODEL_KIT).as_kwargs()


@given(TEXT.filter(bool))  # the bot never answers with nothing; the models would drop an empty text
def test_plain_messages_match_the_models(text: str) -> None:
    """A text answer is the models' JSON."""
    assert plain(text).as_kwargs() == plain(text, MODEL_KIT).as_kwargs()


def test_the_oracle_notices_a_different_shape() -> None:
    """A message whose JSON differs from the models' is told apart (the comparison is not vacuous)."""
    record = RequestRecord(
        id="abc123", action=Action.LOCK, summary="lock", vin=VEHICLE.vin, requester="U1", channel="C1",
        status=RequestStatus.AWAITING_APPROVAL,
    )  # fmt: skip
    ours = request_message(record).as_kwargs()
    ours["blocks"][-1]["elements"][0].pop("style")
    assert ours != request_message(record, MODEL_KIT).as_kwargs()
