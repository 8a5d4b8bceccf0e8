"""The mailer: drains the outbox's emails over SMTP, like the poster drains its Slack posts.

- Claims one email at a time under the outbox's fenced lease, paced to ``per_minute`` for the server,
  and keeps one SMTP connection open across a batch (closed when the outbox has nothing ready).
- Rendered at send time: a reminder whose licenses were renewed meanwhile is not sent.
- 250: recorded, never sent again. 4xx (for the message or a recipient) or a dropped connection: back
  in the outbox with backoff, for the addresses still owed. A connection dropped after DATA may have
  delivered: the resend carries the same ``Message-ID``. 5xx for a recipient: recorded as failed (one
  alert in the sales channel), the other recipients are delivered.
"""

from __future__ import annotations

import logging
import random
import smtplib
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Protocol

from billing import Audience, Billing, Claim, OutboxMedium, outbox_drain
from mail import message as emails

log = logging.getLogger("joanbot.mailer")

Clock = Callable[[], datetime]


class Transport(Protocol):
    def send(self, message: EmailMessage, *, sender: str, to: list[str]) -> dict[str, tuple[int, bytes]]: ...

    def close(self) -> None: ...


MAX_BACKOFF = timedelta(minutes=30)


def backoff(attempts: int, base: float) -> timedelta:
    """Exponential with jitter, capped at 30 minutes."""
    seconds = min(MAX_BACKOFF.total_seconds(), base * 2 ** max(0, attempts - 1))
    return timedelta(seconds=seconds * (0.8 + 0.4 * random.random()))


def _reply(code: int, text: bytes | str) -> str:
    said = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return f"{code} {emails.one_line(said)}"[:200]


class Mailer:
    def __init__(
        self,
        billing: Billing,
        transport: Transport,
        *,
        sender: str,
        clock: Clock,
        per_minute: int = 60,
        sales_channel: str | None = None,
        retry_base: float = 30.0,
    ) -> None:
        self.billing = billing
        self.transport = transport
        self.sender = sender
        self.clock = clock
        self.pace = timedelta(minutes=1) / max(1, per_minute)
        self.sales_channel = sales_channel
        self.retry_base = retry_base

    def send_one(self) -> bool | None:
        """Claim and deliver one email: None when none could be claimed, else whether the server took it."""
        claim = self.billing.outbox.claim(now=self.clock(), medium=OutboxMedium.EMAIL, pace=self.pace)
        if claim is None:
            return None
        return self.deliver(claim)

    def drain(
        self, *, until: datetime | None = None, sleep: Callable[[float], object] = time.sleep, max_wait: float = 5.0
    ) -> int:
        """Send until no email is pending (or ``until`` passes); one connection for the whole batch. Returns
        how many emails the server accepted (for at least one recipient): not the attempts, which may fail."""
        try:
            return outbox_drain.drain(
                self.send_one,
                lambda: self.billing.outbox.next_ready_at(medium=OutboxMedium.EMAIL),
                clock=self.clock,
                sleep=sleep,
                until=until,
                max_wait=max_wait,
                idle=self.transport.close,  # do not hold the server's connection through a long backoff
            )
        finally:
            self.transport.close()

    def deliver(self, claim: Claim) -> bool:
        """Send one claimed email; True when the server accepted it for at least one recipient."""
        payload, outbox = claim.payload, self.billing.outbox
        view = self.billing.emails.view(notice_id=int(payload["notice_id"]), now=self.clock())
        if view is None or view.renewed or view.dropped is not None:
            why = view.dropped.words if view is not None and view.dropped is not None else "renewed before it went"
            outbox.cancel(claim, now=self.clock(), reason=f"not sent: {why}")
            return False
        to = [str(a) for a in payload["to"]]
        message = emails.build(
            view,
            audience=Audience(payload["audience"]),
            to=to,
            sender=self.sender,
            dedupe_key=claim.dedupe_key,
            now=self.clock(),
        )
        refused: dict[str, tuple[int, bytes | str]]
        try:
            refused = dict(self.transport.send(message, sender=self.sender, to=to))
        except smtplib.SMTPRecipientsRefused as error:
            refused = {address: (code, text) for address, (code, text) in error.recipients.items()}
        except smtplib.SMTPResponseException as error:
            if 500 <= error.smtp_code < 600 and not isinstance(error, smtplib.SMTPSenderRefused):
                refused = {address: (error.smtp_code, error.smtp_error) for address in to}  # refused as a whole
            else:
                self._again(claim, to, _reply(error.smtp_code, error.smtp_error), uncertain=False)
                return False
        except (smtplib.SMTPException, OSError) as error:  # dropped: the server may have taken the message
            self._again(claim, to, type(error).__name__, uncertain=True)
            return False
        self._settle(claim, refused)
        return len(refused) < len(to)

    def _settle(self, claim: Claim, refused: dict[str, tuple[int, bytes | str]]) -> None:
        failed = {a: _reply(code, text) for a, (code, text) in refused.items() if code >= 500}
        retry = [a for a, (code, _text) in refused.items() if code < 500]
        for address, reply in failed.items():
            log.error("email %s to %s refused for good: %s", claim.dedupe_key, address, reply)
        done = self.billing.emails.settle(
            claim,
            now=self.clock(),
            failed=failed,
            retry=retry,
            delay=backoff(claim.attempts, self.retry_base),
            sales_channel=self.sales_channel,
        )
        if not done:
            log.warning("email %s: claim lost after sending; another mailer may send it again", claim.dedupe_key)

    def _again(self, claim: Claim, to: list[str], error: str, *, uncertain: bool) -> None:
        delay = backoff(claim.attempts, self.retry_base)
        log.warning("email %s: %s; again in %.0fs", claim.dedupe_key, error, delay.total_seconds())
        self.billing.outbox.retry_later(claim, now=self.clock(), delay=delay, error=error, outcome_unknown=uncertain)
