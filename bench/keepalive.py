"""A light keep-alive HTTP client for driving the Portal API in the benchmarks: the standard library's
``http.client`` on one connection.

The load generator runs in the benchmark's own process, on the same 2 cores as the servers it measures: its
CPU is charged to what it measures. httpx costs about 0.5 ms of CPU per request more than ``http.client``
(its request and response models, its transports), more than the API's own framework work; this client
sends the same requests over the same kept-alive connection with a fraction of that.
"""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit


class KeepAlive:
    """Requests to ``base`` (``http://host:port/prefix``) over one kept-alive connection, with ``headers``."""

    def __init__(self, base: str, *, headers: dict[str, str] | None = None, timeout: float = 60.0) -> None:
        parts = urlsplit(base)
        assert parts.hostname is not None and parts.port is not None
        self._prefix = parts.path.rstrip("/")
        self._headers = dict(headers or {})
        self._connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)

    def request(self, method: str, path: str, *, json_body: Any = None, headers: dict[str, str] | None = None) -> int:
        """The status of ``method path`` (its body read and dropped, so the connection can be reused)."""
        sent = self._headers | (headers or {})
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent["Content-Type"] = "application/json"
        self._connection.request(method, self._prefix + path, body=body, headers=sent)
        response = self._connection.getresponse()
        response.read()
        return response.status

    def ok(self, method: str, path: str, *, json_body: Any = None) -> int:
        """As ``request``, raising unless the status is 2xx."""
        status = self.request(method, path, json_body=json_body)
        if not 200 <= status < 300:
            raise RuntimeError(f"{method} {path} answered {status}")
        return status

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> KeepAlive:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
