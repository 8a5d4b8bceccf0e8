"""Customer accounts: who pays how, in which currency and time zone, and through which reseller."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from billing import audit
from billing.actors import Actor
from billing.db import Database
from billing.errors import Conflict, InvalidInput, NotFound
from billing.models import Account
from billing.models.parties import PAYMENT_METHODS, PaymentMethod
from billing.money import currency_code
from billing.names import SlugTaken, check_name, check_slug
from billing.periods import zone
from billing.resellers import find_reseller


class InvalidPaymentMethod(InvalidInput):
    code = "invalid_payment_method"


class AccountNotFound(NotFound):
    code = "account_not_found"


class AccountClosed(Conflict):
    code = "account_closed"


@dataclass(frozen=True)
class AccountView:
    id: int
    slug: str
    name: str
    time_zone: str
    currency: str
    payment_method: str
    reseller_id: int | None
    reseller_slug: str | None
    reseller_name: str | None
    contact_emails: tuple[str, ...] = ()  # see ``for_actor``: who is given them
    closed_at: datetime | None = None

    @property
    def shows_prices(self) -> bool:
        """Accounts that pay through a reseller never see amounts."""
        return self.payment_method != PaymentMethod.RESELLER


def account_view(account: Account) -> AccountView:
    reseller = account.reseller
    return AccountView(
        id=account.id,
        slug=account.slug,
        name=account.name,
        time_zone=account.time_zone,
        currency=account.currency,
        payment_method=account.payment_method,
        reseller_id=account.reseller_id,
        reseller_slug=reseller.slug if reseller else None,
        reseller_name=reseller.name if reseller else None,
        contact_emails=tuple(account.contact_emails or ()),
        closed_at=account.closed_at,
    )


def ensure_open(account: Account | AccountView, what: str) -> None:
    """The one guard on new business: a closed account refuses it, saying how to open it again."""
    if account.closed_at is not None:
        raise AccountClosed(
            f"{account.name} is closed, so it cannot {what}; staff may reopen it (joanbot accounts reopen "
            f"{account.slug})",
            account=account.slug,
        )


_BY_SLUG = select(Account).where(Account.slug == bindparam("slug"))  # built once: every request runs it
_BY_SLUG_FOR_UPDATE = _BY_SLUG.with_for_update()


CONTACTS_SEEN_BY = frozenset({"system", "portal", "reseller"})


def amounts_visible(actor: Actor, account: AccountView) -> bool:
    """The one rule for who sees an account's amounts (prices, credit, invoices, quotes): staff and the system
    always; the Portal on accounts that pay us directly; a reseller member never. Every door asks this."""
    return actor.is_staff or actor.role == "system" or (actor.role == "portal" and account.shows_prices)


def for_actor(view: AccountView, actor: Actor) -> AccountView:
    """The view as ``actor`` may see it. Contact addresses: staff, the system, the Portal (which sets an
    account's own), and a reseller member on its own customers' accounts (the reseller acts for them and
    gets its own copy of their reminders). Views are only made of accounts the actor may see, so no other
    account's contacts reach anyone; Slack still shows them to staff alone (``handlers/blocks.py``)."""
    if actor.is_staff or actor.role in CONTACTS_SEEN_BY:
        return view
    return replace(view, contact_emails=())


def find_account(session: Session, *, slug: str, actor: Actor, for_update: bool = False) -> Account:
    """The account an actor may see, by slug; one they may not see is reported as unknown."""
    account = session.scalar(_BY_SLUG_FOR_UPDATE if for_update else _BY_SLUG, {"slug": slug.strip().lower()})
    if account is None or not actor.may_see_account(account.reseller_id):
        raise AccountNotFound(f"no account {slug!r}", account=slug)
    return account


class Accounts:
    def __init__(self, db: Database, *, default_time_zone: str = "UTC", default_currency: str = "USD") -> None:
        self._db = db
        self.default_time_zone = zone(default_time_zone).key
        self.default_currency = currency_code(default_currency)

    def create_account(
        self,
        *,
        slug: str,
        name: str,
        actor: Actor,
        now: datetime,
        reseller: str | None = None,
        payment_method: str | None = None,
        currency: str | None = None,
        time_zone: str | None = None,
        request_ref: str | None = None,
    ) -> AccountView:
        """A new customer account. Accounts of a reseller pay through it unless told otherwise."""
        actor.require_staff("create accounts")
        slug = check_slug(slug)
        name = check_name(name)
        method = (payment_method or (PaymentMethod.RESELLER if reseller else PaymentMethod.CARD)).strip().lower()
        if method not in PAYMENT_METHODS:
            raise InvalidPaymentMethod(
                f"payment method must be one of {', '.join(PAYMENT_METHODS)}", payment_method=method
            )
        if method == PaymentMethod.RESELLER and not reseller:
            raise InvalidPaymentMethod("an account that pays through a reseller needs reseller=SLUG")
        tz = zone(time_zone).key if time_zone else self.default_time_zone
        money = currency_code(currency) if currency else self.default_currency
        with self._db.write() as session:
            owner = find_reseller(session, reseller) if reseller else None
            if session.scalar(select(Account.id).where(Account.slug == slug)) is not None:
                raise SlugTaken(f"there is already an account {slug!r}", slug=slug)
            account = Account(
                slug=slug,
                name=name,
                time_zone=tz,
                currency=money,
                payment_method=PaymentMethod(method),
                reseller_id=owner.id if owner else None,
                created_at=now,
            )
            session.add(account)
            session.flush()
            audit.record(
                session,
                actor=actor,
                action="account.created",
                subject_type="account",
                subject_id=slug,
                account_id=account.id,
                at=now,
                details={"reseller": reseller, "payment_method": method, "currency": money, "time_zone": tz},
                request_ref=request_ref,
            )
            account.reseller = owner
            return account_view(account)

    def get_account(self, *, slug: str, actor: Actor) -> AccountView:
        with self._db.read() as session:
            return for_actor(account_view(find_account(session, slug=slug, actor=actor)), actor)

    def list_accounts(
        self,
        *,
        actor: Actor,
        reseller: str | None = None,
        search: str | None = None,
        limit: int = 500,
        after: str | None = None,
    ) -> list[AccountView]:
        """Accounts the actor may see, by slug; narrowed to one reseller or a slug/name search.

        Only staff may name a reseller: a reseller member always gets their own accounts, whatever they
        name, so naming another reseller reveals nothing. ``after`` is a slug: the page after it.
        """
        query = select(Account).order_by(Account.slug).limit(limit)
        if after is not None:
            query = query.where(Account.slug > after)
        with self._db.read() as session:
            if actor.role == "reseller":
                query = query.where(Account.reseller_id == actor.reseller_id)
                reseller = None
            elif not actor.sees_every_account:
                return []
            if reseller is not None:
                query = query.where(Account.reseller_id == find_reseller(session, reseller).id)
            if search:
                pattern = f"%{search.strip().lower()}%"
                query = query.where((Account.slug.like(pattern)) | (func.lower(Account.name).like(pattern)))
            return [for_actor(account_view(account), actor) for account in session.scalars(query)]
