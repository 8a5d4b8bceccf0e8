"""A real SMTP server on loopback (aiosmtpd) that records what it accepted and can be told to misbehave."""

from __future__ import annotations

import asyncio
import email
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    envelope_to: list[str]
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    def text(self) -> str:
        return str(self.message.get_body(("plain",)).get_content())  # type: ignore[union-attr]

    def html(self) -> str:
        return str(self.message.get_body(("html",)).get_content())  # type: ignore[union-attr]


@dataclass
class Recorder:
    """The handler: ``data_script`` answers DATA in turn ("ok", "451", "421", "550", "drop": take the message,
    then close the connection without answering); ``refuse`` answers RCPT for some addresses; ``delay``
    holds each answer back after the message was taken."""

    received: list[Received] = field(default_factory=list)
    data_script: list[str] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            action = self.data_script.pop(0) if self.data_script else "ok"
        message = email.message_from_bytes(envelope.content, policy=default)
        if action in ("ok", "drop"):
            with self.lock:
                self.received.append(Received(list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        if action == "drop":
            server.transport.abort()
            return "250 OK"
        if self.delay:  # the message is taken; the answer is slow (a client killed now never reads it)
            await asyncio.sleep(self.delay)
        return {
            "ok": "250 OK",
            "451": "451 4.3.0 try again later",
            "421": "421 4.3.2 shutting down",
            "550": "550 5.1.1 mailbox unavailable",
        }[action]

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.envelope_to]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpServer:
    def __init__(self) -> None:
        self.recorder = Recorder()
        self.port = free_port()
        self._controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()
