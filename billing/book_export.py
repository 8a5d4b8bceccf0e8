"""The book as the database holds it: every reseller, account and running block, as the rows and files
``joanbot import`` reads. Exporting, then importing into an empty database, gives every account the same
breakdown."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from billing.actors import Actor
from billing.book_check import MAX_DAYS_LAPSED, license_key
from billing.book_rows import (
    ACCOUNTS,
    COLUMNS,
    INTERVAL_MONTHS,
    LICENSES,
    LIST_SEPARATOR,
    RESELLERS,
    AccountRow,
    LicenseRow,
    ResellerRow,
)
from billing.db import Database
from billing.models import Account, Cohort, PlanLevel, PrepaidCode, Reseller, Solution
from billing.models.catalog import BillingInterval
from billing.quotes import BILLED_METHODS

CHUNK = 500
_INTERVALS = {months: interval for interval, months in INTERVAL_MONTHS.items()}


def reseller_row(reseller: Reseller) -> ResellerRow:
    return ResellerRow.model_construct(
        slug=reseller.slug,
        name=reseller.name,
        slack_team_id=reseller.slack_team_id,
        emails=tuple(reseller.contact_emails or ()),
    )


def account_row(account: Account, reseller_slug: str | None) -> AccountRow:
    return AccountRow.model_construct(
        slug=account.slug,
        name=account.name,
        reseller=reseller_slug,
        pays=account.payment_method,
        currency=account.currency,
        time_zone=account.time_zone,
        emails=tuple(account.contact_emails or ()),
    )


def running_blocks(session: Session, account_ids: Sequence[int], *, today: date) -> dict[str, tuple[LicenseRow, ...]]:
    """Each account's blocks running after ``today`` or lapsed unrenewed within a year, as book rows: a running
    subscription is one row from its anchor; blocks with the same account, solution, dates and kind are one
    row (the breakdown adds them up)."""
    found: dict[str, dict[tuple[object, ...], LicenseRow]] = {}
    since = today - timedelta(days=MAX_DAYS_LAPSED + 1)
    # A day of margin: an account's own "today" may lag UTC's.
    wanted = Cohort.ends_on > since, Cohort.renewed_at.is_(None) | (Cohort.ends_on >= today)
    for start in range(0, len(account_ids), CHUNK):
        chunk = account_ids[start : start + CHUNK]
        for row in session.execute(_blocks().where(Cohort.account_id.in_(chunk), *wanted)):
            block = _block(row)
            rows = found.setdefault(block.account, {})
            key = (*license_key(block), block.interval)
            old = rows.get(key)
            rows[key] = block if old is None else _merged(old, block)
    return {slug: tuple(rows.values()) for slug, rows in found.items()}


def _blocks() -> Select[*tuple[Any, ...]]:
    return (
        select(
            Account.slug,
            Solution.slug,
            PlanLevel.slug,
            Cohort.units,
            Cohort.starts_on,
            Cohort.anchor_on,
            Cohort.ends_on,
            Cohort.term_months,
            Cohort.auto_renew & Cohort.origin.in_(BILLED_METHODS),
            Cohort.reference,
            PrepaidCode.reference,
        )
        .join(Account, Account.id == Cohort.account_id)
        .join(Solution, Solution.id == Cohort.solution_id)
        .join(PlanLevel, PlanLevel.id == Cohort.plan_level_id)
        .outerjoin(PrepaidCode, PrepaidCode.id == Cohort.code_id)
        .order_by(Account.slug, Cohort.ends_on, Cohort.id)
    )


def _block(row: Sequence[object]) -> LicenseRow:
    account, solution, level, units, starts_on, anchor_on, ends_on, term, renewing, own_ref, code_ref = row
    interval: BillingInterval | None = _INTERVALS.get(term) if renewing else None  # type: ignore[call-overload]
    return LicenseRow.model_construct(
        account=account,
        solution=solution,
        level=level,
        units=units,
        starts=anchor_on if interval else starts_on,
        renews=ends_on,
        interval=interval,
        reference=own_ref or code_ref or None,
    )


def _merged(old: LicenseRow, new: LicenseRow) -> LicenseRow:
    references = [r for r in (old.reference or "").split(LIST_SEPARATOR) if r]
    if new.reference and new.reference not in references:
        references.append(new.reference)
    return old.model_copy(update={"units": old.units + new.units, "reference": LIST_SEPARATOR.join(references) or None})


def to_csv(name: str, rows: Iterable[object]) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS[name])
    for row in rows:
        writer.writerow([_cell(getattr(row, column)) for column in COLUMNS[name]])
    return out.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return LIST_SEPARATOR.join(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class BookExport:
    def __init__(self, db: Database) -> None:
        self._db = db

    def export(self, *, actor: Actor, now: datetime) -> dict[str, str]:
        """The three files' text: every reseller, account, and block running (or lapsed within a year)."""
        actor.require_staff("export the book")
        with self._db.read() as session:
            resellers = {r.id: r for r in session.scalars(select(Reseller).order_by(Reseller.slug))}
            accounts = list(session.scalars(select(Account).order_by(Account.slug)))
            blocks = running_blocks(session, [a.id for a in accounts], today=now.date())
            return {
                RESELLERS: to_csv(RESELLERS, [reseller_row(r) for r in resellers.values()]),
                ACCOUNTS: to_csv(
                    ACCOUNTS,
                    [account_row(a, resellers[a.reseller_id].slug if a.reseller_id else None) for a in accounts],
                ),
                LICENSES: to_csv(LICENSES, [block for a in accounts for block in blocks.get(a.slug, ())]),
            }
