"""Building the billing core from settings: engine, first-start migration, default catalog."""

from __future__ import annotations

from datetime import timedelta

import migrations
from billing import Billing, BillingSettings, Database
from bot.settings import Settings


def open_billing(settings: Settings, *, migrate: bool = True) -> Billing:
    """The billing core on the configured database, migrated to the newest schema (idempotent)."""
    db = Database.from_url(settings.database_url)
    if migrate:
        migrations.upgrade(db.engine)
    billing = Billing(
        db,
        key=settings.code_key,
        settings=BillingSettings(
            default_time_zone=settings.time_zone,
            default_currency=settings.currency,
            proration=settings.proration,
            outbox_lease=timedelta(seconds=settings.post_lease_seconds),
        ),
    )
    if migrate:
        billing.catalog.ensure_default()
    return billing
