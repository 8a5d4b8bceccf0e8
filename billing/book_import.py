"""``joanbot import``: bring the vendor's existing book in, whole or not at all.

The whole book is checked first (``book_rows`` reads each row, ``book_check`` judges it against what the
database holds); only a book without a single problem is written, in one transaction, with one audit row
for the import (the counts and each file's SHA-256). Rows the database already holds as they are change
nothing, so importing the same book twice is harmless.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from billing import audit, collector, event_records
from billing.actors import Actor
from billing.book_check import BookReport, Known, check_book
from billing.book_export import CHUNK, account_row, reseller_row, running_blocks
from billing.book_rows import ACCOUNTS, LICENSES, Book, LicenseRow, read_book
from billing.bulk import insert_new_returning
from billing.db import Base, Database
from billing.events import Party, block_data
from billing.models import Account, Cohort, PlanLevel, Price, Reseller, Solution
from billing.models.licensing import CohortOrigin
from billing.models.parties import PaymentMethod
from billing.periods import local_date
from billing.prepared import Prepared

Progress = Callable[[int], None]  # told how many more rows were read, checked or written


def _noop(_: int) -> None:
    return None


def _chunks(items: Sequence[Any]) -> list[Sequence[Any]]:
    return [items[start : start + CHUNK] for start in range(0, len(items), CHUNK)]


def load_known(session: Session, book: Book, *, now: datetime) -> Known:
    """What the database holds of everything the book names, and the catalog."""
    slugs = sorted({row.slug for _, row in book.rows(ACCOUNTS)} | {row.account for _, row in book.rows(LICENSES)})
    resellers = {r.id: r for r in session.scalars(select(Reseller))}
    accounts: list[Account] = []
    for chunk in _chunks(slugs):
        accounts.extend(session.scalars(select(Account).where(Account.slug.in_(chunk))))
    levels: dict[str, set[str]] = defaultdict(set)
    for solution, level in session.execute(select(Solution.slug, PlanLevel.slug).join(PlanLevel.solution)):
        levels[solution].add(level)
    prices = session.execute(
        select(Solution.slug, PlanLevel.slug, Price.interval, Price.currency)
        .join(PlanLevel, PlanLevel.id == Price.plan_level_id)
        .join(Solution, Solution.id == PlanLevel.solution_id)
    )
    return Known(
        resellers={r.slug: reseller_row(r) for r in resellers.values()},
        accounts={a.slug: account_row(a, resellers[a.reseller_id].slug if a.reseller_id else None) for a in accounts},
        closed=frozenset(a.slug for a in accounts if a.closed_at is not None),
        levels={solution: frozenset(found) for solution, found in levels.items()},
        prices=frozenset((s, lv, str(i), c) for s, lv, i, c in prices),
        blocks=running_blocks(session, [a.id for a in accounts], today=now.date()) if accounts else {},
    )


class BookImport:
    def __init__(self, db: Database) -> None:
        self._db = db

    def check(
        self, *, contents: Mapping[str, bytes | None], actor: Actor, now: datetime, progress: Progress = _noop
    ) -> BookReport:
        """The dry run: every row's verdict and every problem; nothing is written."""
        actor.require_admin("import the book")
        with collector.paused():  # a typed row per line, alive to the end (``billing.collector``)
            book = read_book(contents, on_rows=progress)
            with self._db.read() as session:
                return check_book(book, load_known(session, book, now=now), now=now)

    def apply(
        self,
        *,
        contents: Mapping[str, bytes | None],
        actor: Actor,
        now: datetime,
        progress: Progress = _noop,
        request_ref: str | None = None,
    ) -> BookReport:
        """Check, and only if there is no problem at all write every new row, in one transaction."""
        actor.require_admin("import the book")
        with collector.paused():  # the rows, and a dict of values per row written, alive to the end
            book = read_book(contents, on_rows=progress)
            with self._db.write() as session:
                report = check_book(book, load_known(session, book, now=now), now=now)
                if report.ok:
                    _write(session, report, now=now, progress=progress)
                    audit.record(
                        session,
                        actor=actor,
                        action="book.imported",
                        subject_type="book",
                        subject_id=now.date().isoformat(),
                        at=now,
                        details={
                            "counts": {name: asdict(counts) for name, counts in report.counts.items()},
                            "sha256": report.hashes,
                        },
                        request_ref=request_ref,
                    )
                return report


def _write(session: Session, report: BookReport, *, now: datetime, progress: Progress) -> None:
    for chunk in _chunks(report.resellers):
        session.connection().execute(
            insert(Base.metadata.tables["resellers"]),
            [
                {
                    "slug": r.slug,
                    "name": r.name,
                    "slack_team_id": r.slack_team_id,
                    "contact_emails": list(r.emails),
                    "created_at": now,
                }
                for r in chunk
            ],
        )
        progress(len(chunk))
    reseller_ids = {slug: id_ for slug, id_ in session.execute(select(Reseller.slug, Reseller.id))}
    for chunk in _chunks(report.accounts):
        _INSERT_ACCOUNTS.many(session.connection(), [_account(a, reseller_ids, now) for a in chunk])
        progress(len(chunk))
    added = _write_blocks(session, report.licenses, now=now, progress=progress)
    event_records.imported(session, added, now=now)


_ACCOUNT_COLUMNS = ("slug", "name", "time_zone", "currency", "payment_method", "reseller_id", "contact_emails")
# Prepared (``billing.prepared``): on SQLite SQLAlchemy's per-row parameter work cost more than the insert.
_INSERT_ACCOUNTS = Prepared(insert(Base.metadata.tables["accounts"]), keys=(*_ACCOUNT_COLUMNS, "created_at"))


def _account(row: Any, reseller_ids: dict[str, int], now: datetime) -> dict[str, object]:
    return {
        "slug": row.slug,
        "name": row.name,
        "time_zone": row.time_zone,
        "currency": row.currency,
        "payment_method": row.pays,
        "reseller_id": reseller_ids[row.reseller] if row.reseller else None,
        "contact_emails": list(row.emails),
        "created_at": now,
    }


def _write_blocks(
    session: Session, rows: Sequence[LicenseRow], *, now: datetime, progress: Progress
) -> list[tuple[Party, dict[str, Any]]]:
    """Insert the book's blocks; each new block's account and what an event says of it, in id order."""
    accounts: dict[str, tuple[int, str, PaymentMethod]] = {}
    parties: dict[str, Party] = {}
    for chunk in _chunks(sorted({row.account for row in rows})):
        query = select(
            Account.slug, Account.id, Account.time_zone, Account.payment_method, Account.reseller_id, Account.name
        ).where(Account.slug.in_(chunk))
        for slug, id_, tz, pays, reseller_id, name in session.execute(query):
            accounts[slug] = (id_, tz, pays)
            parties[slug] = Party(id_, reseller_id, slug, name, pays)
    levels = {
        (solution, level): (solution_id, level_id, kind)
        for solution, level, solution_id, level_id, kind in session.execute(
            select(Solution.slug, PlanLevel.slug, Solution.id, PlanLevel.id, Solution.license_kind).join(
                PlanLevel.solution
            )
        )
    }
    today = {slug: local_date(now, tz) for slug, (_, tz, _) in accounts.items()}
    cohorts = Base.metadata.tables["cohorts"]
    added: list[tuple[Party, dict[str, Any]]] = []
    for chunk in _chunks(rows):
        values = []
        for row in chunk:
            account_id, _, pays = accounts[row.account]
            solution_id, level_id, kind = levels[(row.solution, row.level)]
            values.append(
                {
                    "account_id": account_id,
                    "solution_id": solution_id,
                    "plan_level_id": level_id,
                    "license_kind": kind,
                    "units": row.units,
                    "anchor_on": row.starts,
                    "term_months": row.term_months,
                    "starts_on": row.starts,
                    "ends_on": row.renews,
                    "auto_renew": row.auto_renews,
                    # A subscription is the account's own from here on (its next renewal bills as any other).
                    "origin": CohortOrigin(pays) if row.auto_renews else CohortOrigin.IMPORTED,
                    "reference": row.reference,
                    "created_at": now,
                    # Reminders whose threshold passed before the import are never sent (the rule for new blocks).
                    "created_on": today[row.account],
                }
            )
        # By COPY on PostgreSQL (``billing.bulk``): a 500-row INSERT text is one psycopg parses again each time.
        # No id is given, so none is taken: every row goes in, and the ids come back in the rows' order.
        new = insert_new_returning(session.connection(), cohorts, values, key=["id"], returning=[cohorts.c.id])
        for (cohort_id,), row, value in zip(new, chunk, values, strict=True):
            data = block_data(
                cohort_id, row.solution, row.level, value["license_kind"], row.units, row.starts, row.renews
            )
            added.append((parties[row.account], data))
        progress(len(chunk))
    _link_renewals(session, rows, accounts, now=now)
    return added


def _link_renewals(
    session: Session, rows: Sequence[LicenseRow], accounts: dict[str, tuple[int, str, PaymentMethod]], *, now: datetime
) -> None:
    """A block that starts the day another of the same account, solution and level renews is its renewal (as
    a code redeemed as a renewal makes it): the earlier block gets no more reminders."""
    ends: dict[tuple[str, str, str], set[Any]] = defaultdict(set)
    for row in rows:
        if not row.auto_renews:
            ends[(row.account, row.solution, row.level)].add(row.renews)
    pairs = [r for r in rows if not r.auto_renews and r.starts in ends.get((r.account, r.solution, r.level), ())]
    if not pairs:
        return
    imported: dict[tuple[int, int, int, Any, Any], int] = {}
    for chunk in _chunks(sorted({accounts[row.account][0] for row in pairs})):
        query = (
            select(
                Cohort.account_id, Cohort.solution_id, Cohort.plan_level_id, Cohort.starts_on, Cohort.ends_on, Cohort.id
            )
            .where(Cohort.account_id.in_(chunk), Cohort.origin == CohortOrigin.IMPORTED, Cohort.created_at == now)
            .order_by(Cohort.id)
        )
        for *key, cohort_id in session.execute(query):
            imported.setdefault(tuple(key), cohort_id)  # type: ignore[arg-type]
    by_end = {(a, s, lv, ends_on): cohort_id for (a, s, lv, _, ends_on), cohort_id in reversed(imported.items())}
    for (account_id, solution_id, level_id, starts_on, _), cohort_id in imported.items():
        earlier = by_end.pop((account_id, solution_id, level_id, starts_on), None)
        if earlier is not None:
            session.execute(update(Cohort).where(Cohort.id == earlier).values(renewed_at=now))
            session.execute(update(Cohort).where(Cohort.id == cohort_id).values(renews_cohort_id=earlier))
