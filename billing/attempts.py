"""Failed redemption attempts: recorded, and counted to throttle whoever seems to be guessing codes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
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
NOT_COUNTED = (LOST_RACE,)
# What looks like guessing, for the failed-redemptions alert.
GUESSING = ("unknown_code", "mistyped_code", "malformed_code")
MAX_FAILURES_PER_ACTOR = 10
MAX_FAILURES_PER_ACCOUNT = 30


class TooManyAttempts(PermissionDenied):
    code = "too_many_attempts"


def _account_id(session: Session, slug: str) -> int | None:
    return session.scalar(select(Account.id).where(Account.slug == slug.strip().lower()))


def _failures_since(session: Session, since: datetime, *conditions: ColumnElement[bool]) -> int:
    query = select(func.count()).where(RedeemAttempt.at >= since, RedeemAttempt.reason.not_in(NOT_COUNTED), *conditions)
    return int(session.scalar(query) or 0)


class Attempts:
    def __init__(self, db: Database) -> None:
        self._db = db

    def check_rate(self, *, actor: Actor, account: str, now: datetime) -> None:
        """Refuse an actor, or an account, with too many refused attempts in the last 15 minutes."""
        since = now - ATTEMPT_WINDOW
        with self._db.read() as session:
            by_actor = _failures_since(session, since, RedeemAttempt.actor == actor.ref)
            account_id = _account_id(session, account)
            by_account = 0
            if account_id is not None:
                by_account = _failures_since(session, since, RedeemAttempt.account_id == account_id)
        if by_actor >= MAX_FAILURES_PER_ACTOR or by_account >= MAX_FAILURES_PER_ACCOUNT:
            raise TooManyAttempts(
                "too many failed redemption attempts: please wait 15 minutes and check the code with whoever sent it"
            )

    def record_failure(self, *, actor: Actor, account: str, now: datetime, reason: str, prefix: str | None) -> None:
        if reason == TooManyAttempts.code:
            return
        with self._db.write() as session:
            account_id = _account_id(session, account)
            session.add(RedeemAttempt(actor=actor.ref, account_id=account_id, at=now, reason=reason, prefix=prefix))
