"""One "today" per account: the calendar date in the account's billing time zone at an instant.

Every rule about days (a block lapsed, a reminder due, an invoice overdue, licenses over capacity) reads
the account's own date, never UTC's: an Auckland account is on 1 Jan while UTC is still on 31 Dec.
``account_today`` is that date as a SQL expression over ``accounts.time_zone``, for set-based queries.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Date, case, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from billing.models import Account
from billing.periods import local_date


def account_today(session: Session, now: datetime, *, plus: timedelta = timedelta(0)) -> ColumnElement[date]:
    """Each account's own date at ``now`` (``plus`` days), by its time zone; the query must join
    ``accounts``. The zones in use are few: one ``CASE`` over them, each worked out once, in Python (no
    dialect's date arithmetic)."""
    zones = session.scalars(select(Account.time_zone).distinct()).all()
    fallback = literal(now.date() + plus, Date)
    if not zones:
        return fallback
    return case(
        {zone: literal(local_date(now, zone) + plus, Date) for zone in zones}, value=Account.time_zone, else_=fallback
    )
