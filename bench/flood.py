"""A process that floods the vendor callback with unauthenticated 1 MiB bodies of tiny elements.

Run by `bench.ack_bench --flood N`: N concurrent senders, each POSTing again as soon as it is answered.
Prints how many bodies it sent and the statuses it got when stopped (SIGTERM).
"""

from __future__ import annotations

import asyncio
import collections
import signal
import sys

import aiohttp

ONE_MIB_OF_ELEMENTS = b"[" + b",".join([b"{}"] * (1024 * 1024 // 3 - 1)) + b"]"


async def _sender(session: aiohttp.ClientSession, url: str, statuses: collections.Counter[int]) -> None:
    headers = {"Content-Type": "application/json"}
    while True:
        try:
            async with session.post(url, data=ONE_MIB_OF_ELEMENTS, headers=headers) as response:
                await response.read()
                statuses[response.status] += 1
        except aiohttp.ClientError:
            statuses[0] += 1


async def main(url: str, concurrency: int) -> None:
    """Flood until SIGTERM, then print the count of answers by status."""
    statuses: collections.Counter[int] = collections.Counter()
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        senders = [asyncio.create_task(_sender(session, url, statuses)) for _ in range(concurrency)]
        await stopping.wait()
        for sender in senders:
            sender.cancel()
        await asyncio.gather(*senders, return_exceptions=True)
    print(dict(statuses), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
