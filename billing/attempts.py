"""Failed redemption attempts: recorded, and counted to throttle whoever seems to be guessing codes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, case, func, or_, select
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


_ACTOR, _ACCOUNT = RedeemAttempt.actor == bindparam("actor"), RedeemAttempt.account_id == bindparam("account_id")
_FAILURES = select(  # built once: every redemption runs it
    func.coalesce(func.sum(case((_ACTOR, 1), else_=0)), 0),
    func.coalesce(func.sum(case((_ACCOUNT, 1), else_=0)), 0),
).where(RedeemAttempt.at >= bindparam("since"), RedeemAttempt.reason.not_in(NOT_COUNTED), or_(_ACTOR, _ACCOUNT))


def check_rate(session: Session, *, actor: Actor, account_id: int | None, now: datetime) -> None:
    """The same check inside a caller's transaction, in one statement (the redemption's own)."""
    counts = session.execute(
        _FAILURES, {"actor": actor.person, "account_id": account_id, "since": now - ATTEMPT_WINDOW}
    )
    by_actor, by_account = counts.one()
    if by_actor >= MAX_FAILURES_PER_ACTOR or (account_id is not None and by_account >= MAX_FAILURES_PER_ACCOUNT):
        raise TooManyAttempts(
            "too many failed redemption attempts: please wait 15 minutes and check the code with whoever sent it"
        )


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
