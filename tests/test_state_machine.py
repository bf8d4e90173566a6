"""The request state machine's one table decides what the Lua scripts do: slot, rank, audit layout."""

from __future__ import annotations

import secrets

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


def stores(redis: Redis, key_prefix: str) -> tuple[RequestStore, Transitions]:
    """The request store and the transition script over one key prefix."""
    keys = Keys(key_prefix)
    requests = RequestStore(redis, keys, mapping_ttl=600, inflight_ttl=600)
    return requests, Transitions(redis, keys, mapping_ttl=600, audit_vehicle_entries=10)


@pytest.mark.parametrize("status", list(RequestStatus))
async def test_a_request_keeps_its_slot_exactly_while_the_table_says(
    redis_client: Redis, key_prefix: str, status: RequestStatus
) -> None:
    """The create script refuses a second request for the slot iff the holder's status holds it."""
    requests, _ = stores(redis_client, key_prefix)
    first = request(status)
    assert await requests.create(first) is None
    second = await requests.create(request(RequestStatus.SENDING))
    assert second == (InFlight(first.id) if STATE_MACHINE[status].holds_slot else None)


@pytest.mark.parametrize("status", list(RequestStatus))
async def test_the_transition_script_never_lowers_a_rank_of_the_table(
    redis_client: Redis, key_prefix: str, status: RequestStatus
) -> None:
    """ "No answer yet" (rank 4) applies to a request of a lower rank only."""
    requests, transitions = stores(redis_client, key_prefix)
    record = request(status)
    await requests.create(record)
    moved = await transitions.mark_no_answer(record.id, None)
    assert moved.changed is (STATE_MACHINE[status].rank < STATE_MACHINE[RequestStatus.NO_ANSWER].rank)


async def test_an_outcome_entry_has_the_audit_fields_in_their_order(
    redis_client: Redis, key_prefix: str
) -> None:
    """The transition script writes an outcome to both audit streams with the audit log's field layout."""
    requests, transitions = stores(redis_client, key_prefix)
    record = request(RequestStatus.ACCEPTED)
    await requests.create(record)
    await requests.map_remote("remote-1", record.id)
    moved = await transitions.apply_event(parse_element(notification("remote-1", "Done", "Success")))
    assert moved.outcome == "applied"
    keys = Keys(key_prefix)
    for stream in (keys.audit(), keys.vehicle_audit(VIN)):
        entries: list[tuple[str, dict[str, str]]] = await redis_client.xrange(stream)  # type: ignore[assignment]
        [(_, fields)] = entries
        assert tuple(fields) == FIELDS
        assert (fields["event"], fields["user"], fields["request_id"]) == ("outcome", "U1", record.id)
