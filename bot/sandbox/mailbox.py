"""A local SMTP server for the demo (aiosmtpd on loopback): keeps every email it is given, to print."""

from __future__ import annotations

import email
import socket
import threading
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller


class _Keeper:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=default)
        with self.lock:
            self.messages.append(message)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LocalMailbox:
    def __init__(self) -> None:
        self._keeper = _Keeper()
        self.port = _free_port()
        self._controller = Controller(self._keeper, hostname="127.0.0.1", port=self.port)

    def start(self) -> LocalMailbox:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        with self._keeper.lock:
            return list(self._keeper.messages)


def readable_email(message: EmailMessage) -> str:
    """An email as a mail client shows it: the headers people read, then the plain-text part."""
    body = message.get_body(("plain",))
    text = body.get_content().strip() if body is not None else ""
    heads = [f"{name}: {str(message[name]).strip()}" for name in ("From", "To", "Subject") if message[name]]
    return "\n".join([*heads, "", text])
