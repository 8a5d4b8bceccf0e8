"""Issuing pre-paid codes, one or thousands at a time, for subscriptions or credit.

The plaintext of a code exists only in the value ``issue_*`` returns; the database keeps its public
prefix and an HMAC of it (see ``codeformat``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import ColumnClause, Table, column, insert, select, table
from sqlalchemy.orm import Session

from billing import codeformat, collector
from billing.accounts import find_account
from billing.actors import Actor
from billing.catalog import find_level, find_solution
from billing.codeformat import CodeKey
from billing.codes import CodeView, code_view
from billing.db import Database
from billing.errors import InvalidInput
from billing.models import AuditEvent, PrepaidCode
from billing.models.codes import CREDIT_CODE_SOURCES, CodeKind, CodeStatus
from billing.money import CURRENCIES, Money
from billing.periods import MAX_TERM_MONTHS, format_date, local_date
from billing.resellers import find_reseller
from billing.units import check_units

MAX_CODES_PER_BATCH = 100_000
MAX_REFERENCE = 200
INSERT_CHUNK = 1_000
DEFAULT_MAX_CREDIT_CODE = 10_000  # whole units (dollars, euros, ...) of one credit code


class InvalidCount(InvalidInput):
    code = "invalid_count"


class InvalidCodeTarget(InvalidInput):
    code = "invalid_code_target"


@dataclass(frozen=True)
class IssuedCode:
    code: str  # grouped plaintext: shown once, to the issuer only
    prefix: str

    def __repr__(self) -> str:
        return f"IssuedCode(prefix={self.prefix!r}, code=<hidden>)"


@dataclass(frozen=True)
class IssuedBatch:
    batch: str
    codes: tuple[IssuedCode, ...]
    template: CodeView  # the fields every code of the batch shares


ProgressCallback = Callable[[Sequence[IssuedCode]], None]


@dataclass(frozen=True)
class _Order:
    """What every code of one batch shares, whatever its kind."""

    actor: Actor
    now: datetime
    count: int
    reseller: str | None
    account: str | None
    redeem_by: date | None
    reference: str | None
    on_chunk: ProgressCallback | None
    request_ref: str | None
    batch: str | None


def _check_redeem_by(redeem_by: date | None, today: date) -> None:
    if redeem_by is not None and redeem_by < today:
        raise InvalidInput(f"redeem-by {format_date(redeem_by)} is already in the past", redeem_by=redeem_by)


def _check_count(count: int) -> None:
    if not 1 <= count <= MAX_CODES_PER_BATCH:
        raise InvalidCount(f"count must be between 1 and {MAX_CODES_PER_BATCH:,}", count=count)


def _batch_id(batch: str | None) -> str:
    """A caller may name the batch beforehand (the CLI names its codes file after it); 32 hex digits."""
    if batch is None:
        return uuid.uuid4().hex
    if not re.fullmatch(r"[0-9a-f]{32}", batch):
        raise InvalidInput("a batch id is 32 lower-case hex digits")
    return batch


def _check_reference(reference: str | None) -> str | None:
    if reference is None:
        return None
    cleaned = " ".join(reference.split())
    if len(cleaned) > MAX_REFERENCE:
        raise InvalidInput(f"a reference is at most {MAX_REFERENCE} characters")
    return cleaned or None


class Issuing:
    def __init__(
        self,
        db: Database,
        *,
        key: CodeKey,
        business_time_zone: str = "UTC",
        max_credit_code: int = DEFAULT_MAX_CREDIT_CODE,
    ) -> None:
        self._db = db
        self._max_credit_code = max_credit_code
        self._key = key
        self._tz = business_time_zone

    def issue_subscription_codes(
        self,
        *,
        solution: str,
        level: str,
        units: int,
        term_months: int,
        actor: Actor,
        now: datetime,
        count: int = 1,
        reseller: str | None = None,
        account: str | None = None,
        redeem_by: date | None = None,
        reference: str | None = None,
        license_kind: str | None = None,
        on_chunk: ProgressCallback | None = None,
        request_ref: str | None = None,
        batch: str | None = None,
    ) -> IssuedBatch:
        """Issue ``count`` codes, each for ``units`` licenses of ``solution``/``level`` for ``term_months``.

        ``on_chunk`` is called inside the transaction with every chunk of new codes (for a progress bar or
        to write them out); if it raises, nothing is issued.
        """
        actor.require_staff("issue codes")
        check_units(units)
        if not 1 <= term_months <= MAX_TERM_MONTHS:
            raise InvalidInput(f"a term must be between 1 month and {MAX_TERM_MONTHS // 12} years")
        _check_count(count)
        order = _Order(
            actor, now, count, reseller, account, redeem_by, reference, on_chunk, request_ref, _batch_id(batch)
        )
        with self._db.write() as session:
            found_solution = find_solution(session, solution)
            found_level = find_level(found_solution, level)
            if license_kind is not None and license_kind != found_solution.license_kind:
                raise InvalidInput(
                    f"{found_solution.name} is licensed per {found_solution.license_kind}, not per {license_kind}"
                )
            fields: dict[str, Any] = {
                "kind": CodeKind.SUBSCRIPTION,
                "solution_id": found_solution.id,
                "plan_level_id": found_level.id,
                "units": units,
                "term_months": term_months,
            }
            return self._issue(session, fields, order)

    def issue_credit_codes(
        self,
        *,
        amount: Money,
        source: str,
        actor: Actor,
        now: datetime,
        count: int = 1,
        reseller: str | None = None,
        account: str | None = None,
        redeem_by: date | None = None,
        reference: str | None = None,
        on_chunk: ProgressCallback | None = None,
        request_ref: str | None = None,
        batch: str | None = None,
    ) -> IssuedBatch:
        """Issue ``count`` credit codes worth ``amount`` each, of type ``topped_up`` or ``promo``."""
        actor.require_staff("issue codes")
        if amount.minor <= 0:
            raise InvalidInput("a credit code must be worth more than zero")
        ceiling = Money(self._max_credit_code * 10 ** CURRENCIES[amount.currency], amount.currency)
        if amount.minor > ceiling.minor:
            raise InvalidInput(f"a credit code may be worth at most {ceiling} (the configured ceiling)", amount=amount)
        if source not in CREDIT_CODE_SOURCES:
            raise InvalidInput(f"credit type must be one of {', '.join(CREDIT_CODE_SOURCES)}")
        _check_count(count)
        order = _Order(
            actor, now, count, reseller, account, redeem_by, reference, on_chunk, request_ref, _batch_id(batch)
        )
        fields = {
            "kind": CodeKind.CREDIT,
            "amount_minor": amount.minor,
            "currency": amount.currency,
            "credit_source": source,
        }
        with self._db.write() as session:
            return self._issue(session, fields, order)

    def _issue(self, session: Session, fields: dict[str, Any], order: _Order) -> IssuedBatch:
        with collector.paused():  # up to 100,000 codes built and kept to the end (``billing.collector``)
            return self._issue_batch(session, fields, order)

    def _issue_batch(self, session: Session, fields: dict[str, Any], order: _Order) -> IssuedBatch:
        today = local_date(order.now, self._tz)
        _check_redeem_by(order.redeem_by, today)
        shared = {**fields, **self._shared_fields(session, order), "batch": order.batch}
        issued: list[IssuedCode] = []
        stored = _as_stored(session, shared)
        for start in range(0, order.count, INSERT_CHUNK):
            chunk = self._insert_chunk(session, stored, min(INSERT_CHUNK, order.count - start))
            issued.extend(chunk)
            if order.on_chunk is not None:
                order.on_chunk(chunk)
        _audit_issued(session, issued, shared, order)
        first = session.scalar(
            select(PrepaidCode).where(PrepaidCode.batch == shared["batch"]).order_by(PrepaidCode.id).limit(1)
        )
        assert first is not None
        return IssuedBatch(batch=shared["batch"], codes=tuple(issued), template=code_view(first, today=today))

    def _shared_fields(self, session: Session, order: _Order) -> dict[str, Any]:
        """The columns every code of the batch shares: its target, limits and provenance."""
        target_reseller = find_reseller(session, order.reseller) if order.reseller else None
        target_account = find_account(session, slug=order.account, actor=order.actor) if order.account else None
        if target_reseller and target_account and target_account.reseller_id != target_reseller.id:
            raise InvalidCodeTarget(
                f"account {target_account.slug!r} is not a customer of reseller {target_reseller.slug!r}"
            )
        return {
            "status": CodeStatus.ISSUED,
            "reseller_id": target_reseller.id if target_reseller else None,
            "account_id": target_account.id if target_account else None,
            "redeem_by": order.redeem_by,
            "reference": _check_reference(order.reference),
            "issued_by": order.actor.ref,
            "issued_at": order.now,
            "key_version": self._key.version,
        }

    def _insert_chunk(self, session: Session, stored: dict[str, Any], size: int) -> list[IssuedCode]:
        chunk: list[IssuedCode] = []
        rows = []
        digest = self._key.digest
        for _ in range(size):
            canonical, salt = codeformat.generate_with_salt()
            prefix = canonical[: codeformat.PREFIX_LENGTH]
            rows.append({**stored, "prefix": prefix, "salt": salt, "digest": digest(canonical, salt)})
            chunk.append(IssuedCode(codeformat.grouped(canonical), prefix))
        # One executemany per chunk on an untyped view of the table: the shared values were converted once
        # (_as_stored), so no per-row type processing; the per-row values are plain str and bytes.
        columns: list[ColumnClause[Any]] = [column(name) for name in (*stored, "prefix", "salt", "digest")]
        session.connection().execute(insert(table(PrepaidCode.__tablename__, *columns)), rows)
        return chunk


def _as_stored(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` as the driver is given them, through each column's own type (once for a whole batch)."""
    dialect = session.get_bind().dialect
    columns = cast(Table, PrepaidCode.__table__).c
    stored = {}
    for name, value in values.items():
        process = columns[name].type.dialect_impl(dialect).bind_processor(dialect)
        stored[name] = process(value) if process is not None and value is not None else value
    return stored


def _audit_issued(session: Session, issued: list[IssuedCode], shared: dict[str, Any], order: _Order) -> None:
    """One row per batch: what it was, how many, and every code's public prefix (the way staff find a code)."""
    session.execute(
        insert(AuditEvent),
        [
            {
                "at": order.now,
                "actor": order.actor.ref,
                "action": "codes.issued",
                "subject_type": "batch",
                "subject_id": shared["batch"],
                "account_id": shared["account_id"],
                "details": {
                    "count": len(issued),
                    "kind": str(shared["kind"]),
                    "prefixes": [code.prefix for code in issued],
                },
                "request_ref": order.request_ref,
            }
        ],
    )
