"""Failed redemption attempts: recorded, and counted to throttle whoever seems to be guessing codes."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, ScalarSelect, Select, bindparam, case, func, or_, select
from sqlalchemy.orm import Session

from billing.actors import Actor
from billing.db import Database
from billing.errors import PermissionDenied
from billing.models import Account, RedeemAttempt

ATTEMPT_WINDOW = timedelta(minutes=15)
# Every refused attempt counts towards the limits, whatever the reason: were a voided, redeemed, expired or
# someone else's code not to count, when the lockout arrives would tell a guesser that a code exists. Only a
# lost race (another request redeemed the code a moment earlier) is recorded without counting.
LOST_RACE = "lost_race"
# What looks like guessing, for the failed-redemptions alert.
GUESSING = ("unknown_code", "mistyped_code", "malformed_code")
MAX_FAILURES_PER_ACTOR = 10
MAX_FAILURES_PER_ACCOUNT = 30


class TooManyAttempts(PermissionDenied):
    """``retry_after``: whole seconds until the next attempt can be made."""

    code = "too_many_attempts"


def _account_id(session: Session, slug: str) -> int | None:
    return session.scalar(select(Account.id).where(Account.slug == slug.strip().lower()))


_ACCOUNT = RedeemAttempt.account_id == bindparam("account_id")
# A person is one Slack user, or one API key's On-Behalf-Of user, anywhere. A key (one identity serving every
# customer) without On-Behalf-Of counts per account: its mistakes in one account never lock out another.
_PERSON = RedeemAttempt.actor == bindparam("actor")
_KEY_IN_ACCOUNT = _PERSON & RedeemAttempt.account_id.is_not_distinct_from(bindparam("account_id"))
_COUNTED = (RedeemAttempt.at >= bindparam("since"), RedeemAttempt.reason != LOST_RACE)  # no IN list to expand


def _failures(person: ColumnElement[bool]) -> Select[Any]:
    return select(  # built once per kind of person: every redemption runs it
        func.coalesce(func.sum(case((person, 1), else_=0)), 0),
        func.coalesce(func.sum(case((_ACCOUNT, 1), else_=0)), 0),
    ).where(*_COUNTED, or_(person, _ACCOUNT))


_PEOPLE = {False: _PERSON, True: _KEY_IN_ACCOUNT}
_FAILURES = {per_account: _failures(person) for per_account, person in _PEOPLE.items()}


def counts_per_account(actor: Actor) -> bool:
    """Whether ``actor`` is a key without On-Behalf-Of, whose failures count per account."""
    return actor.shared and actor.on_behalf_of is None


def failure_counts(account_id: ColumnElement[Any]) -> dict[bool, tuple[ScalarSelect[Any], ScalarSelect[Any]]]:
    """The person's and the account's counted failures in the window, as scalar subqueries on ``account_id``
    (a column of the caller's statement), by ``counts_per_account``: for a statement that reads the
    account and its counts together (the redemption's). Parameters: ``actor`` and ``since``."""
    of_account = RedeemAttempt.account_id == account_id
    people = {False: _PERSON, True: _PERSON & RedeemAttempt.account_id.is_not_distinct_from(account_id)}

    def count(scope: ColumnElement[bool]) -> ScalarSelect[Any]:
        return select(func.count()).where(*_COUNTED, scope).scalar_subquery()

    return {per_account: (count(person), count(of_account)) for per_account, person in people.items()}


def check_rate(session: Session | Connection, *, actor: Actor, account_id: int | None, now: datetime) -> None:
    """The same check inside a caller's transaction, in one statement. Refused with the seconds until an
    attempt would be allowed again."""
    params = {"actor": actor.person, "account_id": account_id, "since": now - ATTEMPT_WINDOW}
    failures = session.execute(_FAILURES[counts_per_account(actor)], params).one()
    refuse_over_limit(session, actor=actor, account_id=account_id, now=now, failures=(failures[0], failures[1]))


def refuse_over_limit(
    session: Session | Connection, *, actor: Actor, account_id: int | None, now: datetime, failures: tuple[int, int]
) -> None:
    """Refuse when the person's or the account's counted ``failures`` reached their limits."""
    by_actor, by_account = failures
    per_account = counts_per_account(actor)
    params = {"actor": actor.person, "account_id": account_id, "since": now - ATTEMPT_WINDOW}
    over = []
    if by_actor >= MAX_FAILURES_PER_ACTOR:
        over.append(_free_at(session, _PEOPLE[per_account], MAX_FAILURES_PER_ACTOR, params))
    if account_id is not None and by_account >= MAX_FAILURES_PER_ACCOUNT:
        over.append(_free_at(session, _ACCOUNT, MAX_FAILURES_PER_ACCOUNT, params))
    if over:
        seconds = max(1, math.ceil((max(over) - now).total_seconds()))
        raise TooManyAttempts(
            f"too many failed redemption attempts: try again in {seconds} seconds "
            f"(about {math.ceil(seconds / 60)} min), and check the code with whoever sent it",
            retry_after=seconds,
        )


def _free_at(
    session: Session | Connection, scope: ColumnElement[bool], limit: int, params: Mapping[str, Any]
) -> datetime:
    """When the scope's failures in the window fall below ``limit``: the ``limit``-th newest leaves it."""
    leaving = session.scalar(
        select(RedeemAttempt.at).where(*_COUNTED, scope).order_by(RedeemAttempt.at.desc()).offset(limit - 1).limit(1),
        params,
    )
    assert leaving is not None  # the count said there are at least ``limit``
    return leaving + ATTEMPT_WINDOW


class Attempts:
    def __init__(self, db: Database) -> None:
        self._db = db

    def check_rate(self, *, actor: Actor, account: str, now: datetime) -> None:
        """Refuse an actor, or an account, with too many refused attempts in the last 15 minutes."""
        with self._db.read() as session:
            check_rate(session, actor=actor, account_id=_account_id(session, account), now=now)

    def record_failure(self, *, actor: Actor, account: str, now: datetime, reason: str, prefix: str | None) -> None:
        """Recorded after the enclosing transaction, if any, ends: a refused attempt counts even when the
        request it was part of rolls back."""
        if reason == TooManyAttempts.code:
            return

        def record() -> None:
            with self._db.write() as session:
                account_id = _account_id(session, account)
                session.add(
                    RedeemAttempt(actor=actor.person, account_id=account_id, at=now, reason=reason, prefix=prefix)
                )

        self._db.after_transaction(record)
