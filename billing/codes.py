"""Pre-paid codes as staff see them: views, lookup by text, prefix or batch, and voiding.

The database keeps a code's public prefix and an HMAC of it (see ``codeformat``), never its text.
Issuing lives in ``issuing.py``, redemption in ``redemption.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from billing import audit, codeformat
from billing.actors import Actor
from billing.codeformat import CodeKey
from billing.db import Database
from billing.errors import BillingError, Conflict, NotFound
from billing.models import Account, PrepaidCode, Reseller
from billing.models.codes import CodeKind, CodeStatus
from billing.models.ledger import CreditSource
from billing.money import Money
from billing.periods import describe_term, local_date
from billing.wording import license_phrase


class UnknownCode(NotFound):
    code = "unknown_code"


class CodeAlreadyRedeemed(Conflict):
    code = "code_already_redeemed"


# A code found redeemed this recently was redeemed by a concurrent request (a race, or a second click).
LOST_RACE_WINDOW = timedelta(minutes=1)


class RedeemedMeanwhile(CodeAlreadyRedeemed):
    """Another request redeemed the code moments before this one (a lost race, not a guess): same code, same
    wording, but it does not count towards the lockout."""


class CodeVoided(Conflict):
    code = "code_voided"


class CodeExpired(Conflict):
    code = "code_expired"


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
    level_name: str | None = None

    @property
    def display(self) -> str:
        return codeformat.display(self.prefix)

    @property
    def term(self) -> str | None:
        return describe_term(self.term_months) if self.term_months else None

    def summary(self) -> str:
        if self.kind == CodeKind.CREDIT:
            return f"{self.amount} of {CreditSource(self.credit_source or 'promo').words}"
        return (
            f"{license_phrase(self.units or 0, self.solution_name, self.level_name, self.license_kind)} for {self.term}"
        )


def code_status(code: PrepaidCode, *, today: date) -> str:
    if code.status == CodeStatus.ISSUED and code.redeem_by is not None and today > code.redeem_by:
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
        level_name=code.level.name if code.level else None,
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


# One statement, built once: the plan (many-to-one) and the redemption are joined, not loaded one by one later.
_BY_PREFIX = (
    select(PrepaidCode)
    .where(PrepaidCode.prefix == bindparam("prefix"))
    .options(joinedload(PrepaidCode.redemption), joinedload(PrepaidCode.solution), joinedload(PrepaidCode.level))
)
_BY_PREFIX_FOR_UPDATE = _BY_PREFIX.with_for_update(of=PrepaidCode)


def find_code(session: Session, *, canonical: str, key: CodeKey, for_update: bool = False) -> PrepaidCode:
    """The code whose digest matches; candidates share the public prefix."""
    query = _BY_PREFIX_FOR_UPDATE if for_update else _BY_PREFIX
    for candidate in session.scalars(query, {"prefix": codeformat.prefix_of(canonical)}):
        if candidate.key_version == key.version and key.matches(
            canonical, salt=candidate.salt, digest=candidate.digest
        ):
            return candidate
    raise UnknownCode("no such code: check it, or ask the person who sent it")


class Codes:
    def __init__(self, db: Database, *, key: CodeKey, business_time_zone: str = "UTC") -> None:
        self._db = db
        self._key = key
        self._tz = business_time_zone

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
                .where(PrepaidCode.id == found.id, PrepaidCode.status == CodeStatus.ISSUED)
                .values(status=CodeStatus.VOIDED, voided_by=actor.ref, voided_at=now)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                if found.status == CodeStatus.VOIDED:
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
