"""Joan Credits: spending credit on invoices, balances, and the views of an account's credit.

Credit is spent promo first, then adjustments, then topped-up, oldest first, one debit entry per lot
spent; never more than a lot has left, so a balance never goes negative. Only the invoice's currency is
ever spent: a EUR invoice takes no USD credit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased, joinedload

from billing.accounts import AccountView, account_view, amounts_visible, find_account
from billing.actors import Actor
from billing.db import Database
from billing.licensing import assignments_in_use, cohorts_of
from billing.models import Account, Cohort, CreditEntry, CreditSpend, Invoice, LineCredit, PrepaidCode, Redemption
from billing.models.ledger import CREDIT_SOURCES, CreditSource
from billing.money import Money
from billing.periods import describe_term, local_date
from billing.proration import Allocation

SPENDING_ORDER = (CreditSource.PROMO, CreditSource.ADJUSTMENT, CreditSource.TOPPED_UP)


def lots_with_remaining(session: Session, *, account_id: int, currency: str) -> list[tuple[CreditEntry, int]]:
    """Positive entries with credit left, in the order they are spent."""
    spent = aliased(CreditEntry)
    spent_sum = (
        select(func.coalesce(func.sum(spent.amount_minor), 0))
        .join(CreditSpend, CreditSpend.entry_id == spent.id)
        .where(CreditSpend.lot_id == CreditEntry.id)
        .correlate(CreditEntry)
        .scalar_subquery()
    )
    order = case({source: rank for rank, source in enumerate(SPENDING_ORDER)}, value=CreditEntry.source)
    rows = session.execute(
        select(CreditEntry, CreditEntry.amount_minor + spent_sum)
        .where(
            CreditEntry.account_id == account_id,
            CreditEntry.currency == currency,
            CreditEntry.amount_minor > 0,
        )
        .order_by(order, CreditEntry.at, CreditEntry.id)
    ).all()
    return [(lot, int(left)) for lot, left in rows if left > 0]


def apply_credit(session: Session, invoice: Invoice, *, now: datetime) -> int:
    """Spend credit in the invoice's currency on what the invoice still owes; return how much."""
    due = invoice.remaining_minor
    applied = 0
    for lot, left in lots_with_remaining(session, account_id=invoice.account_id, currency=invoice.currency):
        if applied == due:
            break
        take = min(left, due - applied)
        debit = CreditEntry(
            account_id=invoice.account_id,
            currency=invoice.currency,
            source=lot.source,
            amount_minor=-take,
            at=now,
            memo=f"spent on {invoice.number}",
        )
        session.add(debit)
        session.flush()
        session.add(CreditSpend(entry_id=debit.id, lot_id=lot.id, invoice_id=invoice.id))
        applied += take
    invoice.credit_applied_minor += applied
    return applied


def add_credit(
    session: Session, *, account_id: int, amount: Money, source: str, now: datetime, memo: str
) -> CreditEntry:
    entry = CreditEntry(
        account_id=account_id,
        currency=amount.currency,
        source=source,
        amount_minor=amount.minor,
        at=now,
        memo=memo,
    )
    session.add(entry)
    session.flush()
    return entry


def balances(session: Session, *, account_id: int) -> dict[str, dict[str, int]]:
    """Per currency, per source: the sum of the entries (minor units)."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CREDIT_SOURCES, 0))
    rows = session.execute(
        select(CreditEntry.currency, CreditEntry.source, func.sum(CreditEntry.amount_minor))
        .where(CreditEntry.account_id == account_id)
        .group_by(CreditEntry.currency, CreditEntry.source)
    )
    for currency, source, total in rows:
        totals[currency][source] = int(total)
    return dict(totals)


@dataclass(frozen=True)
class CreditBalance:
    currency: str
    promo: Money
    adjustment: Money
    topped_up: Money

    @property
    def total(self) -> Money:
        return self.promo + self.adjustment + self.topped_up


@dataclass(frozen=True)
class TopUp:
    code_prefix: str
    amount: Money
    activated_on: date
    source: str  # topped_up | promo


@dataclass(frozen=True)
class RedeemedCode:
    code_prefix: str
    solution_name: str
    license_kind: str
    paired: int
    allowed: int
    expires_on: date  # the day the code's licenses lapse (their renewal date)
    term_months: int

    @property
    def duration(self) -> str:
        return describe_term(self.term_months)


@dataclass(frozen=True)
class Adjustment:
    """Credit from a plan change or a reduction, with what it is for in words."""

    memo: str
    amount: Money
    on: date


@dataclass(frozen=True)
class CreditsOverview:
    account: AccountView
    today: date
    balances: tuple[CreditBalance, ...]
    top_ups: tuple[TopUp, ...]
    codes: tuple[RedeemedCode, ...]
    adjustments: tuple[Adjustment, ...] = ()

    def balance(self, currency: str) -> CreditBalance:
        for balance in self.balances:
            if balance.currency == currency:
                return balance
        zero = Money.zero(currency)
        return CreditBalance(currency, zero, zero, zero)


def _redeemed_codes(session: Session, account: Account, today: date) -> list[RedeemedCode]:
    """Subscription codes redeemed into the account. Devices in use are spread over the solution's active
    cohorts soonest-renewing first (assignments belong to a solution, not to a code)."""
    in_use = assignments_in_use(session, account_id=account.id)
    paired: dict[int, int] = {}
    for cohort in cohorts_of(session, account.id):  # ordered by renewal date
        if cohort.active_on(today):
            take = min(cohort.units, in_use.get(cohort.solution_id, 0))
            in_use[cohort.solution_id] = in_use.get(cohort.solution_id, 0) - take
            paired[cohort.id] = take
    rows = session.execute(
        select(Redemption, PrepaidCode)
        .join(PrepaidCode, PrepaidCode.id == Redemption.code_id)
        .where(Redemption.account_id == account.id, Redemption.cohort_id.is_not(None))
        .options(joinedload(PrepaidCode.solution))
        .order_by(Redemption.redeemed_at, Redemption.id)
    ).all()
    result = []
    for redemption, code in rows:
        block = session.get(Cohort, redemption.cohort_id)
        assert block is not None and code.solution is not None
        result.append(
            RedeemedCode(
                code_prefix=code.prefix,
                solution_name=code.solution.name,
                license_kind=block.license_kind,
                paired=paired.get(block.id, 0),
                allowed=block.units,
                expires_on=block.ends_on,
                term_months=block.term_months,
            )
        )
    return result


class Credits:
    def __init__(self, db: Database) -> None:
        self._db = db

    def overview(self, *, account: str, actor: Actor, now: datetime) -> CreditsOverview:
        """Balance per currency split by source, the top-up history and the redeemed codes. Credit is
        money: balances and top-ups are empty for reseller members and, on accounts that pay through a
        reseller, for the Portal; staff see them all."""
        with self._db.read() as session:
            found = find_account(session, slug=account, actor=actor)
            today = local_date(now, found.time_zone)
            if not amounts_visible(actor, account_view(found)):
                codes = tuple(_redeemed_codes(session, found, today))
                return CreditsOverview(account_view(found), today, balances=(), top_ups=(), codes=codes)
            sums = balances(session, account_id=found.id)
            top_ups = session.execute(
                select(CreditEntry, PrepaidCode.prefix)
                .join(PrepaidCode, PrepaidCode.id == CreditEntry.code_id)
                .where(CreditEntry.account_id == found.id, CreditEntry.amount_minor > 0)
                .order_by(CreditEntry.at, CreditEntry.id)
            ).all()
            return CreditsOverview(
                account=account_view(found),
                today=today,
                balances=tuple(
                    CreditBalance(
                        currency,
                        Money(by_source[CreditSource.PROMO], currency),
                        Money(by_source[CreditSource.ADJUSTMENT], currency),
                        Money(by_source[CreditSource.TOPPED_UP], currency),
                    )
                    for currency, by_source in sorted(sums.items())
                ),
                top_ups=tuple(
                    TopUp(
                        prefix,
                        Money(entry.amount_minor, entry.currency),
                        local_date(entry.at, found.time_zone),
                        entry.source,
                    )
                    for entry, prefix in top_ups
                ),
                codes=tuple(_redeemed_codes(session, found, today)),
                adjustments=tuple(
                    Adjustment(
                        entry.memo, Money(entry.amount_minor, entry.currency), local_date(entry.at, found.time_zone)
                    )
                    for entry in session.scalars(
                        select(CreditEntry)
                        .where(
                            CreditEntry.account_id == found.id,
                            CreditEntry.source == CreditSource.ADJUSTMENT,
                            CreditEntry.amount_minor > 0,
                        )
                        .order_by(CreditEntry.at, CreditEntry.id)
                    )
                ),
            )


def credit_lines(
    session: Session,
    *,
    account_id: int,
    change_id: int,
    amount: Money,
    allocations: Sequence[Allocation],
    memo: str,
    now: datetime,
) -> None:
    """Credit ``amount`` as an adjustment, each part against the charge line that paid for those licenses (a
    reduction, the unused part of a plan left at once). Nothing when there is nothing to credit."""
    if amount.minor <= 0:
        return
    entry = add_credit(
        session, account_id=account_id, amount=amount, source=CreditSource.ADJUSTMENT, now=now, memo=memo[:200]
    )
    session.add_all(
        LineCredit(
            change_id=change_id,
            invoice_line_id=a.line_id,
            credit_entry_id=entry.id,
            quantity=a.quantity,
            amount_minor=a.amount.minor,
        )
        for a in allocations
    )
