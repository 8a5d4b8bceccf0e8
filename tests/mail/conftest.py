"""Mail fixtures: a recording SMTP server on loopback and a mailer sending to it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.clock import ShiftedClock, SystemClock
from mail.sender import Mailer
from mail.smtp import SmtpTarget, SmtpTransport
from tests.billing.builders import account, licenses, reseller
from tests.conftest import STAFF, at
from tests.mail.smtpd import SmtpServer

SALES = "CSALES"
SENDER = "renewals@vendor.example"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


def make_mailer(billing, smtp: SmtpServer, clock=lambda: datetime.now(UTC)) -> Mailer:
    transport = SmtpTransport(SmtpTarget.from_url(smtp.url), timeout=5)
    return Mailer(
        billing, transport, sender=SENDER, clock=clock, per_minute=60_000, sales_channel=SALES, retry_base=0.05
    )


@pytest.fixture
def mailer(billing, smtp) -> Mailer:
    """Sending as on 17 Nov 2024 (the 45-day reminders' day), with time moving on as it really does."""
    return make_mailer(billing, smtp, clock=ShiftedClock(SystemClock(), at("2024-11-17") - datetime.now(UTC)))


def customers_with_contacts(billing) -> None:
    """Northwind (two contacts) sells to Acme (two contacts); Direct (one contact) buys from us. Each has 10
    licenses from 1 Jan 2024, renewing 1 Jan 2025."""
    start = at("2024-01-01")
    reseller(billing, "northwind", now=start)
    billing.contacts.set_reseller_emails(
        slug="northwind", emails=["sales@northwind.example", "ops@northwind.example"], actor=STAFF, now=start
    )
    account(billing, "acme", reseller="northwind", now=start)
    billing.contacts.set_account_emails(
        slug="acme", emails=["it@acme.example", "boss@acme.example"], actor=STAFF, now=start
    )
    account(billing, "direct", now=start)
    billing.contacts.set_account_emails(slug="direct", emails=["it@direct.example"], actor=STAFF, now=start)
    for slug in ("acme", "direct"):
        licenses(billing, account_slug=slug, now=start)


def sweep_and_queue(billing, now: datetime) -> int:
    billing.sweep.run(now=now)
    return billing.outbox.enqueue(now=now, sales_channel=SALES, email=True)
