"""Pre-paid codes: issue (one or thousands), look up, void.

The plaintext of a code exists only in the value ``issue_*`` returns; the database keeps its public
prefix and an HMAC of it (see ``codeformat``). Redemption lives in ``redemption.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, selectinload

from billing import audit, codeformat
from billing.accounts import find_account, find_reseller
from billing.actors import Actor
from billing.catalog import UnknownPlanLevel, UnknownSolution
from billing.codeformat import CodeKey
from billing.db import Database
from billing.errors import BillingError, Conflict, InvalidInput, NotFound
from billing.models import Account, AuditEvent, PlanLevel, PrepaidCode, Reseller, Solution
from billing.models.codes import CREDIT_CODE_SOURCES
from billing.money import Money
from billing.periods import MAX_TERM_MONTHS, describe_term, local_date

MAX_CODES_PER_BATCH = 100_000
MAX_UNITS = 100_000
MAX_REFERENCE = 200
INSERT_CHUNK = 1_000


class UnknownCode(NotFound):
    code = "unknown_code"


class CodeAlreadyRedeemed(Conflict):
    code = "code_already_redeemed"


class CodeVoided(Conflict):
    code = "code_voided"


class CodeExpired(Conflict):
    code = "code_expired"


class InvalidUnits(InvalidInput):
    code = "invalid_units"


class InvalidCount(InvalidInput):
    code = "invalid_count"


class InvalidCodeTarget(InvalidInput):
    code = "invalid_code_target"


@dataclass(frozen=True)
class CodeView:
    """What staff see of a code. Never the code itself: only its prefix."""

    id: int
    prefix: str
    kind: str
    status: str  # issued | redeemed | voided | expired
    solution: str | None
    solution_name: str | None
    level: str | None
    license_kind: str | None
    units: int | None
    term_months: int | None
    amount: Money | None
    credit_source: str | None
    reseller: str | None
    account: str | None
    redeem_by: date | None
    reference: str | None
    batch: str
    issued_by: str
    issued_at: datetime
    voided_by: str | None
    voided_at: datetime | None
    redeemed_by: str | None
    redeemed_at: datetime | None
    redeemed_into: str | None

    @property
    def display(self) -> str:
        return codeformat.display(self.prefix)

    @property
    def term(self) -> str | None:
        return describe_term(self.term_months) if self.term_months else None

    def summary(self) -> str:
        if self.kind == "credit":
            return f"{self.amount} {self.credit_source} credit"
        return f"{self.units} \u00d7 {self.solution_name} {self.level} ({self.license_kind}) for {self.term}"


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


def code_status(code: PrepaidCode, *, today: date) -> str:
    if code.status == "issued" and code.redeem_by is not None and today > code.redeem_by:
        return "expired"
    return code.status


def code_view(code: PrepaidCode, *, today: date) -> CodeView:
    redemption = code.redemption
    redeemed_into = None
    if redemption is not None:
        redeemed_into = redemption_account_slug(code)
    return CodeView(
        id=code.id,
        prefix=code.prefix,
        kind=code.kind,
        status=code_status(code, today=today),
        solution=code.solution.slug if code.solution else None,
        solution_name=code.solution.name if code.solution else None,
        level=code.level.slug if code.level else None,
        license_kind=code.solution.license_kind if code.solution else None,
        units=code.units,
        term_months=code.term_months,
        amount=Money(code.amount_minor, code.currency) if code.amount_minor and code.currency else None,
        credit_source=code.credit_source,
        reseller=_slug(code, Reseller, code.reseller_id),
        account=_slug(code, Account, code.account_id),
        redeem_by=code.redeem_by,
        reference=code.reference,
        batch=code.batch,
        issued_by=code.issued_by,
        issued_at=code.issued_at,
        voided_by=code.voided_by,
        voided_at=code.voided_at,
        redeemed_by=redemption.redeemed_by if redemption else None,
        redeemed_at=redemption.redeemed_at if redemption else None,
        redeemed_into=redeemed_into,
    )


def _slug(code: PrepaidCode, model: type[Account] | type[Reseller], key: int | None) -> str | None:
    if key is None:
        return None
    session = Session.object_session(code)
    assert session is not None
    found = session.get(Account, key) if model is Account else session.get(Reseller, key)
    return found.slug if found else None


def redemption_account_slug(code: PrepaidCode) -> str | None:
    assert code.redemption is not None
    return _slug(code, Account, code.redemption.account_id)


def find_code(session: Session, *, canonical: str, key: CodeKey, for_update: bool = False) -> PrepaidCode:
    """The code whose digest matches; candidates share the public prefix."""
    query = (
        select(PrepaidCode)
        .where(PrepaidCode.prefix == codeformat.prefix_of(canonical))
        .options(selectinload(PrepaidCode.redemption))
    )
    if for_update:
        query = query.with_for_update()
    for candidate in session.scalars(query):
        if candidate.key_version == key.version and key.matches(
            canonical, salt=candidate.salt, digest=candidate.digest
        ):
            return candidate
    raise UnknownCode("no such code: check it, or ask the person who sent it")


def _check_redeem_by(redeem_by: date | None, today: date) -> None:
    if redeem_by is not None and redeem_by < today:
        raise InvalidInput(f"redeem-by {redeem_by.isoformat()} is already in the past", redeem_by=redeem_by)


def _check_count(count: int) -> None:
    if not 1 <= count <= MAX_CODES_PER_BATCH:
        raise InvalidCount(f"count must be between 1 and {MAX_CODES_PER_BATCH:,}", count=count)


def _check_reference(reference: str | None) -> str | None:
    if reference is None:
        return None
    cleaned = " ".join(reference.split())
    if len(cleaned) > MAX_REFERENCE:
        raise InvalidInput(f"a reference is at most {MAX_REFERENCE} characters")
    return cleaned or None


ProgressCallback = Callable[[Sequence[IssuedCode]], None]


class Codes:
    def __init__(self, db: Database, *, key: CodeKey, business_time_zone: str = "UTC") -> None:
        self._db = db
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
    ) -> IssuedBatch:
        """Issue ``count`` codes, each for ``units`` licenses of ``solution``/``level`` for ``term_months``.

        ``on_chunk`` is called inside the transaction with every chunk of new codes (for a progress bar or
        to write them out); if it raises, nothing is issued.
        """
        actor.require_staff("issue codes")
        if not 1 <= units <= MAX_UNITS:
            raise InvalidUnits(f"units must be between 1 and {MAX_UNITS:,}", units=units)
        if not 1 <= term_months <= MAX_TERM_MONTHS:
            raise InvalidInput(f"a term must be between 1 month and {MAX_TERM_MONTHS // 12} years")
        _check_count(count)
        with self._db.write() as session:
            found_solution = session.scalar(select(Solution).where(Solution.slug == solution.strip().lower()))
            if found_solution is None:
                raise UnknownSolution(f"unknown solution {solution!r}", solution=solution)
            found_level = session.scalar(
                select(PlanLevel).where(
                    PlanLevel.solution_id == found_solution.id, PlanLevel.slug == level.strip().lower()
                )
            )
            if found_level is None:
                raise UnknownPlanLevel(f"{found_solution.name} has no level {level!r}", solution=solution, level=level)
            if license_kind is not None and license_kind != found_solution.license_kind:
                raise InvalidInput(
                    f"{found_solution.name} is licensed per {found_solution.license_kind}, not per {license_kind}"
                )
            fields: dict[str, Any] = {
                "kind": "subscription",
                "solution_id": found_solution.id,
                "plan_level_id": found_level.id,
                "units": units,
                "term_months": term_months,
            }
            return self._issue(
                session,
                fields,
                actor=actor,
                now=now,
                count=count,
                reseller=reseller,
                account=account,
                redeem_by=redeem_by,
                reference=reference,
                on_chunk=on_chunk,
                request_ref=request_ref,
            )

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
    ) -> IssuedBatch:
        """Issue ``count`` credit codes worth ``amount`` each, of type ``topped_up`` or ``promo``."""
        actor.require_staff("issue codes")
        if amount.minor <= 0:
            raise InvalidInput("a credit code must be worth more than zero")
        if source not in CREDIT_CODE_SOURCES:
            raise InvalidInput(f"credit type must be one of {', '.join(CREDIT_CODE_SOURCES)}")
        _check_count(count)
        fields = {
            "kind": "credit",
            "amount_minor": amount.minor,
            "currency": amount.currency,
            "credit_source": source,
        }
        with self._db.write() as session:
            return self._issue(
                session,
                fields,
                actor=actor,
                now=now,
                count=count,
                reseller=reseller,
                account=account,
                redeem_by=redeem_by,
                reference=reference,
                on_chunk=on_chunk,
                request_ref=request_ref,
            )

    def _issue(
        self,
        session: Session,
        fields: dict[str, Any],
        *,
        actor: Actor,
        now: datetime,
        count: int,
        reseller: str | None,
        account: str | None,
        redeem_by: date | None,
        reference: str | None,
        on_chunk: ProgressCallback | None,
        request_ref: str | None,
    ) -> IssuedBatch:
        _check_redeem_by(redeem_by, local_date(now, self._tz))
        target_reseller = find_reseller(session, reseller) if reseller else None
        target_account = find_account(session, slug=account, actor=actor) if account else None
        if target_reseller and target_account and target_account.reseller_id != target_reseller.id:
            raise InvalidCodeTarget(
                f"account {target_account.slug!r} is not a customer of reseller {target_reseller.slug!r}"
            )
        batch = uuid.uuid4().hex
        shared = {
            **fields,
            "status": "issued",
            "reseller_id": target_reseller.id if target_reseller else None,
            "account_id": target_account.id if target_account else None,
            "redeem_by": redeem_by,
            "reference": _check_reference(reference),
            "batch": batch,
            "issued_by": actor.ref,
            "issued_at": now,
            "key_version": self._key.version,
        }
        issued: list[IssuedCode] = []
        for start in range(0, count, INSERT_CHUNK):
            chunk: list[IssuedCode] = []
            rows = []
            for _ in range(min(INSERT_CHUNK, count - start)):
                canonical = codeformat.generate()
                salt = codeformat.new_salt()
                rows.append(
                    {
                        **shared,
                        "prefix": codeformat.prefix_of(canonical),
                        "salt": salt,
                        "digest": self._key.digest(canonical, salt),
                    }
                )
                chunk.append(IssuedCode(codeformat.grouped(canonical), codeformat.prefix_of(canonical)))
            # Core bulk insert: one executemany per chunk, not one ORM object per code.
            session.execute(insert(PrepaidCode), rows)
            issued.extend(chunk)
            if on_chunk is not None:
                on_chunk(chunk)
        session.execute(
            insert(AuditEvent),
            [
                {
                    "at": now,
                    "actor": actor.ref,
                    "action": "code.issued",
                    "subject_type": "code",
                    "subject_id": code.prefix,
                    "account_id": shared["account_id"],
                    "details": {"batch": batch, "kind": fields["kind"], "count": count},
                    "request_ref": request_ref,
                }
                for code in issued
            ],
        )
        first = session.scalar(select(PrepaidCode).where(PrepaidCode.batch == batch).order_by(PrepaidCode.id).limit(1))
        assert first is not None
        return IssuedBatch(batch=batch, codes=tuple(issued), template=code_view(first, today=local_date(now, self._tz)))

    def show(self, *, code: str, actor: Actor, now: datetime) -> CodeView:
        """Look a code up by its full text (staff only)."""
        actor.require_staff("look up codes")
        canonical = codeformat.normalize(code)
        with self._db.read() as session:
            found = find_code(session, canonical=canonical, key=self._key)
            return code_view(found, today=local_date(now, self._tz))

    def find_by_prefix(self, *, prefix: str, actor: Actor, now: datetime) -> list[CodeView]:
        """Codes whose public prefix matches (staff only); a prefix may be shared by a few codes."""
        actor.require_staff("look up codes")
        cleaned = prefix.strip().upper().replace("-", "").rstrip("…")[: codeformat.PREFIX_LENGTH]
        with self._db.read() as session:
            found = session.scalars(
                select(PrepaidCode)
                .where(PrepaidCode.prefix == cleaned)
                .options(selectinload(PrepaidCode.redemption))
                .order_by(PrepaidCode.id)
            )
            return [code_view(c, today=local_date(now, self._tz)) for c in found]

    def batch(self, *, batch: str, actor: Actor, now: datetime) -> list[CodeView]:
        actor.require_staff("look up codes")
        with self._db.read() as session:
            found = session.scalars(
                select(PrepaidCode)
                .where(PrepaidCode.batch == batch)
                .options(selectinload(PrepaidCode.redemption))
                .order_by(PrepaidCode.id)
            )
            return [code_view(c, today=local_date(now, self._tz)) for c in found]

    def void(self, *, code: str, actor: Actor, now: datetime, request_ref: str | None = None) -> CodeView:
        """Void an unredeemed code (staff only). Voiding a voided code again is refused."""
        actor.require_staff("void codes")
        canonical = codeformat.normalize(code)
        with self._db.write() as session:
            found = find_code(session, canonical=canonical, key=self._key, for_update=True)
            claimed = session.execute(
                update(PrepaidCode)
                .where(PrepaidCode.id == found.id, PrepaidCode.status == "issued")
                .values(status="voided", voided_by=actor.ref, voided_at=now)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                if found.status == "voided":
                    raise CodeVoided("that code was already voided")
                raise CodeAlreadyRedeemed("that code was already redeemed and can no longer be voided")
            audit.record(
                session,
                actor=actor,
                action="code.voided",
                subject_type="code",
                subject_id=found.prefix,
                account_id=found.account_id,
                at=now,
                request_ref=request_ref,
            )
            session.refresh(found)
            return code_view(found, today=local_date(now, self._tz))


def code_prefix(text: str) -> str | None:
    """The public prefix of ``text`` when it reads as a code (however typed), else None."""
    try:
        return codeformat.prefix_of(codeformat.normalize(text))
    except BillingError:
        return None
