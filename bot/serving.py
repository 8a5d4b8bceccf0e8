"""uvicorn, configured for the open internet: a deadline for a request's headers, our logging, a grace period
on SIGTERM; and a loopback server for tests, the benchmarks and the demo.

uvicorn is asyncio: a slow client holds a socket, not a thread, so a hundred clients trickling a byte a
second cannot stop the instance answering others. The deadline below closes them anyway, so that they do
not pile up; a slow body is the web app's to time out (``bot.web``).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api.app import ASGIApp

HEADER_SECONDS = 10.0  # from a connection's first byte (or a request's) to the end of its headers
KEEP_ALIVE_SECONDS = 5


class HeaderDeadline(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline on each request's headers (uvicorn has none: its
    keep-alive timer starts only after a first response)."""

    header_seconds = HEADER_SECONDS

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(cast(asyncio.Transport, PairedWrites(transport, self.loop)))
        self._deadline: asyncio.TimerHandle | None = None
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._deadline is None:
            self._deadline = self.loop.call_later(self.header_seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()


class PairedWrites:
    """A connection's transport that holds a write back until the next one (or the end of the event loop's
    turn) and sends the two at once: uvicorn writes a response's head, then its body, and sent apart they
    are two segments, the client woken for each. The body's write sends the pair at once, before whatever
    the app does after answering (its access line)."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport, self._loop = transport, loop
        self._held: bytes | None = None
        self._flushing: asyncio.Handle | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._held is None:
            self._held = bytes(data)
            self._flushing = self._loop.call_soon(self._flush)
            return
        held, self._held = self._held, None
        if self._flushing is not None:
            self._flushing.cancel()
        self._transport.write(held + data)

    def _flush(self) -> None:
        held, self._held = self._held, None
        if held is not None and not self._transport.is_closing():
            self._transport.write(held)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + len(self._held or b"")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def config(app: ASGIApp, *, host: str, port: int, shutdown_seconds: int, header_seconds: float | None = None) -> Any:
    protocol: type[HttpToolsProtocol] = HeaderDeadline
    if header_seconds is not None:
        protocol = type("HeaderDeadline", (HeaderDeadline,), {"header_seconds": header_seconds})
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol,
        lifespan="on",
        log_config=None,  # ours (bot.logsafe): JSON or text, redacted
        access_log=False,  # the web app writes one access line per request itself
        server_header=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        timeout_graceful_shutdown=shutdown_seconds,
    )


def serve_forever(app: ASGIApp, *, host: str, port: int, shutdown_seconds: int) -> None:
    """Serve until SIGTERM or SIGINT: stop accepting, finish the requests in flight (at most
    ``shutdown_seconds``), then the app's lifespan shutdown."""
    uvicorn.Server(config(app, host=host, port=port, shutdown_seconds=shutdown_seconds)).run()


@contextmanager
def serving(app: ASGIApp, *, shutdown_seconds: int = 5, header_seconds: float | None = None) -> Iterator[str]:
    """``app`` on uvicorn on a free loopback port while the block runs (lifespan included); yields its URL."""
    # IPPROTO_TCP said, not implied: asyncio disables Nagle only on sockets whose protocol says TCP, and
    # without that every response waits for the client's delayed ACK (40 ms).
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(
        config(app, host="127.0.0.1", port=port, shutdown_seconds=shutdown_seconds, header_seconds=header_seconds)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, name="loopback-http", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the loopback server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=shutdown_seconds + 5)
        listener.close()
