"""The facts a redemption is decided on, loaded in one place for the pure rule in ``redemption_plan``."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from billing.accounts import account_view, ensure_open
from billing.codes import code_view
from billing.ledger import balances
from billing.licensing import (
    RENEWAL_CHOICES,
    cohort_view,
    count_renewal_candidates,
    other_level_cohorts,
    renewal_candidates,
)
from billing.models import Account, Cohort, PrepaidCode
from billing.models.codes import CodeKind, CodeStatus
from billing.money import Money
from billing.periods import local_date
from billing.redemption_plan import BlockFacts, CodeFacts, RedemptionFacts


def credit_of(code: PrepaidCode) -> Money | None:
    if code.kind == CodeKind.CREDIT and code.amount_minor and code.currency:
        return Money(code.amount_minor, code.currency)
    return None


def _block(cohort: Cohort) -> BlockFacts:
    return BlockFacts(
        view=cohort_view(cohort),
        account_id=cohort.account_id,
        solution_id=cohort.solution_id,
        plan_level_id=cohort.plan_level_id,
        auto_renew=cohort.auto_renew,
    )


def balance_in(session: Session, account: Account, currency: str) -> Money:
    return Money(sum(balances(session, account_id=account.id).get(currency, {}).values()), currency)


def load_facts(
    session: Session,
    *,
    code: PrepaidCode,
    account: Account,
    renews: int | None,
    now: datetime,
    other_currency: bool = False,
) -> RedemptionFacts:
    """Everything the redemption rule looks at, in one place: code, account, candidates, level conflicts."""
    ensure_open(account, "redeem codes")
    today = local_date(now, account.time_zone)
    facts = CodeFacts(
        view=code_view(code, today=today),
        status=CodeStatus(code.status),
        kind=CodeKind(code.kind),
        account_id=code.account_id,
        reseller_id=code.reseller_id,
        redeem_by=code.redeem_by,
        solution_id=code.solution_id,
        plan_level_id=code.plan_level_id,
        level_name=code.level.name if code.level else None,
        term_months=code.term_months,
        credit=credit_of(code),
    )
    if facts.credit is not None:
        return RedemptionFacts(
            code=facts,
            account=account_view(account),
            renews=renews,
            credit_balance=balance_in(session, account, facts.credit.currency),
            other_currency=other_currency,
        )
    if code.solution_id is None or code.plan_level_id is None:
        return RedemptionFacts(code=facts, account=account_view(account), renews=renews)
    candidates, more = _candidates(session, account, code.solution_id, code.plan_level_id, today)
    renewed = session.get(Cohort, renews) if renews is not None else None
    others = other_level_cohorts(
        session,
        account_id=account.id,
        solution_id=code.solution_id,
        plan_level_id=code.plan_level_id,
        ending_after=today,
    )
    return RedemptionFacts(
        code=facts,
        account=account_view(account),
        renews=renews,
        renewed=_block(renewed) if renewed is not None else None,
        candidates=tuple(_block(c) for c in candidates),
        more_candidates=more,
        other_levels=tuple(_block(c) for c in others),
    )


def _candidates(
    session: Session, account: Account, solution_id: int, level_id: int, today: date
) -> tuple[list[Cohort], int]:
    """The soonest renewal choices, and how many more there are (one more than shown is loaded to know
    whether to count the rest: bounded, however long the account's history)."""
    candidates = renewal_candidates(
        session,
        account=account,
        solution_id=solution_id,
        plan_level_id=level_id,
        today=today,
        limit=RENEWAL_CHOICES + 1,
    )
    if len(candidates) <= RENEWAL_CHOICES:
        return list(candidates), 0
    total = count_renewal_candidates(
        session, account=account, solution_id=solution_id, plan_level_id=level_id, today=today
    )
    return list(candidates[:RENEWAL_CHOICES]), total - RENEWAL_CHOICES
