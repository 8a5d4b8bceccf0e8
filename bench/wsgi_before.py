"""The server ``joanbot serve`` ran before uvicorn, kept for the benchmarks' "before" rows only: waitress with
the Slack endpoint as a WSGI app and the Portal API bridged from ASGI by a2wsgi."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from a2wsgi import ASGIMiddleware
from waitress.server import create_server

from bot.server import SlackEndpoint


def slack_wsgi(endpoint: SlackEndpoint) -> Callable[..., Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        headers = {k[5:].replace("_", "-").lower(): [str(v)] for k, v in environ.items() if k.startswith("HTTP_")}
        headers["content-type"] = [str(environ.get("CONTENT_TYPE", ""))]
        response = endpoint.handle(raw, headers)
        body = (response.body or "").encode()
        start_response(f"{response.status} X", [("Content-Length", str(len(body)))])
        return [body]

    return app


def bridged(asgi: Any) -> Callable[..., Iterable[bytes]]:
    """An ASGI app (the Portal API) as WSGI, as ``bot.web`` served it before uvicorn."""
    return ASGIMiddleware(asgi)  # type: ignore[no-any-return]


@contextmanager
def waitress_serving(wsgi: Callable[..., Iterable[bytes]], *, threads: int = 16) -> Iterator[str]:
    """``wsgi`` on waitress on a free loopback port while the block runs; yields its base URL."""
    server = create_server(wsgi, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, name="waitress-before", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"  # type: ignore[union-attr]
    finally:
        server.task_dispatcher.shutdown(timeout=5)
        server.close()
        thread.join(timeout=5)
