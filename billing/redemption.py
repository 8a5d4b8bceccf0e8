"""Redeeming a pre-paid code into an account: preview, then redeem, exactly once.

A subscription code creates a cohort: new units start on the redemption date; a renewal (a redemption
that names the cohort it renews) starts on the old renewal date when that is still ahead, else today,
and marks the old cohort renewed. A credit code adds an entry to the credit ledger.

Single use holds under concurrency on both databases: the account row is locked (on SQLite the write
transaction began IMMEDIATE), the code is claimed by one conditional ``UPDATE ... WHERE status =
'issued'``, and ``UNIQUE(redemptions.code_id)`` stands behind it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from billing import audit, codeformat
from billing.accounts import AccountView, account_view, find_account
from billing.actors import Actor
from billing.codeformat import CodeKey
from billing.codes import (
    CodeAlreadyRedeemed,
    CodeExpired,
    CodeView,
    CodeVoided,
    code_view,
    find_code,
)
from billing.db import Database
from billing.errors import BillingError, Conflict, InvalidInput, NotFound, PermissionDenied
from billing.licensing import (
    CohortView,
    check_single_level,
    cohort_view,
    renewal_candidates,
)
from billing.models import Account, Cohort, CreditEntry, PrepaidCode, RedeemAttempt, Redemption
from billing.money import Money
from billing.periods import add_months, format_date, local_date

ATTEMPT_WINDOW = timedelta(minutes=15)
# Failures that look like guessing count towards the limits; a lost race or a double click
# ("already redeemed") is recorded but does not lock anyone out.
GUESSING = ("unknown_code", "mistyped_code", "malformed_code")
MAX_FAILURES_PER_ACTOR = 10
MAX_FAILURES_PER_ACCOUNT = 30


class CodeNotForAccount(Conflict):
    code = "code_not_for_account"


class CohortNotFound(NotFound):
    code = "cohort_not_found"


class RenewalMismatch(InvalidInput):
    code = "renewal_mismatch"


class AlreadyRenewed(Conflict):
    code = "already_renewed"


class TooManyAttempts(PermissionDenied):
    code = "too_many_attempts"


@dataclass(frozen=True)
class RedemptionPlan:
    """What a redemption does (the preview) or did (the receipt)."""

    code: CodeView
    account: AccountView
    redeemed_on: date
    # Subscription codes:
    starts_on: date | None = None
    ends_on: date | None = None
    renews: CohortView | None = None
    renewal_candidates: tuple[CohortView, ...] = ()
    # Credit codes:
    credit: Money | None = None

    @property
    def is_renewal(self) -> bool:
        return self.renews is not None

    def describe(self) -> str:
        """One plain sentence, without prices (safe for reseller channels)."""
        code = self.code
        if code.kind == "credit":
            return f"Adds {code.credit_source} credit to {self.account.name}."
        assert self.starts_on and self.ends_on
        licenses = f"{code.units} {code.solution_name} {code.level} {code.license_kind} licenses"
        if self.renews is not None:
            return (
                f"Renews {self.renews.units} {code.solution_name} licenses of {self.account.name} that "
                f"renew on {format_date(self.renews.ends_on)}: {licenses} from "
                f"{format_date(self.starts_on)}, next renewal {format_date(self.ends_on)}."
            )
        return (
            f"Adds {licenses} to {self.account.name} from {format_date(self.starts_on)}, "
            f"renewing {format_date(self.ends_on)}."
        )


@dataclass(frozen=True)
class Receipt:
    plan: RedemptionPlan
    redemption_id: int
    cohort_id: int | None
    replayed: bool  # the same request was seen before: this is its first result, nothing new happened


class Redemptions:
    def __init__(self, db: Database, *, key: CodeKey) -> None:
        self._db = db
        self._key = key

    def preview(
        self, *, code: str, account: str, actor: Actor, now: datetime, renews: int | None = None
    ) -> RedemptionPlan:
        """What redeeming ``code`` into ``account`` would do, changing nothing (the confirm step)."""
        plan = self._attempt(code=code, account=account, actor=actor, now=now, renews=renews, commit=False)
        assert isinstance(plan, RedemptionPlan)
        return plan

    def redeem(
        self,
        *,
        code: str,
        account: str,
        actor: Actor,
        now: datetime,
        renews: int | None = None,
        scope: str | None = None,
        request_ref: str | None = None,
    ) -> Receipt:
        """Redeem ``code`` into ``account``, as a renewal of cohort ``renews`` when given.

        ``scope`` names the request a confirmation came from (a message, a modal, an API key's idempotency
        key). The same person confirming the same code, account and choice from the same scope (a replayed
        request, a second Confirm click) gets the first result back, and nothing changes.
        """
        receipt = self._attempt(
            code=code,
            account=account,
            actor=actor,
            now=now,
            renews=renews,
            commit=True,
            scope=scope,
            request_ref=request_ref,
        )
        assert isinstance(receipt, Receipt)
        return receipt

    def _attempt(
        self,
        *,
        code: str,
        account: str,
        actor: Actor,
        now: datetime,
        commit: bool,
        renews: int | None = None,
        scope: str | None = None,
        request_ref: str | None = None,
    ) -> RedemptionPlan | Receipt:
        try:
            canonical = codeformat.normalize(code)
        except BillingError as error:
            self._record_failure(actor=actor, account=account, now=now, reason=error.code, prefix=None)
            raise
        self._check_rate(actor=actor, account=account, now=now)
        idempotency_key = None if scope is None else _idempotency_key(actor, canonical, account, renews, scope)
        try:
            if commit:
                with self._db.write() as session:
                    return _redeem(
                        session, self._key, canonical, account, actor, now, renews, idempotency_key, request_ref
                    )
            with self._db.read() as session:
                found_account = find_account(session, slug=account, actor=actor)
                found = find_code(session, canonical=canonical, key=self._key)
                return _plan(session, found, found_account, actor, now, renews)
        except BillingError as error:
            self._record_failure(
                actor=actor,
                account=account,
                now=now,
                reason=error.code,
                prefix=codeformat.prefix_of(canonical),
            )
            raise

    def _check_rate(self, *, actor: Actor, account: str, now: datetime) -> None:
        since = now - ATTEMPT_WINDOW
        with self._db.read() as session:
            by_actor = session.scalar(
                select(func.count()).where(
                    RedeemAttempt.actor == actor.ref, RedeemAttempt.at >= since, RedeemAttempt.reason.in_(GUESSING)
                )
            )
            account_id = session.scalar(select(Account.id).where(Account.slug == account.strip().lower()))
            by_account = 0
            if account_id is not None:
                by_account = (
                    session.scalar(
                        select(func.count()).where(
                            RedeemAttempt.account_id == account_id,
                            RedeemAttempt.at >= since,
                            RedeemAttempt.reason.in_(GUESSING),
                        )
                    )
                    or 0
                )
        if (by_actor or 0) >= MAX_FAILURES_PER_ACTOR or by_account >= MAX_FAILURES_PER_ACCOUNT:
            raise TooManyAttempts(
                "too many failed redemption attempts: please wait 15 minutes and check the code with whoever sent it"
            )

    def _record_failure(self, *, actor: Actor, account: str, now: datetime, reason: str, prefix: str | None) -> None:
        if reason == TooManyAttempts.code:
            return
        with self._db.write() as session:
            account_id = session.scalar(select(Account.id).where(Account.slug == account.strip().lower()))
            session.add(RedeemAttempt(actor=actor.ref, account_id=account_id, at=now, reason=reason, prefix=prefix))


def _plan(
    session: Session, code: PrepaidCode, account: Account, actor: Actor, now: datetime, renews: int | None
) -> RedemptionPlan:
    """Check that ``code`` may go into ``account`` and work out the dates; raises on any refusal."""
    today = local_date(now, account.time_zone)
    view = code_view(code, today=today)
    if code.status == "voided":
        raise CodeVoided("that code was voided and cannot be redeemed")
    if code.status == "redeemed":
        raise CodeAlreadyRedeemed("that code has already been redeemed")
    if view.status == "expired":
        assert code.redeem_by is not None
        raise CodeExpired(f"that code had to be redeemed by {format_date(code.redeem_by)}")
    if code.account_id is not None and code.account_id != account.id:
        raise CodeNotForAccount("that code was issued for another account")
    if code.reseller_id is not None and code.reseller_id != account.reseller_id:
        raise CodeNotForAccount("that code was issued for another reseller's customers")
    if code.kind == "credit":
        assert code.amount_minor is not None and code.currency is not None
        return RedemptionPlan(
            code=view,
            account=account_view(account),
            redeemed_on=today,
            credit=Money(code.amount_minor, code.currency),
        )
    assert code.solution_id is not None and code.plan_level_id is not None and code.term_months is not None
    candidates = renewal_candidates(
        session, account=account, solution_id=code.solution_id, plan_level_id=code.plan_level_id, today=today
    )
    renewed: Cohort | None = None
    if renews is not None:
        renewed = session.get(Cohort, renews)
        if renewed is None or renewed.account_id != account.id:
            raise CohortNotFound(f"{account.name} has no license block {renews}")
        if renewed.renewed_at is not None:
            raise AlreadyRenewed(
                f"those licenses were already renewed ({renewed.units} renewing {format_date(renewed.ends_on)})"
            )
        if (renewed.solution_id, renewed.plan_level_id) != (code.solution_id, code.plan_level_id):
            raise RenewalMismatch("a renewal code must be of the same solution and level as the licenses it renews")
        if renewed.auto_renew:
            raise RenewalMismatch("those licenses renew automatically (card or invoice) and need no code")
        if renewed not in candidates:
            raise RenewalMismatch(
                f"those licenses renew on {format_date(renewed.ends_on)}: renewals open 45 days before"
            )
    starts_on = renewed.ends_on if renewed is not None and renewed.ends_on > today else today
    ends_on = add_months(starts_on, code.term_months)
    check_single_level(
        session,
        account=account,
        solution_id=code.solution_id,
        plan_level_id=code.plan_level_id,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    return RedemptionPlan(
        code=view,
        account=account_view(account),
        redeemed_on=today,
        starts_on=starts_on,
        ends_on=ends_on,
        renews=cohort_view(renewed) if renewed is not None else None,
        renewal_candidates=tuple(cohort_view(c) for c in candidates if c is not renewed),
    )


def _idempotency_key(actor: Actor, canonical: str, account: str, renews: int | None, scope: str) -> str:
    """One key per logical confirmation, from the canonical code (however it was typed)."""
    parts = (actor.ref, canonical, account, renews, scope)
    return "redeem:" + hashlib.sha256("|".join(str(part) for part in parts).encode()).hexdigest()


def _replay(session: Session, key: str, now: datetime) -> Receipt | None:
    redemption = session.scalar(select(Redemption).where(Redemption.idempotency_key == key))
    if redemption is None:
        return None
    code, account = redemption.code, session.get(Account, redemption.account_id)
    assert account is not None
    today = local_date(redemption.redeemed_at, account.time_zone)
    cohort = session.get(Cohort, redemption.cohort_id) if redemption.cohort_id else None
    renewed = session.get(Cohort, redemption.renewed_cohort_id) if redemption.renewed_cohort_id else None
    plan = RedemptionPlan(
        code=code_view(code, today=today),
        account=account_view(account),
        redeemed_on=today,
        starts_on=cohort.starts_on if cohort else None,
        ends_on=cohort.ends_on if cohort else None,
        renews=cohort_view(renewed) if renewed else None,
        credit=Money(code.amount_minor, code.currency)
        if code.kind == "credit" and code.amount_minor and code.currency
        else None,
    )
    return Receipt(plan=plan, redemption_id=redemption.id, cohort_id=redemption.cohort_id, replayed=True)


def _redeem(
    session: Session,
    key: CodeKey,
    canonical: str,
    account_slug: str,
    actor: Actor,
    now: datetime,
    renews: int | None,
    idempotency_key: str | None,
    request_ref: str | None,
) -> Receipt:
    account = find_account(session, slug=account_slug, actor=actor, for_update=True)
    if idempotency_key is not None:
        replay = _replay(session, idempotency_key, now)
        if replay is not None:
            return replay
    code = find_code(session, canonical=canonical, key=key)
    plan = _plan(session, code, account, actor, now, renews)
    claimed = session.execute(
        update(PrepaidCode)
        .where(PrepaidCode.id == code.id, PrepaidCode.status == "issued")
        .values(status="redeemed")
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise CodeAlreadyRedeemed("that code has already been redeemed")
    cohort: Cohort | None = None
    entry: CreditEntry | None = None
    if plan.credit is not None:
        entry = CreditEntry(
            account_id=account.id,
            currency=plan.credit.currency,
            source=code.credit_source,
            amount_minor=plan.credit.minor,
            at=now,
            code_id=code.id,
            memo=f"code {code.prefix}",
        )
        session.add(entry)
    else:
        assert plan.starts_on and plan.ends_on and code.term_months and code.units
        assert code.solution is not None
        cohort = Cohort(
            account_id=account.id,
            solution_id=code.solution_id,
            plan_level_id=code.plan_level_id,
            license_kind=code.solution.license_kind,
            units=code.units,
            anchor_on=plan.starts_on,
            term_months=code.term_months,
            starts_on=plan.starts_on,
            ends_on=plan.ends_on,
            auto_renew=False,
            origin="code",
            code_id=code.id,
            renews_cohort_id=plan.renews.id if plan.renews else None,
            created_at=now,
            created_on=plan.redeemed_on,
        )
        session.add(cohort)
        if plan.renews is not None:
            session.execute(update(Cohort).where(Cohort.id == plan.renews.id).values(renewed_at=now))
    session.flush()
    redemption = Redemption(
        code_id=code.id,
        account_id=account.id,
        redeemed_by=actor.ref,
        on_behalf=actor.is_staff,
        redeemed_at=now,
        cohort_id=cohort.id if cohort else None,
        credit_entry_id=entry.id if entry else None,
        renewed_cohort_id=plan.renews.id if plan.renews else None,
        idempotency_key=idempotency_key,
    )
    session.add(redemption)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="code.redeemed",
        subject_type="code",
        subject_id=code.prefix,
        account_id=account.id,
        at=now,
        details={
            "account": account.slug,
            "on_behalf": actor.is_staff,
            "cohort": cohort.id if cohort else None,
            "renews": plan.renews.id if plan.renews else None,
            "starts_on": plan.starts_on.isoformat() if plan.starts_on else None,
            "ends_on": plan.ends_on.isoformat() if plan.ends_on else None,
            "credit": plan.credit.plain() if plan.credit else None,
        },
        request_ref=request_ref,
    )
    return Receipt(plan=plan, redemption_id=redemption.id, cohort_id=cohort.id if cohort else None, replayed=False)
