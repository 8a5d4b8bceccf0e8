"""A webhook receiver on loopback for the demo: what the Joan Portal would run, verifying each delivery's
Standard Webhooks signature with the ``standardwebhooks`` library before believing it."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


class LocalReceiver:
    def __init__(self) -> None:
        self.secret = ""
        self.received: list[dict[str, Any]] = []
        self.refused = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/joan-webhooks"

    def start(self) -> LocalReceiver:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                try:
                    event = Webhook(receiver.secret).verify(body, dict(self.headers.items()))
                    receiver.received.append(dict(event))
                    status = 204
                except WebhookVerificationError:
                    receiver.refused += 1
                    status = 400
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

        return Handler


def readable_event(event: dict[str, Any]) -> str:
    data = event["data"]
    said = {k: v for k, v in data.items() if k not in ("account", "account_name")}
    return f"{event['type']} ({event['id']}) for {data.get('account')}: {json.dumps(said, sort_keys=True)}"
