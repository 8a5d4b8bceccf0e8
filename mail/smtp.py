"""SMTP with the standard library: one connection reused for a batch, STARTTLS whenever the server offers it.

``JOANBOT_SMTP_URL``: ``smtp://[user:password@]host[:port]`` (STARTTLS when offered; port 587 by default)
or ``smtps://...`` (TLS from the first byte; port 465). User and password are URL-quoted.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

TIMEOUT_SECONDS = 30.0


class SmtpUrlError(ValueError):
    pass


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    implicit_tls: bool
    user: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> SmtpTarget:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("smtp", "smtps"):
            raise SmtpUrlError("JOANBOT_SMTP_URL must start with smtp:// or smtps://")
        if not parts.hostname:
            raise SmtpUrlError("JOANBOT_SMTP_URL names no host")
        try:
            port = parts.port or (465 if parts.scheme == "smtps" else 587)
        except ValueError:
            raise SmtpUrlError("JOANBOT_SMTP_URL has a bad port") from None
        user = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        return cls(parts.hostname, port, parts.scheme == "smtps", user, password)

    def __repr__(self) -> str:  # never the password, in a log line or a traceback
        return f"SmtpTarget({'smtps' if self.implicit_tls else 'smtp'}://{self.host}:{self.port}, user={self.user!r})"


class SmtpTransport:
    """Sends messages over one lazily opened connection; ``close()`` ends it (a broken one is dropped)."""

    def __init__(self, target: SmtpTarget, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self.target = target
        self.timeout = timeout
        self._connection: smtplib.SMTP | None = None
        self.connections_opened = 0

    def _connect(self) -> smtplib.SMTP:
        target, context = self.target, ssl.create_default_context()
        connection: smtplib.SMTP
        if target.implicit_tls:
            connection = smtplib.SMTP_SSL(target.host, target.port, timeout=self.timeout, context=context)
        else:
            connection = smtplib.SMTP(target.host, target.port, timeout=self.timeout)
            connection.ehlo()
            if connection.has_extn("starttls"):
                connection.starttls(context=context)
                connection.ehlo()
        if target.user:
            connection.login(target.user, target.password or "")
        self.connections_opened += 1
        return connection

    def send(self, message: EmailMessage, *, sender: str, to: list[str]) -> dict[str, tuple[int, bytes]]:
        """Send to ``to``; returns the refused recipients (all others were accepted). Raises what smtplib
        raises (``SMTPRecipientsRefused`` when every recipient was refused) after dropping the connection."""
        if self._connection is None:
            self._connection = self._connect()
        try:
            return self._connection.send_message(message, from_addr=sender, to_addrs=to)
        except smtplib.SMTPRecipientsRefused:
            self._reset()
            raise
        except Exception:
            self.close()
            raise

    def _reset(self) -> None:
        try:
            if self._connection is not None:
                self._connection.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()
