"""Redeeming a pre-paid code into an account: preview, then redeem, exactly once.

A subscription code creates a cohort; a credit code adds an entry to the credit ledger. The facts are
loaded first (``load_facts``), the pure rule in ``redemption_plan`` decides, and only then is anything
written.

Single use holds under concurrency on both databases: the account row is locked (on SQLite the write
transaction began IMMEDIATE), the code is claimed by one conditional ``UPDATE ... WHERE status =
'issued'``, and ``UNIQUE(redemptions.code_id)`` stands behind it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import cast

from sqlalchemy import Connection, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from billing import codeformat, event_records, redemption_rows
from billing.accounts import AccountView, account_view, amounts_visible
from billing.actors import Actor
from billing.attempts import LOST_RACE, Attempts, refuse_over_limit
from billing.codeformat import CodeKey
from billing.codes import RedeemedMeanwhile, code_view
from billing.db import Base, Database
from billing.errors import BillingError
from billing.licensing import CohortView, cohort_view
from billing.models import Account, AuditEvent, Cohort, CreditEntry, PrepaidCode, Redemption
from billing.models.codes import CodeStatus
from billing.models.licensing import CohortOrigin
from billing.periods import local_date
from billing.prepared import Prepared
from billing.redemption_facts import balance_in, credit_of, load_facts
from billing.redemption_plan import (
    NOT_CHOSEN,
    CodeFacts,
    RedemptionPlan,
    RenewalChoice,
    RenewalChoiceRequired,
    choice_required,
    plan,
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
        self._attempts = Attempts(db)

    def preview(
        self,
        *,
        code: str,
        account: str,
        actor: Actor,
        now: datetime,
        renews: RenewalChoice = NOT_CHOSEN,
        other_currency: bool = False,
    ) -> RedemptionPlan:
        """What redeeming ``code`` into ``account`` would do, changing nothing (the confirm step). Left
        ``NOT_CHOSEN`` with licenses to renew, the plan is new licenses' and says a choice is needed.

        ``other_currency``: staff confirm a credit code in another currency than the account's."""
        if other_currency:
            actor.require_staff("redeem credit in another currency")
        canonical = self._canonical(code, actor=actor, account=account, now=now)
        with self._recording(canonical, actor=actor, account=account, now=now), self._db.read() as session:
            connection = session.connection()
            found_account = redemption_rows.account(connection, slug=account, actor=actor)
            found = self._code(connection, canonical, found_account, now)
            chosen = None if renews is NOT_CHOSEN else renews
            facts = load_facts(
                connection, code=found, account=found_account, renews=chosen, now=now, other_currency=other_currency
            )
            return _as_seen_by(plan(replace(facts, choice_made=renews is not NOT_CHOSEN), now=now), actor)

    def redeem(
        self,
        *,
        code: str,
        account: str,
        actor: Actor,
        now: datetime,
        renews: RenewalChoice = NOT_CHOSEN,
        scope: str | None = None,
        request_ref: str | None = None,
        other_currency: bool = False,
    ) -> Receipt:
        """Redeem ``code`` into ``account``: as a renewal of cohort ``renews``, or new licenses (None). Left
        ``NOT_CHOSEN`` it is refused (``renewal_choice_required``) when the account has licenses the code
        could renew: a person must say which, never a default.

        ``scope`` names the request a confirmation came from (a message, a modal, an API key's idempotency
        key). The same person confirming the same code, account and choice from the same scope (a replayed
        request, a second Confirm click) gets the first result back, and nothing changes.
        """
        if other_currency:
            actor.require_staff("redeem credit in another currency")
        canonical = self._canonical(code, actor=actor, account=account, now=now, check_rate=False)
        chosen = None if renews is NOT_CHOSEN else renews
        key = None if scope is None else _idempotency_key(actor, canonical, account, chosen, scope)
        with self._recording(canonical, actor=actor, account=account, now=now), self._db.write_core() as connection:
            found_account, failures = redemption_rows.account_to_redeem(connection, slug=account, actor=actor, now=now)
            replay = _replay(connection, key) if key is not None else None
            if replay is not None:  # a confirmation seen before gets its first answer, lockout or not
                return replace(replay, plan=_as_seen_by(replay.plan, actor))
            refuse_over_limit(connection, actor=actor, account_id=found_account.id, now=now, failures=failures)
            found = self._code(connection, canonical, found_account, now)
            facts = load_facts(
                connection, code=found, account=found_account, renews=chosen, now=now, other_currency=other_currency
            )
            decided = _as_seen_by(plan(replace(facts, choice_made=renews is not NOT_CHOSEN), now=now), actor)
            if decided.renewal_choice_needed:
                raise choice_required(decided)
            return _carry_out(connection, decided, found, found_account, actor, now, key, request_ref)

    def _code(self, connection: Connection, canonical: str, account: AccountView, now: datetime) -> CodeFacts:
        """The code, with its status as of the account's own today."""
        today = local_date(now, account.time_zone)
        return redemption_rows.code(connection, canonical=canonical, key=self._key, today=today)

    def _canonical(self, code: str, *, actor: Actor, account: str, now: datetime, check_rate: bool = True) -> str:
        """The code's one normalization for this attempt; a malformed code counts as a failure. The rate
        limit is checked here unless the caller checks it in its own transaction."""
        try:
            canonical = codeformat.normalize(code)
        except BillingError as error:
            self._attempts.record_failure(actor=actor, account=account, now=now, reason=error.code, prefix=None)
            raise
        if check_rate:
            self._attempts.check_rate(actor=actor, account=account, now=now)
        return canonical

    def _recording(self, canonical: str, *, actor: Actor, account: str, now: datetime) -> _FailureRecorder:
        return _FailureRecorder(self._attempts, canonical, actor=actor, account=account, now=now)


class _FailureRecorder:
    """Records a refused attempt (after its transaction has ended) and lets the error through."""

    def __init__(self, attempts: Attempts, canonical: str, *, actor: Actor, account: str, now: datetime) -> None:
        self._attempts, self._canonical = attempts, canonical
        self._actor, self._account, self._now = actor, account, now

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: BaseException | None, traceback: object) -> None:
        if isinstance(error, BillingError) and not isinstance(error, RenewalChoiceRequired):
            self._attempts.record_failure(
                actor=self._actor,
                account=self._account,
                now=self._now,
                reason=LOST_RACE if isinstance(error, RedeemedMeanwhile) else error.code,
                prefix=codeformat.prefix_of(self._canonical),
            )


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


def _as_seen_by(decided: RedemptionPlan, actor: Actor) -> RedemptionPlan:
    """Amounts for staff and the system, for a portal key on an account that sees prices, never a reseller."""
    return replace(decided, amounts_visible=amounts_visible(actor, decided.account))


def _idempotency_key(actor: Actor, canonical: str, account: str, renews: int | None, scope: str) -> str:
    """One key per logical confirmation, from the canonical code (however it was typed)."""
    parts = (actor.ref, canonical, account, renews, scope)
    return "redeem:" + hashlib.sha256("|".join(str(part) for part in parts).encode()).hexdigest()


_BY_KEY = Prepared(select(_table(Redemption).c.id).where(_table(Redemption).c.idempotency_key == bindparam("key")))


def _replay(connection: Connection, key: str) -> Receipt | None:
    """The first result of a confirmation seen before (rare: read through the ORM, in this transaction)."""
    found = _BY_KEY.rows(connection, {"key": key})
    if not found:
        return None
    redemption_id = found[0][0]
    with Session(bind=connection) as session:
        return _replayed(session, redemption_id)


def _replayed(session: Session, redemption_id: int) -> Receipt:
    redemption = session.get_one(Redemption, redemption_id)
    code, account = redemption.code, session.get(Account, redemption.account_id)
    assert account is not None
    today = local_date(redemption.redeemed_at, account.time_zone)
    cohort = session.get(Cohort, redemption.cohort_id) if redemption.cohort_id else None
    renewed = session.get(Cohort, redemption.renewed_cohort_id) if redemption.renewed_cohort_id else None
    credit = credit_of(code)
    replayed = RedemptionPlan(
        code=code_view(code, today=today),
        account=account_view(account),
        redeemed_on=today,
        starts_on=cohort.starts_on if cohort else None,
        ends_on=cohort.ends_on if cohort else None,
        renews=cohort_view(renewed) if renewed else None,
        credit=credit,
        balance_after=balance_in(session, account.id, credit.currency) if credit else None,  # as it stands now
    )
    return Receipt(plan=replayed, redemption_id=redemption.id, cohort_id=redemption.cohort_id, replayed=True)


def _claim(connection: Connection, code: CodeFacts) -> None:
    if _CLAIM.run(connection, {"code_id": code.view.id}) != 1:
        raise RedeemedMeanwhile("that code has already been redeemed")


def _add_credit(
    connection: Connection, decided: RedemptionPlan, code: CodeFacts, account: AccountView, now: datetime
) -> int:
    assert decided.credit is not None
    entry = dict(
        account_id=account.id,
        currency=decided.credit.currency,
        source=code.view.credit_source,
        amount_minor=decided.credit.minor,
        at=now,
        code_id=code.view.id,
        memo=f"code {code.view.prefix}",
    )
    return _insert(connection, CreditEntry, entry)


def _insert(connection: Connection, model: type[Base], values: Mapping[str, object]) -> int:
    """One INSERT ... RETURNING id: no ORM object, no flush (each redemption writes several rows)."""
    statement = _INSERTS.get(cache := (model, tuple(values)))
    if statement is None:
        table = _table(model)
        statement = _INSERTS[cache] = Prepared(insert(table).returning(table.c.id), keys=list(values))
    return int(statement.rows(connection, values)[0][0])


# Statements built once: a redemption runs each of them, and building (and cache-keying) a statement costs
# more than running it on SQLite. An INSERT is prepared for the columns it is given.
_INSERTS: dict[tuple[type[Base], tuple[str, ...]], Prepared] = {}
_CODES, _COHORTS = _table(PrepaidCode), _table(Cohort)
_AUDIT_COLUMNS = ("actor", "action", "subject_type", "subject_id", "account_id", "at", "details", "request_ref")
_INSERT_AUDIT = Prepared(insert(_table(AuditEvent)), keys=_AUDIT_COLUMNS)  # nothing reads its id back
_CLAIM = Prepared(
    update(_CODES)
    .where(_CODES.c.id == bindparam("code_id"), _CODES.c.status == CodeStatus.ISSUED)
    .values(status=CodeStatus.REDEEMED)
)
_MARK_RENEWED = Prepared(
    update(_COHORTS).where(_COHORTS.c.id == bindparam("cohort_id")).values(renewed_at=bindparam("at"))
)


def _add_cohort(
    connection: Connection, decided: RedemptionPlan, code: CodeFacts, account: AccountView, now: datetime
) -> CohortView:
    """The new block, as the events about it show it."""
    assert decided.starts_on and decided.ends_on and code.term_months and code.view.units
    assert code.solution_id is not None and code.plan_level_id is not None and code.view.license_kind
    renews = decided.renews.id if decided.renews else None
    cohort = dict(
        account_id=account.id,
        solution_id=code.solution_id,
        plan_level_id=code.plan_level_id,
        license_kind=code.view.license_kind,
        units=code.view.units,
        anchor_on=decided.starts_on,
        term_months=code.term_months,
        starts_on=decided.starts_on,
        ends_on=decided.ends_on,
        auto_renew=False,
        origin=CohortOrigin.CODE,
        code_id=code.view.id,
        renews_cohort_id=renews,
        created_at=now,
        created_on=decided.redeemed_on,
    )
    cohort_id = _insert(connection, Cohort, cohort)
    if renews is not None:
        _MARK_RENEWED.run(connection, {"cohort_id": renews, "at": now})
    return CohortView(
        id=cohort_id,
        solution=code.view.solution or "",
        solution_name=code.view.solution_name or "",
        level=code.view.level or "",
        level_name=code.view.level_name or "",
        license_kind=code.view.license_kind,
        units=code.view.units,
        starts_on=decided.starts_on,
        ends_on=decided.ends_on,
        term_months=code.term_months,
        auto_renew=False,
        renewed=False,
        renews_cohort_id=renews,
    )


def _carry_out(
    connection: Connection,
    decided: RedemptionPlan,
    code: CodeFacts,
    account: AccountView,
    actor: Actor,
    now: datetime,
    idempotency_key: str | None,
    request_ref: str | None,
) -> Receipt:
    """Write what the plan decided: claim the code, add the cohort or the credit, record the redemption."""
    _claim(connection, code)
    credit_entry_id = _add_credit(connection, decided, code, account, now) if decided.credit is not None else None
    block = _add_cohort(connection, decided, code, account, now) if decided.credit is None else None
    cohort_id = block.id if block is not None else None
    redemption = dict(
        code_id=code.view.id,
        account_id=account.id,
        redeemed_by=actor.ref,
        on_behalf=actor.is_staff,
        redeemed_at=now,
        cohort_id=cohort_id,
        credit_entry_id=credit_entry_id,
        renewed_cohort_id=decided.renews.id if decided.renews else None,
        idempotency_key=idempotency_key,
    )
    redemption_id = _insert(connection, Redemption, redemption)
    _audit_redeemed(connection, decided, code, account, actor, now, cohort_id, request_ref)
    renews = decided.renews.id if decided.renews else None
    event_records.redeemed(
        connection, code=code, account=account, block=block, renews=renews, credit=decided.credit, now=now
    )
    return Receipt(plan=decided, redemption_id=redemption_id, cohort_id=cohort_id, replayed=False)


def _audit_redeemed(
    connection: Connection,
    decided: RedemptionPlan,
    code: CodeFacts,
    account: AccountView,
    actor: Actor,
    now: datetime,
    cohort_id: int | None,
    request_ref: str | None,
) -> None:
    row = dict(
        actor=actor.ref,
        action="code.redeemed",
        subject_type="code",
        subject_id=code.view.prefix,
        account_id=account.id,
        at=now,
        details={
            "account": account.slug,
            "on_behalf": actor.is_staff,
            "cohort": cohort_id,
            "renews": decided.renews.id if decided.renews else None,
            "starts_on": decided.starts_on.isoformat() if decided.starts_on else None,
            "ends_on": decided.ends_on.isoformat() if decided.ends_on else None,
            "credit": decided.credit.plain() if decided.credit else None,
        },
        request_ref=request_ref,
    )
    _INSERT_AUDIT.run(connection, row)  # the row audit.record would add, without a unit-of-work flush
