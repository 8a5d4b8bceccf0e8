"""Auto-renewal: the daily sweep invoices every subscription whose renewal date has come.

Each renewed period is its own transaction: one invoice with one ``term`` line for the full next period,
and the renewal date moved on by one term from the anchor. Missed periods are caught up one by one. What
keeps a period from being billed twice (a second sweep on the same day, a sweep re-run after a crash, two
instances at once) is ``UNIQUE(cohort, service_start) WHERE kind = 'term'`` on the invoice lines: the
losing transaction rolls back whole.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from billing import audit, event_records
from billing.actors import SYSTEM, Actor
from billing.db import Database
from billing.errors import BillingError
from billing.invoicing import InvoiceView, LineSpec, invoice_view, issue_invoice
from billing.models import Account, Cohort, PlanLevel
from billing.models.invoicing import LineKind
from billing.periods import Period, add_months, local_date
from billing.plan_schedule import apply_scheduled
from billing.proration import month_index
from billing.quotes import BILLED_METHODS, interval_of, unit_price
from billing.wording import license_line

log = logging.getLogger(__name__)
MAX_PERIODS_PER_RUN = 240  # a guard against a runaway loop, far beyond any real backlog


@dataclass(frozen=True)
class RenewalRun:
    invoices: tuple[InvoiceView, ...]
    already_billed: int  # periods another run had billed first (the uniqueness constraint refused them)
    failed: tuple[tuple[int, str], ...] = field(default=())  # (cohort id, error code)


class Renewals:
    def __init__(self, db: Database) -> None:
        self._db = db

    def renew_due(self, *, now: datetime, actor: Actor = SYSTEM) -> RenewalRun:
        """Invoice every auto-renewing subscription whose renewal date (in its account's time zone) has come,
        for the full next period, as many periods as are due."""
        with self._db.read() as session:
            # Time zones run at most 14 hours ahead of UTC: a day's margin, then the exact test per account.
            horizon = now.date() + timedelta(days=1)
            due = session.execute(
                select(Cohort.id, Cohort.ends_on, Account.time_zone)
                .join(Account, Account.id == Cohort.account_id)
                .where(Cohort.auto_renew.is_(True), Cohort.origin.in_(BILLED_METHODS), Cohort.ends_on <= horizon)
                .order_by(Cohort.ends_on, Cohort.id)
            ).all()
        invoices: list[InvoiceView] = []
        already_billed = 0
        failed: list[tuple[int, str]] = []
        for cohort_id, ends_on, time_zone in due:
            if ends_on > local_date(now, time_zone):
                continue
            for _ in range(MAX_PERIODS_PER_RUN):
                try:
                    invoice = self._renew_once(cohort_id, now=now, actor=actor)
                except IntegrityError as error:
                    if "invoice_lines" not in str(error.orig):
                        raise
                    already_billed += 1
                    break
                except BillingError as error:
                    log.warning("renewal of cohort %s refused: %s", cohort_id, error)
                    failed.append((cohort_id, error.code))
                    break
                if invoice is None:
                    break
                invoices.append(invoice)
        return RenewalRun(invoices=tuple(invoices), already_billed=already_billed, failed=tuple(failed))

    def _renew_once(self, cohort_id: int, *, now: datetime, actor: Actor) -> InvoiceView | None:
        """Bill the next period of one cohort if it is due; None when it is not (any more)."""
        with self._db.write() as session:
            # The account row first, as every use case that spends credit does: two invoices of one account
            # never spend the same credit at once (on SQLite, BEGIN IMMEDIATE already serializes writers).
            owner = select(Cohort.account_id).where(Cohort.id == cohort_id).scalar_subquery()
            account = session.scalar(select(Account).where(Account.id == owner).with_for_update())
            cohort = session.scalar(
                select(Cohort)
                .where(Cohort.id == cohort_id)
                .options(joinedload(Cohort.solution), joinedload(Cohort.level).joinedload(PlanLevel.solution))
                .with_for_update(of=Cohort)
            )
            assert account is not None and cohort is not None
            if not cohort.auto_renew or cohort.ends_on > local_date(now, account.time_zone):
                return None
            changed = apply_scheduled(session, cohort, now=now)
            period = Period(
                cohort.ends_on,
                add_months(cohort.anchor_on, month_index(cohort.anchor_on, cohort.ends_on) + cohort.term_months),
            )
            price = unit_price(session, level=cohort.level, interval=interval_of(cohort), currency=account.currency)
            spec = LineSpec(
                cohort_id=cohort.id,
                kind=LineKind.TERM,
                period=period,
                quantity=cohort.units,
                unit=price,
                fraction=Fraction(1),
                description=license_line(cohort.solution.name, cohort.level.name, cohort.units, "renewed"),
            )
            invoice, _ = issue_invoice(
                session, account=account, lines=[spec], now=now, memo=f"renewal: {cohort.solution.slug}"
            )
            cohort.ends_on = period.end
            audit.record(
                session,
                actor=actor,
                action="subscription.renewed",
                subject_type="cohort",
                subject_id=cohort.id,
                account_id=account.id,
                at=now,
                details={
                    "period_start": period.start.isoformat(),
                    "renews_on": period.end.isoformat(),
                    "units": cohort.units,
                    "invoice": invoice.number,
                    "plan_change": changed,
                },
            )
            session.flush()
            event_records.renewed(session, cohort, period.start, invoice, now=now)
            return invoice_view(invoice, account.slug, account.payment_method)
