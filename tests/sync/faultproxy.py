"""A TCP proxy on 127.0.0.1 that injects faults between the sync client and the central server.

Every chunk forwarded in either direction may, at random, be: dropped (both connections
closed, nothing forwarded), delayed, truncated (half forwarded, then closed), reset (RST to the
client) or stalled (held until the client's timeout fires, then closed). Counts every fault.
"""
from __future__ import annotations

import random
import select
import socket
import struct
import threading
import time
from collections import Counter

KINDS = ("drop", "delay", "truncate", "reset", "stall")


class FaultProxy:
    """Forward 127.0.0.1:<port> → 127.0.0.1:<target_port>, injecting faults at `rate` per chunk."""

    def __init__(self, target_port: int, rate: float = 0.2, seed: int = 1,
                 weights: dict[str, float] | None = None, stall_seconds: float = 1.0):
        self.target_port = target_port
        self.rate = rate
        self.rng = random.Random(seed)
        self.weights = weights or {"drop": 3, "delay": 3, "truncate": 3, "reset": 3, "stall": 0.3}
        self.stall_seconds = stall_seconds
        self.faults: Counter = Counter()
        self.connections = 0
        self._lock = threading.Lock()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(128)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()

    @property
    def total(self) -> int:
        """Faults injected so far."""
        return sum(self.faults.values())

    def start(self) -> FaultProxy:
        """Start accepting connections."""
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop accepting connections."""
        self._stop.set()
        self._sock.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
        except OSError:
            client.close()  # the central server is down: the client sees a closed connection
            return
        peer = {client: upstream, upstream: client}
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select([client, upstream], [], [], 30)
                if not ready:
                    return
                for src in ready:
                    data = src.recv(65536)
                    if not data:  # one side finished: end the whole connection
                        return
                    fault = self._pick()
                    if fault == "delay":
                        time.sleep(self.rng.uniform(0.005, 0.08))
                    elif fault == "truncate":
                        peer[src].sendall(data[: len(data) // 2])
                    elif fault == "reset":
                        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    elif fault == "stall":
                        time.sleep(self.stall_seconds)
                    if fault in ("drop", "truncate", "reset", "stall"):
                        return
                    peer[src].sendall(data)
        except OSError:
            pass
        finally:
            client.close()
            upstream.close()

    def _pick(self) -> str | None:
        with self._lock:
            if self.rng.random() >= self.rate:
                return None
            kind = self.rng.choices(list(self.weights), list(self.weights.values()))[0]
            self.faults[kind] += 1
            return kind
