"""Reminder emails: what planning them adds to the sweep's outbox transaction, and what reusing one SMTP
connection for a batch buys over a connection per email (loopback aiosmtpd; same run, same data)."""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import migrations
from billing import Billing, BillingSettings, CodeKey, Database, operator
from bot.sandbox.mailbox import LocalMailbox
from mail.sender import Mailer
from mail.smtp import SmtpTarget, SmtpTransport

STAFF = operator("bench")
START = datetime(2024, 1, 1, 12, tzinfo=UTC)
DAY_45 = datetime(2024, 11, 17, 12, tzinfo=UTC)


def _world(billing: Billing, accounts: int) -> None:
    billing.resellers.create_reseller(slug="north", name="North", actor=STAFF, now=START)
    billing.contacts.set_reseller_emails(slug="north", emails=["sales@north.example"], actor=STAFF, now=START)
    for n in range(accounts):
        slug = f"c{n}"
        billing.accounts.create_account(slug=slug, name=f"Customer {n}", reseller="north", actor=STAFF, now=START)
        billing.contacts.set_account_emails(slug=slug, emails=[f"it@{slug}.example"], actor=STAFF, now=START)
        batch = billing.issuing.issue_subscription_codes(
            solution="room", level="professional", units=5, term_months=12, actor=STAFF, now=START
        )
        billing.redemptions.redeem(code=batch.codes[0].code, account=slug, actor=STAFF, now=START)


def _billing(path: Path) -> Billing:
    db = Database.from_url(f"sqlite:///{path}")
    migrations.upgrade(db.engine)
    billing = Billing(db, key=CodeKey(b"bench-key-" + b"0" * 32), settings=BillingSettings())
    billing.catalog.ensure_default()
    return billing


def _mailer(billing: Billing, mailbox: LocalMailbox, *, reuse: bool) -> Mailer:
    transport = SmtpTransport(SmtpTarget("127.0.0.1", mailbox.port, False))
    if not reuse:
        send = transport.send

        def one_connection_each(message, *, sender, to):  # type: ignore[no-untyped-def]
            try:
                return send(message, sender=sender, to=to)
            finally:
                transport.close()

        transport.send = one_connection_each  # type: ignore[method-assign]
    began = time.monotonic()
    return Mailer(
        billing,
        transport,
        sender="r@vendor.example",
        clock=lambda: DAY_45 + timedelta(seconds=time.monotonic() - began),
        per_minute=10**6,
    )


def run(*, accounts: int = 300) -> bool:
    with tempfile.TemporaryDirectory() as home:
        timings: dict[str, float] = {}
        for label, email in (("enqueue, Slack only", False), ("enqueue, Slack and email", True)):
            billing = _billing(Path(home) / f"{email}.db")
            _world(billing, accounts)
            billing.sweep.run(now=DAY_45)
            began = time.perf_counter()
            billing.outbox.enqueue(now=DAY_45, sales_channel="CSALES", email=email)
            timings[label] = time.perf_counter() - began
        print(f"{accounts} reminders, SQLite:")
        ref, fig = timings["enqueue, Slack only"], timings["enqueue, Slack and email"]
        print(
            f"  enqueue with emails ({2 * accounts} planned): {fig * 1000:.1f} ms; Slack only {ref * 1000:.1f} ms; "
            f"ratio {fig / ref:.2f}"
        )
        sends: dict[bool, float] = {}
        for reuse in (False, True):
            billing = _billing(Path(home) / f"send-{reuse}.db")
            _world(billing, accounts // 3)
            billing.sweep.run(now=DAY_45)
            billing.outbox.enqueue(now=DAY_45, sales_channel="CSALES", email=True)
            mailbox = LocalMailbox().start()
            try:
                began = time.perf_counter()
                sent = _mailer(billing, mailbox, reuse=reuse).drain(sleep=lambda s: None)
                sends[reuse] = sent / (time.perf_counter() - began)
            finally:
                mailbox.stop()
        print(
            f"  mailer over loopback SMTP: {sends[True]:.0f} emails/s on one connection; "
            f"{sends[False]:.0f} emails/s with a connection each; ratio {sends[True] / sends[False]:.2f}"
        )
    return True
