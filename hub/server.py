"""Running the hub: in the foreground until Ctrl-C / SIGTERM (`hub serve`), or on a background
thread (the demo and the tests)."""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn
from fastapi import FastAPI

from hub.app import create_app
from office.service import OfficeService


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only then (else
    # Nagle + delayed ACK add 40 ms to every keep-alive response)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)  # connections queue from now on, even before the server loop runs
    return sock


def _server(app: FastAPI, **tls: str) -> uvicorn.Server:
    return uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                         timeout_graceful_shutdown=2, **tls))


def serve(service: OfficeService, host: str = "127.0.0.1", port: int = 8470,
          announce: Callable[[str], None] = print, ssl_certfile: str | None = None,
          ssl_keyfile: str | None = None) -> None:
    """Serve the hub in this thread until interrupted (Ctrl-C, SIGTERM); HTTPS with a certificate."""
    sock = _listen(host, port)
    tls = {"ssl_certfile": ssl_certfile, "ssl_keyfile": ssl_keyfile} if ssl_certfile else {}
    server = _server(create_app(service), **tls)
    announce(f"{'https' if tls else 'http'}://{host}:{sock.getsockname()[1]}")
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C once it has shut down gracefully
        pass
    finally:
        server.config.app.state.hub.close()


def start_hub_thread(service: OfficeService, host: str = "127.0.0.1", port: int = 0,
                     **options: Any) -> tuple[str, Callable[[], None]]:
    """Start a hub on a background thread (port 0: any free port); returns (URL, stop function).

    `options` go to `create_app` (e.g. guards). `stop()` ends open feeds and waits for the thread.
    """
    sock = _listen(host, port)
    app = create_app(service, **options)
    server = _server(app)
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
        app.state.hub.feed.stopping = True
        server.should_exit = True
        thread.join(15)
        app.state.hub.close()
        sock.close()
    return url, stop
