"""Failed redemption attempts: recorded, and counted to throttle whoever seems to be guessing codes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from billing.actors import Actor
from billing.db import Database
from billing.errors import PermissionDenied
from billing.models import Account, RedeemAttempt

ATTEMPT_WINDOW = timedelta(minutes=15)
# Failures that look like guessing count towards the limits; a lost race or a double click
# ("already redeemed") is recorded but does not lock anyone out.
GUESSING = ("unknown_code", "mistyped_code", "malformed_code")
MAX_FAILURES_PER_ACTOR = 10
MAX_FAILURES_PER_ACCOUNT = 30


class TooManyAttempts(PermissionDenied):
    code = "too_many_attempts"


def _account_id(session: Session, slug: str) -> int | None:
    return session.scalar(select(Account.id).where(Account.slug == slug.strip().lower()))


def check_rate(session: Session, *, actor: Actor, account_id: int | None, now: datetime) -> None:
    """The same check inside a caller's transaction, in one statement (the redemption's own)."""
    by_actor = func.coalesce(func.sum(case((RedeemAttempt.actor == actor.ref, 1), else_=0)), 0)
    by_account = func.coalesce(func.sum(case((RedeemAttempt.account_id == account_id, 1), else_=0)), 0)
    whose = RedeemAttempt.actor == actor.ref
    if account_id is not None:
        whose = or_(whose, RedeemAttempt.account_id == account_id)
    since = now - ATTEMPT_WINDOW
    counts = session.execute(
        select(by_actor, by_account).where(RedeemAttempt.at >= since, RedeemAttempt.reason.in_(GUESSING), whose)
    ).one()
    if counts[0] >= MAX_FAILURES_PER_ACTOR or (account_id is not None and counts[1] >= MAX_FAILURES_PER_ACCOUNT):
        raise TooManyAttempts(
            "too many failed redemption attempts: please wait 15 minutes and check the code with whoever sent it"
        )


class Attempts:
    def __init__(self, db: Database) -> None:
        self._db = db

    def check_rate(self, *, actor: Actor, account: str, now: datetime) -> None:
        """Refuse an actor, or an account, with too many guessing failures in the last 15 minutes."""
        with self._db.read() as session:
            check_rate(session, actor=actor, account_id=_account_id(session, account), now=now)

    def record_failure(self, *, actor: Actor, account: str, now: datetime, reason: str, prefix: str | None) -> None:
        if reason == TooManyAttempts.code:
            return
        with self._db.write() as session:
            account_id = _account_id(session, account)
            session.add(RedeemAttempt(actor=actor.ref, account_id=account_id, at=now, reason=reason, prefix=prefix))
