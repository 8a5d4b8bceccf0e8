"""Small builders for billing tests: accounts, resellers, codes and redemptions in one line each."""

from __future__ import annotations

from datetime import datetime

from billing import Billing
from billing.accounts import AccountView
from billing.money import Money
from billing.redemption import Receipt
from billing.subscriptions import ChangeReceipt
from tests.conftest import STAFF


def account(
    billing: Billing,
    slug: str = "acme",
    *,
    now: datetime,
    reseller: str | None = None,
    pays: str | None = None,
    tz: str | None = None,
    currency: str | None = None,
) -> AccountView:
    return billing.accounts.create_account(
        slug=slug,
        name=slug.title(),
        reseller=reseller,
        payment_method=pays,
        time_zone=tz,
        currency=currency,
        actor=STAFF,
        now=now,
    )


def reseller(billing: Billing, slug: str = "northwind", *, now: datetime, team: str | None = None) -> None:
    billing.resellers.create_reseller(slug=slug, name=slug.title(), slack_team_id=team, actor=STAFF, now=now)


def code(
    billing: Billing,
    *,
    now: datetime,
    solution: str = "room",
    level: str = "professional",
    units: int = 10,
    months: int = 12,
    **options: object,
) -> str:
    batch = billing.issuing.issue_subscription_codes(
        solution=solution,
        level=level,
        units=units,
        term_months=months,
        actor=STAFF,
        now=now,
        **options,  # type: ignore[arg-type]
    )
    return batch.codes[0].code


def redeem(
    billing: Billing, code_text: str, account_slug: str = "acme", *, now: datetime, renews: int | None = None
) -> Receipt:
    return billing.redemptions.redeem(code=code_text, account=account_slug, actor=STAFF, now=now, renews=renews)


def licenses(
    billing: Billing,
    solution: str = "room",
    units: int = 10,
    account_slug: str = "acme",
    *,
    now: datetime,
    level: str = "professional",
    months: int = 12,
) -> Receipt:
    """Redeem a fresh code: ``units`` licenses starting ``now``."""
    return redeem(
        billing,
        code(billing, now=now, solution=solution, level=level, units=units, months=months),
        account_slug,
        now=now,
    )


def credit(
    billing: Billing,
    amount: str,
    account_slug: str = "acme",
    *,
    now: datetime,
    currency: str = "USD",
    promo: bool = False,
    other_currency: bool = False,
) -> Receipt:
    """Issue and redeem a credit code worth ``amount``: a top-up (or promo grant) of the account's credit."""
    batch = billing.issuing.issue_credit_codes(
        amount=Money.parse(amount, currency), source="promo" if promo else "topped_up", actor=STAFF, now=now
    )
    return billing.redemptions.redeem(
        code=batch.codes[0].code, account=account_slug, actor=STAFF, now=now, other_currency=other_currency
    )


def subscribe(
    billing: Billing,
    units: int,
    account_slug: str = "acme",
    *,
    now: datetime,
    solution: str = "room",
    level: str = "professional",
    interval: str = "year",
) -> ChangeReceipt:
    """Start a renewing subscription of ``units`` licenses today (quote, then commit the quote's id)."""
    quote = billing.subscriptions.quote(
        action="start",
        account=account_slug,
        solution=solution,
        level=level,
        units=units,
        interval=interval,
        actor=STAFF,
        now=now,
    )
    return billing.subscriptions.commit(quote_id=quote.id, actor=STAFF, now=now)


def add(
    billing: Billing, units: int, account_slug: str = "acme", *, now: datetime, solution: str = "room"
) -> ChangeReceipt:
    quote = billing.subscriptions.quote(
        action="add", account=account_slug, solution=solution, units=units, actor=STAFF, now=now
    )
    return billing.subscriptions.commit(quote_id=quote.id, actor=STAFF, now=now)


def reduce(
    billing: Billing, units: int, account_slug: str = "acme", *, now: datetime, solution: str = "room"
) -> ChangeReceipt:
    quote = billing.subscriptions.quote(
        action="reduce", account=account_slug, solution=solution, units=units, actor=STAFF, now=now
    )
    return billing.subscriptions.commit(quote_id=quote.id, actor=STAFF, now=now)
