"""Correcting what changes about an account (its name, reseller, payment method, time zone, currency,
contacts) and closing it. Each change is audited with before and after; each refusal says why and what to do.

The rules: the currency changes only while nothing has been billed or credited in it; moving to another
reseller (or to direct) takes effect at once (``find_account`` decides visibility from ``reseller_id``); a
switch to ``reseller`` waits until no subscription renews; a time zone moves "today" and the reminder days
with it (both are worked out from it each time). A closed account keeps its history and refuses new business.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from billing import audit
from billing.accounts import AccountView, InvalidPaymentMethod, account_view, find_account
from billing.actors import Actor, NotAllowed
from billing.contacts import normalize_emails
from billing.db import Database
from billing.errors import Conflict, InvalidInput
from billing.models import Account, Alert, Cohort, CreditEntry, Invoice, PrepaidCode, Redemption
from billing.models.codes import CodeKind
from billing.models.parties import PAYMENT_METHODS, PaymentMethod
from billing.money import currency_code
from billing.names import check_name
from billing.periods import zone
from billing.resellers import find_reseller

PORTAL_FIELDS = frozenset({"name", "time_zone"})  # what the Portal may correct about its own accounts


class CurrencyInUse(Conflict):
    code = "currency_in_use"


class SubscriptionRunning(Conflict):
    code = "subscription_running"


class AlreadyClosed(Conflict):
    code = "account_already_closed"


class NotClosed(Conflict):
    code = "account_not_closed"


class NothingToChange(InvalidInput):
    code = "nothing_to_change"


@dataclass(frozen=True)
class AccountEdit:
    """The fields to change; None leaves one as it is. ``reseller=""`` makes the account direct."""

    name: str | None = None
    reseller: str | None = None
    payment_method: str | None = None
    time_zone: str | None = None
    currency: str | None = None
    emails: tuple[str, ...] | None = None

    def given(self) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name) is not None]


def _renewing(session: Session, account: Account) -> bool:
    return bool(session.scalar(select(exists().where(Cohort.account_id == account.id, Cohort.auto_renew.is_(True)))))


def _billed_in_currency(session: Session, account: Account) -> str | None:
    """What keeps the currency fixed, if anything: an invoice, a credit entry, a redeemed credit code."""
    checks = {
        "an invoice": exists().where(Invoice.account_id == account.id),
        "a credit entry": exists().where(CreditEntry.account_id == account.id),
        "a redeemed credit code": exists()
        .where(Redemption.account_id == account.id, Redemption.code_id == PrepaidCode.id)
        .where(PrepaidCode.kind == CodeKind.CREDIT),
    }
    return next((what for what, clause in checks.items() if session.scalar(select(clause))), None)


def _state(view: AccountView) -> dict[str, Any]:
    return {
        "name": view.name,
        "reseller": view.reseller_slug,
        "payment_method": view.payment_method,
        "time_zone": view.time_zone,
        "currency": view.currency,
        "emails": list(view.contact_emails),
    }


def _resolve_alerts(session: Session, account: Account, now: datetime) -> None:
    """Resolve the account's open alerts (edited in place where they were posted)."""
    session.execute(
        update(Alert)
        .where(Alert.account_id == account.id, Alert.resolved_at.is_(None))
        .values(resolved_at=now, version=Alert.version + 1)
    )


class AccountChanges:
    def __init__(self, db: Database) -> None:
        self._db = db

    def set(
        self, *, slug: str, edit: AccountEdit, actor: Actor, now: datetime, request_ref: str | None = None
    ) -> AccountView:
        """Change the given fields at once, after every rule holds; staff, or the Portal for name and time zone."""
        asked = edit.given()
        if not asked:
            raise NothingToChange("say what to change: name, reseller, pays, tz, currency or email")
        if actor.role == "portal" and not set(asked) <= PORTAL_FIELDS:
            others = ", ".join(sorted(set(asked) - PORTAL_FIELDS))
            raise NotAllowed(f"the Portal may change an account's name and time zone only, not {others}: ask staff")
        if actor.role != "portal":
            actor.require_staff("change accounts")
        with self._db.write() as session:
            account = find_account(session, slug=slug, actor=actor, for_update=True)
            before = _state(account_view(account))
            moved = _apply(session, account, edit)
            if moved:
                _resolve_alerts(session, account, now)  # the next sweep opens them in the new channel
            after = _state(account_view(account))
            changed = [name for name in before if before[name] != after[name]]
            audit.record(
                session,
                actor=actor,
                action="account.updated",
                subject_type="account",
                subject_id=account.slug,
                account_id=account.id,
                at=now,
                details={"before": {k: before[k] for k in changed}, "after": {k: after[k] for k in changed}},
                request_ref=request_ref,
            )
            return account_view(account)

    def close(self, *, slug: str, actor: Actor, now: datetime, request_ref: str | None = None) -> AccountView:
        """Close the account: no reminders, emails or alerts, no new business; nothing is deleted."""
        actor.require_staff("close accounts")
        with self._db.write() as session:
            account = find_account(session, slug=slug, actor=actor, for_update=True)
            if account.closed_at is not None:
                raise AlreadyClosed(f"{account.name} is already closed (joanbot accounts reopen opens it again)")
            if _renewing(session, account):
                raise SubscriptionRunning(
                    f"{account.name} has a renewing subscription: cancel it first (licenses cancel), then close"
                )
            account.closed_at = now
            _resolve_alerts(session, account, now)
            self._audit(session, account, "account.closed", actor, now, request_ref)
            return account_view(account)

    def reopen(self, *, slug: str, actor: Actor, now: datetime, request_ref: str | None = None) -> AccountView:
        actor.require_staff("reopen accounts")
        with self._db.write() as session:
            account = find_account(session, slug=slug, actor=actor, for_update=True)
            if account.closed_at is None:
                raise NotClosed(f"{account.name} is not closed")
            account.closed_at = None
            self._audit(session, account, "account.reopened", actor, now, request_ref)
            return account_view(account)

    @staticmethod
    def _audit(session: Session, account: Account, action: str, actor: Actor, now: datetime, ref: str | None) -> None:
        audit.record(
            session,
            actor=actor,
            action=action,
            subject_type="account",
            subject_id=account.slug,
            account_id=account.id,
            at=now,
            request_ref=ref,
        )


def _apply(session: Session, account: Account, edit: AccountEdit) -> bool:
    """Carry the edit out on the locked account, refusing (before anything changes) what breaks a rule.
    True when the account moved to another reseller."""
    old_reseller = account.reseller
    reseller = old_reseller
    if edit.reseller is not None:
        reseller = find_reseller(session, edit.reseller) if edit.reseller.strip() else None
    method = account.payment_method
    if edit.payment_method is not None:
        method = _method(session, account, edit.payment_method)
    if method == PaymentMethod.RESELLER and reseller is None:
        raise InvalidPaymentMethod(
            f"{account.name} pays through a reseller, so it needs one: give reseller=SLUG, or pays=card first"
        )
    if edit.currency is not None:
        wanted = currency_code(edit.currency)
        reason = _billed_in_currency(session, account) if wanted != account.currency else None
        if reason is not None:
            raise CurrencyInUse(
                f"{account.name} already has {reason} in {account.currency}, so its currency stays; "
                "use a new account for another currency"
            )
        account.currency = wanted
    if edit.name is not None:
        account.name = check_name(edit.name)
    if edit.time_zone is not None:
        account.time_zone = zone(edit.time_zone.strip()).key
    if edit.emails is not None:
        account.contact_emails = normalize_emails(edit.emails)
    account.reseller, account.payment_method = reseller, method
    return reseller is not old_reseller


def _method(session: Session, account: Account, text: str) -> PaymentMethod:
    method = text.strip().lower()
    if method not in PAYMENT_METHODS:
        raise InvalidPaymentMethod(f"payment method must be one of {', '.join(PAYMENT_METHODS)}", payment_method=text)
    if method == PaymentMethod.RESELLER and account.payment_method != method and _renewing(session, account):
        raise SubscriptionRunning(
            f"{account.name} has a renewing subscription: cancel it first (licenses cancel), "
            "then switch to paying through a reseller"
        )
    return PaymentMethod(method)
