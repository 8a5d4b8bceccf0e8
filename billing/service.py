"""The billing core's front door: one object holding every use case, built from a database and a key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from billing.accounts import Accounts
from billing.alerts import Alerts
from billing.api_keys import ApiKeys
from billing.assignments import Assignments
from billing.audit import AuditLog
from billing.catalog import Catalog
from billing.codeformat import CodeKey
from billing.codes import Codes
from billing.contacts import Contacts
from billing.db import Database
from billing.emails import Emails
from billing.idempotency import IdempotentRequests
from billing.identity import Identities
from billing.invoicing import Invoices
from billing.issuing import DEFAULT_MAX_CREDIT_CODE, Issuing
from billing.ledger import Credits
from billing.licensing import Licenses
from billing.outbox import LEASE, Outbox
from billing.overview import Overview
from billing.payments import Payments
from billing.plan_changes import PlanChanges
from billing.proration import DEFAULT_POLICY, ProrationPolicy
from billing.redemption import Redemptions
from billing.reminders import Reminders
from billing.renewal import Renewals
from billing.resellers import Resellers
from billing.staff import StaffRoles
from billing.subscriptions import Subscriptions
from billing.sweep import Sweep


@dataclass(frozen=True)
class BillingSettings:
    default_time_zone: str = "UTC"
    default_currency: str = "USD"
    proration: ProrationPolicy = DEFAULT_POLICY
    outbox_lease: timedelta = LEASE  # how long a poster holds a message before another may take it over
    max_credit_code: int = DEFAULT_MAX_CREDIT_CODE  # whole units of any currency one credit code may be worth


class Billing:
    """Each attribute groups the use cases of one noun; every use case runs in its own transaction."""

    def __init__(self, db: Database, *, key: CodeKey, settings: BillingSettings | None = None) -> None:
        settings = settings or BillingSettings()
        self.db = db
        self.settings = settings
        self.catalog = Catalog(db)
        self.accounts = Accounts(
            db, default_time_zone=settings.default_time_zone, default_currency=settings.default_currency
        )
        self.resellers = Resellers(db)
        self.contacts = Contacts(db)
        self.staff = StaffRoles(db)
        self.codes = Codes(db, key=key, business_time_zone=settings.default_time_zone)
        self.issuing = Issuing(
            db, key=key, business_time_zone=settings.default_time_zone, max_credit_code=settings.max_credit_code
        )
        self.redemptions = Redemptions(db, key=key)
        self.licenses = Licenses(db)
        self.assignments = Assignments(db)
        self.audit = AuditLog(db)
        self.reminders = Reminders(db)
        self.alerts = Alerts(db)
        self.outbox = Outbox(db, lease=settings.outbox_lease)
        self.emails = Emails(db, self.outbox)
        self.sweep = Sweep(db, assignments=self.assignments, reminders=self.reminders, alerts=self.alerts)
        self.subscriptions = Subscriptions(db, key=key, proration=settings.proration)
        self.plans = PlanChanges(db, key=key, proration=settings.proration)
        self.invoices = Invoices(db)
        self.payments = Payments(db, key=key)
        self.credits = Credits(db)
        self.renewals = Renewals(db)
        self.sweep.housekeeping["auto-renewal invoices"] = lambda now: len(self.renewals.renew_due(now=now).invoices)
        self.identity = Identities(db)
        self.overview = Overview(db)
        self.api_keys = ApiKeys(db, key=key)
        self.idempotency = IdempotentRequests(db)
        self.sweep.housekeeping["expired idempotency keys"] = lambda now: self.idempotency.prune(now=now)
