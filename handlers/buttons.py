"""Button listeners: confirm, cancel, approve, reject, retry and the vehicle card's actions."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.services import Services
from bot.slack.blocks import ButtonId
from bot.slack.updates import show_latest
from bot.store.records import RequestRecord, RequestStatus
from bot.store.requests import NotSendable
from bot.store.tickets import ClaimResult
from bot.usecases.dispatch import expire_approval, send
from bot.usecases.fleet import Vehicle
from bot.vehicle.remotes import parse_remote
from handlers.flow import Caller, run_text, say_privately


def _value(body: dict[str, Any]) -> str:
    return str(body["actions"][0].get("value", ""))


class ButtonListener:
    """Every click is authorized again for the user who clicked, not the one who asked."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def _caller(self, body: dict[str, Any], respond: AsyncRespond) -> Caller:
        container = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id", "")
        return Caller(str(body["user"]["id"]), str(channel), respond, simulator=self.services.simulator)

    async def on_confirm(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        """Run a dangerous action once its requester confirms (single use, before expiry)."""
        await ack()
        await self.services.work.run(self._confirm(self._caller(body, respond), _value(body)))

    async def _confirm(self, caller: Caller, token: str) -> None:
        claim = await self.services.confirmations.claim(token, caller.user)
        if claim.result is ClaimResult.MISSING:
            await say_privately(
                caller,
                ":hourglass: This confirmation expired (or was already used): run the command again.",
                replace=True,
            )
            return
        if claim.result is ClaimResult.NOT_OWNER:
            await say_privately(caller, f":no_entry: Only <@{claim.data['owner']}> can confirm this request.")
            return
        await self.services.audit.record(
            "confirmed", user=caller.user, action=claim.data["text"].split()[0], vin=claim.data["vin"],
            detail=claim.data["text"],
        )  # fmt: skip
        await say_privately(caller, f":white_check_mark: Confirmed: `{claim.data['text']}`", replace=True)
        await run_text(self.services, caller, claim.data["text"], confirmed=True)

    async def on_cancel(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        """Drop a pending confirmation."""
        await ack()
        caller = self._caller(body, respond)
        claim = await self.services.confirmations.claim(_value(body), caller.user)
        if claim.result is ClaimResult.CLAIMED:
            await self.services.audit.record(
                "cancelled", user=caller.user, action=claim.data["text"].split()[0], vin=claim.data["vin"],
                detail=claim.data["text"],
            )  # fmt: skip
            await say_privately(caller, ":heavy_multiplication_x: Cancelled: nothing was sent.", replace=True)
        elif claim.result is ClaimResult.MISSING:
            await say_privately(
                caller, ":hourglass: Nothing to cancel: it expired or was already used.", replace=True
            )

    async def on_approve(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        """A second person approves: the request is sent."""
        await ack()
        await self.services.work.run(self._decide(self._caller(body, respond), _value(body), approve=True))

    async def on_reject(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        """A second person rejects: nothing is sent."""
        await ack()
        await self.services.work.run(self._decide(self._caller(body, respond), _value(body), approve=False))

    async def _decide(self, caller: Caller, request_id: str, *, approve: bool) -> None:
        record = await self.services.requests.get(request_id)
        if record is None or record.status is not RequestStatus.AWAITING_APPROVAL:
            await say_privately(caller, "This request has already been decided.")
            return
        vehicle = self.services.fleet.by_vin(record.vin) or Vehicle(vin=record.vin)
        decision = await self.services.authorizer.check(
            caller.user, record.action, vehicle, caller.channel, approve=True
        )
        if caller.user == record.requester:
            await say_privately(
                caller, ":no_entry: You cannot approve or reject your own request: ask a colleague."
            )
            return
        if not decision.allowed:
            await say_privately(caller, f":no_entry: {decision.reason}")
            return
        claim = await self.services.approvals.claim(request_id, caller.user, owner_must_click=False)
        if claim.result is ClaimResult.MISSING:
            await expire_approval(self.services, record.id)
            await say_privately(
                caller, ":hourglass: This approval expired: the requester must run the command again."
            )
            return
        if claim.result is not ClaimResult.CLAIMED:
            return
        event = "approved" if approve else "rejected"
        await self.services.audit.record(
            event, user=caller.user, action=record.action, vin=record.vin, request_id=record.id
        )

        def decided(stored: RequestRecord) -> None:
            if stored.status is not RequestStatus.AWAITING_APPROVAL:
                raise NotSendable(stored.id)  # expired (or decided) between the claim and now
            stored.approver = caller.user
            stored.add_step(event, detail=caller.user)
            if not approve:
                stored.status = RequestStatus.REJECTED

        try:
            record = await self.services.requests.update(record.id, decided)
        except NotSendable:
            await say_privately(caller, ":hourglass: Too late: this request expired before your decision.")
            return
        if approve:
            feature = parse_remote({"label": record.label, "action": record.remote_body}).feature
            await send(self.services, record.id, feature)
        else:
            await show_latest(self.services, record.id)

    async def on_retry(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        """Run a failed request's command again, through the same checks, as the user who clicked."""
        await ack()
        caller = self._caller(body, respond)
        record = await self.services.requests.get(_value(body))
        if record is None:
            await say_privately(caller, "This request is too old to retry: run the command again.")
            return
        await self.services.work.run(run_text(self.services, caller, record.command_text))

    async def on_card(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        """A vehicle card button sends the same request as the typed command."""
        await ack()
        await self.services.work.run(run_text(self.services, self._caller(body, respond), _value(body)))


def register_buttons(app: AsyncApp, services: Services) -> None:
    """Register every button listener."""
    listener = ButtonListener(services)
    app.action(ButtonId.CONFIRM)(listener.on_confirm)
    app.action(ButtonId.CANCEL)(listener.on_cancel)
    app.action(ButtonId.APPROVE)(listener.on_approve)
    app.action(ButtonId.REJECT)(listener.on_reject)
    app.action(ButtonId.RETRY)(listener.on_retry)
    app.action(re.compile(f"^{ButtonId.CARD}_"))(listener.on_card)
