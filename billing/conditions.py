"""The conditions alerts are made of: set-based queries over the billing state, one per alert kind.

Each source yields the conditions true at ``now``; ``alerts.reconcile`` turns them into alert rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, joinedload

from billing.attempts import GUESSING
from billing.email_plan import failure_details, failure_subject
from billing.errors import BillingError
from billing.ledger import balances
from billing.models import (
    Account,
    Assignment,
    Cohort,
    EmailFailure,
    Invoice,
    OutboxMessage,
    PlanLevel,
    PrepaidCode,
    RedeemAttempt,
    Solution,
)
from billing.models.codes import CodeStatus
from billing.models.invoicing import InvoiceStatus, invoice_number
from billing.models.notices import AlertKind
from billing.models.outbox import DeliveryFailure, OutboxState
from billing.models.parties import PaymentMethod
from billing.money import Money
from billing.periods import local_date
from billing.quotes import BILLED_METHODS, interval_of, unit_price
from billing.today import account_today

LAPSED_ALERT_DAYS = 30
FAILED_REDEMPTIONS_WINDOW = timedelta(hours=24)
FAILED_REDEMPTIONS_THRESHOLD = 5
CODE_EXPIRY_WARNING_DAYS = 7


@dataclass(frozen=True)
class Condition:
    kind: AlertKind
    subject_key: str
    account_id: int | None
    reseller_id: int | None
    details: dict[str, Any] = field(default_factory=dict)


ConditionSource = Callable[[Session, datetime], Iterable[Condition]]


def lapsed_cohorts(session: Session, now: datetime) -> Iterable[Condition]:
    """A non-auto-renewing cohort whose renewal date passed without a renewal, for 30 days after it."""
    today = now.date()
    rows = session.execute(
        select(
            Cohort.id,
            Cohort.account_id,
            Cohort.ends_on,
            Cohort.units,
            Solution.name,
            Account.time_zone,
            Account.reseller_id,
            Account.slug,
            Account.name,
            PlanLevel.name,
        )
        .join(Account, Account.id == Cohort.account_id)
        .join(Solution, Solution.id == Cohort.solution_id)
        .join(PlanLevel, PlanLevel.id == Cohort.plan_level_id)
        .where(
            Cohort.renewed_at.is_(None),
            Cohort.auto_renew.is_(False),
            Cohort.origin.not_in(BILLED_METHODS),  # a cancelled card/invoice subscription ends by choice
            Cohort.ends_on <= today + timedelta(days=1),
            Cohort.ends_on > today - timedelta(days=LAPSED_ALERT_DAYS + 1),
        )
    )
    for cohort_id, account_id, ends_on, units, solution, tz, reseller_id, slug, name, level in rows:
        local = local_date(now, tz)
        if ends_on <= local < ends_on + timedelta(days=LAPSED_ALERT_DAYS):
            details = {
                "account": slug,
                "account_name": name,
                "solution": solution,
                "level": level,
                "units": units,
                "renews_on": ends_on.isoformat(),
            }
            yield Condition(AlertKind.LAPSED, f"cohort:{cohort_id}", account_id, reseller_id, details)


def over_capacity(session: Session, now: datetime) -> Iterable[Condition]:
    """More devices/users assigned than licenses active today, in the account's time zone."""
    used = (
        select(Assignment.account_id, Assignment.solution_id, func.count().label("used"))
        .where(Assignment.released_at.is_(None))
        .group_by(Assignment.account_id, Assignment.solution_id)
        .subquery()
    )
    # Capacity only for the (account, solution) pairs that have assignments: proportional to those.
    licenses = func.coalesce(func.sum(Cohort.units), 0)
    today = account_today(session, now)
    rows = session.execute(
        select(
            used.c.account_id,
            used.c.solution_id,
            used.c.used,
            licenses,
            Account.reseller_id,
            Account.slug,
            Account.name,
            Solution.name,
        )
        .join(Account, Account.id == used.c.account_id)
        .join(
            Cohort,
            and_(
                Cohort.account_id == used.c.account_id,
                Cohort.solution_id == used.c.solution_id,
                Cohort.starts_on <= today,
                Cohort.ends_on > today,
            ),
            isouter=True,
        )
        .join(Solution, Solution.id == used.c.solution_id)
        .group_by(
            used.c.account_id,
            used.c.solution_id,
            used.c.used,
            Account.reseller_id,
            Account.slug,
            Account.name,
            Solution.name,
        )
        .having(used.c.used > licenses)
    )
    for account_id, solution_id, in_use, licenses, reseller_id, slug, name, solution in rows:
        yield Condition(
            AlertKind.OVER_CAPACITY,
            f"account:{account_id}:solution:{solution_id}",
            account_id,
            reseller_id,
            {
                "account": slug,
                "account_name": name,
                "solution": solution,
                "in_use": int(in_use),
                "licenses": int(licenses),
                "over_by": int(in_use) - int(licenses),
            },
        )


def failed_redemptions(session: Session, now: datetime) -> Iterable[Condition]:
    """Five or more guessing-like failed redemption attempts against one account within 24 hours."""
    rows = session.execute(
        select(RedeemAttempt.account_id, func.count(), Account.reseller_id, Account.slug, Account.name)
        .join(Account, Account.id == RedeemAttempt.account_id)
        .where(RedeemAttempt.at > now - FAILED_REDEMPTIONS_WINDOW, RedeemAttempt.reason.in_(GUESSING))
        .group_by(RedeemAttempt.account_id, Account.reseller_id, Account.slug, Account.name)
        .having(func.count() >= FAILED_REDEMPTIONS_THRESHOLD)
    )
    for account_id, count, reseller_id, slug, name in rows:
        yield Condition(
            AlertKind.FAILED_REDEMPTIONS,
            f"account:{account_id}",
            account_id,
            reseller_id,
            {"account": slug, "account_name": name, "failures": int(count)},
        )


def codes_near_redeem_by(session: Session, now: datetime) -> Iterable[Condition]:
    """A code meant for a reseller, unredeemed, with its redeem-by date within a week."""
    today = now.date()
    rows = session.execute(
        select(PrepaidCode.id, PrepaidCode.prefix, PrepaidCode.redeem_by, PrepaidCode.reseller_id).where(
            PrepaidCode.status == CodeStatus.ISSUED,
            PrepaidCode.reseller_id.is_not(None),
            PrepaidCode.redeem_by >= today,
            PrepaidCode.redeem_by <= today + timedelta(days=CODE_EXPIRY_WARNING_DAYS),
        )
    )
    for code_id, prefix, redeem_by, reseller_id in rows:
        assert redeem_by is not None  # selected by its range
        yield Condition(
            AlertKind.CODE_EXPIRING,
            f"code:{code_id}",
            None,
            reseller_id,
            {"prefix": prefix, "redeem_by": redeem_by.isoformat()},
        )


CREDIT_LOOKAHEAD_DAYS = 14


def overdue_invoices(session: Session, now: datetime) -> Iterable[Condition]:
    """An invoice past its due date with an amount remaining. Carries amounts: staff channel only."""
    remaining = Invoice.total_minor - Invoice.credit_applied_minor - Invoice.amount_paid_minor
    rows = session.execute(
        select(
            Invoice.id,
            Invoice.currency,
            remaining,
            Invoice.due_on,
            Account.id,
            Account.slug,
            Account.name,
            Account.time_zone,
        )
        .join(Account, Account.id == Invoice.account_id)
        .where(
            Invoice.status.in_((InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID)),
            remaining > 0,
            Invoice.due_on <= now.date(),
        )
    )
    for invoice_id, currency, owed, due_on, account_id, slug, name, tz in rows:
        if due_on < local_date(now, tz):
            yield Condition(
                AlertKind.OVERDUE_INVOICE,
                f"invoice:{invoice_id}",
                account_id,
                None,
                {
                    "account": slug,
                    "account_name": name,
                    "invoice": invoice_number(invoice_id),
                    "owed": str(Money(int(owed), currency)),
                    "due_on": due_on.isoformat(),
                },
            )


def credit_short(session: Session, now: datetime) -> Iterable[Condition]:
    """A credits-paying account whose balance will not cover its renewal invoices due in the next 14 days.
    Carries amounts: staff channel only."""
    horizon = now.date() + timedelta(days=CREDIT_LOOKAHEAD_DAYS)
    cohorts = session.scalars(
        select(Cohort)
        .join(Account, Account.id == Cohort.account_id)
        .where(Cohort.auto_renew.is_(True), Account.payment_method == PaymentMethod.CREDITS, Cohort.ends_on <= horizon)
        .options(joinedload(Cohort.level))
    ).all()
    needed: dict[tuple[int, str], int] = defaultdict(int)
    for cohort in cohorts:
        account = session.get(Account, cohort.account_id)
        assert account is not None
        try:
            price = unit_price(session, level=cohort.level, interval=interval_of(cohort), currency=account.currency)
        except BillingError:
            continue
        needed[(account.id, account.currency)] += price.minor * cohort.units
    for (account_id, currency), minor in needed.items():
        balance = balances(session, account_id=account_id).get(currency, {})
        have = sum(balance.values())
        if have < minor:
            account = session.get(Account, account_id)
            assert account is not None
            yield Condition(
                AlertKind.CREDIT_SHORT,
                f"account:{account_id}:{currency}",
                account_id,
                None,
                {
                    "account": account.slug,
                    "account_name": account.name,
                    "needed": str(Money(minor, currency)),
                    "balance": str(Money(have, currency)),
                },
            )


UNREACHABLE_MEMORY = timedelta(days=7)


def unreachable_channels(session: Session, now: datetime) -> Iterable[Condition]:
    """A channel the bot cannot post to: messages waiting (or given up) because of it. Goes to sales."""
    rows = session.execute(
        select(OutboxMessage.channel_id, func.max(OutboxMessage.last_error), func.count())
        .where(
            OutboxMessage.failure == DeliveryFailure.UNREACHABLE,
            OutboxMessage.state.in_((OutboxState.PENDING, OutboxState.CLAIMED, OutboxState.DEAD)),
            OutboxMessage.created_at > now - UNREACHABLE_MEMORY,
        )
        .group_by(OutboxMessage.channel_id)
    )
    for channel_id, error, waiting in rows:
        yield Condition(
            AlertKind.CHANNEL_UNREACHABLE,
            f"channel:{channel_id}",
            None,
            None,
            {"channel": channel_id, "error": error, "waiting": int(waiting)},
        )


EMAIL_FAILURE_MEMORY = timedelta(days=7)


def failed_emails(session: Session, now: datetime) -> Iterable[Condition]:
    """A contact address a mail server refused for good in the last week: staff should fix it. Sales only."""
    rows = session.execute(
        select(EmailFailure.account_id, Account.slug, EmailFailure.address, func.max(EmailFailure.reply))
        .join(Account, Account.id == EmailFailure.account_id)
        .where(EmailFailure.failed_at > now - EMAIL_FAILURE_MEMORY)
        .group_by(EmailFailure.account_id, Account.slug, EmailFailure.address)
    )
    for account_id, slug, address, reply in rows:
        yield Condition(
            AlertKind.EMAIL_FAILED,
            failure_subject(account_id, address),
            account_id,
            None,
            failure_details(slug, address, reply),
        )


CONDITIONS: tuple[ConditionSource, ...] = (
    lapsed_cohorts,
    over_capacity,
    failed_redemptions,
    codes_near_redeem_by,
    unreachable_channels,
    failed_emails,
    overdue_invoices,
    credit_short,
)
