"""Customer accounts, resellers (with their Slack org, members and channels) and staff roles."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing import audit
from billing.actors import Actor
from billing.db import Database
from billing.errors import Conflict, InvalidInput, NotFound
from billing.models import Account, Reseller, ResellerChannel, ResellerMember, Staff
from billing.models.parties import PAYMENT_METHODS, STAFF_ROLES
from billing.money import currency_code
from billing.periods import zone

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
MAX_NAME = 200


class InvalidSlug(InvalidInput):
    code = "invalid_slug"


class InvalidName(InvalidInput):
    code = "invalid_name"


class InvalidPaymentMethod(InvalidInput):
    code = "invalid_payment_method"


class InvalidRole(InvalidInput):
    code = "invalid_role"


class AccountNotFound(NotFound):
    code = "account_not_found"


class ResellerNotFound(NotFound):
    code = "reseller_not_found"


class SlugTaken(Conflict):
    code = "slug_taken"


class TeamTaken(Conflict):
    code = "team_taken"


class StaffNotFound(NotFound):
    code = "staff_not_found"


@dataclass(frozen=True)
class ResellerView:
    id: int
    slug: str
    name: str
    slack_team_id: str | None
    channels: tuple[str, ...]


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

    @property
    def shows_prices(self) -> bool:
        """Accounts that pay through a reseller never see amounts."""
        return self.payment_method != "reseller"


def check_slug(text: str, what: str = "slug") -> str:
    slug = text.strip().lower()
    if not SLUG.match(slug):
        raise InvalidSlug(f"{what} {text!r} must be 2-40 lower-case letters, digits or hyphens, like 'acme'", slug=text)
    return slug


def _check_name(text: str) -> str:
    name = " ".join(text.split())
    if not name or len(name) > MAX_NAME:
        raise InvalidName(f"a name must be 1 to {MAX_NAME} characters")
    return name


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
    )


def find_account(session: Session, *, slug: str, actor: Actor, for_update: bool = False) -> Account:
    """The account an actor may see, by slug; one they may not see is reported as unknown."""
    query = select(Account).where(Account.slug == slug.strip().lower())
    if for_update:
        query = query.with_for_update()
    account = session.scalar(query)
    if account is None or not actor.may_see_account(account.reseller_id):
        raise AccountNotFound(f"no account {slug!r}", account=slug)
    return account


def find_reseller(session: Session, slug: str) -> Reseller:
    reseller = session.scalar(select(Reseller).where(Reseller.slug == slug.strip().lower()))
    if reseller is None:
        raise ResellerNotFound(f"no reseller {slug!r}", reseller=slug)
    return reseller


def _reseller_view(session: Session, reseller: Reseller) -> ResellerView:
    channels = session.scalars(select(ResellerChannel.channel_id).where(ResellerChannel.reseller_id == reseller.id))
    return ResellerView(reseller.id, reseller.slug, reseller.name, reseller.slack_team_id, tuple(channels))


class Accounts:
    def __init__(self, db: Database, *, default_time_zone: str = "UTC", default_currency: str = "USD") -> None:
        self._db = db
        self.default_time_zone = zone(default_time_zone).key
        self.default_currency = currency_code(default_currency)

    # Accounts -------------------------------------------------------------------------------------------

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
        name = _check_name(name)
        method = (payment_method or ("reseller" if reseller else "card")).strip().lower()
        if method not in PAYMENT_METHODS:
            raise InvalidPaymentMethod(
                f"payment method must be one of {', '.join(PAYMENT_METHODS)}", payment_method=method
            )
        if method == "reseller" and not reseller:
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
                payment_method=method,
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

    def update_account(
        self,
        *,
        slug: str,
        actor: Actor,
        now: datetime,
        payment_method: str | None = None,
        reseller: str | None = None,
        time_zone: str | None = None,
        request_ref: str | None = None,
    ) -> AccountView:
        """Change an account's payment method, reseller or time zone (``reseller=""`` makes it direct)."""
        actor.require_staff("change accounts")
        with self._db.write() as session:
            account = find_account(session, slug=slug, actor=actor, for_update=True)
            before = account_view(account)
            if reseller is not None:
                account.reseller = find_reseller(session, reseller) if reseller else None
                session.flush()
            if payment_method is not None:
                method = payment_method.strip().lower()
                if method not in PAYMENT_METHODS:
                    raise InvalidPaymentMethod(f"payment method must be one of {', '.join(PAYMENT_METHODS)}")
                account.payment_method = method
            if time_zone is not None:
                account.time_zone = zone(time_zone).key
            if account.payment_method == "reseller" and account.reseller_id is None:
                raise InvalidPaymentMethod("an account that pays through a reseller needs a reseller")
            after = account_view(account)
            audit.record(
                session,
                actor=actor,
                action="account.updated",
                subject_type="account",
                subject_id=account.slug,
                account_id=account.id,
                at=now,
                details={
                    "before": {k: getattr(before, k) for k in ("payment_method", "reseller_slug", "time_zone")},
                    "after": {k: getattr(after, k) for k in ("payment_method", "reseller_slug", "time_zone")},
                },
                request_ref=request_ref,
            )
            return after

    def get_account(self, *, slug: str, actor: Actor) -> AccountView:
        with self._db.read() as session:
            return account_view(find_account(session, slug=slug, actor=actor))

    def list_accounts(
        self, *, actor: Actor, reseller: str | None = None, search: str | None = None, limit: int = 500
    ) -> list[AccountView]:
        """Accounts the actor may see, by slug; narrowed to one reseller or a slug/name search.

        Only staff may name a reseller: a reseller member always gets their own accounts, whatever they
        name, so naming another reseller reveals nothing.
        """
        query = select(Account).order_by(Account.slug).limit(limit)
        with self._db.read() as session:
            if actor.role == "reseller":
                query = query.where(Account.reseller_id == actor.reseller_id)
                reseller = None
            elif not actor.is_staff and actor.role != "system":
                return []
            if reseller is not None:
                query = query.where(Account.reseller_id == find_reseller(session, reseller).id)
            if search:
                pattern = f"%{search.strip().lower()}%"
                query = query.where((Account.slug.like(pattern)) | (func.lower(Account.name).like(pattern)))
            return [account_view(account) for account in session.scalars(query)]

    # Resellers ------------------------------------------------------------------------------------------

    def create_reseller(
        self,
        *,
        slug: str,
        name: str,
        actor: Actor,
        now: datetime,
        slack_team_id: str | None = None,
        request_ref: str | None = None,
    ) -> ResellerView:
        actor.require_admin("create resellers")
        slug = check_slug(slug)
        name = _check_name(name)
        team = slack_team_id.strip().upper() if slack_team_id else None
        with self._db.write() as session:
            if session.scalar(select(Reseller.id).where(Reseller.slug == slug)) is not None:
                raise SlugTaken(f"there is already a reseller {slug!r}", slug=slug)
            if team and session.scalar(select(Reseller.slug).where(Reseller.slack_team_id == team)):
                raise TeamTaken(f"Slack team {team} already belongs to another reseller", team=team)
            reseller = Reseller(slug=slug, name=name, slack_team_id=team, created_at=now)
            session.add(reseller)
            session.flush()
            audit.record(
                session,
                actor=actor,
                action="reseller.created",
                subject_type="reseller",
                subject_id=slug,
                at=now,
                details={"slack_team_id": team},
                request_ref=request_ref,
            )
            return _reseller_view(session, reseller)

    def get_reseller(self, *, slug: str) -> ResellerView:
        with self._db.read() as session:
            return _reseller_view(session, find_reseller(session, slug))

    def list_resellers(self) -> list[ResellerView]:
        with self._db.read() as session:
            return [_reseller_view(session, r) for r in session.scalars(select(Reseller).order_by(Reseller.slug))]

    def reseller_for_team(self, team_id: str) -> ResellerView | None:
        with self._db.read() as session:
            reseller = session.scalar(select(Reseller).where(Reseller.slack_team_id == team_id))
            return _reseller_view(session, reseller) if reseller else None

    def reseller_for_member(self, slack_user_id: str) -> ResellerView | None:
        with self._db.read() as session:
            reseller = session.scalar(
                select(Reseller)
                .join(ResellerMember, ResellerMember.reseller_id == Reseller.id)
                .where(ResellerMember.slack_user_id == slack_user_id)
            )
            return _reseller_view(session, reseller) if reseller else None

    def reseller_for_channel(self, channel_id: str) -> ResellerView | None:
        with self._db.read() as session:
            reseller = session.scalar(
                select(Reseller)
                .join(ResellerChannel, ResellerChannel.reseller_id == Reseller.id)
                .where(ResellerChannel.channel_id == channel_id)
            )
            return _reseller_view(session, reseller) if reseller else None

    def add_reseller_member(
        self,
        *,
        reseller: str,
        slack_user_id: str,
        actor: Actor,
        now: datetime,
        request_ref: str | None = None,
    ) -> ResellerView:
        actor.require_admin("add reseller members")
        with self._db.write() as session:
            owner = find_reseller(session, reseller)
            member = session.get(ResellerMember, slack_user_id)
            if member is None:
                session.add(
                    ResellerMember(slack_user_id=slack_user_id, reseller_id=owner.id, added_by=actor.ref, added_at=now)
                )
            else:
                member.reseller_id = owner.id
            audit.record(
                session,
                actor=actor,
                action="reseller.member_added",
                subject_type="reseller",
                subject_id=owner.slug,
                at=now,
                details={"user": slack_user_id},
                request_ref=request_ref,
            )
            return _reseller_view(session, owner)

    def link_channel(
        self, *, reseller: str, channel_id: str, actor: Actor, now: datetime, request_ref: str | None = None
    ) -> ResellerView:
        """Link a Slack channel to a reseller (a channel serves one reseller; relinking moves it)."""
        actor.require_admin("link channels to resellers")
        with self._db.write() as session:
            owner = find_reseller(session, reseller)
            link = session.get(ResellerChannel, channel_id)
            if link is None:
                session.add(
                    ResellerChannel(channel_id=channel_id, reseller_id=owner.id, linked_by=actor.ref, linked_at=now)
                )
            else:
                link.reseller_id, link.linked_by, link.linked_at, link.panel_ts = (
                    owner.id,
                    actor.ref,
                    now,
                    None,
                )
            audit.record(
                session,
                actor=actor,
                action="reseller.channel_linked",
                subject_type="reseller",
                subject_id=owner.slug,
                at=now,
                details={"channel": channel_id},
                request_ref=request_ref,
            )
            session.flush()
            return _reseller_view(session, owner)

    # Staff ----------------------------------------------------------------------------------------------

    def add_staff(
        self, *, slack_user_id: str, role: str, actor: Actor, now: datetime, request_ref: str | None = None
    ) -> None:
        actor.require_admin("change staff roles")
        role = role.strip().lower()
        if role not in STAFF_ROLES:
            raise InvalidRole(f"role must be one of {', '.join(STAFF_ROLES)}", role=role)
        user = slack_user_id.strip()
        if not re.fullmatch(r"[UW][A-Z0-9]{2,30}", user):
            raise InvalidInput(f"{slack_user_id!r} is not a Slack user id like U012ABCDEF")
        with self._db.write() as session:
            staff = session.get(Staff, user)
            before = staff.role if staff else None
            if staff is None:
                session.add(Staff(slack_user_id=user, role=role, added_by=actor.ref, added_at=now))
            else:
                staff.role = role
            audit.record(
                session,
                actor=actor,
                action="staff.added",
                subject_type="staff",
                subject_id=user,
                at=now,
                details={"role": role, "before": before},
                request_ref=request_ref,
            )

    def remove_staff(self, *, slack_user_id: str, actor: Actor, now: datetime, request_ref: str | None = None) -> None:
        actor.require_admin("change staff roles")
        with self._db.write() as session:
            staff = session.get(Staff, slack_user_id)
            if staff is None:
                raise StaffNotFound(f"{slack_user_id} has no staff role", user=slack_user_id)
            session.delete(staff)
            audit.record(
                session,
                actor=actor,
                action="staff.removed",
                subject_type="staff",
                subject_id=slack_user_id,
                at=now,
                details={"role": staff.role},
                request_ref=request_ref,
            )

    def staff_role(self, slack_user_id: str) -> str | None:
        with self._db.read() as session:
            return session.scalar(select(Staff.role).where(Staff.slack_user_id == slack_user_id))

    def list_staff(self) -> list[tuple[str, str]]:
        with self._db.read() as session:
            return [(s.slack_user_id, s.role) for s in session.scalars(select(Staff).order_by(Staff.slack_user_id))]
