"""Batch messages stay within Slack's limits for 1,000 vehicles and are exactly the Block Kit models' JSON."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalogue.action import Action
from bot.catalogue.command import parse
from bot.slack.batch_view import batch_message, batch_preview, batch_summary
from bot.slack.blocks import Message
from bot.slack_emulator.limits import block_problems
from bot.store.batches import BatchMember, BatchRecord, BatchStatus, LeftOut
from bot.store.records import RequestRecord, RequestStatus, TimelineEntry
from bot.usecases.batch_preview import BatchPreview
from bot.usecases.batch_progress import progress_of
from tests.blockkit_oracle import MODEL_KIT

CAUSES = st.one_of(st.none(), st.sampled_from(["DoorsOpen", "VehicleConnectionTimeout", "GeneralError"]))
LONG = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=0, max_size=300)


def _vin(index: int) -> str:
    return f"VR3UHZKXZLT{index:06d}"


@st.composite
def batches(draw: st.DrawFn) -> tuple[BatchRecord, list[RequestRecord | None]]:
    """A batch of up to 1,000 members in every status, with long refusals and left-out reasons."""
    n = draw(st.integers(1, 1000))
    batch = BatchRecord(
        id="b0a1b2c3d", action=Action.LOCK, command=parse("lock group:paris"), summary="lock the doors",
        target="group:paris", requester="U0OPERATOR", channel="C0FLEETOPS",
        members=[BatchMember(vin=_vin(i), alias=f"van-{i}", request_id=f"b0a1b2c3d-{i}") for i in range(n)],
        left_out=[LeftOut(name=f"car-{i}", reason=draw(LONG)) for i in range(draw(st.integers(0, 300)))],
        status=draw(st.sampled_from(list(BatchStatus))), stopped_by=draw(st.sampled_from([None, "U0OP"])),
        approver=draw(st.sampled_from([None, "U0SEC"])), retry_of=draw(st.sampled_from([None, "b9f8e7d6c"])),
        simulator=draw(st.booleans()),
    )  # fmt: skip
    statuses = st.sampled_from(list(RequestStatus))
    records: list[RequestRecord | None] = []
    for member in batch.members:
        if draw(st.integers(0, 20)) == 0:
            records.append(None)
            continue
        record = RequestRecord(
            id=member.request_id, action=Action.LOCK, summary="lock the doors", vin=member.vin,
            alias=member.alias, requester="U0OPERATOR", channel="C0FLEETOPS", status=draw(statuses),
            failure_cause=draw(CAUSES), refusal=draw(st.one_of(st.none(), LONG)), batch_id=batch.id,
        )  # fmt: skip
        record.timeline.append(TimelineEntry(at=0, step="requested"))
        records.append(record)
    return batch, records


def _within_limits(message: Message) -> None:
    assert len(message.blocks) <= 50
    assert block_problems(message.blocks) == []
    assert len(message.text) <= 4000


@settings(max_examples=60, deadline=None)
@given(batches())
def test_a_batch_message_of_up_to_a_thousand_vehicles_fits_slacks_limits(
    drawn: tuple[BatchRecord, list[RequestRecord | None]],
) -> None:
    """Any mix of outcomes for up to 1,000 vehicles renders within Slack's limits, as the models render it."""
    progress = progress_of(*drawn)
    ours = batch_message(progress, drawn[0].simulator)
    _within_limits(ours)
    assert ours.as_kwargs() == batch_message(progress, drawn[0].simulator, MODEL_KIT).as_kwargs()
    assert len(batch_summary(progress, drawn[0].simulator)) <= 3000


@settings(max_examples=30, deadline=None)
@given(batches(), st.booleans())
def test_a_preview_of_up_to_a_thousand_vehicles_fits_slacks_limits(
    drawn: tuple[BatchRecord, list[RequestRecord | None]], confirm: bool
) -> None:
    """The preview, its Send button behind a confirm dialog or not, fits and is the models' JSON."""
    preview = BatchPreview(drawn[0], 100.0, confirm, asleep=tuple(m.name for m in drawn[0].members))
    ours = batch_preview(preview, 10, simulator=True)
    _within_limits(ours)
    assert ours.as_kwargs() == batch_preview(preview, 10, simulator=True, kit=MODEL_KIT).as_kwargs()


def test_a_thousand_refusals_each_with_its_own_reference_and_a_long_target_fit() -> None:
    """Every member refused with its own vendor reference (so no two refusals read alike), and a target
    of 300 VINs: the failures are counted by cause class, the texts cut, and it all fits."""
    vins = [_vin(i) for i in range(1000)]
    batch = BatchRecord(
        id="b0a1b2c3d", action=Action.LOCK, command=parse("lock group:paris"), summary="lock the doors",
        target=",".join(vins[:300]), requester="U0OP", channel="C0FLEETOPS", status=BatchStatus.FINISHED,
        members=[BatchMember(vin=vin, request_id=f"b0a1b2c3d-{i}") for i, vin in enumerate(vins)],
    )  # fmt: skip
    records: list[RequestRecord | None] = [
        RequestRecord(
            id=member.request_id,
            action=Action.LOCK,
            summary="lock the doors",
            vin=member.vin,
            requester="U0OPERATOR",
            channel="C0FLEETOPS",
            status=RequestStatus.REFUSED,
            batch_id=batch.id,
            refusal=f"the vehicle cloud failed (500). Vendor reference: <{i:040d}> & more.",
        )
        for i, member in enumerate(batch.members)
    ]
    progress = progress_of(batch, records)
    message = batch_message(progress, simulator=False)
    _within_limits(message)
    assert "1000 failed (1000 refused)" in message.text
    assert "&lt;" in str(message.blocks) and "<0000" not in str(message.blocks)
    assert len(batch_summary(progress, simulator=False)) <= 3000
