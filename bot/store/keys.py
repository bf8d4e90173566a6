"""Every Redis key the bot uses, built in one place from the configured prefix."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    """Key names under one prefix (one prefix per deployment, one per test)."""

    prefix: str

    def request(self, request_id: str) -> str:
        """The JSON record of one request."""
        return f"{self.prefix}req:{request_id}"

    def remote_map(self, remote_action_id: str) -> str:
        """remoteActionId -> request id (TTL: mapping TTL)."""
        return f"{self.prefix}rmap:{remote_action_id}"

    def inflight(self, vin: str, action: str) -> str:
        """The request currently in flight for this vehicle and action."""
        return f"{self.prefix}inflight:{vin}:{action}"

    def vehicle_requests(self, vin: str) -> str:
        """Sorted set of a vehicle's request ids by creation time."""
        return f"{self.prefix}vreqs:{vin}"

    def sending(self) -> str:
        """Sorted set of requests in "sending" by the time they started (for reconciliation)."""
        return f"{self.prefix}sending"

    def confirmation(self, token: str) -> str:
        """A pending confirmation of a dangerous action (single use)."""
        return f"{self.prefix}confirm:{token}"

    def approval(self, request_id: str) -> str:
        """A request waiting for a second person's approval."""
        return f"{self.prefix}approval:{request_id}"

    def audit(self) -> str:
        """The audit stream of every request, confirmation, approval, denial and outcome."""
        return f"{self.prefix}audit"

    def audit_exported(self) -> str:
        """The id of the last audit entry `remote-bot audit export` wrote (the export cursor)."""
        return f"{self.prefix}audit-exported"

    def vehicle_audit(self, vin: str) -> str:
        """Audit stream of one vehicle (what `history` reads)."""
        return f"{self.prefix}audit:{vin}"

    def inbox(self) -> str:
        """The durable inbox stream of raw vendor notifications."""
        return f"{self.prefix}inbox"

    def quarantine(self) -> str:
        """Stream of notifications that could not be read or authenticated."""
        return f"{self.prefix}quarantine"

    def dead_letters(self) -> str:
        """Stream of inbox entries that failed too many times."""
        return f"{self.prefix}dlq"

    def parked(self, remote_action_id: str) -> str:
        """Events that arrived before their remoteActionId mapping (list)."""
        return f"{self.prefix}parked:{remote_action_id}"

    def parked_index(self) -> str:
        """Sorted set of parked remoteActionIds by park time."""
        return f"{self.prefix}parked-index"

    def deadlines(self) -> str:
        """Sorted set of request ids by the time their final answer is due."""
        return f"{self.prefix}deadlines"

    def slack_budget(self) -> str:
        """Workspace-wide chat.update budget shared by replicas."""
        return f"{self.prefix}slack-budget"

    def pending_updates(self) -> str:
        """Sorted set of request ids whose message needs a chat.update (score = not before, ms)."""
        return f"{self.prefix}pending-updates"

    def pending_finals(self) -> str:
        """Like pending_updates, for messages whose new state is final: rendered first."""
        return f"{self.prefix}pending-finals"

    def reply_queue(self, channel: str) -> str:
        """List of request ids waiting for their thread reply in one channel, oldest first."""
        return f"{self.prefix}replies:{channel}"

    def reply_channels(self) -> str:
        """Sorted set of channels with queued replies, by when the next reply may be posted (ms)."""
        return f"{self.prefix}reply-channels"

    def replies_queued(self) -> str:
        """Set of request ids whose reply is queued or being posted (a reply is queued once)."""
        return f"{self.prefix}replies-queued"

    def replies_taken(self) -> str:
        """Sorted set of "<channel> <request id>" being posted, by lease expiry (ms)."""
        return f"{self.prefix}replies-taken"

    def lock(self, name: str) -> str:
        """A short lease so one replica at a time runs a periodic job."""
        return f"{self.prefix}lock:{name}"

    def counter(self, name: str) -> str:
        """A monotonically increasing counter (metrics)."""
        return f"{self.prefix}count:{name}"

    def effect_done(self, request_id: str, effect: str) -> str:
        """Marks a one-time side effect (an alert) as done for a request."""
        return f"{self.prefix}once:{effect}:{request_id}"

    def batch(self, batch_id: str) -> str:
        """A batch of requests for many vehicles (JSON)."""
        return f"{self.prefix}batch:{batch_id}"

    def batch_todo(self, batch_id: str) -> str:
        """Sorted set of a batch's member requests not sent yet, in sending order."""
        return f"{self.prefix}batch-todo:{batch_id}"

    def batch_stopped(self, batch_id: str) -> str:
        """Set when a batch is stopped: nothing of it is queued for sending any more."""
        return f"{self.prefix}batch-stopped:{batch_id}"

    def batches_sending(self) -> str:
        """Sorted set of the batches with members still to send (any replica continues them)."""
        return f"{self.prefix}batches-sending"

    def batches_open(self) -> str:
        """Sorted set of the batches not finished yet, by creation time (swept for crashes and expiry)."""
        return f"{self.prefix}batches-open"

    def batches_dirty(self) -> str:
        """Sorted set of the batch messages to render, by due time (ms): one entry per batch."""
        return f"{self.prefix}batches-dirty"

    def batches_edited(self) -> str:
        """Hash of batch id -> when its message was last edited (ms), for the one-edit-per-gap rule."""
        return f"{self.prefix}batches-edited"

    def batches_generation(self) -> str:
        """Hash of batch id -> a counter bumped by every change of a member (what a render showed)."""
        return f"{self.prefix}batches-gen"

    def slack_pause(self) -> str:
        """Set while Slack asked us to back off (429 Retry-After); its TTL is the wait."""
        return f"{self.prefix}slack-pause"

    def send_pace(self) -> str:
        """The vendor send schedule shared by every replica (hash: last slot, pause, slowdown)."""
        return f"{self.prefix}send-pace"

    def capability(self, vin: str) -> str:
        """A vehicle's capability as the vendor last said (JSON, TTL: CAPABILITY_CACHE_SECONDS)."""
        return f"{self.prefix}capability:{vin}"

    def wakeups(self, vin: str, month: str) -> str:
        """Set of the request ids in which the vendor woke this vehicle, in one month (YYYY-MM, UTC)."""
        return f"{self.prefix}wakeups:{vin}:{month}"

    def wakeups_spent(self, vin: str, month: str) -> str:
        """Set when the vendor answered TooManyWakeUpsOverMonth for this vehicle in that month."""
        return f"{self.prefix}wakeups-spent:{vin}:{month}"

    def last_reports(self) -> str:
        """Hash of VIN -> unix time the vehicle last reported (telemetry time or a proven answer)."""
        return f"{self.prefix}last-report"

    def vehicle_ids(self, fleet_id: str) -> str:
        """Hash of a Fleet Owner v3 fleet's VINs -> its opaque vehicle ids."""
        return f"{self.prefix}vids:{fleet_id}"
