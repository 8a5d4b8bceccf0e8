"""The facts a redemption is decided on, loaded in one place for the pure rule in ``redemption_plan``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.orm import Session

from billing import redemption_rows
from billing.accounts import AccountView, ensure_open
from billing.models import CreditEntry, PrepaidCode
from billing.models.codes import CodeKind
from billing.money import Money
from billing.periods import local_date
from billing.redemption_plan import CodeFacts, RedemptionFacts


def credit_of(code: PrepaidCode) -> Money | None:
    if code.kind == CodeKind.CREDIT and code.amount_minor and code.currency:
        return Money(code.amount_minor, code.currency)
    return None


_BALANCE = select(func.coalesce(func.sum(CreditEntry.amount_minor), 0)).where(
    CreditEntry.account_id == bindparam("account_id"), CreditEntry.currency == bindparam("currency")
)


def balance_in(session: Session | Connection, account_id: int, currency: str) -> Money:
    """The account's credit in ``currency``, every source together."""
    total = session.execute(_BALANCE, {"account_id": account_id, "currency": currency}).scalar_one()
    return Money(int(total), currency)


def load_facts(
    connection: Connection,
    *,
    code: CodeFacts,
    account: AccountView,
    renews: int | None,
    now: datetime,
    other_currency: bool = False,
) -> RedemptionFacts:
    """Everything the redemption rule looks at, in one place: code, account, candidates, level conflicts."""
    ensure_open(account, "redeem codes")
    if code.credit is not None:
        return RedemptionFacts(
            code=code,
            account=account,
            renews=renews,
            credit_balance=balance_in(connection, account.id, code.credit.currency),
            other_currency=other_currency,
        )
    if code.solution_id is None or code.plan_level_id is None:
        return RedemptionFacts(code=code, account=account, renews=renews)
    today = local_date(now, account.time_zone)
    blocks = redemption_rows.blocks(connection, account_id=account.id, code=code, today=today)
    return RedemptionFacts(
        code=code,
        account=account,
        renews=renews,
        renewed=redemption_rows.block(connection, renews) if renews is not None else None,
        candidates=blocks.candidates,
        more_candidates=blocks.more_candidates,
        other_levels=blocks.other_levels,
    )
