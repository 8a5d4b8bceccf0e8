"""What a redemption reads, as Core rows mapped straight to the typed values its pure rule takes.

Each statement is built once (a redemption runs them all, and building and cache-keying a statement costs
more on SQLite than running it), selects only the columns the rule and the receipt need, and joins the
names it shows in the same statement; no ORM object is made. The account comes first and, for a
redemption, locked; the code is found by its public prefix and its keyed hash; the blocks the code could
renew and those of another level of its solution are read by the partial index on unrenewed cohorts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, bindparam, func, null, select, union_all
from sqlalchemy import cast as sql_cast

from billing.accounts import AccountNotFound, AccountView
from billing.actors import Actor
from billing.attempts import ATTEMPT_WINDOW, counts_per_account, failure_counts
from billing.codeformat import CodeKey, prefix_of
from billing.codes import CodeView, UnknownCode
from billing.licensing import RENEWAL_CHOICES, CohortView, candidate_conditions, renewal_window
from billing.models import Account, Cohort, PlanLevel, PrepaidCode, Redemption, Reseller, Solution
from billing.models.codes import CodeKind, CodeStatus
from billing.money import Money
from billing.prepared import Prepared
from billing.redemption_plan import BlockFacts, CodeFacts

_Row = Row[*tuple[Any, ...]]  # one row of the statements below

# Renewal choices beyond those shown are counted up to this many ("and 100 or more"): however long an
# account's history, the count stays bounded.
MORE_COUNTED = 100


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


_ACCOUNTS, _RESELLERS, _CODES = _table(Account), _table(Reseller), _table(PrepaidCode)
_COHORTS, _SOLUTIONS, _LEVELS, _REDEMPTIONS = _table(Cohort), _table(Solution), _table(PlanLevel), _table(Redemption)

_ACCOUNT = (
    select(
        _ACCOUNTS.c.id,
        _ACCOUNTS.c.slug,
        _ACCOUNTS.c.name,
        _ACCOUNTS.c.time_zone,
        _ACCOUNTS.c.currency,
        _ACCOUNTS.c.payment_method,
        _ACCOUNTS.c.reseller_id,
        _RESELLERS.c.slug,
        _RESELLERS.c.name,
        _ACCOUNTS.c.contact_emails,
        _ACCOUNTS.c.closed_at,
    )
    .select_from(_ACCOUNTS.outerjoin(_RESELLERS, _RESELLERS.c.id == _ACCOUNTS.c.reseller_id))
    .where(_ACCOUNTS.c.slug == bindparam("slug"))
)
# To redeem: locked (on SQLite the write transaction began IMMEDIATE), with the refused attempts the rate
# limits count, of the person and of the account, in the same statement.
_ACCOUNT_TO_REDEEM = {
    per_account: Prepared(_ACCOUNT.add_columns(*counts).with_for_update(of=_ACCOUNTS))
    for per_account, counts in failure_counts(_ACCOUNTS.c.id).items()
}


def account(connection: Connection, *, slug: str, actor: Actor) -> AccountView:
    """The account an actor may see, by slug; one they may not see is reported as unknown."""
    return _account_view(connection.execute(_ACCOUNT, {"slug": slug.strip().lower()}).first(), slug, actor)


def account_to_redeem(
    connection: Connection, *, slug: str, actor: Actor, now: datetime
) -> tuple[AccountView, tuple[int, int]]:
    """The account, locked for the transaction, and the person's and the account's counted refused attempts
    (``attempts.refuse_over_limit`` judges them)."""
    params = {"slug": slug.strip().lower(), "actor": actor.person, "since": now - ATTEMPT_WINDOW}
    found = _ACCOUNT_TO_REDEEM[counts_per_account(actor)].rows(connection, params)
    row = found[0] if found else None
    view = _account_view(row, slug, actor)
    assert row is not None
    return view, (int(row[11]), int(row[12]))


def _account_view(row: _Row | None, slug: str, actor: Actor) -> AccountView:
    if row is None or not actor.may_see_account(row[6]):
        raise AccountNotFound(f"no account {slug!r}", account=slug)
    key, slug_, name, time_zone, currency, pays, reseller_id, reseller_slug, reseller_name = tuple(row)[:9]
    return AccountView(
        id=key,
        slug=slug_,
        name=name,
        time_zone=time_zone,
        currency=currency,
        payment_method=pays,
        reseller_id=reseller_id,
        reseller_slug=reseller_slug,
        reseller_name=reseller_name,
        contact_emails=tuple(row[9] or ()),
        closed_at=row[10],
    )


_CODE = Prepared(  # what every redemption needs: the code and the names of its plan
    select(
        *(_CODES.c[name] for name in ("id", "prefix", "salt", "digest", "key_version", "kind", "status")),
        *(_CODES.c[name] for name in ("solution_id", "plan_level_id", "units", "term_months")),
        *(_CODES.c[name] for name in ("amount_minor", "currency", "credit_source", "reseller_id", "account_id")),
        *(_CODES.c[name] for name in ("redeem_by", "reference", "batch", "issued_by", "issued_at")),
        *(_CODES.c[name] for name in ("voided_by", "voided_at")),
        _SOLUTIONS.c.slug.label("solution"),
        _SOLUTIONS.c.name.label("solution_name"),
        _SOLUTIONS.c.license_kind,
        _LEVELS.c.slug.label("level"),
        _LEVELS.c.name.label("level_name"),
    )
    .select_from(
        _CODES.outerjoin(_SOLUTIONS, _SOLUTIONS.c.id == _CODES.c.solution_id).outerjoin(
            _LEVELS, _LEVELS.c.id == _CODES.c.plan_level_id
        )
    )
    .where(_CODES.c.prefix == bindparam("prefix"))
)
_CODE_ACCOUNT, _REDEEMED_INTO = _ACCOUNTS.alias("code_account"), _ACCOUNTS.alias("redeemed_into")
_PARTIES = Prepared(  # only for a code meant for someone, or already redeemed (PostgreSQL plans a 7-table join slowly)
    select(
        _RESELLERS.c.slug,
        _CODE_ACCOUNT.c.slug,
        _REDEMPTIONS.c.redeemed_by,
        _REDEMPTIONS.c.redeemed_at,
        _REDEEMED_INTO.c.slug,
    )
    .select_from(
        _CODES.outerjoin(_RESELLERS, _RESELLERS.c.id == _CODES.c.reseller_id)
        .outerjoin(_CODE_ACCOUNT, _CODE_ACCOUNT.c.id == _CODES.c.account_id)
        .outerjoin(_REDEMPTIONS, _REDEMPTIONS.c.code_id == _CODES.c.id)
        .outerjoin(_REDEEMED_INTO, _REDEEMED_INTO.c.id == _REDEMPTIONS.c.account_id)
    )
    .where(_CODES.c.id == bindparam("code_id"))
)
_NOBODY = (None, None, None, None, None)


def code(connection: Connection, *, canonical: str, key: CodeKey, today: date) -> CodeFacts:
    """The code whose keyed hash matches (codes sharing the public prefix are told apart by it)."""
    for row in _CODE.rows(connection, {"prefix": prefix_of(canonical)}):
        if row.key_version == key.version and key.matches(canonical, salt=row.salt, digest=row.digest):
            plain = row.status == CodeStatus.ISSUED and row.reseller_id is None and row.account_id is None
            parties = _NOBODY if plain else tuple(_PARTIES.rows(connection, {"code_id": row.id})[0])
            return _code_facts(row, parties, today)
    raise UnknownCode("no such code: check it, or ask the person who sent it")


def _code_facts(row: _Row, parties: tuple[Any, ...], today: date) -> CodeFacts:
    status = CodeStatus(row.status)
    expired = status == CodeStatus.ISSUED and row.redeem_by is not None and today > row.redeem_by
    credit = Money(row.amount_minor, row.currency) if row.amount_minor and row.currency else None
    view = CodeView(
        id=row.id,
        prefix=row.prefix,
        kind=row.kind,
        status="expired" if expired else status,
        solution=row.solution,
        solution_name=row.solution_name,
        level=row.level,
        level_name=row.level_name,
        license_kind=row.license_kind,
        units=row.units,
        term_months=row.term_months,
        amount=credit,
        credit_source=row.credit_source,
        reseller=parties[0],
        account=parties[1],
        redeem_by=row.redeem_by,
        reference=row.reference,
        batch=row.batch,
        issued_by=row.issued_by,
        issued_at=row.issued_at,
        voided_by=row.voided_by,
        voided_at=row.voided_at,
        redeemed_by=parties[2],
        redeemed_at=parties[3],
        redeemed_into=parties[4],
    )
    kind = CodeKind(row.kind)
    return CodeFacts(
        view=view,
        status=status,
        kind=kind,
        account_id=row.account_id,
        reseller_id=row.reseller_id,
        redeem_by=row.redeem_by,
        solution_id=row.solution_id,
        plan_level_id=row.plan_level_id,
        level_name=row.level_name,
        term_months=row.term_months,
        credit=credit if kind == CodeKind.CREDIT else None,
    )


_BLOCK_COLUMNS = tuple(
    _COHORTS.c[name]
    for name in ("id", "units", "starts_on", "ends_on", "term_months", "license_kind", "auto_renew", "renews_cohort_id")
)
_UNRENEWED_OF_LEVEL = candidate_conditions(with_level=True)
_CANDIDATES = (  # this level's soonest (one more than shown, to know whether to count the rest)
    select(
        *_BLOCK_COLUMNS,
        _COHORTS.c.plan_level_id,
        sql_cast(null(), _LEVELS.c.slug.type).label("level"),  # typed: PostgreSQL unions them with the columns
        sql_cast(null(), _LEVELS.c.name.type).label("name"),
        sql_cast(null(), _COHORTS.c.renewed_at.type).label("renewed_at"),
    )
    .where(*_UNRENEWED_OF_LEVEL)
    .order_by(_COHORTS.c.ends_on, _COHORTS.c.id)
    .limit(RENEWAL_CHOICES + 1)
    .subquery()
)
_OTHER_LEVELS = (  # every other level's still running after today
    select(*_BLOCK_COLUMNS, _COHORTS.c.plan_level_id, _LEVELS.c.slug, _LEVELS.c.name, _COHORTS.c.renewed_at)
    .join(_LEVELS, _LEVELS.c.id == _COHORTS.c.plan_level_id)
    .where(
        _COHORTS.c.account_id == bindparam("account_id"),
        _COHORTS.c.solution_id == bindparam("solution_id"),
        _COHORTS.c.plan_level_id != bindparam("plan_level_id"),
        _COHORTS.c.ends_on > bindparam("today"),
    )
)
_BLOCKS = Prepared(union_all(select(_CANDIDATES), _OTHER_LEVELS))  # one round trip for both
_MORE = Prepared(
    select(func.count()).select_from(
        select(_COHORTS.c.id)
        .where(*_UNRENEWED_OF_LEVEL)
        .order_by(_COHORTS.c.ends_on, _COHORTS.c.id)
        .offset(RENEWAL_CHOICES)
        .limit(MORE_COUNTED)
        .subquery()
    )
)
_ONE_BLOCK = (
    select(
        *_BLOCK_COLUMNS,
        _COHORTS.c.account_id,
        _COHORTS.c.solution_id,
        _COHORTS.c.plan_level_id,
        _COHORTS.c.renewed_at,
        _SOLUTIONS.c.slug,
        _SOLUTIONS.c.name,
        _LEVELS.c.slug,
        _LEVELS.c.name,
    )
    .join(_SOLUTIONS, _SOLUTIONS.c.id == _COHORTS.c.solution_id)
    .join(_LEVELS, _LEVELS.c.id == _COHORTS.c.plan_level_id)
    .where(_COHORTS.c.id == bindparam("cohort_id"))
)


def _block(
    row: _Row, *, account_id: int, solution: tuple[int, str, str], level: tuple[int, str, str], renewed: bool
) -> BlockFacts:
    """A cohort row (``_BLOCK_COLUMNS`` first) with its solution's and level's (id, slug, name)."""
    block_id, units, starts_on, ends_on, term_months, license_kind, auto_renew, renews_cohort_id = tuple(row)[:8]
    view = CohortView(
        id=block_id,
        solution=solution[1],
        solution_name=solution[2],
        level=level[1],
        level_name=level[2],
        license_kind=license_kind,
        units=units,
        starts_on=starts_on,
        ends_on=ends_on,
        term_months=term_months,
        auto_renew=auto_renew,
        renewed=renewed,
        renews_cohort_id=renews_cohort_id,
    )
    return BlockFacts(
        view=view, account_id=account_id, solution_id=solution[0], plan_level_id=level[0], auto_renew=auto_renew
    )


@dataclass(frozen=True)
class Blocks:
    candidates: tuple[BlockFacts, ...]  # blocks of the code's own plan it could renew, soonest first
    more_candidates: int  # further such blocks, counted up to ``MORE_COUNTED``
    other_levels: tuple[BlockFacts, ...]  # blocks of its solution at another level still running after today


def blocks(connection: Connection, *, account_id: int, code: CodeFacts, today: date) -> Blocks:
    """The blocks the rule compares the code with, in one statement: the soonest it could renew (at most
    ``RENEWAL_CHOICES``; the rest only counted, when there are more) and those of another level of its
    solution still running after today (a new period never starts before today, so older ones cannot
    clash with it)."""
    assert code.solution_id is not None and code.plan_level_id is not None
    lapsed_after, horizon = renewal_window(today)
    params = {
        "account_id": account_id,
        "solution_id": code.solution_id,
        "plan_level_id": code.plan_level_id,
        "lapsed_after": lapsed_after,
        "horizon": horizon,
    }
    solution = (code.solution_id, code.view.solution or "", code.view.solution_name or "")
    own = (code.plan_level_id, code.view.level or "", code.level_name or "")
    candidates, others = [], []
    for row in _BLOCKS.rows(connection, {**params, "today": today}):
        if row[9] is None:  # no level name: a candidate, of the code's own level
            candidates.append(_block(row, account_id=account_id, solution=solution, level=own, renewed=False))
        else:
            level, renewed = (row[8], row[9], row[10]), row[11] is not None
            others.append(_block(row, account_id=account_id, solution=solution, level=level, renewed=renewed))
    candidates.sort(key=lambda b: (b.view.ends_on, b.view.id))
    others.sort(key=lambda b: (-b.view.ends_on.toordinal(), b.view.id))
    more = 0
    if len(candidates) > RENEWAL_CHOICES:
        candidates, more = candidates[:RENEWAL_CHOICES], int(_MORE.rows(connection, params)[0][0])
    return Blocks(tuple(candidates), more, tuple(others))


def block(connection: Connection, cohort_id: int) -> BlockFacts | None:
    """One block by id, whoever's it is (the rule checks it is the account's)."""
    row = connection.execute(_ONE_BLOCK, {"cohort_id": cohort_id}).first()
    if row is None:
        return None
    account_id, solution_id, level_id, renewed_at, solution_slug, solution_name, level_slug, level_name = row[8:]
    return _block(
        row,
        account_id=account_id,
        solution=(solution_id, solution_slug, solution_name),
        level=(level_id, level_slug, level_name),
        renewed=renewed_at is not None,
    )
