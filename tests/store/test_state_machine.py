"""The request state machine's one table decides what the Lua scripts do: slot, rank, audit layout."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import pytest
from redis.asyncio import Redis

from bot.catalogue.action import Action
from bot.store.audit import FIELDS
from bot.store.keys import Keys
from bot.store.records import STATE_MACHINE, RequestRecord, RequestStatus
from bot.store.requests import InFlight, RequestStore
from bot.store.transitions import Transitions
from bot.vehicle.notifications import parse_element
from tests.pipeline_support import notification

VIN = "VR3STATEMACHINE01"


def request(status: RequestStatus) -> RequestRecord:
    """A lock request of the one test vehicle, in `status`."""
    return RequestRecord(
        id=secrets.token_hex(5), action=Action.LOCK, summary="lock the doors", vin=VIN, requester="U1",
        channel="C1", status=status,
    )  # fmt: skip


@dataclass(frozen=True)
class Stores:
    """The request store and the transition script over one key prefix."""

    requests: RequestStore
    transitions: Transitions

    async def stored(self, status: RequestStatus) -> tuple[RequestRecord, InFlight | None]:
        """A new request in `status`, and the request that held its slot when it was created (if any)."""
        record = request(status)
        return record, await self.requests.create(record)


@pytest.fixture
def stores(redis_client: Redis, key_prefix: str) -> Stores:
    """The stores of the test's key prefix."""
    keys = Keys(key_prefix)
    return Stores(
        RequestStore(redis_client, keys, mapping_ttl=600, inflight_ttl=600),
        Transitions(redis_client, keys, mapping_ttl=600, audit_vehicle_entries=10),
    )


@pytest.mark.parametrize("status", list(RequestStatus))
async def test_a_request_keeps_its_slot_exactly_while_the_table_says(
    stores: Stores, status: RequestStatus
) -> None:
    """The create script refuses a second request for the slot iff the holder's status holds it."""
    first, held = await stores.stored(status)
    _, second = await stores.stored(RequestStatus.SENDING)
    assert held is None and second == (InFlight(first.id) if STATE_MACHINE[status].holds_slot else None)


@pytest.mark.parametrize("status", list(RequestStatus))
async def test_the_transition_script_never_lowers_a_rank_of_the_table(
    stores: Stores, status: RequestStatus
) -> None:
    """A "no answer yet" (rank 4) applies only to a request of a lower rank."""
    record, _ = await stores.stored(status)
    moved = await stores.transitions.mark_no_answer(record.id, None)
    assert moved.changed is (STATE_MACHINE[status].rank < STATE_MACHINE[RequestStatus.NO_ANSWER].rank)


async def test_an_outcome_entry_has_the_audit_fields_in_their_order(
    stores: Stores, redis_client: Redis, key_prefix: str
) -> None:
    """The transition script writes an outcome to both audit streams with the audit log's field layout."""
    record, _ = await stores.stored(RequestStatus.ACCEPTED)
    await stores.requests.map_remote("remote-1", record.id)
    moved = await stores.transitions.apply_event(parse_element(notification("remote-1", "Done", "Success")))
    assert moved.outcome == "applied"
    keys = Keys(key_prefix)
    for stream in (keys.audit(), keys.vehicle_audit(VIN)):
        entries: list[tuple[str, dict[str, str]]] = await redis_client.xrange(stream)  # type: ignore[assignment]
        [(_, fields)] = entries
        assert tuple(fields) == FIELDS
        assert (fields["event"], fields["user"], fields["request_id"]) == ("outcome", "U1", record.id)
