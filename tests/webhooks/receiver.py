"""A webhook receiver on loopback, for tests: verifies every delivery with ``standardwebhooks`` (as a
customer's receiver would) and can misbehave on the first attempts (answer 500, hang, drop the line)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


@dataclass
class Delivery:
    webhook_id: str
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Receiver:
    url: str = ""
    secrets: list[str] = field(default_factory=list)
    delivered: list[Delivery] = field(default_factory=list)  # verified and answered 2xx
    attempts: list[str] = field(default_factory=list)  # every webhook-id that arrived, in order
    unverified: list[str] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)  # consumed one per request: "500", "hang", "drop"
    hang_seconds: float = 3.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def verify(self, body: bytes, headers: dict[str, str]) -> dict[str, Any] | None:
        for secret in self.secrets:
            try:
                return dict(Webhook(secret).verify(body, headers))
            except WebhookVerificationError:
                continue
        return None

    @property
    def ids(self) -> list[str]:
        return [d.webhook_id for d in self.delivered]

    def types(self) -> list[str]:
        return [d.body["type"] for d in self.delivered]

    def of_type(self, type_: str) -> list[dict[str, Any]]:
        return [d.body for d in self.delivered if d.body["type"] == type_]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            with receiver.lock:
                receiver.attempts.append(headers.get("webhook-id", ""))
                fault = receiver.faults.pop(0) if receiver.faults else None
            if fault == "drop":
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            if fault == "hang":
                time.sleep(receiver.hang_seconds)
            if fault == "500":
                return self._answer(500)
            payload = receiver.verify(body, headers)
            if payload is None:
                with receiver.lock:
                    receiver.unverified.append(headers.get("webhook-id", ""))
                return self._answer(400)
            with receiver.lock:
                receiver.delivered.append(Delivery(headers["webhook-id"], payload, headers))
            self._answer(200)

        def _answer(self, status: int) -> None:
            self.send_response(status)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    return Handler


@contextmanager
def receiving(path: str = "/hooks") -> Iterator[Receiver]:
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def body_of(delivery: Delivery) -> str:
    return json.dumps(delivery.body)
