"""A replicated Redis watched by Sentinels, from the embedded redis-server binary (tests and benchmarks)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import redis

from bot.runtime.embedded_redis import EmbeddedRedisError, redis_server_binary

SERVICE = "primary"


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except (redis.RedisError, OSError):
            pass
        if time.monotonic() > deadline:
            raise EmbeddedRedisError(f"{what} did not happen within {timeout:g} s")
        time.sleep(0.05)


class ReplicatedRedis:
    """A primary and a replica on loopback ports, and optionally three Sentinels with fast failure detection.

    The data nodes refuse writes while no replica follows them (min-replicas-to-write 1, as the README
    advises): a primary the Sentinels replaced cannot take writes it would lose when it rejoins as a
    replica. Every process is stopped by `close`, also when starting failed half-way.
    """

    def __init__(
        self,
        *,
        sentinels: int = 3,
        down_after_ms: int = 1000,
        failover_timeout_ms: int = 5000,
        min_replicas_to_write: int = 1,
    ) -> None:
        self._min_replicas_to_write = min_replicas_to_write
        self._dir = Path(tempfile.mkdtemp(prefix="remote-bot-sentinel-"))
        self._sentinel_count = sentinels
        self._down_after_ms = down_after_ms
        self._failover_timeout_ms = failover_timeout_ms
        self._processes: list[subprocess.Popen[bytes]] = []
        self.data_ports: list[int] = []
        self.sentinel_ports: list[int] = []

    def sentinel_url(self) -> str:
        """The bot's REDIS_URL naming this set's Sentinels."""
        hosts = ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)
        return f"redis+sentinel://{hosts}/{SERVICE}"

    def client(self, port: int) -> redis.Redis:
        """A plain client on one node (data node or Sentinel) of this set."""
        return redis.Redis(port=port, socket_timeout=2, decode_responses=True)

    def primary_port(self) -> int:
        """The data port the Sentinels name as primary now."""
        with self.client(self.sentinel_ports[0]) as sentinel:
            _host, port = sentinel.sentinel_get_master_addr_by_name(SERVICE)
        return int(port)

    def start(self, timeout: float = 20.0) -> ReplicatedRedis:
        """Start the primary, its replica (synced) and the Sentinels (each seeing the others)."""
        try:
            primary, replica = free_port(), free_port()
            self.data_ports = [primary, replica]
            self._spawn_data(primary, [])
            self._spawn_data(replica, ["--replicaof", "127.0.0.1", str(primary)])
            _wait(lambda: self._synced(primary), timeout, "the replica's first sync")
            for _ in range(self._sentinel_count):
                self.sentinel_ports.append(self._spawn_sentinel(primary))
            for port in self.sentinel_ports:
                _wait(lambda port=port: self._sentinel_ready(port), timeout, "the Sentinels' discovery")  # type: ignore[misc]
        except BaseException:
            self.close()
            raise
        return self

    def fail_over(self, timeout: float = 20.0) -> int:
        """Have the Sentinels promote the replica; its port once all name it and the old primary follows."""
        before = self.primary_port()
        with self.client(self.sentinel_ports[0]) as sentinel:
            sentinel.sentinel_failover(SERVICE)
        after = next(port for port in self.data_ports if port != before)

        def switched() -> bool:
            for port in self.sentinel_ports:
                with self.client(port) as sentinel:
                    if int(sentinel.sentinel_get_master_addr_by_name(SERVICE)[1]) != after:
                        return False
            return self._synced(after)

        _wait(switched, timeout, "the failover")
        return after

    def _synced(self, primary: int) -> bool:
        with self.client(primary) as node:
            info = node.info("replication")
        return info.get("role") == "master" and any(
            isinstance(value, dict) and value.get("state") == "online" for value in info.values()
        )

    def _sentinel_ready(self, port: int) -> bool:
        with self.client(port) as sentinel:
            state = sentinel.sentinel_master(SERVICE)
        return int(state["num-slaves"]) >= 1 and int(state["num-other-sentinels"]) >= self._sentinel_count - 1

    def _spawn_data(self, port: int, extra: list[str]) -> None:
        folder = self._dir / str(port)
        folder.mkdir()
        self._spawn([
            "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(folder), "--loglevel", "warning",
            "--min-replicas-to-write", str(self._min_replicas_to_write), "--min-replicas-max-lag", "10",
            *extra,
        ])  # fmt: skip

    def _spawn_sentinel(self, primary: int) -> int:
        port = free_port()
        config = self._dir / f"sentinel-{port}.conf"
        config.write_text(
            f"port {port}\nbind 127.0.0.1\ndir {self._dir}\nloglevel warning\n"
            f"sentinel monitor {SERVICE} 127.0.0.1 {primary} 2\n"
            f"sentinel down-after-milliseconds {SERVICE} {self._down_after_ms}\n"
            f"sentinel failover-timeout {SERVICE} {self._failover_timeout_ms}\n"
            f"sentinel parallel-syncs {SERVICE} 1\n"
        )
        self._spawn([str(config), "--sentinel"])
        return port

    def _spawn(self, args: list[str]) -> None:
        process = subprocess.Popen(
            [str(redis_server_binary()), *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self._processes.append(process)
        time.sleep(0)  # let the child start before the next port is picked
        if process.poll() is not None:
            raise EmbeddedRedisError(f"redis-server {args[0]} exited at once")

    def close(self) -> None:
        """Stop every process and remove the folder."""
        for process in self._processes:
            if process.poll() is None:
                process.terminate()
        for process in self._processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._processes.clear()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> ReplicatedRedis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
