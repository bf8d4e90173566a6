"""The figures of bench.batch_bench: what one batch run measured, and how they are printed."""

from __future__ import annotations

import collections
import itertools
import statistics
from dataclasses import dataclass

RENDER_SLACK = 0.05  # a late send gap "ends at an edit" when a chat.update reached Slack up to 50 ms after it


@dataclass
class Member:
    """One batch member as its record tells: when it was sent and when it became final (Unix s)."""

    vin: str
    status: str
    sent_at: float | None
    final_at: float | None


@dataclass
class Figures:
    """What one batch run measured."""

    vehicles: int
    pace: float
    vehicle_seconds: float
    solo_times: list[float]
    click_at: float
    members: list[Member]
    summary_at: float | None
    preview_seconds: float
    edit_times: list[float]  # when each chat.update of the batch message reached Slack
    edits_metric: float | None
    all_updates: int
    rate: int
    window: float
    send_calls: dict[str, int]
    preview_calls: dict[str, int]
    memory: int
    bot_cpu: float
    preview_cpu: float
    bench_cpu: float
    redis_cpu: float
    posts: collections.Counter[str]
    group: list[str]
    max_pending: int
    timed_out: bool

    def gaps(self, sends: list[float]) -> None:
        """Print how the gaps between sends went: regular, or longer (the sender's event loop was busy)."""
        interval = 1 / self.pace
        gaps = list(itertools.pairwise(sends))
        late = [(a, b) for a, b in gaps if b - a > 1.5 * interval]
        lost = sum(b - a - interval for a, b in late)
        rest = sum(b - a - interval for a, b in gaps) - lost
        renders = sum(1 for a, b in late if any(a <= at <= b + RENDER_SLACK for at in self.edit_times))
        start, end = max(gaps, key=lambda gap: gap[1] - gap[0])
        ahead, busiest = 0, 0
        for behind, at in enumerate(sends):  # the most sends in any 1 s window (the vendor's burst quota)
            while sends[ahead] < at - 1.0:
                ahead += 1
            busiest = max(busiest, behind - ahead + 1)
        print(
            f"    gaps between sends: median {1000 * statistics.median(b - a for a, b in gaps):.1f} ms; "
            f"{len(late)} longer than 1.5 intervals (longest {1000 * (end - start):.0f} ms, "
            f"{start - self.click_at:.2f} s after the click) add {lost:.2f} s, "
            f"{renders} of them ending at a batch message edit; the others add {rest:.2f} s; the most sends "
            f"in any 1 s: {busiest}"
        )

    def report(self) -> None:
        """Print the figures."""
        n, finals = self.vehicles, [m.final_at for m in self.members if m.final_at is not None]
        sends = sorted(m.sent_at for m in self.members if m.sent_at is not None)
        floor = n / self.pace + self.vehicle_seconds
        elapsed = max(finals) - self.click_at if finals else float("nan")
        print(f"\nbatch of {n} vehicles at {self.pace:g} sends/s")
        solos = ", ".join(f"{t:.3f}" for t in self.solo_times)
        print(
            f"  vehicle time (one lock alone, send to final): median {self.vehicle_seconds:.3f} s ({solos})"
        )
        print(f"  floor: {n} / {self.pace:g} + {self.vehicle_seconds:.3f} = {floor:.2f} s")
        print(
            f"  elapsed, Send to every member final: {elapsed:.2f} s, {elapsed / floor:.3f}x the floor "
            f"(goal <= 1.1x){'  [TIMED OUT]' if self.timed_out else ''}"
        )
        if sends:
            span = sends[-1] - sends[0]
            print(
                f"    click to first send {sends[0] - self.click_at:.2f} s; sends over {span:.2f} s "
                f"({(len(sends) - 1) / span if span else float('nan'):.1f}/s achieved); last send to last "
                f"final {max(finals) - sends[-1] if finals else float('nan'):.2f} s"
            )
        if len(sends) > 1:
            self.gaps(sends)
        if self.summary_at is not None and finals:
            print(
                f"    last final to the summary reply {self.summary_at - max(finals):.2f} s "
                f"(click to summary {self.summary_at - self.click_at:.2f} s)"
            )
        print(f"    simulator's longest queue of undelivered notifications: {self.max_pending}")
        print(f"  preview (command to its answer): {self.preview_seconds:.2f} s")
        allowed = self.rate / self.window * elapsed
        metric = "n/a" if self.edits_metric is None else f"{self.edits_metric:g}"
        edits = len(self.edit_times)
        print(
            f"  chat.update on the batch message: {edits} (metric remote_bot_batch_message_edits "
            f"{metric}); every chat.update in the run {self.all_updates}"
        )
        print(
            f"    Slack budget over the elapsed time: {self.rate}/{self.window:g} s x {elapsed:.1f} s = "
            f"{allowed:.1f} (+ a bucket of {max(1, self.rate // 10)})"
        )
        for title, counts in (("send (click to summary)", self.send_calls), ("preview", self.preview_calls)):
            total = sum(counts.values())
            top = ", ".join(f"{k} {v / n:.2f}" for k, v in sorted(counts.items(), key=lambda i: -i[1])[:12])
            print(f"  Redis commands per vehicle, {title}: {total / n:.1f} ({top})")
        print(f"  Redis memory kept per vehicle (after the batch finished): {self.memory / n:.0f} B")
        ms = {
            name: 1000 * seconds / n
            for name, seconds in (
                ("bot", self.bot_cpu),
                ("preview", self.preview_cpu),
                ("redis", self.redis_cpu),
                ("bench", self.bench_cpu),
            )
        }
        print(
            f"  bot CPU per vehicle: {ms['bot']:.2f} ms (its preview {ms['preview']:.2f} ms apart); "
            f"Redis {ms['redis']:.2f} ms; simulator + Slack emulator + bench {ms['bench']:.2f} ms"
        )
        not_final = sum(1 for m in self.members if m.final_at is None)
        never = [v for v in self.group if self.posts[v] == 0]
        doubled = [v for v in self.group if self.posts[v] > 1]
        statuses = collections.Counter(m.status for m in self.members)
        print(f"  members {len(self.members)} of {len(self.group)}: {dict(statuses)}")
        print(
            f"  lost: {max(not_final, len(never)) + len(self.group) - len(self.members)} "
            f"({not_final} not final, {len(never)} never sent)"
        )
        print(f"  sent twice: {len(doubled)}")
