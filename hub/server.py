"""Running the hub: in the foreground until Ctrl-C / SIGTERM (`hub serve`), or on a background
thread (the demo and the tests).

Connections are bounded so that clients which connect and never finish a request cannot use up
the hub's file descriptors: at most MAX_CONNECTIONS are open at once (one more is closed as soon
as it is accepted), a request's headers must arrive within HEADER_TIMEOUT_S of the connection
opening or of the previous answer, and an idle keep-alive connection is closed after
KEEP_ALIVE_S. (The body's deadline and size limit are the gate's, hub/gate.py, applied only once
the caller is known.) The soft limit on open files is raised to fit the bound.
"""
from __future__ import annotations

import asyncio
import gc
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import h11
import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

from hub.app import create_app
from office.service import OfficeService

log = logging.getLogger("hub")

MAX_CONNECTIONS = 2000  # 1,000+ board feeds, every counter and kiosk, with room to spare
HEADER_TIMEOUT_S = 10.0
KEEP_ALIVE_S = 5.0
SPARE_FILES = 200  # store, WAL, logs, thread pools
GC_YOUNG = 10_000  # new objects between young collections (Python's default 700): the full
# collection, which walks every connection and board stream for ~70 ms, comes ten times less often


class BoundedH11(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a connection cap and a deadline for request headers."""

    max_connections = MAX_CONNECTIONS
    header_timeout = HEADER_TIMEOUT_S
    _refused_at = 0.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Close a connection over the cap at once; else start the deadline for its headers."""
        if len(self.connections) >= self.max_connections:
            if time.monotonic() - BoundedH11._refused_at > 60:
                log.warning("over %d open connections: refusing new ones", self.max_connections)
                BoundedH11._refused_at = time.monotonic()
            transport.abort()
            return
        super().connection_made(transport)
        self._header_timer: asyncio.TimerHandle | None = None
        self._await_headers()

    def _await_headers(self) -> None:
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _headers_too_slow(self) -> None:
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()  # half a request line or header block (or nothing) in time

    def handle_events(self) -> None:
        """Once a request's headers are in, its deadline is over."""
        cycle = self.cycle
        super().handle_events()
        if self.cycle is not cycle and self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def on_response_complete(self) -> None:
        """The next request's headers have their own deadline."""
        super().on_response_complete()
        if not self.transport.is_closing() and self._header_timer is None:
            self._await_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the deadline with the connection."""
        if getattr(self, "_header_timer", None) is not None:
            self._header_timer.cancel()
        if self.transport is not None:
            super().connection_lost(exc)


def _room_for_connections(wanted: int) -> int:
    """Raise the soft limit on open files to fit `wanted` connections (up to the hard limit);
    the connections that fit."""
    try:
        import resource
    except ImportError:  # not a POSIX system: leave it to the OS
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = wanted + SPARE_FILES
    if soft != resource.RLIM_INFINITY and soft < need:
        soft = need if hard == resource.RLIM_INFINITY else min(need, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return wanted if soft == resource.RLIM_INFINITY else max(16, min(wanted, soft - SPARE_FILES))


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only then (else
    # Nagle + delayed ACK add 40 ms to every keep-alive response)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)  # connections queue from now on, even before the server loop runs
    return sock


def _server(app: FastAPI, max_connections: int = MAX_CONNECTIONS, **tls: str) -> uvicorn.Server:
    protocol = type("BoundedH11", (BoundedH11,), {"max_connections": _room_for_connections(max_connections)})
    return uvicorn.Server(uvicorn.Config(app, http=protocol, log_level="warning", access_log=False,
                                         lifespan="off", timeout_keep_alive=KEEP_ALIVE_S,
                                         timeout_graceful_shutdown=2, **tls))


def serve(service: OfficeService, host: str = "127.0.0.1", port: int = 8470,
          announce: Callable[[str], None] = print, ssl_certfile: str | None = None,
          ssl_keyfile: str | None = None, **options: Any) -> None:
    """Serve the hub in this thread until interrupted (Ctrl-C, SIGTERM); HTTPS with a certificate;
    `options` go to `create_app`."""
    sock = _listen(host, port)
    tls = {"ssl_certfile": ssl_certfile, "ssl_keyfile": ssl_keyfile} if ssl_certfile else {}
    server = _server(create_app(service, **options), **tls)
    gc.collect()
    gc.freeze()  # what was loaded to start is kept for good: the collector never walks it again
    gc.set_threshold(GC_YOUNG)  # fewer, not longer, collections: a full one stops every request
    announce(f"{'https' if tls else 'http'}://{host}:{sock.getsockname()[1]}")
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C once it has shut down gracefully
        pass
    finally:
        server.config.app.state.hub.close()


def start_hub_thread(service: OfficeService, host: str = "127.0.0.1", port: int = 0,
                     max_connections: int = MAX_CONNECTIONS, **options: Any) -> tuple[str, Callable[[], None]]:
    """Start a hub on a background thread (port 0: any free port); returns (URL, stop function).

    `options` go to `create_app` (e.g. guards). `stop()` ends open feeds and waits for the thread.
    """
    sock = _listen(host, port)
    app = create_app(service, **options)
    server = _server(app, max_connections)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name=f"office-hub:{sock.getsockname()[1]}")
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the office hub did not start")
        time.sleep(0.01)
    url = f"http://{host}:{sock.getsockname()[1]}"

    def stop() -> None:
        """End the feeds, stop the server, wait for its thread."""
        app.state.hub.feed.stop()
        server.should_exit = True
        thread.join(15)
        app.state.hub.close()
        sock.close()
    stop.hub = app.state.hub  # what the server runs (its writer thread, feeds), for tests and tools
    return url, stop
