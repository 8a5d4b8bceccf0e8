"""Contact email addresses of accounts and resellers: where reminder emails go. Staff set them, and the
Portal sets an account's own (a reseller's contacts are staff's alone).

Addresses are checked for syntax (``email-validator``, no DNS lookups: the sweep must not depend on the
network to decide) and stored normalized, without duplicates, in the order given. Setting replaces the
whole list; an empty list clears it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from email_validator import EmailNotValidError, validate_email

from billing import audit
from billing.accounts import AccountView, account_view, find_account
from billing.actors import Actor
from billing.db import Database
from billing.errors import InvalidInput
from billing.resellers import ResellerView, find_reseller, reseller_view

MAX_CONTACTS = 10


class InvalidEmail(InvalidInput):
    code = "invalid_email"


def normalize_emails(addresses: Sequence[str]) -> list[str]:
    """Validated, normalized addresses without duplicates; raises ``InvalidEmail`` naming the first bad one."""
    found: list[str] = []
    for raw in addresses:
        text = raw.strip()
        if not text:
            continue
        try:
            address = validate_email(text, check_deliverability=False).normalized
        except EmailNotValidError as error:
            raise InvalidEmail(f"{text!r} is not an email address: {error}", address=text) from None
        if address not in found:
            found.append(address)
    if len(found) > MAX_CONTACTS:
        raise InvalidEmail(f"at most {MAX_CONTACTS} contact addresses", address=found[MAX_CONTACTS])
    return found


class Contacts:
    def __init__(self, db: Database) -> None:
        self._db = db

    def set_account_emails(
        self, *, slug: str, emails: Sequence[str], actor: Actor, now: datetime, request_ref: str | None = None
    ) -> AccountView:
        """Replace an account's contact addresses (an empty list clears them): staff, or the Portal."""
        actor.require_staff_or_portal("set an account's contact addresses")
        addresses = normalize_emails(emails)
        with self._db.write() as session:
            account = find_account(session, slug=slug, actor=actor, for_update=True)
            before = list(account.contact_emails)
            account.contact_emails = addresses
            audit.record(
                session,
                actor=actor,
                action="account.contacts_set",
                subject_type="account",
                subject_id=account.slug,
                account_id=account.id,
                at=now,
                details={"before": before, "after": addresses},
                request_ref=request_ref,
            )
            return account_view(account)

    def set_reseller_emails(
        self, *, slug: str, emails: Sequence[str], actor: Actor, now: datetime, request_ref: str | None = None
    ) -> ResellerView:
        """Replace a reseller's contact addresses (an empty list clears them)."""
        actor.require_staff("set contact addresses")
        addresses = normalize_emails(emails)
        with self._db.write() as session:
            reseller = find_reseller(session, slug)
            before = list(reseller.contact_emails)
            reseller.contact_emails = addresses
            audit.record(
                session,
                actor=actor,
                action="reseller.contacts_set",
                subject_type="reseller",
                subject_id=reseller.slug,
                at=now,
                details={"before": before, "after": addresses},
                request_ref=request_ref,
            )
            session.flush()
            return reseller_view(session, reseller)
